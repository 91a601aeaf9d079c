//! Text normalisation for matching Chinese complaint texts: traditional and simplified forms,
//! full-width and half-width characters, case and spacing all match alike, so `電梯困人`,
//! `电梯 困人` and `电梯困人` are one keyword.
//!
//! The conversion is character for character (fast2s), so the normalised text has the same
//! number of characters as the original.

use crate::pipeline::normalize::profile::fold_width;

/// The form keywords and texts are compared in: simplified characters, half-width ASCII,
/// lowercase, no whitespace.
pub fn match_key(s: &str) -> String {
    let table = simplified_table();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = fold_width(c);
        if c.is_ascii() {
            // `is_whitespace`, not `is_ascii_whitespace`: the latter keeps U+000B (a Word soft
            // return pasted into Excel), which the reference form drops.
            if !c.is_whitespace() {
                out.push(c.to_ascii_lowercase());
            }
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        let u = c as usize;
        if u >= CJK_START && u <= 0xFFFF {
            match table[u - CJK_START] {
                '\0' => return slow_match_key(s),
                simple => out.push(simple),
            }
        } else if u > 0xFFFF {
            // Outside the table (CJK extensions): fast2s on the whole text, as before.
            return slow_match_key(s);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// An automaton over keywords in [`match_key`] form, reporting every occurrence of each
/// (overlapping), as the decision tables' `contains` columns read them.
///
/// A DFA where one can be built: the crate's own choice for a few hundred keywords is an NFA,
/// which follows failure links and was a fifth of the default job's classify stage; a DFA
/// takes one table step per byte (at the shipped tables' ~400 keywords, some hundreds of KB).
/// Past the crate's size limits it falls back to its own choice. Matches are the same.
pub fn keyword_matcher<P: AsRef<[u8]>>(
    keywords: &[P],
) -> Result<aho_corasick::AhoCorasick, aho_corasick::BuildError> {
    let build = |kind| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .kind(kind)
            .build(keywords)
    };
    build(Some(aho_corasick::AhoCorasickKind::DFA)).or_else(|_| build(None))
}

/// The first code point fast2s can change (CJK radicals); below it only width and case fold.
const CJK_START: usize = 0x2E80;

/// The reference form ([`slow_match_key`]: lowercase, then fast2s) of every BMP character
/// from U+2E80, computed once: a text is then
/// converted by one array lookup per character instead of a hash lookup (the keyword stage
/// normalises every complaint's text, and this was most of its time). `'\0'` marks a character
/// that does not convert to exactly one character, or whose conversion depends on its
/// neighbours ([`CONTEXTUAL`]); a text holding one takes the slow path.
fn simplified_table() -> &'static [char] {
    static TABLE: std::sync::OnceLock<Box<[char]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut buf = String::with_capacity(4);
        (CJK_START as u32..=0xFFFF)
            .map(|u| match char::from_u32(u) {
                // Surrogates are not characters; no text holds them.
                None => '\u{FFFD}',
                Some(c) if CONTEXTUAL.contains(&c) => '\0',
                Some(c) => {
                    buf.clear();
                    buf.push(c);
                    let key = slow_match_key(&buf);
                    let mut it = key.chars();
                    match (it.next(), it.next()) {
                        (Some(one), None) => one,
                        _ => '\0',
                    }
                }
            })
            .collect()
    })
}

/// The characters fast2s converts by their neighbours (計畫 → 计划 but 畫 → 画, 回覆 stays):
/// the keys of its `T2S_EXCLUDE` and `T2S_SPECIAL_CONVERT_TYPE` tables (fast2s is pinned).
const CONTEXTUAL: [char; 15] = [
    '兒', '覆', '夥', '藉', '瞭', '麽', '幺', '於', '乾', '著', '苧', '闔', '鍾', '讎', '畫',
];

/// The reference form: width and case folded, whitespace dropped, then fast2s on the text.
fn slow_match_key(s: &str) -> String {
    let mut folded = String::with_capacity(s.len());
    let mut has_cjk = false;
    for c in s.chars() {
        let c = fold_width(c);
        if c.is_whitespace() {
            continue;
        }
        if (c as u32) >= 0x2E80 {
            has_cjk = true;
        }
        folded.extend(c.to_lowercase());
    }
    if has_cjk {
        fast2s::convert(&folded)
    } else {
        folded
    }
}

#[cfg(test)]
mod tests;
