//! The record-level CSV tables: `complaints.csv`, `sla.csv` and `escalations.csv`, written
//! chunk by chunk as the complaints are assessed ([`RowWriters`]), and `rejects.csv` and
//! `findings.csv`. UTF-8 with a BOM, cells neutralised against formula injection, personal data
//! masked unless `--unmask`.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use crate::config::Config;
use crate::error::Result;
use crate::model::{Field, FieldValue};
use crate::output::{CsvOut, CsvRows, names, write_rows_parallel};
use crate::pipeline::audit::AuditFinding;
use crate::pipeline::ingest::InputFile;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::{Classified, RuleValue};
use crate::pipeline::sla::Verdict;
use crate::privacy;
use crate::rejects::Rejects;

fn file_name(files: &[InputFile], i: u16) -> &str {
    files.get(i as usize).map_or("?", |f| f.display.as_str())
}

/// The three record-level tables, open for the run: each chunk of assessed complaints appends
/// its rows, in complaint order, and the team findings go last.
pub struct RowWriters {
    complaints: CsvOut,
    sla: CsvOut,
    escalations: CsvOut,
    /// Per target: its name and rule reference (`rules/sla/x.toml#name`).
    targets: Vec<(String, String)>,
    /// Per duty name: its rule reference.
    duty_rules: HashMap<String, String>,
    /// Input files as shown (evidence) and their stems (`source_file`).
    display: Vec<String>,
    stems: Vec<String>,
    /// `--parquet`: the same rows, typed, partitioned by month.
    parquet: Option<super::parquet::ParquetTables>,
}

/// A chunk of assessed complaints: `verdicts` aligned with `range`, `findings` its complaint
/// findings in complaint order.
pub struct Chunk<'a> {
    /// The classified complaints (all of them).
    pub classified: &'a Classified,
    /// Which.
    pub range: Range<usize>,
    /// Their verdicts.
    pub verdicts: &'a [Vec<Verdict>],
    /// Their complaint findings.
    pub findings: &'a [AuditFinding],
}

