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
mod pass;
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
use pass::Pass;

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

/// Which kind of organisation the sample imitates. The complaints are the same property-service
/// complaints in every flavour; a flavour adds the events and intake channel its procedure needs
/// (`Property` writes exactly what it always wrote).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flavour {
    /// The property-management company of the bundled sample.
    #[default]
    Property,
    /// 001-HT, a hotel: a guest demanding the manager (要求见经理) is escalated to the duty
    /// manager, and every incident is logged in the Log Book (记事本).
    Hotel,
    /// 001-HS, hospital nursing: complaints made in person on the ward come in through a nurse
    /// (channel 病区护士), who reports them to the head nurse (上报 → 护士长); major complaints
    /// are referred to the nursing department (转交 → 护理部).
    Hospital,
}

impl Flavour {
    /// The name `complaints sample --flavour` takes.
    pub fn name(self) -> &'static str {
        match self {
            Flavour::Property => "property",
            Flavour::Hotel => "hotel",
            Flavour::Hospital => "hospital",
        }
    }

    /// The intake channel as this kind of organisation names it: complaints made in person
    /// reach a hotel's front desk and a hospital's ward nurses.
    pub(crate) fn channel(self, channel: &'static str) -> &'static str {
        match (self, channel) {
            (Flavour::Hotel, "前台来访") => "前台",
            (Flavour::Hospital, "前台来访") => "病区护士",
            _ => channel,
        }
    }
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
    /// The kind of organisation (the events and channel its procedure needs).
    pub flavour: Flavour,
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
            flavour: Flavour::Property,
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
