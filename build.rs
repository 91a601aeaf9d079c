//! Builds the shipped rule set and report templates into the binary: every file under `rules/`
//! (except the rule tests) and `report_templates/` becomes an entry of `shipped::FILES`, so a
//! project folder needs only the files that differ from them (`src/shipped/`).

use std::fmt::Write as _;
use std::path::PathBuf;

#[path = "src/shipped/walk.rs"]
mod walk;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    println!("cargo:rerun-if-changed=src/shipped/walk.rs");
    let mut files = Vec::new();
    for folder in ["rules", "report_templates"] {
        println!("cargo:rerun-if-changed={folder}");
        walk::files(&root.join(folder), &mut files);
    }
    files.sort();
    let mut src = String::from(
        "/// Every shipped file: its path under the repository root, and its bytes.\n",
    );
    src.push_str("pub(super) static FILES: &[(&str, &[u8])] = &[\n");
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(
            src,
            "    ({rel:?}, include_bytes!({:?})),",
            f.display().to_string()
        )
        .expect("write to a string");
    }
    src.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("shipped.rs");
    std::fs::write(out, src).expect("write shipped.rs");
}
