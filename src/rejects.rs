//! Row-level problems: rejected records and kept-but-flagged data-quality findings.
//!
//! Every input record ends either accepted (and in `complaints.csv`, possibly merged into a
//! later export of the same complaint) or here, in `rejects.csv`: one row per rejected record
//! with its file, the line where it starts, its record number, the stage that rejected it, the
//! first offending field and value, a reason code and a message listing every problem found.
//! `docs/DATA_QUALITY.md` lists the codes and says which problems reject and which are findings.

use serde::Serialize;

use crate::model::Origin;

/// Why a record was rejected. The snake-case name is the `reason` column of `rejects.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The record has more fields than the header row (CSV), or a value beyond the header
    /// width (XLSX).
    RaggedRow,
    /// The record has fewer fields than the header row (CSV): a line break inside an unquoted
    /// text or a truncated row, whose columns cannot be trusted.
    ShortRow,
    /// A quoted field that never closes (or runs on for lines and closes with a stray quote):
    /// the row is not read, and reading goes on at the next line.
    UnterminatedQuote,
    /// A cell longer than the limit (1 MiB): not a complaint text but a broken file.
    FieldTooLong,
    /// Bytes that are not valid in the file's encoding.
    BadEncoding,
    /// Every cell is blank.
    EmptyRow,
    /// `complaint_id` is blank.
    MissingId,
    /// `received_at` is blank: no clock can start.
    MissingReceivedAt,
    /// A timestamp cell is not in any accepted form.
    BadTimestamp,
    /// A timestamp names a date or time that does not exist (`2026-02-30`, `25:61`, a DST gap).
    InvalidTimestamp,
    /// A timestamp before 2000 or more than a year after `--as-of`: a placeholder or a typo.
    ImplausibleTimestamp,
    /// A satisfaction cell that is neither a number on the declared scale nor a known word.
    BadSatisfaction,
    /// A spreadsheet error value (`#N/A`, `#VALUE!`, ...) in a canonical field.
    ErrorCell,
    /// The rule engine failed on this record (a limit hit, a type error, a missing function,
    /// a result without `level`/`category`).
    RuleError,
    /// The rule rejected this record on purpose (`throw` or `reject(reason, field)`).
    RuleReject,
    /// An event whose complaint ID matches no accepted complaint.
    UnknownComplaint,
    /// An event whose operation name is not mapped to an event type.
    UnknownEventType,
}

impl RejectReason {
    /// The code written to `rejects.csv`.
    pub fn code(self) -> &'static str {
        match self {
            RejectReason::RaggedRow => "ragged_row",
            RejectReason::ShortRow => "short_row",
            RejectReason::UnterminatedQuote => "unterminated_quote",
            RejectReason::FieldTooLong => "field_too_long",
            RejectReason::BadEncoding => "bad_encoding",
            RejectReason::EmptyRow => "empty_row",
            RejectReason::MissingId => "missing_id",
            RejectReason::MissingReceivedAt => "missing_received_at",
            RejectReason::BadTimestamp => "bad_timestamp",
            RejectReason::InvalidTimestamp => "invalid_timestamp",
            RejectReason::ImplausibleTimestamp => "implausible_timestamp",
            RejectReason::BadSatisfaction => "bad_satisfaction",
            RejectReason::ErrorCell => "error_cell",
            RejectReason::RuleError => "rule_error",
            RejectReason::RuleReject => "rule_reject",
            RejectReason::UnknownComplaint => "unknown_complaint",
            RejectReason::UnknownEventType => "unknown_event_type",
        }
    }
}

/// One rejected record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowIssue {
    /// Where the record is.
    pub origin: Origin,
    /// The pipeline stage that rejected it (`ingest`, `normalize`, `classify`, `sla`, ...).
    pub stage: &'static str,
    /// The first offending field (canonical name, or the header when unmapped; empty when the
    /// problem is the whole row).
    pub field: String,
    /// The offending value (masked when the field holds personal data).
    pub value: String,
    /// Why.
    pub reason: RejectReason,
    /// Every problem found in the record, in field order.
    pub message: String,
}

