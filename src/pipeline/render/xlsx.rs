//! `report.xlsx`: the report's tables for quality departments that work in Excel, with real
//! number, percentage and date cells, formatted headers and frozen header rows.
//!
//! Deterministic: the document's creation date is `--as-of`, and rust_xlsxwriter stamps zip
//! entries with a fixed date, so the same inputs give the same bytes. Text cells are stored as
//! text (Excel never evaluates them), so they need no formula neutralisation. The record-level
//! sheet holds the report period's complaints (every complaint of the run is in
//! `complaints.csv`), at most [`MAX_RECORD_ROWS`] of them (Excel's limit is 1,048,576 rows);
//! beyond that it is left out and the first sheet says the records are in `complaints.csv`
//! (and the Parquet export).

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};

mod records;

use super::RenderInput;
use crate::error::{Error, Result};
use crate::pipeline::aggregate::{GroupRow, SlaCounts};
use crate::time::Ts;

/// Complaints written to the record sheet at most.
pub const MAX_RECORD_ROWS: usize = 1_000_000;

/// A typed cell.
enum Cell {
    Text(String),
    Int(i64),
    Num(Option<f64>),
    Pct(Option<f64>),
    Time(Option<Ts>),
}

struct Formats {
    header: Format,
    pct: Format,
    int: Format,
    num: Format,
    time: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color("#E8EEF9")
                .set_align(FormatAlign::Center),
            pct: Format::new().set_num_format("0.0%"),
            int: Format::new().set_num_format("#,##0"),
            num: Format::new().set_num_format("0.0"),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        }
    }
}

/// Writes a sheet: a header row, then rows of typed cells; freezes the header.
struct Sheets<'a> {
    wb: Workbook,
    f: Formats,
    zone: &'a crate::time::Zone,
}

fn xe(e: XlsxError) -> Error {
    Error::Other(format!("report.xlsx: {e}"))
}

/// A valid sheet name: without `[]:*?/\`, at most 31 characters.
fn sheet_name(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .collect();
    clean.trim().chars().take(31).collect()
}

impl Sheets<'_> {
    fn sheet(&mut self, name: &str, header: &[String], rows: Vec<Vec<Cell>>) -> Result<()> {
        let ws: &mut Worksheet = self.wb.add_worksheet();
        ws.set_name(sheet_name(name)).map_err(xe)?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &self.f.header)
                .map_err(xe)?;
        }
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => {
                        ws.write_string(r, c, excel_text(s).as_ref()).map_err(xe)?;
                    }
                    Cell::Int(i) => {
                        ws.write_number_with_format(r, c, *i as f64, &self.f.int)
                            .map_err(xe)?;
                    }
                    Cell::Num(Some(x)) => {
                        ws.write_number_with_format(r, c, *x, &self.f.num)
                            .map_err(xe)?;
                    }
                    Cell::Pct(Some(x)) => {
                        ws.write_number_with_format(r, c, *x, &self.f.pct)
                            .map_err(xe)?;
                    }
                    Cell::Time(Some(t)) => {
                        let x = excel_time(self.zone, *t)?;
                        ws.write_datetime_with_format(r, c, &x, &self.f.time)
                            .map_err(xe)?;
                    }
                    Cell::Num(None) | Cell::Pct(None) | Cell::Time(None) => {}
                }
            }
        }
        ws.set_freeze_panes(1, 0).map_err(xe)?;
        ws.autofit();
        Ok(())
    }
}

/// Writes `report.xlsx` for the main page.
pub fn write(path: &std::path::Path, input: &RenderInput<'_>) -> Result<()> {
    unpanic(path, || write_workbook(path, input))
}

