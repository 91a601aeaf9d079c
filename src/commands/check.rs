//! `complaints check`: compiles the config, every rule script, table, SLA preset, calendar and
//! template, before touching any data, and reports every problem at once. Exit 1 when anything
//! fails.

use crate::cli::SetupArgs;
use crate::config::{Config, Lang};
use crate::diagnostic::Diagnostics;
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
            let mut collect = |r: Result<String>| -> Result<()> {
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
                collect(p.templates.render(name, page))?;
            }
            // The explanation page, of every sample complaint (every kind of clock).
            let complaints = (0..judged.assessed.complaints.len())
                .map(|i| {
                    pipeline::explain::complaint(
                        &c,
                        &p.rules,
                        &judged.files,
                        &judged.assessed,
                        i,
                        lang,
                    )
                })
                .collect::<Result<Vec<_>>>()?;
            collect(p.templates.render(
                render::EXPLAIN_TEMPLATE,
                &render::ExplainContext {
                    lang,
                    unmasked: false,
                    as_of: c.zone.format(c.as_of),
                    complaints: &complaints,
                },
            ))?;
        }
        Ok(diags)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Runs the checks.
pub fn run(setup: &SetupArgs, now: Ts, quiet: bool) -> Result<i32> {
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
            Ok(0)
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
