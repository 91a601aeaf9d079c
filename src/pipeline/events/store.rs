//! Where the events of a log are kept: grouped by complaint and in time order, 40 bytes each
//! (the complaint's position, then the event), in a [`Spool`]: in memory up to a budget
//! (`--scratch-memory`, 1 GiB by default: a log of about 27 M events; a million complaints'
//! log is about 8 M), in a scratch file beyond it. A 10 M-complaint log holds about 80 M
//! events: 3.2 GB as 40-byte structs in memory for the whole run, where the assess stage
//! reads a chunk of complaints' events at a time. (Below the budget, memory is faster; the
//! scratch file is written and read around the page cache, a partition at a time: through
//! it, the 10 M log's 3.1 GB cost the writer thread 88 ns of kernel copying an event.)
//!
//! The log is built in two passes, each with a bounded working set:
//! 1. [`Spill`]: events as they are read, each with its complaint's position, appended to the
//!    partition of that position (consecutive complaints, [`partition_shift`]), a block per
//!    partition and batch of chunks read. Each complaint's event count is kept, so its run
//!    of records in the log's order (its `(start, count)`) is known when the reading ends.
//! 2. [`Store::events`]: a partition is read back, grouped by complaint and put in time
//!    order when a window of the log first reaches it, and kept for the next window or two.
//!    The assess stage reads the log once, in order, a chunk of complaints at a time: each
//!    partition is sorted once. (Sorting every partition at the end of the event stage and
//!    writing the sorted log out, as before, wrote 2.8 GB more of scratch file at 10 M,
//!    copied on one core: 7 of the stage's 43 s, read back once.)

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::event::{DERIVED, Event};
use crate::error::Result;
use crate::model::Origin;
use crate::output::Spool;

/// Bytes of an event in a record: time, origin (file, line, record), type, and the four text
/// codes.
pub(super) const RECORD: usize = 36;
/// Bytes of an event in the spill: its complaint's position, then the event.
const SPILLED: usize = 4 + RECORD;

/// Low bits of a complaint's position that its partition ignores: partitions of 65,536
/// consecutive complaints or more (about 20 MB of events at eight per complaint: sorted in
/// a core's cache-friendly pieces, read in one go), at most 1,024 of them.
pub(super) fn partition_shift(complaints: usize) -> u32 {
    let mut shift = 16;
    while complaints >> shift > 1024 {
        shift += 1;
    }
    shift
}

/// Writes one event (without its complaint) as a record.
pub(super) fn encode(e: &Event, out: &mut Vec<u8>) {
    debug_assert_eq!(e.kind & DERIVED, 0, "a log's events are not derived");
    let kind = u16::try_from(e.kind).expect("fewer than 65,536 event types");
    out.extend_from_slice(&e.at.to_le_bytes());
    out.extend_from_slice(&e.origin.file.to_le_bytes());
    out.extend_from_slice(&e.origin.line.to_le_bytes());
    out.extend_from_slice(&e.origin.record.to_le_bytes());
    out.extend_from_slice(&kind.to_le_bytes());
    for w in [e.actor, e.role, e.to_role, e.note] {
        out.extend_from_slice(&w.to_le_bytes());
    }
}

/// Reads one record.
pub(super) fn decode(r: &[u8]) -> Event {
    let u32_at = |k: usize| u32::from_le_bytes(r[k..k + 4].try_into().expect("4 bytes"));
    Event {
        at: i64::from_le_bytes(r[0..8].try_into().expect("8 bytes")),
        origin: Origin {
            file: u16::from_le_bytes(r[8..10].try_into().expect("2 bytes")),
            line: u32_at(10),
            record: u32_at(14),
        },
        kind: u32::from(u16::from_le_bytes(r[18..20].try_into().expect("2 bytes"))),
        actor: u32_at(20),
        role: u32_at(24),
        to_role: u32_at(28),
        note: u32_at(32),
    }
}

/// Pass 1: events by partition of their complaint's position, in the order they came.
pub(super) struct Spill {
    spool: Spool,
    shift: u32,
    complaints: usize,
    /// Per partition, the (offset, length) of each of its blocks in the file.
    blocks: Vec<Vec<(u64, usize)>>,
    /// Events spilled, and per complaint.
    events: usize,
    counts: Vec<u32>,
}

