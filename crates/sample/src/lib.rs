//! Synthetic sample data for `complaints`: a property-management company's
//! complaint export (CSV UTF-8, CSV GBK, XLSX), its event log and staff roster,
//! deterministic from a seed.
//!
//! Everything is invented: projects, people, phone numbers and texts. The
//! texts use the keyword phrases of the domain brief so classification,
//! escalation and SLA rules have realistic evidence to work on, and the data
//! carries the flaws real exports have (mixed timestamp spellings, mixed
//! severity vocabularies, blank categories, re-exports, duplicates, dirty rows)
//! so the tool's validation can be exercised.
//!
//! # Layout of the output folder
//!
//! ```text
//! <out>/complaints….csv      UTF-8; the first complaint file has a BOM, the others not
//! <out>/gbk/complaints….csv  the same files in GBK
//! <out>/xlsx/complaints….xlsx  sheet 投诉台账; typed cells (datetimes, #N/A errors, scores)
//! <out>/events.csv           event log, UTF-8 with BOM (with `events`)
//! <out>/xlsx/events.xlsx     sheet 操作日志 (with `events` and `xlsx`)
//! <out>/roster.csv           staff, UTF-8 with BOM
//! <out>/README.md            synthetic-data notice, command, columns, dirty-case table
//! ```
//!
//! Complaint file names by [`FileSplit`]: `complaints.csv`;
//! `complaints_YYYY-MM.csv`; or `complaints_2025H2.csv` + `complaints_2026.csv`
//! (see [`FileSplit::Halves`] for the general rule). CSV lines end in CRLF.
//!
//! # Streaming and determinism
//!
//! Complaints are produced day by day in receipt order and written straight to
//! buffered files; each complaint is a pure function of (seed, ordinal), so a
//! re-export regenerates it instead of keeping it. Only per-day counts, the
//! queue of pending events (events in the future of the current receipt) and,
//! for `Halves`, the list of complaints to re-export are held in memory: about
//! 19 MB at 1 M complaints and 120 MB at 10 M (CSV and events). XLSX is the exception:
//! rust_xlsxwriter keeps a sheet in memory until it is saved (~3.4 GB for
//! 1 M complaints), one more reason XLSX output is capped at Excel's 1,048,575
//! data rows per sheet. Randomness comes from a local xoshiro256** and only
//! IEEE-exact float operations, so the same options give byte-identical files
//! on every platform; XLSX files get a fixed creation time (the start date)
//! because rust_xlsxwriter otherwise stamps docProps/core.xml with "now" (its
//! zip entries already carry a fixed 1980-01-01 time).

mod calendar;
mod complaint;
mod dirty;
mod events;
mod gbk;
mod out;
mod queue;
mod readme;
mod render;
mod rng;
mod roster;
mod timefmt;
mod vocab;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use calendar::Calendar;
use complaint::{Complaint, DISPATCH, Generator, TAG_COMPLAINT, format_id, nudge};
use dirty::{DirtyKind, Injection, Placement};
use events::{Ev, EvType};
use out::{ColType, TableOut, TableSpec, XlsxSpec};
use render::{Row, render};
use rng::Rng;
use roster::Roster;
use timefmt::{Style, fmt_time};
use vocab::{COMPLAINT_HEADER, EVENT_HEADER, PROJECTS, ROSTER_HEADER};

pub use out::XLSX_MAX_DATA_ROWS;

const TAG_AUX: u64 = 50;
const TAG_INJECT: u64 = 51;

/// Which file formats to write for the complaint export (and the event log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Formats {
    /// CSV in UTF-8, in the output folder itself (first file with a BOM).
    pub utf8: bool,
    /// CSV in GBK, same names under `gbk/`.
    pub gbk: bool,
    /// XLSX, same names with `.xlsx` under `xlsx/` (plus `xlsx/events.xlsx`).
    pub xlsx: bool,
}

impl Formats {
    /// All three formats.
    pub const ALL: Formats = Formats {
        utf8: true,
        gbk: true,
        xlsx: true,
    };
}

