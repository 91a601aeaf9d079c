//! The explanation of one complaint, as data: where its row came from, which rule or table row
//! produced each output (and the inputs it saw), and every SLA verdict's clock. Read from what
//! the run recorded in the assessed table (the rule's trace of the complaint's evaluation, the
//! verdicts); nothing is evaluated again.
//!
//! `complaints explain` prints it as text ([`Explanation::text`]); the report's explanation
//! pages render the same structure through `report_templates/explain.html.j2`, in the report's
//! language.

pub mod clock;
mod text;

use serde::Serialize;

pub use self::clock::Clock;
use crate::config::Config;
use crate::diagnostic::display_path;
use crate::error::Result;
use crate::format::Lang;
use crate::model::{FieldValue, Stage};
use crate::pipeline::assess::Assessed;
use crate::pipeline::ingest::InputFile;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::engine::TraceEvent;
use crate::pipeline::sla::{Timeline, Verdict, calendar_for};

/// A stage time of the record.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageTime {
    /// The canonical field (`received_at`).
    pub field: &'static str,
    /// Local time.
    pub time: String,
    /// After `--as-of`: not yet happened.
    pub later: bool,
}

/// Where a rule output came from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Source {
    /// The decision table whose row answered, or empty when the script set it.
    pub table: String,
    /// `file:line (conditions)` of that row.
    pub row_ref: String,
    /// The inputs the table saw (personal data masked unless `--unmask`).
    pub inputs: Vec<[String; 2]>,
}

/// One rule output.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Output {
    /// The output's name.
    pub column: String,
    /// Its value (empty: none).
    pub value: String,
    /// The table row that decided it, if one did.
    pub source: Option<Source>,
}

/// How the complaint was classified.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Classify {
    /// The script.
    pub path: String,
    /// The fields it reads (none: the whole record).
    pub reads: Option<Vec<String>>,
    /// Every output.
    pub outputs: Vec<Output>,
    /// What the script printed.
    pub prints: Vec<String>,
}

/// The explanation of one complaint.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Explanation {
    /// Complaint ID.
    pub id: String,
    /// `file:line` of its row.
    pub origin: String,
    /// `file:line` of the rows merged into it.
    pub merged: Vec<String>,
    /// `--as-of`, RFC 3339.
    pub as_of: String,
    /// Its stage times.
    pub stages: Vec<StageTime>,
    /// Its classification.
    pub classify: Classify,
    /// Every applicable target's clock, in target order.
    pub targets: Vec<Clock>,
}

impl Explanation {
    /// The terminal form (`complaints explain`), in English.
    pub fn text(&self) -> String {
        text::explanation(self)
    }
}

/// The explanation of complaint `i` of the assessed table, whose verdicts are `verdicts`
/// ([`crate::pipeline::assess::VerdictTable::of`], or `of_many` for a page of complaints at
/// once); `lang` is the language of the limits in words.
pub fn complaint(
    cfg: &Config,
    rules: &RuleSet,
    files: &[InputFile],
    assessed: &Assessed,
    i: usize,
    lang: Lang,
    verdicts: &[Verdict],
) -> Result<Explanation> {
    let zone = &cfg.zone;
    let cls = &assessed.complaints.classified;
    let events = &assessed.events;
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
    let stages = Stage::ALL
        .into_iter()
        .filter_map(|st| {
            c.time(st).map(|t| StageTime {
                field: st.field().name(),
                time: zone.format(t),
                later: t > cfg.as_of,
            })
        })
        .collect();
    let empty = Vec::new();
    let trace = cls.traces.get(cls.values.evaluation(i)).unwrap_or(&empty);
    let own_text = cls.texts.get(c.text_at)?;
    // A table input that complaints with different values shared an evaluation through saw
    // this complaint's own value there.
    let own = |table: &str, input: &str, v: &String| -> String {
        cls.own_inputs
            .iter()
            .find(|(t, k, _)| t == table && k == input)
            .map_or_else(
                || v.clone(),
                |(_, _, f)| match (f, c.get_unless_text(*f, &cls.dicts)) {
                    (crate::model::Field::Text, _) => {
                        own_text.clone().unwrap_or_else(|| "()".to_owned())
                    }
                    (_, FieldValue::Str(x)) => x.to_owned(),
                    (_, FieldValue::Absent) => "()".to_owned(),
                    _ => v.clone(),
                },
            )
    };
    let outputs = cls
        .columns
        .iter()
        .zip(&cls.values[i])
        .map(|(col, v)| {
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
                    (t.rows[*row].outputs[k].as_deref() == Some(value.as_str())).then(|| Source {
                        table: table.clone(),
                        row_ref: row_ref.clone(),
                        inputs: inputs
                            .iter()
                            .map(|(f, v)| {
                                let v = own(table, f, v);
                                let v = if cfg.unmask {
                                    v
                                } else {
                                    masked(f, &v, cls.masker())
                                };
                                [f.clone(), v]
                            })
                            .collect(),
                    })
                }),
                TraceEvent::Print { .. } => None,
            });
            Output {
                column: col.clone(),
                value,
                source,
            }
        })
        .collect();
    let prints = trace
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Print { text } => Some(text.clone()),
            TraceEvent::TableHit { .. } => None,
        })
        .collect();
    let window = events.window(i..i + 1)?;
    let tl = Timeline::new(c, window.at(i), cfg.as_of);
    let targets = verdicts
        .iter()
        .map(|v| {
            let t = &rules.targets.targets[v.target as usize];
            let (cal, _) = calendar_for(
                rules,
                t.calendar.as_deref(),
                c,
                &cls.dicts,
                &cfg.sla.project_calendars,
            );
            clock::clock(
                t,
                v,
                &tl,
                cal,
                zone,
                cfg.as_of,
                &rules.targets.targets,
                lang,
            )
        })
        .collect();
    Ok(Explanation {
        id: c.id.to_string(),
        origin: file(&c.origin),
        merged: cls.merged.of(i).iter().map(file).collect(),
        as_of: zone.format_rfc3339(cfg.as_of),
        stages,
        classify: Classify {
            path: display_path(&rules.classify.path).display().to_string(),
            reads: rules
                .classify
                .reads
                .names()
                .map(|f| f.iter().map(|x| (*x).to_owned()).collect()),
            outputs,
            prints,
        },
        targets,
    })
}

/// A traced input as an explanation shows it: personal data masked unless `--unmask`.
fn masked(field: &str, value: &str, masker: &crate::privacy::Masker) -> String {
    match field {
        "complainant" => crate::privacy::mask_name(value),
        "phone" => crate::privacy::mask_phone(value),
        "complaint_id" => value.to_owned(),
        _ => masker.mask(value),
    }
}
