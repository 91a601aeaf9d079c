//! The duplicate policy: one complaint per ID. The row with the most advanced lifecycle stage
//! wins; ties go to the row with more stages recorded, then the latest recorded instant, then
//! the later file and line. The other rows are merged (accepted, counted, listed as findings).

use std::hash::BuildHasher;

use rustc_hash::FxHashMap;

use crate::diagnostic::display_path;
use crate::error::Result;
use crate::model::{Complaint, Dictionaries, Field, Merged, Origin, Stage};
use crate::rejects::{Finding, FindingCode, Rejects};
use crate::texts::TextStore;
use crate::time::Ts;

/// Groups of rows with one ID whose texts are read at a time.
const TEXT_BATCH: usize = 4096;

/// Applies the duplicate policy. Returns the complaints sorted by receipt then ID, and for
/// each the rows merged into it.
pub(super) fn dedupe(
    mut rows: Vec<Complaint>,
    n_extra: usize,
    paths: &[std::path::PathBuf],
    texts: &TextStore,
    dicts: &Dictionaries,
    rejects: &mut Rejects,
) -> Result<(Vec<Complaint>, Merged)> {
    use rayon::prelude::*;
    // Rows from earlier files have fewer extra columns: pad to the final width.
    for c in &mut rows {
        if c.extra.len() < n_extra {
            let mut extra = std::mem::take(&mut c.extra).into_vec();
            extra.resize(n_extra, None);
            c.extra = extra.into_boxed_slice();
        }
    }
    let mut groups = repeated(&rows, |id| rustc_hash::FxBuildHasher.hash_one(id));
    // Winners, and for each the rows merged into it.
    let mut winner_of_group: Vec<(u32, Vec<Origin>)> = Vec::with_capacity(groups.len());
    let mut loses = vec![false; rows.len()];
    groups.sort_unstable();
    // The rows of a repeated ID are compared with their texts, which are loaded for the
    // comparison (a batch of groups' rows read in one go) and dropped after it: an export of
    // nothing but repeated rows holds one batch's texts at a time, not all of them.
    let mut loaded = 0;
    for k in 0..groups.len() {
        if k == loaded {
            let batch = &groups[k..(k + TEXT_BATCH).min(groups.len())];
            let window = texts.window(batch.iter().flatten().map(|&i| rows[i as usize].text_at))?;
            for &i in batch.iter().flatten() {
                window.load(&mut rows[i as usize]);
            }
            loaded = k + batch.len();
        }
        let group = &mut groups[k];
        group.sort_by(|a, b| rank(&rows[*b as usize]).cmp(&rank(&rows[*a as usize])));
        let winner = &rows[group[0] as usize];
        let at = format!(
            "{}:{}",
            paths
                .get(winner.origin.file as usize)
                .map_or_else(|| "?".into(), |p| display_path(p).display().to_string()),
            winner.origin.line
        );
        let mut merged = Vec::new();
        for &l in &group[1..] {
            let loser = &rows[l as usize];
            loses[l as usize] = true;
            let (code, message) = if same_content(loser, winner, dicts) {
                (
                    FindingCode::ExactDuplicate,
                    format!("identical to the row at {at}; counted once"),
                )
            } else {
                (
                    FindingCode::Superseded,
                    format!(
                        "superseded by the row at {at} (its latest stage: `{}`)",
                        winner.latest_stage().name()
                    ),
                )
            };
            rejects.find(Finding {
                origin: loser.origin,
                complaint_id: loser.id.to_string(),
                field: Field::ComplaintId.name().to_owned(),
                code,
                message,
            });
            for field in conflicts(loser, winner, dicts) {
                rejects.find(Finding {
                    origin: loser.origin,
                    complaint_id: loser.id.to_string(),
                    field: field.name().to_owned(),
                    code: FindingCode::DuplicateConflict,
                    message: format!(
                        "`{}` differs from the winning row at {at}; the winning row's value is used",
                        field.name()
                    ),
                });
            }
            merged.push(loser.origin);
        }
        merged.sort_unstable();
        for &i in group.iter() {
            rows[i as usize].text = None;
        }
        winner_of_group.push((group[0], merged));
    }
    let mut merged_of: FxHashMap<u32, Vec<Origin>> = winner_of_group.into_iter().collect();
    // Winners in receipt order, then ID (IDs are unique among winners); sort indices, then
    // move each complaint once.
    // The receipt times are gathered once (16 bytes a key): comparing through the rows read
    // each ID's shared string (a pointer chase into millions of scattered allocations) on
    // every comparison; now only equal receipt times look at the IDs.
    let mut keys: Vec<(Ts, u32)> = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| !loses[*i])
        .map(|(i, c)| (c.received_at(), i as u32))
        .collect();
    keys.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            rows[a.1 as usize]
                .id
                .as_str()
                .cmp(rows[b.1 as usize].id.as_str())
        })
    });
    let mut order: Vec<u32> = keys.iter().map(|k| k.1).collect();
    drop(keys);
    let mut merged = Merged::default();
    for (k, i) in order.iter().enumerate() {
        if let Some(rows) = merged_of.remove(i) {
            merged.push(k, rows);
        }
    }
    // The losers go after the winners, then are dropped. Permuting in place rather than moving
    // into a second vector keeps one copy of the complaints: at a million rows the copy was
    // ~300 MB of fresh memory at the run's peak.
    let winners = order.len();
    order.extend((0..rows.len() as u32).filter(|&i| loses[i as usize]));
    crate::model::permute(&mut rows, order);
    // No shrink_to_fit: that would copy them after all; the spare capacity was never touched.
    rows.truncate(winners);
    Ok((rows, merged))
}

