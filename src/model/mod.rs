//! The named types handed from stage to stage:
//! `RawTable` (ingest) → [`Complaint`] (normalize) → `Classified` (rules) → `Assessed` (sla)
//! → `ReportContext` (aggregate) → files (render).
//!
//! This module holds the record-level types; each stage module holds its own output type.

use std::time::Instant;

use serde::Serialize;

mod dictionaries;

pub use crate::dictionary::{Code, Dictionary};
use crate::time::Ts;
pub use dictionaries::Dictionaries;

/// A cheaply clonable shared string. A field's values are held once in the run's
/// [`Dictionaries`] (a complaint holds [`Code`]s), and handing a value to a rule script is a
/// reference-count increment rather than a copy.
pub type Str = rhai::ImmutableString;

/// A complaint ID: kept in the row (up to 23 bytes inline; a longer one on the heap), since
/// every complaint has its own, where a shared [`Str`] would be a 48-byte allocation besides.
pub type Id = smartstring::SmartString<smartstring::LazyCompact>;

/// The lifecycle stages that exports record as timestamp columns, in lifecycle order. Their
/// snake-case names are also the canonical event names (`received`, `resolved`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 投诉时间 / 登记时间: the complaint came in. Required.
    Received,
    /// 受理时间: accepted / confirmed to the owner.
    Acknowledged,
    /// 派单时间: work order dispatched to a team.
    Dispatched,
    /// 到场时间: someone on site; the response started.
    OnSite,
    /// 处理完成时间: handling finished.
    Resolved,
    /// 回复时间: the owner was answered.
    Replied,
    /// 回访时间: the follow-up visit or call.
    FollowUp,
    /// 关闭时间: closed.
    Closed,
}

impl Stage {
    /// All stages in lifecycle order.
    pub const ALL: [Stage; 8] = [
        Stage::Received,
        Stage::Acknowledged,
        Stage::Dispatched,
        Stage::OnSite,
        Stage::Resolved,
        Stage::Replied,
        Stage::FollowUp,
        Stage::Closed,
    ];

    /// The canonical event name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Received => "received",
            Stage::Acknowledged => "acknowledged",
            Stage::Dispatched => "dispatched",
            Stage::OnSite => "on_site",
            Stage::Resolved => "resolved",
            Stage::Replied => "replied",
            Stage::FollowUp => "follow_up",
            Stage::Closed => "closed",
        }
    }

    /// The timestamp field that records this stage.
    pub fn field(self) -> Field {
        match self {
            Stage::Received => Field::ReceivedAt,
            Stage::Acknowledged => Field::AcknowledgedAt,
            Stage::Dispatched => Field::DispatchedAt,
            Stage::OnSite => Field::OnSiteAt,
            Stage::Resolved => Field::ResolvedAt,
            Stage::Replied => Field::RepliedAt,
            Stage::FollowUp => Field::FollowUpAt,
            Stage::Closed => Field::ClosedAt,
        }
    }

    /// Position in [`Stage::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Looks a stage up by its event name.
    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// What kind of value a canonical field holds after normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Non-empty text identifying the complaint.
    Id,
    /// An instant (parsed in the configured zone).
    Timestamp,
    /// Free or categorical text.
    Text,
    /// A satisfaction score normalised to 0–100.
    Score,
}

/// The canonical fields an export is mapped onto. `docs/FIELDS.md` documents each one; the
/// rule scripts see them under the same names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Field {
    ComplaintId,
    ReceivedAt,
    AcknowledgedAt,
    DispatchedAt,
    OnSiteAt,
    ResolvedAt,
    RepliedAt,
    FollowUpAt,
    ClosedAt,
    Project,
    Building,
    Unit,
    Complainant,
    Phone,
    Channel,
    CategoryRaw,
    LevelRaw,
    Text,
    Team,
    Handler,
    Satisfaction,
    SatisfactionRaw,
    Status,
}

