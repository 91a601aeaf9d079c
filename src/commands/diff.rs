//! `complaints diff RULES_A RULES_B [run options]`: what-if. Runs the same inputs and `--as-of`
//! under two rule folders and lists every complaint whose level, category or SLA verdict
//! changes, with both values: `diff.csv` and a short `diff.html` in `--out`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::cli::DiffArgs;
use crate::error::Result;
use crate::output::{CsvOut, names, write_atomic};
use crate::pipeline::{self, Judged};
use crate::time::Ts;
use crate::ui;

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Complaint ID.
    pub id: String,
    /// `level`, `category`, or `sla:<target>`.
    pub what: String,
    /// Under RULES_A (`—` when absent: rejected, or the target did not apply).
    pub a: String,
    /// Under RULES_B.
    pub b: String,
}

/// Per complaint: level, category and target statuses, read from the assessed table.
fn outcomes(j: &Judged) -> BTreeMap<String, BTreeMap<String, String>> {
    let t = &j.assessed.complaints;
    let v = &j.assessed.verdicts;
    let statuses = crate::pipeline::assess::VerdictTable::statuses();
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut per: Vec<BTreeMap<String, String>> = (0..t.len())
        .map(|i| {
            let mut m = BTreeMap::new();
            for name in ["level", "category"] {
                if t.output(name).is_some() {
                    m.insert(name.to_owned(), t.output_text(name, i).to_owned());
                }
            }
            m
        })
        .collect();
    for (k, c) in v.complaints(0..v.len()).into_iter().enumerate() {
        per[c as usize].insert(
            format!("sla:{}", v.targets.name(u32::from(v.target[k]))),
            statuses.name(u32::from(v.status[k])).to_owned(),
        );
    }
    for (c, m) in t.classified.complaints.iter().zip(per) {
        out.insert(c.id.to_string(), m);
    }
    out
}

/// The differences between two runs, sorted by complaint and what changed.
pub fn changes(
    a: &BTreeMap<String, BTreeMap<String, String>>,
    b: &BTreeMap<String, BTreeMap<String, String>>,
) -> Vec<Change> {
    let mut out = Vec::new();
    let empty = BTreeMap::new();
    let ids: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for id in ids {
        let (ma, mb) = (a.get(id), b.get(id));
        if ma.is_none() || mb.is_none() {
            out.push(Change {
                id: id.clone(),
                what: "complaint".into(),
                a: if ma.is_some() { "accepted" } else { "rejected" }.into(),
                b: if mb.is_some() { "accepted" } else { "rejected" }.into(),
            });
            continue;
        }
        let (ma, mb) = (ma.unwrap_or(&empty), mb.unwrap_or(&empty));
        let keys: std::collections::BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
        for k in keys {
            let (x, y) = (ma.get(k), mb.get(k));
            if x != y {
                out.push(Change {
                    id: id.clone(),
                    what: k.clone(),
                    a: x.cloned().unwrap_or_else(|| "—".into()),
                    b: y.cloned().unwrap_or_else(|| "—".into()),
                });
            }
        }
    }
    out
}

/// Runs both rule folders and writes the differences.
pub fn run(args: &DiffArgs, now: Ts, quiet: bool) -> Result<i32> {
    let mut run_args = args.run.clone();
    run_args.setup.rules = Some(args.rules_a.clone());
    let cfg_a = super::load_config(&run_args, now)?;
    run_args.setup.rules = Some(args.rules_b.clone());
    let mut cfg_b = super::load_config(&run_args, now)?;
    // One instant for both runs, even when --as-of defaults to now.
    cfg_b.as_of = cfg_a.as_of;
    let prep_a = pipeline::prepare(&cfg_a)?;
    let prep_b = pipeline::prepare(&cfg_b)?;
    let ev_a = pipeline::Run::new(&cfg_a, &prep_a, super::run_options(&args.run))
        .judge(&mut pipeline::NoSink)?;
    let ev_b = pipeline::Run::new(&cfg_b, &prep_b, super::run_options(&args.run))
        .judge(&mut pipeline::NoSink)?;
    let list = changes(&outcomes(&ev_a), &outcomes(&ev_b));
    let out = &cfg_a.out_dir;
    std::fs::create_dir_all(out).map_err(|e| crate::error::Error::io(out, e))?;
    let mut csv = CsvOut::create(
        &out.join(names::DIFF_CSV),
        &["complaint_id", "what", "rules_a", "rules_b"],
    )?;
    for c in &list {
        csv.row([&c.id, &c.what, &c.a, &c.b])?;
    }
    csv.finish()?;
    let affected: std::collections::BTreeSet<&str> = list.iter().map(|c| c.id.as_str()).collect();
    write_atomic(
        &out.join(names::DIFF_HTML),
        html(args, &list, affected.len(), ev_a.assessed.complaints.len()).as_bytes(),
    )?;
    ui::note(
        quiet,
        &format!(
            "{} of {} complaints change ({} differences): see {}",
            affected.len(),
            ev_a.assessed.complaints.len(),
            list.len(),
            out.join(names::DIFF_CSV).display()
        ),
    );
    Ok(0)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(args: &DiffArgs, list: &[Change], affected: usize, total: usize) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>规则差异 rules diff</title>\
<style>body{{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;margin:24px;font-size:14px}}\
table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}}\
th{{background:#f5f7fa}}.a{{color:#b42318}}.b{{color:#1b7f4b}}</style></head><body>\n\
<h1>规则差异 · rules diff</h1>\n<p><code>{}</code> → <code>{}</code>: {affected} / {total} 条投诉结果变化（{} 处差异）</p>\n\
<table><thead><tr><th>投诉编号</th><th>项目</th><th>A</th><th>B</th></tr></thead><tbody>\n",
        esc(&args.rules_a.display().to_string()),
        esc(&args.rules_b.display().to_string()),
        list.len()
    );
    for c in list {
        let _ = writeln!(
            s,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"a\">{}</td><td class=\"b\">{}</td></tr>",
            esc(&c.id),
            esc(&c.what),
            esc(&c.a),
            esc(&c.b)
        );
    }
    s.push_str("</tbody></table>\n</body></html>\n");
    s
}
