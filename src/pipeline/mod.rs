//! The pipeline, and the one place that puts its stages together:
//!
//! ```text
//! ingest → normalize → events → rules (classify) → assess (sla, audit) → aggregate → render
//!                                                          └─ the assessed table ─┘
//! ```
//!
//! [`prepare`] compiles everything the user wrote (rules, tables, presets, indicators,
//! calendars, templates) before any data is read. A [`Run`] then takes the data through the
//! stages, as far as its command needs: [`Run::judge`] up to the assessed table
//! (`explain`, `diff`, `test`), [`Run::aggregate`] to the report contexts (`context`, `check`),
//! [`Run::write`] to the output folder (`run`). Each stage has one entry point and a named
//! output type; no stage imports this module, and none recomputes what an earlier one produced.

// Stage 1: read files into raw text records with provenance.
pub mod ingest;

// Stage 2: map headers to canonical fields, type the cells, apply the duplicate policy.
pub mod normalize;

// Stage 2b: the event log, normalized against the accepted complaints.
pub mod events;

// Stage 3: compile the rule folder; classify each complaint.
pub mod rules;

// Stage 4a: evaluate SLA targets on business calendars.
pub mod sla;

// Stage 4b: audit escalation duties against the event log.
pub mod audit;

// Stage 5: assess every complaint into the assessed table (the seam to reporting).
pub mod assess;

// Stage 6: aggregate the assessed table with polars into the report contexts.
pub mod aggregate;

// The explanation of one complaint, read from the assessed table.
pub mod explain;

// Stage 7: write the report, the tables and the quality files.
pub mod render;

use std::sync::Arc;
use std::time::Instant;

pub use self::assess::{Assessed, NoSink, Partition, Sink};
pub use self::rules::classify::EvalMode;
use crate::config::Config;
use crate::error::{Error, Result};
pub use crate::model::{RowCounts, Timings, peak_rss_mib};
use crate::output::OutputSet;
use crate::progress::{Measure, Progress, Silent};
use crate::rejects::Rejects;

/// Everything compiled before data is touched.
pub struct Prepared {
    /// The rule folder.
    pub rules: rules::RuleSet,
    /// The report templates.
    pub templates: render::Templates,
}

