//! The explanation of one complaint, in words: where its row came from, which rule or table row
//! produced each output (and the inputs it saw), and the arithmetic of every SLA verdict. Used by
//! `complaints explain` and by the report's explanation pages.

use std::fmt::Write as _;

use crate::config::Config;
use crate::diagnostic::display_path;
use crate::model::Stage;
use crate::pipeline::events::EventLog;
use crate::pipeline::ingest::InputFile;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::{Classified, call, record_map};
use crate::pipeline::rules::engine::{TraceEvent, with_trace};
use crate::pipeline::sla::{Timeline, Verdict, calendar_for};

/// The explanation of complaint `i` of `cls`, whose verdicts are `verdicts`, as text.
pub fn complaint(
    cfg: &Config,
    rules: &RuleSet,
    files: &[InputFile],
    cls: &Classified,
    verdicts: &[Verdict],
    events: &EventLog,
    i: usize,
) -> String {
    let zone = &cfg.zone;
    let c = &cls.complaints[i];
    let file = |o: &crate::model::Origin| {
        format!(
            "{}:{}",
            files
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
                                masked(f, v, cls.masker())
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
    if verdicts.is_empty() {
        let _ = writeln!(s, "  no target applies to this complaint");
    }
    let tl = Timeline::new(
        c,
        if events.logged { events.of(&c.id) } else { &[] },
        cfg.as_of,
    );
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
    s
}

/// A traced input as `explain` shows it: personal data masked unless `--unmask`.
fn masked(field: &str, value: &str, masker: &crate::privacy::Masker) -> String {
    match field {
        "complainant" => crate::privacy::mask_name(value),
        "phone" => crate::privacy::mask_phone(value),
        _ => masker.mask(value),
    }
}
