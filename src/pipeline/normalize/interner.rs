//! Sharing equal cell values within a column of a chunk (see [`Interner`]).

use crate::model::Str;

/// Shares equal strings within one column of one chunk. Keyed by the shared string itself,
/// with its hash beside it, so a new value costs one allocation, not a key copy besides; and
/// neither a probe that meets another value's entry nor the table's growth reads a shared
/// string through its pointer (a cache miss each, a tenth of the interner's samples).
///
/// One per column, not one per chunk: a categorical column's few values stay in a table that
/// fits the cache, whatever the large columns hold. And a column whose values hardly repeat (a
/// phone number per complaint) stops being interned: once [`Interner::PROBE`] lookups have
/// found fewer than one value in [`Interner::MIN_REPEAT`], every value of the column is a plain
/// new string for the rest of the chunk. Hashing and inserting such a value saves nothing. On
/// the kit's 1 M export, the interner's share of the run's samples fell from 231 to 158 of
/// ~2,600.
/// Values are equal either way: only whether two complaints share an allocation changes.
#[derive(Default)]
pub(super) struct Interner {
    set: hashbrown::HashTable<Entry>,
    /// The values found lately, by hash, compared in place: see [`Interner::get`].
    recent: Option<Box<[Recent; Interner::RECENT]>>,
    looked: u32,
    found: u32,
    /// Not interning: the column's values did not repeat in the first lookups.
    direct: bool,
}

/// A value of 1 to [`Interner::SHORT`] bytes, held in place: compared here, where a comparison
/// through the shared string is a read wherever that was allocated. (`len` 0: none held.)
#[derive(Clone, Copy, Default)]
struct Short {
    len: u8,
    bytes: [u8; Interner::SHORT],
}

impl Short {
    /// `s` in place, if it is short enough (and not empty).
    fn of(s: &str) -> Option<Short> {
        if s.is_empty() || s.len() > Interner::SHORT {
            return None;
        }
        let mut short = Short {
            len: s.len() as u8,
            bytes: [0; Interner::SHORT],
        };
        short.bytes[..s.len()].copy_from_slice(s.as_bytes());
        Some(short)
    }

    /// True when this holds exactly `s`.
    fn is(&self, s: &str) -> bool {
        usize::from(self.len) == s.len() && self.bytes[..s.len()] == *s.as_bytes()
    }
}

/// A value of the set: its hash, and its bytes when short (most lookups find their value),
/// else the shared string is compared.
struct Entry {
    hash: u64,
    short: Option<Short>,
    value: Str,
}

impl Entry {
    fn is(&self, hash: u64, s: &str) -> bool {
        self.hash == hash
            && match &self.short {
                Some(short) => short.is(s),
                None => self.value.as_str() == s,
            }
    }
}

/// A short value found lately, and the shared string (`None`: a slot not yet filled).
#[derive(Clone, Default)]
struct Recent {
    short: Short,
    value: Option<Str>,
}

impl Interner {
    /// Lookups after which a column that does not repeat stops being interned.
    const PROBE: u32 = 2048;
    /// A column keeps being interned if at least one lookup in this many found its value.
    const MIN_REPEAT: u32 = 20;
    /// Slots of recent values (a power of two).
    const RECENT: usize = 256;
    /// Longest value a slot holds, in bytes.
    const SHORT: usize = 23;

    /// The shared string equal to `s`.
    ///
    /// A value in its recent slot is compared there, byte for byte, before the set is
    /// probed: the set holds pointers, and comparing through one reads the shared string
    /// wherever it was allocated. A categorical column's values all fit the slots (the kit's
    /// 1 M job: BENCHMARKS.md, "Wave 2, 2026-12-07, late night").
    pub(super) fn get(&mut self, s: &str) -> Str {
        use std::hash::BuildHasher;
        if self.direct {
            return Str::from(s);
        }
        self.looked += 1;
        let hash = rustc_hash::FxBuildHasher.hash_one(s);
        let short = Short::of(s);
        // The slot of a value short enough for one, by the upper bits of its hash (Fx mixes
        // them best).
        let at = short.map(|_| (hash >> 56) as usize & (Self::RECENT - 1));
        if let Some(at) = at
            && let Some(recent) = &self.recent
            && let slot = &recent[at]
            && slot.short.is(s)
            && let Some(v) = &slot.value
        {
            self.found += 1;
            return v.clone();
        }
        let v = if let Some(e) = self.set.find(hash, |e| e.is(hash, s)) {
            self.found += 1;
            e.value.clone()
        } else {
            if self.looked >= Self::PROBE && self.found * Self::MIN_REPEAT < self.looked {
                self.direct = true;
                self.set = hashbrown::HashTable::new();
                self.recent = None;
                return Str::from(s);
            }
            let v = Str::from(s);
            let entry = Entry {
                hash,
                short,
                value: v.clone(),
            };
            self.set.insert_unique(hash, entry, |e| e.hash);
            v
        };
        // Filled while the column has few values: in one of thousands (owners' names), slots
        // would only be overwritten, a reference count up and one down per lookup.
        if let (Some(at), Some(short)) = (at, short)
            && self.set.len() <= Self::RECENT
        {
            let recent = self
                .recent
                .get_or_insert_with(|| Box::new(std::array::from_fn(|_| Recent::default())));
            recent[at] = Recent {
                short,
                value: Some(v.clone()),
            };
        }
        v
    }
}

