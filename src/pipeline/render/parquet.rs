//! `--parquet`: the assessed records, SLA verdicts and audit findings as Parquet, partitioned
//! by month in the Hive layout (`parquet/complaints/month=2026-10/part-0.parquet`), so a
//! warehouse (DuckDB, Spark, Trino) loads the folder as three tables unchanged:
//!
//! ```sql
//! SELECT * FROM read_parquet('out/parquet/sla/*/*.parquet', hive_partitioning = true);
//! ```
//!
//! The same rows and masking as `complaints.csv`, `sla.csv` and `escalations.csv`, but typed:
//! times are UTC instants (`TIMESTAMP(MILLIS, UTC)`), minutes and scores are numbers, and no
//! cell is neutralised against formulas (Parquet is not opened by spreadsheets). A complaint's
//! month is the local month it was received in; its verdicts and findings go to the same
//! partition, so joins stay within one; a team finding goes to the month it is about. The
//! month is the partition column (`month` in `escalations.csv`), not stored in the files.
//!
//! Column names are unique, as Parquet readers need: a carried-through column whose name is
//! already taken (an export with both `投诉时间` and `received_at`, or a `complaints.csv` read
//! back in) or is `month` gets a suffix (`received_at_2`). A table with no rows at all is an
//! empty folder.
//!
//! Written chunk by chunk as the complaints are assessed: each chunk adds a row group to each
//! month's file it touches, so memory holds one chunk. The folder is built as `parquet.tmp`
//! and renamed over `parquet` at the end, so a failed run leaves the previous export whole.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::{Field, FieldKind, FieldValue};
use crate::pipeline::audit::AuditFinding;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::{Classified, RuleValue};
use crate::privacy;

use super::tables::Chunk;

/// The folder inside the output folder.
pub const DIR: &str = "parquet";

/// A column being filled for one month's batch.
enum Col {
    Str(Vec<Option<String>>),
    /// Seconds since the epoch; written as millisecond UTC timestamps.
    Time(Vec<Option<i64>>),
    F64(Vec<Option<f64>>),
    I64(Vec<Option<i64>>),
    Bool(Vec<bool>),
}

/// The kind of a column, from which an empty [`Col`] is made.
#[derive(Clone, Copy)]
enum Kind {
    Str,
    Time,
    F64,
    I64,
    Bool,
}

impl Kind {
    fn empty(self) -> Col {
        match self {
            Kind::Str => Col::Str(Vec::new()),
            Kind::Time => Col::Time(Vec::new()),
            Kind::F64 => Col::F64(Vec::new()),
            Kind::I64 => Col::I64(Vec::new()),
            Kind::Bool => Col::Bool(Vec::new()),
        }
    }
}

/// One month's rows of a table in this chunk, filled cell by cell in column order.
struct Batch {
    cols: Vec<Col>,
    at: usize,
}

impl Batch {
    fn new(kinds: &[Kind]) -> Batch {
        Batch {
            cols: kinds.iter().map(|k| k.empty()).collect(),
            at: 0,
        }
    }
    fn next(&mut self) -> &mut Col {
        let at = self.at;
        self.at = (at + 1) % self.cols.len();
        &mut self.cols[at]
    }
    fn str(&mut self, v: Option<&str>) {
        match self.next() {
            Col::Str(x) => x.push(v.map(str::to_owned)),
            _ => unreachable!("column kinds follow the schema"),
        }
    }
    fn time(&mut self, v: Option<i64>) {
        match self.next() {
            Col::Time(x) => x.push(v),
            _ => unreachable!("column kinds follow the schema"),
        }
    }
    fn f64(&mut self, v: Option<f64>) {
        match self.next() {
            Col::F64(x) => x.push(v),
            _ => unreachable!("column kinds follow the schema"),
        }
    }
    fn i64(&mut self, v: Option<i64>) {
        match self.next() {
            Col::I64(x) => x.push(v),
            _ => unreachable!("column kinds follow the schema"),
        }
    }
    fn bool(&mut self, v: bool) {
        match self.next() {
            Col::Bool(x) => x.push(v),
            _ => unreachable!("column kinds follow the schema"),
        }
    }
    fn minutes(&mut self, secs: Option<i64>) {
        self.f64(secs.map(|s| s as f64 / 60.0));
    }

