//! Test helpers: run the real binary, compare against golden files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (tests run the binary there, as a user would).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `complaints` binary built for this test run.
pub(crate) fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_complaints"))
}

/// The fixed `--as-of` of the golden files.
pub(crate) const AS_OF: &str = "2026-11-01T00:00:00+08:00";

/// A finished command.
pub(crate) struct Ran {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Ran {
    /// Panics with both streams unless the exit code is `code`.
    pub(crate) fn expect(self, code: i32) -> Ran {
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// Runs `complaints ARGS` in `dir`.
pub(crate) fn run_in(dir: &Path, args: &[&str]) -> Ran {
    let out: Output = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run complaints");
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `complaints ARGS` in the repository root.
pub(crate) fn run(args: &[&str]) -> Ran {
    run_in(&root(), args)
}

/// Runs `complaints run --input INPUT --out OUT --as-of AS_OF EXTRA...` from the repository
/// root: the invocation most tests start from.
pub(crate) fn run_on(input: impl AsRef<Path>, out: impl AsRef<Path>, extra: &[&str]) -> Ran {
    run_on_as_of(input, out, AS_OF, extra)
}

/// [`run_on`] with another `--as-of`.
pub(crate) fn run_on_as_of(
    input: impl AsRef<Path>,
    out: impl AsRef<Path>,
    as_of: &str,
    extra: &[&str],
) -> Ran {
    let (input, out) = (input.as_ref(), out.as_ref());
    let mut args = vec![
        "run",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        as_of,
    ];
    args.extend(extra);
    run(&args)
}

/// Compares `actual` with `tests/golden/NAME`; `UPDATE_GOLDEN=1` rewrites the file.
pub(crate) fn assert_golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    if expected != actual {
        let diff = first_difference(&expected, actual);
        panic!(
            "{} differs from the golden file (UPDATE_GOLDEN=1 cargo test rewrites it after review):\n{diff}",
            path.display()
        );
    }
}

/// The first differing line with a little context.
pub(crate) fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        if e.get(i) != a.get(i) {
            return format!(
                "line {}:\n- {}\n+ {}\n({} expected lines, {} actual)",
                i + 1,
                e.get(i).unwrap_or(&"<none>"),
                a.get(i).unwrap_or(&"<none>"),
                e.len(),
                a.len()
            );
        }
    }
    "identical lines; bytes differ (line endings or BOM?)".into()
}

/// A fresh temporary folder.
pub(crate) fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Reads a file as text.
pub(crate) fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

/// Copies the shipped rule and template folders into `dir` (to edit them in a test).
pub(crate) fn copy_setup(dir: &Path) {
    copy_dir(&root().join("rules"), &dir.join("rules"));
    copy_dir(
        &root().join("report_templates"),
        &dir.join("report_templates"),
    );
}

/// Copies a folder recursively.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Every file under `dir`, recursively, sorted.
pub(crate) fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
