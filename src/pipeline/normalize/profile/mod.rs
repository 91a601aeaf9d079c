//! The column-mapping profile: which export header means which canonical field, and how
//! satisfaction cells are read. The built-in aliases know the usual Chinese and English
//! headers; a user adds aliases in the config (`[profile.aliases]`), never code.

use std::collections::HashMap;

use crate::config::ProfileConfig;
use crate::model::Field;

/// Built-in header aliases per field, most specific first (the first alias that matches a
/// header wins when two headers could map to one field).
pub const BUILTIN_ALIASES: &[(Field, &[&str])] = &[
    (
        Field::ComplaintId,
        &[
            "投诉编号",
            "工单号",
            "投诉单号",
            "工单编号",
            "单号",
            "编号",
            "投诉号码",
            "complaint_id",
            "complaint id",
            "complaint no",
            "ticket id",
            "ticket no",
            "case id",
        ],
    ),
    (
        Field::ReceivedAt,
        &[
            "投诉时间",
            "登记时间",
            "接收时间",
            "来电时间",
            "投诉日期",
            "受理登记时间",
            "创建时间",
            "received_at",
            "complaint time",
            "created_at",
            "submitted_at",
            "opened_at",
        ],
    ),
    (
        Field::AcknowledgedAt,
        &[
            "受理时间",
            "确认时间",
            "接单时间",
            "acknowledged_at",
            "accepted_at",
            "acceptance time",
        ],
    ),
    (
        Field::DispatchedAt,
        &[
            "派单时间",
            "派工时间",
            "分派时间",
            "转派时间",
            "dispatched_at",
            "assigned_at",
        ],
    ),
    (
        Field::OnSiteAt,
        &[
            "到场时间",
            "到达时间",
            "上门时间",
            "响应时间",
            "on_site_at",
            "on site at",
            "arrived_at",
            "response time",
        ],
    ),
    (
        Field::ResolvedAt,
        &[
            "处理完成时间",
            "完成时间",
            "解决时间",
            "办结时间",
            "处理完毕时间",
            "resolved_at",
            "completed_at",
            "completion time",
        ],
    ),
    (
        Field::RepliedAt,
        &[
            "回复时间",
            "答复时间",
            "反馈时间",
            "replied_at",
            "reply time",
        ],
    ),
    (
        Field::FollowUpAt,
        &[
            "回访时间",
            "回访日期",
            "follow_up_at",
            "followup_at",
            "follow-up time",
            "callback time",
        ],
    ),
    (
        Field::ClosedAt,
        &[
            "关闭时间",
            "结案时间",
            "闭环时间",
            "closed_at",
            "close time",
        ],
    ),
    (
        Field::Project,
        &[
            "项目名称",
            "项目",
            "小区",
            "小区名称",
            "管理处",
            "楼盘",
            "project",
            "community",
        ],
    ),
    (
        Field::Building,
        &["楼栋", "楼号", "栋号", "楼宇", "building"],
    ),
    (
        Field::Unit,
        &["房号", "房间号", "门牌号", "单元房号", "unit", "apartment"],
    ),
    (
        Field::Complainant,
        &[
            "投诉人",
            "业主姓名",
            "客户姓名",
            "投诉人姓名",
            "联系人",
            "complainant",
            "customer name",
        ],
    ),
    (
        Field::Phone,
        &[
            "联系电话",
            "电话",
            "手机",
            "手机号",
            "联系方式",
            "phone",
            "mobile",
            "telephone",
            "contact number",
        ],
    ),
    (
        Field::Channel,
        &[
            "投诉渠道",
            "渠道",
            "来源",
            "投诉方式",
            "受理渠道",
            "channel",
            "intake channel",
        ],
    ),
    (
        Field::CategoryRaw,
        &[
            "投诉类别",
            "投诉类型",
            "类别",
            "分类",
            "问题类型",
            "category",
            "complaint type",
        ],
    ),
    (
        Field::LevelRaw,
        &[
            "紧急程度",
            "投诉等级",
            "等级",
            "级别",
            "重要程度",
            "优先级",
            "priority",
            "severity",
            "urgency",
        ],
    ),
    (
        Field::Text,
        &[
            "投诉内容",
            "内容",
            "问题描述",
            "描述",
            "事由",
            "投诉事项",
            "text",
            "description",
        ],
    ),
    (
        Field::Team,
        &[
            "责任班组",
            "责任部门",
            "班组",
            "处理部门",
            "处理班组",
            "team",
            "department",
            "responsible team",
        ],
    ),
    (
        Field::Handler,
        &[
            "处理人",
            "责任人",
            "经办人",
            "处理人员",
            "handler",
            "assignee",
            "handled by",
        ],
    ),
    (
        Field::Satisfaction,
        &[
            "满意度",
            "满意度评分",
            "评分",
            "回访满意度",
            "满意度评价",
            "satisfaction",
        ],
    ),
    (
        Field::Status,
        &["状态", "处理状态", "工单状态", "投诉状态", "status"],
    ),
];

