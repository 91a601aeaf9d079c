//! Stage 2, normalize: [`RawTable`]s → [`Normalized`] (one [`Complaint`] per complaint ID).
//!
//! - Input: each file's header and text cells, and the column [`Profile`].
//! - Output: typed complaints (timestamps as instants in the configured zone, satisfaction on
//!   0–100, blanks as absent), unknown columns carried through, one row per complaint ID after
//!   the duplicate policy.
//! - Failure policy: a file without a `complaint_id` or `received_at` column is a fatal
//!   [`Error::MissingColumns`]. A record with a blank ID or receipt time, an unreadable or
//!   implausible timestamp, an unreadable satisfaction cell or a spreadsheet error value in a
//!   canonical field is rejected (stage `normalize`), listing every problem in the record.
//!   Problems that leave the record usable are findings (see [`crate::rejects::FindingCode`]).
//!
//! Carried-through columns keep their cells as written, except that a cell holding a whole
//! timestamp in an accepted textual form is written as `YYYY-MM-DD HH:MM:SS`.
//!
//! Duplicate policy: when one complaint ID appears in several rows (monthly exports re-export
//! a complaint with its later stages filled in), the row with the most advanced lifecycle stage
//! wins; ties go to the row with more stages recorded, then the latest recorded instant, then
//! the later file and line. The other rows are "merged" (accepted, counted, listed as
//! findings), never silently dropped.

mod columns;
mod dedupe;
pub mod profile;

use std::collections::BTreeMap;

mod headers;

use chrono::Datelike;

use self::columns::{Plan, PlanInput, Slot};
use self::dedupe::dedupe;
use crate::config::CellSettings;
use crate::dictionary::Coder;
use crate::error::{Error, Result};
use crate::model::{
    Complaint, Dictionaries, ExtraColumns, Field, FieldKind, Merged, Origin, Stage, TextRef,
};
use crate::privacy;
use crate::rejects::{Finding, FindingCode, RejectReason, Rejects, RowIssue};
use crate::texts::TextStore;
use crate::time::forms::Forms;
use crate::time::{TimestampError, Ts, Zone};

pub use columns::{ColumnMapping, FileMapping, NullSet};
pub use profile::Profile;

/// Timestamps before 2000 are placeholders or typos (`1900-01-00`).
const FIRST_PLAUSIBLE_YEAR: i32 = 2000;
/// Local seconds (as [`Zone::local_secs`] counts them, from 1970-01-01) at the start of
/// [`FIRST_PLAUSIBLE_YEAR`]: a time is implausibly early exactly when its local seconds are
/// below this (10,957 days; a test checks it against the calendar).
const FIRST_PLAUSIBLE_LOCAL_SECS: i64 = 10_957 * 86_400;

/// A timestamp more than this far after `--as-of` is a placeholder (`2099-12-31`), not an
/// event still to come; nearer future times are kept and flagged.
const MAX_FUTURE_SECS: i64 = 366 * 86_400;

/// The normalize stage's output.
#[derive(Debug, Default)]
pub struct Normalized {
    /// One complaint per ID, sorted by receipt time then ID.
    pub complaints: Vec<Complaint>,
    /// Their free texts ([`Complaint::text_at`]).
    pub texts: TextStore,
    /// The values their coded fields and carried-through columns hold codes of.
    pub dicts: Dictionaries,
    /// Names of the carried-through columns.
    pub extras: ExtraColumns,
    /// Records that passed normalize (including merged duplicates).
    pub accepted: usize,
    /// For each complaint (same order), the origins of the rows merged into it.
    pub merged: Merged,
    /// How each input file's columns were read.
    pub mappings: Vec<FileMapping>,
}

/// Settings the stage needs.
pub struct NormalizeOptions<'a> {
    /// Column mapping.
    pub profile: &'a Profile,
    /// Zone of wall-clock times.
    pub zone: &'a Zone,
    /// Timestamp forms, date order and null markers.
    pub cells: &'a CellSettings,
    /// Stage times after this are flagged (they are treated as not yet happened downstream).
    pub as_of: Ts,
    /// Where the text store's scratch file goes, if the texts outgrow `text_memory`.
    pub scratch: &'a std::path::Path,
    /// Bytes of text held in memory.
    pub text_memory: usize,
}

