//! The record-level CSV tables: `complaints.csv`, `sla.csv` and `escalations.csv`, written
//! chunk by chunk as the complaints are assessed ([`RowWriters`]), and `rejects.csv` and
//! `findings.csv`. UTF-8 with a BOM, cells neutralised against formula injection, personal data
//! masked unless `--unmask`.

use std::collections::HashMap;
use std::path::Path;

use crate::config::Config;
use crate::error::Result;
use crate::model::{Field, FieldKind, FieldValue};
use crate::output::{CsvOut, CsvRows, names, write_rows_parallel};
use crate::pipeline::assess::{Partition, Sink};
use crate::pipeline::audit::AuditFinding;
use crate::pipeline::ingest::InputFile;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::{Classified, RuleValue};
use crate::pipeline::sla::Verdict;
use crate::privacy;
use crate::rejects::Rejects;
use crate::time::Ts;

fn file_name(files: &[InputFile], i: u16) -> &str {
    files.get(i as usize).map_or("?", |f| f.display.as_str())
}

/// The three record-level tables, open for the run: each chunk of assessed complaints appends
/// its rows, in complaint order, and the team findings go last.
pub struct RowWriters {
    /// `None` with `record_tables = false` (`--no-record-tables`).
    csv: Option<CsvTables>,
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

/// complaints.csv, sla.csv and escalations.csv.
struct CsvTables {
    complaints: CsvOut,
    sla: CsvOut,
    escalations: CsvOut,
}

/// The record-level tables as the assessment's [`Sink`]: opened once the complaints are
/// classified, a chunk of rows per partition, finished by the run.
pub struct TableSink<'a> {
    cfg: &'a Config,
    rules: &'a RuleSet,
    writers: Option<RowWriters>,
}

impl<'a> TableSink<'a> {
    /// Tables for a run of `cfg`.
    pub fn new(cfg: &'a Config, rules: &'a RuleSet) -> TableSink<'a> {
        TableSink {
            cfg,
            rules,
            writers: None,
        }
    }

    /// Finishes the files and renames them into place.
    pub fn finish(self) -> Result<()> {
        match self.writers {
            Some(w) => w.finish(),
            None => Ok(()),
        }
    }

    fn writers(&mut self) -> Result<&mut RowWriters> {
        self.writers.as_mut().ok_or_else(|| {
            crate::error::Error::Other("internal error: record tables written before opened".into())
        })
    }
}