/// How numbers in the satisfaction column are meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 0–100.
    Percent,
    /// 1–5 stars; a star is 20 points.
    FiveStar,
    /// 0–10; a point is 10.
    TenPoint,
}

/// Built-in satisfaction words and their scores (documented in `docs/FIELDS.md`). A score of
/// 80 or more counts as satisfied for 处理满意率; under 80 triggers the 回头看 follow-up.
pub const BUILTIN_WORDS: &[(&str, f64)] = &[
    ("非常满意", 100.0),
    ("很满意", 100.0),
    ("满意", 90.0),
    ("比较满意", 80.0),
    ("基本满意", 80.0),
    ("一般", 60.0),
    ("不太满意", 40.0),
    ("不满意", 40.0),
    ("很不满意", 20.0),
    ("非常不满意", 20.0),
    ("very satisfied", 100.0),
    ("satisfied", 90.0),
    ("neutral", 60.0),
    ("dissatisfied", 40.0),
    ("unsatisfied", 40.0),
    ("very dissatisfied", 20.0),
];

/// The resolved profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Header key → (field, alias priority); lower priority numbers win.
    by_key: HashMap<String, (Field, usize)>,
    /// Priorities below this are the config's aliases.
    configured: usize,
    /// The satisfaction scale.
    pub scale: Scale,
    /// Word key → score.
    words: HashMap<String, f64>,
    /// Some word is written in ASCII digits only (`"0" = 60`): a number cell is then looked up
    /// as a word first, as any cell is.
    digit_words: bool,
}

impl Profile {
    /// Builds the profile from the config: configured aliases first, then the built-ins.
    pub fn new(cfg: &ProfileConfig) -> Profile {
        let mut by_key = HashMap::new();
        let mut prio = 0usize;
        for (field, aliases) in &cfg.aliases {
            let Some(f) = Field::from_name(field.get_ref()) else {
                continue;
            };
            for a in aliases {
                by_key.entry(header_key(a)).or_insert((f, prio));
                prio += 1;
            }
        }
        let configured = prio;
        if !cfg.replace_builtin {
            // The canonical names themselves (rule test cases key their inputs by them).
            for f in Field::ALL.iter().filter(|f| **f != Field::SatisfactionRaw) {
                by_key.entry(header_key(f.name())).or_insert((*f, prio));
                prio += 1;
            }
            for (f, aliases) in BUILTIN_ALIASES {
                for a in *aliases {
                    by_key.entry(header_key(a)).or_insert((*f, prio));
                    prio += 1;
                }
            }
        }
        let scale = match cfg
            .satisfaction
            .scale
            .as_ref()
            .map(|s| s.get_ref().as_str())
        {
            Some("five_star") => Scale::FiveStar,
            Some("ten_point") => Scale::TenPoint,
            _ => Scale::Percent,
        };
        let mut words: HashMap<String, f64> = BUILTIN_WORDS
            .iter()
            .map(|(w, s)| (header_key(w), *s))
            .collect();
        for (w, s) in &cfg.satisfaction.words {
            words.insert(header_key(w), *s);
        }
        let digit_words = words.keys().any(|w| w.bytes().all(|b| b.is_ascii_digit()));
        Profile {
            by_key,
            configured,
            scale,
            words,
            digit_words,
        }
    }

    /// Headers listed under two fields in `[profile.aliases]`: (header as written, the field it
    /// is listed under first, the other). Such a header would map by the order of the fields in
    /// the file, which nobody means; the config is refused instead.
    pub fn conflicts(cfg: &ProfileConfig) -> Vec<(String, Field, Field)> {
        let mut seen: HashMap<String, Field> = HashMap::new();
        let mut out = Vec::new();
        for (field, aliases) in &cfg.aliases {
            let Some(f) = Field::from_name(field.get_ref()) else {
                continue;
            };
            for a in aliases {
                match seen.get(&header_key(a)) {
                    Some(g) if *g != f => out.push((a.clone(), *g, f)),
                    Some(_) => {}
                    None => {
                        seen.insert(header_key(a), f);
                    }
                }
            }
        }
        out
    }

