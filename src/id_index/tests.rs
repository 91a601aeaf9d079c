use super::*;

#[test]
fn finds_every_id_and_nothing_else() {
    let ids: Vec<String> = (0..10_000).map(|i| format!("TS2025-{i:05}")).collect();
    let idx = IdIndex::new(ids.iter().map(String::as_str));
    assert_eq!(idx.len(), ids.len());
    for (k, id) in ids.iter().enumerate() {
        assert_eq!(idx.get(id), Some(k as u32));
        assert_eq!(idx.id(k as u32), id);
    }
    for absent in ["", "TS2025-10000", "ts2025-00001", "TS2025-0000", "其他"] {
        assert_eq!(idx.get(absent), None, "{absent}");
    }
}

#[test]
fn empty_index_finds_nothing() {
    let idx = IdIndex::new(std::iter::empty());
    assert!(idx.is_empty());
    assert_eq!(idx.get("A"), None);
}

/// Keys in one tiny table probe past each other and are told apart by their bytes; an
/// empty ID and IDs that are prefixes of one another are distinct keys.
#[test]
fn colliding_slots_are_resolved_by_the_id() {
    let ids = ["A", "", "AB", "投诉"];
    let idx = IdIndex::new(ids.iter().copied());
    for (k, id) in ids.iter().enumerate() {
        assert_eq!(idx.get(id), Some(k as u32));
        assert_eq!(idx.id(k as u32), *id);
    }
    assert_eq!(idx.get("D"), None);
    assert_eq!(idx.get("ABC"), None);
}

/// The memo answers what the index does, whatever its entries hold: tables of 1, 16 and the
/// default entries (IDs evicting each other, tags shared), IDs asked for again and again in a
/// scrambled order by several threads at once, and IDs the index does not hold.
#[test]
fn the_memo_gives_the_index_positions_whatever_it_holds() {
    use rayon::prelude::*;
    let ids: Vec<String> = (0..5_000).map(|i| format!("TS2025-{i:05}")).collect();
    let idx = IdIndex::new(ids.iter().map(String::as_str));
    let asks: Vec<usize> = (0..40_000u64)
        .map(|i| (i.wrapping_mul(0x9E37_79B9) % 5_100) as usize)
        .collect();
    for entries in [1, 16, RECENT_SLOTS] {
        let memo = Recent::with_entries(&idx, entries);
        asks.par_chunks(1_000).for_each(|part| {
            for &i in part {
                let id = ids.get(i).map_or("TS2025-99999", String::as_str);
                assert_eq!(memo.get(id), idx.get(id), "{id} with {entries} entries");
            }
        });
        for absent in ["", "ts2025-00001", "TS2025-0000"] {
            assert_eq!(memo.get(absent), None);
        }
    }
}

/// An entry whose tag matches an ID but whose position is another's (two IDs sharing 32 bits
/// of hash) is not taken on trust: the ID is checked against the index's copy.
#[test]
fn a_memo_entry_is_checked_against_the_id() {
    let ids = ["A", "B", "C"];
    let idx = IdIndex::new(ids.iter().copied());
    let memo = Recent::with_entries(&idx, 16);
    let h = hash("A");
    memo.slots[(h as usize) & 15].store((h & 0xFFFF_FFFF_0000_0000) | 2, Ordering::Relaxed);
    assert_eq!(memo.get("A"), Some(0));
    assert_eq!(memo.get("B"), Some(1));
}
