//! The assessed table: what judging produced, read by everything that reports.
//!
//! - [`ComplaintTable`]: one row per accepted complaint. The canonical record and the rule
//!   outputs stay in the classified row store (free text does not pay as columns); the
//!   dimensions the report groups by (period, project, building, team, every rule output) are
//!   dictionary-encoded columns, and the facts the indicators count are columns of their own,
//!   each computed once here.
//! - [`VerdictTable`]: one row per SLA verdict. In memory: complaint, target and status of
//!   every verdict (what every group-by needs) and the due, stop and lateness of the breached
//!   and overdue ones (the lists); every verdict in full is in a scratch file on disk, read back
//!   for the complaints an explanation page shows. A million complaints' verdicts are never
//!   all held in full at once.
//! - [`FindingTable`]: one row per duty finding, the same way: duty and status of every complaint
//!   finding in memory, the first late and missing ones of each period and project in full (the
//!   auditor's list), and the team findings.
//!
//! [`ComplaintTable::frame`] hands the complaint columns to polars as a `DataFrame` (text as
//! `UInt32` codes into a [`Dict`]); aggregate counts the verdicts and findings from their
//! columns.

use std::collections::BTreeSet;
use std::sync::Arc;

use polars::prelude::*;
use rustc_hash::FxHashMap;

use super::spill::VerdictSpill;
use crate::error::{Error, Result};
use crate::model::{Field, FieldValue, Stage};
use crate::pipeline::audit::{AuditFinding, AuditStatus};
use crate::pipeline::events::EventLog;
use crate::pipeline::rules::classify::{Classified, RuleValue};
use crate::pipeline::sla::{Status, Verdict};
use crate::time::{Ts, Zone};

/// A polars error: a bug rather than a data problem.
pub fn pe(e: PolarsError) -> Error {
    Error::Aggregate(e.to_string())
}

/// The distinct values of one text column, in first-seen order; the column holds their codes.
/// Absent values are the empty string.
#[derive(Debug, Default, Clone)]
pub struct Dict {
    names: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl Dict {
    /// The code of `s`, adding it if new.
    pub fn code(&mut self, s: &str) -> u32 {
        if let Some(&c) = self.index.get(s) {
            return c;
        }
        let c = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct values");
        self.names.push(s.to_owned());
        self.index.insert(s.to_owned(), c);
        c
    }

    /// The code of `s`, if some row has it.
    pub fn find(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }

    /// The name of a code.
    pub fn name(&self, c: u32) -> &str {
        &self.names[c as usize]
    }

    /// Every name, in code order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// A dictionary of fixed names (statuses, targets), coded by position.
    pub fn of<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Dict {
        let mut d = Dict::default();
        for n in names {
            d.code(n.as_ref());
        }
        d
    }
}

/// The period a date falls in, by the report's period kind (`month`, `quarter`, `week`, `year`).
pub fn period_key(kind: &str, d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    match kind {
        "quarter" => format!("{:04}-Q{}", d.year(), (d.month() - 1) / 3 + 1),
        "week" => {
            let w = d.iso_week();
            format!("{:04}-W{:02}", w.year(), w.week())
        }
        "year" => format!("{:04}", d.year()),
        _ => format!("{:04}-{:02}", d.year(), d.month()),
    }
}

/// A rule output as a dictionary-encoded column: its code per evaluation (complaints that
/// shared an evaluation share the value).
#[derive(Debug, Clone)]
pub struct OutputColumn {
    /// The output's name.
    pub name: String,
    /// Its values.
    pub dict: Dict,
    /// Code per evaluation.
    pub by_evaluation: Vec<u32>,
}

/// A column of a frame together with the dictionary of its codes (text columns).
pub type Dicts = FxHashMap<String, Arc<Dict>>;

/// One row per accepted complaint (see the module docs).
pub struct ComplaintTable {
    /// The records and rule outputs, in complaint order.
    pub classified: Classified,
    /// The period kind the `period` codes are keyed by.
    pub kind: &'static str,
    /// Period of receipt.
    pub period: Vec<u32>,
    /// Period keys.
    pub periods: Dict,
    /// Project (empty when blank).
    pub project: Vec<u32>,
    /// Projects.
    pub projects: Dict,
    /// Building.
    pub building: Vec<u32>,
    /// Buildings.
    pub buildings: Dict,
    /// Team.
    pub team: Vec<u32>,
    /// Teams.
    pub teams: Dict,
    /// Every rule output, `level` and `category` first.
    pub outputs: Vec<OutputColumn>,
    /// Working minutes from receipt to the first response event (`respond_minutes`); NaN for
    /// none (8 bytes a complaint rather than an `Option`'s 16).
    pub respond_minutes: Vec<f64>,
    /// Working minutes from receipt to resolution (`resolve_minutes`); NaN for none.
    pub resolve_minutes: Vec<f64>,
    /// Resolved by `as_of` (`resolved`).
    pub resolved: Vec<bool>,
    /// Resolved and followed up by `as_of` (`followed`).
    pub followed: Vec<bool>,
    /// Reopened by `as_of` (`reopened`; only known with an event log).
    pub reopened: Vec<bool>,
    /// The same unit and category within the repeat window before it (`repeat`).
    pub repeat: Vec<bool>,
    /// True when reopenings are known (an event log was read).
    pub reopen_known: bool,
    /// The zone local times are in.
    pub zone: Zone,
}

impl ComplaintTable {
    /// Number of complaints.
    pub fn len(&self) -> usize {
        self.period.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.period.is_empty()
    }

