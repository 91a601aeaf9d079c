//! The pipeline. This file is the only one that knows the order of the stages:
//!
//! ```text
//! ingest → normalize → rules (classify) → sla → aggregate → render
//! ```
//!
//! [`prepare`] compiles everything the user wrote (rules, tables, presets, calendars,
//! templates) before any data is read; [`run`] takes the data through the stages. Each stage
//! has one entry point, `run`, and a named output type.

// Stage 1: read files into raw text tables with provenance.
pub mod ingest;

// Stage 2: map headers to canonical fields, type the cells, apply the duplicate policy.
pub mod normalize;

// Stage 3: compile the rule folder; classify each complaint.
pub mod rules;

// Stage 3b: the event log, normalized against the accepted complaints.
pub mod events;

// Stage 4: evaluate SLA targets on business calendars.
pub mod sla;

// Stage 5: audit escalation duties against the event log.
pub mod audit;

// Stage 6: aggregate with polars into the report context (the only polars user).
pub mod aggregate;

// Stage 7: write the report, the tables and the quality files.
pub mod render;

// The explanation of one complaint (for `explain` and the report's explanation pages).
pub mod explain;

use std::collections::BTreeMap;
use std::time::Instant;

use crate::config::Config;
use crate::error::{Error, Result};
pub use crate::model::{RowCounts, Timings, peak_rss_mib};
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
    let rules = rules::RuleSet::load(cfg);
    let templates = render::Templates::load(&cfg.templates_dir);
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

/// What a run produced.
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
}

/// How the rules are evaluated (per distinct input, or per row as a reference).
pub use rules::classify::EvalMode;

/// Options that are not part of the config.
#[derive(Clone)]
pub struct RunOptions {
    /// Rule evaluation mode.
    pub mode: EvalMode,
    /// Size of the pieces CSV inputs are parsed in (default [`ingest::CHUNK_BYTES`]).
    pub chunk_bytes: usize,
    /// Complaints assessed at a time (default [`ASSESS_CHUNK`]).
    pub assess_chunk: usize,
    /// Per-stage progress (silent by default; the CLI draws bars).
    pub progress: std::sync::Arc<dyn crate::progress::Progress + Send>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            mode: EvalMode::Auto,
            chunk_bytes: ingest::CHUNK_BYTES,
            assess_chunk: ASSESS_CHUNK,
            progress: std::sync::Arc::new(crate::progress::Silent),
        }
    }
}

/// Complaints assessed at a time: their verdicts and findings are written and summarised, then
/// dropped, so a run holds the verdicts of one chunk, not of every complaint.
pub const ASSESS_CHUNK: usize = 65_536;

/// The data as assessed, before aggregation: what `run`, `context`, `explain` and `diff`
/// share. The verdicts and findings themselves went chunk by chunk to the [`Sink`] and the
/// [`aggregate::Summary`].
pub struct Evaluated {
    /// Input files read.
    pub files: Vec<ingest::InputFile>,
    /// The classified complaints.
    pub classified: rules::classify::Classified,
    /// The event log (empty, `logged` false, for a snapshot export).
    pub events: events::EventLog,
    /// What the report needs of the verdicts and findings.
    pub summary: aggregate::Summary,
    /// Calendar years touched but not covered by holiday data: (calendar, year).
    pub uncovered: std::collections::BTreeSet<(String, i32)>,
    /// Rejects and findings.
    pub rejects: Rejects,
    /// Row accounting.
    pub counts: RowCounts,
    /// Stage timings so far.
    pub timings: Timings,
}

/// A chunk of assessed complaints, handed to a [`Sink`].
pub use render::tables::Chunk;