/// Runs `f`, turning a panic into an error on `path`. rust_xlsxwriter panics when it cannot
/// write a worksheet's temporary file (`Couldn't write to xml file`): a full disk during a
/// 10 M run ended the process with exit code 101 and no message (stderr was on that disk
/// too). The output set is discarded either way; this way the user is told why.
fn unpanic(path: &std::path::Path, f: impl FnOnce() -> Result<()>) -> Result<()> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("the workbook writer stopped");
        let kind = if what.contains("StorageFull") || what.contains("No space left") {
            std::io::ErrorKind::StorageFull
        } else {
            std::io::ErrorKind::Other
        };
        Err(Error::Io {
            path: path.to_owned(),
            source: std::io::Error::new(kind, what.to_owned()),
        })
    })
}

fn write_workbook(path: &std::path::Path, input: &RenderInput<'_>) -> Result<()> {
    let ctx = input.pages.main();
    let cfg = input.cfg;
    let m = |k: &str| input.templates.message(ctx.lang, k);
    let mut wb = Workbook::new();
    let created = {
        use chrono::Datelike;
        let d = cfg.zone.local_date(cfg.as_of);
        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(xe)?
    };
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("{} {}", m("title"), ctx.period.key))
            .set_creation_datetime(&created),
    );
    let f = Formats::new();
    let mut s = Sheets {
        wb,
        f,
        zone: &cfg.zone,
    };
    let h = |keys: &[&str]| -> Vec<String> { keys.iter().map(|k| m(k)).collect() };
    let text = |x: &str| Cell::Text(x.to_owned());
    // The record sheet holds the report period's complaints: the workbook is the period's
    // report; every complaint of the run is in complaints.csv.
    let members: Vec<usize> = {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let (first, last) = (day(&ctx.period.start), day(&ctx.period.last));
        let zone = &cfg.zone;
        input
            .assessed
            .complaints
            .classified
            .complaints
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let d = zone.local_date(c.received_at());
                first.is_some_and(|f| d >= f) && last.is_some_and(|l| d <= l)
            })
            .map(|(i, _)| i)
            .collect()
    };
    let records = members.len();

    // About.
    let mut about = vec![
        vec![text(&m("period")), text(&ctx.period.key)],
        vec![
            text(&m("as_of")),
            text(&format!("{} ({})", ctx.as_of, ctx.timezone)),
        ],
        vec![text(&m("rules")), text(&ctx.rules_name)],
        vec![text(&m("rows_read")), Cell::Int(ctx.counts.read as i64)],
        vec![
            text(&m("rows_accepted")),
            Cell::Int(ctx.counts.accepted as i64),
        ],
        vec![
            text(&m("rows_rejected")),
            Cell::Int(ctx.counts.rejected as i64),
        ],
        vec![
            text(&m("complaints")),
            Cell::Int(ctx.counts.complaints as i64),
        ],
    ];
    about.push(vec![
        text(&m("xlsx_records")),
        text(&match (records > MAX_RECORD_ROWS, ctx.record_tables) {
            (true, true) => m("xlsx_records_left_out"),
            (true, false) => m("xlsx_records_left_out_no_tables"),
            (false, true) => m("xlsx_records_period").replace("{n}", &records.to_string()),
            (false, false) => {
                m("xlsx_records_period_no_tables").replace("{n}", &records.to_string())
            }
        }),
    ]);
    if ctx.unmasked {
        about.push(vec![text("内部资料"), text(&m("unmasked_note"))]);
    }
    s.sheet(&m("sheet.about"), &h(&["xlsx.item", "xlsx.value"]), about)?;

    // KPIs: the numbers behind the report's cards.
    let kpis = ctx
        .kpis
        .iter()
        .map(|k| {
            let v = |x: Option<f64>| {
                if k.unit == "rate" {
                    Cell::Pct(x)
                } else {
                    Cell::Num(x)
                }
            };
            vec![
                text(&k.name),
                v(k.value),
                v(k.target),
                text(match k.meets_target {
                    Some(true) => "✓",
                    Some(false) => "✗",
                    None => "",
                }),
                text(&k.previous.period),
                v(k.previous.value),
                text(&k.previous.change_text),
                text(&k.year_before.period),
                v(k.year_before.value),
                text(&k.year_before.change_text),
                text(&k.detail),
            ]
        })
        .collect();
    s.sheet(
        &m("sheet.kpis"),
        &h(&[
            "xlsx.indicator",
            "xlsx.this_period",
            "target_value",
            "xlsx.met",
            "vs_previous",
            "xlsx.value",
            "xlsx.change",
            "vs_year_before",
            "xlsx.value",
            "xlsx.change",
            "xlsx.detail",
        ]),
        kpis,
    )?;

    // Trend.
    let trend = ctx
        .trend
        .iter()
        .map(|p| {
            vec![
                text(&p.key),
                Cell::Int(p.received as i64),
                Cell::Pct(p.ack_rate),
                Cell::Pct(p.satisfaction_rate),
                Cell::Pct(p.sla_rate),
                Cell::Num(p.resolve_p50),
            ]
        })
        .collect();
    s.sheet(
        &m("sheet.trend"),
        &h(&[
            "period_col",
            "complaints",
            "kpi.ack_rate",
            "kpi.satisfaction_rate",
            "kpi.sla_rate",
            "kpi.resolve_p50",
        ]),
        trend,
    )?;

    // Grouped tables.
    let group = |rows: &[GroupRow]| -> Vec<Vec<Cell>> {
        rows.iter()
            .map(|r| {
                let mut v = vec![
                    text(&r.label),
                    Cell::Int(r.complaints as i64),
                    Cell::Pct(Some(r.share)),
                    Cell::Pct(Some(r.cumulative)),
                ];
                v.extend(sla_cells(&r.sla));
                v
            })
            .collect()
    };
    let gh = |first: &str| {
        h(&[
            first,
            "complaints",
            "share",
            "cumulative",
            "met",
            "breached",
            "overdue",
            "open",
            "met_rate",
        ])
    };
    s.sheet(&m("sheet.level"), &gh("level"), group(&ctx.by_level))?;
    s.sheet(
        &m("sheet.category"),
        &gh("category"),
        group(&ctx.by_category),
    )?;
    s.sheet(&m("sheet.project"), &gh("project"), group(&ctx.by_project))?;
    s.sheet(&m("sheet.team"), &gh("team"), group(&ctx.by_team))?;
    s.sheet(
        &m("sheet.hotspots"),
        &h(&[
            "project",
            "category",
            "complaints",
            "share_in_project",
            "company_share",
            "ratio",
        ]),
        ctx.hotspots
            .iter()
            .map(|x| {
                vec![
                    text(&x.project),
                    text(&x.category),
                    Cell::Int(x.complaints as i64),
                    Cell::Pct(Some(x.share)),
                    Cell::Pct(Some(x.company_share)),
                    Cell::Num(Some(x.ratio)),
                ]
            })
            .collect(),
    )?;
    s.sheet(
        &m("sheet.board"),
        &h(&[
            "team",
            "complaints",
            "met_rate",
            "breached",
            "overdue",
            "resolution_overdue",
            "flag",
        ]),
        ctx.board
            .all
            .iter()
            .map(|t| {
                vec![
                    text(&t.team),
                    Cell::Int(t.complaints as i64),
                    Cell::Pct(t.sla.met_rate),
                    Cell::Int(t.sla.breached as i64),
                    Cell::Int(t.sla.overdue as i64),
                    Cell::Int(t.resolution_overdue as i64),
                    text(if t.flagged { "✗" } else { "" }),
                ]
            })
            .collect(),
    )?;
    s.sheet(
        &m("sheet.targets"),
        &h(&[
            "target",
            "limit",
            "verdicts",
            "met",
            "breached",
            "overdue",
            "open",
            "met_rate",
            "not_applicable",
            "not_evaluable",
        ]),
        ctx.targets
            .iter()
            .map(|t| {
                let mut v = vec![
                    text(&t.label),
                    text(&t.limit),
                    Cell::Int(t.sla.total as i64),
                ];
                v.extend(sla_cells(&t.sla));
                v.push(Cell::Int(t.sla.not_applicable as i64));
                v.push(Cell::Int(t.sla.not_evaluable as i64));
                v
            })
            .collect(),
    )?;

    // Lists (as many rows as the report shows; sla.csv has them all).
    let zone = &cfg.zone;
    let ts = |s: &str| -> Option<Ts> { crate::time::parse_timestamp(s, zone).ok() };
    let verdicts = |rows: &[crate::pipeline::aggregate::VerdictRow]| -> Vec<Vec<Cell>> {
        rows.iter()
            .map(|r| {
                vec![
                    text(&r.id),
                    Cell::Time(ts(&r.received)),
                    text(&r.project),
                    text(&r.level),
                    text(&r.team),
                    text(&r.target),
                    Cell::Time(ts(&r.due)),
                    Cell::Time(ts(&r.stopped)),
                    text(&r.over),
                    text(&r.text),
                ]
            })
            .collect()
    };
    let vh = h(&[
        "complaint_id",
        "received",
        "project",
        "level",
        "team",
        "target",
        "due",
        "stopped",
        "late_by",
        "text",
    ]);
    s.sheet(&m("sheet.breached"), &vh, verdicts(&ctx.breached.rows))?;
    s.sheet(&m("sheet.overdue"), &vh, verdicts(&ctx.overdue.rows))?;
    s.sheet(
        &m("sheet.look_back"),
        &h(&[
            "complaint_id",
            "received",
            "project",
            "team",
            "score",
            "second_handling",
            "look_back",
            "text",
        ]),
        ctx.look_back
            .rows
            .iter()
            .map(|r| {
                vec![
                    text(&r.id),
                    Cell::Time(ts(&r.received)),
                    text(&r.project),
                    text(&r.team),
                    text(&r.score),
                    text(&r.second_handling),
                    text(&r.look_back),
                    text(&r.text),
                ]
            })
            .collect(),
    )?;
    s.sheet(
        &m("sheet.audit"),
        &h(&[
            "duty",
            "audit.compliant",
            "audit.late",
            "audit.missing",
            "audit.pending",
            "audit.not_auditable",
            "compliance_rate",
        ]),
        ctx.audit
            .by_duty
            .iter()
            .map(|d| {
                vec![
                    text(&d.label),
                    Cell::Int(d.compliant as i64),
                    Cell::Int(d.late as i64),
                    Cell::Int(d.missing as i64),
                    Cell::Int(d.pending as i64),
                    Cell::Int(d.not_auditable as i64),
                    Cell::Pct(d.rate),
                ]
            })
            .collect(),
    )?;
    s.sheet(
        &m("sheet.rejects"),
        &h(&["where", "stage", "field", "reason", "message"]),
        ctx.rejects
            .rows
            .iter()
            .map(|r| {
                vec![
                    text(&r.at),
                    text(&r.stage),
                    text(&r.field),
                    text(&r.reason),
                    text(&r.message),
                ]
            })
            .collect(),
    )?;
    let begun = if records <= MAX_RECORD_ROWS {
        records::begin(path, &mut s, input, ctx, members.len())?
    } else {
        None
    };
    // Deflate level 1: the record sheet of a 1 M-complaint run is most of the workbook, and
    // level 6 spends a second more on the render's critical path for a 40 % smaller file.
    // (The record rows, written in `records`, use the same level.)
    s.wb.set_zip_compression_level(1);
    let mut file = crate::output::AtomicFile::create(path)?;
    match begun {
        // The workbook without the record rows is small; they go straight to the file.
        Some(begun) => {
            let saved = s.wb.save_to_buffer().map_err(xe)?;
            begun.save(saved, &members, input, &mut file, path)?;
        }
        None => s.wb.save_to_writer(&mut file).map_err(xe)?,
    }
    file.commit()
}