    /// True when the alias of this priority comes from the config, not the built-in list.
    pub fn is_configured(&self, priority: usize) -> bool {
        priority < self.configured
    }

    /// The field a header maps to, with its priority.
    pub fn field_for(&self, header: &str) -> Option<(Field, usize)> {
        self.by_key.get(&header_key(header)).copied()
    }

    /// True when a row looks like the header row: it names both required fields.
    pub fn is_header(&self, cells: &[String]) -> bool {
        let mut id = false;
        let mut received = false;
        for c in cells {
            match self.field_for(c) {
                Some((Field::ComplaintId, _)) => id = true,
                Some((Field::ReceivedAt, _)) => received = true,
                _ => {}
            }
        }
        id && received
    }

    /// Maps a table's headers: per column, the canonical field it carries (or `None` for a
    /// carried-through column). When two headers map to one field, the higher-priority alias
    /// wins and the other is carried through; the losers are returned for a finding.
    pub fn map_headers(&self, headers: &[String]) -> (Vec<Option<Field>>, Vec<(usize, Field)>) {
        let mut cols: Vec<Option<(Field, usize)>> =
            headers.iter().map(|h| self.field_for(h)).collect();
        let mut losers = Vec::new();
        for f in Field::ALL {
            let mut claim: Vec<(usize, usize)> = cols
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.filter(|(cf, _)| *cf == f).map(|(_, p)| (p, i)))
                .collect();
            claim.sort_unstable();
            for &(_, i) in claim.iter().skip(1) {
                cols[i] = None;
                losers.push((i, f));
            }
        }
        losers.sort_unstable();
        (
            cols.into_iter().map(|c| c.map(|(f, _)| f)).collect(),
            losers,
        )
    }

    /// Reads a satisfaction cell: a word, stars (`★★★★☆`), or a number on the declared scale
    /// (a `分` or `%` suffix is allowed). Returns the 0–100 score.
    pub fn satisfaction(&self, cell: &str) -> Result<f64, String> {
        // The usual cell, a plain number (`85`), read without building its word key, an
        // allocation per complaint: its key is itself, and no word is one.
        if !self.digit_words
            && (1..=3).contains(&cell.len())
            && cell.bytes().all(|b| b.is_ascii_digit())
        {
            let v: u16 = cell.parse().expect("one to three ASCII digits");
            return self.on_scale(f64::from(v));
        }
        let key = header_key(cell);
        if let Some(s) = self.words.get(&key) {
            return Ok(*s);
        }
        let stars = cell.chars().filter(|c| *c == '★').count();
        if stars > 0
            && cell
                .chars()
                .all(|c| c == '★' || c == '☆' || c.is_whitespace())
        {
            return Ok(stars as f64 * 20.0);
        }
        let num = key
            .trim_end_matches('分')
            .trim_end_matches('%')
            .trim_end_matches('星');
        let v: f64 = num
            .parse()
            .map_err(|_| format!("`{cell}` is neither a number nor a known satisfaction word"))?;
        self.on_scale(v)
    }

    /// A number read from a satisfaction cell, on 0–100, if the declared scale allows it.
    fn on_scale(&self, v: f64) -> Result<f64, String> {
        let (lo, hi, factor, name) = match self.scale {
            Scale::Percent => (0.0, 100.0, 1.0, "percent (0–100)"),
            Scale::FiveStar => (1.0, 5.0, 20.0, "five_star (1–5)"),
            Scale::TenPoint => (0.0, 10.0, 10.0, "ten_point (0–10)"),
        };
        if !v.is_finite() || v < lo || v > hi {
            return Err(format!("{v} is outside the declared scale {name}"));
        }
        Ok(v * factor)
    }
}

/// The form headers and words are compared in: full-width folded to half-width, lowercase,
/// without spaces, `_`, `-`, and without a bracketed suffix such as `（分）` or `(元)`.
pub fn header_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().trim_start_matches('\u{feff}').chars() {
        let c = fold_width(c);
        if c.is_whitespace() || c == '_' || c == '-' {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    if let Some(i) = out.find('(')
        && out.ends_with(')')
        && i > 0
    {
        out.truncate(i);
    }
    out
}

/// Full-width ASCII (U+FF01–U+FF5E) and the ideographic space to their half-width forms.
pub fn fold_width(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

#[cfg(test)]
mod tests;
