//! Messages for people, all on stderr (stdout is for data, e.g. `complaints context`).
//! Lowercase, no trailing period, subject first.

use std::io::Write;

use crate::format::thousands;
use crate::progress::{Measure, Meter, Progress, Ticker};

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

/// Installs a panic hook that stays silent for the panics rust_xlsxwriter raises when a write
/// fails: `render::xlsx` catches those and reports them as errors, with the file. Any other
/// panic is a bug and is printed as by default.
pub fn quiet_writer_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .location()
            .is_some_and(|l| l.file().contains("rust_xlsxwriter"))
        {
            return;
        }
        default(info);
    }));
}

/// Prints a warning.
pub fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "warning: {msg}");
}

/// Prints an informational line unless quiet.
pub fn note(quiet: bool, msg: &str) {
    if !quiet && !msg.is_empty() {
        let _ = writeln!(std::io::stderr().lock(), "{msg}");
    }
}

/// One line per column whose timestamp forms were detected rather than built in or declared,
/// so the user sees what the tool chose (and can write it into the config); empty when none.
pub fn detected_forms(mappings: &[crate::pipeline::normalize::FileMapping]) -> String {
    let mut lines: Vec<String> = Vec::new();
    for m in mappings {
        for c in m.columns.iter().filter(|c| c.detected()) {
            let field = if c.field.is_empty() {
                "carried through".to_owned()
            } else {
                format!("`{}`", c.field)
            };
            let line = format!("timestamps: `{}` ({field}): {}", c.header, c.timestamps);
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    lines.join("\n")
}

/// The end-of-run summary: the row accounting, where the outputs are, and the stage timings.
pub fn summary(outcome: &crate::pipeline::RunOutcome, cfg: &crate::config::Config) -> String {
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
    let l = &outcome.manifest.lines;
    s.push_str(&format!(
        "\nlines: {} in the files = {} header + {} in records + {} blank",
        n(l.physical as usize),
        n(l.header as usize),
        n(l.in_records as usize),
        n(l.blank as usize)
    ));
    if l.in_records > c.read as u64 {
        s.push_str(&format!(
            " ({} inside multi-line texts)",
            n((l.in_records - c.read as u64) as usize)
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
    s.push('\n');
    s.push_str(&written(&outcome.written, &cfg.out_dir));
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

/// What a run wrote: `wrote out/: report.html, …; projects/ (6 pages); months/ (14 periods)`.
/// The files at the top are named one by one; pages in a subfolder are counted.
fn written(files: &[String], out: &std::path::Path) -> String {
    let mut top: Vec<&str> = Vec::new();
    let mut folders: Vec<(&str, usize)> = Vec::new();
    for f in files {
        match f.split_once('/') {
            Some((dir, rest)) if !rest.is_empty() => {
                let dir = &f[..dir.len() + 1];
                match folders.iter_mut().find(|(d, _)| *d == dir) {
                    Some((_, n)) => *n += 1,
                    None => folders.push((dir, 1)),
                }
            }
            _ => top.push(f),
        }
    }
    let mut s = format!("wrote {}/: {}", out.display(), top.join(", "));
    for (dir, n) in folders {
        let what = if dir == "months/" {
            "file(s) by month"
        } else {
            "page(s)"
        };
        s.push_str(&format!("; {dir} ({n} {what})"));
    }
    s
}

/// Progress bars on stderr for long runs, one per stage, with counts and rates.
///
/// Drawn only when stderr is a terminal and the run is not `--quiet`; otherwise every meter is
/// a no-op, so the pipeline ticks them unconditionally. Finished bars stay on screen, so the
/// terminal keeps a line per stage with its total and rate.
#[derive(Clone, Default)]
pub struct Bars {
    multi: Option<indicatif::MultiProgress>,
}

impl std::fmt::Debug for Bars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.multi.is_some() {
            "Bars(drawn)"
        } else {
            "Bars(hidden)"
        })
    }
}

impl Bars {
    /// Bars for an interactive run: drawn unless `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Bars {
        use std::io::IsTerminal;
        if quiet || !std::io::stderr().is_terminal() {
            return Bars { multi: None };
        }
        Bars {
            multi: Some(indicatif::MultiProgress::with_draw_target(
                indicatif::ProgressDrawTarget::stderr_with_hz(10),
            )),
        }
    }
}

impl Progress for Bars {
    fn begin(&self, stage: &str, measure: Measure) -> Meter {
        let Some(multi) = &self.multi else {
            return Meter::hidden();
        };
        let (len, template) = match measure {
            Measure::Bytes(n) => (
                Some(n),
                "{prefix:>10} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {elapsed:>4} {msg}".to_owned(),
            ),
            Measure::Count(n, unit) => (
                Some(n),
                format!("{{prefix:>10}} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} {{rate}} {{elapsed:>4}} {{msg}}"),
            ),
            Measure::Spinner => (None, "{prefix:>10} {spinner} {elapsed:>4} {msg}".to_owned()),
        };
        let bar = match len {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::new_spinner(),
        };
        let style = indicatif::ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            // `{per_sec}` prints four decimals; a whole number per second reads better.
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}/s", thousands(state.per_sec() as i64));
                },
            )
            .progress_chars("=> ");
        let bar = multi.add(bar.with_style(style).with_prefix(stage.to_owned()));
        if len.is_none() {
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
        }
        Meter::drawn(std::sync::Arc::new(Bar(bar)))
    }

    fn done(&self) {
        if self.multi.is_some() {
            let _ = writeln!(std::io::stderr().lock());
        }
    }
}

/// One stage's bar.
struct Bar(indicatif::ProgressBar);

impl Ticker for Bar {
    fn inc(&self, n: u64) {
        self.0.inc(n);
    }

    fn message(&self, msg: &str) {
        self.0.set_message(msg.to_owned());
    }

    /// Fills the bar and leaves it on screen with its final count, rate and time.
    fn finish(&self) {
        if let Some(len) = self.0.length() {
            self.0.set_position(len);
        }
        self.0.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_progress_draws_nothing_and_meters_are_no_ops() {
        let p = Bars::new(true);
        assert!(p.multi.is_none());
        let meter = p.begin("assess", Measure::Count(10, "complaints"));
        assert!(!meter.is_drawn());
        meter.inc(5);
        meter.message("x");
        meter.finish();
        p.done();
    }

    #[test]
    fn drawn_bars_count_and_finish_full() {
        // A drawn bar whose target is hidden: the counting is the same as on a terminal.
        let bar = Bar(indicatif::ProgressBar::with_draw_target(
            Some(100),
            indicatif::ProgressDrawTarget::hidden(),
        ));
        bar.inc(40);
        assert_eq!(bar.0.position(), 40);
        bar.finish();
        assert_eq!(bar.0.position(), 100);
        assert!(bar.0.is_finished());
    }
}
