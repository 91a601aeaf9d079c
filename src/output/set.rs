//! The output folder as one unit: a run writes a complete set of files into a fresh staging
//! folder beside `--out` and swaps it in only when every file, the manifest included, is
//! written. A reader of `--out` therefore sees either the previous set or the new one, never a
//! mixture, however the run ends (an error, Ctrl-C, `kill -9`, a full disk).
//!
//! - `<out>.staging-<pid>`: where a run writes. Removed when the run fails; one left behind by a
//!   killed run is removed by the next run on the same `--out`.
//! - `<out>.lock`: a lock file taken (`flock`) for the whole run, so a second run on the same
//!   `--out` is refused instead of mixing its files into the first one's. The kernel drops the
//!   lock when the process dies, so a killed run never blocks the next one.
//! - The swap: on Linux one `renameat2(RENAME_EXCHANGE)` exchanges the staging folder and
//!   `--out` atomically; the previous set, now under the staging name, is then removed. Where
//!   the exchange is not available, the previous set is renamed aside to `<out>.previous-<pid>`
//!   first; a run killed between the two renames leaves `--out` missing for an instant, and
//!   the next start puts the previous set back.
//!
//! A folder that holds files but no `manifest.json` is not an output set and is never replaced:
//! `--out .` must not delete the working directory.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The name every complete output set holds (and the one written last into it).
const MARKER: &str = super::names::MANIFEST_JSON;

/// Environment variable naming a [`checkpoint`] at which a run stops and waits to be killed.
pub const PAUSE_ENV: &str = "COMPLAINTS_PAUSE_AT";

/// A run's output set being written: the staging folder, and the lock on `--out`.
pub struct OutputSet {
    out: PathBuf,
    staging: PathBuf,
    lock: Option<Lock>,
    committed: bool,
}

impl OutputSet {
    /// Checks `out`, takes its lock, clears what killed runs left beside it and creates a fresh
    /// staging folder.
    pub fn begin(given: &Path) -> Result<OutputSet> {
        let out = resolve(given)?;
        let parent = parent_of(&out);
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let lock = Lock::take(&sibling(&out, ".lock"), given)?;
        recover(&out)?;
        check_replaceable(&out, given)?;
        let staging = sibling(&out, &format!(".staging-{}", std::process::id()));
        std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
        Ok(OutputSet {
            out,
            staging,
            lock: Some(lock),
            committed: false,
        })
    }

    /// The folder to write into.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// Swaps the written set in for the previous one, then removes the previous one and the
    /// lock. The set must be complete: nothing is written into it after this.
    pub fn commit(mut self) -> Result<()> {
        sync_dir(&self.staging);
        checkpoint("before-swap");
        if self.out.exists() {
            swap(&self.staging, &self.out)?;
            sync_dir(&parent_of(&self.out));
            checkpoint("after-swap");
            // The previous set now sits under the staging name.
            let _ = std::fs::remove_dir_all(&self.staging);
        } else {
            std::fs::rename(&self.staging, &self.out).map_err(|e| Error::io(&self.out, e))?;
            sync_dir(&parent_of(&self.out));
        }
        self.committed = true;
        // The lock goes with the set (Drop).
        Ok(())
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if !self.committed {
            // A failed run: the previous set was never touched; its staging folder goes.
            let _ = std::fs::remove_dir_all(&self.staging);
        }
        // Released last, once nothing of this run is left to clean up.
        drop(self.lock.take());
    }
}

/// A test hook: when [`PAUSE_ENV`] names `point`, says so on stderr and waits forever, so that
/// a test can kill the run there with `kill -9`. Costs one environment lookup per call.
pub fn checkpoint(point: &str) {
    if std::env::var_os(PAUSE_ENV).is_some_and(|v| v == point) {
        eprintln!("paused at {point}");
        loop {
            std::thread::park();
        }
    }
}

/// `--out` made absolute, following a symbolic link to the folder it names (the link stays).
fn resolve(out: &Path) -> Result<PathBuf> {
    let abs = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(".", e))?
            .join(out)
    };
    match std::fs::symlink_metadata(&abs) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(&abs).map_err(|e| Error::io(&abs, e))
        }
        _ => Ok(abs),
    }
}

fn parent_of(p: &Path) -> PathBuf {
    p.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `<out><suffix>`, beside `out`.
fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    out.with_file_name(name)
}