    /// A rule output column by name.
    pub fn output(&self, name: &str) -> Option<&OutputColumn> {
        self.outputs.iter().find(|o| o.name == name)
    }

    /// The code of rule output `o` for complaint `i`.
    pub fn output_code(&self, o: &OutputColumn, i: usize) -> u32 {
        o.by_evaluation[self.classified.values.evaluation(i)]
    }

    /// The dictionary of a dimension (`period`, `project`, `building`, `team`) or rule output.
    pub fn dict_of(&self, name: &str) -> Option<&Dict> {
        match name {
            "period" => Some(&self.periods),
            "project" => Some(&self.projects),
            "building" => Some(&self.buildings),
            "team" => Some(&self.teams),
            other => self.output(other).map(|o| &o.dict),
        }
    }

    /// True for the names of the columns [`ComplaintTable::frame`] can build.
    pub fn has_column(&self, name: &str) -> bool {
        matches!(
            name,
            "period"
                | "respond_minutes"
                | "resolve_minutes"
                | "resolved"
                | "followed"
                | "reopened"
                | "repeat"
        ) || Field::from_name(name).is_some()
            || self.output(name).is_some()
    }

    /// A frame of the requested columns for the complaints `rows`, in complaint order, plus
    /// `row` (the complaint's position). Text columns are `UInt32` codes into the returned
    /// dictionaries (which cover every complaint, so slices of one table agree); instants are
    /// local seconds (`Int64`); blanks are null, except in text columns, where they are the
    /// empty string.
    pub fn frame(
        &self,
        columns: &BTreeSet<String>,
        rows: std::ops::Range<usize>,
    ) -> Result<(DataFrame, Dicts)> {
        let n = rows.len();
        let mut cols: Vec<Column> = vec![Column::new(
            "row".into(),
            (rows.start as u32..rows.end as u32).collect::<Vec<u32>>(),
        )];
        let mut dicts: Dicts = FxHashMap::default();
        let coded =
            |name: &str, v: Vec<u32>, d: &Dict, cols: &mut Vec<Column>, dicts: &mut Dicts| {
                cols.push(Column::new(name.into(), v));
                dicts.insert(name.to_owned(), Arc::new(d.clone()));
            };
        let complaints = &self.classified.complaints[rows.clone()];
        let slice = |v: &[u32]| v[rows.clone()].to_vec();
        let flags = |v: &[bool]| v[rows.clone()].to_vec();
        for name in columns {
            match name.as_str() {
                "period" => coded(
                    name,
                    slice(&self.period),
                    &self.periods,
                    &mut cols,
                    &mut dicts,
                ),
                "project" => coded(
                    name,
                    slice(&self.project),
                    &self.projects,
                    &mut cols,
                    &mut dicts,
                ),
                "building" => coded(
                    name,
                    slice(&self.building),
                    &self.buildings,
                    &mut cols,
                    &mut dicts,
                ),
                "team" => coded(name, slice(&self.team), &self.teams, &mut cols, &mut dicts),
                "respond_minutes" | "resolve_minutes" => {
                    let v = if name == "respond_minutes" {
                        &self.respond_minutes
                    } else {
                        &self.resolve_minutes
                    };
                    let v: Vec<Option<f64>> = v[rows.clone()]
                        .iter()
                        .map(|x| (!x.is_nan()).then_some(*x))
                        .collect();
                    cols.push(Column::new(name.into(), v));
                }
                "resolved" => cols.push(Column::new(name.into(), flags(&self.resolved))),
                "followed" => cols.push(Column::new(name.into(), flags(&self.followed))),
                "reopened" => cols.push(Column::new(name.into(), flags(&self.reopened))),
                "repeat" => cols.push(Column::new(name.into(), flags(&self.repeat))),
                other => {
                    if let Some(o) = self.output(other) {
                        let codes: Vec<u32> =
                            rows.clone().map(|i| self.output_code(o, i)).collect();
                        coded(other, codes, &o.dict, &mut cols, &mut dicts);
                    } else if let Some(f) = Field::from_name(other) {
                        match f.kind() {
                            crate::model::FieldKind::Timestamp => {
                                let st = f.stage().expect("timestamp fields record stages");
                                let v: Vec<Option<i64>> = complaints
                                    .iter()
                                    .map(|c| c.time(st).map(|t| self.zone.local_secs(t)))
                                    .collect();
                                cols.push(Column::new(name.into(), v));
                            }
                            crate::model::FieldKind::Score => {
                                let v: Vec<Option<f64>> =
                                    complaints.iter().map(|c| c.satisfaction.get()).collect();
                                cols.push(Column::new(name.into(), v));
                            }
                            _ => {
                                // Coded over every complaint, so slices share the codes.
                                let mut d = Dict::default();
                                let cls = &self.classified;
                                let mut all: Vec<u32> = Vec::with_capacity(cls.complaints.len());
                                // The free text (an odd thing to count by, but a field) is
                                // read from the store a block at a time.
                                for block in cls.complaints.chunks(1 << 16) {
                                    let texts = if f == Field::Text {
                                        cls.texts.window(block.iter().map(|c| c.text_at))?
                                    } else {
                                        Default::default()
                                    };
                                    all.extend(block.iter().map(|c| {
                                        match (f, c.get_unless_text(f, &cls.dicts)) {
                                            (Field::Text, _) => {
                                                d.code(texts.get(c.text_at).unwrap_or(""))
                                            }
                                            (_, FieldValue::Str(s)) => d.code(s),
                                            _ => d.code(""),
                                        }
                                    }));
                                }
                                coded(other, all[rows.clone()].to_vec(), &d, &mut cols, &mut dicts);
                            }
                        }
                    } else {
                        return Err(Error::Other(format!(
                            "internal error: the complaints table has no column `{other}`"
                        )));
                    }
                }
            }
        }
        let df = DataFrame::new(n, cols).map_err(pe)?;
        Ok((df, dicts))
    }

