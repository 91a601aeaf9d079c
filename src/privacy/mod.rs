//! Masking of complainants' personal data. The procedures demand confidentiality (003-H2:
//! "no disclosure to unauthorised persons"), so every report and export masks names and phone
//! numbers by default, including where they appear inside the complaint text; `--unmask`
//! turns this off for internal use and is recorded in the manifest.
//!
//! Phone numbers are found in full-width digits too (`１３８１２３４５６７８`, typed with a Chinese
//! input method), and a masked value keeps its length in characters: masking replaces digits
//! and name characters with `*`, never anything else, so no other text is lost. Only values
//! that look like a person's name are masked as names inside texts: a complainant cell
//! holding a formula or a sentence must not erase that text wherever it appears.

use std::sync::LazyLock;

use regex::Regex;

/// Masks a name: the first character stays, the rest become `*` (`张三` → `张*`,
/// `王建国` → `王**`).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.count();
            if rest == 0 {
                "*".to_owned()
            } else {
                format!("{first}{}", "*".repeat(rest))
            }
        }
    }
}

/// A decimal digit, ASCII or full-width (`０`–`９`).
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('\u{ff10}'..='\u{ff19}').contains(&c)
}

/// False when `text` certainly holds no phone number that [`PHONE`] would find in its folded
/// form. Looked at in the bytes, as the folded copy has them ([`folded_at`]): digits in either
/// width, and the separators that fold to `-` or a space. A landline's number is seven digits or more in a row; a mobile number ends
/// in eight digits, in a row or as two groups of four with one separator between them. So a
/// match holds a run of seven digits, or a run of four, one separator and a run of four. Every
/// text cell of the record tables comes through here, among them the tool's own notes, whose
/// timestamps (`2025-09-03 18:00:00`: 14 digits, two or three per note) a count of digits
/// sent to the regex.
fn may_hold_phone(text: &str) -> bool {
    let b = text.as_bytes();
    // Digits in the current run; the run that ended just before the one separator ahead of
    // it (0 if none); the run that just ended at a separator, while its next token is unknown.
    let (mut run, mut paired, mut pending) = (0u32, 0u32, 0u32);
    let mut i = 0;
    while i < b.len() {
        // Nothing under way: only a digit can start a number, so the bytes up to the next
        // ASCII digit or full-width lead byte are passed over in a tight loop.
        if run == 0 && pending == 0 {
            while i < b.len() && !b[i].is_ascii_digit() && b[i] != 0xEF {
                i += 1;
            }
            if i == b.len() {
                break;
            }
        }
        // The byte as the folded copy has it: a folding character is three bytes there.
        let (c, width) = match b[i] {
            c if c < 0x80 => (c, 1),
            _ => folded_at(b, i).map_or((0x80, 1), |c| (c, 3)),
        };
        let (digit, sep) = (c.is_ascii_digit(), c == b'-' || c == b' ');
        i += width;
        if digit {
            if run == 0 {
                paired = std::mem::take(&mut pending);
            }
            run += 1;
            if run >= 7 || (run >= 4 && paired >= 4) {
                return true;
            }
        } else {
            pending = if sep { run } else { 0 };
            run = 0;
            paired = 0;
        }
    }
    false
}

/// Full-width digits, plus and minus signs and the ideographic space as their ASCII forms;
/// every other character unchanged. One character for one, so positions in characters agree.
fn fold_char(c: char) -> char {
    match c {
        '\u{ff10}'..='\u{ff19}' => char::from(b'0' + (c as u32 - 0xff10) as u8),
        '\u{ff0b}' => '+',
        '\u{ff0d}' | '\u{2013}' | '\u{2014}' => '-',
        '\u{3000}' => ' ',
        c => c,
    }
}

