//! Dictionary codes: a text field's values held by the run, each complaint holding a code.
//!
//! A complaint's short text fields (project, unit, complainant, team, status …) and its
//! carried-through columns are not strings in the row but [`Code`]s into their field's
//! [`Dictionary`], built by normalize. A code is four bytes where a shared string was eight
//! plus a reference count touched on every copy, and later stages that group, key or count by
//! a field compare codes instead of hashing strings again. A dictionary keeps its values end to
//! end in one buffer (`Arena`): a value costs its bytes and an offset, where a shared string
//! was an allocation of 48 bytes (a phone number per complaint: half a gigabyte at 10 M).
//!
//! Within a dictionary, equal codes are equal values. Equal values are equal codes too, unless
//! the field's values hardly repeat: a column such as a phone number per complaint is not
//! looked up value by value (a random read into a table of millions, on the thread that
//! places the chunks), and its dictionary may then hold a value twice
//! ([`Dictionary::is_unique`]). A stage that compares such codes asks for
//! [`Dictionary::canonical`] codes. Codes are numbered in the order values were met (input
//! order, so a run's codes are deterministic), which means nothing: a stage that orders by a
//! field orders by its values.
//!
//! A chunk of rows is coded on a worker into its own [`Coder`] (no lock, no shared table), and
//! its codes are translated into the run's dictionary when the chunk is placed
//! ([`Dictionary::merge`]): a lookup per distinct value of the chunk, not per row, and none
//! for a chunk whose values did not repeat.

use std::hash::BuildHasher;
use std::num::NonZeroU32;

/// A value's number in its field's dictionary. Never zero, so an absent value
/// (`Option<Code>`) costs nothing besides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(NonZeroU32);

impl Code {
    /// The code of the `i`-th value (0-based).
    fn of_index(i: usize) -> Code {
        let n = u32::try_from(i + 1).expect("a dictionary holds fewer than 2^32 values");
        Code(NonZeroU32::new(n).expect("i + 1 is not zero"))
    }

    /// Its position among the dictionary's values (0-based).
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

fn hash_of(s: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(s)
}

/// Strings end to end in one buffer, by position.
#[derive(Debug, Clone, Default)]
struct Arena {
    bytes: String,
    /// Where each string ends in `bytes`.
    ends: Vec<u64>,
}

impl Arena {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    fn push(&mut self, s: &str) {
        self.bytes.push_str(s);
        self.ends.push(self.bytes.len() as u64);
    }

    /// Every string of `other`, after these.
    fn append(&mut self, other: &Arena) {
        let base = self.bytes.len() as u64;
        self.bytes.push_str(&other.bytes);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }

    fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// One field's values, by code.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    values: Arena,
    /// Each value's hash and code (and its bytes when short, compared in place), for finding
    /// a value's code ([`Dictionary::merge`], [`Dictionary::code`]). Dropped by
    /// [`Dictionary::seal`] once the run's values are all in, and rebuilt if a value is added
    /// after that.
    index: hashbrown::HashTable<Entry>,
    /// Values are appended without a lookup (a chunk's values did not repeat): the
    /// dictionary may hold a value twice, and keeps no index.
    mixed: bool,
}

/// A dictionary's codes made one per value, for a stage that compares codes: the same codes
/// for a dictionary that holds each value once, else each code mapped to the first code of its
/// value.
pub enum Canonical {
    /// The codes are canonical already.
    Same,
    /// The canonical code of each code, by index.
    Map(Vec<Code>),
}

impl Canonical {
    /// The canonical code of `c`.
    pub fn of(&self, c: Code) -> Code {
        match self {
            Canonical::Same => c,
            Canonical::Map(m) => m[c.index()],
        }
    }
}

impl Dictionary {
    /// The value of code `c` (of this dictionary).
    pub fn get(&self, c: Code) -> &str {
        self.values.get(c.index())
    }

    /// The value of an optional code.
    pub fn value(&self, c: Option<Code>) -> Option<&str> {
        c.map(|c| self.get(c))
    }

    /// Every value, in code order.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter()
    }

    /// Every code with its value, in code order.
    pub fn codes(&self) -> impl Iterator<Item = (Code, &str)> {
        self.values
            .iter()
            .enumerate()
            .map(|(i, v)| (Code::of_index(i), v))
    }

    /// Values held (distinct, if [`Dictionary::is_unique`]).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when it holds no value.
    pub fn is_empty(&self) -> bool {
        self.values.len() == 0
    }

    /// True when the dictionary holds each value once: equal values are equal codes.
    pub fn is_unique(&self) -> bool {
        !self.mixed
    }

