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
        .stages
        .iter()
        .map(|(k, ms)| format!("{k} {:.2}s", *ms as f64 / 1000.0))
        .collect();
    let total: u64 = outcome.timings.stages.iter().map(|(_, ms)| ms).sum();
    s.push_str(&format!(
        "\ntimings: {} (total {:.2}s)",
        stages.join(", "),
        total as f64 / 1000.0
    ));
    if let Some((_, mib)) = outcome.timings.peak_rss_mib.last() {
        s.push_str(&format!(", peak memory {mib} MiB"));
    }
    s
}

/// Progress bars on stderr for long runs, one per stage, with counts and rates.
///
/// Drawn only when stderr is a terminal and the run is not `--quiet`; otherwise every bar is a
/// no-op, so the pipeline ticks them unconditionally. Finished bars stay on screen, so the
/// terminal keeps a line per stage with its total and rate.
#[derive(Clone, Default)]
pub struct Progress {
    multi: Option<indicatif::MultiProgress>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.multi.is_some() {
            "Progress(drawn)"
        } else {
            "Progress(hidden)"
        })
    }
}

impl Progress {
    /// Bars for an interactive run: drawn unless `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Progress {
        use std::io::IsTerminal;
        if quiet || !std::io::stderr().is_terminal() {
            return Progress::hidden();
        }
        Progress {
            multi: Some(indicatif::MultiProgress::with_draw_target(
                indicatif::ProgressDrawTarget::stderr_with_hz(10),
            )),
        }
    }

    /// No bars (tests, pipes, `--quiet`, the commands that are not long runs).
    pub fn hidden() -> Progress {
        Progress { multi: None }
    }

    fn add(&self, stage: &str, len: Option<u64>, template: &str) -> Bar {
        let Some(multi) = &self.multi else {
            return Bar(None);
        };
        let bar = match len {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        let style = indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            // `{per_sec}` prints four decimals; a whole number per second reads better.
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}/s", thousands_u64(state.per_sec() as u64));
                },
            )
            .progress_chars("=> ");
        let bar = multi.add(bar.with_style(style).with_prefix(stage.to_owned()));
        if len.is_none() {
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
        }
        Bar(Some(bar))
    }

    /// A stage measured in bytes of input (reading files).
    pub fn bytes(&self, stage: &str, total: u64) -> Bar {
        self.add(
            stage,
            Some(total),
            "{prefix:>10} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {elapsed:>4} {msg}",
        )
    }

    /// A stage measured in items (`unit`: "complaints", "pages").
    pub fn count(&self, stage: &str, total: u64, unit: &str) -> Bar {
        self.add(
            stage,
            Some(total),
            &format!("{{prefix:>10}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} {{rate}} {{elapsed:>4}} {{msg}}"),
        )
    }

    /// Ends the bars' block, so that what is printed next starts on a line of its own.
    pub fn done(&self) {
        if self.multi.is_some() {
            let _ = writeln!(std::io::stderr().lock());
        }
    }

    /// A stage without a count (a spinner and a message).
    pub fn spinner(&self, stage: &str) -> Bar {
        self.add(stage, None, "{prefix:>10} {spinner} {elapsed:>4} {msg}")
    }
}

/// One stage's bar; a no-op when progress is hidden. Cloning shares the bar.
#[derive(Clone, Default)]
pub struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    /// A bar that draws nothing.
    pub fn hidden() -> Bar {
        Bar(None)
    }

    /// Advances by `n`.
    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    /// Sets the text after the bar.
    pub fn message(&self, msg: &str) {
        if let Some(b) = &self.0 {
            b.set_message(msg.to_owned());
        }
    }

    /// Fills the bar and leaves it on screen with its final count, rate and time.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            if let Some(len) = b.length() {
                b.set_position(len);
            }
            b.finish();
        }
    }
}

/// `1234567` → `1,234,567`.
fn thousands_u64(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_progress_draws_nothing_and_bars_are_no_ops() {
        let p = Progress::new(true);
        assert!(p.multi.is_none());
        let bar = p.count("assess", 10, "complaints");
        assert!(bar.0.is_none());
        bar.inc(5);
        bar.message("x");
        bar.finish();
        p.done();
    }

    #[test]
    fn drawn_bars_count_and_finish_full() {
        // A drawn bar whose target is hidden: the counting is the same as on a terminal.
        let p = Progress {
            multi: Some(indicatif::MultiProgress::with_draw_target(
                indicatif::ProgressDrawTarget::hidden(),
            )),
        };
        let bar = p.bytes("read", 100);
        bar.inc(40);
        assert_eq!(bar.0.as_ref().map(|b| b.position()), Some(40));
        bar.finish();
        assert_eq!(bar.0.as_ref().map(|b| b.position()), Some(100));
        assert!(bar.0.as_ref().is_some_and(|b| b.is_finished()));
    }

    #[test]
    fn rates_print_with_thousands_separators() {
        assert_eq!(thousands_u64(0), "0");
        assert_eq!(thousands_u64(999), "999");
        assert_eq!(thousands_u64(1_000), "1,000");
        assert_eq!(thousands_u64(898_538), "898,538");
        assert_eq!(thousands_u64(12_345_678), "12,345,678");
    }
}
