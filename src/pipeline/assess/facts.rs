//! The complaint table: each complaint's dimensions (dictionary-encoded) and the facts the
//! indicators count, derived once from the record, the rule outputs, the event log and the
//! business calendar.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::table::{ComplaintTable, Dict, OutputColumn, period_key, rule_value_text};
use crate::model::{Code, Dictionaries, Field, Stage};
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::Classified;
use crate::pipeline::sla::calendar_for;
use crate::time::{Ts, Zone};

/// What the facts depend on besides the complaints.
pub struct FactOptions<'a> {
    /// The zone of local times.
    pub zone: &'a Zone,
    /// The evaluation instant.
    pub as_of: Ts,
    /// The report period's kind (`month`, ...), which the `period` column is keyed by.
    pub kind: &'static str,
    /// Calendar per project.
    pub project_calendars: &'a crate::config::ProjectCalendars,
    /// `--unmask`: dimension labels as written. Otherwise a phone number typed into the
    /// project, building or team column is masked in the labels the report groups by.
    pub unmask: bool,
}

/// Builds the complaint table of `cls` (the facts in parallel, the dictionaries in order).
pub(super) fn complaint_table(
    rules: &RuleSet,
    cls: Classified,
    logged: bool,
    opts: &FactOptions<'_>,
) -> ComplaintTable {
    let settings = &rules.kpis.settings;
    let zone = opts.zone;
    let as_of = opts.as_of;
    let response: Vec<Stage> = settings
        .response_events
        .iter()
        .filter_map(|e| Stage::from_name(e))
        .collect();
    let seen = |t: Option<Ts>| t.filter(|t| *t <= as_of);
    // Working time and lifecycle facts: independent per complaint, written in parallel
    // straight into their columns (a vector of 40-byte per-complaint structs first was 380 MB
    // at 10 M, at the start of assess).
    let n = cls.complaints.len();
    let mut respond_minutes = vec![f64::NAN; n];
    let mut resolve_minutes = vec![f64::NAN; n];
    let mut resolved_col = vec![false; n];
    let mut followed_col = vec![false; n];
    cls.complaints
        .par_iter()
        .zip(respond_minutes.par_iter_mut())
        .zip(resolve_minutes.par_iter_mut())
        .zip(resolved_col.par_iter_mut())
        .zip(followed_col.par_iter_mut())
        .for_each(|((((c, respond), resolve), is_resolved), is_followed)| {
            let received = c.received_at();
            let (cal, _) = calendar_for(rules, None, c, &cls.dicts, opts.project_calendars);
            let minutes = |t: Ts| cal.working_seconds_between(received, t) as f64 / 60.0;
            let first_response = response
                .iter()
                .filter_map(|s| seen(c.time(*s)))
                .filter(|t| *t >= received)
                .min();
            let resolved = seen(c.time(Stage::Resolved)).filter(|t| *t >= received);
            if let Some(t) = first_response {
                *respond = minutes(t);
            }
            if let Some(t) = resolved {
                *resolve = minutes(t);
            }
            *is_resolved = resolved.is_some();
            *is_followed = resolved.is_some() && seen(c.time(Stage::FollowUp)).is_some();
        });
    let mut t = ComplaintTable {
        kind: opts.kind,
        period: Vec::with_capacity(n),
        periods: Dict::default(),
        project: Vec::with_capacity(n),
        projects: Dict::default(),
        building: Vec::with_capacity(n),
        buildings: Dict::default(),
        team: Vec::with_capacity(n),
        teams: Dict::default(),
        outputs: Vec::new(),
        respond_minutes,
        resolve_minutes,
        resolved: resolved_col,
        followed: followed_col,
        // Read from the event log chunk by chunk, with the verdicts (`assess::run`).
        reopened: Vec::new(),
        repeat: Vec::new(),
        reopen_known: logged,
        zone: zone.clone(),
        classified: Classified::default(),
    };
    let (codes, dicts) = dimensions(&cls.complaints, &cls.dicts, opts, DIM_CHUNK);
    [t.period, t.project, t.building, t.team] = codes;
    [t.periods, t.projects, t.buildings, t.teams] = dicts;
    // Rule outputs: coded per evaluation (complaints that shared one share its value).
    let evaluations = cls.traces.len().max(
        (0..cls.values.len())
            .map(|i| cls.values.evaluation(i) + 1)
            .max()
            .unwrap_or(0),
    );
    for (k, name) in cls.columns.iter().enumerate() {
        let mut dict = Dict::default();
        let mut by_evaluation = vec![u32::MAX; evaluations];
        for i in 0..cls.values.len() {
            let e = cls.values.evaluation(i);
            if by_evaluation[e] == u32::MAX {
                by_evaluation[e] = dict.code(&rule_value_text(&cls.values[i][k], zone));
            }
        }
        t.outputs.push(OutputColumn {
            name: name.clone(),
            dict,
            by_evaluation,
        });
    }
    t.repeat = repeats(&t, &cls, settings.repeat_days);
    t.classified = cls;
    t
}