impl RowWriters {
    /// Creates the three files in the output folder and writes their headers.
    pub fn create(
        cfg: &Config,
        rules: &RuleSet,
        cls: &Classified,
        files: &[InputFile],
    ) -> Result<RowWriters> {
        std::fs::create_dir_all(&cfg.out_dir)
            .map_err(|e| crate::error::Error::io(&cfg.out_dir, e))?;
        let mut header: Vec<String> = Field::ALL.iter().map(|f| f.name().to_owned()).collect();
        header.extend(cls.columns.iter().cloned());
        for t in &rules.targets.targets {
            header.push(format!("sla_{}", t.name));
            header.push(format!("sla_{}_due", t.name));
        }
        header.extend(cls.extras.0.iter().cloned());
        header.extend(["source_file", "source_line", "merged_rows"].map(str::to_owned));
        let refs: Vec<&str> = header.iter().map(String::as_str).collect();
        let complaints = CsvOut::create(&cfg.out_dir.join(names::COMPLAINTS_CSV), &refs)?;
        let sla = CsvOut::create(
            &cfg.out_dir.join(names::SLA_CSV),
            &[
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
            ],
        )?;
        let escalations = CsvOut::create(
            &cfg.out_dir.join(names::ESCALATIONS_CSV),
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
        // Per target and per duty, the cells that do not depend on the complaint, once.
        let targets: Vec<(String, String)> = rules
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
        let duties = &rules.duties;
        let mut duty_rules = HashMap::new();
        let names_presets = duties
            .duties
            .iter()
            .map(|d| (d.name.as_str(), d.preset.as_str()))
            .chain(
                duties
                    .team_duties
                    .iter()
                    .map(|d| (d.name.as_str(), d.preset.as_str())),
            );
        for (name, preset) in names_presets {
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
            duty_rules.entry(name.to_owned()).or_insert(rule);
        }
        let display: Vec<String> = files.iter().map(|f| f.display.clone()).collect();
        let stems: Vec<String> = files.iter().map(|f| f.stem.clone()).collect();
        let parquet = if cfg.parquet {
            Some(super::parquet::ParquetTables::create(
                cfg,
                rules,
                cls,
                targets.clone(),
                duty_rules.clone(),
                stems.clone(),
                display.clone(),
            )?)
        } else {
            None
        };
        Ok(RowWriters {
            complaints,
            sla,
            escalations,
            targets,
            duty_rules,
            display,
            stems,
            parquet,
        })
    }

    /// Appends a chunk's rows to all three tables.
    pub fn chunk(&mut self, cfg: &Config, rules: &RuleSet, chunk: &Chunk<'_>) -> Result<()> {
        self.complaints_rows(cfg, rules, chunk)?;
        self.sla_rows(cfg, chunk)?;
        self.escalation_rows(cfg, chunk.findings)?;
        match &mut self.parquet {
            Some(p) => p.chunk(cfg, rules, chunk),
            None => Ok(()),
        }
    }

    /// Appends the team findings (after every complaint's).
    pub fn team(&mut self, cfg: &Config, findings: &[AuditFinding]) -> Result<()> {
        self.escalation_rows(cfg, findings)?;
        match &mut self.parquet {
            Some(p) => p.team(findings),
            None => Ok(()),
        }
    }

    /// Finishes all three files and renames them into place.
    pub fn finish(self) -> Result<()> {
        self.complaints.finish()?;
        self.sla.finish()?;
        self.escalations.finish()?;
        match self.parquet {
            Some(p) => p.finish(),
            None => Ok(()),
        }
    }

    /// One row per accepted complaint: canonical fields, rule outputs, SLA status and due time
    /// per target, carried-through columns, and where the row came from.
    fn complaints_rows(&mut self, cfg: &Config, rules: &RuleSet, chunk: &Chunk<'_>) -> Result<()> {
        let cls = chunk.classified;
        let zone = &cfg.zone;
        let targets = &rules.targets.targets;
        let unmask = cfg.unmask;
        let masker = cls.masker();
        let stems = &self.stems;
        let first = chunk.range.start;
        let render = |k: usize, row: &mut CsvRows| {
            let i = first + k;
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
            // Verdicts are in target order, at most one each.
            let vs = &chunk.verdicts[k];
            for (t, _) in targets.iter().enumerate() {
                match vs.iter().find(|v| v.target as usize == t) {
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
            // Carried-through columns are free text (备注 ...): mask phones and the
            // complainant's name there too.
            for v in &c.extra {
                let v = v.as_deref().unwrap_or("");
                if unmask || v.is_empty() {
                    row.text(v);
                } else {
                    row.text(&masker.mask(v));
                }
            }
            row.text(
                stems
                    .get(c.origin.file as usize)
                    .map_or("?", String::as_str),
            );
            row.int(i64::from(c.origin.line));
            row.int(cls.merged[i].len() as i64);
            row.end();
        };
        write_rows_parallel(&mut self.complaints, chunk.range.len(), 512, &render)
    }

    /// One row per complaint and applicable target.
    fn sla_rows(&mut self, cfg: &Config, chunk: &Chunk<'_>) -> Result<()> {
        let cls = chunk.classified;
        let zone = &cfg.zone;
        let per_target = &self.targets;
        let first = chunk.range.start;
        // Complaint and verdict of each row, so rows can be rendered in parallel.
        let mut rows: Vec<(u32, u32)> = Vec::new();
        for (k, vs) in chunk.verdicts.iter().enumerate() {
            for j in 0..vs.len() {
                rows.push((k as u32, j as u32));
            }
        }
        let render = |r: usize, row: &mut CsvRows| {
            let (k, j) = rows[r];
            let c = &cls.complaints[first + k as usize];
            let v = &chunk.verdicts[k as usize][j as usize];
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
            for secs in [
                v.elapsed_work,
                v.elapsed_cal,
                v.limit,
                v.over_cal,
                v.over_work,
            ] {
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
        write_rows_parallel(&mut self.sla, rows.len(), 192, &render)
    }

    /// One row per complaint and applicable duty (or team and month, for team duties).
    fn escalation_rows(&mut self, cfg: &Config, findings: &[AuditFinding]) -> Result<()> {
        let zone = &cfg.zone;
        let rules = &self.duty_rules;
        let display = &self.display;
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
                evidence.push_str(display.get(o.file as usize).map_or("?", String::as_str));
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
        write_rows_parallel(&mut self.escalations, findings.len(), 384, &render)
    }
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
