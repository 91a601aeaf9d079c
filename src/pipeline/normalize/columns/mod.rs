//! How one file's columns are read, decided once per file before its records are: which
//! canonical field or carried-through column each column feeds, how each timestamp column is
//! read (the forms the config declares, or forms detected from the file's first rows), and the
//! null markers. The choices are recorded as a [`FileMapping`], which `check --input`, the
//! run's summary, the report's data-quality section and the manifest show.
//!
//! Detection happens here, on [`crate::pipeline::ingest::Source::sample`], and never per
//! cell: a million cells of a column are read with the forms chosen for it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::profile::{Profile, header_key};
use crate::config::CellSettings;
use crate::error::{Error, Result};
use crate::model::{ExtraColumns, Field, FieldKind, Origin};
use crate::rejects::{Finding, FindingCode, Rejects};
use crate::time::detect::{Detection, detect};
use crate::time::forms::{Forms, Pattern};
use crate::time::read_builtin;

/// What a column feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    /// A canonical field.
    Field(Field),
    /// The carried-through column of this index.
    Extra(usize),
    /// A column without a header: ignored.
    Skip,
}

/// How one file's columns become a complaint.
pub(super) struct Plan {
    /// Per column, what it feeds.
    pub slots: Vec<Slot>,
    /// Per column, how its timestamps are read (the built-in forms for other columns).
    pub forms: Vec<Forms>,
    /// Per column, the accepted forms for a reject message.
    pub accepted: Vec<String>,
    /// The header as written.
    pub headers: Vec<String>,
    /// Carried-through columns known so far (rows of earlier files are padded to the final
    /// number).
    pub n_extra: usize,
    /// The record of these choices.
    pub mapping: FileMapping,
}

/// The mapping one input file was read with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileMapping {
    /// The file, as shown.
    pub file: String,
    /// One entry per column, in file order.
    pub columns: Vec<ColumnMapping>,
    /// Canonical fields no column maps to (`satisfaction_raw` is never listed).
    pub missing: Vec<String>,
}

/// How one column was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnMapping {
    /// The header as written.
    pub header: String,
    /// The canonical field it feeds; empty when carried through.
    pub field: String,
    /// Why: `config_alias`, `builtin_alias`, `carried_through` (no alias matches) or
    /// `duplicate` (another column maps to the field by an earlier alias).
    pub via: String,
    /// How its timestamps are read, for timestamp fields and for carried-through columns whose
    /// sampled values are timestamps: `built-in forms`, `` `%m/%d/%y` (configured) `` or
    /// `` `%m/%d/%y` (detected: 950 of 950 sampled values) ``; empty otherwise.
    pub timestamps: String,
    /// The same as data, for the report to word in its language.
    pub forms: FormsNote,
}

/// How a column's timestamps are read, as data: the report words it in its own language
/// (`forms.<kind>` in messages.toml), the terminal in English ([`FormsNote::describe`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FormsNote {
    /// How the forms were chosen.
    pub kind: FormsKind,
    /// The patterns, e.g. `%m/%d/%y`, configured or detected.
    pub patterns: Vec<String>,
    /// Detected: how many of the `sampled` values the patterns read.
    pub read: usize,
    /// Detected: how many values were sampled.
    pub sampled: usize,
    /// Unreadable: a value no known form reads.
    pub example: String,
}

/// How a column's timestamp forms were chosen (`forms.kind` in the report context).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormsKind {
    /// The column holds no timestamps (an empty string in the context).
    #[default]
    #[serde(rename = "")]
    NoTimes,
    /// The built-in forms.
    Builtin,
    /// Declared in the config.
    Configured,
    /// Detected from a sample.
    Detected,
    /// As detected in an earlier file of the run (this one's sample was ambiguous).
    EarlierFile,
    /// No known form reads `example`: the built-in forms, and rejects.
    Unreadable,
    /// A carried-through column whose dates read both month-first and day-first: kept as text.
    Ambiguous,
}

impl ColumnMapping {
    /// True when the forms were detected (here or in an earlier file) rather than built in or
    /// configured: the run prints them, so that the user can declare them.
    pub fn detected(&self) -> bool {
        matches!(
            self.forms.kind,
            FormsKind::Detected | FormsKind::EarlierFile
        )
    }
}

impl FormsNote {
    fn new(kind: FormsKind, forms: Option<&Forms>) -> FormsNote {
        FormsNote {
            kind,
            patterns: forms
                .map(|f| f.patterns().iter().map(|p| p.text().to_owned()).collect())
                .unwrap_or_default(),
            ..FormsNote::default()
        }
    }

