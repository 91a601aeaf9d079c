//! The `README.md` the generator writes into the output folder. It contains
//! no paths or clock times, so it is as deterministic as the data.

use std::fmt::Write;

use super::calendar::Calendar;
use super::dirty::DirtyKind;
use super::{FileSplit, Location, OutFile, PassResult, SampleOptions, SampleSummary};

const COLUMN_NOTES: [(&str, &str); 24] = [
    (
        "投诉编号",
        "`TS` + receipt yyyymm + `-` + sequence within the month, at least 5 digits (`TS202610-00042`); unique per complaint",
    ),
    ("投诉时间", "receipt, Asia/Shanghai wall time"),
    ("受理时间", "acceptance"),
    (
        "派单时间",
        "dispatch to the responsible team (blank for most suggestions)",
    ),
    ("到场时间", "team on site (only for on-site topics)"),
    ("处理完成时间", "handling completed"),
    (
        "回复时间",
        "result replied to the owner (often blank for ordinary cases)",
    ),
    (
        "回访时间",
        "follow-up call; sometimes a bare date; blank when no follow-up",
    ),
    (
        "关闭时间",
        "closure (after the follow-up, or silently a week after completion)",
    ),
    (
        "项目名称",
        "project (小区): 翠湖花园, 金桂苑, 滨江壹号, 锦绣华庭, 香樟名邸, 云栖山庄",
    ),
    ("楼栋", "building, e.g. `5栋`, `A3座`, `12幢`"),
    ("房号", "room, `1802` or `3-2-501` depending on the project"),
    ("投诉人", "complainant (synthetic name)"),
    (
        "联系电话",
        "synthetic mobile `1[3-9]x…` (11 digits), some landlines `0571-8xxxxxxx`, some blank",
    ),
    (
        "投诉渠道",
        "电话, 前台来访, 微信小程序, APP, 业主群, 书面信函, 投诉箱, 总部热线",
    ),
    (
        "投诉类别",
        "the export's own category (~15 % blank, a few mislabelled)",
    ),
    (
        "紧急程度",
        "mixed vocabularies: 紧急/一般/建议/重要, Ⅰ级/Ⅱ级/Ⅲ级, I/II/III (~20 % blank)",
    ),
    (
        "投诉内容",
        "free text with the brief's keywords; some traditional characters, some full-width digits, ~5 % contain the complainant's own name and phone, some a guard's or neighbour's name",
    ),
    (
        "责任班组",
        "客服组, 维修一班, 维修二班, 保洁组, 绿化组, 秩序维护组, 电梯维保组",
    ),
    (
        "处理人",
        "a member of that team (see roster.csv); blank until dispatched",
    ),
    (
        "满意度",
        "0–100, or 满意/基本满意/不满意/非常满意; blank without a follow-up",
    ),
    (
        "状态",
        "已关闭, 已回访, 已完成, 待回访, 处理中, 已受理 (derived from the known stages)",
    ),
    (
        "业主要求完成时间",
        "owner-requested deadline, ~3 % of ordinary complaints",
    ),
    ("备注", "free-text remark, mostly blank"),
];

fn split_name(s: FileSplit) -> &'static str {
    match s {
        FileSplit::Single => "single",
        FileSplit::PerMonth => "per-month",
        FileSplit::Halves => "halves",
    }
}

/// The command line that reproduces the sample (the output folder is left as
/// `<DIR>` so the README does not depend on where it was written).
pub(crate) fn command(o: &SampleOptions) -> String {
    let mut formats = Vec::new();
    if o.formats.utf8 {
        formats.push("utf8");
    }
    if o.formats.gbk {
        formats.push("gbk");
    }
    if o.formats.xlsx {
        formats.push("xlsx");
    }
    let mut s = format!(
        "complaints sample --rows {} --seed {} --start {} --months {} --formats {}",
        o.rows,
        o.seed,
        o.start.format("%Y-%m-%d"),
        o.months,
        if formats.is_empty() {
            "none".to_string()
        } else {
            formats.join(",")
        },
    );
    if o.events {
        s.push_str(" --events");
    }
    if o.dirty {
        s.push_str(" --dirty");
    }
    if o.flavour != super::Flavour::Property {
        let _ = write!(s, " --flavour {}", o.flavour.name());
    }
    let _ = write!(s, " --files {} --out <DIR>", split_name(o.files));
    s
}