/// How one input file's columns would be read (`check --input`): the file is opened, its
/// header found and its first rows sampled, and nothing more is read. A file without a
/// `complaint_id` or `received_at` column, or with an ambiguous date column, is an error, as it
/// would be for `run`.
pub fn describe(
    path: &std::path::Path,
    ingest: &crate::pipeline::ingest::IngestOptions<'_>,
    opts: &NormalizeOptions<'_>,
) -> Result<(crate::pipeline::ingest::InputFile, FileMapping)> {
    let src = crate::pipeline::ingest::Source::open(path, 0, ingest)?;
    let nulls = NullSet::new(&opts.cells.null_values);
    let input = PlanInput {
        profile: opts.profile,
        cells: opts.cells,
        nulls: &nulls,
    };
    let plan = Plan::new(
        0,
        path,
        &src.headers,
        &src.sample,
        &input,
        &mut BTreeMap::new(),
        &mut ExtraColumns::default(),
        &mut Rejects::default(),
    )?;
    Ok((src.file, plan.mapping))
}

/// Reads and normalizes every input file, the chunks of each in parallel, then applies the
/// duplicate policy. `files` receives each file's manifest entry (with its record count);
/// `ingest_time` adds up the time spent reading and decoding files.
pub fn run(
    paths: &[std::path::PathBuf],
    ingest: &crate::pipeline::ingest::IngestOptions<'_>,
    opts: &NormalizeOptions<'_>,
    files: &mut Vec<crate::pipeline::ingest::InputFile>,
    ingest_time: &mut std::time::Duration,
    rejects: &mut Rejects,
) -> Result<Normalized> {
    let mut extras = ExtraColumns::default();
    let nulls = NullSet::new(&opts.cells.null_values);
    let plan_input = PlanInput {
        profile: opts.profile,
        cells: opts.cells,
        nulls: &nulls,
    };
    let mut known = BTreeMap::new();
    let mut mappings = Vec::with_capacity(paths.len());
    // Room for every row at once (an export row is rarely under 100 bytes; see events::run).
    let bytes = crate::pipeline::ingest::total_bytes(paths);
    let mut rows: Vec<Complaint> = Vec::with_capacity(usize::try_from(bytes / 100).unwrap_or(0));
    // The texts are at most the files' bytes: in memory if that fits the budget.
    let mut texts = TextStore::new(opts.scratch, opts.text_memory, bytes)?;
    let mut dicts = Dictionaries::default();
    for path in paths {
        let started = std::time::Instant::now();
        let id = u16::try_from(files.len())
            .map_err(|_| Error::Usage("more than 65,535 input files".into()))?;
        let mut src = crate::pipeline::ingest::Source::open(path, id, ingest)?;
        let plan = Plan::new(
            id,
            path,
            &src.headers,
            &src.sample,
            &plan_input,
            &mut known,
            &mut extras,
            rejects,
        )?;
        src.sample = Vec::new();
        let opened = started.elapsed();
        let mut base = 0u32;
        // Each chunk's complaints, texts, rejects (normalize's first, then ingest's, as a
        // sequential read gives them) and record count, placed after the chunks before it.
        let waited = src.read(
            ingest.chunk_bytes,
            |chunk| {
                let mut out = Vec::with_capacity(chunk.capacity_hint(100));
                let mut local = Rejects::default();
                let mut local_store = ChunkStore::new(plan.slots.len());
                let mut ingest_rejects = Rejects::default();
                let n = chunk.for_each(&mut ingest_rejects, |origin, cells| {
                    if let Some(c) =
                        plan.record(origin, cells, opts, &nulls, &mut local_store, &mut local)
                    {
                        out.push(c);
                    }
                });
                local.extend(ingest_rejects);
                (out, local_store, local, n)
            },
            |(out, store, mut local, n)| {
                let at = texts.append(&store.texts)?;
                local.shift_records(id, base);
                rejects.extend(local);
                let codes = plan.merge_codes(store.coders, &mut dicts);
                rows.extend(out.into_iter().map(|mut c| {
                    c.origin.record += base;
                    c.text_at = c.text_at.map(|r| r.shifted(at));
                    codes.translate(&mut c);
                    c
                }));
                base += n;
                Ok(())
            },
        )?;
        // Opening the file, finding its header and columns, and what the parse waited for it.
        *ingest_time += opened + waited;
        let mut file = src.file;
        file.records = base as usize;
        files.push(file);
        mappings.push(plan.mapping);
    }
    texts.finish()?;
    dicts.seal();
    let accepted = rows.len();
    let (complaints, merged) = dedupe(rows, extras.0.len(), paths, &texts, &dicts, rejects)?;
    Ok(Normalized {
        complaints,
        texts,
        dicts,
        extras,
        accepted,
        merged,
        mappings,
    })
}

