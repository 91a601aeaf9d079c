//! The key complaints share an evaluation of `classify` by: the values of the fields the rule
//! reads, a field that only reaches decision tables by the table rows its value matches
//! (RULES.md §9), and a complaint a native guard did not pass by its own position.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

use super::RuleSet;
use crate::dictionary::Canonical;
use crate::model::{Code, Complaint, Dictionaries, Field, FieldValue, Str};

/// A hashable key over the fields a rule reads.
#[derive(Clone, PartialEq)]
pub(super) struct Key(pub(super) Vec<KeyPart>);

#[derive(Clone, PartialEq)]
pub(super) enum KeyPart {
    Absent,
    Str(Str),
    /// A coded field's value, by its code (codes of one field's dictionary are equal exactly
    /// when the values are: no string is hashed or compared).
    Code(Code),
    Ts(i64),
    Num(u64),
    Extra(Box<[Option<Code>]>),
    /// A field that only reaches decision tables, by the rows its value matches there (shared
    /// with the cache: complaints with the same text get the same bits without a copy each).
    Bits(std::sync::Arc<[u64]>),
    /// A complaint a native guard did not pass: evaluated on its own by the whole script.
    Row(usize),
}

impl Eq for Key {}

impl Eq for KeyPart {}

/// A key hashes as the slice of its parts, so that a key built in a reused buffer is looked up
/// as `&[KeyPart]` ([`key_into`]) and only a new key becomes a vector of its own.
impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.as_slice().hash(h);
    }
}

impl std::borrow::Borrow<[KeyPart]> for Key {
    fn borrow(&self) -> &[KeyPart] {
        &self.0
    }
}

impl Hash for KeyPart {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            KeyPart::Absent => 0u8.hash(h),
            KeyPart::Str(s) => s.as_str().hash(h),
            KeyPart::Code(c) => c.hash(h),
            KeyPart::Ts(t) => t.hash(h),
            KeyPart::Num(n) => n.hash(h),
            KeyPart::Extra(x) => x.hash(h),
            KeyPart::Bits(b) => b[..].hash(h),
            KeyPart::Row(i) => i.hash(h),
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
    Bits(
        Field,
        Vec<(std::sync::Arc<super::tables::Table>, usize)>,
        Option<Keywords>,
    ),
}

/// One automaton over the keywords of every `contains` column a field meets (the shipped rules
/// look into a complaint's text from five tables): each distinct text is scanned once instead
/// of once per table. Matches are overlapping, so each table sees the same keywords found as
/// its own automaton would.
pub(super) struct Keywords {
    ac: aho_corasick::AhoCorasick,
    /// Pattern → (position in the field's columns, row of that table).
    owner: Vec<(u32, u32)>,
    /// Per column: its keywords are in the automaton.
    merged: Vec<bool>,
}

impl Keywords {
    /// The shared automaton of `cols`, when two or more of them are `contains` columns.
    fn new(cols: &[(std::sync::Arc<super::tables::Table>, usize)]) -> Option<Keywords> {
        let mut patterns: Vec<&str> = Vec::new();
        let mut owner = Vec::new();
        let mut merged = vec![false; cols.len()];
        for (at, (t, k)) in cols.iter().enumerate() {
            if let Some((words, rows)) = t.keywords(*k) {
                merged[at] = true;
                for (w, r) in words.iter().zip(rows) {
                    patterns.push(w);
                    owner.push((at as u32, *r));
                }
            }
        }
        if merged.iter().filter(|m| **m).count() < 2 {
            return None;
        }
        let ac = super::text::keyword_matcher(&patterns).ok()?;
        Some(Keywords { ac, owner, merged })
    }

    /// Per column of the field, the rows whose keywords `key` holds (empty for columns not
    /// merged).
    fn found(&self, key: &str) -> Vec<Vec<u32>> {
        let mut rows = vec![Vec::new(); self.merged.len()];
        for m in self.ac.find_overlapping_iter(key) {
            let (at, row) = self.owner[m.pattern().as_usize()];
            rows[at as usize].push(row);
        }
        rows
    }
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
                    let keywords = Keywords::new(&cols);
                    KeyField::Bits(f, cols, keywords)
                }
                _ => KeyField::Value(Some(f)),
            }
        })
        .collect()
}

/// The codes a key compares, per field of a key plan: canonical codes
/// ([`crate::dictionary::Canonical`]), built once for the run.
pub(super) struct KeyCodes {
    fields: Vec<Canonical>,
    extras: Vec<Canonical>,
}

