//! `complaints` turns exported complaint logs of property-management companies into audited,
//! rule-driven management reports:
//!
//! ```text
//! ingest → normalize → rules (classify) → sla → aggregate → render
//! ```
//!
//! The stages live in [`pipeline`]; [`commands`] holds one module per subcommand; the types
//! handed between stages are in [`model`] and in each stage's module.

pub use complaints_calendar as calendar;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod dictionary;
pub mod error;
pub mod format;
pub mod id_index;
pub mod model;
pub mod output;
pub mod period;
pub mod pipeline;
pub mod privacy;
pub mod progress;
pub mod rejects;
pub mod shipped;
pub mod texts;
pub mod time;
pub mod ui;

#[cfg(test)]
mod layout {
    use std::mem::size_of;

    /// A run holds one of each per complaint or per event-log row, millions at once: a field
    /// added carelessly (an `Option<i64>` instead of a sentinel, a `String` instead of a code)
    /// shows up here before it shows up as gigabytes in a benchmark.
    #[test]
    fn per_record_types_stay_within_their_memory_budget() {
        assert_eq!(size_of::<crate::model::Str>(), 8, "Str is one pointer");
        assert_eq!(
            size_of::<Option<crate::model::Str>>(),
            8,
            "an absent Str costs no tag"
        );
        assert_eq!(
            size_of::<Option<crate::model::Code>>(),
            4,
            "a coded field is four bytes, absent or not"
        );
        // Its short texts are codes since 2026-12-08 (208 bytes before).
        let complaint = size_of::<crate::model::Complaint>();
        assert!(
            complaint <= 160,
            "Complaint is {complaint} bytes (budget 160)"
        );
        let event = size_of::<crate::pipeline::events::Event>();
        assert!(event <= 64, "Event is {event} bytes (budget 64)");
    }
}
