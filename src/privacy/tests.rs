use super::*;

#[test]
fn names_and_phones_are_masked_as_the_report_shows_them() {
    assert_eq!(mask_name("张三"), "张*");
    assert_eq!(mask_name("王建国"), "王**");
    assert_eq!(mask_phone("13812341234"), "138****1234");
    assert_eq!(mask_phone("0571-88001234"), "057*-****1234");
    assert_eq!(mask_phone("12345"), "*****");
}

#[test]
fn the_run_masker_hides_any_complainants_name_anywhere() {
    let m = Masker::new(["邓艳", "王建国", "李"]);
    assert_eq!(
        m.mask("楼上邓艳旭家噪音扰民，王建国电话13812345678"),
        "楼上邓*旭家噪音扰民，王**电话138****5678"
    );
    assert_eq!(m.mask("李先生来电"), "李先生来电");
}

#[test]
fn text_masking_finds_phones_and_the_complainants_name() {
    let t = "我是王建国，电话13812345678，座机0571-88001234，工单TS202610-00042，金额20261001元";
    let m = mask_text(t, &["王建国"]);
    assert_eq!(
        m,
        "我是王**，电话138****5678，座机057*-****1234，工单TS202610-00042，金额20261001元"
    );
}

/// Phone numbers typed in full-width digits (a Chinese input method) are masked like ASCII
/// ones, in place and at their own width. See: issue 18.
#[test]
fn full_width_phone_numbers_are_masked_in_place() {
    assert_eq!(
        mask_text("电话１３８１２３４５６７８请回电", &[]),
        "电话１３８****５６７８请回电"
    );
    assert_eq!(
        mask_text("备用１３９ ８７６５ ４３２１", &[]),
        "备用１３９ **** ４３２１"
    );
    assert_eq!(
        mask_text("座机０５７１－８８００１２３４", &[]),
        "座机０５７*－****１２３４"
    );
    // A longer digit run is an ID, not a phone, in either width.
    assert_eq!(
        mask_text("单号１３８１２３４５６７８９", &[]),
        "单号１３８１２３４５６７８９"
    );
}

/// A complainant "name" that is a formula or a sentence is masked in its own column but not
/// hunted down inside texts, where it would erase content. See: issue 18.
#[test]
fn the_masker_never_replaces_text_that_is_not_a_name() {
    let formula = "=HYPERLINK(\"http://x.example\",\"click\")";
    let m = Masker::new([formula, "王建国", "13812345678"]);
    assert_eq!(m.mask(formula), formula);
    assert_eq!(m.mask("王建国说"), "王**说");
    assert!(looks_like_name("John Smith") && looks_like_name("阿卜杜·热合曼"));
    assert!(!looks_like_name("李") && !looks_like_name("3栋") && !looks_like_name(formula));
}

#[test]
fn bidi_controls_are_shown_not_obeyed() {
    assert_eq!(show_bidi("abc\u{202e}txt.exe"), "abc[U+202E]txt.exe");
    assert_eq!(show_bidi("普通文本"), "普通文本");
    // The byte scan: every control is found, wherever it sits, and the punctuation that shares
    // its lead byte (— → ≤, U+2014 U+2192 U+2264) is left alone without a copy.
    for c in [
        '\u{061c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}',
    ] {
        for text in [format!("{c}"), format!("前—{c}"), format!("a→b{c}≤")] {
            let shown = show_bidi(&text);
            assert!(!shown.chars().any(is_bidi_control), "{text:?} -> {shown:?}");
            assert!(
                shown.contains(&format!("[U+{:04X}]", c as u32)),
                "{shown:?}"
            );
        }
    }
    let plain = "计时 2026-10-01 → 2026-10-08 — ≤ 2小时";
    assert!(matches!(show_bidi(plain), std::borrow::Cow::Borrowed(t) if t == plain));
}

/// A number glued to another (`0570-8800570-88001234`) is skipped at first as part of a longer
/// digit run; once its neighbour is masked it must not show: masking twice changes nothing.
/// Found by fuzzing (fuzz target masker).
#[test]
fn masking_leaves_no_phone_number_behind_and_is_idempotent() {
    let t = "王建囌电话00141462580，座机0570-8800570-88001234";
    let once = mask_text(t, &[]);
    assert_eq!(once, "王建囌电话001****2580，座机057*-***057*-****1234");
    assert_eq!(mask_text(&once, &[]), once);
}

proptest::proptest! {
    /// The fast path rules a text out only where the regex finds no phone number in its
    /// folded form: over digits in both widths, the separators in both widths, other scripts'
    /// digits (`٣`) and CJK whose UTF-8 shares bytes with full-width digits (`弐`, `ｐ`), in
    /// groups of every size.
    #[test]
    fn texts_ruled_out_by_their_digit_runs_hold_no_phone(
        t in "[0-9０-９٣\\- +－–—　a弐ｐ电]{0,30}",
    ) {
        let folded: String = t.chars().map(super::fold_char).collect();
        if !super::may_hold_phone(&t) {
            proptest::prop_assert!(super::PHONE.find(&folded).is_none(), "{:?}", t);
        }
    }
}

