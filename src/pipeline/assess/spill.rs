//! Every SLA verdict in full, in a scratch file: fixed-width records in verdict order, so the
//! verdicts of one complaint are one read. At a million complaints that is ~300 MB written once
//! (around the page cache, on a writer thread) instead of held for the whole run; the report
//! reads back only the complaints its explanation pages show.

use rustc_hash::FxHashMap;

use crate::error::Result;
use crate::output::ScratchFile;
use crate::pipeline::rules::CalendarId;
use crate::pipeline::sla::{Basis, Status, Verdict};

/// Bytes per verdict.
const RECORD: usize = 96;
/// Records written to the file at a time.
const BATCH: usize = 4096;
/// Wanted records at most this far apart are read in one read, the bytes between them
/// included: a small read of this file costs a call and a disk round trip, tens of µs, about
/// what this much transfer takes. Chosen, not tuned: at 1 M the explanation pages' reads went
/// from 57,490 to 952.
const READ_THROUGH: u64 = 64 * 1024;
/// Bytes in one read at most, so a batch holds only its wanted records and one read's worth.
const READ_MAX: u64 = 4 << 20;
/// `Ts` / seconds fields absent.
const NONE: i64 = i64::MIN;
const NO_NOTE: u32 = u32::MAX;

/// The scratch file and the dictionaries of its variable-width fields.
pub(crate) struct VerdictSpill {
    file: ScratchFile,
    notes: Vec<String>,
    note_index: FxHashMap<String, u32>,
    /// Records not yet written to the file (fewer than a batch).
    buf: Vec<u8>,
    /// Records written.
    count: u64,
}

impl VerdictSpill {
    /// A spill in `dir`.
    pub(crate) fn create(dir: &std::path::Path) -> Result<VerdictSpill> {
        Ok(VerdictSpill {
            // Read back around the page cache too: in batches of large reads (`read_many`).
            file: ScratchFile::create_direct(dir)?,
            notes: Vec::new(),
            note_index: FxHashMap::default(),
            buf: Vec::new(),
            count: 0,
        })
    }