/// Complaints whose dimensions one task codes.
const DIM_CHUNK: usize = 16_384;

/// Each complaint's period, project, building and team, coded into their dictionaries in
/// complaint order (a value's code is the order of its first complaint). Each `chunk` of
/// complaints codes its own in parallel, then the chunks' dictionaries are merged in order,
/// which gives every value the code one pass in complaint order gives it. The single pass took
/// about 0.1 s at a million complaints, on one core.
fn dimensions(
    complaints: &[crate::model::Complaint],
    values: &Dictionaries,
    opts: &FactOptions<'_>,
    chunk: usize,
) -> ([Vec<u32>; 4], [Dict; 4]) {
    let chunks: Vec<DimChunk> = complaints
        .par_chunks(chunk.max(1))
        .map(|c| DimChunk::code(c, values, opts))
        .collect();
    let mut dicts: [Dict; 4] = Default::default();
    let remaps: Vec<[Vec<u32>; 4]> = chunks
        .iter()
        .map(|c| {
            std::array::from_fn(|d| {
                c.dicts[d]
                    .names()
                    .iter()
                    .map(|s| dicts[d].code(s))
                    .collect()
            })
        })
        .collect();
    let mut codes: [Vec<u32>; 4] = std::array::from_fn(|_| Vec::with_capacity(complaints.len()));
    for (c, remap) in chunks.iter().zip(&remaps) {
        for local in &c.codes {
            for d in 0..4 {
                codes[d].push(remap[d][local[d] as usize]);
            }
        }
    }
    (codes, dicts)
}

/// A chunk's dimension codes (period, project, building, team) into its own dictionaries.
struct DimChunk {
    codes: Vec<[u32; 4]>,
    dicts: [Dict; 4],
}

impl DimChunk {
    fn code(
        chunk: &[crate::model::Complaint],
        values: &Dictionaries,
        opts: &FactOptions<'_>,
    ) -> DimChunk {
        let zone = opts.zone;
        let mut dicts: [Dict; 4] = Default::default();
        // Period codes by local day: a day's key is formatted once, not once per complaint.
        let mut day_key: FxHashMap<i64, u32> = FxHashMap::default();
        fn label(s: Option<&str>, unmask: bool) -> std::borrow::Cow<'_, str> {
            let s = s.unwrap_or("");
            if unmask {
                std::borrow::Cow::Borrowed(s)
            } else {
                crate::privacy::mask_phones(s)
            }
        }
        let label = |s| label(s, opts.unmask);
        // Codes by the value's code in the run's dictionary: the text is masked and looked up
        // once per distinct value of the chunk, not once per complaint.
        let mut by_value: [FxHashMap<Code, u32>; 3] = Default::default();
        let mut codes = Vec::with_capacity(chunk.len());
        for c in chunk {
            let received = c.received_at();
            let day = zone.local_secs(received).div_euclid(86_400);
            let period = *day_key.entry(day).or_insert_with(|| {
                dicts[0].code(&period_key(opts.kind, zone.local_date(received)))
            });
            let mut code = [period, 0, 0, 0];
            for (d, f) in [Field::Project, Field::Building, Field::Team]
                .into_iter()
                .enumerate()
            {
                let dict = &mut dicts[d + 1];
                code[d + 1] = match c.code(f) {
                    Some(v) => *by_value[d]
                        .entry(v)
                        .or_insert_with(|| dict.code(&label(Some(values.field(f).get(v))))),
                    None => dict.code(""),
                };
            }
            codes.push(code);
        }
        DimChunk { codes, dicts }
    }
}

