//! What `init` proposes for an export it has never seen: each column is looked at (its header's
//! words, whether its sampled values are timestamps, unique, long), scored against each
//! canonical field, and the best pairs are taken, one column per field and one field per
//! column. Every choice carries its reason, which `init` prints and writes into the config.
//!
//! Unlike `run`, which maps only by aliases, `init` may propose a column from a generic word
//! (`Type`, `Source`, `Agency`): the user sees the reason and the config says it.

use crate::model::{Field, FieldKind};
use crate::pipeline::normalize::{NullSet, Profile};
use crate::time::detect::{Detection, detect};
use crate::time::forms::Forms;

/// What the sample shows about one column.
#[derive(Debug, Clone)]
pub(super) struct Column {
    /// The header as written.
    pub header: String,
    /// The header's words, lower case (`SRRecordID` → `sr`, `record`, `id`).
    pub words: Vec<String>,
    /// The column's timestamps are read this way (`None`: not a timestamp column).
    pub times: Option<Detection>,
    /// Every sampled row has a value, and no value repeats.
    pub unique: bool,
    /// Mean length of the values, in characters.
    pub mean_len: f64,
    /// Null markers found, with their counts.
    pub nulls: Vec<(String, usize)>,
}

/// One column proposed for a field.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Choice {
    /// The column's index.
    pub column: usize,
    /// The field.
    pub field: Field,
    /// Why, in a few words.
    pub reason: String,
}

/// The header's words: split at non-alphanumerics and at camelCase humps (`SRRecordID` →
/// `sr record id`, `created_date` → `created date`).
pub(super) fn words(header: &str) -> Vec<String> {
    let chars: Vec<char> = header.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let hump = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if hump && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Looks at every column of the sample.
pub(super) fn columns(headers: &[String], sample: &[Vec<String>], nulls: &NullSet) -> Vec<Column> {
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let cells: Vec<&str> = sample
                .iter()
                .map(|r| r.get(i).map_or("", |c| c.trim()))
                .collect();
            let mut found: Vec<(String, usize)> = Vec::new();
            let mut values: Vec<&str> = Vec::new();
            for c in &cells {
                if c.is_empty() {
                    continue;
                }
                if nulls.contains(c) {
                    match found.iter_mut().find(|(m, _)| m == c) {
                        Some((_, n)) => *n += 1,
                        None => found.push(((*c).to_owned(), 1)),
                    }
                } else {
                    values.push(c);
                }
            }
            let distinct: std::collections::HashSet<&str> = values.iter().copied().collect();
            let unique =
                !values.is_empty() && values.len() == cells.len() && distinct.len() == values.len();
            let mean_len = if values.is_empty() {
                0.0
            } else {
                values.iter().map(|v| v.chars().count()).sum::<usize>() as f64 / values.len() as f64
            };
            Column {
                header: h.clone(),
                words: words(h),
                times: timestamps(&values),
                unique,
                mean_len,
                nulls: found,
            }
        })
        .collect()
}

/// How a column's values read as timestamps, when nearly all of them do (a reference number
/// column with one date-like cell is not a timestamp column).
fn timestamps(values: &[&str]) -> Option<Detection> {
    // A column of bare numbers would read as Excel serials: only text dates count here.
    let texty = values
        .iter()
        .filter(|v| v.bytes().any(|b| !b.is_ascii_digit() && b != b'.'))
        .count();
    if values.is_empty() || texty * 10 < values.len() * 9 {
        return None;
    }
    let d = detect(values, None);
    let forms = match &d {
        Detection::Builtin => Forms::builtin(),
        Detection::Patterns { patterns, .. } => Forms::new(patterns.clone()),
        // Both orders read every value: still timestamps, whichever order.
        Detection::Ambiguous { .. } => return Some(d),
        Detection::Unknown { .. } => return None,
    };
    let read = values.iter().filter(|v| forms.read(v).is_ok()).count();
    (read * 10 >= values.len() * 9).then_some(d)
}

