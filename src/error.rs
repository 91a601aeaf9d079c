//! Fatal errors: the run cannot continue (or its result is not acceptable).
//!
//! Three tiers never mix (see `docs/ARCHITECTURE.md`):
//! - [`Error`] stops the run and maps to an exit code;
//! - [`crate::diagnostic::Diagnostic`] is a problem in something the user wrote (config, rule,
//!   table, template), shown with `file:line:col` and a caret, carried by [`Error::Diagnostics`];
//! - [`crate::rejects::RowIssue`] is a problem in one input row; it never stops a run on its own.

use std::path::PathBuf;

use crate::diagnostic::Diagnostics;

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// One or more problems in user-written files (config, rules, tables, templates).
    #[error("{0}")]
    Diagnostics(Diagnostics),
    /// An input file lacks a column the pipeline cannot do without.
    #[error(
        "{}: missing required column(s) {}; found {}\n  help: add the header to the column profile in the config, e.g. `[profile.aliases] {} = [\"<your header>\"]`",
        path.display(),
        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
        found.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
        missing.first().map(String::as_str).unwrap_or("field")
    )]
    MissingColumns {
        /// The input file.
        path: PathBuf,
        /// Canonical fields not found.
        missing: Vec<String>,
        /// Headers present in the file.
        found: Vec<String>,
    },
    /// An input file is unusable as a whole (not a workbook, no such sheet, undecodable).
    #[error("{}: {message}", path.display())]
    Input {
        /// The input file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `--out` cannot take an output set (a file, or a folder of other files).
    #[error("{}: {message}", path.display())]
    Output {
        /// The `--out` path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Another run holds the lock on the same `--out`.
    #[error(
        "{}: another run is writing this output folder (it holds {}); wait for it to finish, or choose another `--out`",
        out.display(),
        lock.display()
    )]
    Locked {
        /// The `--out` folder.
        out: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// The run finished but its result is not acceptable (no data rows, no row accepted); the
    /// output set was written and says why.
    #[error("{message}; see {}{}", out.display(), cause.as_deref().map(|c| format!("\n  {c}")).unwrap_or_default())]
    Unacceptable {
        /// Why.
        message: String,
        /// The output folder (written).
        out: PathBuf,
        /// The most common reject reason, an example and the fix, when rows were rejected.
        cause: Option<String>,
    },
    /// The rule engine failed on more complaints than the limit allows; the run stopped and
    /// the previous output set is untouched.
    #[error(
        "{failed} of {complaints} complaints hit a rule engine error, over the limit of {limit}; the run stopped and no output was written\n  first: complaint `{first_id}` ({first_at}): {first_message}\n  help: fix the rule (`complaints test`, `complaints explain`), or raise `max_rule_errors` in the config"
    )]
    RuleEngine {
        /// Complaints whose evaluation failed with an engine error.
        failed: usize,
        /// Complaints classified.
        complaints: usize,
        /// The limit as configured.
        limit: String,
        /// The first failing complaint's ID.
        first_id: String,
        /// Where its row is (`file:line`).
        first_at: String,
        /// The engine's message, with the script's `file:line:col`.
        first_message: String,
    },
    /// Bad command-line usage that clap cannot catch (e.g. a malformed `--as-of`).
    #[error("{0}")]
    Usage(String),
    /// `--max-rejects` was exceeded; the outputs were still written.
    #[error("{rejected} of {read} rows rejected, over the limit of {limit}; see {}{}", report.display(), if cause.is_empty() { String::new() } else { format!("\n  {cause}") })]
    TooManyRejects {
        /// Rows rejected.
        rejected: usize,
        /// Rows read.
        read: usize,
        /// The limit as the user wrote it.
        limit: String,
        /// Where the rejects are.
        report: PathBuf,
        /// The most common reason, an example and the fix ([`crate::rejects::RejectCause`]);
        /// empty when not known.
        cause: String,
    },
    /// `--strict` and a row was rejected.
    #[error("--strict: {0}")]
    Strict(String),
    /// A failure inside the aggregation engine (polars); a bug rather than a data problem.
    #[error("aggregate: {0}")]
    Aggregate(String),
    /// A template failed while rendering (a render error is fatal: no half-rendered report).
    #[error("{0}")]
    Render(String),
    /// Some other fatal condition with a clear message.
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// Exit code, the one table of them (README "Exit codes"):
    /// - 1: a complete run whose result is not acceptable; its output set is written and says
    ///   why (too many rejects, no data rows, no row accepted). `--strict` also gives 1, with
    ///   nothing written.
    /// - 2: the run could not run or was stopped; the previous output set is untouched.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::TooManyRejects { .. } | Error::Unacceptable { .. } | Error::Strict(_) => 1,
            _ => 2,
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<crate::diagnostic::Diagnostic> for Error {
    fn from(d: crate::diagnostic::Diagnostic) -> Self {
        Error::Diagnostics(Diagnostics(vec![d]))
    }
}

impl From<Diagnostics> for Error {
    fn from(d: Diagnostics) -> Self {
        Error::Diagnostics(d)
    }
}

// Here rather than in `diagnostic`, which sits below `error` and imports nothing of it.
impl Diagnostics {
    /// `Ok(())` when there is no error (warnings alone pass), else the error.
    pub fn into_result(self) -> Result<()> {
        if self.errors() == 0 {
            Ok(())
        } else {
            Err(Error::Diagnostics(self))
        }
    }
}