pub(crate) fn render(
    o: &SampleOptions,
    files: &[OutFile],
    r: &PassResult,
    summary: &SampleSummary,
    cal: &Calendar,
) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(
        w,
        "# 投诉台账样例数据（合成） — synthetic complaint sample\n"
    );
    let _ = writeln!(
        w,
        "**Everything in this folder is synthetic.** The projects, people, phone numbers, \
         rooms and complaint texts were invented by a seeded generator for testing \
         `complaints`; any resemblance to real persons or numbers is coincidental.\n"
    );
    let _ = writeln!(w, "## How it was generated\n");
    let _ = writeln!(w, "```\n{}\n```\n", command(o));
    match o.flavour {
        super::Flavour::Property => {}
        super::Flavour::Hotel => {
            let _ = writeln!(
                w,
                "Flavour `hotel` (001-HT): complaints made in person come in at the front desk \
                 (channel 前台); the event log adds 要求见经理 (a guest demanding the manager) with \
                 its 升级 to the duty manager (值班经理), and a 记事本 (Log Book) entry per incident.\n"
            );
        }
        super::Flavour::Hospital => {
            let _ = writeln!(
                w,
                "Flavour `hospital` (001-HS): complaints made in person come in through a ward \
                 nurse (channel 病区护士); the event log adds their 上报 to the head nurse (护士长) \
                 and the 转交 of major complaints to the nursing department (护理部).\n"
            );
        }
    }
    let last = cal.months.last().map(|m| m.ym).unwrap_or(0);
    let _ = writeln!(
        w,
        "Receipts from {} to {}-{:02}; data end (export time of the last file) {}. \
         The same options give byte-identical files, XLSX included.\n",
        o.start.format("%Y-%m"),
        last / 100,
        last % 100,
        cal.end.format("%Y-%m-%d %H:%M"),
    );

    let _ = writeln!(w, "## Files\n");
    let _ = writeln!(w, "| file | data rows |\n|---|---:|");
    for (p, n) in &summary.files {
        let name = rel(p, &o.out);
        let _ = writeln!(w, "| `{name}` | {n} |");
    }
    let _ = writeln!(
        w,
        "\n- `*.csv` in this folder: UTF-8; the first complaint file starts with a BOM, the \
         others do not. `events.csv` and `roster.csv` have a BOM. Line ends are CRLF.\n\
         - `gbk/`: the same CSV files encoded in GBK, byte-for-byte the same content otherwise.\n\
         - `xlsx/`: the same rows in sheet `投诉台账` (events: `操作日志`); timestamps are real \
         Excel datetimes where the CSV value is a valid timestamp, `#N/A` is an Excel error \
         cell, 满意度 scores are numbers, everything else is text.\n"
    );
    if files.len() == 2 && files[0].cut.is_some() {
        let cut = files[0].cut.unwrap_or_default();
        let _ = writeln!(
            w,
            "`{}.csv` was exported at {}: stages after that instant are blank there. \
             `{}.csv` was exported at the data end.\n",
            files[0].stem,
            cut.format("%Y-%m-%d %H:%M"),
            files[1].stem
        );
    }

    let _ = writeln!(w, "## Complaint export columns\n");
    let _ = writeln!(w, "| # | column | content |\n|---:|---|---|");
    for (i, (c, note)) in COLUMN_NOTES.iter().enumerate() {
        let _ = writeln!(w, "| {} | {c} | {note} |", i + 1);
    }
    let _ = writeln!(
        w,
        "\nTimestamps: ~90 % of rows spell every timestamp `2026-10-01 08:30:00`; the rest use \
         `2026/10/1 8:30`, `2026年10月1日 08:30` or `2026-10-01T08:30:00+08:00` for the whole \
         row (short forms stand for whole minutes, so every spelling of one instant is the same \
         instant to the second). Some 回访时间 are a bare date `2026-10-03`; its event in \
         `events.csv` carries the full time on that date.\n"
    );

    if o.events {
        let _ = writeln!(w, "## Event log (`events.csv`)\n");
        let _ = writeln!(
            w,
            "Columns: `投诉编号, 操作时间, 操作类型, 操作人, 岗位, 升级至岗位, 备注`. One row per \
             action; rows are sorted by 操作时间 over the whole log (ties: by complaint, then \
             by the complaint's own order). 登记/受理/派单/到场/完成/回复/回访/关闭 are at the \
             same instants as the export's stage columns (for a reopened complaint the export \
             keeps the first 完成/回访; the second round is only in the log). Other types: \
             升级 (升级至岗位 names the role escalated to), 二次处理, 回头看, 延期说明, 暂停/恢复, \
             等级变更 (备注 `Ⅱ级→Ⅰ级`), 转交 (总部热线 cases back to the 管理处; overdue cases to \
             `行政人事部`), 重新打开. 操作人/岗位 come from `roster.csv`. Events after the data \
             end are not in the log. Data-quality findings in the export (below) alter only \
             the export; the log keeps the true instants.\n"
        );
    }
    let _ = writeln!(
        w,
        "`roster.csv`: `姓名, 班组, 岗位`, one 班组长 per team, unique names.\n"
    );

    let _ = writeln!(w, "## Built-in patterns\n");
    let _ = writeln!(
        w,
        "- 锦绣华庭 has an old lift fleet: a clearly higher share of 电梯 complaints; 云栖山庄 \
         is low-rise without lifts.\n\
         - 维修二班 (serving 金桂苑, 锦绣华庭, 云栖山庄) is the slowest team and has bad weeks, so \
         it has the most overdue cases, including runs of ≥ 3 consecutive overdue complaints.\n\
         - Volume follows weekday mornings and evenings, with quieter weekends, Spring Festival \
         and 国庆; complaints from the last weeks of the range are partly still open.\n\
         - Level mix: emergencies (电梯困人, 水管爆裂, 火灾隐患, 停水停电) ~8 %, 重要 ~10 %, \
         重大 ~1 %, suggestions ~8 %, the rest ordinary.\n\
         - Low satisfaction clusters on slow complaints.\n"
    );

    let _ = writeln!(w, "## Re-exports, duplicates and dirty rows\n");
    let _ = writeln!(
        w,
        "Lines count the header as line 1; the same lines hold in `gbk/`, and the same row \
         numbers in `xlsx/`. Rejects and duplicates are extra rows (they are not among the \
         {} distinct complaints and have no events); findings alter a real complaint's row.\n",
        o.rows
    );
    let _ = writeln!(w, "| kind | what | count | where |\n|---|---|---:|---|");
    for kind in DirtyKind::ALL {
        let Some(locs) = r.dirty.get(&kind) else {
            continue;
        };
        let (count, where_) = if kind == DirtyKind::Reexport {
            let ex = &r.reexports;
            (
                ex.count,
                format!(
                    "first {} rows of `{}.csv` (of them {} still open at the first export and \
                     older than three weeks), e.g. {}",
                    ex.count,
                    files.get(1).map(|f| f.stem.as_str()).unwrap_or(""),
                    ex.open_older,
                    ex.examples.join(", ")
                ),
            )
        } else {
            let list: Vec<String> = locs
                .iter()
                .map(|l| match l {
                    Location::Row { file, line, id } => {
                        let id = if id.is_empty() {
                            "no ID".to_string()
                        } else {
                            id.clone()
                        };
                        format!("`{}.csv` line {line} ({id})", files[*file].stem)
                    }
                    Location::Event { line, id } => format!("`events.csv` line {line} ({id})"),
                })
                .collect();
            (locs.len(), list.join("; "))
        };
        let _ = writeln!(
            w,
            "| `{}` | {} | {} | {} |",
            kind.key(),
            kind.describe(),
            count,
            where_
        );
    }
    if r.dirty.is_empty() {
        let _ = writeln!(w, "| – | none (generated without `--dirty`) | 0 | |");
    }
    s
}

fn rel(p: &std::path::Path, base: &std::path::Path) -> String {
    p.strip_prefix(base)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}