/// Names beside `out` that runs create: `<out>.staging-<pid>` and `<out>.previous-<pid>`.
fn leftovers(out: &Path) -> Vec<(PathBuf, bool)> {
    let name = out.file_name().unwrap_or_default().to_string_lossy();
    let staging = format!("{name}.staging-");
    let previous = format!("{name}.previous-");
    let Ok(rd) = std::fs::read_dir(parent_of(out)) else {
        return Vec::new();
    };
    let mut found: Vec<(PathBuf, bool)> = rd
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&staging) {
                Some((e.path(), false))
            } else if n.starts_with(&previous) {
                Some((e.path(), true))
            } else {
                None
            }
        })
        .collect();
    found.sort();
    found
}

/// Under the lock: puts back a previous set that a killed run had renamed aside (when `--out`
/// is missing), and removes every staging folder and every other previous set.
fn recover(out: &Path) -> Result<()> {
    for (path, previous) in leftovers(out) {
        if previous && !out.exists() && path.join(MARKER).exists() {
            std::fs::rename(&path, out).map_err(|e| Error::io(out, e))?;
            continue;
        }
        std::fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// Refuses an `--out` that is not a folder, or a folder of other files (one with files but no
/// manifest), which a swap would remove.
fn check_replaceable(out: &Path, given: &Path) -> Result<()> {
    let meta = match std::fs::metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(out, e)),
    };
    let refuse = |message: &str| {
        Err(Error::Output {
            path: given.to_path_buf(),
            message: message.to_owned(),
        })
    };
    if !meta.is_dir() {
        return refuse("exists and is not a folder; `--out` names the folder the outputs go in");
    }
    let mut entries = std::fs::read_dir(out).map_err(|e| Error::io(out, e))?;
    if entries.next().is_some() && !out.join(MARKER).exists() {
        return refuse(
            "the folder holds files but no manifest.json, so it is not an output folder of an earlier run; a run replaces its output folder as a whole: choose a new or empty folder",
        );
    }
    Ok(())
}

/// Exchanges two folders atomically where the system can; else renames `out` aside, then the
/// staging folder in.
fn swap(staging: &Path, out: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    if exchange(staging, out).is_ok() {
        return Ok(());
    }
    let aside = sibling(out, &format!(".previous-{}", std::process::id()));
    std::fs::rename(out, &aside).map_err(|e| Error::io(out, e))?;
    checkpoint("aside");
    if let Err(e) = std::fs::rename(staging, out) {
        let _ = std::fs::rename(&aside, out);
        return Err(Error::io(out, e));
    }
    // The staging name is where the caller removes the previous set from.
    std::fs::rename(&aside, staging).map_err(|e| Error::io(staging, e))
}

/// `renameat2(RENAME_EXCHANGE)`: both names stay valid throughout (Linux 3.15+, most local
/// filesystems).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let ca = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let cb = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // Safety: two valid NUL-terminated paths; the call reads them and nothing else. Called
    // through `syscall` because not every C library exports a `renameat2` wrapper.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Makes a folder's entries durable (best effort: not every filesystem syncs folders).
fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// An exclusive `flock` on `<out>.lock`, held while the file stays open.
struct Lock {
    path: PathBuf,
    /// Held open for the lock's lifetime: closing it unlocks.
    _file: File,
}

impl Lock {
    fn take(path: &Path, given: &Path) -> Result<Lock> {
        // Another run may remove the file between our open and our lock (it removes it on
        // release); the lock is then on a name nobody else will open, so try again.
        for _ in 0..8 {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path)
                .map_err(|e| Error::io(path, e))?;
            if !try_lock(&file).map_err(|e| Error::io(path, e))? {
                return Err(Error::Locked {
                    out: given.to_path_buf(),
                    lock: path.to_path_buf(),
                });
            }
            if same_file(&file, path) {
                return Ok(Lock {
                    path: path.to_path_buf(),
                    _file: file,
                });
            }
        }
        Err(Error::Locked {
            out: given.to_path_buf(),
            lock: path.to_path_buf(),
        })
    }
}

impl Drop for Lock {
    /// Removes the lock file, then unlocks (the file closes after this): a run that opened the
    /// file just before the removal finds its lock on a removed name and opens a fresh one. Also
    /// when the run is refused after taking the lock (an `--out` that is a file).
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `flock(LOCK_EX | LOCK_NB)` on Unix (std's file lock): false when another process holds it.
fn try_lock(f: &File) -> std::io::Result<bool> {
    match f.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// True when the open file is still the one at `path`.
#[cfg(unix)]
fn same_file(f: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}
