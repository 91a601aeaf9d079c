//! `manifest.json`: what a run read, with what rules, and what it counted: the run's identity.
//! Two runs over the same inputs, rules, config and `--as-of` write byte-identical manifests,
//! so a manifest can be hashed as the record of a run. What differs between such runs, the
//! stage timings and memory marks, goes to `timings.json` beside it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::config::Config;
use crate::error::Result;
use crate::model::{RowCounts, Timings};
use crate::output::{names, write_atomic};
use crate::pipeline::ingest::InputFile;
use crate::pipeline::rules::RuleFile;
use crate::rejects::Rejects;

/// The manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// `{ name, version }`.
    pub tool: BTreeMap<&'static str, &'static str>,
    /// `--as-of`, RFC 3339.
    pub as_of: String,
    /// Zone of wall-clock times.
    pub timezone: String,
    /// The config file and its hash.
    pub config: Option<RuleFile>,
    /// Input files.
    pub inputs: Vec<InputFile>,
    /// Rule files (scripts, tables, presets, calendars) with hashes.
    pub rules: Vec<RuleFile>,
    /// Template files with hashes.
    pub templates: Vec<RuleFile>,
    /// Calendars: name → sha256.
    pub calendars: BTreeMap<String, String>,
    /// Row accounting under `rows.read`, `rows.accepted`, `rows.rejected`.
    pub rows: RowCounts,
    /// The complaint exports' physical lines: `lines.physical = lines.header +
    /// lines.in_records + lines.blank` (each input's own under `inputs[].lines`).
    pub lines: crate::model::Lines,
    /// Rejects per reason code.
    pub rejects_by_reason: BTreeMap<&'static str, usize>,
    /// Findings per code.
    pub findings_by_code: BTreeMap<&'static str, usize>,
    /// Whether personal data was left unmasked (`--unmask`).
    pub unmasked: bool,
    /// Whether complaints.csv, sla.csv and escalations.csv were written (`record_tables`).
    pub record_tables: bool,
    /// Report language.
    pub lang: crate::config::Lang,
    /// Warnings (calendar coverage).
    pub warnings: Vec<String>,
    /// Rule coverage.
    pub coverage: crate::pipeline::rules::coverage::CoverageReport,
}

impl Manifest {
    /// Gathers the manifest.
    pub fn new(
        cfg: &Config,
        rules: &crate::pipeline::rules::RuleSet,
        templates: &super::Templates,
        files: &[InputFile],
        rows: RowCounts,
        lines: crate::model::Lines,
        rejects: &Rejects,
        warnings: &[String],
        coverage: crate::pipeline::rules::coverage::CoverageReport,
    ) -> Manifest {
        let mut calendars = BTreeMap::new();
        for (name, cal) in &rules.env.calendars {
            calendars.insert(name.clone(), cal.sha256().to_owned());
        }
        Manifest {
            tool: BTreeMap::from([
                ("name", env!("CARGO_PKG_NAME")),
                ("version", env!("CARGO_PKG_VERSION")),
            ]),
            as_of: cfg.zone.format_rfc3339(cfg.as_of),
            timezone: cfg.zone.name().to_owned(),
            config: cfg.path.as_ref().map(|p| RuleFile {
                path: crate::diagnostic::display_path(p).display().to_string(),
                sha256: cfg.sha256.clone().unwrap_or_default(),
            }),
            inputs: files.to_vec(),
            rules: rules.files.clone(),
            templates: templates.files.clone(),
            calendars,
            rows,
            lines,
            rejects_by_reason: rejects.counts_by_reason(),
            findings_by_code: rejects.counts_by_finding(),
            unmasked: cfg.unmask,
            record_tables: cfg.record_tables,
            lang: cfg.lang,
            warnings: warnings.to_vec(),
            coverage,
        }
    }

    /// Writes `manifest.json` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let mut s = serde_json::to_string_pretty(self)
            .map_err(|e| crate::error::Error::Other(e.to_string()))?;
        s.push('\n');
        write_atomic(&dir.join(names::MANIFEST_JSON), s.as_bytes())
    }
}

/// `timings.json`: the stage timings and memory marks of a run (docs/ARCHITECTURE.md lists the
/// keys; `bench/run.py` reads them). Keys are stable: `stages` (the stage names in run order),
/// `timings_ms` (stage → wall milliseconds) and, on Linux, `peak_rss_mib` (stage → the
/// resident-memory high-water mark when the stage ended, MiB), and `scratch_bytes` (use → bytes
/// written to scratch files: `events`, `verdicts`).
#[derive(Debug, Serialize)]
struct TimingsFile<'a> {
    stages: Vec<&'a str>,
    timings_ms: BTreeMap<&'a str, u64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    peak_rss_mib: BTreeMap<&'a str, u64>,
    scratch_bytes: BTreeMap<&'a str, u64>,
}

/// Writes `timings.json` into `dir`.
pub fn write_timings(dir: &Path, t: &Timings) -> Result<()> {
    let file = TimingsFile {
        stages: t.stages.iter().map(|(s, _)| s.as_str()).collect(),
        timings_ms: t.stages.iter().map(|(s, ms)| (s.as_str(), *ms)).collect(),
        peak_rss_mib: t
            .peak_rss_mib
            .iter()
            .map(|(s, m)| (s.as_str(), *m))
            .collect(),
        scratch_bytes: t
            .scratch_bytes
            .iter()
            .map(|(s, b)| (s.as_str(), *b))
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&file)
        .map_err(|e| crate::error::Error::Other(e.to_string()))?;
    s.push('\n');
    write_atomic(&dir.join(names::TIMINGS_JSON), s.as_bytes())
}