impl Plan {
    /// One record → a complaint, or a reject (every problem of the record in one message).
    fn record(
        &self,
        origin: Origin,
        fields: &crate::pipeline::ingest::Cells,
        opts: &NormalizeOptions<'_>,
        nulls: &NullSet,
        store: &mut ChunkStore,
        rejects: &mut Rejects,
    ) -> Option<Complaint> {
        let mut c = Complaint {
            origin,
            extra: vec![None; self.n_extra].into_boxed_slice(),
            ..Complaint::default()
        };
        let mut problems: Vec<(Field, String, RejectReason, String)> = Vec::new();
        let mut error_extras = Vec::new();
        // The free text goes to the chunk's text buffer, once the record is accepted.
        let mut text = None;
        for (i, slot) in self.slots.iter().enumerate() {
            let cell = crate::pipeline::ingest::trim_cell(fields.get(i).unwrap_or(""));
            // A null marker (`NA`, `NULL`, `-` …) is a blank, in any column.
            if cell.is_empty() || nulls.contains(cell) {
                continue;
            }
            match *slot {
                Slot::Skip => {}
                Slot::Extra(x) => {
                    if is_error_cell(cell) {
                        error_extras.push(i);
                    }
                    // A cell that is a whole timestamp is written in one form, so a CSV and an
                    // XLSX copy of an export (text vs. a date cell) carry the same value.
                    let coder = &mut store.coders[i];
                    c.extra[x] = Some(match self.forms[i].parse_text(cell, opts.zone) {
                        Ok(t) => coder.code(&opts.zone.format(t)),
                        Err(_) => coder.code(cell),
                    });
                }
                Slot::Field(f) => {
                    if is_error_cell(cell) {
                        problems.push((
                            f,
                            cell.to_owned(),
                            RejectReason::ErrorCell,
                            format!("`{}` holds the spreadsheet error {cell}", f.name()),
                        ));
                        continue;
                    }
                    if f == Field::Text {
                        text = Some(cell);
                        continue;
                    }
                    let forms = (&self.forms[i], self.accepted[i].as_str());
                    let coder = &mut store.coders[i];
                    if let Err((reason, msg)) = set_field(&mut c, f, cell, forms, opts, coder) {
                        problems.push((f, cell.to_owned(), reason, msg));
                    }
                }
            }
        }
        if c.id.is_empty() && !problems.iter().any(|p| p.0 == Field::ComplaintId) {
            problems.insert(
                0,
                (
                    Field::ComplaintId,
                    String::new(),
                    RejectReason::MissingId,
                    "`complaint_id` is blank".into(),
                ),
            );
        }
        if c.time(Stage::Received).is_none() && !problems.iter().any(|p| p.0 == Field::ReceivedAt) {
            problems.push((
                Field::ReceivedAt,
                String::new(),
                RejectReason::MissingReceivedAt,
                "`received_at` is blank: no time limit can be counted".into(),
            ));
        }
        // Missing-ID first, then the rest in field order (a stable sort keeps that).
        problems.sort_by_key(|p| Field::ALL.iter().position(|f| *f == p.0));
        if let Some((field, value, reason, _)) = problems.first() {
            let message = problems
                .iter()
                .map(|p| p.3.clone())
                .collect::<Vec<_>>()
                .join("; ");
            let value = if field.is_personal() {
                mask_value(*field, value)
            } else {
                value.clone()
            };
            rejects.reject(RowIssue {
                origin,
                stage: "normalize",
                field: field.name().to_owned(),
                value,
                reason: *reason,
                message,
            });
            return None;
        }
        for i in error_extras {
            rejects.find(Finding {
                origin,
                complaint_id: c.id.to_string(),
                field: self.headers[i].clone(),
                code: FindingCode::ErrorCellInExtra,
                message: format!(
                    "carried-through column `{}` holds a spreadsheet error; kept as written",
                    self.headers[i]
                ),
            });
        }
        stage_findings(&c, opts, rejects);
        if let Some(text) = text {
            // Ingest caps a cell at a mebibyte, well within a reference's length.
            let texts = &mut store.texts;
            c.text_at = TextRef::new(texts.len() as u64, text.len());
            debug_assert!(c.text_at.is_some(), "a text of {} bytes", text.len());
            texts.extend_from_slice(text.as_bytes());
        }
        Some(c)
    }
}

