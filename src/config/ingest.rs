//! `[ingest]`: how cells are read — timestamp forms, the order of day and month, the markers
//! that mean "no value" — validated into [`CellSettings`].

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::time::detect::DateOrder;
use crate::time::forms::Pattern;

/// The null markers used when `ingest.null_values` is not set: what R, pandas, SQL dumps,
/// Excel and Chinese systems write for "no value" (`docs/FIELDS.md` §3).
pub const DEFAULT_NULL_VALUES: &[&str] = &[
    "NA",
    "N/A",
    "n/a",
    "NULL",
    "null",
    "-",
    "#N/A",
    "无",
    "(空)",
    "（空）",
];

/// `[ingest]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestConfig {
    /// `auto` (default: UTF-8 with or without BOM, UTF-16 with BOM, else GB18030), `utf-8`,
    /// `gbk` or `gb18030`.
    pub encoding: Option<Spanned<String>>,
    /// XLSX sheet to read; the first sheet when absent.
    pub sheet: Option<String>,
    /// Chrono-style patterns every timestamp column is read with, before the built-in forms.
    pub timestamp_forms: Option<Vec<Spanned<String>>>,
    /// Patterns per canonical field or header, instead of `timestamp_forms` for that column.
    #[serde(default)]
    pub timestamp_forms_by_field: BTreeMap<String, Vec<Spanned<String>>>,
    /// `ymd`, `dmy` or `mdy`: how detection reads slashed dates whose order it cannot tell.
    pub date_order: Option<Spanned<String>>,
    /// Cells meaning "no value"; [`DEFAULT_NULL_VALUES`] when absent.
    pub null_values: Option<Vec<String>>,
}

/// How cells are read, validated.
#[derive(Debug, Clone)]
pub struct CellSettings {
    /// Patterns for every timestamp column (`ingest.timestamp_forms`); empty when not set.
    pub forms: Vec<Pattern>,
    /// Patterns per canonical field or header (`ingest.timestamp_forms_by_field`).
    pub forms_by_field: BTreeMap<String, Vec<Pattern>>,
    /// `ingest.date_order`.
    pub date_order: Option<DateOrder>,
    /// The null markers, compared with each trimmed cell exactly.
    pub null_values: Vec<String>,
}

impl Default for CellSettings {
    fn default() -> Self {
        CellSettings {
            forms: Vec::new(),
            forms_by_field: BTreeMap::new(),
            date_order: None,
            null_values: DEFAULT_NULL_VALUES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        }
    }
}

impl CellSettings {
    /// True when the config declares forms for every column or for some.
    pub fn declares_forms(&self) -> bool {
        !self.forms.is_empty() || !self.forms_by_field.is_empty()
    }
}

/// Validates the cell settings of `[ingest]`; `at` places a diagnostic at a span of the file.
pub(super) fn cell_settings(
    raw: &IngestConfig,
    at: &dyn Fn(std::ops::Range<usize>, String) -> Diagnostic,
    diags: &mut Diagnostics,
) -> CellSettings {
    let mut compile = |list: &[Spanned<String>]| -> Vec<Pattern> {
        list.iter()
            .filter_map(|p| match Pattern::new(p.get_ref()) {
                Ok(pat) => Some(pat),
                Err(msg) => {
                    diags.push(
                        at(p.span(), msg)
                            .help("patterns use chrono's strftime codes, e.g. \"%m/%d/%Y %I:%M:%S %p\" (docs/FIELDS.md §4)"),
                    );
                    None
                }
            })
            .collect()
    };
    let forms = raw
        .timestamp_forms
        .as_deref()
        .map(&mut compile)
        .unwrap_or_default();
    let forms_by_field = raw
        .timestamp_forms_by_field
        .iter()
        .map(|(k, v)| (k.clone(), compile(v)))
        .collect();
    let date_order = raw.date_order.as_ref().and_then(|o| {
        DateOrder::from_name(o.get_ref()).or_else(|| {
            diags.push(at(
                o.span(),
                format!(
                    "unknown date order `{}` (expected ymd, dmy or mdy)",
                    o.get_ref()
                ),
            ));
            None
        })
    });
    let null_values = match &raw.null_values {
        Some(v) => v
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        None => CellSettings::default().null_values,
    };
    CellSettings {
        forms,
        forms_by_field,
        date_order,
        null_values,
    }
}