/// The rows of each ID that more than one row has, each group in row order. Every ID is
/// hashed and the (hash, row) pairs sorted, in parallel, so that the rows of an ID are
/// adjacent; a run of one hash is split by ID. A serial map of every ID was most of the
/// stage's serial time (and 24 bytes a row at 10 M).
fn repeated(rows: &[Complaint], hash: impl Fn(&str) -> u64 + Sync) -> Vec<Vec<u32>> {
    use rayon::prelude::*;
    let mut keyed: Vec<(u64, u32)> = rows
        .par_iter()
        .enumerate()
        .map(|(i, c)| (hash(c.id.as_str()), i as u32))
        .collect();
    keyed.par_sort_unstable();
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for run in keyed.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        // Usually one ID; split by ID when IDs share the hash.
        let mut ids: Vec<Vec<u32>> = Vec::new();
        for &(_, i) in run {
            let id = rows[i as usize].id.as_str();
            match ids
                .iter_mut()
                .find(|g| rows[g[0] as usize].id.as_str() == id)
            {
                Some(g) => g.push(i),
                None => ids.push(vec![i]),
            }
        }
        groups.extend(ids.into_iter().filter(|g| g.len() > 1));
    }
    groups
}

/// Sort key for the duplicate policy (greater wins).
fn rank(c: &Complaint) -> (Stage, usize, Ts, Origin) {
    let n = c.times.iter().flatten().count();
    let latest = c.times.iter().flatten().max().unwrap_or_default();
    (c.latest_stage(), n, latest, c.origin)
}

fn same_content(a: &Complaint, b: &Complaint, dicts: &Dictionaries) -> bool {
    let extra = |c: &Complaint, x: usize| dicts.extra(x).value(c.extra.get(x).copied().flatten());
    a.times == b.times
        && Field::ALL
            .iter()
            .all(|f| a.get(*f, dicts) == b.get(*f, dicts))
        && a.extra.len() == b.extra.len()
        && (0..a.extra.len()).all(|x| extra(a, x) == extra(b, x))
}

