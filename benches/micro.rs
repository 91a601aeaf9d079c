//! Micro-benchmarks for the two hot helpers the pipeline calls millions of times: working-time
//! arithmetic on the Chinese office calendar and the keyword decision table over complaint
//! texts. They guard against regressions (a walk over days or minutes sneaking back in, a
//! matcher rebuilt per call); the end-to-end figures are in BENCHMARKS.md.
//!
//!     cargo bench --bench micro
//!
//! Inputs come from the shipped rules and sample data, so the numbers follow what users run.

use std::path::{Path, PathBuf};

use complaints::calendar::Calendar;
use complaints::pipeline::rules::tables::{HitPolicy, Table, read_table_file};
use complaints::pipeline::rules::text::match_key;
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn office() -> Calendar {
    Calendar::load(&root().join("rules/calendars/cn_office.toml")).expect("cn_office loads")
}

/// Deterministic instants across 2025-2026 (a small LCG: no rand dependency, same every run).
fn instants(n: usize) -> Vec<i64> {
    let start = 1_735_660_800; // 2025-01-01T00:00:00+08:00
    let span = 2 * 365 * 86_400;
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            start + ((x >> 33) % span as u64) as i64
        })
        .collect()
}

const N: usize = 10_000;

mod calendar {
    use super::*;

    /// A 2-hour working budget from 10,000 instants (the Level II dispatch limit).
    #[divan::bench]
    fn add_working_2h(b: Bencher) {
        let cal = office();
        let ts = instants(N);
        b.counter(divan::counter::ItemsCount::new(N))
            .bench(|| ts.iter().map(|&t| cal.add_working(t, 7_200)).sum::<i64>());
    }

    /// Working time between instants up to 30 days apart (elapsed working minutes).
    #[divan::bench]
    fn working_seconds_between(b: Bencher) {
        let cal = office();
        let ts = instants(N + 1);
        b.counter(divan::counter::ItemsCount::new(N)).bench(|| {
            ts.windows(2)
                .map(|w| {
                    let (a, d) = (w[0], w[1].rem_euclid(30 * 86_400));
                    cal.working_seconds_between(a, a + d)
                })
                .sum::<i64>()
        });
    }

    /// End of the 5th working day after receipt (Level III reply), across holiday weeks.
    #[divan::bench]
    fn end_of_5th_working_day(b: Bencher) {
        let cal = office();
        let ts = instants(N);
        b.counter(divan::counter::ItemsCount::new(N)).bench(|| {
            ts.iter()
                .map(|&t| cal.end_of_nth_working_day_after(t, 5))
                .sum::<i64>()
        });
    }
}

mod keywords {
    use super::*;

    /// Complaint texts of the bundled sample data.
    fn texts() -> Vec<String> {
        let mut out = Vec::new();
        for f in [
            "sample_data/complaints_2025H2.csv",
            "sample_data/complaints_2026.csv",
        ] {
            let text = std::fs::read_to_string(root().join(f)).expect("sample data");
            let mut rdr = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
            let at = rdr
                .headers()
                .expect("header")
                .iter()
                .position(|h| h == "投诉内容")
                .expect("投诉内容 column");
            out.extend(
                rdr.records()
                    .flatten()
                    .filter_map(|r| r.get(at).map(str::to_owned)),
            );
        }
        out
    }

    fn table(name: &str) -> Table {
        let path: &Path = &root().join("rules/tables").join(name);
        let (header, rows, src, hit) = read_table_file(path).expect("table reads");
        Table::build(
            name,
            path,
            hit.unwrap_or(HitPolicy::First),
            &header,
            rows,
            src.as_deref(),
        )
        .expect("table builds")
    }

    /// Text normalisation (traditional → simplified, full-width → half-width, case).
    #[divan::bench]
    fn normalise_text(b: Bencher) {
        let texts = texts();
        b.counter(divan::counter::ItemsCount::new(texts.len()))
            .bench(|| {
                texts
                    .iter()
                    .map(|t| match_key(black_box(t)).len())
                    .sum::<usize>()
            });
    }

    /// A keyword table over every sample text: the first hit, or every hit.
    fn bench_table(b: Bencher, name: &str, first_only: bool) {
        let texts = texts();
        let table = table(name);
        b.counter(divan::counter::ItemsCount::new(texts.len()))
            .bench(|| {
                texts
                    .iter()
                    .map(|t| {
                        let get = |_: &str| Some(t.clone());
                        table.matching_rows(&get, first_only).len()
                    })
                    .sum::<usize>()
            });
    }

    /// The level keyword table (first hit) over every sample text.
    #[divan::bench]
    fn level_keywords_first_match(b: Bencher) {
        bench_table(b, "level_keywords.csv", true);
    }

    /// The category keyword table, every matching row (collect).
    #[divan::bench]
    fn category_keywords_all_matches(b: Bencher) {
        bench_table(b, "category_keywords.csv", false);
    }
}
