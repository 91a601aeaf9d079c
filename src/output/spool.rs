//! [`Spool`]: bytes written once and read back in pieces, in memory under a budget and in a
//! scratch file beyond it. The event log and the complaints' free texts are kept in spools, so
//! that a 10 M-complaint run does not hold gigabytes of them on the heap.

use std::path::{Path, PathBuf};

use super::{Bytes, ScratchFile};
use crate::error::Result;

/// The default of `--scratch-memory`, in bytes per spool (the event log's, the complaints'
/// texts'): a log of about 27 M events (a million complaints' log is 8 M) and the texts of
/// complaint files up to 1 GiB stay in memory.
pub const SPOOL_MEMORY: usize = 1 << 30;

/// Bytes appended once and read back in pieces: in memory while they fit the budget, then all
/// of them in a scratch file: through the page cache ([`Spool::new`]: the texts, read back
/// also a text at a time) or around it ([`Spool::new_direct`]: the event log, read back in
/// partitions of megabytes).
pub struct Spool {
    mem: Vec<u8>,
    file: Option<ScratchFile>,
    len: u64,
    budget: usize,
    dir: PathBuf,
    /// A scratch file is written and read around the page cache
    /// ([`ScratchFile::create_direct`]).
    direct: bool,
}

/// A spool's scratch file: around the page cache (`direct`) or through it.
fn scratch_file(dir: &Path, direct: bool) -> Result<ScratchFile> {
    if direct {
        ScratchFile::create_direct(dir)
    } else {
        ScratchFile::create_cached(dir)
    }
}

impl std::fmt::Debug for Spool {
    // Not the bytes: hundreds of megabytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spool")
            .field("len", &self.len)
            .field("file", &self.file)
            .field("budget", &self.budget)
            .finish()
    }
}

impl Spool {
    /// An empty spool for about `expected` bytes: in memory (that much reserved) if they fit
    /// in `budget`, else in a scratch file in `dir` from the start. Growing in memory and
    /// moving out at the budget would hold the budget and a copy of it at the high-water mark.
    pub fn new(dir: &Path, budget: usize, expected: u64) -> Result<Spool> {
        Spool::create(dir, budget, expected, false)
    }

    /// [`Spool::new`] with a scratch file written and read around the page cache: for bytes
    /// read back only in large pieces.
    pub fn new_direct(dir: &Path, budget: usize, expected: u64) -> Result<Spool> {
        Spool::create(dir, budget, expected, true)
    }

    fn create(dir: &Path, budget: usize, expected: u64, direct: bool) -> Result<Spool> {
        let fits = expected <= budget as u64;
        Ok(Spool {
            mem: if fits {
                Vec::with_capacity(expected as usize)
            } else {
                Vec::new()
            },
            file: if fits {
                None
            } else {
                Some(scratch_file(dir, direct)?)
            },
            len: 0,
            budget,
            dir: dir.to_owned(),
            direct,
        })
    }

    /// Appends bytes.
    pub fn append(&mut self, bytes: &[u8]) -> Result<()> {
        // Past the budget after all (more than expected): the rest goes to a file.
        if self.file.is_none() && self.mem.len() + bytes.len() > self.budget {
            let mut file = scratch_file(&self.dir, self.direct)?;
            file.append(&self.mem)?;
            self.mem = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(f) => f.append(bytes)?,
            None => self.mem.extend_from_slice(bytes),
        }
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// True when nothing was appended.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes appended.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Bytes in a scratch file: all of them, or none.
    pub fn disk_bytes(&self) -> u64 {
        if self.file.is_some() { self.len } else { 0 }
    }

    /// Ends the writing; the spool can be read from then on.
    pub fn finish(&mut self) -> Result<()> {
        // No shrinking to fit: that copies the bytes into a new allocation, touching as much
        // memory again, while the spare capacity (the text store reserves the input files'
        // size) was never touched and costs no memory.
        match &mut self.file {
            Some(f) => f.finish(),
            None => Ok(()),
        }
    }

    /// `len` bytes at `offset` (after [`Spool::finish`]).
    pub fn read(&self, offset: u64, len: usize) -> Result<Bytes<'_>> {
        match &self.file {
            Some(f) => f.read(offset, len),
            None => Ok(Bytes::Borrowed(
                &self.mem[offset as usize..offset as usize + len],
            )),
        }
    }
}