/// How the complaint export is split into files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileSplit {
    /// One file, `complaints.csv`.
    Single,
    /// One file per receipt month, `complaints_YYYY-MM.csv`.
    PerMonth,
    /// Two export files split at the first new year inside the range:
    /// `complaints_<Y1>H2.csv` (or `complaints_<Y1>.csv` when the range starts
    /// before July) holds the first calendar year's receipts, exported at
    /// 00:00 on 1 January of the next year; `complaints_<Y2>.csv` (or
    /// `complaints_<Y2>-<Yn>.csv`) holds the rest, exported at the data end, and
    /// starts with the re-exported complaints of the first file. A range inside
    /// one calendar year is split at its middle month and the files are named
    /// `complaints_<YYYY-MM>_<YYYY-MM>.csv`; a one-month range gives one file.
    Halves,
}

/// What to generate. See the module docs for the layout of the output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleOptions {
    /// Number of distinct complaints (before dirty rows and re-exports).
    pub rows: usize,
    /// Seed: the same options give byte-identical files.
    pub seed: u64,
    /// Output folder (created if missing; files in it are overwritten).
    pub out: PathBuf,
    /// First day of the first month (moved to the 1st if it is not).
    pub start: NaiveDate,
    /// Number of months, e.g. 14 for 2025-09 .. 2026-10.
    pub months: u32,
    /// Formats of the complaint export and event log.
    pub formats: Formats,
    /// Also write the event log (`events.csv`, and `xlsx/events.xlsx`).
    pub events: bool,
    /// Inject dirty rows and data-quality cases.
    pub dirty: bool,
    /// How the complaint export is split into files.
    pub files: FileSplit,
}

impl Default for SampleOptions {
    /// The bundled sample's shape: 2025-09 .. 2026-10, two half-year exports,
    /// all formats, events and dirty rows.
    fn default() -> Self {
        SampleOptions {
            rows: 20_000,
            seed: 42,
            out: PathBuf::from("sample"),
            start: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default(),
            months: 14,
            formats: Formats::ALL,
            events: true,
            dirty: true,
            files: FileSplit::Halves,
        }
    }
}

/// What `generate` wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SampleSummary {
    /// Every data file written with its number of data rows (header excluded):
    /// complaint files in every format, `events.csv`/`events.xlsx`,
    /// `roster.csv`. `README.md` is not listed.
    pub files: Vec<(PathBuf, usize)>,
    /// Distinct complaints generated (= `SampleOptions::rows`).
    pub complaints: usize,
    /// Rows of the event log (0 without `events`).
    pub events: usize,
    /// Deliberate data-quality cases by kind (`missing_id`, `ragged_row`,
    /// `reexport`, …; the README explains each). Re-exports are listed
    /// whenever the split is `Halves`, the other kinds only with `dirty`.
    pub dirty: BTreeMap<String, usize>,
}

/// Column headers of the complaint export, in order.
pub const COMPLAINT_COLUMNS: [&str; 24] = COMPLAINT_HEADER;
/// Column headers of `events.csv`, in order.
pub const EVENT_COLUMNS: [&str; 7] = EVENT_HEADER;
/// Column headers of `roster.csv`, in order.
pub const ROSTER_COLUMNS: [&str; 3] = ROSTER_HEADER;