/// Timestamps (the tool's notes) and unit numbers pass without a regex search; numbers in
/// every form the regex takes do not.
#[test]
fn digit_runs_rule_out_timestamps_not_numbers() {
    for t in [
        "2025-09-03 18:00:00",
        "8-2-1701",
        "due 2025-09-03, 72 h",
        "１２３４５６",
        "required by `follow_up` at 2025-09-03 18:00:00 + 3 working days = 2025-09-08 18:00:00",
        "1234--5678",
    ] {
        assert!(!super::may_hold_phone(t), "{t}");
    }
    for t in [
        "13812345678",
        "138 1234 5678",
        "1381234 5678",
        "+86 138-1234-5678",
        "0571-88392730",
        "010 1234567",
        "电话１３８１２３４５６７８",
        "１３９９９８７６５４３",
        "138－1234－5678",
        "138–1234 5678",
        "138　1234—5678",
    ] {
        assert!(super::may_hold_phone(t), "{t}");
        let folded: String = t.chars().map(super::fold_char).collect();
        assert!(super::PHONE.is_match(&folded), "{t}");
    }
}

/// The masker's search, leftmost-longest, as an Aho-Corasick automaton does it.
fn mask_by_automaton(names: &[String], text: &str) -> String {
    let text = mask_phones(text);
    let mut v: Vec<&str> = names
        .iter()
        .map(|n| n.trim())
        .filter(|n| looks_like_name(n))
        .collect();
    v.sort_unstable();
    v.dedup();
    if v.is_empty() {
        return text.into_owned();
    }
    let ac = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&v)
        .expect("plain strings");
    let mut out = String::new();
    let mut last = 0;
    for m in ac.find_iter(text.as_ref()) {
        out.push_str(&text[last..m.start()]);
        out.push_str(&mask_name(&text[m.start()..m.end()]));
        last = m.end();
    }
    out.push_str(&text[last..]);
    out
}

proptest::proptest! {
    /// The masker's lookups find what an automaton over the names finds. Names and texts share
    /// a small alphabet, so names overlap, nest and abut (`王建`, `王建国`, `建国`) and phone
    /// numbers sit beside them; `𠀋` is beyond the BMP, where the first-character bits stop.
    #[test]
    fn the_masker_finds_names_as_an_automaton_does(
        names in proptest::collection::vec("[王建国 ·𠀋]{1,4}", 0..8),
        texts in proptest::collection::vec("[王建国 ·，13𠀋]{0,40}", 1..8),
    ) {
        let m = Masker::new(names.iter().map(String::as_str));
        for t in &texts {
            proptest::prop_assert_eq!(m.mask(t), mask_by_automaton(&names, t), "{:?}", t);
        }
    }
}

proptest::proptest! {
    /// Built in parallel over items, the masker is the one built from the names in order.
    #[test]
    fn the_masker_of_items_is_the_masker_of_their_names(
        names in proptest::collection::vec(proptest::option::of("[王建国李 ·1]{0,4}"), 0..40),
    ) {
        let m = Masker::of_items(&names, |n| n.as_deref());
        proptest::prop_assert_eq!(m, Masker::new(names.iter().flatten().map(String::as_str)));
    }
}

/// Over several slices of items (names repeat across them), too.
#[test]
fn the_masker_of_many_items_is_the_masker_of_their_names() {
    let names: Vec<Option<String>> = (0..200_000u32)
        .map(|i| (i % 7 != 0).then(|| format!("王{}", char::from_u32(0x4e00 + i % 5_003).unwrap())))
        .collect();
    let m = Masker::of_items(&names, |n| n.as_deref());
    assert_eq!(m, Masker::new(names.iter().flatten().map(String::as_str)));
    assert_eq!(m.names.len(), 5_003);
}

proptest::proptest! {
    /// The byte search for folding characters agrees with folding each character, on text
    /// mixing every folding character with CJK and full-width punctuation that share their
    /// lead bytes (`，` is `EF BC 8C`, `。` is `E3 80 82`, `‘` is `E2 80 98`).
    #[test]
    fn folding_found_in_bytes_agrees_with_characters(
        s in "[0-9０-９＋－–—　，。‘a电]{0,30}",
    ) {
        let by_char = s.chars().any(|c| super::fold_char(c) != c);
        proptest::prop_assert_eq!(super::folds(&s), by_char);
    }
}

/// The byte reading of the fold is the fold, for every character of the BMP.
#[test]
fn the_fold_read_from_bytes_is_the_fold_of_every_character() {
    let mut buf = [0u8; 4];
    for c in (0..=0xFFFFu32).filter_map(char::from_u32) {
        let bytes = c.encode_utf8(&mut buf).as_bytes();
        let folded = super::fold_char(c);
        let want = (folded != c).then(|| folded as u8);
        assert_eq!(super::folded_at(bytes, 0), want, "{c:?}");
    }
}