/// Compiles the rules and templates named in the config, reporting every problem.
pub fn prepare(cfg: &Config) -> Result<Prepared> {
    alias_conflicts(cfg)?;
    let rules = rules::RuleSet::load(cfg);
    let templates = render::Templates::load(&cfg.templates_dir, cfg.templates_given);
    match (rules, templates) {
        (Ok(rules), Ok(templates)) => Ok(Prepared { rules, templates }),
        (Err(Error::Diagnostics(mut a)), Err(Error::Diagnostics(b))) => {
            // Rule errors and template errors, reported together.
            a.0.extend(b.0);
            Err(Error::Diagnostics(a))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// A header listed under two fields in `[profile.aliases]` is an error naming both.
fn alias_conflicts(cfg: &Config) -> Result<()> {
    let mut diags = crate::diagnostic::Diagnostics::default();
    let shown = cfg
        .path
        .as_deref()
        .map(crate::diagnostic::display_path)
        .unwrap_or_default();
    let src = cfg
        .path
        .as_deref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    for (header, first, second) in normalize::Profile::conflicts(&cfg.profile) {
        let mut d = crate::diagnostic::Diagnostic::new(
            &shown,
            format!(
                "header `{header}` is listed under two fields, `{}` and `{}`",
                first.name(),
                second.name()
            ),
        )
        .help("a column feeds one field: keep the header under one of them in [profile.aliases]");
        // Point at the second listing, the one that conflicts.
        let quoted = format!("\"{header}\"");
        if let Some(at) = src.match_indices(&quoted).nth(1).map(|(i, _)| i) {
            d = d.at_offset(&src, at);
        }
        diags.push(d);
    }
    diags.into_result()
}

/// Complaints assessed at a time: their verdicts and findings are written and folded into the
/// assessed table, then dropped.
pub const ASSESS_CHUNK: usize = 65_536;

/// Options that are not part of the config.
#[derive(Clone)]
pub struct RunOptions {
    /// Rule evaluation mode.
    pub mode: EvalMode,
    /// Size of the pieces CSV inputs are parsed in (default [`ingest::CHUNK_BYTES`]).
    pub chunk_bytes: usize,
    /// Complaints assessed at a time (default [`ASSESS_CHUNK`]).
    pub assess_chunk: usize,
    /// Bytes each bulk store (the event log's events, per pass of its sort; the complaints'
    /// texts) holds in memory before it goes to a scratch file (`--scratch-memory`).
    pub scratch_memory: usize,
    /// Per-stage progress (silent by default; the CLI draws bars).
    pub progress: Arc<dyn Progress + Send>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            mode: EvalMode::Auto,
            chunk_bytes: ingest::CHUNK_BYTES,
            assess_chunk: ASSESS_CHUNK,
            scratch_memory: crate::output::SPOOL_MEMORY,
            progress: Arc::new(Silent),
        }
    }
}

/// The data as judged: the assessed table and everything the report needs besides.
pub struct Judged {
    /// Input files read.
    pub files: Vec<ingest::InputFile>,
    /// The assessed table.
    pub assessed: Assessed,
    /// Rejects and findings.
    pub rejects: Rejects,
    /// Row accounting.
    pub counts: RowCounts,
    /// How the complaint exports' physical lines were used.
    pub lines: crate::model::Lines,
    /// Stage timings so far.
    pub timings: Timings,
    /// Warnings to show (calendar coverage).
    pub warnings: Vec<String>,
    /// How each input file's columns were read.
    pub mappings: Vec<normalize::FileMapping>,
}

/// What a whole run produced.
pub struct RunOutcome {
    /// Row accounting.
    pub counts: RowCounts,
    /// Stage timings.
    pub timings: Timings,
    /// Rejects and findings.
    pub rejects: Rejects,
    /// Warnings to show (calendar coverage).
    pub warnings: Vec<String>,
    /// The manifest written.
    pub manifest: render::manifest::Manifest,
    /// Event-log rows: read, accepted (0, 0 without an event log).
    pub event_rows: (usize, usize),
    /// How each input file's columns were read.
    pub mappings: Vec<normalize::FileMapping>,
    /// The input files read.
    pub files: Vec<ingest::InputFile>,
    /// Every file written, relative to the output folder, in the order the summary lists them.
    pub written: Vec<String>,
    /// Why the result is not acceptable (exit code 1), when it is not; the outputs were
    /// written all the same.
    pub unacceptable: Option<Error>,
}

/// One run of the pipeline over a config's inputs.
pub struct Run<'a> {
    cfg: &'a Config,
    rules: &'a rules::RuleSet,
    /// `None` for a run that only judges (a rule test case).
    templates: Option<&'a render::Templates>,
    opts: RunOptions,
}