    /// Local date of receipt.
    pub fn received_date(&self, i: usize) -> chrono::NaiveDate {
        self.zone
            .local_date(self.classified.complaints[i].received_at())
    }

    /// Text of a rule output of complaint `i` (empty when absent).
    pub fn output_text(&self, name: &str, i: usize) -> &str {
        match self.output(name) {
            Some(o) => o.dict.name(self.output_code(o, i)),
            None => "",
        }
    }
}

/// The text a rule output groups by, without allocating for strings.
pub fn rule_value_text<'a>(v: &'a RuleValue, zone: &Zone) -> std::borrow::Cow<'a, str> {
    match v {
        RuleValue::Str(s) => std::borrow::Cow::Borrowed(s.as_str()),
        RuleValue::Absent => std::borrow::Cow::Borrowed(""),
        other => std::borrow::Cow::Owned(other.text(zone)),
    }
}

/// A breached or overdue verdict, as the report's lists need it.
#[derive(Debug, Clone, Copy)]
pub struct Late {
    /// The complaint.
    pub complaint: u32,
    /// The target.
    pub target: u16,
    /// Breached or overdue.
    pub status: Status,
    /// Calendar seconds past due.
    pub over_cal: i64,
    // Due and stop, `Ts::MIN` for none: 32 bytes a verdict instead of 48, for the ~20 % of a
    // run's verdicts that are late.
    due: Ts,
    stop: Ts,
}