/// Header words that point at a field, and whether the field holds times.
const WORDS: &[(Field, &[&str])] = &[
    (Field::ComplaintId, &["id", "key", "num", "number", "no"]),
    (
        Field::ReceivedAt,
        &[
            "created",
            "received",
            "opened",
            "submitted",
            "reported",
            "logged",
            "creation",
        ],
    ),
    (
        Field::AcknowledgedAt,
        &["acknowledged", "accepted", "acknowledgement"],
    ),
    (
        Field::DispatchedAt,
        &["dispatched", "assigned", "sent", "forwarded", "routed"],
    ),
    (Field::OnSiteAt, &["arrived", "onsite", "arrival"]),
    (
        Field::ResolvedAt,
        &["resolved", "resolution", "completed", "fixed", "solved"],
    ),
    (
        Field::RepliedAt,
        &["replied", "responded", "reply", "answered"],
    ),
    (Field::FollowUpAt, &["followup", "callback"]),
    (Field::ClosedAt, &["closed", "close", "closing", "closure"]),
    (
        Field::Project,
        &[
            "neighborhood",
            "neighbourhood",
            "community",
            "project",
            "estate",
            "site",
            "property",
        ],
    ),
    (Field::Building, &["building", "block", "tower"]),
    (Field::Unit, &["unit", "apartment", "apt", "room", "flat"]),
    (Field::Complainant, &["complainant", "customer", "caller"]),
    (Field::Phone, &["phone", "mobile", "telephone", "tel"]),
    (
        Field::Channel,
        &["channel", "method", "source", "via", "origin", "intake"],
    ),
    (
        Field::CategoryRaw,
        &["category", "type", "product", "topic"],
    ),
    (
        Field::LevelRaw,
        &["priority", "severity", "urgency", "level"],
    ),
    (
        Field::Text,
        &[
            "narrative",
            "description",
            "descriptor",
            "details",
            "text",
            "comment",
            "content",
            "summary",
        ],
    ),
    (
        Field::Team,
        &["agency", "department", "team", "company", "division"],
    ),
    (Field::Handler, &["assignee", "handler", "agent", "officer"]),
    (
        Field::Satisfaction,
        &["satisfaction", "rating", "score", "csat"],
    ),
    (Field::Status, &["status"]),
];

/// Header words that make an identifier column the complaint's own.
const ID_SUBJECTS: &[&str] = &[
    "complaint",
    "case",
    "ticket",
    "request",
    "record",
    "unique",
    "service",
];

/// The score and reason of a column for a field, `None` when it does not fit.
fn score(c: &Column, f: Field, builtin: &Profile) -> Option<(u32, String)> {
    let is_time = c.times.is_some();
    let wants_time = f.kind() == FieldKind::Timestamp;
    if is_time != wants_time {
        return None;
    }
    if builtin.field_for(&c.header).is_some_and(|(g, _)| g == f) {
        return Some((100, "built-in alias".to_owned()));
    }
    let words = WORDS.iter().find(|(g, _)| *g == f).map_or(&[][..], |w| w.1);
    let hit = c.words.iter().find(|w| words.contains(&w.as_str()))?;
    let mut points = 60;
    let mut reason = format!("header word `{hit}`");
    if c.words.len() == 1 {
        points += 20;
    }
    match f {
        Field::ComplaintId => {
            if !c.unique {
                return None;
            }
            reason.push_str("; values unique");
            if c.words.iter().any(|w| ID_SUBJECTS.contains(&w.as_str())) {
                points += 20;
            }
        }
        Field::Text if c.mean_len >= 30.0 => {
            points += 10;
            reason.push_str("; long free text");
        }
        _ if wants_time => reason.push_str("; values are timestamps"),
        _ => {}
    }
    Some((points, reason))
}

/// The best column for each field, one field per column: the highest-scoring pairs first, an
/// earlier column winning a tie.
pub(super) fn choose(columns: &[Column]) -> Vec<Choice> {
    let builtin = Profile::new(&crate::config::ProfileConfig::default());
    let mut pairs: Vec<(u32, usize, Field, String)> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        for f in Field::ALL.iter().filter(|f| **f != Field::SatisfactionRaw) {
            if let Some((points, reason)) = score(c, *f, &builtin) {
                pairs.push((points, i, *f, reason));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<Choice> = Vec::new();
    for (_, column, field, reason) in pairs {
        if out.iter().any(|c| c.column == column || c.field == field) {
            continue;
        }
        out.push(Choice {
            column,
            field,
            reason,
        });
    }
    out.sort_by_key(|c| c.column);
    out
}

#[cfg(test)]
mod tests;
