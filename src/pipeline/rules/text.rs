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
mod tests {
    use super::*;

    #[test]
    fn traditional_fullwidth_and_spacing_match_alike() {
        assert_eq!(match_key("電梯困人"), "电梯困人");
        assert_eq!(match_key("电梯 困人"), "电梯困人");
        assert_eq!(match_key("３號樓ＡＰＰ報修"), "3号楼app报修");
        assert_eq!(match_key("Lift STUCK"), "liftstuck");
    }

    #[test]
    fn the_lookup_table_gives_what_fast2s_gives_for_every_character() {
        // Every BMP character from U+0080 alone, between ASCII and next to a traditional one:
        // the table is exact, or the character takes the slow path.
        for u in 0x80u32..=0xFFFF {
            let Some(c) = char::from_u32(u) else { continue };
            for text in [c.to_string(), format!("A {c}b"), format!("電{c}梯")] {
                assert_eq!(match_key(&text), slow_match_key(&text), "U+{u:04X}");
            }
        }
    }

    #[test]
    fn context_dependent_characters_convert_as_fast2s_does_in_context() {
        for (text, want) in [
            ("計畫", "计划"),
            ("企畫", "企划"),
            ("畫", "画"),
            ("回覆", "回覆"),
            ("覆蓋", "覆盖"),
            ("乾隆", "乾隆"),
            ("看著", "看着"),
            ("慰藉", "慰藉"),
            ("維修計畫", "维修计划"),
        ] {
            assert_eq!(match_key(text), slow_match_key(text), "{text}");
            assert_eq!(match_key(text), want, "{text}");
        }
    }

    #[test]
    fn vertical_tabs_and_other_ascii_controls_fold_like_the_reference() {
        for text in [
            "电梯\u{0B}困人",
            "电梯\u{0C}困人",
            "a\u{1F}b",
            "电梯\r\n困人",
        ] {
            assert_eq!(match_key(text), slow_match_key(text), "{text:?}");
        }
        assert_eq!(match_key("电梯\u{0B}困人"), "电梯困人");
    }

    proptest::proptest! {
        #[test]
        fn fast_and_reference_forms_agree(s in "[\u{0}-\u{1F} -~計畫覆乾著藉\u{3000}-\u{303F}\u{4E00}-\u{9FFF}\u{FF01}-\u{FF5E}\u{20000}-\u{20010}\t\n]{0,40}") {
            proptest::prop_assert_eq!(match_key(&s), slow_match_key(&s));
        }
    }
}