impl Late {
    /// A late verdict.
    pub fn new(complaint: u32, v: &Verdict) -> Late {
        Late {
            complaint,
            target: v.target,
            status: v.status,
            over_cal: v.over_cal,
            due: v.due.unwrap_or(Ts::MIN),
            stop: v.stop.unwrap_or(Ts::MIN),
        }
    }

    /// When it was due.
    pub fn due(&self) -> Option<Ts> {
        (self.due != Ts::MIN).then_some(self.due)
    }

    /// When it stopped.
    pub fn stop(&self) -> Option<Ts> {
        (self.stop != Ts::MIN).then_some(self.stop)
    }
}

/// One row per SLA verdict (see the module docs), in complaint order, then target order. The
/// complaint of each is not a column: [`Self::first`] has each complaint's first verdict, and
/// [`VerdictTable::complaints`] spells them out for a range of verdicts when a query needs them.
pub struct VerdictTable {
    /// Its target (index into the rules' target set).
    pub target: Vec<u16>,
    /// Its status (position in [`Status::ALL`]).
    pub status: Vec<u8>,
    /// The breached and overdue verdicts the report lists.
    pub late: LateLists,
    /// Target names by index.
    pub targets: Dict,
    /// Per target: applied to some complaint.
    pub applied: Vec<bool>,
    /// Every verdict in full.
    pub(super) spill: VerdictSpill,
    /// Per complaint, its first verdict (and, at the end, the total).
    pub(super) first: Vec<u32>,
}

impl VerdictTable {
    /// Number of verdicts.
    pub fn len(&self) -> usize {
        self.target.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.target.is_empty()
    }

    /// The complaint of each verdict in `range`.
    pub fn complaints(&self, range: std::ops::Range<usize>) -> Vec<u32> {
        let mut out = Vec::with_capacity(range.len());
        // The complaint whose verdicts hold `range.start`: the last one starting at or before it.
        let mut i = self.first.partition_point(|&f| f as usize <= range.start);
        i = i.saturating_sub(1);
        for k in range {
            while self.first[i + 1] as usize <= k {
                i += 1;
            }
            out.push(i as u32);
        }
        out
    }

    /// The verdicts of complaint `i`, in target order, read back in full.
    pub fn of(&self, i: usize) -> Result<Vec<Verdict>> {
        let (a, b) = (self.first[i] as u64, self.first[i + 1] as u64);
        self.spill.read(a, b)
    }

    /// The verdicts of each complaint in `complaints`, in that order: [`Self::of`] for many
    /// complaints at once, in a few large reads instead of one small read each.
    pub fn of_many(&self, complaints: &[usize]) -> Result<Vec<Vec<Verdict>>> {
        let ranges: Vec<(u64, u64)> = complaints
            .iter()
            .map(|&i| (self.first[i] as u64, self.first[i + 1] as u64))
            .collect();
        self.spill.read_many(&ranges)
    }

    /// The status names, coded by position.
    pub fn statuses() -> Dict {
        Dict::of(Status::ALL.iter().map(|s| s.name()))
    }
}

/// One row per duty finding (see the module docs).
pub struct FindingTable {
    /// The complaint of each complaint finding (complaint order).
    pub complaint: Vec<u32>,
    /// Its duty (code in [`Self::duties`]).
    pub duty: Vec<u32>,
    /// Its status (position in [`AuditStatus::ALL`]).
    pub status: Vec<u8>,
    /// Duty names.
    pub duties: Dict,
    /// The first [`LIST_LIMIT`] late and missing complaint findings of each (period, project),
    /// in complaint order, in full.
    pub noncompliant: Vec<AuditFinding>,
    /// The team findings (keyed by team and month), in full.
    pub team: Vec<AuditFinding>,
    /// Duties that produced a finding.
    pub applied: BTreeSet<String>,
    /// The logged events cited as evidence by the late and missing findings kept in full
    /// (`noncompliant`, `team`), by origin: copies, kept while the log is read a chunk at a
    /// time (read them with [`EventLog::event_ref`]).
    pub evidence: rustc_hash::FxHashMap<crate::model::Origin, crate::pipeline::events::Event>,
}

