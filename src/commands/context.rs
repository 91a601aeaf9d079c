//! `complaints context`: prints the report context (what the templates receive) as JSON on
//! stdout, so template authors can see every field (`docs/TEMPLATES.md` documents them).

use std::io::Write;

use crate::cli::RunArgs;
use crate::error::{Error, Result};
use crate::pipeline;
use crate::time::Ts;

/// Runs the pipeline up to aggregate and prints the context.
pub fn run(args: &RunArgs, now: Ts) -> Result<i32> {
    let cfg = super::load_config(args, now)?;
    let prepared = pipeline::prepare(&cfg)?;
    let run = pipeline::Run::new(&cfg, &prepared, super::run_options(args));
    let judged = run.judge(&mut pipeline::NoSink)?;
    let ctx = run.aggregate(&judged)?;
    let mut json =
        serde_json::to_string_pretty(ctx.main()).map_err(|e| Error::Other(e.to_string()))?;
    json.push('\n');
    let mut out = std::io::stdout().lock();
    match out.write_all(json.as_bytes()) {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Error::io("<stdout>", e)),
        Ok(()) => Ok(0),
    }
}
