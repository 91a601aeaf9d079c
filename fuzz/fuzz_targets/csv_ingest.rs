//! CSV ingest with header mapping: any bytes as an export either read into records that
//! reconcile (every record accepted or rejected, every physical line accounted for) or fail
//! with an error; never a panic or a hang.
#![no_main]

use complaints::config::ProfileConfig;
use complaints::pipeline::ingest::{self, IngestOptions};
use complaints::pipeline::normalize::Profile;
use complaints::rejects::Rejects;
use libfuzzer_sys::fuzz_target;

/// Built once: the alias tables are the same for every input.
static PROFILE: std::sync::LazyLock<Profile> =
    std::sync::LazyLock::new(|| Profile::new(&ProfileConfig::default()));

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("complaints-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let path = dir.join("export.csv");
    std::fs::write(&path, data).expect("write the export");
    let profile = &*PROFILE;
    let is_header = |cells: &[String]| profile.is_header(cells);
    let meter = complaints::progress::Meter::hidden();
    let opts = IngestOptions {
        encoding: complaints::config::EncodingChoice::Auto,
        sheet: None,
        is_header: &is_header,
        // Small pieces, so the parallel split and its seams are exercised too.
        chunk_bytes: 64,
        progress: &meter,
    };
    let mut rejects = Rejects::default();
    if let Ok((file, table)) = ingest::read_file(&path, 0, &opts, &mut rejects) {
        let _ = profile.map_headers(&table.headers);
        assert_eq!(
            file.records,
            table.records.len() + rejects.issues.len(),
            "every record accepted or rejected"
        );
        let lines = &file.lines;
        assert_eq!(
            lines.physical,
            lines.header + lines.in_records + lines.blank,
            "every line accounted for: {lines:?}"
        );
    }
});