    fn frame(self, names: &[String]) -> Result<DataFrame> {
        let columns = names
            .iter()
            .zip(self.cols)
            .map(|(name, col)| {
                let name = PlSmallStr::from(name.as_str());
                let s = match col {
                    Col::Str(v) => Series::new(name, v),
                    // Built as a datetime, not cast to one: the cast drops the time zone
                    // (polars without its `timezones` feature), and the zone is what makes
                    // Parquet mark the column `isAdjustedToUTC`.
                    Col::Time(v) => Int64Chunked::from_iter_options(
                        name,
                        v.into_iter().map(|t| t.map(|t| t.saturating_mul(1000))),
                    )
                    .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
                    .into_series(),
                    Col::F64(v) => Series::new(name, v),
                    Col::I64(v) => Series::new(name, v),
                    Col::Bool(v) => Series::new(name, v),
                };
                Ok(s.into_column())
            })
            .collect::<Result<Vec<Column>>>()?;
        DataFrame::new_infer_height(columns).map_err(pe)
    }
}

fn pe(e: PolarsError) -> Error {
    Error::Other(format!("parquet export: {e}"))
}

/// Column names made unique, `month` (the partition column) included: a repeated name gets
/// `_2`, `_3` … in column order.
fn unique_names(cols: Vec<(String, Kind)>) -> Vec<(String, Kind)> {
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    seen.insert("month".to_owned());
    cols.into_iter()
        .map(|(name, kind)| {
            let mut unique = name.clone();
            let mut n = 2;
            while !seen.insert(unique.clone()) {
                unique = format!("{name}_{n}");
                n += 1;
            }
            (unique, kind)
        })
        .collect()
}

/// One table: its columns and one open file per month.
struct Table {
    dir: PathBuf,
    names: Vec<String>,
    kinds: Vec<Kind>,
    writers: BTreeMap<String, polars::io::parquet::write::BatchedWriter<std::fs::File>>,
}

impl Table {
    fn new(root: &Path, name: &str, cols: Vec<(String, Kind)>) -> Table {
        let (names, kinds) = cols.into_iter().unzip();
        Table {
            dir: root.join(name),
            names,
            kinds,
            writers: BTreeMap::new(),
        }
    }

    fn batch(&self) -> Batch {
        Batch::new(&self.kinds)
    }

    /// Appends each month's batch as a row group of that month's file.
    fn write(&mut self, batches: BTreeMap<String, Batch>) -> Result<()> {
        for (month, batch) in batches {
            let df = batch.frame(&self.names)?;
            if !self.writers.contains_key(&month) {
                let dir = self.dir.join(format!("month={month}"));
                std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
                let path = dir.join("part-0.parquet");
                let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
                let w = ParquetWriter::new(file)
                    .with_compression(ParquetCompression::Zstd(None))
                    .batched(df.schema())
                    .map_err(pe)?;
                self.writers.insert(month.clone(), w);
            }
            self.writers
                .get_mut(&month)
                .expect("opened above")
                .write_batch(&df)
                .map_err(pe)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        for w in self.writers.into_values() {
            w.finish().map_err(pe)?;
        }
        Ok(())
    }
}

/// The three tables of a run, open.
pub struct ParquetTables {
    tmp: PathBuf,
    dest: PathBuf,
    complaints: Table,
    sla: Table,
    escalations: Table,
    /// Per target: its name and rule reference, as in `sla.csv`.
    targets: Vec<(String, String)>,
    /// Per duty name: its rule reference, as in `escalations.csv`.
    duty_rules: std::collections::HashMap<String, String>,
    stems: Vec<String>,
    display: Vec<String>,
}

impl ParquetTables {
    /// Starts `parquet.tmp/` in the output folder. `targets`, `duty_rules`, `stems` and
    /// `display` are what the CSV tables use (rule references, input file names).
    pub fn create(
        cfg: &Config,
        rules: &RuleSet,
        cls: &Classified,
        targets: Vec<(String, String)>,
        duty_rules: std::collections::HashMap<String, String>,
        stems: Vec<String>,
        display: Vec<String>,
    ) -> Result<ParquetTables> {
        let tmp = cfg.out_dir.join(format!("{DIR}.tmp"));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let s = |n: &str, k: Kind| (n.to_owned(), k);
        let mut cols: Vec<(String, Kind)> = Field::ALL
            .iter()
            .map(|f| {
                let kind = match f.kind() {
                    FieldKind::Timestamp => Kind::Time,
                    FieldKind::Score => Kind::F64,
                    _ => Kind::Str,
                };
                (f.name().to_owned(), kind)
            })
            .collect();
        cols.extend(cls.columns.iter().map(|c| (c.clone(), Kind::Str)));
        for t in &rules.targets.targets {
            cols.push((format!("sla_{}", t.name), Kind::Str));
            cols.push((format!("sla_{}_due", t.name), Kind::Time));
        }
        cols.extend(cls.extras.0.iter().map(|c| (c.clone(), Kind::Str)));
        cols.extend([
            s("source_file", Kind::Str),
            s("source_line", Kind::I64),
            s("merged_rows", Kind::I64),
        ]);
        let complaints = Table::new(&tmp, "complaints", unique_names(cols));
        let sla = Table::new(
            &tmp,
            "sla",
            vec![
                s("complaint_id", Kind::Str),
                s("target", Kind::Str),
                s("calendar", Kind::Str),
                s("basis", Kind::Str),
                s("start_at", Kind::Time),
                s("due_at", Kind::Time),
                s("stopped_at", Kind::Time),
                s("status", Kind::Str),
                s("elapsed_working_minutes", Kind::F64),
                s("elapsed_calendar_minutes", Kind::F64),
                s("limit_minutes", Kind::F64),
                s("minutes_over", Kind::F64),
                s("working_minutes_over", Kind::F64),
                s("percent_used", Kind::F64),
                s("warning", Kind::Bool),
                s("paused_minutes", Kind::F64),
                s("note", Kind::Str),
                s("rule", Kind::Str),
            ],
        );
        let escalations = Table::new(
            &tmp,
            "escalations",
            vec![
                s("complaint_id", Kind::Str),
                s("team", Kind::Str),
                s("duty", Kind::Str),
                s("triggered_at", Kind::Time),
                s("required_by", Kind::Time),
                s("done_at", Kind::Time),
                s("actor", Kind::Str),
                s("actor_role", Kind::Str),
                s("status", Kind::Str),
                s("evidence", Kind::Str),
                s("note", Kind::Str),
                s("rule", Kind::Str),
            ],
        );
        Ok(ParquetTables {
            dest: cfg.out_dir.join(DIR),
            tmp,
            complaints,
            sla,
            escalations,
            targets,
            duty_rules,
            stems,
            display,
        })
    }