    /// Appends verdicts, in order.
    #[cfg(test)]
    pub(crate) fn append<'a>(&mut self, verdicts: impl Iterator<Item = &'a Verdict>) -> Result<()> {
        for v in verdicts {
            self.push(v)?;
        }
        Ok(())
    }

    /// Appends one verdict. Records go to the file a batch at a time (the last at
    /// [`VerdictSpill::finish`]), so the fold can append each complaint's verdicts as it reads
    /// them, in the one pass that also drops them.
    pub(crate) fn push(&mut self, v: &Verdict) -> Result<()> {
        let note = match &v.note {
            None => NO_NOTE,
            Some(n) => match self.note_index.get(n) {
                Some(&k) => k,
                None => {
                    let k = self.notes.len() as u32;
                    self.notes.push(n.clone());
                    self.note_index.insert(n.clone(), k);
                    k
                }
            },
        };
        if self.buf.capacity() == 0 {
            // Room for a full batch from the start: grown by doubling, it was copied six times.
            self.buf.reserve_exact(BATCH * RECORD);
        }
        encode(v, note, &mut self.buf);
        self.count += 1;
        if self.buf.len() == BATCH * RECORD {
            self.file.append(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Ends writing.
    pub(crate) fn finish(&mut self) -> Result<()> {
        self.file.append(&self.buf)?;
        self.buf = Vec::new();
        self.file.finish()
    }

    /// Bytes written.
    pub(crate) fn bytes(&self) -> u64 {
        self.file.len()
    }

    /// Verdicts `from..to` (record numbers).
    pub(crate) fn read(&self, from: u64, to: u64) -> Result<Vec<Verdict>> {
        Ok(self.read_many(&[(from, to)])?.pop().unwrap_or_default())
    }

    /// The verdicts of each record range in `ranges` (`from..to`), in the order given.
    ///
    /// The explanation pages want a few verdicts each of thousands of complaints, scattered
    /// over a month of the file. One read per complaint made the report wait on 57 k small
    /// reads at 1 M; here the ranges are sorted and read in runs (neighbours closer than
    /// [`READ_THROUGH`] share a read of at most [`READ_MAX`]), a few dozen reads a page.
    pub(crate) fn read_many(&self, ranges: &[(u64, u64)]) -> Result<Vec<Vec<Verdict>>> {
        let mut order: Vec<usize> = (0..ranges.len())
            .filter(|&k| ranges[k].0 < ranges[k].1)
            .collect();
        order.sort_unstable_by_key(|&k| ranges[k]);
        let mut out = vec![Vec::new(); ranges.len()];
        let rec = RECORD as u64;
        let mut k = 0;
        while k < order.len() {
            // One run: from the first range's start to the end of the last one it takes in.
            let start = ranges[order[k]].0;
            let mut end = ranges[order[k]].1;
            let mut last = k + 1;
            while last < order.len() {
                let (a, b) = ranges[order[last]];
                if a.saturating_sub(end) * rec > READ_THROUGH
                    || (b.max(end) - start) * rec > READ_MAX
                {
                    break;
                }
                end = end.max(b);
                last += 1;
            }
            let bytes = self
                .file
                .read(start * rec, ((end - start) * rec) as usize)?;
            for &j in &order[k..last] {
                let (a, b) = ranges[j];
                let piece = &bytes[((a - start) * rec) as usize..((b - start) * rec) as usize];
                out[j] = piece
                    .chunks_exact(RECORD)
                    .map(|r| decode(r, &self.notes))
                    .collect();
            }
            k = last;
        }
        Ok(out)
    }
}

/// Writes one record: built in a fixed array and appended whole (appending field by field
/// checked the buffer's room 13 times per verdict, 3 M verdicts at the kit's 1 M).
fn encode(v: &Verdict, note: u32, out: &mut Vec<u8>) {
    let mut r = [0u8; RECORD];
    r[0..2].copy_from_slice(&v.target.to_le_bytes());
    r[2] = Status::ALL.iter().position(|s| *s == v.status).unwrap_or(0) as u8;
    r[3] = match v.basis {
        Basis::Working => 0,
        Basis::Calendar => 1,
    };
    r[4] = u8::from(v.warning) | (u8::from(v.pct_used.is_some()) << 1);
    r[6..8].copy_from_slice(&v.calendar.0.to_le_bytes());
    r[8..12].copy_from_slice(&note.to_le_bytes());
    for (k, x) in [
        v.start.unwrap_or(NONE),
        v.due.unwrap_or(NONE),
        v.stop.unwrap_or(NONE),
        v.elapsed_work,
        v.elapsed_cal,
        v.limit,
        v.over_cal,
        v.over_work,
        v.paused,
    ]
    .into_iter()
    .enumerate()
    {
        r[12 + 8 * k..20 + 8 * k].copy_from_slice(&x.to_le_bytes());
    }
    r[84..92].copy_from_slice(&v.pct_used.unwrap_or(0.0).to_le_bytes());
    out.extend_from_slice(&r);
}

fn decode(r: &[u8], notes: &[String]) -> Verdict {
    let u16_at = |k: usize| u16::from_le_bytes([r[k], r[k + 1]]);
    let u32_at = |k: usize| u32::from_le_bytes(r[k..k + 4].try_into().expect("4 bytes"));
    let i64_at = |k: usize| i64::from_le_bytes(r[k..k + 8].try_into().expect("8 bytes"));
    let opt = |x: i64| (x != NONE).then_some(x);
    let flags = r[4];
    let note = u32_at(8);
    Verdict {
        target: u16_at(0),
        status: Status::ALL[r[2] as usize],
        basis: if r[3] == 0 {
            Basis::Working
        } else {
            Basis::Calendar
        },
        warning: flags & 1 != 0,
        calendar: CalendarId(u16_at(6)),
        note: (note != NO_NOTE).then(|| notes[note as usize].clone()),
        start: opt(i64_at(12)),
        due: opt(i64_at(20)),
        stop: opt(i64_at(28)),
        elapsed_work: i64_at(36),
        elapsed_cal: i64_at(44),
        limit: i64_at(52),
        over_cal: i64_at(60),
        over_work: i64_at(68),
        paused: i64_at(76),
        pct_used: (flags & 2 != 0).then(|| f64::from_le_bytes(r[84..92].try_into().expect("8"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(k: i64) -> Verdict {
        Verdict {
            target: k as u16,
            status: Status::ALL[(k as usize) % Status::ALL.len()],
            calendar: CalendarId((k % 2) as u16),
            basis: if k % 3 == 0 {
                Basis::Working
            } else {
                Basis::Calendar
            },
            start: Some(1_700_000_000 + k),
            due: (k % 4 != 0).then_some(1_700_100_000 + k),
            stop: (k % 5 != 0).then_some(-k),
            elapsed_work: k * 7,
            elapsed_cal: k * 11,
            limit: i64::MAX - k,
            over_cal: -k,
            over_work: k,
            pct_used: (k % 2 == 1).then_some(k as f64 / 3.0),
            warning: k % 2 == 0,
            paused: k * 13,
            note: (k % 3 == 1).then(|| format!("note {}", k % 2)),
        }
    }

    #[test]
    fn verdicts_come_back_as_they_went_in() {
        let mut s = VerdictSpill::create(&std::env::temp_dir()).unwrap();
        let vs: Vec<Verdict> = (0..10_000).map(verdict).collect();
        s.append(vs[..4000].iter()).unwrap();
        s.append(vs[4000..].iter()).unwrap();
        s.finish().unwrap();
        assert_eq!(s.read(0, 10_000).unwrap(), vs);
        assert_eq!(s.read(4321, 4325).unwrap(), vs[4321..4325].to_vec());
        assert!(s.read(7, 7).unwrap().is_empty());
    }

    /// Ranges read in batches come back as single reads give them, in the order asked, however
    /// they overlap, repeat, lie apart (past [`READ_THROUGH`]) or span more than [`READ_MAX`].
    #[test]
    fn ranges_read_together_come_back_as_read_alone() {
        let n = 120_000u64;
        let mut s = VerdictSpill::create(&std::env::temp_dir()).unwrap();
        let vs: Vec<Verdict> = (0..n as i64).map(verdict).collect();
        s.append(vs.iter()).unwrap();
        s.finish().unwrap();
        let far = READ_THROUGH / RECORD as u64 + 5;
        let wide = READ_MAX / RECORD as u64 + 7;
        let ranges = [
            (900, 906),
            (3, 9),
            (5, 8),
            (3, 9),
            (40, 40),
            (906, 910),
            (910 + far, 912 + far),
            (n - 3, n),
            (20_000, 20_000 + wide),
            (20_001, 20_004),
            (0, 1),
        ];
        let got = s.read_many(&ranges).unwrap();
        assert_eq!(got.len(), ranges.len());
        for (r, g) in ranges.iter().zip(&got) {
            assert_eq!(g, &vs[r.0 as usize..r.1 as usize], "{r:?}");
        }
        assert!(s.read_many(&[]).unwrap().is_empty());
    }
}