/// Generates the sample into `opts.out`.
///
/// # Errors
/// I/O errors; `InvalidInput` for `months == 0`, or when XLSX is requested
/// and a complaint file or the event log would exceed Excel's 1,048,575 data
/// rows per sheet (checked before anything is written).
pub fn generate(opts: &SampleOptions) -> io::Result<SampleSummary> {
    if opts.months == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "sample: months must be at least 1",
        ));
    }
    let cal = Calendar::new(opts.seed, opts.start, opts.months, opts.rows as u64);
    let files = plan_files(opts.files, &cal);
    let roster = Roster::new(opts.seed);

    let mut dry_rows = None;
    if opts.formats.xlsx {
        // Cheap check first (base rows per file), then an exact dry run that
        // counts re-exports, dirty rows and events without writing anything.
        for f in &files {
            let base: u64 = cal.days[f.days.clone()]
                .iter()
                .map(|d| d.count as u64)
                .sum();
            if base as usize > XLSX_MAX_DATA_ROWS {
                return Err(too_many(&format!("xlsx/{}.xlsx", f.stem), base as usize));
            }
        }
        let dry = Pass::new(opts, &cal, &files, &roster, true).run()?;
        for (f, &n) in files.iter().zip(&dry.file_rows) {
            if n > XLSX_MAX_DATA_ROWS {
                return Err(too_many(&format!("xlsx/{}.xlsx", f.stem), n));
            }
        }
        if opts.events && dry.events > XLSX_MAX_DATA_ROWS {
            return Err(too_many("xlsx/events.xlsx", dry.events));
        }
        dry_rows = Some((dry.file_rows, dry.events));
    }

    fs::create_dir_all(&opts.out)?;
    if opts.formats.gbk {
        fs::create_dir_all(opts.out.join("gbk"))?;
    }
    if opts.formats.xlsx {
        fs::create_dir_all(opts.out.join("xlsx"))?;
    }
    let result = Pass::new(opts, &cal, &files, &roster, false).run()?;
    // The dry run must count exactly what the real run writes.
    debug_assert!(
        dry_rows
            .as_ref()
            .is_none_or(|(f, e)| *f == result.file_rows && (!opts.events || *e == result.events))
    );

    let mut summary = SampleSummary {
        complaints: opts.rows,
        events: result.events,
        ..SampleSummary::default()
    };
    for (f, &n) in files.iter().zip(&result.file_rows) {
        if opts.formats.utf8 {
            summary
                .files
                .push((opts.out.join(format!("{}.csv", f.stem)), n));
        }
        if opts.formats.gbk {
            summary
                .files
                .push((opts.out.join("gbk").join(format!("{}.csv", f.stem)), n));
        }
        if opts.formats.xlsx {
            summary
                .files
                .push((opts.out.join("xlsx").join(format!("{}.xlsx", f.stem)), n));
        }
    }
    if opts.events {
        summary
            .files
            .push((opts.out.join("events.csv"), result.events));
        if opts.formats.xlsx {
            summary
                .files
                .push((opts.out.join("xlsx").join("events.xlsx"), result.events));
        }
    }
    let roster_rows = write_roster(&opts.out.join("roster.csv"), &roster)?;
    summary
        .files
        .push((opts.out.join("roster.csv"), roster_rows));
    for (kind, locs) in &result.dirty {
        let n = if *kind == DirtyKind::Reexport {
            result.reexports.count
        } else {
            locs.len()
        };
        summary.dirty.insert(kind.key().to_string(), n);
    }
    let text = readme::render(opts, &files, &result, &summary, &cal);
    fs::write(opts.out.join("README.md"), text)?;
    Ok(summary)
}

fn too_many(name: &str, n: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "sample: XLSX refused: {name} would have {n} data rows, but an Excel sheet holds at most \
             {XLSX_MAX_DATA_ROWS}; generate fewer rows, split the files (PerMonth/Halves), \
             drop the event log, or write CSV only"
        ),
    )
}

fn write_roster(path: &Path, roster: &Roster) -> io::Result<usize> {
    let spec = TableSpec {
        utf8: Some((path.to_path_buf(), true)),
        gbk: None,
        xlsx: None,
    };
    let mut t = TableOut::open(spec, &ROSTER_HEADER)?;
    let mut cells = vec![String::new(); 3];
    for p in &roster.people {
        cells[0].clone_from(&p.name);
        cells[1] = p.team.to_string();
        cells[2] = p.role.name().to_string();
        t.write_row(&cells)?;
    }
    t.finish()
}

/// One complaint export file.
#[derive(Clone, Debug)]
pub(crate) struct OutFile {
    /// File name without extension.
    pub(crate) stem: String,
    /// Days whose receipts it holds.
    pub(crate) days: Range<usize>,
    /// Export instant, if earlier than the data end (stages after it are
    /// not yet known in this file).
    pub(crate) cut: Option<NaiveDateTime>,
    /// Starts with re-exports of the previous file.
    pub(crate) reexports: bool,
}

fn ym_label(cal: &Calendar, month: usize) -> String {
    let ym = cal.months[month].ym;
    format!("{}-{:02}", ym / 100, ym % 100)
}