/// Rows a report list shows before "and N more" (the CSVs have them all).
pub const LIST_LIMIT: usize = 200;

/// The scope code of company-wide rows: not a project code, so complaints with a blank project
/// keep a row of their own.
pub const COMPANY: u32 = u32::MAX;

/// The breached and overdue verdicts of the report's lists: for each (period, scope, status),
/// how many there are and the first [`LIST_LIMIT`] in list order (most calendar time past due
/// first, then complaint ID, then target). Every late verdict is counted, and only the listed
/// ones kept: a 10 M-complaint run has millions of late verdicts, a report lists a few hundred
/// per page.
#[derive(Debug, Default)]
pub struct LateLists {
    lists: rustc_hash::FxHashMap<(u32, u32, bool), (usize, Vec<Late>)>,
}

impl LateLists {
    /// Adds a late verdict of a complaint received in `period` at `project`, to its project's
    /// list and the company's; `id` gives a complaint's ID for the order.
    pub fn add<'a>(&mut self, period: u32, project: u32, l: Late, id: &impl Fn(u32) -> &'a str) {
        let breached = l.status == Status::Breached;
        for scope in [project, COMPANY] {
            let (n, kept) = self.lists.entry((period, scope, breached)).or_default();
            *n += 1;
            kept.push(l);
            // Cut back to the list's length now and then: sorting 2 × LIST_LIMIT rows every
            // LIST_LIMIT additions keeps the work linear and the memory bounded.
            if kept.len() >= 2 * LIST_LIMIT {
                Self::cut(kept, id);
            }
        }
    }

    /// Puts every list in order and cuts it to [`LIST_LIMIT`].
    pub fn finish<'a>(&mut self, id: &impl Fn(u32) -> &'a str) {
        for (_, kept) in self.lists.values_mut() {
            Self::cut(kept, id);
        }
    }

    fn cut<'a>(kept: &mut Vec<Late>, id: &impl Fn(u32) -> &'a str) {
        // A complaint has at most one verdict per target, so this order is total: the rows
        // kept are those a sort of all of them would list first.
        kept.sort_by(|a, b| {
            b.over_cal
                .cmp(&a.over_cal)
                .then_with(|| id(a.complaint).cmp(id(b.complaint)))
                .then(a.target.cmp(&b.target))
        });
        kept.truncate(LIST_LIMIT);
    }

    /// How many late verdicts of `status` (breached or not: overdue) there are in (period,
    /// scope), and the first of them in list order.
    pub fn get(&self, period: u32, scope: u32, breached: bool) -> (usize, &[Late]) {
        self.lists
            .get(&(period, scope, breached))
            .map_or((0, &[][..]), |(n, kept)| (*n, &kept[..]))
    }
}

impl FindingTable {
    /// The status of complaint `i`'s duty `name`, if it had one.
    pub fn status_of(&self, i: usize, name: &str) -> Option<AuditStatus> {
        let code = self.duties.find(name)?;
        // Findings are in complaint order: find the complaint's run.
        let start = self.complaint.partition_point(|c| (*c as usize) < i);
        (start..self.complaint.len())
            .take_while(|&k| self.complaint[k] as usize == i)
            .find(|&k| self.duty[k] == code)
            .map(|k| AuditStatus::ALL[self.status[k] as usize])
    }

    /// The audit status names, coded by position.
    pub fn statuses() -> Dict {
        Dict::of(AuditStatus::ALL.iter().map(|s| s.name()))
    }
}

/// What judging produced: the one seam between judging and reporting.
pub struct Assessed {
    /// One row per complaint.
    pub complaints: ComplaintTable,
    /// One row per verdict.
    pub verdicts: VerdictTable,
    /// One row per duty finding.
    pub findings: FindingTable,
    /// The event log the duties were audited against (evidence, explanations).
    pub events: EventLog,
    /// Calendar years touched but not covered by holiday data: (calendar, year).
    pub uncovered: BTreeSet<(String, i32)>,
}