/// One batch of events encoded by partition: (partition, bytes).
pub(super) type Encoded = Vec<(usize, Vec<u8>)>;

impl Spill {
    /// A spill for the events of `complaints` complaints, about `expected` bytes of them (in
    /// memory if that is within `budget`, else in a file in `dir`).
    pub(super) fn create(
        dir: &Path,
        complaints: usize,
        budget: usize,
        expected: u64,
    ) -> Result<Spill> {
        Spill::create_with(
            dir,
            complaints,
            budget,
            expected,
            partition_shift(complaints),
        )
    }

    /// A spill with partitions of `1 << shift` complaints (tests use small ones).
    pub(super) fn create_with(
        dir: &Path,
        complaints: usize,
        budget: usize,
        expected: u64,
        shift: u32,
    ) -> Result<Spill> {
        let parts = (complaints >> shift) + 1;
        Ok(Spill {
            spool: Spool::new_direct(dir, budget, expected)?,
            shift,
            complaints,
            blocks: vec![Vec::new(); parts],
            events: 0,
            counts: vec![0; complaints],
        })
    }

    /// The shift of the partitions (for [`Spill::encode`], which runs on other threads).
    pub(super) fn shift(&self) -> u32 {
        self.shift
    }

    /// Encodes `events` of the complaints at `owners` (aligned) by partition; runs anywhere.
    pub(super) fn encode(
        shift: u32,
        owners: &[u32],
        events: impl Iterator<Item = Event>,
    ) -> Encoded {
        let mut by_part: Vec<(usize, Vec<u8>)> = Vec::new();
        for (c, e) in owners.iter().zip(events) {
            let p = (*c >> shift) as usize;
            // Events come in time order, so a chunk's events mostly fall in one or two
            // partitions: the last one used is checked first.
            let slot = match by_part.iter().rposition(|(q, _)| *q == p) {
                Some(k) => k,
                None => {
                    by_part.push((p, Vec::with_capacity(owners.len() * SPILLED)));
                    by_part.len() - 1
                }
            };
            let out = &mut by_part[slot].1;
            out.extend_from_slice(&c.to_le_bytes());
            encode(&e, out);
        }
        by_part
    }

    /// Takes in a batch from [`Spill::encode`]: each partition's bytes are one block of the
    /// spill (a batch is a few megabytes of events close in time, so mostly of one or two
    /// partitions, and written as they are: no second buffer to copy them through).
    pub(super) fn append(&mut self, batch: Encoded) -> Result<()> {
        for (p, bytes) in batch {
            self.events += bytes.len() / SPILLED;
            for r in bytes.chunks_exact(SPILLED) {
                let c = u32::from_le_bytes(r[0..4].try_into().expect("4 bytes"));
                self.counts[c as usize] += 1;
            }
            self.blocks[p].push((self.spool.len(), bytes.len()));
            self.spool.append(&bytes)?;
        }
        Ok(())
    }

    /// Bytes of the spill in a scratch file (0 when it is in memory).
    pub(super) fn disk_bytes(&self) -> u64 {
        self.spool.disk_bytes()
    }

    /// Ends pass 1: the log, sorted a partition at a time as it is read, and each complaint's
    /// (start, count) in its order, in records.
    pub(super) fn finish(mut self) -> Result<(Store, Vec<(u32, u32)>)> {
        self.spool.finish()?;
        let total = u32::try_from(self.events).map_err(|_| {
            crate::error::Error::Usage("an event log of more than 4,294,967,295 events".into())
        })?;
        let mut ranges = Vec::with_capacity(self.complaints);
        let mut at = 0u32;
        for &c in &self.counts {
            ranges.push((at, c));
            at += c;
        }
        debug_assert_eq!(at, total);
        let mut starts = Vec::with_capacity(self.blocks.len() + 1);
        let mut at = 0u32;
        for blocks in &self.blocks {
            starts.push(at);
            at += blocks.iter().map(|b| (b.1 / SPILLED) as u32).sum::<u32>();
        }
        starts.push(at);
        drop(std::mem::take(&mut self.counts));
        Ok((
            Store {
                spill: self,
                starts,
                recent: Mutex::new(Vec::new()),
                sorts: AtomicUsize::new(0),
            },
            ranges,
        ))
    }