/// Reads one canonical cell into the complaint; `forms` is how its column's timestamps are
/// read, and their description for a reject.
fn set_field(
    c: &mut Complaint,
    f: Field,
    cell: &str,
    forms: (&Forms, &str),
    opts: &NormalizeOptions<'_>,
    coder: &mut Coder,
) -> std::result::Result<(), (RejectReason, String)> {
    match f.kind() {
        FieldKind::Id => c.id = cell.into(),
        FieldKind::Timestamp => {
            let stage = f.stage().expect("timestamp fields are stages");
            let t = forms.0.parse(cell, opts.zone).map_err(|e| match e {
                TimestampError::Unparseable => (
                    RejectReason::BadTimestamp,
                    format!(
                        "`{}` = `{cell}` is not a timestamp in the accepted forms: {}; declare its form with `ingest.timestamp_forms` (docs/FIELDS.md §4)",
                        f.name(),
                        forms.1
                    ),
                ),
                TimestampError::InvalidDate => (
                    RejectReason::InvalidTimestamp,
                    format!(
                        "`{}` = `{cell}` names a date or time that does not exist",
                        f.name()
                    ),
                ),
                TimestampError::Nonexistent => (
                    RejectReason::InvalidTimestamp,
                    format!(
                        "`{}` = `{cell}` falls in a daylight-saving gap in {}",
                        f.name(),
                        opts.zone.name()
                    ),
                ),
            })?;
            if before_plausible(opts.zone, t) {
                let year = opts.zone.to_local(t).year();
                return Err((
                    RejectReason::ImplausibleTimestamp,
                    format!(
                        "`{}` = `{cell}` is in {year}, before {FIRST_PLAUSIBLE_YEAR}: a placeholder or a typo",
                        f.name()
                    ),
                ));
            }
            if t > crate::model::LAST_STAGE_TIME {
                return Err((
                    RejectReason::ImplausibleTimestamp,
                    format!(
                        "`{}` = `{cell}` is after 2106, beyond any complaint's lifetime: a placeholder or a typo",
                        f.name()
                    ),
                ));
            }
            if t > opts.as_of + MAX_FUTURE_SECS {
                return Err((
                    RejectReason::ImplausibleTimestamp,
                    format!(
                        "`{}` = `{cell}` is more than a year after --as-of: a placeholder or a typo",
                        f.name()
                    ),
                ));
            }
            c.times.set(stage, t);
        }
        FieldKind::Score => {
            let v = opts.profile.satisfaction(cell).map_err(|m| {
                (
                    RejectReason::BadSatisfaction,
                    format!("`satisfaction`: {m}"),
                )
            })?;
            c.satisfaction = crate::model::Score::new(v);
            if let Some(slot) = c.code_slot(Field::SatisfactionRaw) {
                *slot = Some(coder.code(cell));
            }
        }
        FieldKind::Text => {
            // Short fields are coded by their column's coder: categorical ones repeat a handful
            // of values over millions of rows, and owners, their units and phones repeat too
            // (the same owner complaining again); the run holds their values in its field's
            // dictionary (once each, unless they hardly repeat: `crate::dictionary`). The codes
            // are the chunk's until the chunk is placed (`Plan::merge_codes`). (The free text
            // is not set here: it goes to the text store, see `Plan::record`.)
            if let Some(slot) = c.code_slot(f) {
                *slot = Some(coder.code(cell));
            }
        }
    }
    Ok(())
}