impl Sink for TableSink<'_> {
    fn open(&mut self, cls: &Classified, files: &[InputFile]) -> Result<()> {
        self.writers = Some(RowWriters::create(self.cfg, self.rules, cls, files)?);
        Ok(())
    }

    fn partition(&mut self, p: &Partition<'_>) -> Result<()> {
        let (cfg, rules) = (self.cfg, self.rules);
        self.writers()?.chunk(cfg, rules, p)
    }

    fn team(&mut self, findings: &[AuditFinding]) -> Result<()> {
        let cfg = self.cfg;
        self.writers()?.team(cfg, findings)
    }
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
        let csv = if cfg.record_tables {
            let header = complaint_columns(rules, cls);
            let refs: Vec<&str> = header.iter().map(|(n, _)| n.as_str()).collect();
            let complaints = CsvOut::create(&cfg.out_dir.join(names::COMPLAINTS_CSV), &refs)?;
            let names_of =
                |cols: &[(&'static str, Kind)]| cols.iter().map(|c| c.0).collect::<Vec<_>>();
            let sla = CsvOut::create(&cfg.out_dir.join(names::SLA_CSV), &names_of(SLA_COLUMNS))?;
            let escalations = CsvOut::create(
                &cfg.out_dir.join(names::ESCALATIONS_CSV),
                &names_of(ESCALATION_COLUMNS),
            )?;
            Some(CsvTables {
                complaints,
                sla,
                escalations,
            })
        } else {
            // Tables an earlier run left in the folder would not match this run's report.
            for name in [
                names::COMPLAINTS_CSV,
                names::SLA_CSV,
                names::ESCALATIONS_CSV,
            ] {
                let path = cfg.out_dir.join(name);
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(crate::error::Error::io(&path, e));
                    }
                    _ => {}
                }
            }
            None
        };
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
            csv,
            targets,
            duty_rules,
            display,
            stems,
            parquet,
        })
    }

    /// Appends a chunk's rows to all three tables.
    pub fn chunk(&mut self, cfg: &Config, rules: &RuleSet, chunk: &Partition<'_>) -> Result<()> {
        self.complaints_rows(cfg, rules, chunk)?;
        self.sla_rows(cfg, rules, chunk)?;
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
            Some(p) => p.team(cfg, findings),
            None => Ok(()),
        }
    }

    /// Finishes all three files and renames them into place.
    pub fn finish(self) -> Result<()> {
        if let Some(csv) = self.csv {
            csv.complaints.finish()?;
            csv.sla.finish()?;
            csv.escalations.finish()?;
        }
        match self.parquet {
            Some(p) => p.finish(),
            None => Ok(()),
        }
    }

    /// One row per accepted complaint: canonical fields, rule outputs, SLA status and due time
    /// per target, carried-through columns, and where the row came from.
    fn complaints_rows(
        &mut self,
        cfg: &Config,
        rules: &RuleSet,
        chunk: &Partition<'_>,
    ) -> Result<()> {
        let Some(csv) = &mut self.csv else {
            return Ok(());
        };
        let cls = chunk.classified;
        let texts = cls
            .texts
            .window(chunk.range.clone().map(|i| cls.complaints[i].text_at))?;
        let records = RecordContext {
            cls,
            texts: &texts,
            targets: rules.targets.targets.len(),
            unmask: cfg.unmask,
            stems: &self.stems,
        };
        let first = chunk.range.start;
        let render = |k: usize, row: &mut CsvRows| {
            let cells = &mut CsvCells {
                row: &mut *row,
                zone: &cfg.zone,
            };
            complaint_cells(cells, &records, first + k, &chunk.verdicts[k]);
            row.end();
        };
        write_rows_parallel(&mut csv.complaints, chunk.range.len(), 512, &render)
    }

    /// One row per complaint and applicable target.
    fn sla_rows(&mut self, cfg: &Config, rules: &RuleSet, chunk: &Partition<'_>) -> Result<()> {
        let Some(csv) = &mut self.csv else {
            return Ok(());
        };
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
            verdict_cells(
                &mut CsvCells {
                    row: &mut *row,
                    zone,
                },
                &c.id,
                v,
                (name, rule, rules.calendar_name(v.calendar)),
            );
            row.end();
        };
        write_rows_parallel(&mut csv.sla, rows.len(), 192, &render)
    }

    /// One row per complaint and applicable duty (or team and month, for team duties).
    fn escalation_rows(&mut self, cfg: &Config, findings: &[AuditFinding]) -> Result<()> {
        let Some(csv) = &mut self.csv else {
            return Ok(());
        };
        let zone = &cfg.zone;
        let rules = &self.duty_rules;
        let display = &self.display;
        let render = |k: usize, row: &mut CsvRows| {
            finding_cells(
                &mut CsvCells {
                    row: &mut *row,
                    zone,
                },
                &findings[k],
                display,
                rules,
                cfg.unmask,
            );
            row.end();
        };
        write_rows_parallel(&mut csv.escalations, findings.len(), 384, &render)
    }
}

/// A column's type. The CSV tables write every kind as text; the Parquet export
/// ([`super::parquet`]) keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    /// An instant (CSV: local time; Parquet: UTC timestamp).
    Time,
    Number,
    Int,
    Flag,
}

/// The columns of `sla.csv`, in order.
pub(super) const SLA_COLUMNS: &[(&str, Kind)] = &[
    ("complaint_id", Kind::Text),
    ("target", Kind::Text),
    ("calendar", Kind::Text),
    ("basis", Kind::Text),
    ("start_at", Kind::Time),
    ("due_at", Kind::Time),
    ("stopped_at", Kind::Time),
    ("status", Kind::Text),
    ("elapsed_working_minutes", Kind::Number),
    ("elapsed_calendar_minutes", Kind::Number),
    ("limit_minutes", Kind::Number),
    ("minutes_over", Kind::Number),
    ("working_minutes_over", Kind::Number),
    ("percent_used", Kind::Number),
    ("warning", Kind::Flag),
    ("paused_minutes", Kind::Number),
    ("note", Kind::Text),
    ("rule", Kind::Text),
];

/// The columns of `escalations.csv`, in order (`month` is the Parquet export's partition).
pub(super) const ESCALATION_COLUMNS: &[(&str, Kind)] = &[
    ("complaint_id", Kind::Text),
    ("team", Kind::Text),
    ("month", Kind::Text),
    ("duty", Kind::Text),
    ("triggered_at", Kind::Time),
    ("required_by", Kind::Time),
    ("done_at", Kind::Time),
    ("actor", Kind::Text),
    ("actor_role", Kind::Text),
    ("status", Kind::Text),
    ("evidence", Kind::Text),
    ("note", Kind::Text),
    ("rule", Kind::Text),
];

