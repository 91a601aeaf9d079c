//! The key complaints share an evaluation of `classify` by: the values of the fields the rule
//! reads, a field that only reaches decision tables by the table rows its value matches
//! (RULES.md §9), and a complaint a native guard did not pass by its own position.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

use super::RuleSet;
use crate::model::{Complaint, Field, FieldValue, Str};

/// A hashable key over the fields a rule reads.
#[derive(Clone, PartialEq)]
pub(super) struct Key(pub(super) Vec<KeyPart>);

#[derive(Clone, PartialEq)]
pub(super) enum KeyPart {
    Absent,
    Str(Str),
    Ts(i64),
    Num(u64),
    Extra(Box<[Option<Str>]>),
    /// A field that only reaches decision tables, by the rows its value matches there (shared
    /// with the cache: complaints with the same text get the same bits without a copy each).
    Bits(std::sync::Arc<[u64]>),
    /// A complaint a native guard did not pass: evaluated on its own by the whole script.
    Row(usize),
}

impl Eq for Key {}

impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        for p in &self.0 {
            match p {
                KeyPart::Absent => 0u8.hash(h),
                KeyPart::Str(s) => s.as_str().hash(h),
                KeyPart::Ts(t) => t.hash(h),
                KeyPart::Num(n) => n.hash(h),
                KeyPart::Extra(x) => {
                    for v in x {
                        v.as_deref().hash(h);
                    }
                }
                KeyPart::Bits(b) => b[..].hash(h),
                KeyPart::Row(i) => i.hash(h),
            }
        }
    }
}

/// How one field a rule reads enters the dedupe key.
pub(super) enum KeyField {
    /// By value (`None`: the carried-through columns).
    Value(Option<Field>),
    /// By the table rows its value matches: the field only ever reaches these decision-table
    /// input columns (table, column), so two complaints whose values meet the same conditions
    /// get the same answers from every table, and so from the rule.
    Bits(Field, Vec<(std::sync::Arc<super::tables::Table>, usize)>),
}

/// The key plan of an entry: one [`KeyField`] per field it reads.
pub(super) fn key_plan(
    rules: &RuleSet,
    uses: Option<&std::collections::BTreeMap<String, super::analysis::FieldUse>>,
    only: &BTreeSet<&str>,
) -> Vec<KeyField> {
    only.iter()
        .map(|name| {
            let Some(f) = Field::from_name(name) else {
                return KeyField::Value(None);
            };
            let use_ = uses.and_then(|u| u.get(*name));
            // Only text fields: tables see their value as the string itself.
            let text = matches!(
                f.kind(),
                crate::model::FieldKind::Text | crate::model::FieldKind::Id
            );
            match use_ {
                Some(u) if text && !u.direct && !u.tables.is_empty() => {
                    let mut cols = Vec::new();
                    for (t, input) in &u.tables {
                        let Some(table) = rules.env.tables.get(t) else {
                            return KeyField::Value(Some(f));
                        };
                        for (k, i) in table.inputs.iter().enumerate() {
                            if i.field == *input {
                                cols.push((table.clone(), k));
                            }
                        }
                    }
                    KeyField::Bits(f, cols)
                }
                _ => KeyField::Value(Some(f)),
            }
        })
        .collect()
}

/// Table matches of values already seen, by the key plan's field (the position in the plan: the
/// same value in two fields meets different columns) and value.
pub(super) type BitsCache = rustc_hash::FxHashMap<(usize, Str), std::sync::Arc<[u64]>>;

pub(super) fn key_of(c: &Complaint, plan: &[KeyField], bits_cache: &mut BitsCache) -> Key {
    Key(plan
        .iter()
        .enumerate()
        .map(|(at, kf)| match kf {
            KeyField::Value(None) => KeyPart::Extra(c.extra.clone()),
            KeyField::Value(Some(f)) => match c.get(*f) {
                FieldValue::Absent => KeyPart::Absent,
                FieldValue::Str(s) => KeyPart::Str(s.clone()),
                FieldValue::Inline(s) => KeyPart::Str(Str::from(s)),
                FieldValue::Ts(t) => KeyPart::Ts(t),
                FieldValue::Num(n) => KeyPart::Num(n.to_bits()),
            },
            KeyField::Bits(f, cols) => {
                let inline;
                let value = match c.get(*f) {
                    FieldValue::Str(s) => Some(s),
                    FieldValue::Inline(s) => {
                        inline = Str::from(s);
                        Some(&inline)
                    }
                    _ => None,
                };
                let compute = |v: Option<&str>| -> std::sync::Arc<[u64]> {
                    let key = cols
                        .iter()
                        .any(|(t, k)| t.needs_key(*k))
                        .then(|| v.map(super::text::match_key))
                        .flatten();
                    let mut out = Vec::new();
                    for (t, k) in cols {
                        out.extend(t.column_bits(*k, v, key.as_deref()));
                    }
                    out.into()
                };
                KeyPart::Bits(match value {
                    // Texts repeat: match each distinct one once.
                    Some(s) => bits_cache
                        .entry((at, s.clone()))
                        .or_insert_with(|| compute(Some(s.as_str())))
                        .clone(),
                    None => compute(None),
                })
            }
        })
        .collect())
}
