//! Walking a rule or template folder: every file at any depth, except hidden files, Excel's lock
//! files (`~$…`) and `tests/` folders (test cases are not part of a rule set's behaviour). One
//! walk for `build.rs`, which builds the shipped folders into the binary, and for the layered
//! folders, which list a user's files: both see the same files.

use std::path::{Path, PathBuf};

/// Appends every file under `dir` to `out`, in no particular order.
pub(crate) fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        if p.is_dir() {
            if name != "tests" {
                files(&p, out);
            }
        } else {
            out.push(p);
        }
    }
}