/// [`fold_char`] read from UTF-8: the ASCII form of the folding character whose encoding starts
/// at byte `i`, if one does. The folding characters are `EF BC 8B`, `EF BC 8D`,
/// `EF BC 90`–`99`, `E2 80 93`, `E2 80 94` and `E3 80 80`; the masking looks for them in the
/// bytes, where decoding every character of every text cell of the record tables was a
/// visible share of writing them.
fn folded_at(b: &[u8], i: usize) -> Option<u8> {
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match (at(0), at(1), at(2)) {
        (0xEF, 0xBC, x @ 0x90..=0x99) => Some(b'0' + (x - 0x90)),
        (0xEF, 0xBC, 0x8B) => Some(b'+'),
        (0xEF, 0xBC, 0x8D) | (0xE2, 0x80, 0x93 | 0x94) => Some(b'-'),
        (0xE3, 0x80, 0x80) => Some(b' '),
        _ => None,
    }
}

/// True when some character of `text` folds ([`fold_char`]), found in its bytes
/// ([`folded_at`]).
fn folds(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr3_iter(0xEF, 0xE2, 0xE3, b).any(|i| folded_at(b, i).is_some())
}

/// Masks a phone number: the first three and last four digits stay, other digits become `*`,
/// separators stay (`13812341234` → `138****1234`, `0571-88001234` → `057*-****1234`).
/// Numbers with fewer than 8 digits are masked entirely. Full-width digits count as digits.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(|c| is_digit(*c)).count();
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if !is_digit(c) {
                return c;
            }
            seen += 1;
            if digits >= 8 && (seen <= 3 || seen > digits - 4) {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Mobile numbers (optionally with +86) and landlines with an area code, in ASCII digits (the
/// regex runs on a folded copy, where full-width digits are ASCII; `\d` would also take other
/// scripts' digits, which no count before the regex ever did).
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}|0[0-9]{2,3}[- ]?[0-9]{7,8}")
        .expect("valid regex")
});

/// Masks phone numbers and the given names wherever they appear in free text.
pub fn mask_text(text: &str, names: &[&str]) -> String {
    let mut out = mask_phones(text).into_owned();
    for name in names {
        let name = name.trim();
        // A one-character "name" would mask every occurrence of a common character.
        if looks_like_name(name) && out.contains(name) {
            out = out.replace(name, &mask_name(name));
        }
    }
    out
}

/// Masks the phone numbers in `text`, in ASCII or full-width digits: the regex runs over a
/// folded copy whose characters map one for one onto the text's.
///
/// Repeated until nothing changes: a number glued to a masked one (`0570-8800570-88001234`)
/// is skipped at first as part of a longer digit run, and would show once its neighbour's
/// digits became `*`. Each pass masks more digits, so this ends.
pub fn mask_phones(text: &str) -> std::borrow::Cow<'_, str> {
    let mut out = match mask_phones_once(text) {
        std::borrow::Cow::Borrowed(_) => return std::borrow::Cow::Borrowed(text),
        std::borrow::Cow::Owned(o) => o,
    };
    while let std::borrow::Cow::Owned(next) = mask_phones_once(&out) {
        out = next;
    }
    std::borrow::Cow::Owned(out)
}

/// One pass of [`mask_phones`].
fn mask_phones_once(text: &str) -> std::borrow::Cow<'_, str> {
    // Fast path: the digits' runs rule most texts out, on bytes, not decoded characters.
    if !may_hold_phone(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    // Folded only when a character folds: every fold shortens the text (a three-byte
    // character to one byte), so a text of unchanged length maps onto itself.
    let folded: std::borrow::Cow<'_, str> = if folds(text) {
        std::borrow::Cow::Owned(text.chars().map(fold_char).collect())
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let ascii = folded.len() == text.len();
    // Byte offset in `folded` → byte offset in `text` (only needed when widths differ).
    let map: Vec<usize> = if ascii {
        Vec::new()
    } else {
        let mut m = Vec::with_capacity(folded.len() + 1);
        for ((_, c), (j, _)) in folded.char_indices().zip(text.char_indices()) {
            m.extend(std::iter::repeat_n(j, c.len_utf8()));
        }
        m.push(text.len());
        m
    };
    let at = |i: usize| if ascii { i } else { map[i] };
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in PHONE.find_iter(&folded) {
        // A phone number is not part of a longer digit run (an ID, an amount).
        let before = folded[..m.start()].chars().next_back();
        let after = folded[m.end()..].chars().next();
        if before.is_some_and(|c| c.is_ascii_digit()) || after.is_some_and(|c| c.is_ascii_digit()) {
            continue;
        }
        let (a, b) = (at(m.start()), at(m.end()));
        out.push_str(&text[last..a]);
        out.push_str(&mask_phone(&text[a..b]));
        last = b;
    }
    if last == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// True for a value that can be a person's name, which is what is masked inside free text:
/// two to twenty letters (any script), with spaces, `·`, `.`, `'` or `-` between them. A
/// complainant cell holding a formula, a sentence or a number is masked in its own column,
/// but its text is not hunted down in other texts.
pub fn looks_like_name(name: &str) -> bool {
    let n = name.chars().count();
    (2..=20).contains(&n)
        && name.chars().any(char::is_alphabetic)
        && name
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '·' | '•' | '.' | '\'' | '-'))
}

