//! [`IdIndex`]: the position of each complaint ID in a list of complaints, for the joins that
//! look millions of rows up by ID (every row of an event log, realigning the log after
//! classify).
//!
//! Why not a `HashMap<&str, u32>`: its buckets hold a pointer to each key, so a lookup touches
//! the control bytes, the bucket and the key's own allocation: three cache misses in tables
//! far larger than the cache (a million IDs), once per event row. Here a slot is one `u64`
//! (32 bits of the hash as a tag, the position in the other 32), so a lookup is one miss in a
//! table a quarter of the size, and the key is compared only when the tag matches, against a
//! copy of the IDs packed end to end in position order. The IDs a time-ordered event log asks
//! for in a stretch belong to complaints received shortly before, which sit together there
//! (complaints are in order of receipt), where each ID's own allocation would be anywhere in
//! the heap.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

/// Positions of unique IDs, by ID, built once from the IDs in order.
#[derive(Debug, Clone, Default)]
pub struct IdIndex {
    /// `tag << 32 | (position + 1)`; 0 is an empty slot.
    slots: Vec<u64>,
    /// `slots.len() - 1` (a power of two minus one).
    mask: usize,
    /// `64 - log2(slots.len())`: the slot is the hash's top bits, the best mixed by the
    /// multiply; the tag is its low 32 bits.
    shift: u32,
    /// The IDs, end to end; ID `k` is `keys[ends[k - 1]..ends[k]]` (from 0 for `k = 0`).
    keys: Vec<u8>,
    ends: Vec<u64>,
}