    /// Codes to compare values by ([`Canonical`]): a table of the distinct values is built
    /// only for a dictionary that may hold a value twice.
    pub fn canonical(&self) -> Canonical {
        if !self.mixed {
            return Canonical::Same;
        }
        let mut first: rustc_hash::FxHashMap<&str, Code> = rustc_hash::FxHashMap::default();
        Canonical::Map(
            self.codes()
                .map(|(c, v)| *first.entry(v).or_insert(c))
                .collect(),
        )
    }

    /// The code of `s` (its first, in a dictionary that may hold it twice), if the dictionary
    /// holds it.
    pub fn find(&self, s: &str) -> Option<Code> {
        if !self.mixed && self.index.len() == self.values.len() {
            let h = hash_of(s);
            self.index
                .find(h, |e| e.is(h, s, &self.values))
                .map(|e| e.code)
        } else {
            self.values.iter().position(|v| v == s).map(Code::of_index)
        }
    }

    /// The code of `s`, added if new.
    pub fn code(&mut self, s: &str) -> Code {
        if self.mixed {
            return self.find(s).unwrap_or_else(|| {
                self.values.push(s);
                Code::of_index(self.values.len() - 1)
            });
        }
        self.reindex();
        self.code_hashed(hash_of(s), s)
    }

    fn code_hashed(&mut self, hash: u64, s: &str) -> Code {
        let values = &self.values;
        if let Some(e) = self.index.find(hash, |e| e.is(hash, s, values)) {
            return e.code;
        }
        let code = Code::of_index(self.values.len());
        self.values.push(s);
        let entry = Entry {
            hash,
            short: Short::of(s),
            code,
        };
        self.index.insert_unique(hash, entry, |e| e.hash);
        code
    }

    /// The index again, after [`Dictionary::seal`].
    fn reindex(&mut self) {
        if self.index.len() == self.values.len() {
            return;
        }
        self.index.clear();
        for (i, v) in self.values.iter().enumerate() {
            let hash = hash_of(v);
            let entry = Entry {
                hash,
                short: Short::of(v),
                code: Code::of_index(i),
            };
            self.index.insert_unique(hash, entry, |e| e.hash);
        }
    }

    /// Adds a chunk's values and returns, for each of the chunk's codes, the code of the same
    /// value here. The chunk's hashes were computed on its worker.
    ///
    /// A chunk whose values did not repeat ([`Coder`] stopped looking them up) is appended
    /// without a lookup (its buffer copied whole), and so is every chunk after it: the
    /// dictionary is then not unique.
    pub fn merge(&mut self, chunk: &Coder) -> Vec<Code> {
        if chunk.direct || self.mixed {
            self.mixed = true;
            self.index = hashbrown::HashTable::new();
            let first = self.values.len();
            self.values.append(&chunk.values);
            return (first..self.values.len()).map(Code::of_index).collect();
        }
        self.reindex();
        self.index.reserve(chunk.len(), |e| e.hash);
        (0..chunk.len())
            .map(|i| self.code_hashed(chunk.hashes[i], chunk.values.get(i)))
            .collect()
    }

    /// A dictionary of `values` as given, a value given twice held twice (as a chunk's values
    /// that did not repeat are appended): for tests of the stages that compare codes.
    #[cfg(test)]
    pub(crate) fn appended(values: &[&str]) -> Dictionary {
        let mut arena = Arena::default();
        values.iter().for_each(|v| arena.push(v));
        Dictionary {
            values: arena,
            index: hashbrown::HashTable::new(),
            mixed: true,
        }
    }

    /// Drops the lookup index (the values stay): a sealed dictionary only answers codes, until
    /// a value is added again.
    pub fn seal(&mut self) {
        self.index = hashbrown::HashTable::new();
        self.values.shrink_to_fit();
    }
}

/// A value of 1 to [`Coder::SHORT`] bytes, held in place: compared here, where a comparison in
/// the chunk's arena is a read elsewhere. (`len` 0: none held.)
#[derive(Clone, Copy, Default, Debug)]
struct Short {
    len: u8,
    bytes: [u8; Coder::SHORT],
}

impl Short {
    /// `s` in place, if it is short enough (and not empty).
    fn of(s: &str) -> Option<Short> {
        if s.is_empty() || s.len() > Coder::SHORT {
            return None;
        }
        let mut short = Short {
            len: s.len() as u8,
            bytes: [0; Coder::SHORT],
        };
        short.bytes[..s.len()].copy_from_slice(s.as_bytes());
        Some(short)
    }

    /// True when this holds exactly `s`.
    fn is(&self, s: &str) -> bool {
        usize::from(self.len) == s.len() && self.bytes[..s.len()] == *s.as_bytes()
    }
}

