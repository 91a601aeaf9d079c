//! The integration suite: one binary, one module per area (ripgrep style).

// Helpers: run the binary, golden files, temp folders.
mod util;

// `complaints run` end to end: outputs, row accounting, exit codes.
mod cli_run;

// The output folder as one unit: identical runs, killed runs, concurrent runs.
mod cli_output;

// Exit codes that mean something: unacceptable results, stopped runs, rule rejects.
mod cli_failures;

// The bad-input corpus (tests/fixtures/bad/): every outcome pinned, no panics.
mod cli_bad_inputs;

// `complaints test`: rule test cases beside the rules.
mod cli_test;

// The escalation-compliance audit over an event log.
mod cli_audit;

// `complaints check`: diagnostics in rules, tables and templates.
mod cli_check;

// The bundled sample: goldens, CSV/GBK/XLSX parity, determinism, regeneration.
mod cli_sample;

// `complaints explain`: verdict arithmetic pinned.
mod cli_explain;

// `complaints diff`: what-if under two rule folders.
mod cli_diff;

// The management report: context, XLSX, periods, languages, privacy, Chromium.
mod cli_report;

// docs/TEMPLATES.md documents every field of the report context.
mod templates_doc;

// The crate's layers: imports only go down, no circles.
mod layers;

// Indicators as rule data: rules/kpis.toml.
mod kpis;

// Exports from other systems with a config alone: init, layered rule folders, honest exits.
mod cli_exports;

// The configuration examples of docs/CONFIG.md and docs/FIELDS.md run on the fixture exports.
mod docs_examples;
// The procedure library: docs/PROCEDURES.md, coverage of T01-T69 and E01-E51, procedure checks.
mod cli_procedures;