fn plan_files(split: FileSplit, cal: &Calendar) -> Vec<OutFile> {
    let n = cal.days.len();
    let whole = |stem: String| OutFile {
        stem,
        days: 0..n,
        cut: None,
        reexports: false,
    };
    match split {
        FileSplit::Single => vec![whole("complaints".into())],
        FileSplit::PerMonth => cal
            .months
            .iter()
            .enumerate()
            .map(|(i, m)| OutFile {
                stem: format!("complaints_{}", ym_label(cal, i)),
                days: m.first_day..m.first_day + m.days,
                cut: None,
                reexports: false,
            })
            .collect(),
        FileSplit::Halves => {
            let first_year = cal.months[0].ym / 100;
            let last_year = cal.months[cal.months.len() - 1].ym / 100;
            let start_month = cal.months[0].ym % 100;
            let (split_month, stems) = if last_year > first_year {
                let m = cal
                    .months
                    .iter()
                    .position(|m| m.ym / 100 > first_year)
                    .unwrap_or(0);
                let a = if start_month >= 7 {
                    format!("complaints_{first_year}H2")
                } else {
                    format!("complaints_{first_year}")
                };
                let b = if last_year == first_year + 1 {
                    format!("complaints_{last_year}")
                } else {
                    format!("complaints_{}-{last_year}", first_year + 1)
                };
                (m, (a, b))
            } else if cal.months.len() >= 2 {
                let m = cal.months.len() / 2;
                let last = cal.months.len() - 1;
                let a = format!("complaints_{}_{}", ym_label(cal, 0), ym_label(cal, m - 1));
                let b = format!("complaints_{}_{}", ym_label(cal, m), ym_label(cal, last));
                (m, (a, b))
            } else {
                return vec![whole(format!("complaints_{}", ym_label(cal, 0)))];
            };
            let split_day = cal.months[split_month].first_day;
            let cut = cal.days[split_day].date.and_time(NaiveTime::MIN);
            vec![
                OutFile {
                    stem: stems.0,
                    days: 0..split_day,
                    cut: Some(cut),
                    reexports: false,
                },
                OutFile {
                    stem: stems.1,
                    days: split_day..n,
                    cut: None,
                    reexports: true,
                },
            ]
        }
    }
}

/// Where a dirty case landed (for the README).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Location {
    /// Complaint file index and 1-based line (the header is line 1).
    Row {
        file: usize,
        line: usize,
        id: String,
    },
    /// 1-based line of `events.csv`.
    Event { line: usize, id: String },
}

/// Re-export bookkeeping for the README.
#[derive(Clone, Debug, Default)]
pub(crate) struct Reexports {
    pub(crate) count: usize,
    pub(crate) examples: Vec<String>,
    /// Of those, complaints received before the last three weeks of the first
    /// file that were still open at its export.
    pub(crate) open_older: usize,
}

/// Result of a generation pass.
#[derive(Debug, Default)]
pub(crate) struct PassResult {
    pub(crate) file_rows: Vec<usize>,
    pub(crate) events: usize,
    pub(crate) dirty: BTreeMap<DirtyKind, Vec<Location>>,
    pub(crate) reexports: Reexports,
}

/// Complaints received in the last three weeks before the first file's
/// export instant are exported again in the second file.
const REEXPORT_WINDOW_DAYS: i64 = 21;

struct Pass<'a> {
    opts: &'a SampleOptions,
    cal: &'a Calendar,
    files: &'a [OutFile],
    roster: &'a Roster,
    gen_: Generator<'a>,
    dry: bool,
    injections: Vec<Injection>,
    next_injection: usize,
    /// In-place and event injections waiting for an eligible host.
    waiting: Vec<Injection>,
    extra_seq: Vec<u32>,
    unknown_seq: Vec<u32>,
    aux_counter: u64,
    /// Pending events: a min-heap of packed keys (time, complaint ordinal,
    /// sequence, slab slot) pointing into `slab`, so heap operations compare
    /// and move one `u128` instead of whole events.
    heap: queue::RadixHeap,
    slab: Vec<Option<Ev>>,
    free: Vec<u32>,
    events_out: Option<TableOut>,
    event_row: Row,
    result: PassResult,
    reexport_list: Vec<(u32, u32)>,
    row: Row,
    scratch: Row,
}

impl<'a> Pass<'a> {
    fn new(
        opts: &'a SampleOptions,
        cal: &'a Calendar,
        files: &'a [OutFile],
        roster: &'a Roster,
        dry: bool,
    ) -> Self {
        let injections = if opts.dirty {
            // Ordinal of the second file's first complaint (Halves only).
            let split = (files.len() == 2)
                .then(|| cal.days.get(files[1].days.start).map(|d| d.first))
                .flatten();
            dirty::plan(opts.seed, opts.rows as u64, split)
        } else {
            Vec::new()
        };
        Pass {
            opts,
            cal,
            files,
            roster,
            gen_: Generator::new(opts.seed, roster),
            dry,
            injections,
            next_injection: 0,
            waiting: Vec::new(),
            extra_seq: vec![0; cal.months.len()],
            unknown_seq: vec![0; cal.months.len()],
            aux_counter: 0,
            heap: queue::RadixHeap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            events_out: None,
            event_row: Row::with_width(7),
            result: PassResult::default(),
            reexport_list: Vec::new(),
            row: Row::with_width(24),
            scratch: Row::with_width(24),
        }
    }