/// A complaint repeats an earlier one of the same project, building, unit and category
/// received within `days` before it. Complaints without a unit are never repeats.
///
/// Each complaint's key is hashed and the (hash, complaint) pairs sorted, in parallel, so that
/// the complaints of one key are adjacent and in complaint order, which is receipt order; each
/// run of one hash is then split by key and its neighbours compared, a run per task. One serial
/// pass through a map of every key, a cache miss per complaint once the map outgrew the cache,
/// was 0.16 s of the kit's 1 M job on one core, while the other waited.
fn repeats(t: &ComplaintTable, cls: &Classified, days: i64) -> Vec<bool> {
    use std::hash::BuildHasher;
    let category = t.output("category");
    // Units compared by code: canonical ones, which are one per value.
    let units = cls.dicts.field(Field::Unit).canonical();
    let window = days * 86_400;
    // The receipt times side by side: the runs below read them at random, and from the rows
    // each read was a cache miss.
    let received: Vec<Ts> = cls.complaints.par_iter().map(|c| c.received_at()).collect();
    let at = |i: usize| received[i];
    let unit = |i: usize| cls.complaints[i].code(Field::Unit).map(|u| units.of(u));
    let cat = |i: usize| category.map_or(0, |o| o.by_evaluation[cls.values.evaluation(i)]);
    // Bits of a code below `n`.
    let bits = |n: usize| usize::BITS - n.saturating_sub(1).leading_zeros();
    let widths = [
        bits(t.projects.names().len()),
        bits(t.buildings.names().len()),
        bits(cls.dicts.field(Field::Unit).len()),
        bits(category.map_or(1, |o| o.dict.names().len())),
    ];
    if widths.iter().sum::<u32>() <= 32 {
        // Every key a number of 32 bits: packed beside its complaint and sorted (the usual
        // case: a few dozen projects, buildings, units and categories).
        let [_, wb, wu, wc] = widths;
        return repeats_packed(
            cls.complaints.len(),
            |i| {
                let u = unit(i)?.index() as u32;
                let k = (t.project[i] << (wb + wu + wc)) | (t.building[i] << (wu + wc));
                Some(k | (u << wc) | cat(i))
            },
            at,
            window,
        );
    }
    repeats_by(
        cls.complaints.len(),
        |i| Some((t.project[i], t.building[i], unit(i)?, cat(i))),
        at,
        window,
        // The upper half: Fx mixes its high bits best.
        |k| (rustc_hash::FxBuildHasher.hash_one(k) >> 32) as u32,
    )
}

