//! `complaints explain ID`: for one complaint, where its row came from, which rule or table row
//! produced each classification output (and the inputs it saw), and for every SLA target the
//! arithmetic behind the verdict. Takes the same options as `run`.

use std::io::Write;

use crate::cli::ExplainArgs;
use crate::error::{Error, Result};
use crate::pipeline;
use crate::time::Ts;

/// Prints the explanation on stdout.
pub fn run(args: &ExplainArgs, now: Ts) -> Result<i32> {
    let cfg = super::load_config(&args.run, now)?;
    let prepared = pipeline::prepare(&cfg)?;
    let run = pipeline::Run::new(&cfg, &prepared, super::run_options(&args.run));
    let judged = run.judge(&mut pipeline::NoSink)?;
    let Some(i) = judged.assessed.position(&args.id) else {
        return Err(Error::Usage(format!(
            "complaint `{}` is not among the {} accepted complaints (a rejected row is listed in rejects.csv)",
            args.id,
            judged.assessed.complaints.len()
        )));
    };
    let text = crate::pipeline::explain::complaint(
        &cfg,
        &prepared.rules,
        &judged.files,
        &judged.assessed,
        i,
        crate::format::Lang::En,
        &judged.assessed.verdicts.of(i)?,
    )?
    .text();
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Error::io("<stdout>", e)),
        Ok(()) => Ok(0),
    }
}
