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
}