impl Field {
    /// Every canonical field, in output column order.
    pub const ALL: [Field; 23] = [
        Field::ComplaintId,
        Field::ReceivedAt,
        Field::AcknowledgedAt,
        Field::DispatchedAt,
        Field::OnSiteAt,
        Field::ResolvedAt,
        Field::RepliedAt,
        Field::FollowUpAt,
        Field::ClosedAt,
        Field::Project,
        Field::Building,
        Field::Unit,
        Field::Complainant,
        Field::Phone,
        Field::Channel,
        Field::CategoryRaw,
        Field::LevelRaw,
        Field::Text,
        Field::Team,
        Field::Handler,
        Field::Satisfaction,
        Field::SatisfactionRaw,
        Field::Status,
    ];

    /// The canonical (snake_case) name used in configs, rules and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Field::ComplaintId => "complaint_id",
            Field::ReceivedAt => "received_at",
            Field::AcknowledgedAt => "acknowledged_at",
            Field::DispatchedAt => "dispatched_at",
            Field::OnSiteAt => "on_site_at",
            Field::ResolvedAt => "resolved_at",
            Field::RepliedAt => "replied_at",
            Field::FollowUpAt => "follow_up_at",
            Field::ClosedAt => "closed_at",
            Field::Project => "project",
            Field::Building => "building",
            Field::Unit => "unit",
            Field::Complainant => "complainant",
            Field::Phone => "phone",
            Field::Channel => "channel",
            Field::CategoryRaw => "category_raw",
            Field::LevelRaw => "level_raw",
            Field::Text => "text",
            Field::Team => "team",
            Field::Handler => "handler",
            Field::Satisfaction => "satisfaction",
            Field::SatisfactionRaw => "satisfaction_raw",
            Field::Status => "status",
        }
    }

    /// Looks a field up by canonical name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The value type after normalization.
    pub fn kind(self) -> FieldKind {
        match self {
            Field::ComplaintId => FieldKind::Id,
            Field::Satisfaction => FieldKind::Score,
            f if f.stage().is_some() => FieldKind::Timestamp,
            _ => FieldKind::Text,
        }
    }

    /// The stage a timestamp field records.
    pub fn stage(self) -> Option<Stage> {
        Some(match self {
            Field::ReceivedAt => Stage::Received,
            Field::AcknowledgedAt => Stage::Acknowledged,
            Field::DispatchedAt => Stage::Dispatched,
            Field::OnSiteAt => Stage::OnSite,
            Field::ResolvedAt => Stage::Resolved,
            Field::RepliedAt => Stage::Replied,
            Field::FollowUpAt => Stage::FollowUp,
            Field::ClosedAt => Stage::Closed,
            _ => return None,
        })
    }

    /// The fields a complaint holds as [`Code`]s into the run's [`Dictionaries`]: its short
    /// texts. (The ID stays in the row, every complaint having its own; the free text is in
    /// the text store.)
    pub const CODED: [Field; 12] = [
        Field::Project,
        Field::Building,
        Field::Unit,
        Field::Complainant,
        Field::Phone,
        Field::Channel,
        Field::CategoryRaw,
        Field::LevelRaw,
        Field::Team,
        Field::Handler,
        Field::SatisfactionRaw,
        Field::Status,
    ];

    /// True for a field held as a code ([`Field::CODED`]).
    pub fn is_coded(self) -> bool {
        self.coded_index().is_some()
    }

    /// Its position in [`Field::CODED`]. A table lookup: every read of a coded field asks.
    pub fn coded_index(self) -> Option<usize> {
        /// Per field (by discriminant), its position in `CODED`, `u8::MAX` for none.
        const BY_FIELD: [u8; Field::ALL.len()] = {
            let mut t = [u8::MAX; Field::ALL.len()];
            let mut i = 0;
            while i < Field::CODED.len() {
                t[Field::CODED[i] as usize] = i as u8;
                i += 1;
            }
            t
        };
        let i = BY_FIELD[self as usize];
        (i != u8::MAX).then_some(usize::from(i))
    }

    /// True for fields that identify a person and are masked in reports by default.
    pub fn is_personal(self) -> bool {
        matches!(self, Field::Complainant | Field::Phone)
    }
}