/// Masks every complainant's name of a run wherever it appears in free text (a complaint that
/// names a neighbour who is also a complainant elsewhere must not reveal them), plus phone
/// numbers. Built once per run over all complainant names of two or more characters.
///
/// Names are found leftmost-longest: at the first position where any name starts, the longest
/// name there is masked, and the search goes on after it. The search looks names up in a hash
/// set: one lookup of a position's first two characters passes over most positions, and only
/// where a name starts so are the substrings of the names' lengths looked up. It masks as fast
/// as an Aho-Corasick automaton over the names (0.34 against 0.33 µs per sample text,
/// `cargo bench --bench micro -- masker`), but needs no automaton: building one over the 278 k
/// distinct names of a 1 M export took 0.37 s on one core, on the critical path of every run.
#[derive(Debug, Default, PartialEq)]
pub struct Masker {
    /// The distinct names that look like names ([`looks_like_name`]), trimmed.
    names: rustc_hash::FxHashSet<Box<str>>,
    /// The names' first two characters ([`pair`]).
    starts: rustc_hash::FxHashSet<u64>,
    /// The names' first characters in the Basic Multilingual Plane, one bit each (8 KB; empty
    /// before the first name): most positions of a text start no name, and a bit test passes
    /// over them where a lookup in `starts` hashed two characters.
    firsts: Vec<u64>,
    /// The names' lengths in characters, as bits (`1 << n`; a name has 2 to 20 characters).
    lengths: u32,
    /// The longest name, in characters.
    longest: usize,
}

/// Two characters as one key (a name has at least two).
fn pair(a: Option<char>, b: Option<char>) -> u64 {
    (u64::from(a.map_or(0, u32::from)) << 32) | u64::from(b.map_or(0, u32::from))
}

impl Masker {
    /// Collects the run's complainant names: each distinct name is checked once (a million
    /// complainants are a few hundred thousand distinct names, 278 k in the kit's 1 M export).
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Masker {
        let mut seen: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
        let mut m = Masker::default();
        for n in names {
            let n = n.trim();
            if seen.insert(n) && looks_like_name(n) {
                m.add(n);
            }
        }
        m
    }

    /// [`Masker::new`] over the names of `items` (`name` reads an item's), in parallel: each
    /// slice of items finds its distinct names in a table that fits the cache and deals them
    /// into partitions by hash, then each partition's names are made distinct across the slices
    /// and checked. One table of every name, probed a million times, was 0.33 s of the kit's
    /// 1 M job on one core (a cache miss per complainant). The masker is the same: its tables
    /// do not depend on the order names are added in.
    pub fn of_items<'a, T: Sync>(
        items: &'a [T],
        name: impl Fn(&'a T) -> Option<&'a str> + Sync,
    ) -> Masker {
        use rayon::prelude::*;
        use std::hash::BuildHasher;
        const SLICE: usize = 1 << 16;
        const PARTS: usize = 64;
        let part = |n: &str| (rustc_hash::FxBuildHasher.hash_one(n) >> 58) as usize;
        let dealt: Vec<Vec<Vec<&str>>> = items
            .par_chunks(SLICE)
            .map(|slice| {
                let mut seen: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
                let mut parts = vec![Vec::new(); PARTS];
                for n in slice.iter().filter_map(&name) {
                    let n = n.trim();
                    if seen.insert(n) {
                        parts[part(n)].push(n);
                    }
                }
                // Held until every slice is dealt: without the room doubling left (a 10 M
                // run deals millions of names).
                for p in &mut parts {
                    p.shrink_to_fit();
                }
                parts
            })
            .collect();
        let names: Vec<Vec<&str>> = (0..PARTS)
            .into_par_iter()
            .map(|p| {
                let mut seen: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
                dealt
                    .iter()
                    .flat_map(|parts| parts[p].iter().copied())
                    .filter(|n| seen.insert(n) && looks_like_name(n))
                    .collect()
            })
            .collect();
        drop(dealt);
        let mut m = Masker::default();
        m.names.reserve(names.iter().map(Vec::len).sum());
        for n in names.into_iter().flatten() {
            m.add(n);
        }
        m
    }

