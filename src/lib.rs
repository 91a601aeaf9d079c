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