#[cfg(test)]
mod tests {
    /// A column whose values repeat keeps sharing them; one whose values do not (a phone per
    /// row) stops being interned after the probe, and its values stay equal to the cells.
    #[test]
    fn a_column_is_interned_while_its_values_repeat() {
        let probe = super::Interner::PROBE as usize;
        let mut repeating = super::Interner::default();
        let first = repeating.get("已关闭");
        for _ in 0..probe * 2 {
            assert!(repeating.get("已关闭").ptr_eq(&first));
        }
        assert!(!repeating.direct);
        let mut unique = super::Interner::default();
        for i in 0..probe * 2 {
            let cell = format!("1380000{i:04}");
            assert_eq!(unique.get(&cell).as_str(), cell);
        }
        assert!(unique.direct);
        assert!(unique.set.is_empty());
        // A value seen again after the switch is equal, but no longer shared.
        let again = unique.get("13800000000");
        assert_eq!(again.as_str(), "13800000000");
        // One in twenty found is enough to go on interning.
        let mut some = super::Interner::default();
        for i in 0..probe {
            let cell = if i % 16 == 0 {
                "A".to_owned()
            } else {
                format!("v{i}")
            };
            some.get(&cell);
        }
        assert!(!some.direct);
    }

    /// An entry answers for its own value only: the hash and every byte must match, whether
    /// the value is compared in place (short) or through the shared string (long).
    #[test]
    fn an_entry_is_its_value_and_no_other() {
        let long = "长".repeat(8);
        for v in ["a", "已关闭", &"x".repeat(23), &"x".repeat(24), &long] {
            let e = super::Entry {
                hash: 7,
                short: super::Short::of(v),
                value: crate::model::Str::from(v),
            };
            assert_eq!(e.short.is_none(), v.len() > super::Interner::SHORT, "{v}");
            assert!(e.is(7, v), "{v}");
            assert!(!e.is(8, v), "{v}: another hash");
            assert!(!e.is(7, &format!("{v}x")), "{v}: longer");
            let shorter = &v[..v.char_indices().last().unwrap().0];
            assert!(!e.is(7, shorter), "{v}: shorter");
            let mut other = v.to_owned().into_bytes();
            other[0] ^= 1;
            if let Ok(other) = String::from_utf8(other) {
                assert!(!e.is(7, &other), "{v}: another first byte");
            }
        }
    }

    proptest::proptest! {
        /// With more values than the recent slots hold, so that values meet in a slot and the
        /// slots stop being filled: every value is still its cell, and shared once seen.
        #[test]
        fn values_meeting_in_a_slot_are_told_apart(
            picks in proptest::collection::vec(0usize..1000, 1..3000),
        ) {
            // Short values and long ones (compared through the shared string).
            let cells: Vec<String> = (0..1000)
                .map(|k| if k % 3 == 0 { format!("{k:040}") } else { format!("v{k}") })
                .collect();
            let mut interner = super::Interner::default();
            let mut first: Vec<Option<crate::model::Str>> = vec![None; cells.len()];
            for k in picks {
                let v = interner.get(&cells[k]);
                proptest::prop_assert_eq!(v.as_str(), cells[k].as_str());
                if interner.direct {
                    continue;
                }
                match &first[k] {
                    Some(f) => proptest::prop_assert!(v.ptr_eq(f), "{} not shared", cells[k]),
                    None => first[k] = Some(v),
                }
            }
        }


        /// Every value is its cell, and a value seen again is the shared one, whatever the mix
        /// of values (at most 400 lookups: within the probe, so the column stays interned).
        #[test]
        fn interned_values_are_their_cells_and_shared(
            picks in proptest::collection::vec(0usize..12, 1..400),
        ) {
            let cells = [
                "已关闭", "已完成", "处理中", "A", "B", "ab", "ba", "axb", "ayb",
                "一二三四五六七八", "一二三四五六七八九", "一二三四五六七",
            ];
            let mut interner = super::Interner::default();
            let mut first: Vec<Option<crate::model::Str>> = vec![None; cells.len()];
            for k in picks {
                let v = interner.get(cells[k]);
                proptest::prop_assert_eq!(v.as_str(), cells[k]);
                match &first[k] {
                    Some(f) => proptest::prop_assert!(v.ptr_eq(f), "{} not shared", cells[k]),
                    None => first[k] = Some(v),
                }
            }
        }
    }
}