impl Assessed {
    /// Complaint position by ID.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.complaints
            .classified
            .complaints
            .iter()
            .position(|c| c.id.as_str() == id)
    }
}

/// The three times each page counts complaints by: received, done (closed, else resolved) and
/// resolved, with `Ts::MAX` for none.
pub fn lifecycle(c: &crate::model::Complaint) -> (Ts, Ts, Ts) {
    (
        c.received_at(),
        c.time(Stage::Closed)
            .or(c.time(Stage::Resolved))
            .unwrap_or(Ts::MAX),
        c.time(Stage::Resolved).unwrap_or(Ts::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn late(complaint: u32, target: u16, breached: bool, over_cal: i64) -> Late {
        Late {
            complaint,
            target,
            status: if breached {
                Status::Breached
            } else {
                Status::Overdue
            },
            over_cal,
            due: Ts::MIN,
            stop: Ts::MIN,
        }
    }

    /// Each verdict's complaint is read off the complaints' first verdicts, over any range,
    /// complaints without verdicts included.
    #[test]
    fn the_complaint_of_each_verdict_is_read_off_the_first_verdicts() {
        // Complaints 0..6 with 2, 0, 3, 0, 0, 1 verdicts.
        let per = [2usize, 0, 3, 0, 0, 1];
        let mut first = vec![0u32];
        let mut naive = Vec::new();
        for (i, n) in per.iter().enumerate() {
            first.push(first.last().unwrap() + *n as u32);
            naive.extend(std::iter::repeat_n(i as u32, *n));
        }
        let t = VerdictTable {
            target: vec![0; naive.len()],
            status: vec![0; naive.len()],
            late: LateLists::default(),
            targets: Dict::default(),
            applied: Vec::new(),
            spill: super::super::spill::VerdictSpill::create(&std::env::temp_dir()).unwrap(),
            first,
        };
        for a in 0..=naive.len() {
            for b in a..=naive.len() {
                assert_eq!(t.complaints(a..b), naive[a..b], "{a}..{b}");
            }
        }
    }

    proptest! {
        /// The lists kept as verdicts arrive are what sorting every late verdict of a (period,
        /// scope, status) and taking the first [`LIST_LIMIT`] gives, with every one counted;
        /// lateness ties often, so the complaint ID and the target decide.
        #[test]
        fn late_lists_keep_the_first_of_a_full_sort(
            rows in proptest::collection::vec((0u32..2, 0u32..2, any::<bool>(), 0i64..30), 0..3000),
        ) {
            let ids: Vec<String> = (0..rows.len()).map(|i| format!("C{:05}", (i * 7919) % 100_000)).collect();
            let id = |i: u32| ids[i as usize / 2].as_str();
            let mut lists = LateLists::default();
            let mut all = Vec::new();
            for (k, &(period, project, breached, over)) in rows.iter().enumerate() {
                // Two targets per complaint at most, as a complaint has one verdict a target.
                let l = late(k as u32, (k % 2) as u16, breached, over);
                lists.add(period, project, l, &id);
                all.push((period, project, l));
            }
            lists.finish(&id);
            for period in 0..2 {
                for scope in (0..2).chain([COMPANY]) {
                    for breached in [true, false] {
                        let mut want: Vec<Late> = all
                            .iter()
                            .filter(|(p, s, l)| {
                                *p == period
                                    && (scope == COMPANY || *s == scope)
                                    && (l.status == Status::Breached) == breached
                            })
                            .map(|x| x.2)
                            .collect();
                        let n = want.len();
                        LateLists::cut(&mut want, &id);
                        let (got_n, got) = lists.get(period, scope, breached);
                        prop_assert_eq!(got_n, n);
                        let key = |l: &Late| (l.complaint, l.target);
                        prop_assert_eq!(
                            got.iter().map(key).collect::<Vec<_>>(),
                            want.iter().map(key).collect::<Vec<_>>()
                        );
                    }
                }
            }
        }
    }
}
