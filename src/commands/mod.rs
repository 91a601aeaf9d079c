//! One module per subcommand; each turns its arguments into a [`Config`] and calls the
//! pipeline. `run` returns the process exit code.

pub mod check;
pub mod context;
pub mod diff;
pub mod explain;
pub mod init;
pub mod procedures;
pub mod run;
pub mod sample;
pub mod test;

use crate::cli::{Cli, Command, RunArgs, SetupArgs};
use crate::config::{Config, Overrides};
use crate::error::Result;
use crate::time::Ts;

/// Runs a parsed command line. `now` is the clock, read once by `main`.
pub fn run(cli: Cli, now: Ts) -> Result<i32> {
    match cli.command {
        Command::Run(args) => run::run(&args, now, cli.quiet),
        Command::Check(args) => check::run(&args, now, cli.quiet),
        Command::Test(args) => test::run(&args, now),
        Command::Explain(args) => explain::run(&args, now),
        Command::Context(args) => context::run(&args, now),
        Command::Diff(args) => diff::run(&args, now, cli.quiet),
        Command::Sample(args) => sample::run(&args, cli.quiet),
        Command::Init(args) => init::run(&args, now, cli.quiet),
        Command::Procedures(args) => procedures::run(&args, now, cli.quiet),
    }
}

/// The config for a command that runs the pipeline.
pub fn load_config(args: &RunArgs, now: Ts) -> Result<Config> {
    let ov = Overrides {
        inputs: args.inputs.clone(),
        events: args.events.clone(),
        out: args.out.clone(),
        rules: args.setup.rules.clone(),
        templates: args.setup.templates.clone(),
        lang: args.lang.clone(),
        max_rejects: args.max_rejects.clone(),
        strict: args.strict,
        unmask: args.unmask,
        parquet: args.parquet,
        no_record_tables: args.no_record_tables,
        as_of: args.as_of.clone(),
        period: args.period.clone(),
        skip_inputs: false,
    };
    Config::load(args.setup.config.as_deref(), &ov, now)
}

/// The config for a command that only compiles (`check`).
pub fn load_setup(setup: &SetupArgs, now: Ts) -> Result<Config> {
    let ov = Overrides {
        rules: setup.rules.clone(),
        templates: setup.templates.clone(),
        skip_inputs: true,
        ..Overrides::default()
    };
    Config::load(setup.config.as_deref(), &ov, now)
}

/// The options `run`, `context`, `explain` and `diff` take from their arguments.
pub fn run_options(args: &RunArgs) -> crate::pipeline::RunOptions {
    use crate::pipeline::{ASSESS_CHUNK, EvalMode, RunOptions, ingest};
    RunOptions {
        mode: if args.per_row {
            EvalMode::PerRow
        } else {
            EvalMode::Auto
        },
        chunk_bytes: args.chunk_bytes.unwrap_or(ingest::CHUNK_BYTES).max(1),
        assess_chunk: args.assess_chunk.unwrap_or(ASSESS_CHUNK).max(1),
        scratch_memory: args
            .scratch_memory
            .map_or(crate::output::SPOOL_MEMORY, |m| m.saturating_mul(1 << 20)),
        ..RunOptions::default()
    }
}
