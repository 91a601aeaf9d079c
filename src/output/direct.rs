//! Writing and reading around the page cache: the writer thread the outputs and scratch files
//! are written on, direct (`O_DIRECT`) writes where the file system allows them, and scratch
//! files with the reads of their bytes.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Hands full buffers to a thread of its own that writes them, so the disk writes of the
/// gigabytes of CSV a large run produces overlap the formatting of the next rows instead of
/// stalling it (a thread outside rayon's pool: blocked on the disk, it takes no core from the
/// formatting). At most three buffers are in flight: the one being filled, one queued, one
/// being written.
pub(super) struct BackgroundWriter {
    buf: AlignedBuf,
    tx: Option<std::sync::mpsc::SyncSender<AlignedBuf>>,
    /// Written buffers coming back for reuse.
    spare: std::sync::mpsc::Receiver<AlignedBuf>,
    thread: Option<std::thread::JoinHandle<std::io::Result<File>>>,
}

/// [`WRITE_BUFFER`] bytes at an address aligned for direct writes, filled from the front. The
/// writer thread writes a full one as it is (`DirectWriter::write_whole`): copying every byte
/// into the direct writer's own aligned buffer first was most of that thread's time for the
/// verdicts' scratch file (287 MB at the kit's 1 M).
struct AlignedBuf {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
}

// SAFETY: the buffer owns its allocation outright, like a `Vec<u8>`.
unsafe impl Send for AlignedBuf {}

impl AlignedBuf {
    fn layout() -> std::alloc::Layout {
        std::alloc::Layout::from_size_align(WRITE_BUFFER, DIRECT_ALIGN).expect("a valid layout")
    }

    fn new() -> AlignedBuf {
        let layout = Self::layout();
        // SAFETY: the layout's size is not zero.
        let ptr = unsafe { std::alloc::alloc(layout) };
        let ptr =
            std::ptr::NonNull::new(ptr).unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
        AlignedBuf { ptr, len: 0 }
    }

    /// The bytes filled.
    fn as_slice(&self) -> &[u8] {
        // SAFETY: the first `len` bytes were written (`fill`) and the allocation holds them.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// Copies as much of `bytes` as there is room for; returns how much.
    fn fill(&mut self, bytes: &[u8]) -> usize {
        let n = (WRITE_BUFFER - self.len).min(bytes.len());
        // SAFETY: `len + n <= WRITE_BUFFER`, the allocation's size, and `bytes` is another
        // object, so the ranges do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.as_ptr().add(self.len), n);
        }
        self.len += n;
        n
    }

    fn is_full(&self) -> bool {
        self.len == WRITE_BUFFER
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout, and freed only here.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), Self::layout()) }
    }
}

impl BackgroundWriter {
    /// `direct`: around the page cache where the file system allows it.
    pub(super) fn create(path: &Path, direct: bool) -> std::io::Result<BackgroundWriter> {
        let mut w = DirectWriter::create(path, direct)?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<AlignedBuf>(1);
        let (back, spare) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("writer".into())
            .spawn(move || {
                for mut b in rx {
                    // On an error the loop ends, the channel closes, and the next send or
                    // `finish` collects the error from here.
                    w.write_whole(b.as_slice())?;
                    b.len = 0;
                    let _ = back.send(b);
                }
                w.finish()
            })?;
        Ok(BackgroundWriter {
            buf: AlignedBuf::new(),
            tx: Some(tx),
            spare,
            thread: Some(thread),
        })
    }

    /// Queues the filled buffer; if the writer thread stopped, returns its error.
    fn send(&mut self) -> std::io::Result<()> {
        let next = self.spare.try_recv().unwrap_or_else(|_| AlignedBuf::new());
        let full = std::mem::replace(&mut self.buf, next);
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(full).is_ok());
        if sent {
            Ok(())
        } else {
            Err(self
                .join()
                .err()
                .unwrap_or_else(|| std::io::Error::other("the file's writer thread stopped")))
        }
    }

    fn join(&mut self) -> std::io::Result<File> {
        self.tx = None;
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(std::io::Error::other("the file's writer thread panicked")),
            None => Err(std::io::Error::other("the file was already finished")),
        }
    }

    /// Writes what is left and returns the file, at its exact length.
    pub(super) fn finish(mut self) -> std::io::Result<File> {
        if self.buf.len > 0 {
            self.send()?;
        }
        self.join()
    }
}

