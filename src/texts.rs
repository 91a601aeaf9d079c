//! The complaints' free texts, kept out of the complaint rows.
//!
//! A text is the largest field of a complaint (82 bytes on average in the benchmark's synthetic
//! export, real complaints often longer; as a shared string on the heap, a 48-byte allocation
//! besides) and almost nothing reads it: the classify stage's rules, the
//! record tables, a report's lists of late complaints and `explain`. Normalize appends each
//! chunk's texts to one [`TextStore`] (a [`Spool`]: in memory up to a budget, in a scratch file
//! beyond it) and the complaint keeps a [`TextRef`]. Readers take a [`TextWindow`] over the
//! complaints they work on: in memory that borrows the store; from a file it is one read of
//! the span the window's texts occupy (complaints come in file order, mostly), or a read per
//! text when they are scattered.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::TextRef;
use crate::output::{Bytes, Spool};

/// The run's texts.
#[derive(Debug)]
pub struct TextStore {
    spool: Spool,
    finished: bool,
}

impl Default for TextStore {
    /// An empty store in memory, finished: it reads as holding no text.
    fn default() -> Self {
        let mut s =
            TextStore::new(&std::env::temp_dir(), usize::MAX, 0).expect("a store in memory");
        s.finish().expect("a store in memory");
        s
    }
}

/// A window is read as one span when the span is at most this many times the bytes of its
/// texts (plus [`SPAN_SLACK`]); otherwise text by text.
const SPAN_FACTOR: u64 = 2;
const SPAN_SLACK: u64 = 1 << 20;

impl TextStore {
    /// An empty store for about `expected` bytes: in memory if that fits `budget`, else in a
    /// scratch file in `dir`.
    pub fn new(dir: &Path, budget: usize, expected: u64) -> Result<TextStore> {
        Ok(TextStore {
            spool: Spool::new(dir, budget, expected)?,
            finished: false,
        })
    }

    /// Appends a chunk's texts (their references are relative to the chunk's start) and
    /// returns where the chunk starts.
    pub fn append(&mut self, bytes: &[u8]) -> Result<u64> {
        let at = self.spool.len();
        if !bytes.is_empty() {
            self.spool.append(bytes)?;
        }
        Ok(at)
    }

    /// Ends the writing; the store can be read from then on.
    pub fn finish(&mut self) -> Result<()> {
        if !self.finished {
            self.spool.finish()?;
            self.finished = true;
        }
        Ok(())
    }

    /// Bytes of text held.
    pub fn len(&self) -> u64 {
        self.spool.len()
    }

    /// True when no text is held.
    pub fn is_empty(&self) -> bool {
        self.spool.len() == 0
    }

    /// Bytes in a scratch file (all of them, or none).
    pub fn disk_bytes(&self) -> u64 {
        self.spool.disk_bytes()
    }

    /// One text (for a few complaints: a window reads many at once).
    pub fn get(&self, r: Option<TextRef>) -> Result<Option<String>> {
        let Some(r) = r else { return Ok(None) };
        let w = self.window([Some(r)])?;
        Ok(w.get(Some(r)).map(str::to_owned))
    }

    /// The texts of `refs` (a chunk of complaints'), read in one go.
    pub fn window(
        &self,
        refs: impl IntoIterator<Item = Option<TextRef>>,
    ) -> Result<TextWindow<'_>> {
        if !self.finished {
            return Err(Error::Other(
                "internal error: the text store was read before it was finished".into(),
            ));
        }
        if self.spool.disk_bytes() == 0 {
            // In memory: the whole store, borrowed.
            let all = self.spool.read(0, self.spool.len() as usize)?;
            return Ok(TextWindow {
                base: 0,
                bytes: all,
                scattered: Vec::new(),
            });
        }
        let mut refs: Vec<TextRef> = refs.into_iter().flatten().collect();
        if refs.is_empty() {
            return Ok(TextWindow::default());
        }
        let lo = refs.iter().map(|r| r.offset()).min().unwrap_or(0);
        let hi = refs
            .iter()
            .map(|r| r.offset() + r.len() as u64)
            .max()
            .unwrap_or(0);
        let total: u64 = refs.iter().map(|r| r.len() as u64).sum();
        if hi - lo <= total * SPAN_FACTOR + SPAN_SLACK {
            let bytes = self.spool.read(lo, (hi - lo) as usize)?;
            checked(&bytes)?;
            return Ok(TextWindow {
                base: lo,
                bytes,
                scattered: Vec::new(),
            });
        }
        // Scattered: each text once, in store order, end to end.
        refs.sort_unstable_by_key(|r| r.offset());
        refs.dedup();
        let mut bytes = Vec::with_capacity(total as usize);
        let mut scattered = Vec::with_capacity(refs.len());
        for r in refs {
            scattered.push((r.offset(), bytes.len() as u64));
            bytes.extend_from_slice(&self.spool.read(r.offset(), r.len())?);
        }
        checked(&bytes)?;
        Ok(TextWindow {
            base: 0,
            bytes: Bytes::from(bytes),
            scattered,
        })
    }
}

