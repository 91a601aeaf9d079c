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