impl Write for BackgroundWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Buffers go out exactly full, so that every one but the last is written as it is.
        let mut rest = buf;
        while !rest.is_empty() {
            let n = self.buf.fill(rest);
            rest = &rest[n..];
            if self.buf.is_full() {
                self.send()?;
            }
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Alignment of direct writes: buffer address, length and file offset (4 KiB covers every
/// common logical block size).
const DIRECT_ALIGN: usize = 4096;
/// Bytes buffered between writes.
pub(super) const WRITE_BUFFER: usize = 4 << 20;

/// A buffered writer that, on Linux, writes around the page cache (`O_DIRECT`).
///
/// Outputs are synced to disk before they are renamed into place, so passing them through the
/// page cache only copies every byte once more and then flushes it; for the gigabytes of CSV a
/// large run writes, that copy dominated (on the benchmark machine, 1.5 GB took 5.2 s buffered
/// and synced, 0.8 s direct). Where the filesystem refuses direct I/O (tmpfs, some network
/// filesystems) the writer falls back to ordinary buffered writes, transparently.
struct DirectWriter {
    file: File,
    /// Over-allocated so that an aligned window of [`WRITE_BUFFER`] bytes fits.
    storage: Vec<u8>,
    /// Start of the aligned window in `storage`.
    offset: usize,
    /// Bytes buffered.
    len: usize,
    /// Bytes written to the file so far.
    written: u64,
    direct: bool,
    /// A buffered handle on the same file, opened at the start, for when direct writes are
    /// refused after all (the file may be unlinked by then: see [`ScratchFile`]).
    fallback: Option<File>,
}

impl DirectWriter {
    fn create(path: &Path, direct: bool) -> std::io::Result<DirectWriter> {
        let (file, direct) = if direct {
            open_direct(path)?
        } else {
            (File::create(path)?, false)
        };
        let fallback = if direct {
            Some(std::fs::OpenOptions::new().write(true).open(path)?)
        } else {
            None
        };
        let storage = vec![0u8; WRITE_BUFFER + DIRECT_ALIGN];
        let offset = storage.as_ptr().align_offset(DIRECT_ALIGN);
        Ok(DirectWriter {
            file,
            storage,
            offset,
            len: 0,
            written: 0,
            direct,
            fallback,
        })
    }

    /// Writes the first `n` bytes of the buffer (a multiple of the alignment when direct).
    fn write_out(&mut self, n: usize) -> std::io::Result<()> {
        self.put(None, n)
    }

    /// Writes `bytes`: a full, aligned buffer straight from where it is when nothing is
    /// buffered before it (every buffer but a writer's last), anything else through the buffer.
    fn write_whole(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let aligned = bytes.as_ptr().addr().is_multiple_of(DIRECT_ALIGN);
        if self.len > 0 || bytes.len() != WRITE_BUFFER || (self.direct && !aligned) {
            return self.write_all(bytes);
        }
        self.put(Some(bytes), bytes.len())
    }

    /// Writes `n` bytes at the end of the file: `bytes` (nothing buffered), or the front of
    /// the buffer, which then drops them. A direct write refused after all (`EINVAL`) is
    /// written again, and every later one, through a buffered handle positioned where the
    /// file ends.
    fn put(&mut self, bytes: Option<&[u8]>, n: usize) -> std::io::Result<()> {
        for attempt in 0..2 {
            let window = bytes.unwrap_or(&self.storage[self.offset..self.offset + n]);
            match self.file.write_all(window) {
                Ok(()) => break,
                Err(e) if attempt == 0 && self.direct && e.raw_os_error() == Some(EINVAL) => {
                    use std::io::{Seek, SeekFrom};
                    let mut f = self.fallback.take().ok_or_else(|| {
                        std::io::Error::other("no buffered handle to fall back to")
                    })?;
                    f.seek(SeekFrom::Start(self.written))?;
                    self.file = f;
                    self.direct = false;
                }
                Err(e) => return Err(e),
            }
        }
        self.written += n as u64;
        if bytes.is_none() {
            self.storage
                .copy_within(self.offset + n..self.offset + self.len, self.offset);
            self.len -= n;
        }
        Ok(())
    }

    /// Writes what is buffered and returns the file, at its exact length.
    fn finish(mut self) -> std::io::Result<File> {
        let len = self.len;
        if self.direct && len > 0 {
            // The tail, padded to the alignment, then the file cut back to its true length.
            let padded = len.next_multiple_of(DIRECT_ALIGN);
            self.storage[self.offset + len..self.offset + padded].fill(0);
            self.len = padded;
            self.write_out(padded)?;
            if self.direct {
                self.file.set_len(self.written - (padded - len) as u64)?;
            } else {
                // Fell back while writing the tail: it was written padded, buffered.
                self.file.set_len(self.written - (padded - len) as u64)?;
            }
        } else if len > 0 {
            self.write_out(len)?;
        }
        Ok(self.file)
    }
}

impl Write for DirectWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            let room = WRITE_BUFFER - self.len;
            let n = room.min(rest.len());
            let at = self.offset + self.len;
            self.storage[at..at + n].copy_from_slice(&rest[..n]);
            self.len += n;
            rest = &rest[n..];
            if self.len == WRITE_BUFFER {
                self.write_out(WRITE_BUFFER)?;
            }
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(target_os = "linux")]
const EINVAL: i32 = libc::EINVAL;
#[cfg(not(target_os = "linux"))]
const EINVAL: i32 = 22;

/// Creates `path` for writing, with `O_DIRECT` where the platform and filesystem allow it.
fn open_direct(path: &Path) -> std::io::Result<(File, bool)> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    match open_with_o_direct(&mut opts, path) {
        Some(f) => Ok((f, true)),
        None => Ok((File::create(path)?, false)),
    }
}