/// True when instant `t` is before [`FIRST_PLAUSIBLE_YEAR`] in `zone`'s local time. Compared
/// as local seconds: building the local date of every timestamp only to read its year was a
/// visible share of normalize. And only near the bound: a zone's offset is under a day, so an
/// instant a day past the bound is plausible in any zone (the local time of every timestamp
/// was 1 % of the kit job's samples).
fn before_plausible(zone: &Zone, t: Ts) -> bool {
    t < FIRST_PLAUSIBLE_LOCAL_SECS + 86_400 && zone.local_secs(t) < FIRST_PLAUSIBLE_LOCAL_SECS
}

/// `#N/A`, `#VALUE!`, `#REF!`, `#DIV/0!`, `#NAME?`, `#NULL!`, `#NUM!`, `#DATA!`.
fn is_error_cell(s: &str) -> bool {
    matches!(
        s,
        "#N/A"
            | "#VALUE!"
            | "#REF!"
            | "#DIV/0!"
            | "#NAME?"
            | "#NULL!"
            | "#NUM!"
            | "#DATA!"
            | "#GETTING_DATA"
    )
}

fn mask_value(f: Field, v: &str) -> String {
    match f {
        Field::Phone => privacy::mask_phone(v),
        Field::Complainant => privacy::mask_name(v),
        _ => v.to_owned(),
    }
}

/// Stage pairs that must be in order when both are recorded: (earlier, later).
const ORDER: &[(Stage, Stage)] = &[
    (Stage::Dispatched, Stage::OnSite),
    (Stage::Resolved, Stage::FollowUp),
    (Stage::Resolved, Stage::Closed),
];

/// A recorded stage and the earlier stage it presupposes: (later, prerequisite).
const PREREQUISITES: &[(Stage, Stage)] = &[
    (Stage::OnSite, Stage::Dispatched),
    (Stage::FollowUp, Stage::Resolved),
    (Stage::Closed, Stage::Resolved),
];

fn stage_findings(c: &Complaint, opts: &NormalizeOptions<'_>, rejects: &mut Rejects) {
    let received = c.received_at();
    let mut find = |field: Field, code: FindingCode, message: String| {
        rejects.find(Finding {
            origin: c.origin,
            complaint_id: c.id.to_string(),
            field: field.name().to_owned(),
            code,
            message,
        });
    };
    let z = opts.zone;
    for s in Stage::ALL {
        let Some(t) = c.time(s) else { continue };
        if s != Stage::Received && t < received {
            find(
                s.field(),
                FindingCode::BeforeReceived,
                format!(
                    "`{}` {} is before `received_at` {}",
                    s.field().name(),
                    z.format(t),
                    z.format(received)
                ),
            );
        }
        if t > opts.as_of {
            find(
                s.field(),
                FindingCode::FutureTimestamp,
                format!(
                    "`{}` {} is after --as-of {}; treated as not yet happened",
                    s.field().name(),
                    z.format(t),
                    z.format(opts.as_of)
                ),
            );
        }
    }
    for (a, b) in ORDER {
        if let (Some(ta), Some(tb)) = (c.time(*a), c.time(*b))
            && tb < ta
        {
            find(
                b.field(),
                FindingCode::StageOrder,
                format!(
                    "`{}` {} is before `{}` {}",
                    b.field().name(),
                    z.format(tb),
                    a.field().name(),
                    z.format(ta)
                ),
            );
        }
    }
    for (later, pre) in PREREQUISITES {
        if c.time(*later).is_some() && c.time(*pre).is_none() {
            find(
                pre.field(),
                FindingCode::StageGap,
                format!(
                    "`{}` is recorded but `{}` is blank",
                    later.field().name(),
                    pre.field().name()
                ),
            );
        }
    }
}