    /// Adds a distinct name that looks like one.
    fn add(&mut self, n: &str) {
        let k = n.chars().count();
        self.lengths |= 1 << k;
        self.longest = self.longest.max(k);
        let mut c = n.chars();
        let first = c.next();
        self.starts.insert(pair(first, c.next()));
        if let Some(u) = first.map(u32::from).filter(|&u| u <= 0xFFFF) {
            self.firsts.resize(1 << 10, 0);
            self.firsts[(u >> 6) as usize] |= 1 << (u & 63);
        }
        self.names.insert(Box::from(n));
    }

    /// Masks phone numbers and every known complainant name in `text`.
    pub fn mask(&self, text: &str) -> String {
        let phones = mask_phones(text);
        if self.names.is_empty() {
            return phones.into_owned();
        }
        // Byte offsets of the characters, and of the end.
        let at: Vec<usize> = phones
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(phones.len()))
            .collect();
        let n = at.len() - 1;
        let mut out = String::with_capacity(phones.len());
        let (mut last, mut k) = (0, 0);
        while k + 1 < n {
            let mut two = phones[at[k]..].chars();
            let first = two.next();
            // A first character in the BMP that starts no name (beyond it, `starts` decides).
            if let Some(u) = first.map(u32::from).filter(|&u| u <= 0xFFFF)
                && self
                    .firsts
                    .get((u >> 6) as usize)
                    .is_none_or(|w| w & (1 << (u & 63)) == 0)
            {
                k += 1;
                continue;
            }
            if !self.starts.contains(&pair(first, two.next())) {
                k += 1;
                continue;
            }
            let found = (2..=self.longest.min(n - k))
                .rev()
                .filter(|&len| self.lengths & (1 << len) != 0)
                .find(|&len| self.names.contains(&phones[at[k]..at[k + len]]));
            match found {
                Some(len) => {
                    out.push_str(&phones[last..at[k]]);
                    out.push_str(&mask_name(&phones[at[k]..at[k + len]]));
                    last = at[k + len];
                    k += len;
                }
                None => k += 1,
            }
        }
        if last == 0 {
            return phones.into_owned();
        }
        out.push_str(&phones[last..]);
        out
    }
}

/// Bidirectional-text controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C): invisible,
/// they reorder what a reader sees (`U+202E` shows `exe.txt` as `txt.exe`). Shown in HTML
/// as a visible placeholder, dropped from file names.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    )
}

/// False when `text` certainly holds no bidi control. Every value printed on a page passes
/// here, so it looks at bytes: each control is encoded with a lead byte `0xE2` (U+200E–U+2069)
/// or `0xD8` (U+061C), which Chinese text (lead bytes `0xE3`–`0xE9`) hardly uses.
fn may_hold_bidi(text: &str) -> bool {
    memchr::memchr2_iter(0xE2, 0xD8, text.as_bytes()).any(|i| {
        text.get(i..)
            .and_then(|rest| rest.chars().next())
            .is_some_and(is_bidi_control)
    })
}

/// `text` with every bidi control replaced by a visible mark of its code (`[U+202E]`), so a
/// page shows what the data holds instead of being reordered by it.
pub fn show_bidi(text: &str) -> std::borrow::Cow<'_, str> {
    if !may_hold_bidi(text) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_bidi_control(c) {
            out.push_str(&format!("[U+{:04X}]", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests;