    /// Pass 2 for one partition: its events grouped by complaint, each complaint's in time
    /// order (then log order).
    fn sort_partition(&self, p: usize) -> Result<Vec<Event>> {
        let first = p << self.shift;
        let blocks = self.read_partition(p)?;
        let records = || blocks.iter().flat_map(|b| b.chunks_exact(SPILLED));
        // A counting sort by complaint keeps log order inside a complaint; each complaint's run
        // is then put in time order (`in_time_order`).
        let start = self.run_starts(p, records());
        let mut out =
            vec![Event::EMPTY; *start.last().expect("a start per run, and the end") as usize];
        let mut next = start.clone();
        for r in records() {
            let slot = &mut next[owner(r) - first];
            out[*slot as usize] = decode(&r[4..]);
            *slot += 1;
        }
        drop(blocks);
        for w in start.windows(2) {
            in_time_order(&mut out[w[0] as usize..w[1] as usize]);
        }
        Ok(out)
    }

    /// Partition `p`'s blocks, as written.
    fn read_partition(&self, p: usize) -> Result<Vec<crate::output::Bytes<'_>>> {
        self.blocks[p]
            .iter()
            .map(|&(offset, len)| self.spool.read(offset, len))
            .collect()
    }

    /// Where each complaint's run starts in partition `p` sorted, then where it ends: the
    /// prefix sums of its complaints' counts in `records`.
    fn run_starts<'r>(&self, p: usize, records: impl Iterator<Item = &'r [u8]>) -> Vec<u32> {
        let first = p << self.shift;
        let last = ((p + 1) << self.shift).min(self.complaints);
        let mut start = vec![0u32; last - first + 1];
        for r in records {
            start[owner(r) - first + 1] += 1;
        }
        for i in 0..last - first {
            start[i + 1] += start[i];
        }
        start
    }

    /// The runs of partition `p` sorted that start at `wanted` (offsets into it, each of a
    /// complaint with events), each as [`Spill::sort_partition`] orders it, in the order given;
    /// without sorting the rest of the partition.
    fn runs_of(&self, p: usize, wanted: &[u32]) -> Result<Vec<Vec<Event>>> {
        let first = p << self.shift;
        let blocks = self.read_partition(p)?;
        let records = || blocks.iter().flat_map(|b| b.chunks_exact(SPILLED));
        let start = self.run_starts(p, records());
        // Each wanted run's complaint: the last whose run starts there (those before it at the
        // same offset have no events).
        let mut slot = vec![u32::MAX; start.len() - 1];
        for (k, &at) in wanted.iter().enumerate() {
            let c = start.partition_point(|&s| s <= at) - 1;
            slot[c] = k as u32;
        }
        let mut out: Vec<Vec<Event>> = wanted.iter().map(|_| Vec::new()).collect();
        for r in records() {
            let k = slot[owner(r) - first];
            if k != u32::MAX {
                out[k as usize].push(decode(&r[4..]));
            }
        }
        for run in &mut out {
            in_time_order(run);
        }
        Ok(out)
    }
}

/// The complaint a spilled record belongs to.
fn owner(r: &[u8]) -> usize {
    u32::from_le_bytes(r[0..4].try_into().expect("4 bytes")) as usize
}

/// Puts one complaint's run, in log order, in time order (a log is written in time order, so a
/// run usually is already: it is only checked). Origins are unique, so the order is total and
/// an unstable sort deterministic: that of sorting the whole log by (complaint, time, origin).
fn in_time_order(run: &mut [Event]) {
    let key = |e: &Event| (e.at, e.origin);
    if !run.windows(2).all(|p| key(&p[0]) <= key(&p[1])) {
        run.sort_unstable_by_key(key);
    }
}

