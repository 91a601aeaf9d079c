//! `complaints check`: compiles the config, every rule script, table, SLA preset, calendar and
//! template, before touching any data, and reports every problem at once. Exit 1 when anything
//! fails.

use crate::cli::SetupArgs;
use crate::error::{Error, Result};
use crate::pipeline;
use crate::time::Ts;
use crate::ui;

/// Runs the checks.
pub fn run(setup: &SetupArgs, now: Ts, quiet: bool) -> Result<i32> {
    let cfg = match super::load_setup(setup, now) {
        Ok(c) => c,
        Err(Error::Diagnostics(d)) => {
            eprintln!("{d}");
            eprintln!("\n{} problem(s) found", d.0.len());
            return Ok(1);
        }
        Err(e) => return Err(e),
    };
    match pipeline::prepare(&cfg) {
        Ok(p) => {
            ui::note(
                quiet,
                &format!(
                    "ok: config, {} rule file(s), {} SLA target(s) in {} preset(s), {} calendar(s), {} template(s)",
                    p.rules.files.len(),
                    p.rules.targets.targets.len(),
                    p.rules.targets.presets.len(),
                    p.rules.env.calendars.len(),
                    p.templates.names.len()
                ),
            );
            Ok(0)
        }
        Err(Error::Diagnostics(d)) => {
            eprintln!("{d}");
            eprintln!("\n{} problem(s) found", d.0.len());
            Ok(1)
        }
        Err(e) => Err(e),
    }
}
