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
    let mut outcome = result?;
    for w in &outcome.warnings {
        ui::warn(w);
    }
    ui::note(quiet, &ui::detected_forms(&outcome.mappings));
    ui::note(quiet, &ui::summary(&outcome, &cfg));
    match outcome.unacceptable.take() {
        // The outputs were written and say why; the exit code says it too.
        Some(e) => Err(e),
        None => Ok(0),
    }
}