    /// The partition of complaint `i`: the local month it was received in.
    fn month(cfg: &Config, cls: &Classified, i: usize) -> String {
        match cls.complaints[i].get(Field::ReceivedAt) {
            FieldValue::Ts(t) => crate::time::month_key(&cfg.zone, t),
            _ => "unknown".to_owned(),
        }
    }

    /// Adds a chunk's rows to the three tables.
    pub fn chunk(&mut self, cfg: &Config, rules: &RuleSet, chunk: &Chunk<'_>) -> Result<()> {
        let cls = chunk.classified;
        let masker = cls.masker();
        let unmask = cfg.unmask;
        let targets = &rules.targets.targets;
        let mut complaints: BTreeMap<String, Batch> = BTreeMap::new();
        let mut sla: BTreeMap<String, Batch> = BTreeMap::new();
        for (k, i) in chunk.range.clone().enumerate() {
            let month = Self::month(cfg, cls, i);
            let c = &cls.complaints[i];
            let b = complaints
                .entry(month.clone())
                .or_insert_with(|| self.complaints.batch());
            for f in Field::ALL {
                let kind = match f.kind() {
                    FieldKind::Timestamp => Kind::Time,
                    FieldKind::Score => Kind::F64,
                    _ => Kind::Str,
                };
                match (c.get(f), kind) {
                    (FieldValue::Ts(t), _) => b.time(Some(t)),
                    (FieldValue::Num(n), _) => b.f64(Some(n)),
                    (FieldValue::Str(s), _) if unmask => b.str(Some(s)),
                    (FieldValue::Str(s), _) => {
                        let masked = match f {
                            Field::Complainant => privacy::mask_name(s),
                            Field::Phone => privacy::mask_phone(s),
                            Field::Text => masker.mask(s),
                            _ => s.to_string(),
                        };
                        b.str(Some(&masked));
                    }
                    (FieldValue::Absent, Kind::Time) => b.time(None),
                    (FieldValue::Absent, Kind::F64) => b.f64(None),
                    (FieldValue::Absent, _) => b.str(None),
                }
            }
            for v in &cls.values[i] {
                match v {
                    RuleValue::Absent => b.str(None),
                    v => b.str(Some(&v.text(&cfg.zone))),
                }
            }
            let vs = &chunk.verdicts[k];
            for (t, _) in targets.iter().enumerate() {
                match vs.iter().find(|v| v.target as usize == t) {
                    Some(v) => {
                        b.str(Some(v.status.name()));
                        b.time(v.due);
                    }
                    None => {
                        b.str(None);
                        b.time(None);
                    }
                }
            }
            for v in &c.extra {
                match v.as_deref() {
                    None | Some("") => b.str(v.as_deref()),
                    Some(v) if unmask => b.str(Some(v)),
                    Some(v) => b.str(Some(&masker.mask(v))),
                }
            }
            b.str(Some(
                self.stems
                    .get(c.origin.file as usize)
                    .map_or("?", String::as_str),
            ));
            b.i64(Some(i64::from(c.origin.line)));
            b.i64(Some(cls.merged[i].len() as i64));
            if !vs.is_empty() {
                let b = sla.entry(month.clone()).or_insert_with(|| self.sla.batch());
                for v in vs {
                    let (name, rule) = &self.targets[v.target as usize];
                    let judged = !matches!(
                        v.status,
                        crate::pipeline::sla::Status::NotApplicable
                            | crate::pipeline::sla::Status::NotEvaluable
                    );
                    b.str(Some(&c.id));
                    b.str(Some(name));
                    b.str(Some(&v.calendar));
                    b.str(Some(v.basis.name()));
                    b.time(v.start);
                    b.time(v.due);
                    b.time(v.stop);
                    b.str(Some(v.status.name()));
                    for secs in [
                        v.elapsed_work,
                        v.elapsed_cal,
                        v.limit,
                        v.over_cal,
                        v.over_work,
                    ] {
                        b.minutes(judged.then_some(secs));
                    }
                    b.f64(v.pct_used);
                    b.bool(v.warning);
                    b.minutes((v.paused > 0).then_some(v.paused));
                    b.str(v.note.as_deref());
                    b.str(Some(rule));
                }
            }
        }
        self.complaints.write(complaints)?;
        self.sla.write(sla)?;
        // A complaint's findings carry the month it was received in.
        self.findings(chunk.findings)
    }