    fn table_spec(&self, stem: &str, first: bool) -> TableSpec {
        let o = &self.opts.out;
        let f = self.opts.formats;
        TableSpec {
            utf8: f.utf8.then(|| (o.join(format!("{stem}.csv")), first)),
            gbk: f.gbk.then(|| o.join("gbk").join(format!("{stem}.csv"))),
            xlsx: f.xlsx.then(|| XlsxSpec {
                path: o.join("xlsx").join(format!("{stem}.xlsx")),
                sheet: "投诉台账",
                title: format!("投诉台账 {stem}（合成样例数据）"),
                col_types: (0..24)
                    .map(|c| {
                        if vocab::is_time_column(c) {
                            ColType::Time
                        } else if c == vocab::COL_SATISFACTION {
                            ColType::Number
                        } else {
                            ColType::Text
                        }
                    })
                    .collect(),
                widths: complaint_widths(),
                created: self.opts.start,
            }),
        }
    }

    fn run(mut self) -> io::Result<PassResult> {
        if self.opts.events && !self.dry {
            let o = &self.opts.out;
            let spec = TableSpec {
                utf8: Some((o.join("events.csv"), true)),
                gbk: None,
                xlsx: self.opts.formats.xlsx.then(|| XlsxSpec {
                    path: o.join("xlsx").join("events.xlsx"),
                    sheet: "操作日志",
                    title: "投诉操作日志（合成样例数据）".to_string(),
                    col_types: (0..7)
                        .map(|c| if c == 1 { ColType::Time } else { ColType::Text })
                        .collect(),
                    widths: vec![16.0, 20.0, 10.0, 10.0, 12.0, 12.0, 40.0],
                    created: self.opts.start,
                }),
            };
            self.events_out = Some(TableOut::open(spec, &EVENT_HEADER)?);
        }
        for fi in 0..self.files.len() {
            let file = self.files[fi].clone();
            let mut table = if self.dry {
                TableOut::null()
            } else {
                TableOut::open(self.table_spec(&file.stem, fi == 0), &COMPLAINT_HEADER)?
            };
            if file.reexports {
                self.write_reexports(&mut table)?;
            }
            let cut = file.cut.unwrap_or(self.cal.end);
            for day in file.days.clone() {
                let times = self.cal.times(self.opts.seed, day);
                for (idx, &t) in times.iter().enumerate() {
                    self.one(fi, &file, cut, day, idx, t, &mut table)?;
                }
            }
            self.result.file_rows.push(table.finish()?);
        }
        // Remaining events (complaints still open at the end).
        while let Some(key) = self.heap.pop() {
            let e = self.take_event(key);
            self.write_event(e)?;
        }
        if let Some(t) = self.events_out.take() {
            t.finish()?;
        }
        Ok(self.result)
    }

    fn complaint(&self, day: usize, idx: usize, t: NaiveDateTime) -> Complaint {
        let d = &self.cal.days[day];
        let ordinal = d.first + idx as u64;
        let mut rng = Rng::keyed(self.opts.seed, &[TAG_COMPLAINT, ordinal]);
        let ym = self.cal.months[d.month].ym;
        self.gen_
            .complaint(ordinal, ym, d.seq_base + idx as u32 + 1, t, &mut rng)
    }