/// Where a row came from: the input file (index into the run's input list), the line where
/// the record starts (1-based; for XLSX the worksheet row number) and the record number
/// (1-based data record within the file, header excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Origin {
    /// Index into the run's input files.
    pub file: u16,
    /// Line (CSV) or worksheet row (XLSX) where the record starts, 1-based.
    pub line: u32,
    /// Data record number within the file, 1-based.
    pub record: u32,
}

/// One complaint after normalization: canonical fields typed, blanks turned into absent
/// values (`None`), unknown columns carried in `extra` (aligned with the run's
/// [`ExtraColumns`]).
#[derive(Debug, Clone, Default)]
pub struct Complaint {
    /// Where the winning row came from.
    pub origin: Origin,
    /// `complaint_id`: never empty.
    pub id: Id,
    /// Stage timestamps; `received_at` is always present.
    pub times: StageTimes,
    /// The short text fields ([`Field::CODED`], in that order) as codes into the run's
    /// [`Dictionaries`]: read with [`Complaint::code`], set with [`Complaint::code_slot`].
    pub codes: [Option<Code>; Field::CODED.len()],
    /// The free text, while a rule reads it (the classify stage loads each chunk's texts
    /// from the run's text store and drops them after): `None` everywhere else.
    pub text: Option<Str>,
    /// Where the free text is kept in the run's text store ([`crate::texts::TextStore`]), if
    /// the complaint has one. Texts are the largest field (82 bytes on average, plus a 48-byte
    /// allocation as a shared string, in the benchmark's export); kept out of the row, a
    /// 10 M-complaint run does not hold them.
    pub text_at: Option<TextRef>,
    /// 0–100 after applying the column's declared scale or the word mapping (the cell as
    /// written is the coded `satisfaction_raw`).
    pub satisfaction: Score,
    /// Carried-through columns, aligned with [`ExtraColumns`] (codes in
    /// [`Dictionaries::extra`]).
    pub extra: Box<[Option<Code>]>,
}

/// Where a text is in a [`crate::texts::TextStore`]: its byte offset (40 bits: a terabyte) and
/// length (24 bits; a cell is at most `ingest::MAX_CELL_BYTES`, a mebibyte), in one word. An
/// empty text is never stored (a blank cell is absent), so the word is never zero and an
/// absent text costs no tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TextRef(std::num::NonZeroU64);

impl TextRef {
    /// Largest length a reference holds.
    pub const MAX_LEN: usize = (1 << 24) - 1;

    /// `len` bytes at `offset`; `None` for an empty text, or one out of range.
    pub fn new(offset: u64, len: usize) -> Option<TextRef> {
        if len == 0 || len > Self::MAX_LEN || offset >= 1 << 40 {
            return None;
        }
        std::num::NonZeroU64::new(offset << 24 | len as u64).map(TextRef)
    }

    /// Byte offset in the store.
    pub fn offset(self) -> u64 {
        self.0.get() >> 24
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        (self.0.get() & ((1 << 24) - 1)) as usize
    }

    /// Never true (an empty text is not stored); for the lint's sake.
    pub fn is_empty(self) -> bool {
        false
    }

    /// The same text, `by` bytes further into the store (a chunk's texts placed after the
    /// chunks before it).
    pub fn shifted(self, by: u64) -> TextRef {
        TextRef::new(self.offset() + by, self.len()).expect("a text store under a terabyte")
    }
}

/// A satisfaction score, if recorded: 8 bytes instead of an `Option<f64>`'s 16, with NaN for
/// none (a score is a number from 0 to 100, never NaN).
#[derive(Debug, Clone, Copy)]
pub struct Score(f64);

impl Default for Score {
    fn default() -> Self {
        Score(f64::NAN)
    }
}

impl Score {
    /// A recorded score (NaN is none).
    pub fn new(v: f64) -> Score {
        Score(v)
    }

    /// The score, if recorded.
    #[inline]
    pub fn get(self) -> Option<f64> {
        (!self.0.is_nan()).then_some(self.0)
    }
}