fn sla_cells(c: &SlaCounts) -> Vec<Cell> {
    vec![
        Cell::Int(c.met as i64),
        Cell::Int(c.breached as i64),
        Cell::Int(c.overdue as i64),
        Cell::Int(c.open as i64),
        Cell::Pct(c.met_rate),
    ]
}

/// Excel's longest cell text, in UTF-16 units (as Excel and rust_xlsxwriter count it: a
/// character beyond the Basic Multilingual Plane, such as an emoji, takes two).
const EXCEL_MAX_UTF16: usize = 32_767;

/// Text for a workbook cell: longer than Excel holds, it is cut with a note, since a writer
/// error there would fail the run over one long complaint text (the CSV has it whole). The cut
/// counts UTF-16 units as Excel does: counted in characters, a text of 20,000 emoji passed
/// here and was then refused by the writer, failing the run.
fn excel_text(s: &str) -> std::borrow::Cow<'_, str> {
    const NOTE: &str = "…[truncated: the whole text is in complaints.csv]";
    // UTF-16 units never outnumber UTF-8 bytes: most texts need no count.
    if s.len() <= EXCEL_MAX_UTF16 || s.encode_utf16().count() <= EXCEL_MAX_UTF16 {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut room = EXCEL_MAX_UTF16 - NOTE.encode_utf16().count();
    let mut t: String = s
        .chars()
        .take_while(|c| {
            let units = c.len_utf16();
            let fits = units <= room;
            room = room.saturating_sub(units);
            fits
        })
        .collect();
    t.push_str(NOTE);
    std::borrow::Cow::Owned(t)
}