impl KeyCodes {
    /// The canonical codes of the coded fields and carried-through columns `plan` reads.
    pub(super) fn new(plan: &[KeyField], dicts: &Dictionaries, extras: usize) -> KeyCodes {
        let read = |f: Field| {
            plan.iter().any(|kf| match kf {
                KeyField::Value(Some(g)) | KeyField::Bits(g, ..) => *g == f,
                KeyField::Value(None) => false,
            })
        };
        let extras_read = plan.iter().any(|kf| matches!(kf, KeyField::Value(None)));
        KeyCodes {
            fields: Field::CODED
                .iter()
                .map(|&f| {
                    if read(f) {
                        dicts.field(f).canonical()
                    } else {
                        Canonical::Same
                    }
                })
                .collect(),
            extras: (0..extras)
                .map(|x| {
                    if extras_read {
                        dicts.extra(x).canonical()
                    } else {
                        Canonical::Same
                    }
                })
                .collect(),
        }
    }

    /// Coded field `f`'s canonical code of `c`.
    fn of(&self, f: Field, c: Code) -> Code {
        f.coded_index().map_or(c, |i| self.fields[i].of(c))
    }
}

/// Table matches of values already seen, per field of the key plan (by its position: the same
/// value in two fields meets different columns): a coded field's by code, the free text's by
/// the text as read, so that a text read from the store is only copied when it is new.
pub(super) struct BitsCache {
    texts: Vec<rustc_hash::FxHashMap<Box<str>, std::sync::Arc<[u64]>>>,
    codes: Vec<rustc_hash::FxHashMap<Code, std::sync::Arc<[u64]>>>,
}

impl BitsCache {
    /// Values held, all fields together.
    pub(super) fn len(&self) -> usize {
        let texts: usize = self.texts.iter().map(|m| m.len()).sum();
        texts + self.codes.iter().map(|m| m.len()).sum::<usize>()
    }

    /// Empties every field's table (keeping their room).
    pub(super) fn clear(&mut self) {
        self.texts.iter_mut().for_each(|m| m.clear());
        self.codes.iter_mut().for_each(|m| m.clear());
    }
}

/// An empty cache for `plan`: a table per field.
pub(super) fn bits_cache(plan: &[KeyField]) -> BitsCache {
    BitsCache {
        texts: plan.iter().map(|_| Default::default()).collect(),
        codes: plan.iter().map(|_| Default::default()).collect(),
    }
}

