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
