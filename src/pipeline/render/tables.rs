//! The record-level CSV tables: `complaints.csv`, `sla.csv`, `rejects.csv`, `findings.csv`.
//! UTF-8 with a BOM, cells neutralised against formula injection, personal data masked
//! unless `--unmask`.

use std::path::Path;

use super::RenderInput;
use crate::error::Result;
use crate::model::{Field, FieldValue};
use crate::output::{CsvOut, CsvRows, write_rows_parallel};
use crate::pipeline::rules::classify::RuleValue;
use crate::pipeline::ingest::InputFile;
use crate::privacy;
use crate::rejects::Rejects;

fn file_name(files: &[InputFile], i: u16) -> &str {
    files.get(i as usize).map_or("?", |f| f.display.as_str())
}

/// One row per accepted complaint: canonical fields, rule outputs, SLA status and due time per
/// target, carried-through columns, and where the row came from.
pub fn complaints_csv(path: &Path, input: &RenderInput<'_>) -> Result<()> {
    let cls = &input.assessed.classified;
    let zone = &input.cfg.zone;
    let targets = &input.prepared.rules.targets.targets;
    let unmask = input.cfg.unmask;
    let mut header: Vec<String> = Field::ALL.iter().map(|f| f.name().to_owned()).collect();
    header.extend(cls.columns.iter().cloned());
    for t in targets {
        header.push(format!("sla_{}", t.name));
        header.push(format!("sla_{}_due", t.name));
    }
    header.extend(cls.extras.0.iter().cloned());
    header.extend(["source_file", "source_line", "merged_rows"].map(str::to_owned));
    let refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut out = CsvOut::create(path, &refs)?;
    let masker = cls.masker();
    let stems: Vec<&str> = input.files.iter().map(|f| f.stem.as_str()).collect();
    // Per complaint, its verdict per target (verdicts are in target order, at most one each).
    let render = |i: usize, row: &mut CsvRows| {
        let c = &cls.complaints[i];
        for f in Field::ALL {
            match c.get(f) {
                FieldValue::Absent => row.empty(),
                FieldValue::Ts(t) => row.ts(zone, Some(t)),
                FieldValue::Num(n) => row.display(n),
                FieldValue::Str(s) if unmask => row.text(s),
                FieldValue::Str(s) => match f {
                    Field::Complainant => row.text(&privacy::mask_name(s)),
                    Field::Phone => row.text(&privacy::mask_phone(s)),
                    Field::Text => row.text(&masker.mask(s)),
                    _ => row.text(s),
                },
            }
        }
        for v in &cls.values[i] {
            rule_value(row, v, zone);
        }
        let vs = &input.assessed.verdicts[i];
        for (k, _) in targets.iter().enumerate() {
            match vs.iter().find(|v| v.target as usize == k) {
                Some(v) => {
                    row.plain(v.status.name());
                    row.ts(zone, v.due);
                }
                None => {
                    row.empty();
                    row.empty();
                }
            }
        }
        // Carried-through columns are free text (备注 ...): mask phones and the complainant's
        // name there too.
        for v in &c.extra {
            let v = v.as_deref().unwrap_or("");
            if unmask || v.is_empty() {
                row.text(v);
            } else {
                row.text(&masker.mask(v));
            }
        }
        row.text(stems.get(c.origin.file as usize).copied().unwrap_or("?"));
        row.int(i64::from(c.origin.line));
        row.int(cls.merged[i].len() as i64);
        row.end();
    };
    write_rows_parallel(&mut out, cls.complaints.len(), 512, &render)?;
    out.finish()
}

/// A rule output as its CSV cell (what [`RuleValue::text`] gives).
fn rule_value(row: &mut CsvRows, v: &RuleValue, zone: &crate::time::Zone) {
    match v {
        RuleValue::Absent => row.empty(),
        RuleValue::Bool(b) => row.plain(if *b { "true" } else { "false" }),
        RuleValue::Int(i) => row.int(*i),
        RuleValue::Float(f) => row.text(&format!("{f}")),
        RuleValue::Str(s) => row.text(s),
        RuleValue::Time(t) => row.ts(zone, Some(*t)),
    }
}