/// Opens `path` for reads around the page cache, where the platform and filesystem allow it.
fn open_direct_read(path: &Path) -> Option<File> {
    open_with_o_direct(std::fs::OpenOptions::new().read(true), path)
}

/// `opts` with `O_DIRECT` added: `None` where the platform or the filesystem refuses it.
fn open_with_o_direct(opts: &mut std::fs::OpenOptions, path: &Path) -> Option<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_DIRECT).open(path).ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (opts, path);
        None
    }
}

/// A scratch file for data too large to hold in memory, written once and read back in pieces:
/// written on a writer thread like the outputs (around the page cache or through it, as its
/// constructor says) and removed from its folder as soon as it is open, so nothing is left
/// behind however the run ends.
pub struct ScratchFile {
    // In a mutex only so that a finished table can be shared between threads.
    writer: std::sync::Mutex<Option<BackgroundWriter>>,
    reader: File,
    /// A handle that reads around the page cache, for [`ScratchFile::read`] (files written
    /// around it too, and read back in large pieces; `None` where the file system refuses).
    direct_reader: Option<File>,
    len: u64,
    /// Where it was created (its name is gone once open): an error names it, so that a full
    /// disk is found where it is (the system's temporary folder, not the output folder).
    path: std::path::PathBuf,
}

impl std::fmt::Debug for ScratchFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScratchFile")
            .field("path", &self.path)
            .field("len", &self.len)
            .finish()
    }
}

impl ScratchFile {
    /// Creates one in `dir`, written around the page cache: for data read back in small part
    /// (a report's few complaints), which would only push other files out of the cache.
    pub fn create(dir: &Path) -> Result<ScratchFile> {
        ScratchFile::create_with(dir, true, false)
    }

    /// Creates one in `dir`, written through the page cache: for data read back soon, also in
    /// small pieces (the complaints' texts, a text at a time for scattered ones), which the
    /// cache then serves without a disk read. Cached pages are the system's to reclaim, not the
    /// process's memory.
    pub fn create_cached(dir: &Path) -> Result<ScratchFile> {
        ScratchFile::create_with(dir, false, false)
    }

    /// Creates one in `dir`, written and read back around the page cache: for data read back
    /// whole in large pieces ([`ScratchFile::read`]: the event log's partitions). On these
    /// virtual machines a page of cache costs as much as a fresh page of memory, so writing
    /// the 10 M log's 3.1 GB through the cache cost the writer thread 88 ns an event (a
    /// quarter of a core's time in the event stage), where direct writes and reads of the
    /// same bytes take a tenth of that.
    pub fn create_direct(dir: &Path) -> Result<ScratchFile> {
        ScratchFile::create_with(dir, true, true)
    }

