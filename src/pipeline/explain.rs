//! The explanation of one complaint, in words: where its row came from, which rule or table row
//! produced each output (and the inputs it saw), and the arithmetic of every SLA verdict. Used by
//! `complaints explain` and by the report's explanation pages.

use std::fmt::Write as _;

use crate::config::Config;
use crate::diagnostic::display_path;
use crate::error::Result;
use crate::model::{FieldValue, Stage};
use crate::pipeline::assess::Assessed;
use crate::pipeline::ingest::InputFile;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::engine::TraceEvent;
use crate::pipeline::sla::{Timeline, calendar_for};

/// The explanation of complaint `i` of the assessed table, as text: read from what the run
/// recorded (the rule's trace for the complaint's evaluation, its verdicts), nothing evaluated
/// again.
pub fn complaint(
    cfg: &Config,
    rules: &RuleSet,
    files: &[InputFile],
    assessed: &Assessed,
    i: usize,
) -> Result<String> {
    let zone = &cfg.zone;
    let cls = &assessed.complaints.classified;
    let events = &assessed.events;
    let verdicts = assessed.verdicts.of(i)?;
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
    // Classification: the trace of the complaint's evaluation.
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
    let empty = Vec::new();
    let trace = cls.traces.get(cls.values.evaluation(i)).unwrap_or(&empty);
    // A table input that complaints with different values shared an evaluation through saw
    // this complaint's own value there.
    let own = |table: &str, input: &str, v: &String| -> String {
        cls.own_inputs
            .iter()
            .find(|(t, k, _)| t == table && k == input)
            .map_or_else(
                || v.clone(),
                |(_, _, f)| match c.get(*f) {
                    FieldValue::Str(x) => x.to_string(),
                    FieldValue::Absent => "()".to_owned(),
                    _ => v.clone(),
                },
            )
    };
    for (col, v) in cls.columns.iter().zip(&cls.values[i]) {
        let value = v.text(zone);
        // The table row that gave this output, if any.
        let source = trace.iter().find_map(|e| match e {
            TraceEvent::TableHit {
                table,
                row,
                row_ref,
                inputs,
                ..
            } => rules.env.tables.get(table).and_then(|t| {
                let k = t.outputs.iter().position(|o| o == col)?;
                (t.rows[*row].outputs[k].as_deref() == Some(value.as_str())).then(|| {
                    let seen: Vec<String> = inputs
                        .iter()
                        .map(|(f, v)| {
                            let v = own(table, f, v);
                            let v = if cfg.unmask {
                                v.clone()
                            } else {
                                masked(f, &v, cls.masker())
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
    for e in trace {
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
    for v in &verdicts {
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
fn masked(field: &str, value: &str, masker: &crate::privacy::Masker) -> String {
    match field {
        "complainant" => crate::privacy::mask_name(value),
        "phone" => crate::privacy::mask_phone(value),
        _ => masker.mask(value),
    }
}
