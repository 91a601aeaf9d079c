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
use crate::model::{Field, FieldValue};
use crate::pipeline::audit::AuditFinding;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::{Classified, RuleValue};
use crate::time::{Ts, Zone};

use super::tables::{
    Cells, ESCALATION_COLUMNS, Kind, RecordContext, SLA_COLUMNS, complaint_cells,
    complaint_columns, finding_cells, verdict_cells,
};

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

impl Col {
    fn new(kind: Kind) -> Col {
        match kind {
            Kind::Text => Col::Str(Vec::new()),
            Kind::Time => Col::Time(Vec::new()),
            Kind::Number => Col::F64(Vec::new()),
            Kind::Int => Col::I64(Vec::new()),
            Kind::Flag => Col::Bool(Vec::new()),
        }
    }
}

/// One month's rows of a table in this chunk, filled cell by cell in column order through
/// [`Cells`], the row definitions the CSV tables use.
struct Batch<'z> {
    cols: Vec<Col>,
    at: usize,
    /// For the text of time-valued rule outputs.
    zone: &'z Zone,
}

impl<'z> Batch<'z> {
    fn new(kinds: &[Kind], zone: &'z Zone) -> Batch<'z> {
        Batch {
            cols: kinds.iter().map(|k| Col::new(*k)).collect(),
            at: 0,
            zone,
        }
    }
    fn next(&mut self) -> &mut Col {
        let at = self.at;
        self.at = (at + 1) % self.cols.len();
        &mut self.cols[at]
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

const MISMATCH: &str = "a row's cells follow its table's column kinds";

impl Cells for Batch<'_> {
    fn text(&mut self, s: Option<&str>) {
        match self.next() {
            Col::Str(x) => x.push(s.map(str::to_owned)),
            _ => unreachable!("{MISMATCH}"),
        }
    }
    fn code(&mut self, s: &str) {
        self.text(Some(s));
    }
    fn time(&mut self, t: Option<Ts>) {
        match self.next() {
            Col::Time(x) => x.push(t),
            _ => unreachable!("{MISMATCH}"),
        }
    }
    fn number(&mut self, v: Option<f64>) {
        match self.next() {
            Col::F64(x) => x.push(v),
            _ => unreachable!("{MISMATCH}"),
        }
    }
    fn percent(&mut self, v: Option<f64>) {
        self.number(v);
    }
    fn int(&mut self, v: i64) {
        match self.next() {
            Col::I64(x) => x.push(Some(v)),
            _ => unreachable!("{MISMATCH}"),
        }
    }
    fn minutes(&mut self, secs: Option<i64>) {
        self.number(secs.map(|s| s as f64 / 60.0));
    }
    fn flag(&mut self, b: bool) {
        match self.next() {
            Col::Bool(x) => x.push(b),
            _ => unreachable!("{MISMATCH}"),
        }
    }
    fn rule_value(&mut self, v: &RuleValue) {
        match v {
            RuleValue::Absent => self.text(None),
            v => {
                let t = v.text(self.zone);
                self.text(Some(&t));
            }
        }
    }
    /// The month is the partition, not a column.
    fn month(&mut self, _: &str) {}
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

    fn batch<'z>(&self, zone: &'z Zone) -> Batch<'z> {
        Batch::new(&self.kinds, zone)
    }

    /// Appends each month's batch as a row group of that month's file.
    fn write(&mut self, batches: BTreeMap<String, Batch<'_>>) -> Result<()> {
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
        let owned = |cols: &[(&str, Kind)]| -> Vec<(String, Kind)> {
            cols.iter()
                .filter(|(name, _)| *name != "month")
                .map(|(name, kind)| ((*name).to_owned(), *kind))
                .collect()
        };
        Ok(ParquetTables {
            dest: cfg.out_dir.join(DIR),
            complaints: Table::new(
                &tmp,
                "complaints",
                unique_names(complaint_columns(rules, cls)),
            ),
            sla: Table::new(&tmp, "sla", owned(SLA_COLUMNS)),
            escalations: Table::new(&tmp, "escalations", owned(ESCALATION_COLUMNS)),
            tmp,
            targets,
            duty_rules,
            stems,
            display,
        })
    }

    /// The partition of complaint `i`: the local month it was received in.
    fn month(cfg: &Config, cls: &Classified, i: usize) -> String {
        match cls.complaints[i].get(Field::ReceivedAt, &cls.dicts) {
            FieldValue::Ts(t) => crate::time::month_key(&cfg.zone, t),
            _ => "unknown".to_owned(),
        }
    }

    /// Adds a chunk's rows to the three tables.
    pub fn chunk(
        &mut self,
        cfg: &Config,
        rules: &RuleSet,
        chunk: &crate::pipeline::assess::Partition<'_>,
    ) -> Result<()> {
        let cls = chunk.classified;
        let zone = &cfg.zone;
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
        let mut complaints: BTreeMap<String, Batch<'_>> = BTreeMap::new();
        let mut sla: BTreeMap<String, Batch<'_>> = BTreeMap::new();
        for (k, i) in chunk.range.clone().enumerate() {
            let month = Self::month(cfg, cls, i);
            let vs = &chunk.verdicts[k];
            let b = complaints
                .entry(month.clone())
                .or_insert_with(|| self.complaints.batch(zone));
            complaint_cells(b, &records, i, vs);
            if !vs.is_empty() {
                let b = sla.entry(month).or_insert_with(|| self.sla.batch(zone));
                for v in vs {
                    let (name, rule) = &self.targets[v.target as usize];
                    let calendar = rules.calendar_name(v.calendar);
                    verdict_cells(b, &cls.complaints[i].id, v, (name, rule, calendar));
                }
            }
        }
        self.complaints.write(complaints)?;
        self.sla.write(sla)?;
        // A complaint's findings carry the month it was received in.
        self.findings(zone, cfg.unmask, chunk.findings)
    }

    /// Adds the team findings (partitioned by the month they are about).
    pub fn team(&mut self, cfg: &Config, findings: &[AuditFinding]) -> Result<()> {
        self.findings(&cfg.zone, cfg.unmask, findings)
    }

    fn findings(&mut self, zone: &Zone, unmask: bool, findings: &[AuditFinding]) -> Result<()> {
        let mut batches: BTreeMap<String, Batch<'_>> = BTreeMap::new();
        for f in findings {
            let m = if f.month.is_empty() {
                "unknown".to_owned()
            } else {
                f.month.to_string()
            };
            let b = batches
                .entry(m)
                .or_insert_with(|| self.escalations.batch(zone));
            finding_cells(b, f, &self.display, &self.duty_rules, unmask);
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
mod tests;