impl<'a> Run<'a> {
    /// A run of `cfg`'s inputs through the compiled `prepared`.
    pub fn new(cfg: &'a Config, prepared: &'a Prepared, opts: RunOptions) -> Run<'a> {
        Run {
            cfg,
            rules: &prepared.rules,
            templates: Some(&prepared.templates),
            opts,
        }
    }

    /// A run that goes no further than [`Run::judge`] or [`Run::aggregate`], under `rules`
    /// (a rule test case loads its own presets).
    pub fn judging(cfg: &'a Config, rules: &'a rules::RuleSet, opts: RunOptions) -> Run<'a> {
        Run {
            cfg,
            rules,
            templates: None,
            opts,
        }
    }

    /// Stages 1–5: ingest → normalize → events → classify → assess. Each chunk of assessed
    /// complaints goes to `sink` on the way into the table.
    pub fn judge(&self, sink: &mut dyn Sink) -> Result<Judged> {
        let cfg = self.cfg;
        let opts = &self.opts;
        let rules = self.rules;
        let mut timings = Timings::default();
        let mut clock = Instant::now();
        let mut rejects = Rejects::default();
        let profile = normalize::Profile::new(&cfg.profile);
        let is_header = |cells: &[String]| profile.is_header(cells);
        let read_meter = opts
            .progress
            .begin("read", Measure::Bytes(ingest::total_bytes(&cfg.inputs)));
        let ingest_opts = ingest::IngestOptions {
            encoding: cfg.encoding,
            sheet: cfg.sheet.as_deref(),
            is_header: &is_header,
            chunk_bytes: opts.chunk_bytes,
            progress: &read_meter,
        };
        // Ingest and normalize interleave file by file, so only one file's text is held; the
        // time spent reading and decoding is measured inside.
        // Scratch files (the texts and event log beyond their memory, the verdicts in full) go
        // to the system's temporary folder, not the output folder.
        let scratch = std::env::temp_dir();
        let mut files = Vec::new();
        let mut read_time = std::time::Duration::ZERO;
        let mut normalized = normalize::run(
            &cfg.inputs,
            &ingest_opts,
            &normalize::NormalizeOptions {
                profile: &profile,
                zone: &cfg.zone,
                cells: &cfg.cells,
                as_of: cfg.as_of,
                scratch: &scratch,
                text_memory: opts.scratch_memory,
            },
            &mut files,
            &mut read_time,
            &mut rejects,
        )?;
        read_meter.finish();
        let mappings = std::mem::take(&mut normalized.mappings);
        let read_ms = read_time.as_millis() as u64;
        let total = clock.elapsed().as_millis() as u64;
        timings.stages.push(("ingest".into(), read_ms));
        timings
            .stages
            .push(("normalize".into(), total.saturating_sub(read_ms)));
        timings.mark("normalize");
        clock = Instant::now();
        if cfg.strict
            && let Some(first) = rejects.issues.first()
        {
            let file = files
                .get(first.origin.file as usize)
                .map_or("?", |f| f.display.as_str());
            // The message quotes the row's values: never a phone number on stderr.
            let message = if cfg.unmask {
                std::borrow::Cow::Borrowed(first.message.as_str())
            } else {
                crate::privacy::mask_phones(&first.message)
            };
            return Err(Error::Strict(format!(
                "{file}:{}: {message} ({})",
                first.origin.line,
                first.reason.code()
            )));
        }
        // The event log, checked against the accepted complaints.
        let mut event_log = if cfg.events.is_empty() {
            events::EventLog::default()
        } else {
            let profile = events::EventProfile::new(&cfg.event_log);
            let is_header = |cells: &[String]| profile.is_header(cells);
            let meter = opts
                .progress
                .begin("events", Measure::Bytes(ingest::total_bytes(&cfg.events)));
            let ingest = ingest::IngestOptions {
                encoding: cfg.encoding,
                sheet: None,
                is_header: &is_header,
                chunk_bytes: opts.chunk_bytes,
                progress: &meter,
            };
            let all_paths: Vec<std::path::PathBuf> =
                cfg.inputs.iter().chain(&cfg.events).cloned().collect();
            let log = events::run(
                &cfg.events,
                &all_paths,
                &ingest,
                &profile,
                &normalized.complaints,
                &cfg.zone,
                cfg.as_of,
                &mut files,
                &mut rejects,
                &scratch,
                opts.scratch_memory,
            )?;
            meter.finish();
            log
        };
        timings.lap("events", &mut clock);
        timings
            .scratch_bytes
            .push(("texts".into(), normalized.texts.disk_bytes()));
        timings
            .scratch_bytes
            .push(("events".into(), event_log.scratch_bytes));
        let meter = opts.progress.begin(
            "classify",
            Measure::Count(normalized.complaints.len() as u64, "complaints"),
        );
        let shown: Vec<String> = files.iter().map(|f| f.display.clone()).collect();
        let classified = rules::classify::run(
            rules,
            normalized,
            &rules::classify::ClassifyOptions {
                mode: opts.mode.clone(),
                strict: cfg.strict,
                max_engine_errors: cfg.max_rule_errors,
                files: &shown,
            },
            &mut rejects,
            &meter,
        )?;
        meter.finish();
        timings.lap("classify", &mut clock);
        // Later stages look events up by complaint position, which classify may have shifted.
        event_log.align(&classified.complaints);
        let roster = match &cfg.roster {
            Some(p) => Some(audit::roster::Roster::load(p, cfg.encoding)?),
            None => None,
        };
        let n = classified.complaints.len();
        let meter = opts
            .progress
            .begin("assess", Measure::Count(n as u64, "complaints"));
        let merged: usize = classified.merged.total();
        sink.open(&classified, &files)?;
        let assessed = assess::run(
            rules,
            classified,
            event_log,
            &assess::AssessOptions {
                facts: assess::FactOptions {
                    zone: &cfg.zone,
                    as_of: cfg.as_of,
                    kind: aggregate::period_kind(cfg)?,
                    project_calendars: &cfg.sla.project_calendars,
                    unmask: cfg.unmask,
                },
                roster: roster.as_ref(),
                chunk: opts.assess_chunk,
                meter: &meter,
                scratch: &scratch,
            },
            sink,
            &mut timings,
        )?;
        meter.finish();
        rejects.sort();
        let read: usize = files.iter().take(cfg.inputs.len()).map(|f| f.records).sum();
        let complaints = assessed.complaints.len();
        let counts = RowCounts {
            read,
            accepted: complaints + merged,
            rejected: rejects.rejected_in_files(cfg.inputs.len()),
            complaints,
            merged,
        };
        if counts.read != counts.accepted + counts.rejected {
            // Never silent: a row that is neither accepted nor rejected is a bug.
            return Err(Error::Other(format!(
                "internal error: rows do not reconcile (read {}, accepted {}, rejected {})",
                counts.read, counts.accepted, counts.rejected
            )));
        }
        // And every physical line is in the header, a record or a blank line: a line the
        // reader skipped without a record would show here.
        let mut lines = crate::model::Lines::default();
        for f in files.iter().take(cfg.inputs.len()) {
            if !f.lines.reconciles() {
                return Err(Error::Other(format!(
                    "internal error: the lines of {} do not reconcile ({:?})",
                    f.display, f.lines
                )));
            }
            lines += f.lines;
        }
        let warnings = coverage_warnings(&assessed.uncovered);
        Ok(Judged {
            files,
            assessed,
            rejects,
            counts,
            lines,
            timings,
            warnings,
            mappings,
        })
    }

    /// Stage 6: the report contexts of the judged data.
    pub fn aggregate(&self, j: &Judged) -> Result<aggregate::Aggregated> {
        aggregate::run(&aggregate::AggregateInput {
            cfg: self.cfg,
            rules: self.rules,
            files: &j.files,
            assessed: &j.assessed,
            rejects: &j.rejects,
            counts: j.counts,
            lines: j.lines,
            warnings: &j.warnings,
            mappings: &j.mappings,
        })
    }

    /// The whole run: every output into a staging folder beside the output folder, the
    /// timings and the manifest last, then the staging folder swapped in for the previous set
    /// ([`OutputSet`]). A run that fails leaves the previous set untouched; a complete run
    /// whose result is not acceptable is still swapped in, with the reason in
    /// [`RunOutcome::unacceptable`].
    pub fn write(&self) -> Result<RunOutcome> {
        let set = OutputSet::begin(&self.cfg.out_dir)?;
        // The stages write where the config says: the staging folder.
        let staged = Config {
            out_dir: set.dir().to_path_buf(),
            ..self.cfg.clone()
        };
        let run = Run {
            cfg: &staged,
            rules: self.rules,
            templates: self.templates,
            opts: self.opts.clone(),
        };
        let mut outcome = run.write_into()?;
        outcome.unacceptable = acceptance(
            &outcome.counts,
            self.cfg,
            &self.cfg.out_dir,
            reject_cause(&outcome.rejects, &outcome.files),
        );
        set.commit()?;
        Ok(outcome)
    }

    /// Every output into `cfg.out_dir` (the staging folder), the manifest last.
    fn write_into(&self) -> Result<RunOutcome> {
        let cfg = self.cfg;
        let rules = self.rules;
        let templates = self.templates.ok_or_else(|| {
            Error::Other("internal error: a run without templates writes no report".into())
        })?;
        let mut writers = render::tables::TableSink::new(cfg, rules);
        let mut j = self.judge(&mut writers)?;
        let t0 = Instant::now();
        writers.finish()?;
        if let Some(t) = j.timings.stages.iter_mut().find(|(k, _)| k == "tables") {
            t.1 += t0.elapsed().as_millis() as u64;
        }
        crate::output::checkpoint("tables");
        let mut clock = Instant::now();
        let meter = self.opts.progress.begin("report", Measure::Spinner);
        meter.message("aggregating");
        let pages = self.aggregate(&j)?;
        j.timings.lap("aggregate", &mut clock);
        meter.message("writing report.xlsx, pages and tables");
        // The explanation pages read their complaints' events in the order of their IDs: those
        // are kept now, in one pass over the log.
        j.assessed
            .events
            .keep_only(pages.explanations.values().flatten().copied())?;
        render::run(&render::RenderInput {
            cfg,
            rules,
            templates,
            files: &j.files,
            assessed: &j.assessed,
            rejects: &j.rejects,
            pages: &pages,
        })?;
        j.timings.lap("render", &mut clock);
        meter.message("done");
        meter.finish();
        let a = &j.assessed;
        let coverage = rules::coverage::CoverageReport::new(
            rules,
            &a.complaints.classified.coverage,
            Some(a.complaints.classified.evaluations),
            &a.verdicts.applied,
            &a.findings.applied,
        );
        let manifest = render::manifest::Manifest::new(
            cfg,
            rules,
            templates,
            &j.files,
            j.counts,
            j.lines,
            &j.rejects,
            &j.warnings,
            coverage,
        );
        render::manifest::write_timings(&cfg.out_dir, &j.timings)?;
        manifest.write(&cfg.out_dir)?;
        crate::output::checkpoint("manifest");
        let Judged {
            assessed,
            rejects,
            counts,
            lines: _,
            timings,
            warnings,
            files,
            mappings,
        } = j;
        let event_rows = (assessed.events.read, assessed.events.accepted);
        let written = written(cfg, &pages);
        // Freeing millions of complaints, events and facts is a visible share of a large run,
        // and the CLI exits right after: a thread frees them while the summary is printed
        // (when the process exits first, the kernel takes the memory back at once).
        std::thread::spawn(move || drop((assessed, pages)));
        Ok(RunOutcome {
            counts,
            timings,
            rejects,
            warnings,
            manifest,
            event_rows,
            mappings,
            files,
            written,
            unacceptable: None,
        })
    }
}