fn excel_time(zone: &crate::time::Zone, t: Ts) -> Result<ExcelDateTime> {
    use chrono::{Datelike, Timelike};
    let d = zone.to_local(t);
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
        .and_then(|x| x.and_hms(d.hour() as u16, d.minute() as u8, d.second() as f64))
        .map_err(xe)
}

#[cfg(test)]
mod tests {
    /// Texts are cut to Excel's length in UTF-16 units, with the note, and kept whole when
    /// they fit: also a text of astral characters (two units each) shorter than the limit in
    /// characters, which the writer would refuse uncut.
    #[test]
    fn long_texts_are_cut_to_excels_length_in_utf16_units() {
        use super::{EXCEL_MAX_UTF16, excel_text};
        let units = |s: &str| s.encode_utf16().count();
        let fits = "投".repeat(EXCEL_MAX_UTF16);
        assert!(matches!(excel_text(&fits), std::borrow::Cow::Borrowed(_)));
        for long in [
            "投".repeat(EXCEL_MAX_UTF16 + 1),
            "😀".repeat(20_000),
            format!("a{}", "😀".repeat(EXCEL_MAX_UTF16 / 2 + 1)),
        ] {
            let cut = excel_text(&long);
            assert!(units(&cut) <= EXCEL_MAX_UTF16, "{} units", units(&cut));
            assert!(units(&cut) >= EXCEL_MAX_UTF16 - 1, "{} units", units(&cut));
            assert!(cut.ends_with("complaints.csv]"));
            let kept = cut.split('…').next().unwrap();
            assert!(long.starts_with(kept));
        }
        let half = "😀".repeat(EXCEL_MAX_UTF16 / 2);
        assert_eq!(excel_text(&half), half.as_str());
    }

    /// The workbook writer's panic on a failed write becomes an error naming the file and the
    /// cause, as a full disk gives it.
    #[test]
    fn a_panicking_workbook_write_is_an_error_on_the_file() {
        let path = std::path::Path::new("out/report.xlsx");
        let e = super::unpanic(path, || {
            panic!(
                "Couldn't write to xml file: Os {{ code: 28, kind: StorageFull, message: \"No space left on device\" }}"
            )
        })
        .unwrap_err();
        match e {
            crate::error::Error::Io { path: p, source } => {
                assert_eq!(p, path);
                assert_eq!(source.kind(), std::io::ErrorKind::StorageFull);
                assert!(source.to_string().contains("No space left"), "{source}");
            }
            other => panic!("{other:?}"),
        }
        assert!(super::unpanic(path, || Ok(())).is_ok());
    }
}
