use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

/// A frame's rows as (keys, aggregated values), sorted: group-by results come in no order.
fn rows_of(df: &DataFrame, keys: &[&str], values: &[&str]) -> Vec<(Vec<u32>, Vec<u64>)> {
    let k: Vec<Vec<u32>> = keys.iter().map(|c| codes(df, c).unwrap()).collect();
    let v: Vec<Vec<u64>> = values.iter().map(|c| numbers(df, c).unwrap()).collect();
    let mut rows: Vec<_> = (0..df.height())
        .map(|i| {
            (
                k.iter().map(|c| c[i]).collect(),
                v.iter().map(|c| c[i]).collect(),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// `grouped` and a plain polars group-by over the same frame and aggregations.
fn both_ways(df: &DataFrame, keys: &[&str]) -> [Vec<(Vec<u32>, Vec<u64>)>; 2] {
    let aggs = || {
        vec![
            col("n").sum().alias("n"),
            len().cast(DataType::UInt64).alias("rows"),
        ]
    };
    let packed = grouped(df.clone().lazy(), keys, aggs(), KeyUse::Unread).unwrap();
    let plain = df
        .clone()
        .lazy()
        .group_by(by(keys))
        .agg(aggs())
        .collect()
        .unwrap();
    [&packed, &plain].map(|d| rows_of(d, keys, &["n", "rows"]))
}

fn frame(keys: &[&str], rows: &[(Vec<u32>, u64)]) -> DataFrame {
    let mut columns: Vec<Column> = keys
        .iter()
        .enumerate()
        .map(|(j, k)| {
            Column::new(
                (*k).into(),
                rows.iter().map(|r| r.0[j]).collect::<Vec<u32>>(),
            )
        })
        .collect();
    columns.push(Column::new(
        "n".into(),
        rows.iter().map(|r| r.1).collect::<Vec<u64>>(),
    ));
    DataFrame::new(rows.len(), columns).unwrap()
}

proptest! {
    /// Packed keys group as the columns do: small codes, large ones and the company scope
    /// (`u32::MAX`, which the packing shifts to 0) among them, in two to four key columns.
    #[test]
    fn packed_keys_group_as_the_key_columns(
        width in 2usize..5,
        rows in proptest::collection::vec(
            (
                proptest::collection::vec(
                    prop_oneof![0u32..4, Just(COMPANY), Just(70_000u32)],
                    4,
                ),
                0u64..50,
            ),
            0..200,
        ),
    ) {
        let keys = &["period", "project", "team", "status"][..width];
        let rows: Vec<(Vec<u32>, u64)> =
            rows.into_iter().map(|(k, n)| (k[..width].to_vec(), n)).collect();
        let [packed, plain] = both_ways(&frame(keys, &rows), keys);
        prop_assert_eq!(packed, plain);
    }

    /// Every key is counted once per occurrence, in key order, however the keys fall across
    /// the slices that are counted apart and summed.
    #[test]
    fn keys_are_counted_across_slices(
        keys in proptest::collection::vec(prop_oneof![0u64..20, any::<u64>()], 0..300),
    ) {
        let mut want: BTreeMap<u64, u64> = BTreeMap::new();
        for k in &keys {
            *want.entry(*k).or_default() += 1;
        }
        let got = count_keys(keys.len(), |r| keys[r].to_vec()).unwrap();
        prop_assert_eq!(got, want.into_iter().collect::<Vec<_>>());
    }
}

/// More keys than one slice holds: the slices' counts are summed.
#[test]
fn keys_beyond_one_slice_are_summed() {
    let n = (1 << 18) * 2 + 1000;
    let key = |i: usize| ((i * 7919) % 5003) as u64;
    let got = count_keys(n, |r| r.map(key).collect()).unwrap();
    let mut want: BTreeMap<u64, u64> = BTreeMap::new();
    for i in 0..n {
        *want.entry(key(i)).or_default() += 1;
    }
    assert_eq!(got, want.into_iter().collect::<Vec<_>>());
}

/// Keys that cannot be packed are grouped as they are: nulls, and codes wider than 64 bits
/// together.
#[test]
fn keys_that_do_not_pack_are_grouped_as_they_are() {
    let keys = ["a", "b", "c"];
    let big = u32::MAX - 1;
    let rows: Vec<(Vec<u32>, u64)> = (0..40)
        .map(|i| (vec![big - i % 3, big - i % 2, big - i % 5], u64::from(i)))
        .collect();
    let [packed, plain] = both_ways(&frame(&keys, &rows), &keys);
    assert_eq!(packed, plain);
    assert_eq!(packed.len(), 30);
    let mut with_null = frame(&keys, &rows);
    with_null
        .with_column(Column::new(
            "a".into(),
            (0..40u32)
                .map(|i| (i % 4 != 0).then_some(i % 3))
                .collect::<Vec<_>>(),
        ))
        .unwrap();
    let packed = grouped(
        with_null.clone().lazy(),
        &keys,
        vec![col("n").sum()],
        KeyUse::Unread,
    )
    .unwrap();
    let plain = with_null
        .lazy()
        .group_by(by(&keys))
        .agg([col("n").sum()])
        .collect()
        .unwrap();
    assert_eq!(packed.height(), plain.height());
    assert_eq!(
        packed.column("a").unwrap().null_count(),
        plain.column("a").unwrap().null_count()
    );
}

/// Aggregations that read a key column (an indicator filtered on `project`) see it, and the
/// result is the plain group-by's, keys first in the order given.
#[test]
fn aggregations_may_read_the_keys() {
    let keys = ["period", "project"];
    let rows: Vec<(Vec<u32>, u64)> = (0..60u32)
        .map(|i| {
            (
                vec![i % 3, if i % 7 == 0 { COMPANY } else { i % 4 }],
                u64::from(i),
            )
        })
        .collect();
    let df = frame(&keys, &rows);
    let aggs = || {
        vec![
            col("n")
                .filter(col("project").eq(lit(1u32)).or(col("period").eq(lit(2u32))))
                .sum()
                .alias("n"),
            len().cast(DataType::UInt64).alias("rows"),
        ]
    };
    let packed = grouped(df.clone().lazy(), &keys, aggs(), KeyUse::MayRead).unwrap();
    let plain = df.lazy().group_by(by(&keys)).agg(aggs()).collect().unwrap();
    let names: Vec<&str> = packed
        .get_column_names()
        .iter()
        .map(|n| n.as_str())
        .collect();
    assert_eq!(names, ["period", "project", "n", "rows"]);
    assert_eq!(
        rows_of(&packed, &keys, &["n", "rows"]),
        rows_of(&plain, &keys, &["n", "rows"])
    );
}