/// The key of `c`, built into `key` (cleared first): a buffer reused from complaint to
/// complaint, where a vector per key was an allocation and a free per complaint. `texts` holds
/// the complaints' free texts when they were not loaded into the rows: the text is read from
/// there, and matched against tables without a shared string made of it. `bits_cache` is
/// `plan`'s ([`bits_cache`]).
pub(super) fn key_into(
    c: &Complaint,
    (dicts, codes): (&Dictionaries, &KeyCodes),
    texts: Option<&crate::texts::TextWindow<'_>>,
    plan: &[KeyField],
    bits_cache: &mut BitsCache,
    key: &mut Vec<KeyPart>,
) {
    key.clear();
    // A field's value; the text from the window when there is one.
    let get = |f: Field| match texts.filter(|_| f == Field::Text) {
        Some(w) => w.get(c.text_at).map_or(FieldValue::Absent, FieldValue::Str),
        None => c.get(f, dicts),
    };
    key.extend(plan.iter().enumerate().map(|(at, kf)| {
        match kf {
            KeyField::Value(None) => KeyPart::Extra(
                c.extra
                    .iter()
                    .zip(&codes.extras)
                    .map(|(v, canon)| v.map(|v| canon.of(v)))
                    .collect(),
            ),
            KeyField::Value(Some(f)) if f.is_coded() => c
                .code(*f)
                .map_or(KeyPart::Absent, |v| KeyPart::Code(codes.of(*f, v))),
            KeyField::Value(Some(f)) => match get(*f) {
                FieldValue::Absent => KeyPart::Absent,
                // The text loaded into the row is a shared string already: not copied per key.
                FieldValue::Str(_) if *f == Field::Text && c.text.is_some() => {
                    KeyPart::Str(c.text.clone().unwrap_or_default())
                }
                FieldValue::Str(s) => KeyPart::Str(Str::from(s)),
                FieldValue::Ts(t) => KeyPart::Ts(t),
                FieldValue::Num(n) => KeyPart::Num(n.to_bits()),
            },
            KeyField::Bits(f, cols, keywords) => {
                let value = match get(*f) {
                    FieldValue::Str(s) => Some(s),
                    _ => None,
                };
                let compute = |v: Option<&str>| -> std::sync::Arc<[u64]> {
                    let key = cols
                        .iter()
                        .any(|(t, k)| t.needs_key(*k))
                        .then(|| v.map(super::text::match_key))
                        .flatten();
                    let found = match (keywords, v, key.as_deref()) {
                        (Some(kw), Some(_), Some(key)) => kw.found(key),
                        _ => Vec::new(),
                    };
                    let mut out = Vec::new();
                    for (at, (t, k)) in cols.iter().enumerate() {
                        if !found.is_empty() && keywords.as_ref().is_some_and(|kw| kw.merged[at]) {
                            out.extend(t.contains_bits(*k, found[at].iter().copied()));
                        } else {
                            out.extend(t.column_bits(*k, v, key.as_deref()));
                        }
                    }
                    out.into()
                };
                KeyPart::Bits(match (value, c.code(*f).map(|v| codes.of(*f, v))) {
                    // Values repeat: match each distinct one once.
                    (Some(s), Some(code)) => {
                        let cache = &mut bits_cache.codes[at];
                        match cache.get(&code) {
                            Some(b) => b.clone(),
                            None => {
                                let b = compute(Some(s));
                                cache.insert(code, b.clone());
                                b
                            }
                        }
                    }
                    (Some(s), None) => {
                        let cache = &mut bits_cache.texts[at];
                        match cache.get(s) {
                            Some(b) => b.clone(),
                            None => {
                                let b = compute(Some(s));
                                cache.insert(Box::from(s), b.clone());
                                b
                            }
                        }
                    }
                    (None, _) => compute(None),
                })
            }
        }
    }));
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::Keywords;
    use crate::pipeline::rules::tables::{HitPolicy, Table, test_table};
    use crate::pipeline::rules::text::match_key;

    fn table(header: &[&str], rows: &[&[&str]]) -> Arc<Table> {
        Arc::new(test_table(header, rows, HitPolicy::First))
    }

    /// Three tables' `contains` columns on one text (keywords shared between tables, one inside
    /// another, a wildcard row, a table with an `is` column besides) and one `is` column.
    fn columns() -> Vec<(Arc<Table>, usize)> {
        let level = table(
            &["text contains", "level"],
            &[
                &["电梯困人|困在电梯", "I"],
                &["漏水|电梯", "II"],
                &["", "III"],
            ],
        );
        let category = table(
            &["level_raw is", "text contains", "category"],
            &[
                &["", "电梯|电梯故障", "电梯"],
                &["紧急", "漏水", "维修"],
                &["", "噪音", "秩序"],
            ],
        );
        let importance = table(&["text contains", "importance"], &[&["多次|困人", "重要"]]);
        let raw = table(&["text is", "note"], &[&["电梯", "exact"]]);
        vec![(level, 0), (category, 1), (importance, 0), (raw, 0)]
    }

    proptest! {
        /// One scan for all tables finds, for each, the rows its own automaton finds.
        #[test]
        fn one_scan_gives_each_table_the_rows_its_own_scan_gives(
            parts in proptest::collection::vec(
                prop::sample::select(vec!["电梯", "困人", "困在", "漏水", "噪音", "多次", "楼道", "電梯", " ", "故障"]),
                0..8,
            )
        ) {
            let cols = columns();
            let kw = Keywords::new(&cols).expect("three contains columns");
            let text: String = parts.concat();
            let key = match_key(&text);
            let found = kw.found(&key);
            for (at, (t, k)) in cols.iter().enumerate() {
                let own = t.column_bits(*k, Some(&text), Some(&key));
                if kw.merged[at] {
                    prop_assert_eq!(t.contains_bits(*k, found[at].iter().copied()), own);
                } else {
                    prop_assert!(found[at].is_empty());
                }
            }
        }
    }

    #[test]
    fn a_single_contains_column_keeps_its_own_automaton() {
        let cols = columns();
        assert!(Keywords::new(&cols[..1]).is_none());
        assert!(Keywords::new(&[cols[0].clone(), cols[3].clone()]).is_none());
        assert!(Keywords::new(&cols[..2]).is_some());
    }
}
