//! The command line (clap derive). `--help` text comes from these doc comments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const AFTER_HELP: &str = "\
Exit codes:
  0  success (rejected rows within max_rejects, 20% by default, still give 0)
  1  the result is not acceptable: `check` found problems, `test` has failures,
     the reject limit was exceeded or no row was accepted, or --strict met a bad row
  2  the tool could not run: bad usage, bad config, unreadable input, or a
     compile error in a rule or template";

/// Turns exported complaint logs into audited, rule-driven management reports.
#[derive(Debug, Parser)]
#[command(name = "complaints", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// No progress or summary lines on stderr (errors are still shown).
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline and write the report and tables into --out.
    Run(RunArgs),
    /// Compile the config, every rule, table, preset, calendar and template; report every problem.
    Check(CheckArgs),
    /// Run the test cases kept beside the rules (rules/tests/*.test.toml).
    Test(TestArgs),
    /// Show, for one complaint, how every output and verdict was reached.
    Explain(ExplainArgs),
    /// Print the data the report templates receive, as JSON.
    Context(RunArgs),
    /// What-if: run the same inputs under two rule folders and list what changes.
    Diff(DiffArgs),
    /// Generate synthetic sample data of any size (deterministic for a seed).
    Sample(SampleArgs),
    /// Write a commented complaints.toml for an export: column mapping with reasons, timestamp
    /// forms, null markers, encoding and the SLA targets its columns can measure.
    Init(InitArgs),
    /// Write the procedure table: every numbered time limit and escalation rule of the sources,
    /// the preset or duty implementing it and the test covering it, or why no log can show it.
    Procedures(ProceduresArgs),
}

/// Options of `init`.
#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// The export to read (CSV or XLSX): its header and first rows.
    #[arg(long, value_name = "EXPORT")]
    pub from: PathBuf,
    /// Replace an existing complaints.toml.
    #[arg(long)]
    pub force: bool,
}

/// Where the config, rules and templates are.
#[derive(Debug, Args, Clone, Default)]
pub struct SetupArgs {
    /// Run configuration (default: complaints.toml in the working directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Rule folder (default: `rules/`, or as the config says).
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Template folder (default: `report_templates/`, or as the config says).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// Options of `run` (and of commands that run the pipeline).
#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub setup: SetupArgs,
    /// Input export(s): CSV or XLSX files, or folders of them. Replaces the config's inputs, and
    /// its event log unless --events is given too.
    #[arg(long = "input", value_name = "FILE", num_args = 1..)]
    pub inputs: Vec<PathBuf>,
    /// Event log(s), one row per event (replaces the config's list).
    #[arg(long = "events", value_name = "FILE", num_args = 1..)]
    pub events: Vec<PathBuf>,
    /// Output folder (default: out/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Evaluate as of this instant: 2026-11-01T00:00:00+08:00, `2026-11-01 00:00` or 2026-11-01
    /// (default: now).
    #[arg(long, value_name = "TIMESTAMP")]
    pub as_of: Option<String>,
    /// Report period: 2026-10, 2026-Q3, 2026-W40, 2026 or all (default: the last complete
    /// month before --as-of).
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,
    /// Report language: zh (default) or en.
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// Abort on the first rejected row.
    #[arg(long)]
    pub strict: bool,
    /// Fail (exit 1) when more rows than this are rejected: N or P% (e.g. 100 or 2%).
    #[arg(long, value_name = "N|P%")]
    pub max_rejects: Option<String>,
    /// Show complainants' names and phone numbers (internal use; recorded in the manifest).
    #[arg(long)]
    pub unmask: bool,
    /// Also write the assessed records, SLA verdicts and audit findings as Parquet,
    /// partitioned by month (`parquet/<table>/month=YYYY-MM/part-0.parquet`).
    #[arg(long)]
    pub parquet: bool,
    /// Do not write the record-level CSVs (complaints.csv, sla.csv, escalations.csv; config
    /// `record_tables = false`): the reports, report.xlsx, rejects and findings are written
    /// as always.
    #[arg(long)]
    pub no_record_tables: bool,
    /// Evaluate rules once per complaint instead of once per distinct input (slower; the
    /// results are identical, which the test suite checks).
    #[arg(long, hide = true)]
    pub per_row: bool,
    /// Size of the pieces CSV inputs are cut into for parallel parsing, in bytes (tests use
    /// small pieces to check that cutting changes nothing).
    #[arg(long, hide = true, value_name = "BYTES")]
    pub chunk_bytes: Option<usize>,
    /// Complaints assessed at a time (tests use small chunks to check that chunking changes
    /// nothing).
    #[arg(long, hide = true, value_name = "N")]
    pub assess_chunk: Option<usize>,
    /// Memory for each of the run's bulk stores, the event log's events and the complaints'
    /// free texts, in MiB (default 1024): a larger one is kept in scratch files in the system's
    /// temporary folder
    #[arg(long, alias = "event-memory", value_name = "MIB")]
    pub scratch_memory: Option<usize>,
}

/// Options of `check`.
#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub setup: SetupArgs,
    /// Also show how these exports' columns would be read: header → field and why, the
    /// timestamp forms of each column, the fields not found (reads only the first rows).
    #[arg(long = "input", value_name = "FILE", num_args = 1..)]
    pub inputs: Vec<PathBuf>,
}

/// Options of `test`.
#[derive(Debug, Args, Clone)]
pub struct TestArgs {
    /// Test files or folders (default: the rule folder's `tests/`).
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub setup: SetupArgs,
}

/// Options of `procedures`.
#[derive(Debug, Args, Clone)]
pub struct ProceduresArgs {
    /// Write the table here (e.g. docs/PROCEDURES.md) instead of to standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 1 when a number is implemented without a test, listed nowhere, or both implemented
    /// and listed as a gap.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub setup: SetupArgs,
}

/// Options of `diff`.
#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// The current rule folder.
    pub rules_a: PathBuf,
    /// The changed rule folder.
    pub rules_b: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,
}

/// Options of `explain`.
#[derive(Debug, Args, Clone)]
pub struct ExplainArgs {
    /// The complaint ID.
    pub id: String,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub run: RunArgs,
}

/// Options of `sample`.
#[derive(Debug, Args, Clone)]
pub struct SampleArgs {
    /// Number of complaints.
    #[arg(long, default_value_t = 6000)]
    pub rows: usize,
    /// Random seed (the same seed and options give byte-identical files).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// First day of the first month, YYYY-MM-DD.
    #[arg(long, default_value = "2025-09-01")]
    pub start: String,
    /// Number of months.
    #[arg(long, default_value_t = 14)]
    pub months: u32,
    /// Formats to write: any of utf8, gbk, xlsx (comma-separated).
    #[arg(long, default_value = "utf8", value_delimiter = ',')]
    pub formats: Vec<String>,
    /// Also write the event log (events.csv) and the roster.
    #[arg(long)]
    pub events: bool,
    /// Inject dirty rows and data-quality cases (listed in the README it writes).
    #[arg(long)]
    pub dirty: bool,
    /// How to split the export: single, halves or per-month.
    #[arg(long, default_value = "single")]
    pub files: String,
    /// The kind of organisation: property (default), hotel (001-HT: 要求见经理 and 记事本
    /// events) or hospital (001-HS: ward nurses, 上报 to the head nurse, 转交 to 护理部).
    #[arg(long, default_value = "property")]
    pub flavour: String,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}