    fn create_with(dir: &Path, direct: bool, direct_reads: bool) -> Result<ScratchFile> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!(".complaints-scratch-{}-{n}", std::process::id()));
        let writer = BackgroundWriter::create(&path, direct).map_err(|e| Error::io(&path, e))?;
        let reader = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let direct_reader = if direct_reads {
            open_direct_read(&path)
        } else {
            None
        };
        // Open handles keep the data; the name goes now.
        std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        Ok(ScratchFile {
            writer: std::sync::Mutex::new(Some(writer)),
            reader,
            direct_reader,
            len: 0,
            path,
        })
    }

    /// Appends bytes.
    pub fn append(&mut self, bytes: &[u8]) -> Result<()> {
        let w = self
            .writer
            .get_mut()
            .expect("scratch file lock")
            .as_mut()
            .ok_or_else(|| Error::Other("internal error: scratch file already finished".into()))?;
        w.write_all(bytes).map_err(|e| Error::io(&self.path, e))?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Writes out what is buffered; the file can be read from then on.
    pub fn finish(&mut self) -> Result<()> {
        if let Some(w) = self.writer.get_mut().expect("scratch file lock").take() {
            w.finish().map_err(|e| Error::io(&self.path, e))?;
        }
        Ok(())
    }

    /// Bytes written.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `len` bytes at `offset` (after [`ScratchFile::finish`]), read around the page cache
    /// when the file was made for it ([`ScratchFile::create_direct`]).
    pub fn read(&self, offset: u64, len: usize) -> Result<Bytes<'static>> {
        self.check_finished()?;
        if let Some(f) = &self.direct_reader {
            match read_aligned(f, offset, len) {
                Ok(bytes) => return Ok(bytes),
                // Refused after all (an unaligned short read): the ordinary way.
                Err(e) if e.raw_os_error() == Some(EINVAL) => {}
                Err(e) => return Err(Error::io(&self.path, e)),
            }
        }
        let mut buf = vec![0u8; len];
        self.read_at(offset, &mut buf)?;
        Ok(Bytes::from(buf))
    }

    fn check_finished(&self) -> Result<()> {
        if self.writer.lock().expect("scratch file lock").is_some() {
            return Err(Error::Other(
                "internal error: scratch file read before it was finished".into(),
            ));
        }
        Ok(())
    }

    /// Reads `buf.len()` bytes at `offset` (after [`ScratchFile::finish`]).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.check_finished()?;
        // Positional reads: threads read their own pieces at once, with no shared cursor.
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.reader
                .read_exact_at(buf, offset)
                .map_err(|e| Error::io(&self.path, e))
        }
        #[cfg(windows)]
        {
            use std::os::windows::fs::FileExt;
            let mut done = 0;
            while done < buf.len() {
                let n = self
                    .reader
                    .seek_read(&mut buf[done..], offset + done as u64)
                    .map_err(|e| Error::io(&self.path, e))?;
                if n == 0 {
                    return Err(Error::io(
                        &self.path,
                        std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
                    ));
                }
                done += n;
            }
            Ok(())
        }
    }
}

/// Bytes read from a spool or a scratch file: borrowed from memory, or read into a buffer of
/// their own (for a direct read, an aligned window of a larger one).
#[derive(Debug)]
pub enum Bytes<'a> {
    /// Held elsewhere.
    Borrowed(&'a [u8]),
    /// `buf[start..start + len]`.
    Owned {
        buf: Vec<u8>,
        start: usize,
        len: usize,
    },
}

impl Default for Bytes<'_> {
    fn default() -> Self {
        Bytes::Borrowed(&[])
    }
}

impl From<Vec<u8>> for Bytes<'static> {
    fn from(buf: Vec<u8>) -> Self {
        let len = buf.len();
        Bytes::Owned { buf, start: 0, len }
    }
}

impl std::ops::Deref for Bytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Borrowed(b) => b,
            Bytes::Owned { buf, start, len } => &buf[*start..*start + *len],
        }
    }
}

/// `len` bytes at `offset` of a file open for direct reads: the aligned blocks that hold
/// them, read into an aligned buffer, and the bytes' window of it.
fn read_aligned(f: &File, offset: u64, len: usize) -> std::io::Result<Bytes<'static>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let align = DIRECT_ALIGN as u64;
        let lo = offset - offset % align;
        let skip = (offset - lo) as usize;
        let want = skip + len;
        let n = want.next_multiple_of(DIRECT_ALIGN);
        let mut buf = vec![0u8; n + DIRECT_ALIGN];
        let at = buf.as_ptr().align_offset(DIRECT_ALIGN);
        let mut got = 0;
        // Direct reads come back whole but at the end of the file, which is where a short
        // read stops (the file's last block is partial).
        while got < want {
            let k = f.read_at(&mut buf[at + got..at + n], lo + got as u64)?;
            if k == 0 {
                return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
            }
            got += k;
        }
        Ok(Bytes::Owned {
            buf,
            start: at + skip,
            len,
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (f, offset, len);
        Err(std::io::Error::from_raw_os_error(EINVAL))
    }
}
