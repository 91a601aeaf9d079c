//! Messages for people, all on stderr (stdout is for data, e.g. `complaints context`).
//! Lowercase, no trailing period, subject first.

use std::io::Write;

/// Prints a fatal error.
pub fn error(e: &crate::error::Error) {
    let text = e.to_string();
    let mut err = std::io::stderr().lock();
    // Diagnostics already start with `error:`.
    if text.starts_with("error:") {
        let _ = writeln!(err, "{text}");
    } else {
        let _ = writeln!(err, "error: {text}");
    }
}

/// Prints a warning.
pub fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "warning: {msg}");
}

/// Prints an informational line unless quiet.
pub fn note(quiet: bool, msg: &str) {
    if !quiet {
        let _ = writeln!(std::io::stderr().lock(), "{msg}");
    }
}

/// The end-of-run summary: the row accounting, where the outputs are, and the stage timings.
pub fn summary(outcome: &crate::pipeline::RunOutcome, cfg: &crate::config::Config) -> String {
    use crate::pipeline::render::thousands;
    let c = &outcome.counts;
    let n = |x: usize| thousands(i64::try_from(x).unwrap_or(i64::MAX));
    let mut s = format!(
        "read {} rows: {} accepted ({} complaints + {} merged duplicates), {} rejected",
        n(c.read),
        n(c.accepted),
        n(c.complaints),
        n(c.merged),
        n(c.rejected)
    );
    if c.rejected > 0 {
        s.push_str(&format!(
            " (see {})",
            cfg.out_dir
                .join(crate::output::names::REJECTS_CSV)
                .display()
        ));
    }
    if outcome.event_rows.0 > 0 {
        let (read, ok) = outcome.event_rows;
        s.push_str(&format!(
            "\nevent log: {} rows: {} accepted, {} rejected",
            n(read),
            n(ok),
            n(read - ok)
        ));
    }
    s.push_str(&format!(
        "\nreport written to {}",
        cfg.out_dir
            .join(crate::output::names::REPORT_HTML)
            .display()
    ));
    let stages: Vec<String> = outcome
        .timings
        .0
        .iter()
        .map(|(k, ms)| format!("{k} {:.2}s", *ms as f64 / 1000.0))
        .collect();
    let total: u64 = outcome.timings.0.iter().map(|(_, ms)| ms).sum();
    s.push_str(&format!(
        "\ntimings: {} (total {:.2}s)",
        stages.join(", "),
        total as f64 / 1000.0
    ));
    s
}