/// The columns of `complaints.csv`: canonical fields, rule outputs, status and due time per
/// target, carried-through columns, and where the row came from.
pub(super) fn complaint_columns(rules: &RuleSet, cls: &Classified) -> Vec<(String, Kind)> {
    let mut cols: Vec<(String, Kind)> = Field::ALL
        .iter()
        .map(|f| (f.name().to_owned(), field_kind(*f)))
        .collect();
    cols.extend(cls.columns.iter().map(|c| (c.clone(), Kind::Text)));
    for t in &rules.targets.targets {
        cols.push((format!("sla_{}", t.name), Kind::Text));
        cols.push((format!("sla_{}_due", t.name), Kind::Time));
    }
    cols.extend(cls.extras.0.iter().map(|c| (c.clone(), Kind::Text)));
    cols.extend([
        ("source_file".to_owned(), Kind::Text),
        ("source_line".to_owned(), Kind::Int),
        ("merged_rows".to_owned(), Kind::Int),
    ]);
    cols
}

fn field_kind(f: Field) -> Kind {
    match f.kind() {
        FieldKind::Timestamp => Kind::Time,
        FieldKind::Score => Kind::Number,
        _ => Kind::Text,
    }
}

/// The cells of a record-level row, typed. The row definitions below are written once; the
/// CSV tables ([`CsvCells`]) and the Parquet export encode the cells their own way.
pub(super) trait Cells {
    /// Text (`None`: empty, or null).
    fn text(&mut self, s: Option<&str>);
    /// A code known to need no quoting (status and basis names).
    fn code(&mut self, s: &str);
    fn time(&mut self, t: Option<Ts>);
    /// A number as it is (satisfaction).
    fn number(&mut self, v: Option<f64>);
    /// A percentage (CSV: one decimal).
    fn percent(&mut self, v: Option<f64>);
    fn int(&mut self, v: i64);
    /// A duration in seconds, shown in minutes.
    fn minutes(&mut self, secs: Option<i64>);
    fn flag(&mut self, b: bool);
    /// A rule output (CSV: a cell of its own type; Parquet: the text of [`RuleValue::text`]).
    fn rule_value(&mut self, v: &RuleValue);
    /// A finding's month (a column of the CSV, the partition of the Parquet export).
    fn month(&mut self, m: &str);
}

/// [`Cells`] into a CSV row: local times in the run's zone, cells neutralised and quoted.
pub(super) struct CsvCells<'r, 'z> {
    pub row: &'r mut CsvRows,
    pub zone: &'z crate::time::Zone,
}

impl Cells for CsvCells<'_, '_> {
    fn text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.row.text(s),
            None => self.row.empty(),
        }
    }
    fn code(&mut self, s: &str) {
        self.row.plain(s);
    }
    fn time(&mut self, t: Option<Ts>) {
        self.row.ts(self.zone, t);
    }
    fn number(&mut self, v: Option<f64>) {
        match v {
            Some(v) => self.row.display(v),
            None => self.row.empty(),
        }
    }
    fn percent(&mut self, v: Option<f64>) {
        match v {
            Some(p) => self.row.one_decimal(p),
            None => self.row.empty(),
        }
    }
    fn int(&mut self, v: i64) {
        self.row.int(v);
    }
    fn minutes(&mut self, secs: Option<i64>) {
        match secs {
            Some(s) => self.row.minutes(s),
            None => self.row.empty(),
        }
    }
    fn flag(&mut self, b: bool) {
        self.row.plain(if b { "true" } else { "" });
    }
    fn rule_value(&mut self, v: &RuleValue) {
        match v {
            RuleValue::Absent => self.row.empty(),
            RuleValue::Bool(b) => self.row.plain(if *b { "true" } else { "false" }),
            RuleValue::Int(i) => self.row.int(*i),
            RuleValue::Float(f) => self.row.text(&format!("{f}")),
            RuleValue::Str(s) => self.row.text(s),
            RuleValue::Time(t) => self.row.ts(self.zone, Some(*t)),
        }
    }
    fn month(&mut self, m: &str) {
        self.row.text(m);
    }
}

/// What a complaint row needs besides the complaint.
pub(super) struct RecordContext<'a> {
    pub cls: &'a Classified,
    /// The texts of the complaints written.
    pub texts: &'a crate::texts::TextWindow<'a>,
    /// Number of SLA targets.
    pub targets: usize,
    pub unmask: bool,
    /// Input file stems (`source_file`).
    pub stems: &'a [String],
}