/// What a chunk's records are stored into besides their rows: a coder per column, and its
/// texts end to end (appended to the run's text store when the chunk is placed).
struct ChunkStore {
    coders: Vec<Coder>,
    texts: Vec<u8>,
}

impl ChunkStore {
    fn new(columns: usize) -> ChunkStore {
        ChunkStore {
            coders: (0..columns).map(|_| Coder::default()).collect(),
            texts: Vec::new(),
        }
    }
}

/// For each column a chunk coded, what the chunk's codes are in the run's dictionaries.
struct ChunkCodes {
    /// (slot of the column, run code of each chunk code).
    columns: Vec<(Slot, Vec<crate::model::Code>)>,
}

impl Plan {
    /// Adds a chunk's coded values to the run's dictionaries (on the calling thread, as the
    /// chunk is placed, chunks in file order: a value's code is the order the run first met
    /// it).
    fn merge_codes(&self, coders: Vec<Coder>, dicts: &mut Dictionaries) -> ChunkCodes {
        let columns = self
            .slots
            .iter()
            .zip(coders)
            .filter(|(_, coder)| !coder.is_empty())
            .filter_map(|(slot, coder)| {
                // The satisfaction column's coder holds the cells as written.
                let slot = match *slot {
                    Slot::Field(Field::Satisfaction) => Slot::Field(Field::SatisfactionRaw),
                    s => s,
                };
                let dict = match slot {
                    Slot::Field(f) if f.is_coded() => dicts.field_mut(f),
                    Slot::Extra(x) => dicts.extra_mut(x),
                    _ => return None,
                };
                Some((slot, dict.merge(&coder)))
            })
            .collect::<Vec<_>>();
        // One column per field (the plan skips a second one): a code is translated once.
        debug_assert!(
            columns
                .iter()
                .enumerate()
                .all(|(i, (s, _))| columns[..i].iter().all(|(t, _)| t != s)),
            "two columns coded into one field"
        );
        ChunkCodes { columns }
    }
}