/// The hash an index takes of an ID (for [`Recent::get_hashed`], with the hash taken before).
pub fn hash(id: &str) -> u64 {
    // FxHash is fast on short keys; the multiply spreads its bits over the high half too,
    // which the tag takes.
    rustc_hash::FxBuildHasher
        .hash_one(id)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl IdIndex {
    /// Indexes `ids`; position `k` is the `k`-th ID. The IDs are meant to be unique (complaint
    /// IDs after the duplicate policy); a repeated one is found at its first position. Panics
    /// past `u32::MAX - 1` IDs.
    pub fn new<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> IdIndex {
        let n = ids.len();
        assert!(n < u32::MAX as usize, "fewer than 2^32 - 1 IDs");
        // At most half full: probes stay short without a second hash.
        let cap = (n.max(1) * 2).next_power_of_two();
        let mask = cap - 1;
        let shift = 64 - cap.trailing_zeros();
        let mut slots = vec![0u64; cap];
        let mut keys = Vec::new();
        let mut ends = Vec::with_capacity(n);
        for (k, id) in ids.enumerate() {
            keys.extend_from_slice(id.as_bytes());
            ends.push(keys.len() as u64);
            let h = hash(id);
            let mut s = (h >> shift) as usize;
            while slots[s] != 0 {
                s = (s + 1) & mask;
            }
            slots[s] = (h << 32) | (k as u64 + 1);
        }
        IdIndex {
            slots,
            mask,
            shift,
            keys,
            ends,
        }
    }

    /// The `k`-th ID.
    pub fn id(&self, k: u32) -> &str {
        // Built from `&str`s, cut at their ends: always valid UTF-8.
        std::str::from_utf8(self.key(k as usize)).expect("IDs are UTF-8")
    }

    fn key(&self, k: usize) -> &[u8] {
        let a = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        &self.keys[a..self.ends[k] as usize]
    }

    /// The position of `id` in the indexed list.
    #[inline]
    pub fn get(&self, id: &str) -> Option<u32> {
        self.get_hashed(id, hash(id))
    }

    /// [`IdIndex::get`] with the ID's hash already taken.
    #[inline]
    fn get_hashed(&self, id: &str, h: u64) -> Option<u32> {
        if self.ends.is_empty() {
            return None;
        }
        let tag = h << 32;
        let mut s = (h >> self.shift) as usize;
        loop {
            let v = self.slots[s];
            if v == 0 {
                return None;
            }
            if v & 0xFFFF_FFFF_0000_0000 == tag {
                let k = (v as u32) - 1;
                if self.key(k as usize) == id.as_bytes() {
                    return Some(k);
                }
            }
            s = (s + 1) & self.mask;
        }
    }

    /// Number of IDs indexed.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when no ID is indexed.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// Entries of a [`Recent`]: 262,144 of 8 bytes (2 MiB: in the shared L3 cache, where the
/// index's slots are not). On the 10 M benchmark log, a simulation of the table put the share
/// of lookups it answers at 76 %; one of 32,768 entries per chunk at 40 %.
const RECENT_SLOTS: usize = 1 << 18;

/// The IDs found lately, in front of an [`IdIndex`], shared by the threads reading an event
/// log: a lookup of an ID seen shortly before is answered from a small table in cache instead
/// of a slot of the index, a miss of cache and TLB per lookup once the index is far larger
/// than the cache (256 MiB of slots at 10 M IDs, where that miss was 190 ns of the 214 an
/// event row took). An event log is in time order, and a complaint's events are hours or days
/// apart, so most rows ask for a complaint a recent row asked for.
///
/// Direct-mapped by hash. An entry is one atomic word, 32 bits of the hash and the position,
/// so threads write it without a lock; a racing write leaves one whole entry or the other.
/// A hit is checked against the index's copy of the ID (the IDs of complaints received
/// together sit together there, so that read is in cache too): an entry can only save a
/// lookup, never give a wrong position.
pub struct Recent<'a> {
    index: &'a IdIndex,
    /// `tag << 32 | (position + 1)`; 0 is an empty entry.
    slots: Box<[AtomicU64]>,
}

impl<'a> Recent<'a> {
    /// An empty memo in front of `index`.
    pub fn new(index: &'a IdIndex) -> Recent<'a> {
        Recent::with_entries(index, RECENT_SLOTS)
    }

    /// A memo of `entries` (a power of two; tests use tiny ones, where entries collide).
    fn with_entries(index: &'a IdIndex, entries: usize) -> Recent<'a> {
        debug_assert!(entries.is_power_of_two());
        Recent {
            index,
            slots: (0..entries).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// The position of `id` in the index's list, as [`IdIndex::get`] gives it.
    #[inline]
    pub fn get(&self, id: &str) -> Option<u32> {
        self.get_hashed(id, hash(id))
    }

    /// Starts loading the memory a lookup of the ID of hash `h` reads first (its entry here
    /// and its slot in the index), for a lookup some rows later: a batch of lookups that
    /// calls this a few ahead waits on those cache misses side by side, not one by one.
    #[inline]
    pub fn prefetch(&self, h: u64) {
        prefetch(&self.slots[(h as usize) & (self.slots.len() - 1)]);
        if let Some(slot) = self.index.slots.get((h >> self.index.shift) as usize) {
            prefetch(slot);
        }
    }

    /// [`Recent::get`] of an ID whose [`hash`] is `h`.
    #[inline]
    pub fn get_hashed(&self, id: &str, h: u64) -> Option<u32> {
        let tag = h & 0xFFFF_FFFF_0000_0000;
        // The slot from the low bits: the index takes its slot from the high ones.
        let e = &self.slots[(h as usize) & (self.slots.len() - 1)];
        let v = e.load(Ordering::Relaxed);
        if v & 0xFFFF_FFFF_0000_0000 == tag && v as u32 != 0 {
            let k = v as u32 - 1;
            if self.index.key(k as usize) == id.as_bytes() {
                return Some(k);
            }
        }
        let k = self.index.get_hashed(id, h)?;
        e.store(tag | u64::from(k + 1), Ordering::Relaxed);
        Some(k)
    }
}

/// Asks the processor to bring `x`'s cache line in (a hint: no effect on what is read).
#[inline]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch reads nothing and cannot fault; the address is a live reference.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(x).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

#[cfg(test)]
mod tests;