/// The eight stage timestamps of a complaint, indexed by [`Stage::index`], as seconds since
/// 1970 in a `u32` each: 32 bytes instead of 64 as `i64`s (128 as `Option<i64>`s), for each of
/// millions of complaints. That spans 1970 to 2106; normalize rejects stage times before 2000
/// and after [`LAST_STAGE_TIME`]. An absent stage is `u32::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageTimes([u32; 8]);

const NO_TIME: u32 = u32::MAX;

/// The latest instant a stage time can hold (2106-02-07 UTC).
pub const LAST_STAGE_TIME: Ts = NO_TIME as Ts - 1;

impl Default for StageTimes {
    fn default() -> Self {
        StageTimes([NO_TIME; 8])
    }
}

impl StageTimes {
    /// The time of a stage, if recorded.
    #[inline]
    pub fn get(&self, stage: Stage) -> Option<Ts> {
        let t = self.0[stage.index()];
        (t != NO_TIME).then_some(Ts::from(t))
    }

    /// Records a stage's time (between 1970 and [`LAST_STAGE_TIME`]: normalize rejects any
    /// other, so another is a bug).
    pub fn set(&mut self, stage: Stage, t: Ts) {
        let v = u32::try_from(t)
            .ok()
            .filter(|v| *v != NO_TIME)
            .unwrap_or_else(|| panic!("stage time {t} outside 1970..=2106"));
        self.0[stage.index()] = v;
    }

    /// Every stage's time in lifecycle order.
    pub fn iter(&self) -> impl Iterator<Item = Option<Ts>> + '_ {
        Stage::ALL.into_iter().map(|s| self.get(s))
    }
}

/// A field's value, borrowed from a [`Complaint`] (and the run's [`Dictionaries`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    /// Absent (blank cell or column not in the export).
    Absent,
    /// Text.
    Str(&'a str),
    /// An instant.
    Ts(Ts),
    /// A number (satisfaction).
    Num(f64),
}

impl Complaint {
    /// The time a stage happened, if it did.
    pub fn time(&self, stage: Stage) -> Option<Ts> {
        self.times.get(stage)
    }

    /// `received_at` (always present after normalization).
    pub fn received_at(&self) -> Ts {
        self.times.get(Stage::Received).unwrap_or_default()
    }

    /// A canonical field's value; a coded field's is read from the run's dictionaries.
    pub fn get<'a>(&'a self, field: Field, dicts: &'a Dictionaries) -> FieldValue<'a> {
        if let Some(stage) = field.stage() {
            return self.time(stage).map_or(FieldValue::Absent, FieldValue::Ts);
        }
        match field {
            Field::ComplaintId => FieldValue::Str(&self.id),
            Field::Text => {
                // Outside classify the text is in the store: a stage that reads it here would
                // see it as blank.
                debug_assert!(
                    self.text.is_some() || self.text_at.is_none(),
                    "complaint {}: its text is read from the text store, not the row",
                    self.id
                );
                self.text
                    .as_ref()
                    .map_or(FieldValue::Absent, |t| FieldValue::Str(t))
            }
            Field::Satisfaction => self
                .satisfaction
                .get()
                .map_or(FieldValue::Absent, FieldValue::Num),
            _ => match self.code(field) {
                Some(c) => FieldValue::Str(dicts.field(field).get(c)),
                None => FieldValue::Absent,
            },
        }
    }

    /// A field's value, except the free text (absent here: it is read from the text store by
    /// a stage that writes every field out).
    pub fn get_unless_text<'a>(&'a self, field: Field, dicts: &'a Dictionaries) -> FieldValue<'a> {
        if field == Field::Text {
            FieldValue::Absent
        } else {
            self.get(field, dicts)
        }
    }

    /// A coded field's code ([`Field::is_coded`]); `None` when blank, or for another field.
    pub fn code(&self, field: Field) -> Option<Code> {
        field.coded_index().and_then(|i| self.codes[i])
    }