/// Partitions sorted lately and kept for the next window: the assess stage reads the log a
/// chunk of complaints at a time, in order, and a chunk is a partition or straddles two.
const KEPT: usize = 2;

/// An event log: the spill of pass 1, each partition sorted (pass 2) when a window of the
/// log first reaches it. So the sorted log is never written out as a whole: at 10 M
/// complaints that was 2.8 GB more of scratch file, written on one core and read back once.
pub(super) struct Store {
    spill: Spill,
    /// Each partition's first record in the log's order, then the number of records.
    starts: Vec<u32>,
    /// Partitions lately sorted, the latest last.
    recent: Mutex<Vec<(usize, Arc<Vec<Event>>)>>,
    /// Partitions sorted so far, or read for some of their runs ([`Store::runs_in`]); a
    /// partition sorted twice counts twice.
    sorts: AtomicUsize,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("spool", &self.spill.spool)
            .field("partitions", &(self.starts.len() - 1))
            .finish()
    }
}

impl Store {
    /// Bytes of the log in a scratch file (0 when it is in memory).
    pub(super) fn disk_bytes(&self) -> u64 {
        self.spill.disk_bytes()
    }

    /// The records `lo..hi` of the log's order, as the sorted partitions that hold them and
    /// the record each starts at; the partitions not kept are sorted now (in parallel).
    pub(super) fn events(&self, lo: u32, hi: u32) -> Result<Vec<(u32, Arc<Vec<Event>>)>> {
        if hi <= lo {
            return Ok(Vec::new());
        }
        let p0 = self.partition_of(lo);
        let parts: Vec<usize> = (p0..self.starts.len() - 1)
            .take_while(|&p| self.starts[p] < hi)
            .filter(|&p| self.starts[p + 1] > self.starts[p])
            .collect();
        let kept: Vec<Option<Arc<Vec<Event>>>> = {
            let recent = self.recent.lock().expect("not poisoned");
            parts
                .iter()
                .map(|p| recent.iter().find(|r| r.0 == *p).map(|r| r.1.clone()))
                .collect()
        };
        let got: Vec<Arc<Vec<Event>>> = parts
            .par_iter()
            .zip(kept)
            .map(|(&p, kept)| match kept {
                Some(events) => Ok(events),
                None => self.sort_partition_kept(p),
            })
            .collect::<Result<_>>()?;
        Ok(parts.iter().map(|&p| self.starts[p]).zip(got).collect())
    }

    /// The partition holding record `record`.
    pub(super) fn partition_of(&self, record: u32) -> usize {
        self.starts.partition_point(|&s| s <= record) - 1
    }

    /// The events of the complaints whose runs start at records `wanted` (of the log's order,
    /// each a complaint with events, all in partition `p`), in the order given: what windows
    /// of those complaints would show, without the whole partition sorted (and allocated:
    /// fresh memory is slow on these machines) for a few of its complaints. Counted as a sort.
    pub(super) fn runs_in(&self, p: usize, wanted: &[u32]) -> Result<Vec<Vec<Event>>> {
        let base = self.starts[p];
        let local: Vec<u32> = wanted.iter().map(|&r| r - base).collect();
        let runs = self.spill.runs_of(p, &local)?;
        self.sorts.fetch_add(1, Ordering::Relaxed);
        Ok(runs)
    }

    /// Partitions sorted so far.
    #[cfg(test)]
    pub(super) fn sorts(&self) -> usize {
        self.sorts.load(Ordering::Relaxed)
    }

    /// Drops the partitions kept.
    pub(super) fn forget_sorted(&self) {
        self.recent.lock().expect("not poisoned").clear();
    }

    /// One partition sorted, and kept among the recent ones.
    fn sort_partition_kept(&self, p: usize) -> Result<Arc<Vec<Event>>> {
        let events = Arc::new(self.spill.sort_partition(p)?);
        self.sorts.fetch_add(1, Ordering::Relaxed);
        let mut recent = self.recent.lock().expect("not poisoned");
        if !recent.iter().any(|r| r.0 == p) {
            if recent.len() == KEPT {
                recent.remove(0);
            }
            recent.push((p, events.clone()));
        }
        Ok(events)
    }
}
