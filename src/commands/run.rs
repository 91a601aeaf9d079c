//! `complaints run`: the whole pipeline, outputs into `--out`, a summary on stderr.

use crate::cli::RunArgs;
use crate::error::Result;
use crate::pipeline::{self, RunOptions};
use crate::time::Ts;
use crate::ui;

/// Runs the pipeline; exit code 0 on success.
pub fn run(args: &RunArgs, now: Ts, quiet: bool) -> Result<i32> {
    let cfg = super::load_config(args, now)?;
    let prepared = pipeline::prepare(&cfg)?;
    // Warnings about the rules (a legacy `[kpi]` table, a shadowed keyword) before the data.
    if !quiet {
        for w in &prepared.rules.warnings {
            eprintln!("{w}\n");
        }
    }
    let progress = std::sync::Arc::new(ui::Bars::new(quiet));
    let opts = RunOptions {
        progress: progress.clone(),
        ..super::run_options(args)
    };
    let result = pipeline::Run::new(&cfg, &prepared, opts).write();
    crate::progress::Progress::done(&*progress);
    let outcome = match result {
        Ok(o) => o,
        Err(e @ crate::error::Error::TooManyRejects { .. }) => {
            // The outputs were written; say so before failing.
            ui::note(
                quiet,
                &format!("outputs written to {}", cfg.out_dir.display()),
            );
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    // A report of no complaints is not a result (issue 16; the reliability work owns the
    // exit-code table this belongs to).
    if outcome.counts.accepted == 0 {
        let why = if outcome.counts.read == 0 {
            "the exports hold no rows".to_owned()
        } else {
            let cause =
                pipeline::reject_cause(&outcome.rejects, &outcome.files).unwrap_or_default();
            format!(
                "none of the {} rows was accepted; see {}\n  {cause}",
                outcome.counts.read,
                cfg.out_dir
                    .join(crate::output::names::REJECTS_CSV)
                    .display()
            )
        };
        ui::note(
            quiet,
            &format!("outputs written to {}", cfg.out_dir.display()),
        );
        ui::error(&crate::error::Error::Other(why));
        return Ok(1);
    }
    for w in &outcome.warnings {
        ui::warn(w);
    }
    ui::note(quiet, &ui::detected_forms(&outcome.mappings));
    ui::note(quiet, &ui::summary(&outcome, &cfg));
    Ok(0)
}