/// A data-quality observation on an accepted record. Kept records are never dropped for these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// A stage is timed before the complaint was received.
    BeforeReceived,
    /// Two stages are out of order (e.g. closed before resolved, on site before dispatched).
    StageOrder,
    /// A later stage is recorded while an earlier one is missing.
    StageGap,
    /// A timestamp after `--as-of`: treated as not yet happened.
    FutureTimestamp,
    /// The same complaint ID appears more than once with the same content.
    ExactDuplicate,
    /// This row lost to another row of the same complaint under the duplicate policy.
    Superseded,
    /// Rows of the same complaint disagree on something other than later stages.
    DuplicateConflict,
    /// Two headers map to the same canonical field; the later one is carried as an extra column.
    DuplicateHeader,
    /// A spreadsheet error value in a carried-through column (kept as written).
    ErrorCellInExtra,
    /// An event timed before its complaint was received.
    EventBeforeReceived,
}

impl FindingCode {
    /// The code written to `findings.csv`.
    pub fn code(self) -> &'static str {
        match self {
            FindingCode::BeforeReceived => "before_received",
            FindingCode::StageOrder => "stage_order",
            FindingCode::StageGap => "stage_gap",
            FindingCode::FutureTimestamp => "future_timestamp",
            FindingCode::ExactDuplicate => "exact_duplicate",
            FindingCode::Superseded => "superseded",
            FindingCode::DuplicateConflict => "duplicate_conflict",
            FindingCode::DuplicateHeader => "duplicate_header",
            FindingCode::ErrorCellInExtra => "error_cell_in_extra",
            FindingCode::EventBeforeReceived => "event_before_received",
        }
    }
}

/// One data-quality finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The record concerned.
    pub origin: Origin,
    /// Its complaint ID (empty for file-level findings).
    pub complaint_id: String,
    /// The field concerned.
    pub field: String,
    /// What was found.
    pub code: FindingCode,
    /// Details.
    pub message: String,
}

/// Everything rejected or flagged during a run, in input order after [`Rejects::sort`].
#[derive(Debug, Clone, Default)]
pub struct Rejects {
    /// Rejected records (one per record).
    pub issues: Vec<RowIssue>,
    /// Findings on kept records.
    pub findings: Vec<Finding>,
}

impl Rejects {
    /// Records a rejected record.
    pub fn reject(&mut self, issue: RowIssue) {
        self.issues.push(issue);
    }

    /// Records a finding.
    pub fn find(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Number of rejected records (all inputs).
    pub fn rejected(&self) -> usize {
        self.issues.len()
    }

    /// Number of rejected rows of the first `files` input files (the complaint exports; the
    /// event-log files come after them).
    pub fn rejected_in_files(&self, files: usize) -> usize {
        self.issues
            .iter()
            .filter(|i| (i.origin.file as usize) < files)
            .count()
    }

    /// Adds `base` to the record numbers of everything from file `file`: a chunk numbers its
    /// records from 1, and the records of the chunks before it come first.
    pub fn shift_records(&mut self, file: u16, base: u32) {
        if base == 0 {
            return;
        }
        for i in &mut self.issues {
            if i.origin.file == file {
                i.origin.record += base;
            }
        }
        for f in &mut self.findings {
            if f.origin.file == file && f.origin.record > 0 {
                f.origin.record += base;
            }
        }
    }

    /// Appends another collection (e.g. from a parallel chunk).
    pub fn extend(&mut self, other: Rejects) {
        self.issues.extend(other.issues);
        self.findings.extend(other.findings);
    }

    /// Orders everything by where it is in the input, so output does not depend on thread
    /// scheduling.
    pub fn sort(&mut self) {
        self.issues
            .sort_by(|a, b| a.origin.cmp(&b.origin).then(a.stage.cmp(b.stage)));
        self.findings.sort_by(|a, b| {
            (a.origin, a.code, &a.field, &a.message).cmp(&(b.origin, b.code, &b.field, &b.message))
        });
    }

    /// Counts per reason code, sorted by code.
    pub fn counts_by_reason(&self) -> std::collections::BTreeMap<&'static str, usize> {
        let mut m = std::collections::BTreeMap::new();
        for i in &self.issues {
            *m.entry(i.reason.code()).or_default() += 1;
        }
        m
    }