/// [`repeats_by`] for keys that are numbers of at most 32 bits: each item's key and position
/// packed into one word and the words sorted, so that a run of one key is exactly that key's
/// items in order, and only their times are read again.
fn repeats_packed(
    n: usize,
    key: impl Fn(usize) -> Option<u32> + Sync,
    at: impl Fn(usize) -> Ts + Sync,
    window: i64,
) -> Vec<bool> {
    // Items without a key are `NONE`, which sorts last and is cut off (no item is at
    // `u32::MAX`, so no packed word equals it).
    const NONE: u64 = u64::MAX;
    let mut keyed: Vec<u64> = (0..n)
        .into_par_iter()
        .map(|i| key(i).map_or(NONE, |k| (u64::from(k) << 32) | i as u64))
        .collect();
    keyed.par_sort_unstable();
    keyed.truncate(keyed.partition_point(|x| *x < NONE));
    let item = |w: u64| w as u32 as usize;
    let repeated: Vec<u32> = keyed
        .par_chunk_by(|a, b| a >> 32 == b >> 32)
        .flat_map_iter(|run| {
            run.windows(2)
                .filter(|w| at(item(w[1])) - at(item(w[0])) <= window)
                .map(|w| item(w[1]) as u32)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut out = vec![false; n];
    for i in repeated {
        out[i as usize] = true;
    }
    out
}

/// Of `n` items in time order, those whose `key` an earlier item has, the latest such at most
/// `window` seconds before (`at`). Items without a key are never repeats. `hash` only groups:
/// items whose keys share a hash are told apart by the keys (`u32::MAX` is a hash like any
/// other: the sentinel below is told apart by its item).
fn repeats_by<K: PartialEq>(
    n: usize,
    key: impl Fn(usize) -> Option<K> + Sync,
    at: impl Fn(usize) -> Ts + Sync,
    window: i64,
    hash: impl Fn(&K) -> u32 + Sync,
) -> Vec<bool> {
    // (hash, item), 8 bytes an item, collected to its exact size (a filtered
    // parallel collect holds its pieces and the whole at once: 320 MB at 10 M); items without a
    // key are `NONE`, which sorts last and is cut off.
    const NONE: (u32, u32) = (u32::MAX, u32::MAX);
    let mut keyed: Vec<(u32, u32)> = (0..n)
        .into_par_iter()
        .map(|i| key(i).map_or(NONE, |k| (hash(&k), i as u32)))
        .collect();
    keyed.par_sort_unstable();
    keyed.truncate(keyed.partition_point(|x| *x < NONE));
    let repeated: Vec<u32> = keyed
        .par_chunk_by(|a, b| a.0 == b.0)
        .flat_map_iter(|run| {
            let mut found = Vec::new();
            // A hash of one item has no earlier item: its key is not read (a random read of
            // the complaint and its unit, for most complaints).
            if run.len() < 2 {
                return found;
            }
            // Usually one key; more only where keys share the hash. Each key's last item.
            let mut last: Vec<(K, u32)> = Vec::new();
            for &(_, i) in run {
                let Some(k) = key(i as usize) else { continue };
                match last.iter_mut().find(|(l, _)| *l == k) {
                    Some((_, j)) => {
                        if at(i as usize) - at(*j as usize) <= window {
                            found.push(i);
                        }
                        *j = i;
                    }
                    None => last.push((k, i)),
                }
            }
            found
        })
        .collect();
    let mut out = vec![false; n];
    for i in repeated {
        out[i as usize] = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Complaint, Stage};
    use proptest::prelude::*;

    /// The repeats found by sorting hashed keys, or packed ones, are those of one pass through
    /// a map, whether keys share hashes (all of them, here) or not.
    #[test]
    fn repeats_sorted_by_hash_are_those_of_one_pass_through_a_map() {
        let naive = |keys: &[Option<u8>], at: &[Ts], window: i64| {
            let mut last: FxHashMap<u8, Ts> = FxHashMap::default();
            keys.iter()
                .zip(at)
                .map(|(k, &t)| match k {
                    Some(k) => last.insert(*k, t).is_some_and(|p| t - p <= window),
                    None => false,
                })
                .collect::<Vec<bool>>()
        };
        proptest!(|(items in proptest::collection::vec((proptest::option::of(0u8..6), 0i64..50), 0..300), window in 0i64..60)| {
            let keys: Vec<Option<u8>> = items.iter().map(|x| x.0).collect();
            let at: Vec<Ts> = items.iter().scan(0, |t, x| { *t += x.1; Some(*t) }).collect();
            let want = naive(&keys, &at, window);
            for hash in [(|k: &u8| u32::from(*k)) as fn(&u8) -> u32, |_| 7, |_| u32::MAX] {
                let got = repeats_by(keys.len(), |i| keys[i], |i| at[i], window, hash);
                prop_assert_eq!(&got, &want);
            }
            // Packed: small keys, and keys at the top of the 32 bits.
            for pack in [(|k: u8| u32::from(k)) as fn(u8) -> u32, |k| u32::MAX - u32::from(k)] {
                let got = repeats_packed(keys.len(), |i| keys[i].map(pack), |i| at[i], window);
                prop_assert_eq!(&got, &want);
            }
        });
    }

    /// Coding the dimensions chunk by chunk gives the codes and dictionaries of one pass.
    #[test]
    fn dimensions_coded_in_chunks_are_those_of_one_pass() {
        let zone = crate::time::Zone::new(chrono_tz::Asia::Shanghai);
        let calendars = crate::config::ProjectCalendars::default();
        let opts = FactOptions {
            zone: &zone,
            as_of: 0,
            kind: "month",
            project_calendars: &calendars,
            unmask: false,
        };
        let projects = ["A", "B", "A", "C", "B", "A", "13812345678", "C"];
        // The project dictionary holds `A` twice (as one whose chunks' values did not repeat
        // may): complaint 2's `A` has a code of its own. The codes go by the text either way.
        let mut values = Dictionaries::default();
        *values.field_mut(Field::Project) =
            crate::dictionary::Dictionary::appended(&["A", "B", "C", "13812345678", "A"]);
        let codes: Vec<_> = values
            .field(Field::Project)
            .codes()
            .map(|(c, v)| (c, v.to_string()))
            .collect();
        let complaints: Vec<Complaint> = projects
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (project, _) = if i == 2 {
                    codes[4].clone()
                } else {
                    codes.iter().find(|(_, v)| v == p).unwrap().clone()
                };
                let team = (i % 3 != 0).then(|| format!("T{}", i % 4));
                let mut c = Complaint::default();
                *c.code_slot(Field::Project).unwrap() = Some(project);
                *c.code_slot(Field::Team).unwrap() =
                    team.map(|t| values.field_mut(Field::Team).code(&t));
                // Months apart, so the periods differ too.
                c.times.set(
                    Stage::Received,
                    1_700_000_000 + (i as i64 % 3) * 40 * 86_400,
                );
                c
            })
            .collect();
        let (whole, whole_dicts) = dimensions(&complaints, &values, &opts, usize::MAX);
        for chunk in [1, 2, 3] {
            let (codes, dicts) = dimensions(&complaints, &values, &opts, chunk);
            assert_eq!(codes, whole, "chunk {chunk}");
            for d in 0..4 {
                assert_eq!(dicts[d].names(), whole_dicts[d].names(), "chunk {chunk}");
            }
        }
        // First-seen order, the phone number masked.
        assert_eq!(whole[1], [0, 1, 0, 2, 1, 0, 3, 2]);
        assert_eq!(whole_dicts[1].names()[..3], ["A", "B", "C"]);
        assert_ne!(whole_dicts[1].names()[3], "13812345678");
    }
}