    #[allow(clippy::too_many_arguments)]
    fn one(
        &mut self,
        fi: usize,
        file: &OutFile,
        cut: NaiveDateTime,
        day: usize,
        idx: usize,
        t: NaiveDateTime,
        table: &mut TableOut,
    ) -> io::Result<()> {
        let c = self.complaint(day, idx, t);
        let month = self.cal.days[day].month;
        // Injections whose host is this complaint join the waiting list.
        while self.next_injection < self.injections.len()
            && self.injections[self.next_injection].host <= c.ordinal
        {
            self.waiting.push(self.injections[self.next_injection]);
            self.next_injection += 1;
        }

        let reexported = file.cut.is_some_and(|cut| {
            c.receipt() >= cut - Duration::days(REEXPORT_WINDOW_DAYS) || c.last_stage() > cut
        });

        if self.opts.events {
            self.events_of(&c, month)?;
        }

        let mut row = std::mem::take(&mut self.row);
        render(&c, cut, self.roster, &mut row);
        let mut applied_in_place = Vec::new();
        // At most one finding per complaint, and none on a complaint that also
        // gets a duplicate row (the duplicate would repeat the finding), so
        // every case is counted once in the files.
        let has_extra = self
            .waiting
            .iter()
            .any(|w| w.kind.placement() == Placement::Extra);
        if !reexported && !has_extra {
            let pos = self.waiting.iter().position(|&inj| {
                inj.kind.placement() == Placement::InPlace && self.in_place(inj, &c, &mut row)
            });
            if let Some(i) = pos {
                applied_in_place.push(self.waiting.remove(i).kind);
            }
        }
        table.write_row(&row.cells)?;
        let line = table.rows + 1;
        for kind in applied_in_place {
            self.note(
                kind,
                Location::Row {
                    file: fi,
                    line,
                    id: c.id(),
                },
            );
        }
        if reexported {
            self.reexport_list.push((day as u32, idx as u32));
            if c.receipt() < cut - Duration::days(REEXPORT_WINDOW_DAYS) {
                self.result.reexports.open_older += 1;
            }
        }

        // Extra rows right after the host.
        let mut i = 0;
        while i < self.waiting.len() {
            let inj = self.waiting[i];
            if inj.kind.placement() == Placement::Extra {
                self.waiting.remove(i);
                let extra = self.extra_row(inj, &c, &row, cut, month);
                table.write_row(&extra.cells)?;
                let id = extra.cells[0].clone();
                self.note(
                    inj.kind,
                    Location::Row {
                        file: fi,
                        line: table.rows + 1,
                        id,
                    },
                );
            } else {
                i += 1;
            }
        }
        self.row = row;
        Ok(())
    }

    fn note(&mut self, kind: DirtyKind, loc: Location) {
        self.result.dirty.entry(kind).or_default().push(loc);
    }

    /// Alters the host's row for a data-quality finding, if the row has the
    /// stages the finding needs. Events keep the true instants.
    fn in_place(&self, inj: Injection, c: &Complaint, row: &mut Row) -> bool {
        let cells = &mut row.cells;
        let mut rng = Rng::keyed(self.opts.seed, &[TAG_INJECT, c.ordinal, inj.kind as u64]);
        let has = |cells: &Vec<String>, col: usize| !cells[col].is_empty();
        match inj.kind {
            DirtyKind::DoneBeforeReceipt => {
                if !has(cells, 5) {
                    return false;
                }
                let t = c.receipt() - Duration::hours(rng.range(26, 72));
                cells[5] = fmt_time(t, c.style);
                true
            }
            DirtyKind::StageGap => {
                let done_gap = has(cells, 5) && has(cells, 7);
                let dispatch_gap = has(cells, 3) && has(cells, 4);
                if done_gap && (inj.variant.is_multiple_of(2) || !dispatch_gap) {
                    cells[5].clear();
                    true
                } else if dispatch_gap {
                    cells[3].clear();
                    true
                } else {
                    false
                }
            }
            DirtyKind::FutureStage => {
                if !has(cells, 8) {
                    return false;
                }
                let t = self.cal.end
                    + Duration::days(rng.range(5, 40))
                    + Duration::minutes(rng.range(540, 1080));
                cells[8] = fmt_time(t, Style::Std);
                true
            }
            _ => false,
        }
    }