/// A value of a set (a chunk's or the run's): its hash, its bytes when short (most lookups
/// find their value), and its code there.
#[derive(Clone, Copy, Debug)]
struct Entry {
    hash: u64,
    short: Option<Short>,
    code: Code,
}

impl Entry {
    /// True when this is the entry of `s` (whose hash is `hash`); `values` are the set's.
    fn is(&self, hash: u64, s: &str, values: &Arena) -> bool {
        self.hash == hash
            && match &self.short {
                Some(short) => short.is(s),
                None => values.get(self.code.index()) == s,
            }
    }
}

/// A short value found lately, and its code (`None`: a slot not yet filled).
#[derive(Clone, Copy, Default)]
struct Recent {
    short: Short,
    code: Option<Code>,
}

/// Codes one column of one chunk, on the chunk's worker: each distinct value once in a buffer,
/// with its hash (both handed to the run's dictionary by [`Dictionary::merge`], so that the
/// calling thread, which places the chunks one after another, does not hash again).
///
/// A column whose values hardly repeat (a phone per complaint) stops looking values up: once
/// [`Coder::PROBE`] lookups have found fewer than one value in [`Coder::MIN_REPEAT`], every
/// value is a new code for the rest of the chunk, and the chunk is appended to the run's
/// dictionary without lookups either ([`Dictionary::merge`]). Looking such a value up saves
/// nothing.
#[derive(Default)]
pub struct Coder {
    set: hashbrown::HashTable<Entry>,
    /// The values found lately, by hash, compared in place: see [`Coder::code`].
    recent: Option<Box<[Recent; Coder::RECENT]>>,
    /// The values by code, and their hashes.
    values: Arena,
    hashes: Vec<u64>,
    looked: u32,
    found: u32,
    /// Not looking up: the column's values did not repeat in the first lookups.
    direct: bool,
}

impl Coder {
    /// Lookups after which a column that does not repeat stops being looked up.
    const PROBE: u32 = 2048;
    /// A column keeps being looked up if at least one lookup in this many found its value.
    const MIN_REPEAT: u32 = 20;
    /// Slots of recent values (a power of two).
    const RECENT: usize = 256;
    /// Longest value a slot or an entry holds in place, in bytes.
    const SHORT: usize = 23;

    /// Values coded (codes are `0..len` as indexes).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no value was coded.
    pub fn is_empty(&self) -> bool {
        self.values.len() == 0
    }

    /// The value at index `i`.
    pub fn value(&self, i: usize) -> &str {
        self.values.get(i)
    }

    fn push(&mut self, hash: u64, s: &str) -> Code {
        let code = Code::of_index(self.values.len());
        self.values.push(s);
        self.hashes.push(hash);
        code
    }

    /// The chunk's code of `s`.
    ///
    /// A value in its recent slot is compared there, byte for byte, before the set is
    /// probed: a categorical column's values all fit the slots (the kit's 1 M job:
    /// BENCHMARKS.md, "Wave 2, 2026-12-07, late night").
    pub fn code(&mut self, s: &str) -> Code {
        let hash = hash_of(s);
        if self.direct {
            return self.push(hash, s);
        }
        self.looked += 1;
        let short = Short::of(s);
        // The slot of a value short enough for one, by the upper bits of its hash (Fx mixes
        // them best).
        let at = short.map(|_| (hash >> 56) as usize & (Self::RECENT - 1));
        if let Some(at) = at
            && let Some(recent) = &self.recent
            && let slot = &recent[at]
            && slot.short.is(s)
            && let Some(code) = slot.code
        {
            self.found += 1;
            return code;
        }
        let values = &self.values;
        let code = if let Some(e) = self.set.find(hash, |e| e.is(hash, s, values)) {
            self.found += 1;
            e.code
        } else {
            if self.looked >= Self::PROBE && self.found * Self::MIN_REPEAT < self.looked {
                self.direct = true;
                self.set = hashbrown::HashTable::new();
                self.recent = None;
                return self.push(hash, s);
            }
            let code = self.push(hash, s);
            self.set
                .insert_unique(hash, Entry { hash, short, code }, |e| e.hash);
            code
        };
        // Filled while the column has few values: in one of thousands (owners' names), slots
        // would only be overwritten.
        if let (Some(at), Some(short)) = (at, short)
            && self.set.len() <= Self::RECENT
        {
            let recent = self
                .recent
                .get_or_insert_with(|| Box::new([Recent::default(); Self::RECENT]));
            recent[at] = Recent {
                short,
                code: Some(code),
            };
        }
        code
    }
}

#[cfg(test)]
mod tests;
