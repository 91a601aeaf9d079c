//! The record-level CSV tables: `complaints.csv`, `sla.csv`, `rejects.csv`, `findings.csv`.
//! UTF-8 with a BOM, cells neutralised against formula injection, personal data masked
//! unless `--unmask`.

use std::path::Path;

use super::RenderInput;
use crate::error::Result;
use crate::model::{Field, FieldValue};
use crate::output::{CsvOut, minutes};
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
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for (i, c) in cls.complaints.iter().enumerate() {
        row.clear();
        for f in Field::ALL {
            row.push(match c.get(f) {
                FieldValue::Absent => String::new(),
                FieldValue::Ts(t) => zone.format(t),
                FieldValue::Num(n) => format!("{n}"),
                FieldValue::Str(s) if unmask => s.to_string(),
                FieldValue::Str(s) => match f {
                    Field::Complainant => privacy::mask_name(s),
                    Field::Phone => privacy::mask_phone(s),
                    Field::Text => cls.masker().mask(s),
                    _ => s.to_string(),
                },
            });
        }
        row.extend(cls.values[i].iter().map(|v| v.text(zone)));
        let vs = &input.assessed.verdicts[i];
        for (k, _) in targets.iter().enumerate() {
            match vs.iter().find(|v| v.target as usize == k) {
                Some(v) => {
                    row.push(v.status.name().to_owned());
                    row.push(v.due.map(|d| zone.format(d)).unwrap_or_default());
                }
                None => {
                    row.push(String::new());
                    row.push(String::new());
                }
            }
        }
        // Carried-through columns are free text (备注 ...): mask phones and the complainant's
        // name there too.
        row.extend(c.extra.iter().map(|v| {
            let v = v.as_deref().unwrap_or("");
            if unmask {
                v.to_owned()
            } else {
                cls.masker().mask(v)
            }
        }));
        row.push(
            input
                .files
                .get(c.origin.file as usize)
                .map_or("?", |f| f.stem.as_str())
                .to_owned(),
        );
        row.push(c.origin.line.to_string());
        row.push(cls.merged[i].len().to_string());
        out.row(&row)?;
    }
    out.finish()
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
    for (c, vs) in cls.complaints.iter().zip(&input.assessed.verdicts) {
        for v in vs {
            let t = &rules.targets.targets[v.target as usize];
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
            let judged = !matches!(
                v.status,
                crate::pipeline::sla::Status::NotApplicable
                    | crate::pipeline::sla::Status::NotEvaluable
            );
            let num = |s: i64| if judged { minutes(s) } else { String::new() };
            out.row([
                c.id.to_string(),
                t.name.clone(),
                v.calendar.to_string(),
                format!("{:?}", v.basis).to_lowercase(),
                v.start.map(|x| zone.format(x)).unwrap_or_default(),
                v.due.map(|x| zone.format(x)).unwrap_or_default(),
                v.stop.map(|x| zone.format(x)).unwrap_or_default(),
                v.status.name().to_owned(),
                num(v.elapsed_work),
                num(v.elapsed_cal),
                num(v.limit),
                num(v.over_cal),
                num(v.over_work),
                v.pct_used.map(|p| format!("{p:.1}")).unwrap_or_default(),
                if v.warning { "true" } else { "" }.to_owned(),
                if v.paused > 0 {
                    minutes(v.paused)
                } else {
                    String::new()
                },
                v.note.clone().unwrap_or_default(),
                rule,
            ])?;
        }
    }
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
    let t = |x: Option<crate::time::Ts>| x.map(|t| zone.format(t)).unwrap_or_default();
    for f in &input.audited.findings {
        let preset = duties
            .duties
            .iter()
            .find(|d| d.name == f.duty)
            .map(|d| d.preset.as_str())
            .or_else(|| {
                duties
                    .team_duties
                    .iter()
                    .find(|d| d.name == f.duty)
                    .map(|d| d.preset.as_str())
            });
        let rule = duties
            .presets
            .iter()
            .find(|p| Some(p.name.as_str()) == preset)
            .map_or_else(
                || f.duty.clone(),
                |p| {
                    format!(
                        "{}#{}",
                        crate::diagnostic::display_path(&p.path).display(),
                        f.duty
                    )
                },
            );
        let evidence: Vec<String> = f
            .evidence
            .iter()
            .map(|o| format!("{}:{}", file_name(input.files, o.file), o.line))
            .collect();
        out.row([
            f.complaint_id.clone(),
            f.team.clone(),
            f.month.clone(),
            f.duty.clone(),
            t(f.triggered_at),
            t(f.required_by),
            t(f.done_at),
            f.actor.as_deref().unwrap_or("").to_owned(),
            f.actor_role.as_deref().unwrap_or("").to_owned(),
            f.status.name().to_owned(),
            evidence.join(" "),
            f.note.clone(),
            rule,
        ])?;
    }
    out.finish()
}
