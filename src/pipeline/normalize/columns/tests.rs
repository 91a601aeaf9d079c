use super::*;

fn settings(src: &str) -> (Profile, CellSettings) {
    let cfg = crate::config::Config::from_toml(src).unwrap();
    (Profile::new(&cfg.profile), cfg.cells)
}

fn plan(src: &str, headers: &[&str], rows: &[&[&str]]) -> Result<Plan> {
    let (profile, cells) = settings(src);
    let nulls = NullSet::new(&cells.null_values);
    let input = PlanInput {
        profile: &profile,
        cells: &cells,
        nulls: &nulls,
    };
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    let sample: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect();
    Plan::new(
        0,
        Path::new("x.csv"),
        &headers,
        &sample,
        &input,
        &mut BTreeMap::new(),
        &mut ExtraColumns::default(),
        &mut Rejects::default(),
    )
}

#[test]
fn null_markers_are_found_exactly() {
    let n = NullSet::new(&crate::config::CellSettings::default().null_values);
    for v in ["NA", "N/A", "NULL", "null", "-", "#N/A", "无", "(空)"] {
        assert!(n.contains(v), "{v}");
    }
    for v in ["NAB", "na", "2026-10-01", "无法处理", "--"] {
        assert!(!n.contains(v), "{v}");
    }
}

#[test]
fn forms_are_detected_per_column_and_recorded() {
    let p = plan(
        "[profile.aliases]\ncomplaint_id = [\"SRRecordID\"]\nreceived_at = [\"CreatedDate\"]\nclosed_at = [\"CloseDate\"]\n",
        &["SRRecordID", "CreatedDate", "CloseDate", "DueDate", "Agency"],
        &[
            &["1", "04/12/2018 11:11:26 AM", "NA", "04/20/2018 11:11:26 AM", "DPW"],
            &["2", "04/13/2018 09:00:00 PM", "04/14/2018 10:00:00 AM", "NA", "DPW"],
        ],
    )
    .unwrap();
    let cols = &p.mapping.columns;
    assert_eq!(cols[1].field, "received_at");
    assert_eq!(cols[1].via, "config_alias");
    assert!(cols[1].detected());
    assert!(
        cols[1]
            .timestamps
            .starts_with("`%m/%d/%Y %I:%M:%S %p` (detected: 2 of 2"),
        "{}",
        cols[1].timestamps
    );
    // The null marker is not a sampled value; the carried-through due dates are times too.
    assert!(
        cols[2].timestamps.contains("1 of 1"),
        "{}",
        cols[2].timestamps
    );
    assert_eq!(cols[3].via, "carried_through");
    assert!(
        cols[3].timestamps.contains("detected"),
        "{}",
        cols[3].timestamps
    );
    assert_eq!(cols[4].timestamps, "");
    assert!(p.mapping.missing.contains(&"text".to_owned()));
    assert!(!p.forms[1].is_builtin());
}

#[test]
fn an_ambiguous_column_names_the_key_and_the_order_decides() {
    let src = "[profile.aliases]\ncomplaint_id = [\"ID\"]\nreceived_at = [\"Opened\"]\n";
    let rows: &[&[&str]] = &[&["1", "04/02/2018"], &["2", "05/06/2018"]];
    let err = plan(src, &["ID", "Opened"], rows)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("`ingest.date_order"), "{err}");
    assert!(err.contains("`Opened`"), "{err}");
    let ok = plan(
        &format!("[ingest]\ndate_order = \"dmy\"\n{src}"),
        &["ID", "Opened"],
        rows,
    );
    assert_eq!(ok.unwrap().forms[1].patterns()[0].text(), "%d/%m/%Y");
}

#[test]
fn declared_forms_win_per_field_then_for_every_column() {
    let src = "[ingest]\ntimestamp_forms = [\"%d.%m.%Y\"]\n[ingest.timestamp_forms_by_field]\nreceived_at = [\"%m/%d/%y\"]\n[profile.aliases]\ncomplaint_id = [\"ID\"]\nreceived_at = [\"Opened\"]\nclosed_at = [\"Closed on\"]\n";
    let p = plan(
        src,
        &["ID", "Opened", "Closed on"],
        &[&["1", "03/22/23", "23.03.2023"]],
    )
    .unwrap();
    assert_eq!(p.forms[1].patterns()[0].text(), "%m/%d/%y");
    assert_eq!(p.forms[2].patterns()[0].text(), "%d.%m.%Y");
    assert!(p.mapping.columns[1].timestamps.contains("(configured)"));
}
