//! Where the events of a log are kept: grouped by complaint and in time order, 36 bytes each,
//! in a [`Spool`]: in memory up to a budget (`--scratch-memory`, 1 GiB by default: a log of
//! about 27 M events; a million complaints' log is about 8 M), in a scratch file beyond it. A 10
//! M-complaint log holds about 80 M events: 3.2 GB as 40-byte structs in memory for the whole
//! run, where the assess stage reads a chunk of complaints' events at a time and the reports a
//! few complaints'. (Below the budget, memory is faster: a scratch file written through the
//! page cache costs a writer thread ~1 s of kernel copying per GB on these 2-core machines.)
//!
//! The log is built in two passes over scratch files, each with a bounded working set:
//! 1. [`Spill`]: events as they are read, each with its complaint's position, appended to the
//!    partition of that position (consecutive complaints, [`partition_shift`]), a block per
//!    partition and batch of chunks read.
//! 2. [`Spill::sort`]: a few partitions at a time (in parallel), each read back, grouped by
//!    complaint and put in time order, and appended to the sorted file in partition order.
//!    Each complaint's events are then one run of records: its `(start, count)` is all the
//!    log keeps in memory per complaint.

use std::path::Path;

use rayon::prelude::*;

use super::event::{DERIVED, Event};
use crate::error::Result;
use crate::model::Origin;
use crate::output::Spool;

/// Bytes of an event in the sorted file: time, origin (file, line, record), type, and the
/// four text codes.
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

/// A record's place in its complaint's order: time, then origin (file, line, record).
fn key(r: &[u8]) -> (i64, u16, u32, u32) {
    let e = decode(r);
    (e.at, e.origin.file, e.origin.line, e.origin.record)
}

/// Decodes records in parallel (in order).
pub(super) fn decode_all(bytes: &[u8]) -> Vec<Event> {
    bytes.par_chunks_exact(RECORD).map(decode).collect()
}

/// Pass 1: events by partition of their complaint's position, in the order they came.
pub(super) struct Spill {
    spool: Spool,
    shift: u32,
    complaints: usize,
    /// Per partition, the (offset, length) of each of its blocks in the file.
    blocks: Vec<Vec<(u64, usize)>>,
    events: usize,
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
            spool: Spool::new(dir, budget, expected)?,
            shift,
            complaints,
            blocks: vec![Vec::new(); parts],
            events: 0,
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
            self.blocks[p].push((self.spool.len(), bytes.len()));
            self.spool.append(&bytes)?;
        }
        Ok(())
    }

    /// Bytes of the spill in a scratch file (0 when it is in memory).
    pub(super) fn disk_bytes(&self) -> u64 {
        self.spool.disk_bytes()
    }

    /// Pass 2: every partition grouped by complaint and in time order (then log order), into
    /// a sorted file in `dir`: the file and each complaint's (start, count) in it, in records.
    pub(super) fn sort(mut self) -> Result<(Spool, Vec<(u32, u32)>)> {
        self.spool.finish()?;
        u32::try_from(self.events).map_err(|_| {
            crate::error::Error::Usage("an event log of more than 4,294,967,295 events".into())
        })?;
        let n = self.complaints;
        let mut sorted = Spool::new(
            self.spool.dir(),
            self.spool.budget(),
            self.events as u64 * RECORD as u64,
        )?;
        let mut ranges: Vec<(u32, u32)> = Vec::with_capacity(n);
        let mut written = 0u32;
        let parts: Vec<usize> = (0..self.blocks.len()).collect();
        // A few partitions at a time: each in parallel, written in partition order.
        let batch = rayon::current_num_threads().max(1);
        for group in parts.chunks(batch) {
            let done: Vec<(Vec<u8>, Vec<u32>)> = group
                .par_iter()
                .map(|&p| self.sort_partition(p))
                .collect::<Result<_>>()?;
            for (bytes, counts) in done {
                sorted.append(&bytes)?;
                for c in counts {
                    ranges.push((written, c));
                    written += c;
                }
            }
        }
        debug_assert_eq!(ranges.len(), n);
        sorted.finish()?;
        Ok((sorted, ranges))
    }

    /// One partition, read back and sorted: its records, and the event count of each of its
    /// complaints.
    fn sort_partition(&self, p: usize) -> Result<(Vec<u8>, Vec<u32>)> {
        let first = p << self.shift;
        let last = ((p + 1) << self.shift).min(self.complaints);
        let size: usize = self.blocks[p].iter().map(|b| b.1).sum();
        let mut raw = Vec::with_capacity(size);
        for &(offset, len) in &self.blocks[p] {
            raw.extend_from_slice(&self.spool.read(offset, len)?);
        }
        // A counting sort by complaint, moving records as bytes, keeps log order inside a
        // complaint; each complaint's run is then put in time order (a log is written in
        // time order, so a run usually is already: it is only checked). Origins are unique,
        // so the order is total and an unstable sort deterministic: that of sorting the whole
        // log by (complaint, time, origin).
        let records = raw.chunks_exact(SPILLED);
        let owner = |r: &[u8]| u32::from_le_bytes(r[0..4].try_into().expect("4 bytes")) as usize;
        let mut start = vec![0u32; last - first + 1];
        for r in records.clone() {
            start[owner(r) - first + 1] += 1;
        }
        let counts: Vec<u32> = start[1..].to_vec();
        for i in 0..last - first {
            start[i + 1] += start[i];
        }
        let mut out = vec![0u8; raw.len() / SPILLED * RECORD];
        let mut next = start.clone();
        for r in records {
            let slot = &mut next[owner(r) - first];
            let at = *slot as usize * RECORD;
            out[at..at + RECORD].copy_from_slice(&r[4..]);
            *slot += 1;
        }
        drop(raw);
        for w in start.windows(2) {
            let run = &mut out[w[0] as usize * RECORD..w[1] as usize * RECORD];
            let in_order = run
                .chunks_exact(RECORD)
                .zip(run.chunks_exact(RECORD).skip(1))
                .all(|(a, b)| key(a) <= key(b));
            if !in_order {
                let mut events: Vec<Event> = run.chunks_exact(RECORD).map(decode).collect();
                events.sort_unstable_by(|a, b| a.at.cmp(&b.at).then(a.origin.cmp(&b.origin)));
                let mut bytes = Vec::with_capacity(run.len());
                for e in &events {
                    encode(e, &mut bytes);
                }
                run.copy_from_slice(&bytes);
            }
        }
        Ok((out, counts))
    }
}