    /// The note in English: `` `%m/%d/%y` (detected: 950 of 950 sampled values), then built-in
    /// forms ``.
    pub fn describe(&self) -> String {
        let list = self
            .patterns
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        match self.kind {
            FormsKind::Builtin => "built-in forms".to_owned(),
            FormsKind::Configured => format!("{list} (configured), then built-in forms"),
            FormsKind::Detected => format!(
                "{list} (detected: {} of {} sampled values), then built-in forms",
                self.read, self.sampled
            ),
            FormsKind::EarlierFile => format!("{list} (as in an earlier file)"),
            FormsKind::Unreadable => {
                format!("built-in forms (no known form reads `{}`)", self.example)
            }
            FormsKind::Ambiguous => {
                "kept as text: its dates read both month-first and day-first; set \
                            `ingest.date_order`"
                    .to_owned()
            }
            FormsKind::NoTimes => String::new(),
        }
    }
}

/// The cells that mean "no value" (`ingest.null_values`), checked for every non-blank cell.
#[derive(Debug, Clone)]
pub struct NullSet {
    values: Vec<String>,
    /// First bytes of the markers: most cells (digits, CJK text) are ruled out by one lookup.
    first: [bool; 256],
    max_len: usize,
}

impl NullSet {
    /// The markers of the config.
    pub fn new(values: &[String]) -> NullSet {
        let mut first = [false; 256];
        for v in values {
            if let Some(b) = v.as_bytes().first() {
                first[*b as usize] = true;
            }
        }
        NullSet {
            values: values.to_vec(),
            first,
            max_len: values.iter().map(String::len).max().unwrap_or(0),
        }
    }

    /// True when a trimmed, non-empty cell is a null marker.
    #[inline]
    pub fn contains(&self, cell: &str) -> bool {
        cell.len() <= self.max_len
            && self.first[cell.as_bytes()[0] as usize]
            && self.values.iter().any(|v| v == cell)
    }
}

/// Everything [`Plan::new`] needs besides the file.
pub(super) struct PlanInput<'a> {
    pub profile: &'a Profile,
    pub cells: &'a CellSettings,
    pub nulls: &'a NullSet,
}

impl Plan {
    /// Decides how `headers` are read, from the profile, the config and `sample` (the first
    /// rows). `known` holds the forms earlier files' columns were read with, by header: a
    /// later file whose sample cannot tell day from month reads that header the same way.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        file: u16,
        path: &Path,
        headers: &[String],
        sample: &[Vec<String>],
        input: &PlanInput<'_>,
        known: &mut BTreeMap<String, Forms>,
        extras: &mut ExtraColumns,
        rejects: &mut Rejects,
    ) -> Result<Plan> {
        super::headers::check(path, headers)?;
        let (cols, losers) = input.profile.map_headers(headers);
        let missing_required: Vec<String> = [Field::ComplaintId, Field::ReceivedAt]
            .into_iter()
            .filter(|f| !cols.contains(&Some(*f)))
            .map(|f| f.name().to_owned())
            .collect();
        if !missing_required.is_empty() {
            return Err(Error::MissingColumns {
                path: path.to_path_buf(),
                missing: missing_required,
                found: headers.to_vec(),
            });
        }
        for (i, f) in &losers {
            rejects.find(Finding {
                origin: Origin {
                    file,
                    line: 0,
                    record: 0,
                },
                complaint_id: String::new(),
                field: headers[*i].clone(),
                code: FindingCode::DuplicateHeader,
                message: format!(
                    "column `{}` also maps to `{}`; an earlier alias won, so it is carried through unchanged",
                    headers[*i],
                    f.name()
                ),
            });
        }
        let slots: Vec<Slot> = cols
            .iter()
            .zip(headers)
            .map(|(c, h)| match c {
                Some(f) => Slot::Field(*f),
                None if h.is_empty() => Slot::Skip,
                None => Slot::Extra(extras.index_or_insert(h)),
            })
            .collect();
        let mut forms = Vec::with_capacity(slots.len());
        let mut accepted = Vec::with_capacity(slots.len());
        let mut columns = Vec::with_capacity(slots.len());
        for (i, (slot, header)) in slots.iter().zip(headers).enumerate() {
            let values: Vec<&str> = sample
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.trim())
                .filter(|c| !c.is_empty() && !input.nulls.contains(c))
                .collect();
            let (f, note) = match slot {
                Slot::Field(f) if f.kind() == FieldKind::Timestamp => {
                    field_forms(*f, header, &values, input.cells, known, path)?
                }
                Slot::Extra(_) => extra_forms(header, &values, input.cells),
                _ => (Forms::builtin(), FormsNote::default()),
            };
            if !f.is_builtin() {
                known.insert(header_key(header), f.clone());
            }
            accepted.push(f.describe());
            forms.push(f);
            let (field, via) = match slot {
                Slot::Field(f) => {
                    let configured = input
                        .profile
                        .field_for(header)
                        .is_some_and(|(_, p)| input.profile.is_configured(p));
                    let via = if configured {
                        "config_alias"
                    } else {
                        "builtin_alias"
                    };
                    (f.name().to_owned(), via)
                }
                _ if losers.iter().any(|(j, _)| *j == i) => (String::new(), "duplicate"),
                _ => (String::new(), "carried_through"),
            };
            columns.push(ColumnMapping {
                header: header.clone(),
                field,
                via: via.to_owned(),
                timestamps: note.describe(),
                forms: note,
            });
        }
        let missing = Field::ALL
            .iter()
            .filter(|f| **f != Field::SatisfactionRaw && !cols.contains(&Some(**f)))
            .map(|f| f.name().to_owned())
            .collect();
        Ok(Plan {
            slots,
            forms,
            accepted,
            headers: headers.to_vec(),
            n_extra: extras.0.len(),
            mapping: FileMapping {
                file: crate::diagnostic::display_path(path).display().to_string(),
                columns,
                missing,
            },
        })
    }
}

