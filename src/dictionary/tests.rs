use super::{Code, Coder, Dictionary};

/// A column whose values repeat keeps finding them; one whose values do not (a phone per row)
/// stops being looked up after the probe, and its values stay equal to the cells.
#[test]
fn a_column_is_looked_up_while_its_values_repeat() {
    let probe = Coder::PROBE as usize;
    let mut repeating = Coder::default();
    let first = repeating.code("已关闭");
    for _ in 0..probe * 2 {
        assert_eq!(repeating.code("已关闭"), first);
    }
    assert!(!repeating.direct);
    assert_eq!(repeating.len(), 1);
    let mut unique = Coder::default();
    for i in 0..probe * 2 {
        let cell = format!("1380000{i:04}");
        let c = unique.code(&cell);
        assert_eq!(unique.value(c.index()), cell);
    }
    assert!(unique.direct);
    assert!(unique.set.is_empty());
    // A value seen again after the switch is equal, under a code of its own.
    let again = unique.code("13800000000");
    assert_eq!(unique.value(again.index()), "13800000000");
    assert_eq!(unique.len(), probe * 2 + 1);
    // One in twenty found is enough to go on looking up.
    let mut some = Coder::default();
    for i in 0..probe {
        let cell = if i % 16 == 0 {
            "A".to_owned()
        } else {
            format!("v{i}")
        };
        some.code(&cell);
    }
    assert!(!some.direct);
}

/// Values that differ in one byte, in their length, or only past the bytes held in place, get
/// codes of their own; short ones and long ones (compared in the arena) alike.
#[test]
fn a_code_is_its_value_and_no_other() {
    let long = "长".repeat(8);
    let x23 = "x".repeat(23);
    let x24 = "x".repeat(24);
    let mut values: Vec<String> = Vec::new();
    for v in ["a", "已关闭", &x23, &x24, &long] {
        values.push(v.to_owned());
        values.push(format!("{v}x"));
        values.push(v[..v.char_indices().last().unwrap().0].to_owned());
        let mut other = v.to_owned().into_bytes();
        other[0] ^= 1;
        if let Ok(other) = String::from_utf8(other) {
            values.push(other);
        }
    }
    values.retain(|v| !v.is_empty());
    let mut coder = Coder::default();
    let codes: Vec<Code> = values.iter().map(|v| coder.code(v)).collect();
    for (i, v) in values.iter().enumerate() {
        assert_eq!(coder.value(codes[i].index()), v);
        for (j, w) in values.iter().enumerate() {
            assert_eq!(codes[i] == codes[j], v == w, "{v} / {w}");
        }
        assert_eq!(coder.code(v), codes[i], "{v} again");
    }
}

/// Chunks merged into a run's dictionary: every row's code is its cell's value, and equal
/// values share a code across chunks while every chunk repeated its values; a sealed
/// dictionary still merges.
#[test]
fn merged_chunks_share_one_code_per_value() {
    let mut dict = Dictionary::default();
    let mut rows: Vec<(String, Code)> = Vec::new();
    for chunk in 0..3 {
        let mut coder = Coder::default();
        let cells: Vec<String> = (0..5000)
            .map(|i| format!("项目{}", (i * 7 + chunk) % 13))
            .collect();
        let local: Vec<Code> = cells.iter().map(|c| coder.code(c)).collect();
        let map = dict.merge(&coder);
        rows.extend(cells.into_iter().zip(local.iter().map(|c| map[c.index()])));
        if chunk == 1 {
            dict.seal();
        }
    }
    assert!(dict.is_unique());
    assert_eq!(dict.len(), 13);
    for (cell, code) in &rows {
        assert_eq!(dict.get(*code), cell);
        assert_eq!(dict.find(cell), Some(*code));
    }
    // Codes number values in the order first met.
    assert_eq!(dict.values().next(), Some("项目0"));
    assert_eq!(dict.code("项目0").index(), 0);
    assert_eq!(dict.find("nowhere"), None);
    assert_eq!(dict.code("nowhere").index(), 13);
}