    /// A coded field's value as text, from the run's dictionaries.
    pub fn coded<'a>(&self, field: Field, dicts: &'a Dictionaries) -> Option<&'a str> {
        dicts.text(field, self.code(field))
    }

    /// Mutable access to a coded field's slot (for normalization, and tests).
    pub fn code_slot(&mut self, field: Field) -> Option<&mut Option<Code>> {
        field.coded_index().map(|i| &mut self.codes[i])
    }

    /// The most advanced lifecycle stage reached, for the duplicate policy.
    pub fn latest_stage(&self) -> Stage {
        Stage::ALL
            .into_iter()
            .rev()
            .find(|s| self.time(*s).is_some())
            .unwrap_or(Stage::Received)
    }
}

/// The rows the duplicate policy merged into each complaint. A run has few (thousands of
/// repeated rows among millions), so they are kept sparse: a vector per complaint would cost
/// 24 bytes for every complaint, empty or not (230 MB at 10 M).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Merged {
    /// Position of the complaint of each merged row, ascending.
    complaint: Vec<u32>,
    /// The merged rows, aligned with `complaint`.
    origin: Vec<Origin>,
}

impl Merged {
    /// Adds complaint `i`'s merged rows (complaints in ascending order).
    pub fn push(&mut self, i: usize, origins: impl IntoIterator<Item = Origin>) {
        debug_assert!(self.complaint.last().is_none_or(|&l| l as usize <= i));
        for o in origins {
            self.complaint.push(i as u32);
            self.origin.push(o);
        }
    }

    /// The rows merged into complaint `i`.
    pub fn of(&self, i: usize) -> &[Origin] {
        let lo = self.complaint.partition_point(|&c| (c as usize) < i);
        let hi = lo + self.complaint[lo..].partition_point(|&c| c as usize == i);
        &self.origin[lo..hi]
    }

    /// Rows merged in all.
    pub fn total(&self) -> usize {
        self.origin.len()
    }

    /// Keeps the rows of the complaints `keep` marks, renumbering them as the complaints are
    /// when the others are dropped.
    pub fn retain(&mut self, keep: &[bool]) {
        // New position of each kept complaint: the kept ones before it.
        let mut kept_before = 0u32;
        let mut at = 0usize;
        let mut w = 0usize;
        for (i, &k) in keep.iter().enumerate() {
            while at < self.complaint.len() && self.complaint[at] as usize == i {
                if k {
                    self.complaint[w] = kept_before;
                    self.origin[w] = self.origin[at];
                    w += 1;
                }
                at += 1;
            }
            kept_before += u32::from(k);
        }
        self.complaint.truncate(w);
        self.origin.truncate(w);
    }
}

/// The names of the carried-through (unmapped) columns, in first-seen order over the sorted
/// input files. [`Complaint::extra`] is aligned with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExtraColumns(pub Vec<String>);

impl ExtraColumns {
    /// Index of a column, adding it if new.
    pub fn index_or_insert(&mut self, name: &str) -> usize {
        if let Some(i) = self.0.iter().position(|c| c == name) {
            i
        } else {
            self.0.push(name.to_owned());
            self.0.len() - 1
        }
    }

    /// Index of a column.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|c| c == name)
    }
}

/// Reorders `v` so that `v[k]` becomes the old `v[order[k]]`, moving each element once along
/// the cycles of the permutation. `order` must be a permutation of `0..v.len()`; anything else
/// panics before `v` is touched.
///
/// Moves, not swaps: a swap copies both elements through a temporary, twice the bytes of a
/// move. The complaints dedupe reorders are 208 bytes each, and an export that is nearly in
/// receipt order still has long cycles (one late row shifts every row between its place and
/// where it was written), so at a million rows the swaps were a serial 0.1 s.
pub fn permute<T>(v: &mut [T], mut order: Vec<u32>) {
    assert!(
        is_permutation(&order, v.len()),
        "permute: the order is not a permutation of 0..{}",
        v.len()
    );
    let p = v.as_mut_ptr();
    for start in 0..v.len() {
        if order[start] as usize == start {
            continue;
        }
        // SAFETY: `order` is a permutation of the slice's indices (checked above), so the
        // cycle through `start` returns to it: every slot on it is read once, before it is
        // written once, and the element taken out of `start` fills the cycle's last slot. All
        // indices are in bounds and nothing in the loop can panic, so no element is ever
        // dropped twice or lost.
        unsafe {
            let held = std::ptr::read(p.add(start));
            let mut k = start;
            loop {
                let from = order[k] as usize;
                order[k] = k as u32;
                if from == start {
                    std::ptr::write(p.add(k), held);
                    break;
                }
                std::ptr::copy_nonoverlapping(p.add(from), p.add(k), 1);
                k = from;
            }
        }
    }
}

