//! The output folder as one unit: identical runs give identical folders (only `timings.json`
//! differs), a killed run leaves the previous set as it was, a second run on the same `--out`
//! is refused. See: issue 18.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::util::{AS_OF, bin, files_under, read, root, run, tempdir};

const MINI: &str = "tests/fixtures/inputs/mini.csv";
const EVENTS_INPUT: &str = "tests/fixtures/audit/complaints.csv";

/// Every file under `dir` (relative path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files_under(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

/// Names in `dir` other than `keep`.
fn others(dir: &Path, keep: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != keep)
        .collect();
    v.sort();
    v
}

fn run_args<'a>(input: &'a str, out: &'a str, as_of: &'a str) -> Vec<&'a str> {
    vec![
        // mini.csv is dirty on purpose (3 of its 7 rows are rejected): the default reject
        // limit (20 %) is not what these tests are about.
        "-q",
        "run",
        "--input",
        input,
        "--out",
        out,
        "--as-of",
        as_of,
        "--max-rejects",
        "100%",
    ]
}

/// Starts `complaints ARGS` with a pause at `point`, and returns once it is paused there.
fn spawn_paused(args: &[&str], point: &str) -> Child {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(root())
        .env(complaints::output::PAUSE_ENV, point)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn complaints");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let want = format!("paused at {point}");
    let mut seen = Vec::new();
    loop {
        match lines.next() {
            Some(Ok(l)) if l == want => break,
            Some(Ok(l)) => seen.push(l),
            _ => {
                let status = child.wait().unwrap();
                panic!(
                    "never paused at {point} ({status}); stderr:\n{}",
                    seen.join("\n")
                );
            }
        }
    }
    child
}

/// `kill -9` (SIGKILL on Unix), and the process reaped.
fn kill9(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn two_identical_runs_give_byte_identical_output_folders_timings_aside() {
    let (a, b) = (tempdir(), tempdir());
    for d in [&a, &b] {
        run(&[
            "-q",
            "run",
            "--config",
            "tests/fixtures/audit/complaints.toml",
            "--out",
            d.path().to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--parquet",
        ])
        .expect(0);
    }
    let (mut sa, mut sb) = (snapshot(a.path()), snapshot(b.path()));
    let (ta, tb) = (
        sa.remove(Path::new("timings.json")).expect("timings.json"),
        sb.remove(Path::new("timings.json")).expect("timings.json"),
    );
    assert!(sa.contains_key(Path::new("manifest.json")));
    assert_eq!(
        sa.keys().collect::<Vec<_>>(),
        sb.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (name, bytes) in &sa {
        assert!(
            *bytes == sb[name],
            "{} differs between identical runs",
            name.display()
        );
    }
    // The timings hold one key per stage, classify among them; the manifest holds none.
    for t in [ta, tb] {
        let t: serde_json::Value = serde_json::from_slice(&t).unwrap();
        let stages: Vec<&str> = t["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        for s in ["ingest", "normalize", "events", "classify", "render"] {
            assert!(stages.contains(&s), "{s} missing from {stages:?}");
            assert!(t["timings_ms"][s].is_u64(), "timings_ms.{s}");
        }
    }
    let manifest = read(a.path().join("manifest.json"));
    assert!(
        !manifest.contains("timings_ms") && !manifest.contains("peak_rss_mib"),
        "{manifest}"
    );
}

#[test]
fn a_run_killed_at_any_point_leaves_the_previous_output_set_intact() {
    let dir = tempdir();
    let out_path = dir.path().join("out");
    let out = out_path.to_str().unwrap();
    // The previous set: another input and another --as-of than the runs killed below, so that
    // every file of it differs from theirs.
    run(&run_args(EVENTS_INPUT, out, "2026-10-20")).expect(0);
    let previous = snapshot(&out_path);
    let new_args = run_args(MINI, out, AS_OF);
    for point in ["tables", "pages", "manifest", "before-swap"] {
        let child = spawn_paused(&new_args, point);
        kill9(child);
        assert!(
            snapshot(&out_path) == previous,
            "killed at {point}: the output folder changed"
        );
        // Only the killed run's staging folder is left beside it, until the next run.
        let beside = others(dir.path(), "out");
        assert!(
            beside
                .iter()
                .all(|n| n.starts_with("out.staging-") || n == "out.lock"),
            "killed at {point}: {beside:?}"
        );
    }
    // Killed after the swap: the new set is complete (the same as an undisturbed run's).
    let reference = tempdir();
    run(&run_args(MINI, reference.path().to_str().unwrap(), AS_OF)).expect(0);
    let mut want = snapshot(reference.path());
    want.remove(Path::new("timings.json"));
    kill9(spawn_paused(&new_args, "after-swap"));
    let mut got = snapshot(&out_path);
    got.remove(Path::new("timings.json"));
    assert!(got == want, "killed after the swap: not the new set");
    // The next run clears what the killed ones left: no staging folder, no lock file.
    run(&run_args(EVENTS_INPUT, out, "2026-10-20")).expect(0);
    assert_eq!(others(dir.path(), "out"), Vec::<String>::new());
    let mut again = snapshot(&out_path);
    let mut previous = previous;
    again.remove(Path::new("timings.json"));
    previous.remove(Path::new("timings.json"));
    assert!(again == previous, "the same run gives the same set again");
    assert!(
        others(&out_path, "")
            .iter()
            .all(|n| !n.starts_with('.') && !n.contains(".tmp")),
        "temporary files inside the output folder"
    );
}

#[test]
fn a_second_run_on_the_same_out_is_refused_while_the_first_runs() {
    let dir = tempdir();
    let out_path = dir.path().join("out");
    let out = out_path.to_str().unwrap();
    let first = spawn_paused(&run_args(MINI, out, AS_OF), "tables");
    let second = run(&run_args(MINI, out, AS_OF)).expect(2);
    assert!(
        second
            .stderr
            .contains("another run is writing this output folder"),
        "{}",
        second.stderr
    );
    assert!(!out_path.exists(), "the refused run wrote nothing");
    kill9(first);
    // The lock died with the first run.
    run(&run_args(MINI, out, AS_OF)).expect(0);
    assert!(out_path.join("manifest.json").exists());
}

#[test]
fn an_out_that_is_a_file_or_a_foreign_folder_is_refused_and_left_alone() {
    let dir = tempdir();
    let file = dir.path().join("report");
    std::fs::write(&file, "not a folder").unwrap();
    let r = run(&run_args(MINI, file.to_str().unwrap(), AS_OF)).expect(2);
    assert!(
        r.stderr.contains("exists and is not a folder"),
        "{}",
        r.stderr
    );
    assert_eq!(read(&file), "not a folder");
    assert!(
        !dir.path().join("report.lock").exists(),
        "a lock left behind"
    );
    // A folder of someone's files (no manifest.json): a run would replace it as a whole.
    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep").unwrap();
    let r = run(&run_args(MINI, mine.to_str().unwrap(), AS_OF)).expect(2);
    assert!(
        r.stderr.contains("not an output folder of an earlier run"),
        "{}",
        r.stderr
    );
    assert_eq!(read(mine.join("notes.txt")), "keep");
}
