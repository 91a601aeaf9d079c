//! The pipelined parse of a CSV source's blocks: chunks parsed on the pool, their results
//! folded in file order on the calling thread ([`Blocks::parse`]).

use super::{Chunk, Lines, Part, csv_file, stream};
use crate::error::Result;

/// What [`Blocks::parse`] reports: the bytes it read and how long it waited for the file with
/// nothing to parse.
pub(super) struct Parsed {
    pub(super) ticked: u64,
    pub(super) waited: std::time::Duration,
}

/// The parts of a CSV [`Source`] that its blocks' chunks are parsed with.
pub(super) struct Blocks<'s> {
    pub(super) id: u16,
    pub(super) headers: &'s [String],
    pub(super) lines: &'s std::sync::Mutex<Lines>,
    pub(super) chunk_bytes: usize,
    pub(super) progress: &'s crate::progress::Meter,
}

/// Blocks whose chunks the pool has at once.
const IN_FLIGHT: usize = 2;

impl Blocks<'_> {
    /// Splits each block from `rx` into chunks, `map`s them on the pool (two blocks' worth at a
    /// time) and `fold`s the results in order; hands each block's text back to the reader
    /// (`spare`) once its chunks are folded.
    pub(super) fn parse<T: Send>(
        &self,
        rx: std::sync::mpsc::Receiver<Result<OwnedBlock>>,
        spare: std::sync::mpsc::Sender<String>,
        map: &(impl Fn(&Chunk<'_>) -> T + Sync),
        fold: &mut impl FnMut(T) -> Result<()>,
    ) -> Result<Parsed> {
        use std::sync::Arc;
        // (chunk number, its result, or the panic of its parse, raised again here).
        let (done_tx, done_rx) = std::sync::mpsc::channel::<(usize, std::thread::Result<T>)>();
        rayon::in_place_scope(|scope| {
            // The blocks being parsed, each with the number after its last chunk.
            let mut flight: std::collections::VecDeque<(Arc<OwnedBlock>, usize)> =
                std::collections::VecDeque::with_capacity(IN_FLIGHT);
            // Results that came before the ones ahead of them.
            let mut early: std::collections::BTreeMap<usize, T> = std::collections::BTreeMap::new();
            let (mut spawned, mut next, mut ended) = (0usize, 0usize, false);
            let mut out = Parsed {
                ticked: 0,
                waited: std::time::Duration::ZERO,
            };
            loop {
                while !ended && flight.len() < IN_FLIGHT {
                    let t0 = std::time::Instant::now();
                    let Ok(block) = rx.recv() else {
                        ended = true;
                        break;
                    };
                    if flight.is_empty() {
                        out.waited += t0.elapsed();
                    }
                    let block = Arc::new(block?);
                    spawned = self.spawn(scope, &block, spawned, &done_tx, map);
                    flight.push_back((block, spawned));
                }
                let Some(&(_, end)) = flight.front() else {
                    return Ok(out);
                };
                while next < end {
                    let t = match early.remove(&next) {
                        Some(t) => t,
                        None => {
                            let (seq, r) = done_rx.recv().expect("a sender is held here");
                            let t = r.unwrap_or_else(|p| std::panic::resume_unwind(p));
                            if seq != next {
                                early.insert(seq, t);
                                continue;
                            }
                            t
                        }
                    };
                    fold(t)?;
                    next += 1;
                }
                let (block, _) = flight.pop_front().expect("a block in flight");
                self.progress.inc(block.raw_bytes);
                out.ticked += block.raw_bytes;
                // Every chunk of it has sent its result, after dropping its share.
                if let Ok(b) = Arc::try_unwrap(block) {
                    // The reader fills it again: no fresh pages per block.
                    let _ = spare.send(b.text);
                }
            }
        })
    }

    /// Splits `block` into chunks and spawns the parse of each on `scope`, numbered from
    /// `first`; each sends its number and result (or its panic) to `done`. Returns the number
    /// after the block's last chunk.
    fn spawn<'scope, T: Send + 'scope>(
        &'scope self,
        scope: &rayon::Scope<'scope>,
        block: &std::sync::Arc<OwnedBlock>,
        first: usize,
        done: &std::sync::mpsc::Sender<(usize, std::thread::Result<T>)>,
        map: &'scope (impl Fn(&Chunk<'_>) -> T + Sync),
    ) -> usize {
        if block.header_lines > 0 {
            let mut l = self.lines.lock().expect("line tally");
            l.header += block.header_lines;
            l.physical += block.header_lines;
        }
        let bytes = block.text.as_bytes();
        let bounds =
            csv_file::split(bytes, 0, self.chunk_bytes).unwrap_or_else(|| vec![0, bytes.len()]);
        let mut line = block.first_line as usize;
        let mut seq = first;
        for w in bounds.windows(2) {
            let (a, b, first_line) = (w[0], w[1], u32::try_from(line).unwrap_or(u32::MAX));
            line += memchr::memchr_iter(b'\n', &bytes[a..b]).count();
            let (block, done, at) = (std::sync::Arc::clone(block), done.clone(), seq);
            seq += 1;
            scope.spawn(move |_| {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    map(&Chunk {
                        id: self.id,
                        headers: self.headers,
                        lines: self.lines,
                        part: Part::Csv {
                            text: &block.text[a..b],
                            first_line,
                        },
                        bad_encoding: block.had_errors,
                    })
                }));
                // Before the result: the block is free once its last result is in.
                drop(block);
                let _ = done.send((at, r));
            });
        }
        seq
    }
}

/// A block as the reader thread hands it on: its text taken out of the stream
/// ([`stream::CsvStream::take_block`]: the stream's own buffer when the text is the bytes as
/// read, else a copy into a recycled string), while the reader goes on filling another.
pub(super) struct OwnedBlock {
    pub(super) text: String,
    pub(super) first_line: u32,
    pub(super) raw_bytes: u64,
    pub(super) had_errors: bool,
    pub(super) header_lines: u64,
}

impl OwnedBlock {
    /// The block's facts, its text still to be taken.
    pub(super) fn of(b: &stream::Block<'_>) -> OwnedBlock {
        OwnedBlock {
            text: String::new(),
            first_line: b.first_line,
            raw_bytes: b.raw_bytes as u64,
            had_errors: b.had_errors,
            header_lines: b.header_lines,
        }
    }
}
