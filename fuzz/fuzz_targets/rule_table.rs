//! Rule-table loading: any bytes as a decision table (CSV) either load into a table whose
//! rows can be matched, or give a diagnostic; never a panic.
#![no_main]

use complaints::pipeline::rules::tables::{HitPolicy, Table, read_table_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("complaints-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let path = dir.join("keywords.csv");
    std::fs::write(&path, data).expect("write the table");
    let Ok((header, rows, src, hit)) = read_table_file(&path) else {
        return;
    };
    let _ = Table::build(
        "keywords",
        &path,
        hit.unwrap_or(HitPolicy::First),
        &header,
        rows,
        src.as_deref(),
    );
});