    /// Builds a dirty extra row for `inj` next to host `c`.
    fn extra_row(
        &mut self,
        inj: Injection,
        c: &Complaint,
        host_row: &Row,
        cut: NaiveDateTime,
        month: usize,
    ) -> Row {
        let mut rng = Rng::keyed(self.opts.seed, &[TAG_INJECT, c.ordinal, inj.kind as u64, 1]);
        match inj.kind {
            DirtyKind::ExactDuplicate => return host_row.clone(),
            DirtyKind::ConflictingDuplicate => {
                // An earlier snapshot of the same complaint keyed in again with
                // the wrong project: less advanced, so the host row wins.
                let snap = c.stages[DISPATCH]
                    .or(c.stages[1])
                    .unwrap_or(c.receipt())
                    .min(cut);
                let mut row = Row::default();
                render(c, snap, self.roster, &mut row);
                let other = (c.project + 1 + rng.index(PROJECTS.len() - 1)) % PROJECTS.len();
                let p = &PROJECTS[other];
                row.set(9, p.name);
                let b = rng.range(1, p.buildings as i64);
                row.set(
                    10,
                    &format!("{}{}{}", p.building_prefix, b, p.building_suffix),
                );
                return row;
            }
            DirtyKind::EmptyRow => return Row::with_width(24),
            _ => {}
        }
        // A fresh complaint, numbered after the month's regular ones.
        self.aux_counter += 1;
        let mut arng = Rng::keyed(self.opts.seed, &[TAG_AUX, self.aux_counter]);
        self.extra_seq[month] += 1;
        let seq = self.cal.months[month].total + self.extra_seq[month];
        let t = nudge(c.receipt(), &mut arng, self.cal);
        let aux = self
            .gen_
            .complaint(u64::MAX / 2 + self.aux_counter, c.ym, seq, t, &mut arng);
        let mut row = std::mem::take(&mut self.scratch);
        render(&aux, cut, self.roster, &mut row);
        let year = t.year();
        match inj.kind {
            DirtyKind::MissingId => row.cells[0].clear(),
            DirtyKind::MissingReceipt => row.cells[1].clear(),
            DirtyKind::UnparseableTime => {
                if inj.variant.is_multiple_of(2) {
                    row.set(1, "昨天下午");
                } else {
                    row.set(2, &format!("{year}-13-45 25:61"));
                }
            }
            DirtyKind::ExcelError => {
                if inj.variant.is_multiple_of(2) {
                    row.set(1, "#N/A");
                } else {
                    row.set(9, "#N/A");
                }
            }
            DirtyKind::Ragged => row.cells.push("（补录）业主来电催办".to_string()),
            DirtyKind::ImplausibleTime => match inj.variant % 3 {
                0 => row.set(1, "1900-01-01 00:00:00"),
                1 => {
                    let mut s = fmt_time(aux.receipt(), Style::Std);
                    s.replace_range(0..4, "2099");
                    row.set(1, &s);
                }
                _ => row.set(8, "2099-12-31 00:00:00"),
            },
            DirtyKind::BadSatisfaction => {
                row.set(
                    20,
                    if inj.variant.is_multiple_of(2) {
                        "很好啊"
                    } else {
                        "150"
                    },
                );
            }
            _ => {}
        }
        let out = row.clone();
        self.scratch = row;
        out
    }

    /// Builds `c`'s events, applies event injections, and streams every event
    /// earlier than `c`'s receipt (nothing later can precede them).
    fn events_of(&mut self, c: &Complaint, month: usize) -> io::Result<()> {
        let mut evs = events::build(c, self.roster, self.opts.seed);
        let mut i = 0;
        while i < self.waiting.len() {
            let inj = self.waiting[i];
            if inj.kind.placement() != Placement::Event {
                i += 1;
                continue;
            }
            let mut rng = Rng::keyed(self.opts.seed, &[TAG_INJECT, c.ordinal, inj.kind as u64, 2]);
            let ok = match inj.kind {
                DirtyKind::EventUnknownId => {
                    self.unknown_seq[month] += 1;
                    let seq = self.cal.months[month].total + 5000 + self.unknown_seq[month];
                    let mut e = evs[0].clone();
                    e.id_seq = seq;
                    e.ty = EvType::Followup;
                    e.seq = 200;
                    e.time += Duration::minutes(rng.range(3, 90));
                    e.actor = self.roster.rep(&mut rng);
                    e.remark = "回访记录".into();
                    e.dirty = Some(inj.kind);
                    evs.push(e);
                    true
                }
                DirtyKind::EventImpossibleTime => {
                    match evs.iter_mut().rev().find(|e| e.ty != EvType::Register) {
                        Some(e) => {
                            e.time_text = Some(format!("{}-02-30 10:00:00", e.time.year()));
                            e.dirty = Some(inj.kind);
                            true
                        }
                        None => false,
                    }
                }
                DirtyKind::EventBeforeReceipt => {
                    let receipt = c.receipt();
                    match evs
                        .iter_mut()
                        .find(|e| matches!(e.ty, EvType::Dispatch | EvType::Accept))
                    {
                        Some(e) => {
                            let early = receipt - Duration::days(rng.range(2, 5));
                            e.time_text = Some(fmt_time(early, Style::Std));
                            e.dirty = Some(inj.kind);
                            true
                        }
                        None => false,
                    }
                }
                _ => false,
            };
            if ok {
                // One dirty event per complaint, so no event is altered twice.
                self.waiting.remove(i);
                break;
            }
            i += 1;
        }
        // Events after the data end have not happened yet.
        let end = self.cal.end;
        evs.retain(|e| e.time <= end);
        if self.dry {
            self.result.events += evs.len();
            return Ok(());
        }
        let receipt = c.receipt();
        let bound = (time_key(receipt) as u128) << 88;
        while let Some(key) = self.heap.pop_below(bound) {
            let e = self.take_event(key);
            self.write_event(e)?;
        }
        for e in evs {
            let key = ((time_key(e.time) as u128) << 88)
                | (((e.ordinal & 0xFFFF_FFFF_FFFF) as u128) << 40)
                | ((e.seq as u128) << 32);
            let slot = match self.free.pop() {
                Some(i) => {
                    self.slab[i as usize] = Some(e);
                    i
                }
                None => {
                    self.slab.push(Some(e));
                    (self.slab.len() - 1) as u32
                }
            };
            self.heap.push(key | slot as u128);
        }
        Ok(())
    }

