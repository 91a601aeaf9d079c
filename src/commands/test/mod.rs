//! `complaints test [PATH...]`: runs the test cases kept beside the rules
//! (`rules/tests/*.test.toml` by default) and prints results the way `cargo test` does. Exit 1
//! on any failure.

pub mod cases;
pub mod expect;

use std::path::PathBuf;

use self::cases::{run_file, test_files};
use crate::cli::TestArgs;
use crate::error::Result;
use crate::pipeline;
use crate::time::Ts;

/// Runs the cases; returns the exit code.
pub fn run(args: &TestArgs, now: Ts) -> Result<i32> {
    let cfg = super::load_setup(&args.setup, now)?;
    let prepared = pipeline::prepare(&cfg)?;
    let paths = if args.paths.is_empty() {
        vec![cfg.rules_dir.join("tests")]
    } else {
        args.paths.clone()
    };
    let files: Vec<PathBuf> = test_files(&paths);
    let mut passed = 0usize;
    let mut failures = Vec::new();
    let mut broken = Vec::new();
    println!("running {} test file(s)", files.len());
    for f in &files {
        match run_file(f, &cfg, &prepared.rules) {
            Err(d) => {
                println!("test file {} ... ERROR", f.display());
                broken.push(d);
            }
            Ok(results) => {
                for r in results {
                    let ok = r.failure.is_none();
                    println!(
                        "test {}: {} ... {}",
                        r.rule,
                        r.name,
                        if ok { "ok" } else { "FAILED" }
                    );
                    if ok {
                        passed += 1;
                    } else {
                        failures.push(r);
                    }
                }
            }
        }
    }
    if !failures.is_empty() || !broken.is_empty() {
        println!("\nfailures:\n");
        for r in &failures {
            println!(
                "{}:{} case {} \"{}\":\n    {}\n",
                r.file,
                r.line,
                r.index,
                r.name,
                r.failure.as_deref().unwrap_or("")
            );
        }
        for d in &broken {
            println!("{d}\n");
        }
    }
    let failed = failures.len() + broken.len();
    println!(
        "\ntest result: {}. {passed} passed; {failed} failed",
        if failed == 0 { "ok" } else { "FAILED" }
    );
    Ok(if failed == 0 { 0 } else { 1 })
}