/// True when `order` holds each of `0..n` exactly once.
fn is_permutation(order: &[u32], n: usize) -> bool {
    if order.len() != n {
        return false;
    }
    let mut seen = vec![false; n];
    order.iter().all(|&i| {
        seen.get_mut(i as usize)
            .is_some_and(|s| !std::mem::replace(s, true))
    })
}

/// Wall time per stage, in milliseconds, in stage order, and the process's peak resident
/// memory after each of them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    /// (stage, milliseconds), in stage order.
    pub stages: Vec<(String, u64)>,
    /// (stage, MiB): the resident-memory high-water mark when the stage ended (Linux; empty
    /// elsewhere). Stages that run interleaved chunk by chunk (sla, audit, tables, summary)
    /// share one mark, `assess`.
    pub peak_rss_mib: Vec<(String, u64)>,
    /// (use, bytes): what went to scratch files in the system's temporary folder (`events`:
    /// the event log's spill and sorted store when they did not fit `--scratch-memory`, else 0;
    /// `texts`: the complaints' free texts when they did not fit it; `verdicts`: every SLA
    /// verdict in full), so that a user can size that folder.
    pub scratch_bytes: Vec<(String, u64)>,
}

impl Timings {
    /// Records the time since `since` under `stage`, and the memory mark.
    pub fn lap(&mut self, stage: &str, since: &mut Instant) {
        let now = Instant::now();
        self.stages
            .push((stage.to_owned(), (now - *since).as_millis() as u64));
        self.mark(stage);
        *since = now;
    }

    /// Records the memory high-water mark under `stage`.
    pub fn mark(&mut self, stage: &str) {
        if let Some(mib) = peak_rss_mib() {
            self.peak_rss_mib.push((stage.to_owned(), mib));
        }
    }
}

/// The process's resident-memory high-water mark (`VmHWM`), in MiB; `None` where
/// `/proc/self/status` does not exist. Benchmarks read it per stage to see which stage grows the
/// footprint.
pub fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

/// How a text's physical lines were used: the manifest's `lines` (per input file and in total), where
/// `physical = header + in_records + blank` is checked at the end of a run, so that rows
/// swallowed by a quote would show as lines inside records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Lines {
    /// Lines in the file (a last line without a line break counts).
    pub physical: u64,
    /// Lines above the first data record: titles and the header.
    pub header: u64,
    /// Lines that records span (a record with a multi-line text spans several).
    pub in_records: u64,
    /// Empty lines between records, which are not records.
    pub blank: u64,
}

impl std::ops::AddAssign for Lines {
    fn add_assign(&mut self, o: Lines) {
        self.physical += o.physical;
        self.header += o.header;
        self.in_records += o.in_records;
        self.blank += o.blank;
    }
}

impl Lines {
    /// True when every physical line is accounted for.
    pub fn reconciles(&self) -> bool {
        self.physical == self.header + self.in_records + self.blank
    }
}

/// The row accounting every run reports: read = accepted + rejected.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct RowCounts {
    /// Data records read from the input files.
    pub read: usize,
    /// Records accepted: one per complaint in the output, plus the rows merged into them.
    pub accepted: usize,
    /// Records rejected (each in `rejects.csv`).
    pub rejected: usize,
    /// Complaints in the output.
    pub complaints: usize,
    /// Rows merged into a complaint by the duplicate policy.
    pub merged: usize,
}