    /// Counts per finding code, sorted by code.
    pub fn counts_by_finding(&self) -> std::collections::BTreeMap<&'static str, usize> {
        let mut m = std::collections::BTreeMap::new();
        for f in &self.findings {
            *m.entry(f.code.code()).or_default() += 1;
        }
        m
    }
}

/// The most common reason rows were rejected, with an example and the config key that would
/// most likely fix it: what a failed run's message and the report's warning say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RejectCause {
    /// The reason code.
    pub reason: &'static str,
    /// Rows rejected for it.
    pub count: usize,
    /// The first such row's field.
    pub field: String,
    /// Its value (masked for personal data).
    pub value: String,
    /// Where it is.
    #[serde(skip)]
    pub origin: Origin,
    /// What to change in the config (or elsewhere), in one sentence.
    pub fix: String,
}

impl RejectCause {
    /// `` most rows were rejected for `bad_timestamp` (400), e.g. `received_at` = `…` at f:2 ``
    /// then the fix, on two lines; `at` is where the example is (`file:line`).
    pub fn describe(&self, at: &str) -> String {
        let example = if self.field.is_empty() {
            format!("e.g. at {at}")
        } else {
            format!("e.g. `{}` = `{}` at {at}", self.field, self.value)
        };
        format!(
            "most rows were rejected for `{}` ({} rows), {example}\n  help: {}",
            self.reason, self.count, self.fix
        )
    }
}

impl Rejects {
    /// The reason most rows were rejected for (ties: the reason of the earlier row), with its
    /// first row as the example. `None` without rejects.
    pub fn main_cause(&self) -> Option<RejectCause> {
        let counts = self.counts_by_reason();
        let top = counts.values().copied().max()?;
        let first = self
            .issues
            .iter()
            .find(|i| counts.get(i.reason.code()) == Some(&top))?;
        Some(RejectCause {
            reason: first.reason.code(),
            count: top,
            field: first.field.clone(),
            value: first.value.clone(),
            origin: first.origin,
            fix: fix(first),
        })
    }
}