/// The files a run wrote, relative to the output folder: the pages and explanation pages the
/// aggregation laid out, then the workbook and tables the config asks for, the manifest last.
fn written(cfg: &Config, pages: &aggregate::Aggregated) -> Vec<String> {
    use crate::output::names;
    let mut v: Vec<String> = Vec::new();
    for p in &pages.pages {
        v.push(p.path.clone());
        v.extend(p.audit_path.clone());
    }
    v.extend(pages.explanations.keys().cloned());
    v.push(names::REPORT_XLSX.to_owned());
    if cfg.record_tables {
        for t in [
            names::COMPLAINTS_CSV,
            names::SLA_CSV,
            names::ESCALATIONS_CSV,
        ] {
            v.push(t.to_owned());
        }
    }
    v.push(names::REJECTS_CSV.to_owned());
    v.push(names::FINDINGS_CSV.to_owned());
    if cfg.parquet {
        v.push("parquet/".to_owned());
    }
    v.push(names::MANIFEST_JSON.to_owned());
    v
}

/// The most common reject reason of a run, with an example (`file:line`) and the fix.
pub fn reject_cause(rejects: &Rejects, files: &[ingest::InputFile]) -> Option<String> {
    let cause = rejects.main_cause()?;
    let file = files
        .get(cause.origin.file as usize)
        .map_or("?", |f| f.display.as_str());
    Some(cause.describe(&format!("{file}:{}", cause.origin.line)))
}