/// Every descriptive field (not a later-stage fact) on which two rows of one complaint
/// disagree, when both have a value: each is a finding of its own.
fn conflicts<'a>(
    a: &'a Complaint,
    b: &'a Complaint,
    dicts: &'a Dictionaries,
) -> impl Iterator<Item = Field> + 'a {
    use crate::model::FieldValue::Absent;
    [
        Field::ReceivedAt,
        Field::Project,
        Field::Building,
        Field::Unit,
        Field::Complainant,
        Field::Phone,
        Field::Channel,
        Field::CategoryRaw,
        Field::LevelRaw,
        Field::Text,
    ]
    .into_iter()
    .filter(move |f| {
        let (x, y) = (a.get(*f, dicts), b.get(*f, dicts));
        x != Absent && y != Absent && x != y
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Repeated rows are compared with their texts in every batch of groups, from the store in
    /// a file: of 2.5 batches of IDs given twice, those whose second row's text differs are
    /// flagged on `text`, and the texts are dropped from the rows again.
    /// Two rows of one complaint whose values are equal are identical, even where their codes
    /// differ (a dictionary whose values did not repeat holds a value twice); a value that
    /// differs is a conflict.
    #[test]
    fn rows_are_compared_by_value_not_code() {
        use crate::dictionary::Dictionary;
        let mut dicts = Dictionaries::default();
        *dicts.field_mut(Field::Phone) =
            Dictionary::appended(&["13800000000", "13800000000", "13900000000"]);
        *dicts.extra_mut(0) = Dictionary::appended(&["A栋", "A栋", "B栋"]);
        let phones: Vec<_> = dicts.field(Field::Phone).codes().map(|c| c.0).collect();
        let notes: Vec<_> = dicts.extra(0).codes().map(|c| c.0).collect();
        let row = |id: &str, line: u32, k: usize| {
            let mut c = Complaint {
                id: id.into(),
                extra: vec![Some(notes[k])].into(),
                origin: Origin {
                    file: 0,
                    line,
                    record: line - 1,
                },
                ..Complaint::default()
            };
            c.times.set(Stage::Received, 1_790_000_000);
            *c.code_slot(Field::Phone).unwrap() = Some(phones[k]);
            c
        };
        // `same`: codes 0 and 1, equal values; `other`: a different phone and note.
        let rows = vec![
            row("same", 2, 0),
            row("same", 3, 1),
            row("other", 4, 0),
            row("other", 5, 2),
        ];
        let mut rejects = Rejects::default();
        let texts = TextStore::default();
        let (kept, merged) = dedupe(rows, 1, &[], &texts, &dicts, &mut rejects).unwrap();
        assert_eq!((kept.len(), merged.total()), (2, 2));
        let of = |id: &str| -> Vec<(FindingCode, String)> {
            rejects
                .findings
                .iter()
                .filter(|f| f.complaint_id == id)
                .map(|f| (f.code, f.field.clone()))
                .collect()
        };
        assert_eq!(
            of("same"),
            [(FindingCode::ExactDuplicate, "complaint_id".into())]
        );
        assert_eq!(
            of("other"),
            [
                (FindingCode::Superseded, "complaint_id".into()),
                (FindingCode::DuplicateConflict, "phone".into())
            ]
        );
    }

    #[test]
    fn repeated_rows_are_compared_with_their_texts_in_every_batch() {
        let groups = TEXT_BATCH * 5 / 2;
        let mut texts = TextStore::new(&std::env::temp_dir(), 0, 1).unwrap();
        let mut buf = Vec::new();
        let mut rows = Vec::new();
        for copy in 0..2u32 {
            for g in 0..groups {
                // Every seventh ID's second row says something else.
                let text = if copy == 1 && g % 7 == 0 {
                    format!("第{g}条投诉，补充说明")
                } else {
                    format!("第{g}条投诉")
                };
                let mut c = Complaint {
                    id: format!("C{g}").as_str().into(),
                    origin: Origin {
                        file: 0,
                        line: copy * groups as u32 + g as u32 + 2,
                        record: copy * groups as u32 + g as u32 + 1,
                    },
                    text_at: crate::model::TextRef::new(buf.len() as u64, text.len()),
                    ..Complaint::default()
                };
                c.times.set(Stage::Received, 1_790_000_000 + g as i64);
                buf.extend_from_slice(text.as_bytes());
                rows.push(c);
            }
        }
        texts.append(&buf).unwrap();
        texts.finish().unwrap();
        assert!(texts.disk_bytes() > 0);
        let mut rejects = Rejects::default();
        let (kept, merged) =
            dedupe(rows, 0, &[], &texts, &Dictionaries::default(), &mut rejects).unwrap();
        assert_eq!((kept.len(), merged.total()), (groups, groups));
        let on_text = rejects
            .findings
            .iter()
            .filter(|f| f.code == FindingCode::DuplicateConflict && f.field == "text")
            .count();
        assert_eq!(on_text, groups.div_ceil(7));
        let exact = rejects
            .findings
            .iter()
            .filter(|f| f.code == FindingCode::ExactDuplicate)
            .count();
        assert_eq!(exact, groups - groups.div_ceil(7));
        assert!(kept.iter().all(|c| c.text.is_none()));
    }

    proptest! {
        /// The complaints come out one per ID (the row of the latest line, the rows being alike
        /// otherwise), sorted by receipt then ID, whether the rows came in that order or not.
        #[test]
        fn the_winners_come_out_by_receipt_then_id_from_any_row_order(
            rows in proptest::collection::vec(("[abcd]{1,2}", 0..4i64), 0..60),
            sort_first in any::<bool>(),
        ) {
            // One receipt time per ID (its rows differ only by line), taken from its first row.
            let mut at: std::collections::BTreeMap<String, i64> = Default::default();
            let mut rows: Vec<(String, i64)> = rows
                .into_iter()
                .map(|(id, t)| {
                    let t = *at.entry(id.clone()).or_insert(t);
                    (id, t)
                })
                .collect();
            if sort_first {
                rows.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
            }
            let complaints: Vec<Complaint> = rows
                .iter()
                .enumerate()
                .map(|(i, (id, t))| {
                    let mut c = Complaint {
                        id: id.as_str().into(),
                        origin: Origin { file: 0, line: i as u32 + 2, record: i as u32 + 1 },
                        ..Complaint::default()
                    };
                    c.times.set(Stage::Received, 1_790_000_000 + t * 60);
                    c
                })
                .collect();
            let mut want: Vec<(i64, String, u32)> = at
                .iter()
                .map(|(id, t)| {
                    let last = rows.iter().rposition(|r| &r.0 == id).unwrap();
                    (1_790_000_000 + t * 60, id.clone(), last as u32 + 2)
                })
                .collect();
            want.sort();
            let texts = TextStore::default();
            let mut rejects = Rejects::default();
            let dicts = Dictionaries::default();
            let (kept, merged) = dedupe(complaints, 0, &[], &texts, &dicts, &mut rejects).unwrap();
            let got: Vec<(i64, String, u32)> = kept
                .iter()
                .map(|c| (c.received_at(), c.id.to_string(), c.origin.line))
                .collect();
            prop_assert_eq!(got, want);
            prop_assert_eq!(kept.len() + merged.total(), rows.len());
        }

        /// The groups are those of a map from each ID to its rows, whether IDs share hashes
        /// (a hash of two values) or not.
        #[test]
        fn repeated_ids_are_grouped_in_row_order(ids in proptest::collection::vec("[abc]{1,3}", 0..200)) {
            let rows: Vec<Complaint> = ids
                .iter()
                .map(|id| Complaint { id: id.as_str().into(), ..Complaint::default() })
                .collect();
            let mut want: std::collections::BTreeMap<&str, Vec<u32>> = Default::default();
            for (i, id) in ids.iter().enumerate() {
                want.entry(id.as_str()).or_default().push(i as u32);
            }
            let mut want: Vec<Vec<u32>> = want.into_values().filter(|g| g.len() > 1).collect();
            want.sort_unstable();
            for hash in [
                &(|id: &str| rustc_hash::FxBuildHasher.hash_one(id)) as &(dyn Fn(&str) -> u64 + Sync),
                &|id: &str| id.len() as u64 % 2,
            ] {
                let mut got = repeated(&rows, hash);
                got.sort_unstable();
                prop_assert_eq!(&got, &want);
            }
        }
    }
}