/// The change that would most likely let rows like this one in.
fn fix(i: &RowIssue) -> String {
    let v = &i.value;
    let field = &i.field;
    let looks_empty = !v.is_empty() && !v.bytes().any(|b| b.is_ascii_digit());
    match i.reason {
        RejectReason::BadTimestamp if looks_empty => format!(
            "if `{v}` means \"no value\", add it to `ingest.null_values`; otherwise declare its form with `ingest.timestamp_forms`"
        ),
        RejectReason::BadTimestamp => match crate::time::detect::suggest(v, None) {
            Some(p) => format!(
                "declare the form with `ingest.timestamp_forms = [\"{p}\"]` (or for this column only, `[ingest.timestamp_forms_by_field] {field} = [\"{p}\"]`)"
            ),
            None => "declare the form with `ingest.timestamp_forms` (chrono patterns, docs/FIELDS.md §4)".to_owned(),
        },
        RejectReason::InvalidTimestamp => "if day and month are the other way round, set `ingest.date_order` (or `ingest.timestamp_forms`)".to_owned(),
        RejectReason::ImplausibleTimestamp => format!(
            "if `{v}` is a placeholder for \"no value\", add it to `ingest.null_values`"
        ),
        RejectReason::MissingId | RejectReason::MissingReceivedAt => format!(
            "`{field}` is blank in these rows: if another column holds it, map that column with `[profile.aliases] {field} = [\"<header>\"]`"
        ),
        RejectReason::ErrorCell => format!(
            "to read `{v}` as a blank, add it to `ingest.null_values`"
        ),
        RejectReason::BadSatisfaction => "declare the scale (`[profile.satisfaction] scale`) or the words (`[profile.satisfaction] words`)".to_owned(),
        RejectReason::BadEncoding => "declare the file's encoding with `ingest.encoding`".to_owned(),
        RejectReason::RaggedRow => "the rows have more cells than the header: check the export's delimiter and quoting".to_owned(),
        RejectReason::ShortRow => "the rows have fewer cells than the header: check the export's delimiter and quoting, or a line break inside an unquoted text".to_owned(),
        RejectReason::UnterminatedQuote => "a quoted text never closes: check the export's quoting at the line the message names".to_owned(),
        RejectReason::FieldTooLong => "a cell is over 1 MiB: the export is probably broken at that line (a quote or delimiter problem)".to_owned(),
        RejectReason::RuleReject => "the rule rejected these complaints on purpose (`throw` or `reject`): see the messages in rejects.csv".to_owned(),
        RejectReason::EmptyRow => "blank rows carry nothing; remove them from the export".to_owned(),
        RejectReason::RuleError => "fix the rule script at the place the message names".to_owned(),
        RejectReason::UnknownComplaint => "the event log names complaints the exports do not have: check that both cover the same period".to_owned(),
        RejectReason::UnknownEventType => "map the operation name to an event type in `[event_log.types]`".to_owned(),
    }
}

/// How many rejects a run tolerates before it fails (`--max-rejects N` or `P%`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RejectLimit {
    /// At most this many records.
    Count(usize),
    /// At most this percentage of the records read.
    Percent(f64),
}

impl RejectLimit {
    /// The limit when neither the config nor the command line sets one: a fifth of the rows.
    /// A run that loses more than that is not a report of the export; most often the export
    /// needs a timestamp form, a column mapping or a null marker in the config.
    pub const DEFAULT: RejectLimit = RejectLimit::Percent(20.0);

    /// Parses `N` or `P%`.
    pub fn parse(s: &str) -> Result<RejectLimit, String> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            let v: f64 = p.trim().parse().map_err(|_| {
                format!("invalid reject limit `{s}`: expected N or P% (e.g. 100 or 2.5%)")
            })?;
            if !(0.0..=100.0).contains(&v) {
                return Err(format!(
                    "invalid reject limit `{s}`: a percentage is between 0% and 100%"
                ));
            }
            Ok(RejectLimit::Percent(v))
        } else {
            s.parse().map(RejectLimit::Count).map_err(|_| {
                format!("invalid reject limit `{s}`: expected N or P% (e.g. 100 or 2.5%)")
            })
        }
    }

    /// True when `rejected` of `read` goes over the limit.
    pub fn exceeded(self, rejected: usize, read: usize) -> bool {
        match self {
            RejectLimit::Count(n) => rejected > n,
            RejectLimit::Percent(p) => read > 0 && (rejected as f64) * 100.0 > p * (read as f64),
        }
    }
}

impl std::fmt::Display for RejectLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RejectLimit::Count(n) => write!(f, "{n}"),
            RejectLimit::Percent(p) => write!(f, "{p}%"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reject_limits_parse_and_compare() {
        assert_eq!(RejectLimit::parse("10"), Ok(RejectLimit::Count(10)));
        assert_eq!(RejectLimit::parse("2.5%"), Ok(RejectLimit::Percent(2.5)));
        assert!(RejectLimit::parse("lots").is_err());
        assert!(RejectLimit::parse("120%").is_err());
        assert!(!RejectLimit::Count(3).exceeded(3, 100));
        assert!(RejectLimit::Count(3).exceeded(4, 100));
        assert!(!RejectLimit::Percent(5.0).exceeded(5, 100));
        assert!(RejectLimit::Percent(5.0).exceeded(6, 100));
    }
}