/// Whether a complete run's result is acceptable: the one place that decides exit code 1 for
/// a run whose outputs were written. `None` when it is.
///
/// Not acceptable: no data rows at all (a header-only export), no row accepted (every row
/// rejected: a broken export or a rule that rejects everything), more rejects than
/// `max_rejects` allows.
pub fn acceptance(
    counts: &RowCounts,
    cfg: &Config,
    out: &std::path::Path,
    cause: Option<String>,
) -> Option<Error> {
    let unacceptable = |message: String| {
        Some(Error::Unacceptable {
            message,
            out: out.to_path_buf(),
            cause: cause.clone(),
        })
    };
    if counts.read == 0 {
        return unacceptable(
            "no data rows: the input has a header but no rows below it, so the report is empty"
                .into(),
        );
    }
    if counts.accepted == 0 {
        return unacceptable(format!(
            "no row accepted: all {} rows were rejected (see {})",
            counts.read,
            out.join(crate::output::names::REJECTS_CSV).display(),
        ));
    }
    if let Some(limit) = cfg.max_rejects
        && limit.exceeded(counts.rejected, counts.read)
    {
        return Some(Error::TooManyRejects {
            rejected: counts.rejected,
            read: counts.read,
            limit: limit.to_string(),
            report: out.join(crate::output::names::REJECTS_CSV),
            cause: cause.unwrap_or_default(),
        });
    }
    None
}

/// The calendar-coverage warnings of a run.
pub fn coverage_warnings(uncovered: &std::collections::BTreeSet<(String, i32)>) -> Vec<String> {
    uncovered
        .iter()
        .map(|(cal, year)| {
            format!(
                "calendar `{cal}` has no holiday data for {year}: working days in {year} follow the weekly pattern only; add the year's State Council notice (see docs/CALENDARS.md)"
            )
        })
        .collect()
}