impl ChunkCodes {
    /// A complaint of the chunk, its codes made the run's.
    fn translate(&self, c: &mut Complaint) {
        for (slot, map) in &self.columns {
            let code = match *slot {
                Slot::Field(f) => c.code_slot(f),
                Slot::Extra(x) => c.extra.get_mut(x),
                Slot::Skip => None,
            };
            if let Some(Some(code)) = code {
                *code = map[code.index()];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::permute;

    /// The shortcut past the bound answers as the local time does, in zones east and west.
    #[test]
    fn plausibility_near_the_bound_is_read_in_local_time() {
        let bound = super::FIRST_PLAUSIBLE_LOCAL_SECS;
        for name in [
            "Asia/Shanghai",
            "America/Los_Angeles",
            "Pacific/Kiritimati",
            "Pacific/Pago_Pago",
            "UTC",
        ] {
            let zone = crate::time::Zone::from_name(name).unwrap();
            for t in (bound - 2 * 86_400..bound + 2 * 86_400)
                .step_by(599)
                .chain([0, bound + 86_400, 4_000_000_000])
            {
                assert_eq!(
                    super::before_plausible(&zone, t),
                    zone.local_secs(t) < bound,
                    "{name} {t}"
                );
            }
        }
    }

    #[test]
    fn the_first_plausible_instant_is_the_start_of_that_year() {
        let start = chrono::NaiveDate::from_ymd_opt(super::FIRST_PLAUSIBLE_YEAR, 1, 1).unwrap();
        assert_eq!(
            super::FIRST_PLAUSIBLE_LOCAL_SECS,
            crate::time::day_number(start) * 86_400
        );
    }
    use proptest::prelude::*;

    /// Stage times keep every second from 1970 to 2106, and an absent one stays absent.
    #[test]
    fn stage_times_keep_their_seconds_across_their_span() {
        use crate::model::{LAST_STAGE_TIME, Stage, StageTimes};
        let mut t = StageTimes::default();
        assert!(t.iter().all(|s| s.is_none()));
        t.set(Stage::Received, 0);
        t.set(Stage::Resolved, LAST_STAGE_TIME);
        t.set(Stage::Dispatched, 1_790_000_000);
        assert_eq!(t.get(Stage::Received), Some(0));
        assert_eq!(t.get(Stage::Resolved), Some(LAST_STAGE_TIME));
        assert_eq!(t.get(Stage::Dispatched), Some(1_790_000_000));
        assert_eq!(t.get(Stage::Acknowledged), None);
        assert_eq!(t.iter().flatten().count(), 3);
        // 2106-02-07 06:28:14 UTC.
        assert_eq!(LAST_STAGE_TIME, 4_294_967_294);
    }

    #[test]
    fn permute_moves_each_element_to_its_new_place() {
        let mut v = vec!["a", "b", "c", "d", "e"];
        permute(&mut v, vec![3, 0, 4, 1, 2]);
        assert_eq!(v, ["d", "a", "e", "b", "c"]);
        let mut id = vec![1, 2, 3];
        permute(&mut id, vec![0, 1, 2]);
        assert_eq!(id, [1, 2, 3]);
        let mut empty: Vec<u8> = Vec::new();
        permute(&mut empty, Vec::new());
        assert!(empty.is_empty());
    }

    /// An order that repeats or misses an index, or is too long or short, panics before any
    /// element moves (moving along such an order would drop one element twice).
    #[test]
    fn permute_refuses_what_is_not_a_permutation() {
        for bad in [vec![0, 0, 1], vec![0, 1, 3], vec![0, 1], vec![2, 1, 0, 3]] {
            let mut v = vec![String::from("a"), "b".into(), "c".into()];
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                permute(&mut v, bad.clone())
            }));
            assert!(r.is_err(), "{bad:?} was taken");
            assert_eq!(v, ["a", "b", "c"]);
        }
    }

    proptest! {
        /// The sparse merged rows read as a vector per complaint would, before and after
        /// dropping complaints.
        #[test]
        fn merged_rows_match_a_vector_per_complaint(
            per in proptest::collection::vec(0usize..3, 0..60),
            keep_bits in proptest::collection::vec(any::<bool>(), 60),
        ) {
            let o = |i: usize, k: usize| crate::model::Origin { file: 0, line: (i * 10 + k) as u32, record: 1 };
            let dense: Vec<Vec<crate::model::Origin>> =
                per.iter().enumerate().map(|(i, &n)| (0..n).map(|k| o(i, k)).collect()).collect();
            let mut sparse = crate::model::Merged::default();
            for (i, rows) in dense.iter().enumerate() {
                sparse.push(i, rows.iter().copied());
            }
            for (i, rows) in dense.iter().enumerate() {
                prop_assert_eq!(sparse.of(i), &rows[..]);
            }
            prop_assert_eq!(sparse.total(), dense.iter().map(Vec::len).sum::<usize>());
            let keep = &keep_bits[..dense.len()];
            let kept: Vec<_> = dense.iter().zip(keep).filter(|(_, k)| **k).map(|(r, _)| r).collect();
            sparse.retain(keep);
            for (i, rows) in kept.iter().enumerate() {
                prop_assert_eq!(sparse.of(i), &rows[..]);
            }
            prop_assert_eq!(sparse.of(kept.len()), &[][..]);
        }

        #[test]
        fn permute_matches_gathering_into_a_new_vector(
            order in (0usize..200).prop_flat_map(|n| Just((0..n as u32).collect::<Vec<_>>()).prop_shuffle())
        ) {
            let v: Vec<String> = (0..order.len()).map(|i| format!("row{i}")).collect();
            let expected: Vec<String> = order.iter().map(|&i| v[i as usize].clone()).collect();
            let mut got = v;
            permute(&mut got, order);
            prop_assert_eq!(got, expected);
        }
    }
}
