//! Micro-benchmarks for the hot helpers the pipeline calls millions of times: working-time
//! arithmetic on the Chinese office calendar, the keyword decision table over complaint
//! texts, and the masking of names in texts. They guard against regressions (a walk over days or minutes sneaking back in, a
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

mod keywords {
    use super::*;

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

mod masker {
    use super::*;
    use complaints::privacy::Masker;

    /// 300 k distinct two- and three-character names (a 1 M export has about 280 k).
    fn names() -> Vec<String> {
        let surnames: Vec<char> = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤".chars().collect();
        let given: Vec<char> = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏建红云飞辉凤洁梅琳晶宇浩凯健俊帆帅旭宁龙林波斌".chars().collect();
        let mut names = Vec::new();
        'all: for s in &surnames {
            for a in &given {
                names.push(format!("{s}{a}"));
                for b in &given {
                    names.push(format!("{s}{a}{b}"));
                    if names.len() >= 300_000 {
                        break 'all;
                    }
                }
            }
        }
        names
    }

    /// The masker over [`names`], and the sample texts with a name and a phone number in every
    /// tenth.
    fn inputs() -> (Masker, Vec<String>) {
        let names = names();
        let masker = Masker::new(names.iter().map(String::as_str));
        let texts = super::texts()
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                if i % 10 == 0 {
                    format!("{t}，联系人{}，电话13812345678", names[i * 7 % names.len()])
                } else {
                    t
                }
            })
            .collect();
        (masker, texts)
    }

    /// Names masked in every sample text.
    #[divan::bench]
    fn mask_text(b: Bencher) {
        let (masker, texts) = inputs();
        b.counter(divan::counter::ItemsCount::new(texts.len()))
            .bench(|| {
                texts
                    .iter()
                    .map(|t| masker.mask(black_box(t)).len())
                    .sum::<usize>()
            });
    }

    /// The masker built from 300 k names (the complainant names of a run).
    #[divan::bench(sample_count = 5)]
    fn build(b: Bencher) {
        let names = names();
        b.bench(|| {
            Masker::new(names.iter().map(String::as_str))
                .mask("王伟")
                .len()
        });
    }
}