    /// Adds the team findings (partitioned by the month they are about).
    pub fn team(&mut self, findings: &[AuditFinding]) -> Result<()> {
        self.findings(findings)
    }

    fn findings(&mut self, findings: &[AuditFinding]) -> Result<()> {
        let mut batches: BTreeMap<String, Batch> = BTreeMap::new();
        for f in findings {
            let m = if f.month.is_empty() {
                "unknown".to_owned()
            } else {
                f.month.clone()
            };
            let b = batches.entry(m).or_insert_with(|| self.escalations.batch());
            b.str(Some(&f.complaint_id));
            b.str(Some(&f.team));
            b.str(Some(&f.duty));
            b.time(f.triggered_at);
            b.time(f.required_by);
            b.time(f.done_at);
            b.str(f.actor.as_deref());
            b.str(f.actor_role.as_deref());
            b.str(Some(f.status.name()));
            let evidence: Vec<String> = f
                .evidence
                .iter()
                .map(|o| {
                    format!(
                        "{}:{}",
                        self.display
                            .get(o.file as usize)
                            .map_or("?", String::as_str),
                        o.line
                    )
                })
                .collect();
            b.str(Some(&evidence.join(" ")));
            b.str(Some(&f.note));
            b.str(Some(
                self.duty_rules
                    .get(f.duty.as_str())
                    .map_or(f.duty.as_str(), String::as_str),
            ));
        }
        self.escalations.write(batches)
    }

    /// Closes every file and moves the folder into place (replacing an earlier export).
    pub fn finish(self) -> Result<()> {
        self.complaints.finish()?;
        self.sla.finish()?;
        self.escalations.finish()?;
        if self.dest.exists() {
            std::fs::remove_dir_all(&self.dest).map_err(|e| Error::io(&self.dest, e))?;
        }
        std::fs::rename(&self.tmp, &self.dest).map_err(|e| Error::io(&self.dest, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_partition_column_names_get_suffixes() {
        let cols = [
            "received_at",
            "备注",
            "received_at",
            "month",
            "received_at_2",
            "备注",
        ]
        .map(|n| (n.to_owned(), Kind::Str))
        .to_vec();
        let names: Vec<String> = unique_names(cols).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "received_at",
                "备注",
                "received_at_2",
                "month_2",
                "received_at_2_2",
                "备注_2"
            ]
        );
    }

    #[test]
    fn times_are_utc_millisecond_timestamps_and_round_trip() {
        let mut b = Batch::new(&[Kind::Str, Kind::Time, Kind::F64, Kind::Bool]);
        b.str(Some("TS1"));
        b.time(Some(1_790_000_000));
        b.minutes(Some(90));
        b.bool(true);
        b.str(None);
        b.time(None);
        b.f64(None);
        b.bool(false);
        let names: Vec<String> = ["id", "at", "m", "w"].map(str::to_owned).to_vec();
        let mut df = b.frame(&names).unwrap();
        let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
        assert_eq!(df.column("at").unwrap().dtype(), &utc);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.parquet");
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let back = ParquetReader::new(std::fs::File::open(&path).unwrap())
            .finish()
            .unwrap();
        assert_eq!(back.column("at").unwrap().dtype(), &utc);
        let at = back.column("at").unwrap().cast(&DataType::Int64).unwrap();
        assert_eq!(
            at.i64().unwrap().iter().collect::<Vec<_>>(),
            vec![Some(1_790_000_000_000), None]
        );
        let m = back.column("m").unwrap();
        assert_eq!(m.f64().unwrap().get(0), Some(1.5));
    }
}