    fn take_event(&mut self, key: u128) -> Ev {
        let slot = key as u32;
        self.free.push(slot);
        self.slab[slot as usize].take().expect("queued event")
    }

    fn write_event(&mut self, e: Ev) -> io::Result<()> {
        let row = &mut self.event_row;
        row.reset(7);
        complaint::push_id(&mut row.cells[0], e.ym, e.id_seq);
        match &e.time_text {
            Some(t) => row.cells[1].push_str(t),
            None => timefmt::push_time(&mut row.cells[1], e.time, Style::Std),
        }
        row.cells[2].push_str(e.ty.name());
        row.cells[3].push_str(self.roster.name(e.actor));
        row.cells[4].push_str(self.roster.role(e.actor).name());
        row.cells[5].push_str(e.to);
        row.cells[6].push_str(&e.remark);
        if let Some(out) = &mut self.events_out {
            out.write_row(&row.cells)?;
        }
        self.result.events += 1;
        if let Some(kind) = e.dirty {
            let line = self.result.events + 1;
            self.note(kind, Location::Event { line, id: e.id() });
        }
        Ok(())
    }

    /// Writes the second file's re-exports: the first file's complaints that
    /// were still open at its export or arrived in its last three weeks, now
    /// as known at the data end.
    fn write_reexports(&mut self, table: &mut TableOut) -> io::Result<()> {
        let list = std::mem::take(&mut self.reexport_list);
        let mut cached: Option<(u32, Vec<NaiveDateTime>)> = None;
        let mut row = Row::with_width(24);
        for &(day, idx) in &list {
            if cached.as_ref().is_none_or(|(d, _)| *d != day) {
                cached = Some((day, self.cal.times(self.opts.seed, day as usize)));
            }
            let t = cached
                .as_ref()
                .map(|(_, v)| v[idx as usize])
                .unwrap_or_default();
            let c = self.complaint(day as usize, idx as usize, t);
            render(&c, self.cal.end, self.roster, &mut row);
            table.write_row(&row.cells)?;
            let r = &mut self.result.reexports;
            r.count += 1;
            if r.examples.len() < 5 {
                r.examples.push(format_id(c.ym, c.seq));
            }
        }
        self.result.dirty.entry(DirtyKind::Reexport).or_default();
        Ok(())
    }
}

/// Seconds since 1900-01-01 (fits 40 bits until the year 36,000).
fn time_key(t: NaiveDateTime) -> u64 {
    let base = NaiveDate::from_ymd_opt(1900, 1, 1)
        .unwrap_or_default()
        .and_time(NaiveTime::MIN);
    (t - base).num_seconds().clamp(0, (1 << 40) - 1) as u64
}

fn complaint_widths() -> Vec<f64> {
    let mut w = vec![12.0; 24];
    w[0] = 16.0;
    for x in &mut w[1..=8] {
        *x = 20.0;
    }
    w[17] = 60.0;
    w[22] = 20.0;
    w[23] = 24.0;
    w
}
