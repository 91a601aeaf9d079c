//! `complaints explain ID`: for one complaint, where its row came from, which rule or table row
//! produced each classification output (and the inputs it saw), and for every SLA target the
//! arithmetic behind the verdict. Takes the same options as `run`.

use std::fmt::Write as _;
use std::io::Write;

use crate::cli::ExplainArgs;
use crate::diagnostic::display_path;
use crate::error::{Error, Result};
use crate::model::Stage;
use crate::pipeline::rules::classify::{call, record_map};
use crate::pipeline::rules::engine::{TraceEvent, with_trace};
use crate::pipeline::sla::{Timeline, calendar_for};
use crate::pipeline::{self, RunOptions};
use crate::time::Ts;

/// Prints the explanation on stdout.
pub fn run(args: &ExplainArgs, now: Ts) -> Result<i32> {
    let cfg = super::load_config(&args.run, now)?;
    let prepared = pipeline::prepare(&cfg)?;
    let ev = pipeline::evaluate(&cfg, &prepared, RunOptions::default())?;
    let text = explain(&cfg, &prepared, &ev, &args.id)?;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Error::io("<stdout>", e)),
        Ok(()) => Ok(0),
    }
}

/// The explanation of one complaint, as text.
pub fn explain(
    cfg: &crate::config::Config,
    prepared: &pipeline::Prepared,
    ev: &pipeline::Evaluated,
    id: &str,
) -> Result<String> {
    let cls = &ev.assessed.classified;
    let zone = &cfg.zone;
    let Some(i) = cls.complaints.iter().position(|c| c.id.as_str() == id) else {
        return Err(Error::Usage(format!(
            "complaint `{id}` is not among the {} accepted complaints (a rejected row is listed in rejects.csv)",
            cls.complaints.len()
        )));
    };
    let c = &cls.complaints[i];
    let file = |o: &crate::model::Origin| {
        format!(
            "{}:{}",
            ev.files
                .get(o.file as usize)
                .map_or("?", |f| f.display.as_str()),
            o.line
        )
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "complaint {} (row {}), as of {}",
        c.id,
        file(&c.origin),
        zone.format_rfc3339(cfg.as_of)
    );
    for o in &cls.merged[i] {
        let _ = writeln!(
            s,
            "  merged from the earlier export row {} (duplicate policy: the most advanced stage wins)",
            file(o)
        );
    }
    for st in Stage::ALL {
        if let Some(t) = c.time(st) {
            let later = if t > cfg.as_of {
                "  (after --as-of: not yet happened)"
            } else {
                ""
            };
            let _ = writeln!(s, "  {:<16}{}{later}", st.field().name(), zone.format(t));
        }
    }
    // Classification, re-run with tracing on.
    let rules = &prepared.rules;
    let _ = writeln!(
        s,
        "\nclassify ({}):",
        display_path(&rules.classify.path).display()
    );
    let reads = rules.classify.reads.names();
    match &reads {
        Some(f) => {
            let _ = writeln!(
                s,
                "  reads {}",
                f.iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        None => {
            let _ = writeln!(s, "  reads the whole record");
        }
    }
    let (result, trace) = with_trace(|| {
        call(
            rules,
            &rules.classify,
            record_map(c, &cls.extras, reads.as_ref()),
        )
    });
    if let Err(f) = &result {
        let _ = writeln!(s, "  error: {}", f.message);
    }
    for (col, v) in cls.columns.iter().zip(&cls.values[i]) {
        let value = v.text(zone);
        // The table row that gave this output, if any.
        let source = trace.iter().find_map(|e| match e {
            TraceEvent::TableHit {
                table,
                row,
                row_ref,
                inputs,
            } => rules.env.tables.get(table).and_then(|t| {
                let k = t.outputs.iter().position(|o| o == col)?;
                (t.rows[*row].outputs[k].as_deref() == Some(value.as_str())).then(|| {
                    let seen: Vec<String> = inputs
                        .iter()
                        .map(|(f, v)| {
                            let v = if cfg.unmask {
                                v.clone()
                            } else {
                                masked(f, v, c)
                            };
                            format!("{f}={v}")
                        })
                        .collect();
                    format!("table {table} row {row_ref}, which saw {}", seen.join(", "))
                })
            }),
            TraceEvent::Print { .. } => None,
        });
        let _ = writeln!(
            s,
            "  {col} = {}  ← {}",
            if value.is_empty() {
                "()"
            } else {
                value.as_str()
            },
            source.unwrap_or_else(|| format!(
                "set by {}",
                display_path(&rules.classify.path).display()
            ))
        );
    }
    for e in &trace {
        if let TraceEvent::Print { text } = e {
            let _ = writeln!(s, "  print: {text}");
        }
    }
    // SLA verdicts.
    let _ = writeln!(s, "\nsla:");
    let verdicts = &ev.assessed.verdicts[i];
    if verdicts.is_empty() {
        let _ = writeln!(s, "  no target applies to this complaint");
    }
    let tl = Timeline::new(c, &[], cfg.as_of);
    for v in verdicts {
        let t = &rules.targets.targets[v.target as usize];
        let (cal, _) = calendar_for(rules, t.calendar.as_deref(), c, &cfg.sla.project_calendars);
        for line in crate::pipeline::sla::explain::verdict(
            t,
            v,
            &tl,
            cal,
            zone,
            cfg.as_of,
            &rules.targets.targets,
        ) {
            let _ = writeln!(s, "{line}");
        }
        s.push('\n');
    }
    Ok(s)
}

/// A traced input as `explain` shows it: personal data masked unless `--unmask`.
fn masked(field: &str, value: &str, c: &crate::model::Complaint) -> String {
    let names: Vec<&str> = c.complainant.as_deref().into_iter().collect();
    match field {
        "complainant" => crate::privacy::mask_name(value),
        "phone" => crate::privacy::mask_phone(value),
        _ => crate::privacy::mask_text(value, &names),
    }
}