/// One row per complaint and applicable target.
pub fn sla_csv(path: &Path, input: &RenderInput<'_>) -> Result<()> {
    let cls = &input.assessed.classified;
    let zone = &input.cfg.zone;
    let rules = &input.prepared.rules;
    let header = [
        "complaint_id",
        "target",
        "calendar",
        "basis",
        "start_at",
        "due_at",
        "stopped_at",
        "status",
        "elapsed_working_minutes",
        "elapsed_calendar_minutes",
        "limit_minutes",
        "minutes_over",
        "working_minutes_over",
        "percent_used",
        "warning",
        "paused_minutes",
        "note",
        "rule",
    ];
    let mut out = CsvOut::create(path, &header)?;
    // Per target, the cells that do not depend on the complaint, computed once.
    let per_target: Vec<(String, String)> = rules
        .targets
        .targets
        .iter()
        .map(|t| {
            let preset = rules.targets.presets.iter().find(|p| p.name == t.preset);
            let rule = preset.map_or_else(
                || t.name.clone(),
                |p| {
                    format!(
                        "{}#{}",
                        crate::diagnostic::display_path(&p.path).display(),
                        t.name
                    )
                },
            );
            (t.name.clone(), rule)
        })
        .collect();
    // Complaint index of each verdict row, so rows can be rendered in parallel.
    let mut rows: Vec<(u32, u32)> = Vec::new();
    for (i, vs) in input.assessed.verdicts.iter().enumerate() {
        for j in 0..vs.len() {
            rows.push((i as u32, j as u32));
        }
    }
    let render = |k: usize, row: &mut CsvRows| {
        let (i, j) = rows[k];
        let c = &cls.complaints[i as usize];
        let v = &input.assessed.verdicts[i as usize][j as usize];
        let (name, rule) = &per_target[v.target as usize];
        let judged = !matches!(
            v.status,
            crate::pipeline::sla::Status::NotApplicable
                | crate::pipeline::sla::Status::NotEvaluable
        );
        row.text(&c.id);
        row.text(name);
        row.text(&v.calendar);
        row.plain(v.basis.name());
        row.ts(zone, v.start);
        row.ts(zone, v.due);
        row.ts(zone, v.stop);
        row.plain(v.status.name());
        for secs in [v.elapsed_work, v.elapsed_cal, v.limit, v.over_cal, v.over_work] {
            if judged {
                row.minutes(secs);
            } else {
                row.empty();
            }
        }
        match v.pct_used {
            Some(p) => row.display(format_args!("{p:.1}")),
            None => row.empty(),
        }
        row.plain(if v.warning { "true" } else { "" });
        if v.paused > 0 {
            row.minutes(v.paused);
        } else {
            row.empty();
        }
        row.text(v.note.as_deref().unwrap_or(""));
        row.text(rule);
        row.end();
    };
    write_rows_parallel(&mut out, rows.len(), 192, &render)?;
    out.finish()
}

/// One row per rejected record.
pub fn rejects_csv(
    path: &Path,
    rejects: &Rejects,
    files: &[InputFile],
    unmask: bool,
) -> Result<()> {
    let mut out = CsvOut::create(
        path,
        &[
            "file", "line", "record", "stage", "field", "value", "reason", "message",
        ],
    )?;
    for r in &rejects.issues {
        out.row([
            file_name(files, r.origin.file).to_owned(),
            r.origin.line.to_string(),
            r.origin.record.to_string(),
            r.stage.to_owned(),
            r.field.clone(),
            if unmask {
                r.value.clone()
            } else {
                privacy::mask_text(&r.value, &[])
            },
            r.reason.code().to_owned(),
            if unmask {
                r.message.clone()
            } else {
                privacy::mask_text(&r.message, &[])
            },
        ])?;
    }
    out.finish()
}

/// One row per data-quality finding on a kept record.
pub fn findings_csv(path: &Path, rejects: &Rejects, files: &[InputFile]) -> Result<()> {
    let mut out = CsvOut::create(
        path,
        &[
            "file",
            "line",
            "record",
            "complaint_id",
            "field",
            "code",
            "message",
        ],
    )?;
    for f in &rejects.findings {
        out.row([
            file_name(files, f.origin.file).to_owned(),
            f.origin.line.to_string(),
            f.origin.record.to_string(),
            f.complaint_id.clone(),
            f.field.clone(),
            f.code.code().to_owned(),
            f.message.clone(),
        ])?;
    }
    out.finish()
}

/// One row per complaint and applicable duty, then team duties by team and month.
pub fn escalations_csv(path: &Path, input: &RenderInput<'_>) -> Result<()> {
    let zone = &input.cfg.zone;
    let duties = &input.prepared.rules.duties;
    let mut out = CsvOut::create(
        path,
        &[
            "complaint_id",
            "team",
            "month",
            "duty",
            "triggered_at",
            "required_by",
            "done_at",
            "actor",
            "actor_role",
            "status",
            "evidence",
            "note",
            "rule",
        ],
    )?;
    // Per duty name, its rule reference, computed once.
    let mut rules: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    let names = duties
        .duties
        .iter()
        .map(|d| (d.name.as_str(), d.preset.as_str()))
        .chain(
            duties
                .team_duties
                .iter()
                .map(|d| (d.name.as_str(), d.preset.as_str())),
        );
    for (name, preset) in names {
        let rule = duties
            .presets
            .iter()
            .find(|p| p.name == preset)
            .map_or_else(
                || name.to_owned(),
                |p| {
                    format!(
                        "{}#{}",
                        crate::diagnostic::display_path(&p.path).display(),
                        name
                    )
                },
            );
        rules.entry(name).or_insert(rule);
    }
    let findings = &input.audited.findings;
    let render = |k: usize, row: &mut CsvRows| {
        let f = &findings[k];
        row.text(&f.complaint_id);
        row.text(&f.team);
        row.text(&f.month);
        row.text(&f.duty);
        row.ts(zone, f.triggered_at);
        row.ts(zone, f.required_by);
        row.ts(zone, f.done_at);
        row.text(f.actor.as_deref().unwrap_or(""));
        row.text(f.actor_role.as_deref().unwrap_or(""));
        row.plain(f.status.name());
        let mut evidence = String::new();
        for (n, o) in f.evidence.iter().enumerate() {
            if n > 0 {
                evidence.push(' ');
            }
            evidence.push_str(file_name(input.files, o.file));
            evidence.push(':');
            evidence.push_str(&o.line.to_string());
        }
        row.text(&evidence);
        row.text(&f.note);
        match rules.get(f.duty.as_str()) {
            Some(r) => row.text(r),
            None => row.text(&f.duty),
        }
        row.end();
    };
    write_rows_parallel(&mut out, findings.len(), 384, &render)?;
    out.finish()
}