/// One complaint's row of `complaints.csv` ([`complaint_columns`]); personal data masked
/// unless `--unmask`, in the complaint text and carried-through columns too.
pub(super) fn complaint_cells(
    out: &mut impl Cells,
    rc: &RecordContext<'_>,
    i: usize,
    verdicts: &[Verdict],
) {
    let c = &rc.cls.complaints[i];
    let masker = rc.cls.masker();
    for f in Field::ALL {
        if f == Field::Text {
            match rc.texts.get(c.text_at) {
                None => out.text(None),
                Some(s) if rc.unmask => out.text(Some(s)),
                Some(s) => out.text(Some(&masker.mask(s))),
            }
            continue;
        }
        match c.get(f, &rc.cls.dicts) {
            FieldValue::Absent => match field_kind(f) {
                Kind::Time => out.time(None),
                Kind::Number => out.number(None),
                _ => out.text(None),
            },
            FieldValue::Ts(t) => out.time(Some(t)),
            FieldValue::Num(n) => out.number(Some(n)),
            FieldValue::Str(s) if rc.unmask => out.text(Some(s)),
            FieldValue::Str(s) => match f {
                Field::Complainant => out.text(Some(&privacy::mask_name(s))),
                Field::Phone => out.text(Some(&privacy::mask_phone(s))),
                Field::ComplaintId => out.text(Some(s)),
                // A phone number typed into any other column (楼栋, 备注 ...) is masked too.
                _ => out.text(Some(&privacy::mask_phones(s))),
            },
        }
    }
    for v in &rc.cls.values[i] {
        out.rule_value(v);
    }
    // Verdicts are in target order, at most one each.
    for t in 0..rc.targets {
        match crate::pipeline::sla::verdict_for(verdicts, t) {
            Some(v) => {
                out.code(v.status.name());
                out.time(v.due);
            }
            None => {
                out.text(None);
                out.time(None);
            }
        }
    }
    // Carried-through columns are free text (备注 ...): mask phones and the complainant's
    // name there too.
    for (x, v) in c.extra.iter().enumerate() {
        match rc.cls.dicts.extra(x).value(*v) {
            Some(v) if !rc.unmask && !v.is_empty() => out.text(Some(&masker.mask(v))),
            v => out.text(v),
        }
    }
    out.text(Some(
        rc.stems
            .get(c.origin.file as usize)
            .map_or("?", String::as_str),
    ));
    out.int(i64::from(c.origin.line));
    out.int(rc.cls.merged.of(i).len() as i64);
}

/// One verdict's row of `sla.csv` ([`SLA_COLUMNS`]); `name` and `rule` are its target's.
/// `calendar`: the name of the verdict's calendar.
pub(super) fn verdict_cells(
    out: &mut impl Cells,
    id: &str,
    v: &Verdict,
    (name, rule, calendar): (&str, &str, &str),
) {
    let judged = !matches!(
        v.status,
        crate::pipeline::sla::Status::NotApplicable | crate::pipeline::sla::Status::NotEvaluable
    );
    out.text(Some(id));
    out.text(Some(name));
    out.text(Some(calendar));
    out.code(v.basis.name());
    out.time(v.start);
    out.time(v.due);
    out.time(v.stop);
    out.code(v.status.name());
    for secs in [
        v.elapsed_work,
        v.elapsed_cal,
        v.limit,
        v.over_cal,
        v.over_work,
    ] {
        out.minutes(judged.then_some(secs));
    }
    out.percent(v.pct_used);
    out.flag(v.warning);
    out.minutes((v.paused > 0).then_some(v.paused));
    out.text(v.note.as_deref());
    out.text(Some(rule));
}

/// One finding's row of `escalations.csv` ([`ESCALATION_COLUMNS`]): evidence as `file:line`
/// of the input files as shown, the rule reference per duty. Free text from the exports and
/// the event log (team, actor, note) has phone numbers masked unless `unmask`.
pub(super) fn finding_cells(
    out: &mut impl Cells,
    f: &AuditFinding,
    display: &[String],
    duty_rules: &HashMap<String, String>,
    unmask: bool,
) {
    let free = |s: &str| -> String {
        if unmask {
            s.to_owned()
        } else {
            privacy::mask_phones(s).into_owned()
        }
    };
    out.text(Some(&f.complaint_id));
    out.text(Some(&free(&f.team)));
    out.month(&f.month);
    out.text(Some(&f.duty));
    out.time(f.triggered_at);
    out.time(f.required_by);
    out.time(f.done_at);
    out.text(f.actor.as_deref().map(free).as_deref());
    out.text(f.actor_role.as_deref());
    out.code(f.status.name());
    let mut evidence = String::new();
    for (n, o) in f.evidence.iter().enumerate() {
        if n > 0 {
            evidence.push(' ');
        }
        evidence.push_str(display.get(o.file as usize).map_or("?", String::as_str));
        evidence.push(':');
        evidence.push_str(&o.line.to_string());
    }
    out.text(Some(&evidence));
    out.text(Some(&free(&f.note)));
    out.text(Some(
        duty_rules
            .get(f.duty.as_str())
            .map_or(f.duty.as_str(), String::as_str),
    ));
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