/// Where the verdicts and findings of each chunk go besides the summary: the record-level
/// tables for `run` ([`render::tables::RowWriters`]), a collector for `diff`, nowhere for
/// `context`.
pub trait Sink {
    /// A chunk of complaints, in complaint order.
    fn chunk(&mut self, cfg: &Config, rules: &rules::RuleSet, chunk: &Chunk<'_>) -> Result<()>;
    /// The team findings, after the last chunk.
    fn team(&mut self, _cfg: &Config, _findings: &[audit::AuditFinding]) -> Result<()> {
        Ok(())
    }
}

/// A sink that keeps nothing.
pub struct NoSink;

impl Sink for NoSink {
    fn chunk(&mut self, _: &Config, _: &rules::RuleSet, _: &Chunk<'_>) -> Result<()> {
        Ok(())
    }
}

impl Sink for render::tables::RowWriters {
    fn chunk(&mut self, cfg: &Config, rules: &rules::RuleSet, chunk: &Chunk<'_>) -> Result<()> {
        render::tables::RowWriters::chunk(self, cfg, rules, chunk)
    }
    fn team(&mut self, cfg: &Config, findings: &[audit::AuditFinding]) -> Result<()> {
        render::tables::RowWriters::team(self, cfg, findings)
    }
}

/// What `evaluate` needs to open the record-level tables once the inputs are read: `run`
/// writes them, the other commands pass [`NoSink`].
pub enum Output<'s> {
    /// Write complaints.csv, sla.csv and escalations.csv into the output folder.
    Tables,
    /// Hand the chunks to this sink.
    Sink(&'s mut dyn Sink),
}

/// Runs ingest → normalize → events → classify, then assesses the complaints chunk by chunk
/// (sla → audit → the sink and the summary) and the team duties.
pub fn evaluate(
    cfg: &Config,
    prepared: &Prepared,
    opts: RunOptions,
    output: Output<'_>,
) -> Result<Evaluated> {
    let mut timings = Timings::default();
    let mut clock = Instant::now();
    let mut rejects = Rejects::default();
    let profile = normalize::Profile::new(&cfg.profile);
    let is_header = |cells: &[String]| profile.is_header(cells);
    let read_bar = opts.progress.begin(
        "read",
        crate::progress::Measure::Bytes(ingest::total_bytes(&cfg.inputs)),
    );
    let ingest_opts = ingest::IngestOptions {
        encoding: cfg.encoding,
        sheet: cfg.sheet.as_deref(),
        is_header: &is_header,
        chunk_bytes: opts.chunk_bytes,
        progress: &read_bar,
    };
    // Ingest and normalize interleave file by file, so only one file's text is held; the
    // time spent reading and decoding is measured inside.
    let mut files = Vec::new();
    let mut read_time = std::time::Duration::ZERO;
    let normalized = normalize::run_sources(
        &cfg.inputs,
        &ingest_opts,
        &normalize::NormalizeOptions {
            profile: &profile,
            zone: &cfg.zone,
            as_of: cfg.as_of,
        },
        &mut files,
        &mut read_time,
        &mut rejects,
    )?;
    read_bar.finish();
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
        return Err(Error::Strict(format!(
            "{file}:{}: {} ({})",
            first.origin.line,
            first.message,
            first.reason.code()
        )));
    }
    // The event log, checked against the accepted complaints.
    let event_log = if cfg.events.is_empty() {
        None
    } else {
        let profile = events::EventProfile::new(&cfg.event_log);
        let is_header = |cells: &[String]| profile.is_header(cells);
        let bar = opts.progress.begin(
            "events",
            crate::progress::Measure::Bytes(ingest::total_bytes(&cfg.events)),
        );
        let opts = ingest::IngestOptions {
            encoding: cfg.encoding,
            sheet: None,
            is_header: &is_header,
            chunk_bytes: opts.chunk_bytes,
            progress: &bar,
        };
        let all_paths: Vec<std::path::PathBuf> =
            cfg.inputs.iter().chain(&cfg.events).cloned().collect();
        let log = events::run(
            &cfg.events,
            &all_paths,
            &opts,
            &profile,
            &normalized.complaints,
            &cfg.zone,
            cfg.as_of,
            &mut files,
            &mut rejects,
        )?;
        bar.finish();
        Some(log)
    };
    timings.lap("events", &mut clock);
    let bar = opts.progress.begin(
        "classify",
        crate::progress::Measure::Count(normalized.complaints.len() as u64, "complaints"),
    );
    let classified = rules::classify::run(
        &prepared.rules,
        normalized,
        opts.mode,
        cfg.strict,
        &mut rejects,
        &bar,
    )?;
    bar.finish();
    timings.lap("classify", &mut clock);
    // Without an event log, the audit derives each complaint's events from its timestamps.
    let mut event_log = event_log.unwrap_or_else(|| events::EventLog::default());
    // The later stages look events up by complaint position, which classify may have shifted.
    event_log.align(&classified.complaints);
    let roster = match &cfg.roster {
        Some(p) => Some(audit::roster::Roster::load(p, cfg.encoding)?),
        None => None,
    };
    let rules = &prepared.rules;
    let sla_opts = sla::SlaOptions {
        zone: &cfg.zone,
        as_of: cfg.as_of,
        project_calendars: &cfg.sla.project_calendars,
        events: event_log.logged.then_some(&event_log),
    };
    let audit_opts = audit::AuditOptions {
        zone: &cfg.zone,
        as_of: cfg.as_of,
        project_calendars: &cfg.sla.project_calendars,
        roster: roster.as_ref(),
    };
    let mut writers = match output {
        Output::Tables => Some(render::tables::RowWriters::create(
            cfg,
            rules,
            &classified,
            &files,
        )?),
        Output::Sink(_) => None,
    };
    let sink: &mut dyn Sink = match (&mut writers, output) {
        (Some(w), _) => w,
        (None, Output::Sink(s)) => s,
        (None, Output::Tables) => unreachable!("tables open"),
    };
    let mut summary = aggregate::Summary::new(cfg, rules, &event_log, classified.complaints.len())?;
    let mut marks = audit::TeamMarks::default();
    let mut uncovered = std::collections::BTreeSet::new();
    let (mut t_sla, mut t_audit, mut t_rows, mut t_summary) = (
        std::time::Duration::ZERO,
        std::time::Duration::ZERO,
        std::time::Duration::ZERO,
        std::time::Duration::ZERO,
    );
    let n = classified.complaints.len();
    let bar = opts.progress.begin(
        "assess",
        crate::progress::Measure::Count(n as u64, "complaints"),
    );
    let mut start = 0;
    while start < n {
        let range = start..(start + opts.assess_chunk).min(n);
        let t0 = Instant::now();
        let (verdicts, years) = sla::assess_range(rules, &classified, range.clone(), &sla_opts);
        uncovered.extend(years);
        let t1 = Instant::now();
        let findings = audit::complaint_findings(
            rules,
            &classified,
            range.clone(),
            &verdicts,
            &event_log,
            &audit_opts,
        );
        marks.add(rules, &verdicts);
        let t2 = Instant::now();
        sink.chunk(
            cfg,
            rules,
            &Chunk {
                classified: &classified,
                range: range.clone(),
                verdicts: &verdicts,
                findings: &findings,
            },
        )?;
        let t3 = Instant::now();
        summary.add(
            cfg,
            rules,
            &classified,
            range.clone(),
            &verdicts,
            &findings,
            &event_log,
        );
        t_summary += t3.elapsed();
        t_sla += t1 - t0;
        t_audit += t2 - t1;
        t_rows += t3 - t2;
        bar.inc(range.len() as u64);
        start = range.end;
    }
    bar.message("team duties");
    let t0 = Instant::now();
    let team = audit::team_findings(rules, &classified, &marks, &event_log, &audit_opts);
    t_audit += t0.elapsed();
    let t0 = Instant::now();
    sink.team(cfg, &team)?;
    t_rows += t0.elapsed();
    let t0 = Instant::now();
    summary.finish(rules, &classified, team);
    t_summary += t0.elapsed();
    bar.message("");
    bar.finish();
    let ms = |d: std::time::Duration| d.as_millis() as u64;
    timings.stages.push(("sla".into(), ms(t_sla)));
    timings.stages.push(("audit".into(), ms(t_audit)));
    timings.stages.push(("tables".into(), ms(t_rows)));
    timings.stages.push(("summary".into(), ms(t_summary)));
    timings.mark("assess");
    rejects.sort();
    let read: usize = files.iter().take(cfg.inputs.len()).map(|f| f.records).sum();
    let merged: usize = classified.merged.iter().map(Vec::len).sum();
    let complaints = classified.complaints.len();
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
    if let Some(w) = writers {
        let t0 = Instant::now();
        w.finish()?;
        if let Some(t) = timings.stages.iter_mut().find(|(k, _)| k == "tables") {
            t.1 += ms(t0.elapsed());
        }
    }
    Ok(Evaluated {
        files,
        classified,
        events: event_log,
        summary,
        uncovered,
        rejects,
        counts,
        timings,
    })
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

/// Runs the whole pipeline and writes every output into the output folder.
pub fn run(cfg: &Config, prepared: &Prepared, opts: RunOptions) -> Result<RunOutcome> {
    let ev = evaluate(cfg, prepared, opts.clone(), Output::Tables)?;
    let Evaluated {
        files,
        classified,
        events,
        summary,
        uncovered,
        rejects,
        counts,
        mut timings,
    } = ev;
    let mut clock = Instant::now();
    let bar = opts
        .progress
        .begin("report", crate::progress::Measure::Spinner);
    bar.message("aggregating");
    let warnings = coverage_warnings(&uncovered);
    let pages = aggregate::run(&aggregate::AggregateInput {
        cfg,
        rules: &prepared.rules,
        files: &files,
        classified: &classified,
        summary: &summary,
        rejects: &rejects,
        counts,
        warnings: &warnings,
        events: &events,
    })?;
    timings.lap("aggregate", &mut clock);
    bar.message("writing report.xlsx, pages and tables");
    std::fs::create_dir_all(&cfg.out_dir).map_err(|e| Error::io(&cfg.out_dir, e))?;
    render::run(&render::RenderInput {
        cfg,
        rules: &prepared.rules,
        templates: &prepared.templates,
        files: &files,
        classified: &classified,
        rejects: &rejects,
        pages: &pages,
        events: &events,
    })?;
    timings.lap("render", &mut clock);
    bar.message("done");
    bar.finish();
    let coverage = rules::coverage::CoverageReport::new(
        &prepared.rules,
        &classified.coverage,
        Some(classified.evaluations),
        &summary.targets_applied,
        &summary.duties_applied,
    );
    let manifest = render::manifest::Manifest::new(
        cfg,
        &prepared.rules,
        &prepared.templates,
        &files,
        counts,
        &rejects,
        &timings,
        &warnings,
        coverage,
    );
    manifest.write(&cfg.out_dir)?;
    if let Some(limit) = cfg.max_rejects
        && limit.exceeded(counts.rejected, counts.read)
    {
        return Err(Error::TooManyRejects {
            rejected: counts.rejected,
            read: counts.read,
            limit: limit.to_string(),
            report: cfg.out_dir.join(crate::output::names::REJECTS_CSV),
        });
    }
    let event_rows = (events.read, events.accepted);
    // Freeing millions of complaints, events and facts is a visible share of a large run, and
    // the CLI exits right after: a thread frees them while the summary is printed (when the
    // process exits first, the kernel takes the memory back at once).
    std::thread::spawn(move || drop((classified, events, summary, pages, files)));
    Ok(RunOutcome {
        counts,
        timings,
        rejects,
        warnings,
        manifest,
        event_rows,
    })
}

/// Counts by a key, sorted: a small helper the stages share for summaries.
pub fn tally<K: Ord>(items: impl IntoIterator<Item = K>) -> BTreeMap<K, usize> {
    let mut m = BTreeMap::new();
    for k in items {
        *m.entry(k).or_default() += 1;
    }
    m
}
