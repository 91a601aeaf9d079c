//! `complaints` turns exported complaint logs of property-management companies into audited,
//! rule-driven management reports:
//!
//! ```text
//! ingest → normalize → rules (classify) → sla → aggregate → render
//! ```
//!
//! The stages live in [`pipeline`]; [`commands`] holds one module per subcommand; the types
//! handed between stages are in [`model`] and in each stage's module.

pub mod calendar;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod error;
pub mod model;
pub mod output;
pub mod period;
pub mod pipeline;
pub mod privacy;
pub mod rejects;
pub mod sample;
pub mod time;
pub mod ui;

#[cfg(test)]
mod size_probe {
    #[test]
    fn sizes() {
        eprintln!(
            "Complaint {}",
            std::mem::size_of::<crate::model::Complaint>()
        );
        eprintln!(
            "Event {}",
            std::mem::size_of::<crate::pipeline::events::Event>()
        );
        eprintln!(
            "Verdict {}",
            std::mem::size_of::<crate::pipeline::sla::Verdict>()
        );
        eprintln!(
            "AuditFinding {}",
            std::mem::size_of::<crate::pipeline::audit::AuditFinding>()
        );
        eprintln!(
            "RuleValue {}",
            std::mem::size_of::<crate::pipeline::rules::classify::RuleValue>()
        );
        eprintln!("Str {}", std::mem::size_of::<crate::model::Str>());
    }
}