/// The store's bytes are texts written whole from valid strings; a scratch file that reads
/// back otherwise was changed under the run.
fn checked(bytes: &[u8]) -> Result<()> {
    simdutf8::basic::from_utf8(bytes).map(|_| ()).map_err(|_| {
        Error::Other("internal error: the text store reads back as invalid UTF-8".into())
    })
}

/// The texts of some complaints, read from the store.
#[derive(Debug, Default)]
pub struct TextWindow<'a> {
    /// Store offset of `bytes[0]` (when not scattered).
    base: u64,
    bytes: Bytes<'a>,
    /// When read text by text: (store offset, offset in `bytes`), sorted.
    scattered: Vec<(u64, u64)>,
}

impl TextWindow<'_> {
    /// Loads a complaint's text into its row (for the stages that read it as a field: classify's
    /// rules, dedupe's comparison), from this window.
    pub fn load(&self, c: &mut crate::model::Complaint) {
        c.text = self.get(c.text_at).map(crate::model::Str::from);
    }

    /// A text of the window (`None` for an absent one, or one the window was not read for).
    pub fn get(&self, r: Option<TextRef>) -> Option<&str> {
        let r = r?;
        let at = if self.scattered.is_empty() {
            r.offset().checked_sub(self.base)?
        } else {
            let k = self
                .scattered
                .binary_search_by_key(&r.offset(), |p| p.0)
                .ok()?;
            self.scattered[k].1
        };
        let bytes = self.bytes.get(at as usize..at as usize + r.len())?;
        // A text's bytes are a whole string, written from a `&str`; checked all the same, since
        // a reference into the wrong place would otherwise cut a character.
        simdutf8::basic::from_utf8(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(budget: usize, texts: &[&str]) -> (TextStore, Vec<Option<TextRef>>) {
        let mut s = TextStore::new(&std::env::temp_dir(), budget, 1_000).unwrap();
        let mut refs = Vec::new();
        // Two chunks, as normalize appends them: references relative to the chunk, shifted.
        for chunk in texts.chunks(3) {
            let mut buf = Vec::new();
            let local: Vec<Option<TextRef>> = chunk
                .iter()
                .map(|t| {
                    let r = TextRef::new(buf.len() as u64, t.len());
                    buf.extend_from_slice(t.as_bytes());
                    r
                })
                .collect();
            let base = s.append(&buf).unwrap();
            refs.extend(local.into_iter().map(|r| r.map(|r| r.shifted(base))));
        }
        s.finish().unwrap();
        (s, refs)
    }

    /// Texts read back as written, in memory and from a file, through windows over any
    /// complaints, in order, reversed, and scattered far apart.
    #[test]
    fn texts_read_back_as_written_through_any_window() {
        let mut texts: Vec<String> = vec!["电梯困人".into(), "".into(), "a,b\n\"c\"".into()];
        texts.extend((0..40).map(|i| format!("第{i}条投诉")));
        texts.push("x".repeat(3 << 20));
        texts.push("尾".into());
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        for budget in [0, usize::MAX] {
            let (s, refs) = store(budget, &texts);
            assert_eq!(s.disk_bytes() > 0, budget == 0);
            assert_eq!(refs[1], None, "an empty text is not stored");
            for pick in [
                (0..texts.len()).collect::<Vec<_>>(),
                (0..texts.len()).rev().collect(),
                vec![0, texts.len() - 1],
                vec![5],
            ] {
                let w = s.window(pick.iter().map(|&i| refs[i])).unwrap();
                for &i in &pick {
                    let want = (!texts[i].is_empty()).then_some(texts[i]);
                    assert_eq!(w.get(refs[i]), want, "budget {budget}, text {i}");
                }
            }
            assert_eq!(s.get(refs[0]).unwrap().as_deref(), Some("电梯困人"));
            assert_eq!(s.get(None).unwrap(), None);
        }
    }

    /// A reference keeps offset and length at the edges of its fields.
    #[test]
    fn a_text_ref_keeps_its_offset_and_length() {
        for (offset, len) in [(0, 1), ((1 << 40) - 1, TextRef::MAX_LEN), (12_345, 150)] {
            let r = TextRef::new(offset, len).unwrap();
            assert_eq!((r.offset(), r.len()), (offset, len));
        }
        assert_eq!(TextRef::new(0, 0), None);
        assert_eq!(TextRef::new(0, TextRef::MAX_LEN + 1), None);
        assert_eq!(TextRef::new(1 << 40, 1), None);
        assert_eq!(TextRef::new(7, 3).unwrap().shifted(10).offset(), 17);
    }
}