/// The forms the config declares for a column: for its field or header, else for every column.
fn declared<'a>(
    field: Option<Field>,
    header: &str,
    cells: &'a CellSettings,
) -> Option<&'a Vec<Pattern>> {
    let key = header_key(header);
    cells
        .forms_by_field
        .iter()
        .find(|(k, _)| field.is_some_and(|f| f.name() == k.as_str()) || header_key(k) == key)
        .map(|(_, v)| v)
}

/// A timestamp field's forms and how they were chosen.
fn field_forms(
    field: Field,
    header: &str,
    values: &[&str],
    cells: &CellSettings,
    known: &BTreeMap<String, Forms>,
    path: &Path,
) -> Result<(Forms, FormsNote)> {
    if let Some(p) =
        declared(Some(field), header, cells).or(Some(&cells.forms).filter(|f| !f.is_empty()))
    {
        let f = Forms::new(p.clone());
        let note = FormsNote::new(FormsKind::Configured, Some(&f));
        return Ok((f, note));
    }
    Ok(match detect(values, cells.date_order) {
        Detection::Builtin => (Forms::builtin(), FormsNote::new(FormsKind::Builtin, None)),
        Detection::Patterns {
            patterns,
            read,
            values,
        } => {
            let f = Forms::new(patterns);
            let note = detected_note(&f, read, values);
            (f, note)
        }
        Detection::Ambiguous { .. } if known.contains_key(&header_key(header)) => {
            let f = known[&header_key(header)].clone();
            let note = FormsNote::new(FormsKind::EarlierFile, Some(&f));
            (f, note)
        }
        Detection::Ambiguous {
            month_first,
            day_first,
            example,
        } => {
            return Err(Error::Input {
                path: path.to_path_buf(),
                message: format!(
                    "column `{header}` (`{}`): every sampled value, e.g. `{example}`, reads both month-first (`{month_first}`) and day-first (`{day_first}`), and the tool does not guess\n  help: set `ingest.date_order = \"mdy\"` (or \"dmy\") in the config, or declare the form with `ingest.timestamp_forms`",
                    field.name()
                ),
            });
        }
        Detection::Unknown { example } => (
            Forms::builtin(),
            FormsNote {
                example,
                ..FormsNote::new(FormsKind::Unreadable, None)
            },
        ),
    })
}

/// A carried-through column's forms: declared for its header; else the config's forms for
/// every column, or detected ones, when they read at least half of its sampled values (a
/// column of codes or amounts is never read as times); else the built-in text forms.
fn extra_forms(header: &str, values: &[&str], cells: &CellSettings) -> (Forms, FormsNote) {
    if let Some(p) = declared(None, header, cells) {
        let f = Forms::new(p.clone());
        let note = FormsNote::new(FormsKind::Configured, Some(&f));
        return (f, note);
    }
    let reads = |f: &Forms| values.iter().filter(|v| f.read(v).is_ok()).count();
    if !cells.forms.is_empty() {
        let f = Forms::new(cells.forms.clone());
        if !values.is_empty() && reads(&f) * 2 >= values.len() {
            let note = FormsNote::new(FormsKind::Configured, Some(&f));
            return (f, note);
        }
    }
    let digits = values
        .iter()
        .filter(|v| v.as_bytes()[0].is_ascii_digit())
        .count();
    if !values.is_empty() && digits * 2 >= values.len() {
        match detect(values, cells.date_order) {
            Detection::Patterns {
                patterns,
                read,
                values: n,
            } if read * 2 >= n => {
                let f = Forms::new(patterns);
                let note = detected_note(&f, read, n);
                return (f, note);
            }
            Detection::Ambiguous { .. } => {
                return (Forms::builtin(), FormsNote::new(FormsKind::Ambiguous, None));
            }
            _ => {}
        }
    }
    let note = if values.iter().any(|v| read_builtin(v).is_ok()) {
        FormsNote::new(FormsKind::Builtin, None)
    } else {
        FormsNote::default()
    };
    (Forms::builtin(), note)
}

fn detected_note(f: &Forms, read: usize, sampled: usize) -> FormsNote {
    FormsNote {
        read,
        sampled,
        ..FormsNote::new(FormsKind::Detected, Some(f))
    }
}

#[cfg(test)]
mod tests;
