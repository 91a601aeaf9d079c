//! Timestamp parsing: any text either parses to an instant that formats back to a parsable
//! text, or is refused with an error; never a panic.
#![no_main]

use std::sync::LazyLock;

use complaints::time::{Zone, parse_timestamp, parse_timestamp_text};
use libfuzzer_sys::fuzz_target;

/// Built once: a zone precomputes its offsets, which per input would be most of the work.
static ZONE: LazyLock<Zone> = LazyLock::new(|| Zone::from_name("Asia/Shanghai").expect("zone"));

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let zone = &*ZONE;
    // 2000-01-01: earlier times are implausible for an export (and Shanghai's DST years,
    // 1986–1991, have wall-clock hours that name two instants).
    if let Ok(t) = parse_timestamp(s, zone)
        && t >= 946_684_800
    {
        // What the outputs write reads back as the same instant.
        let shown = zone.format(t);
        assert_eq!(parse_timestamp(&shown, zone).ok(), Some(t), "{s:?} -> {shown}");
    }
    let _ = parse_timestamp_text(s, zone);
});
