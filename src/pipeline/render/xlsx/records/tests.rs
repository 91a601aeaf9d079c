use super::*;

/// Rows of every kind of cell: texts that need XML's escapes, control characters, a literal
/// `_xHHHH_`, leading and trailing spaces, CJK; dates; numbers (whole, fractional, negative,
/// NaN and infinities); empty cells between and at the ends; a row with no cells at all.
fn rows() -> Vec<Vec<RecordCell>> {
    let t = |s: &str| RecordCell::Text(s.to_owned());
    let time = |serial: f64| RecordCell::Time(ExcelDateTime::from_serial_datetime(serial).unwrap());
    vec![
        vec![
            t("TS-1"),
            time(46296.00431712963),
            RecordCell::Num(95.0),
            t("电梯困人 & <门> \"开\""),
        ],
        vec![
            t("TS-2"),
            RecordCell::Empty,
            RecordCell::Num(3.5),
            t(" 前后有空格 "),
        ],
        vec![
            RecordCell::Empty,
            time(1.0),
            RecordCell::Num(-0.1),
            t("tab\tand\nline\rreturn"),
        ],
        vec![
            t("ctl \u{1}\u{8}\u{b}\u{1f} x"),
            RecordCell::Num(0.1 + 0.2),
            RecordCell::Empty,
            t("_x0041_ and _x00g1_ and _x12"),
        ],
        vec![
            RecordCell::Empty,
            RecordCell::Empty,
            RecordCell::Empty,
            RecordCell::Empty,
        ],
        vec![
            t("nan"),
            RecordCell::Num(f64::NAN),
            RecordCell::Num(f64::INFINITY),
            RecordCell::Num(f64::NEG_INFINITY),
        ],
        vec![
            t("\u{FFFE}\u{FFFF}_x005F_"),
            time(45000.5),
            RecordCell::Num(1e21),
            t("end\n"),
        ],
    ]
}

fn sheets(zone: &crate::time::Zone) -> Sheets<'_> {
    Sheets {
        wb: rust_xlsxwriter::Workbook::new(),
        f: super::super::Formats::new(),
        zone,
    }
}

/// The sheet's XML in a saved workbook.
fn sheet_xml(saved: Vec<u8>, sheet: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(saved)).unwrap();
    let mut xml = String::new();
    archive
        .by_name(sheet)
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The rows written into the saved sheet are the bytes rust_xlsxwriter writes for the same
/// cells, cell by cell, in constant-memory mode, down to the dimension and the style numbers.
#[test]
fn record_rows_are_written_as_rust_xlsxwriter_writes_them() {
    let zone = crate::time::Zone::new(chrono_tz::Asia::Shanghai);
    let header: Vec<String> = ["complaint_id", "received_at", "satisfaction", "text"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    let rows = rows();

    // rust_xlsxwriter, a cell at a time, after another sheet that registers formats of its own.
    let mut a = sheets(&zone);
    a.wb.add_worksheet()
        .write_number_with_format(0, 0, 1.0, &a.f.pct)
        .unwrap();
    add_sheet(&path, &mut a, "投诉明细", &header, 0).unwrap();
    let ws = a.wb.worksheet_from_index(1).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                RecordCell::Empty => {}
                RecordCell::Text(t) => {
                    ws.write_string(r, c, t).unwrap();
                }
                RecordCell::Time(t) => {
                    ws.write_datetime_with_format(r, c, t, &a.f.time).unwrap();
                }
                RecordCell::Num(n) => {
                    ws.write_number_with_format(r, c, *n, &a.f.num).unwrap();
                }
            }
        }
    }
    let want = sheet_xml(a.wb.save_to_buffer().unwrap(), "xl/worksheets/sheet2.xml");

    // The probe, then the rows written here.
    let mut b = sheets(&zone);
    b.wb.add_worksheet()
        .write_number_with_format(0, 0, 1.0, &b.f.pct)
        .unwrap();
    let begun = add_sheet(&path, &mut b, "投诉明细", &header, rows.len())
        .unwrap()
        .unwrap();
    let workbook = b.wb.save_to_buffer().unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(workbook.clone())).unwrap();
    let (name, found) = find_sheet(&mut archive).expect("the probe row is found");
    assert_eq!(name, "xl/worksheets/sheet2.xml");
    let saved = sheet_xml(workbook, "xl/worksheets/sheet2.xml");
    assert_eq!(found, saved);
    let layout = Layout::read(&saved, begun.width, rows.len()).unwrap();
    let mut got = layout.head.clone().into_bytes();
    for (r, row) in rows.iter().enumerate() {
        layout.cells.row(&mut got, r as u32 + 2, row).unwrap();
    }
    got.extend_from_slice(layout.tail.as_bytes());
    let got = String::from_utf8(got).unwrap();
    assert!(
        want.contains("_x005F_x0041_") && want.contains("xml:space"),
        "{want}"
    );
    assert_eq!(got, want);
}

/// A text longer than Excel holds in UTF-16 units is refused, as rust_xlsxwriter refuses it.
#[test]
fn a_text_beyond_excels_length_is_refused() {
    let cells = CellStyle {
        columns: vec!["A".into()],
        time: 1,
        num: 2,
    };
    let mut out = Vec::new();
    let long = "😀".repeat(EXCEL_MAX_UTF16 / 2 + 1);
    assert!(cells.row(&mut out, 2, &[RecordCell::Text(long)]).is_err());
    let fits = "😀".repeat(EXCEL_MAX_UTF16 / 2);
    assert!(cells.row(&mut out, 2, &[RecordCell::Text(fits)]).is_ok());
}
