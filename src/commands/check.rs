//! `complaints check`: compiles the config, every rule script, table, SLA preset, calendar and
//! template, before touching any data, and reports every problem at once. Exit 1 when anything
//! fails. It then shows the resolved rule set (which file each table, target, duty and calendar
//! came from: the user's folder or the shipped set) and, with `--input`, how each export's
//! columns would be read.

use std::fmt::Write as _;

use crate::cli::CheckArgs;
use crate::config::{Config, Lang};
use crate::diagnostic::Diagnostics;
use crate::diagnostic::display_path;
use crate::error::{Error, Result};
use crate::pipeline::{self, Prepared, RunOptions, aggregate, render};
use crate::time::Ts;
use crate::ui;

/// A few synthetic complaints (an emergency, a breach, an open suggestion, an overdue
/// complaint, a rejected row) to render the templates against: enough to reach every list and
/// table, and none of the user's data.
const SAMPLE: &str = include_str!("check_sample.csv");

/// Renders every entry template in both languages against the built-in sample.
fn render_templates(cfg: &Config, p: &Prepared) -> Result<Diagnostics> {
    let dir = std::env::temp_dir().join(format!("complaints-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let input = dir.join("sample.csv");
    std::fs::write(&input, SAMPLE).map_err(|e| Error::io(&input, e))?;
    let mut c = cfg.clone();
    c.inputs = vec![input];
    c.events = Vec::new();
    c.roster = None;
    c.out_dir = dir.clone();
    c.as_of =
        crate::config::parse_as_of("2026-11-01T00:00:00+08:00", &c.zone).map_err(Error::Usage)?;
    c.period = None;
    let result = (|| -> Result<Diagnostics> {
        let judged =
            pipeline::Run::new(&c, p, RunOptions::default()).judge(&mut pipeline::NoSink)?;
        let mut diags = Diagnostics::default();
        for lang in [Lang::Zh, Lang::En] {
            c.lang = lang;
            let ctx = pipeline::Run::new(&c, p, RunOptions::default()).aggregate(&judged)?;
            // A company page and a project page (the templates branch on the scope).
            let pages: Vec<&aggregate::ReportContext> =
                ctx.pages.iter().take(2).map(|x| &x.context).collect();
            let mut collect = |r: Result<()>| -> Result<()> {
                match r {
                    Ok(_) => Ok(()),
                    Err(Error::Diagnostics(d)) => {
                        for x in d.0 {
                            if !diags.0.contains(&x) {
                                diags.push(x);
                            }
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            };
            for (name, page) in [render::REPORT_TEMPLATE, render::AUDIT_TEMPLATE]
                .into_iter()
                .flat_map(|n| pages.iter().map(move |pg| (n, *pg)))
            {
                collect(p.templates.render(name, page).map(drop))?;
            }
            // The explanation page, of every sample complaint (every kind of clock).
            let order: Vec<usize> = (0..judged.assessed.complaints.len()).collect();
            collect(render::explain::page(
                &p.templates,
                &render::explain::PageInfo {
                    lang,
                    unmasked: false,
                    as_of: c.zone.format(c.as_of),
                },
                &order,
                |i| {
                    pipeline::explain::complaint(
                        &c,
                        &p.rules,
                        &judged.files,
                        &judged.assessed,
                        i,
                        lang,
                        &judged.assessed.verdicts.of(i)?,
                    )
                },
                &mut std::io::sink(),
                std::path::Path::new("explain.html"),
            ))?;
        }
        Ok(diags)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Where each piece of the rule set and the templates came from.
pub fn resolved(p: &Prepared) -> String {
    let r = &p.rules;
    let shown = |path: &std::path::Path| display_path(path).display().to_string();
    let mut s = format!("rule set: {}\n", r.folder.describe());
    let _ = writeln!(s, "  classify                 {}", shown(&r.classify.path));
    let mut tables: Vec<_> = r.env.tables.values().collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    for t in tables {
        let _ = writeln!(s, "  table {:<18} {}", t.name, shown(&t.path));
    }
    let preset_path = |presets: &[crate::pipeline::rules::presets::Preset], name: &str| {
        presets
            .iter()
            .find(|p| p.name == name)
            .map_or_else(String::new, |p| shown(&p.path))
    };
    for t in &r.targets.targets {
        let _ = writeln!(
            s,
            "  target {:<17} {}",
            t.name,
            preset_path(&r.targets.presets, &t.preset)
        );
    }
    let duties = r.duties.duties.iter().map(|d| (&d.name, &d.preset));
    let team = r.duties.team_duties.iter().map(|d| (&d.name, &d.preset));
    for (name, preset) in duties.chain(team) {
        let _ = writeln!(
            s,
            "  duty {:<19} {}",
            name,
            preset_path(&r.duties.presets, preset)
        );
    }
    for (name, path) in &r.calendar_paths {
        let _ = writeln!(s, "  calendar {:<15} {}", name, shown(path));
    }
    if let Some(k) = &r.kpis.path {
        let _ = writeln!(s, "  indicators               {}", shown(k));
    }
    let _ = write!(s, "templates: {}", p.templates.folder.describe());
    let own: Vec<String> = p
        .templates
        .files
        .iter()
        .filter(|f| !f.path.starts_with(crate::shipped::BUILTIN))
        .map(|f| f.path.clone())
        .collect();
    if p.templates.folder.uses_builtin() && !own.is_empty() {
        let _ = write!(s, " (yours: {})", own.join(", "));
    }
    s
}

/// How each export's columns would be read, for `check --input`; errors (a missing required
/// column, an ambiguous date column) are listed with the file.
fn mappings(cfg: &Config, inputs: &[std::path::PathBuf]) -> (String, usize) {
    use crate::pipeline::{ingest, normalize};
    let profile = normalize::Profile::new(&cfg.profile);
    let is_header = |cells: &[String]| profile.is_header(cells);
    let meter = crate::progress::Meter::hidden();
    let ingest_opts = ingest::IngestOptions {
        encoding: cfg.encoding,
        sheet: cfg.sheet.as_deref(),
        is_header: &is_header,
        chunk_bytes: ingest::CHUNK_BYTES,
        progress: &meter,
    };
    let opts = normalize::NormalizeOptions {
        profile: &profile,
        zone: &cfg.zone,
        cells: &cfg.cells,
        as_of: cfg.as_of,
        scratch: &std::env::temp_dir(),
        text_memory: crate::output::SPOOL_MEMORY,
    };
    let mut s = String::new();
    let mut errors = 0;
    for path in inputs {
        match normalize::describe(path, &ingest_opts, &opts) {
            Ok((file, m)) => {
                let _ = writeln!(
                    s,
                    "\ncolumns of {} ({}, header on line {}):",
                    file.display, file.encoding, file.header_line
                );
                for c in &m.columns {
                    let via = c.via.replace('_', " ").replace("builtin", "built-in");
                    let target = if c.field.is_empty() {
                        format!("({via})")
                    } else {
                        format!("{} ({via})", c.field)
                    };
                    let _ = write!(s, "  {} → {target}", c.header);
                    if !c.timestamps.is_empty() {
                        let _ = write!(s, "; timestamps: {}", c.timestamps);
                    }
                    s.push('\n');
                }
                let _ = writeln!(s, "  fields not found: {}", m.missing.join(", "));
            }
            Err(e) => {
                errors += 1;
                let _ = writeln!(s, "\nerror: {e}");
            }
        }
    }
    (s, errors)
}

/// Runs the checks.
pub fn run(args: &CheckArgs, now: Ts, quiet: bool) -> Result<i32> {
    let setup = &args.setup;
    let cfg = match super::load_setup(setup, now) {
        Ok(c) => c,
        Err(Error::Diagnostics(d)) => {
            eprintln!("{d}");
            eprintln!("\n{} problem(s) found", d.0.len());
            return Ok(1);
        }
        Err(e) => return Err(e),
    };
    match pipeline::prepare(&cfg) {
        Ok(p) => {
            for w in &p.rules.warnings {
                eprintln!("{w}\n");
            }
            let rendered = render_templates(&cfg, &p)?;
            if !rendered.is_empty() {
                eprintln!("{rendered}");
                eprintln!(
                    "\n{} error(s) rendering the templates against the built-in sample",
                    rendered.errors()
                );
                return Ok(1);
            }
            let (columns, bad_inputs) = mappings(&cfg, &args.inputs);
            ui::note(
                quiet,
                &format!(
                    "ok: config, {} rule file(s), {} decision table(s), {} SLA target(s) in {} preset(s), {} duties in {} preset(s), {} calendar(s), {} template(s)",
                    p.rules.files.len(),
                    p.rules.env.tables.len(),
                    p.rules.targets.targets.len(),
                    p.rules.targets.presets.len(),
                    p.rules.duties.duties.len() + p.rules.duties.team_duties.len(),
                    p.rules.duties.presets.len(),
                    p.rules.env.calendars.len(),
                    p.templates.names.len()
                ),
            );
            ui::note(quiet, &resolved(&p));
            // The mapping is what was asked for: shown even with --quiet, errors included.
            if !columns.is_empty() {
                eprint!("{columns}");
            }
            Ok(if bad_inputs == 0 { 0 } else { 1 })
        }
        Err(Error::Diagnostics(d)) => {
            eprintln!("{d}");
            eprintln!(
                "\n{} error(s), {} warning(s)",
                d.errors(),
                d.0.len() - d.errors()
            );
            Ok(1)
        }
        Err(e) => Err(e),
    }
}