/// A chunk whose values did not repeat is appended without lookups, and so is every chunk
/// after it: the dictionary may then hold a value twice, and its canonical codes are equal
/// exactly when the values are.
#[test]
fn a_chunk_that_did_not_repeat_makes_the_dictionary_mixed() {
    let mut dict = Dictionary::default();
    let mut rows: Vec<(String, Code)> = Vec::new();
    for chunk in 0..4 {
        let mut coder = Coder::default();
        // Chunk 1 is all distinct phones (one of them the run's, again), so it goes direct.
        let cells: Vec<String> = (0..5000)
            .map(|i| match chunk {
                1 if i == 4000 => "项目3".to_owned(),
                1 => format!("1390000{i:04}"),
                _ => format!("项目{}", (i * 7 + chunk) % 13),
            })
            .collect();
        let local: Vec<Code> = cells.iter().map(|c| coder.code(c)).collect();
        assert_eq!(coder.direct, chunk == 1);
        let map = dict.merge(&coder);
        rows.extend(cells.into_iter().zip(local.iter().map(|c| map[c.index()])));
    }
    assert!(!dict.is_unique());
    assert_eq!(dict.len(), 13 + 5000 + 13 + 13);
    let canonical = dict.canonical();
    for (cell, code) in &rows {
        assert_eq!(dict.get(*code), cell);
        assert_eq!(dict.find(cell), Some(canonical.of(*code)), "{cell}");
    }
    for (a, ca) in rows.iter().step_by(97) {
        for (b, cb) in rows.iter().step_by(89) {
            assert_eq!(canonical.of(*ca) == canonical.of(*cb), a == b, "{a} / {b}");
        }
    }
    // A value added to a mixed dictionary is found first.
    assert_eq!(dict.code("项目5"), dict.find("项目5").unwrap());
    let n = dict.len();
    assert_eq!(dict.code("new").index(), n);
}

proptest::proptest! {
    /// With more values than the recent slots hold, so that values meet in a slot and the
    /// slots stop being filled: every code's value is its cell, and a value seen again has
    /// its first code (while the column is looked up).
    #[test]
    fn values_meeting_in_a_slot_are_told_apart(
        picks in proptest::collection::vec(0usize..1000, 1..3000),
    ) {
        // Short values and long ones (compared in the arena).
        let cells: Vec<String> = (0..1000)
            .map(|k| if k % 3 == 0 { format!("{k:040}") } else { format!("v{k}") })
            .collect();
        let mut coder = Coder::default();
        let mut first: Vec<Option<Code>> = vec![None; cells.len()];
        for k in picks {
            let c = coder.code(&cells[k]);
            proptest::prop_assert_eq!(coder.value(c.index()), cells[k].as_str());
            if coder.direct {
                continue;
            }
            match first[k] {
                Some(f) => proptest::prop_assert_eq!(c, f, "{} not found", cells[k]),
                None => first[k] = Some(c),
            }
        }
    }

    /// Every code's value is its cell, and a value seen again has its first code, whatever
    /// the mix of values (at most 400 lookups: within the probe).
    #[test]
    fn coded_values_are_their_cells(
        picks in proptest::collection::vec(0usize..12, 1..400),
    ) {
        let cells = [
            "已关闭", "已完成", "处理中", "A", "B", "ab", "ba", "axb", "ayb",
            "一二三四五六七八", "一二三四五六七八九", "一二三四五六七",
        ];
        let mut coder = Coder::default();
        let mut first: Vec<Option<Code>> = vec![None; cells.len()];
        for k in picks {
            let c = coder.code(cells[k]);
            proptest::prop_assert_eq!(coder.value(c.index()), cells[k]);
            match first[k] {
                Some(f) => proptest::prop_assert_eq!(c, f),
                None => first[k] = Some(c),
            }
        }
    }
}
