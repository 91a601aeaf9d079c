use super::*;

#[test]
fn repeated_and_partition_column_names_get_suffixes() {
    let cols = [
        "received_at",
        "备注",
        "received_at",
        "month",
        "received_at_2",
        "备注",
    ]
    .map(|n| (n.to_owned(), Kind::Text))
    .to_vec();
    let names: Vec<String> = unique_names(cols).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "received_at",
            "备注",
            "received_at_2",
            "month_2",
            "received_at_2_2",
            "备注_2"
        ]
    );
}

#[test]
fn times_are_utc_millisecond_timestamps_and_round_trip() {
    let zone = Zone::from_name("Asia/Shanghai").unwrap();
    let mut b = Batch::new(&[Kind::Text, Kind::Time, Kind::Number, Kind::Flag], &zone);
    b.text(Some("TS1"));
    b.time(Some(1_790_000_000));
    b.minutes(Some(90));
    b.flag(true);
    b.text(None);
    b.time(None);
    b.number(None);
    b.flag(false);
    let names: Vec<String> = ["id", "at", "m", "w"].map(str::to_owned).to_vec();
    let mut df = b.frame(&names).unwrap();
    let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
    assert_eq!(df.column("at").unwrap().dtype(), &utc);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    let back = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    assert_eq!(back.column("at").unwrap().dtype(), &utc);
    let at = back.column("at").unwrap().cast(&DataType::Int64).unwrap();
    assert_eq!(
        at.i64().unwrap().iter().collect::<Vec<_>>(),
        vec![Some(1_790_000_000_000), None]
    );
    let m = back.column("m").unwrap();
    assert_eq!(m.f64().unwrap().get(0), Some(1.5));
}
