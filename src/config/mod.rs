//! The run configuration: `complaints.toml` (found in the working directory by default), then
//! command-line overrides.
//!
//! `RawConfig` is what serde reads (unknown keys are errors, with a did-you-mean); [`Config`] is
//! the validated form every command uses. Paths in the file are relative to the file's folder.
//! Problems are collected as diagnostics, all of them, before anything else runs.

mod ingest;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

pub use self::ingest::{CellSettings, DEFAULT_NULL_VALUES, IngestConfig};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean, display_path};
use crate::error::{Error, Result};
pub use crate::format::Lang;
use crate::model::Field;
use crate::rejects::RejectLimit;
use crate::time::{Ts, Zone};

/// The default share of complaints on which the rule engine may fail before a run stops: a
/// rule that fails on more than 1 in 100 complaints is broken, and a report built on the rest
/// would be silently incomplete.
pub const DEFAULT_MAX_RULE_ERRORS: RejectLimit = RejectLimit::Percent(1.0);

/// The default config file name, looked up in the working directory.
pub const DEFAULT_CONFIG: &str = "complaints.toml";

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// IANA zone of the export's wall-clock times.
    pub timezone: Option<Spanned<String>>,
    /// Input exports: files or folders (every `.csv`/`.xlsx` inside), read in sorted order.
    #[serde(default)]
    pub inputs: Vec<Spanned<String>>,
    /// Event logs (one row per event).
    #[serde(default)]
    pub events: Vec<Spanned<String>>,
    /// Roster: person → team and role.
    pub roster: Option<Spanned<String>>,
    /// Output folder.
    pub out: Option<String>,
    /// Write the record-level CSV tables (`complaints.csv`, `sla.csv`, `escalations.csv`);
    /// default true.
    pub record_tables: Option<bool>,
    /// Rule folder.
    pub rules: Option<String>,
    /// Template folder.
    pub templates: Option<String>,
    /// Report language: `zh` (default) or `en`.
    pub lang: Option<Spanned<String>>,
    /// `N` or `P%`.
    pub max_rejects: Option<Spanned<String>>,
    /// The procedure bundle(s) of `rules/procedures.toml` the company follows: one id
    /// (`"003-H11"`) or a list.
    pub procedure: Option<Spanned<toml::Value>>,
    /// Values for the procedure parameters (the limits a seed leaves open: "promptly",
    /// "immediately", blanks), replacing the rule folder's defaults.
    #[serde(default)]
    pub parameters: BTreeMap<Spanned<String>, Spanned<String>>,
    /// `N` or `P%` of the complaints: rule engine errors beyond it stop the run (default 1%).
    pub max_rule_errors: Option<Spanned<String>>,
    /// How to read input files.
    #[serde(default)]
    pub ingest: IngestConfig,
    /// How export headers map onto canonical fields.
    #[serde(default)]
    pub profile: ProfileConfig,
    /// SLA settings.
    #[serde(default)]
    pub sla: SlaConfig,
    /// How the event log's headers and operation names map.
    #[serde(default)]
    pub event_log: EventsConfig,
    /// Escalation audit settings.
    #[serde(default)]
    pub audit: AuditConfig,
}

/// `[event_log]` in the config.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    /// Extra header aliases per event field (`complaint_id`, `at`, `type`, `actor`, `role`,
    /// `to_role`, `note`).
    #[serde(default)]
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Operation name → event type (canonical or your own, e.g. `"督办" = "supervised"`).
    #[serde(default)]
    pub types: BTreeMap<String, String>,
}

/// `[audit]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// Duty presets in `rules/duties/` to load (file stems); all of them when absent.
    pub duties: Option<Vec<Spanned<String>>>,
}

/// `[profile]`: the column-mapping profile.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    /// Extra header aliases per canonical field, tried before the built-in ones.
    #[serde(default)]
    pub aliases: BTreeMap<Spanned<String>, Vec<String>>,
    /// Drop the built-in aliases and use only the configured ones.
    #[serde(default)]
    pub replace_builtin: bool,
    /// How satisfaction cells are read.
    #[serde(default)]
    pub satisfaction: SatisfactionConfig,
}

/// `[profile.satisfaction]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SatisfactionConfig {
    /// The scale of numbers in the column: `percent` (0–100, default), `five_star` (1–5) or
    /// `ten_point` (0–10). A bare `5` means different things on each, so it is declared.
    pub scale: Option<Spanned<String>>,
    /// Word → score (0–100), added to (and overriding) the built-in mapping.
    #[serde(default)]
    pub words: BTreeMap<String, f64>,
}

/// Project name → calendar name (`[sla.project_calendars]`).
pub type ProjectCalendars = BTreeMap<String, Spanned<String>>;

/// `[sla]`
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    /// Target preset files in `rules/sla/` to load (file stems); all of them when absent (and
    /// none when `targets` is set without it).
    pub presets: Option<Vec<Spanned<String>>>,
    /// Targets to load by name, from any preset, in addition to the presets' targets.
    pub targets: Option<Vec<Spanned<String>>>,
    /// Targets not to load, although their preset is (a preset's companion target).
    #[serde(default)]
    pub targets_off: Vec<Spanned<String>>,
    /// Default working calendar (a file stem in `rules/calendars/`).
    pub calendar: Option<Spanned<String>>,
    /// Calendar per project (小区) name.
    #[serde(default)]
    pub project_calendars: ProjectCalendars,
}

/// Which encoding to read CSV files in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingChoice {
    /// Detect.
    Auto,
    /// UTF-8 (a BOM is skipped).
    Utf8,
    /// GB18030 (a superset of GBK and GB2312).
    Gb18030,
}

/// Command-line values that override the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--input`
    pub inputs: Vec<PathBuf>,
    /// `--events`
    pub events: Vec<PathBuf>,
    /// `--out`
    pub out: Option<PathBuf>,
    /// `--rules`
    pub rules: Option<PathBuf>,
    /// `--templates`
    pub templates: Option<PathBuf>,
    /// `--lang`
    pub lang: Option<String>,
    /// `--max-rejects`
    pub max_rejects: Option<String>,
    /// `--strict`
    pub strict: bool,
    /// `--unmask`
    pub unmask: bool,
    /// `--parquet`
    pub parquet: bool,
    /// `--no-record-tables`
    pub no_record_tables: bool,
    /// `--as-of` as written
    pub as_of: Option<String>,
    /// `--period`
    pub period: Option<String>,
    /// Do not resolve input and event files (`check` and `test` read no data).
    pub skip_inputs: bool,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file, if one was read.
    pub path: Option<PathBuf>,
    /// Hex sha256 of the config file.
    pub sha256: Option<String>,
    /// The zone for local wall-clock times.
    pub zone: Zone,
    /// Input files, expanded and sorted.
    pub inputs: Vec<PathBuf>,
    /// Event-log files.
    pub events: Vec<PathBuf>,
    /// Roster file.
    pub roster: Option<PathBuf>,
    /// Output folder.
    pub out_dir: PathBuf,
    /// Rule folder: the user's files over the shipped rule set (`crate::shipped`).
    pub rules_dir: PathBuf,
    /// The rule folder was named (`--rules`, `rules = ...`): it must exist. The default
    /// `rules/` may not, and then the shipped rules are used as they are.
    pub rules_given: bool,
    /// Template folder: the user's files over the shipped templates.
    pub templates_dir: PathBuf,
    /// The template folder was named (`--templates`, `templates = ...`): it must exist.
    pub templates_given: bool,
    /// Report language.
    pub lang: Lang,
    /// CSV encoding.
    pub encoding: EncodingChoice,
    /// XLSX sheet.
    pub sheet: Option<String>,
    /// Timestamp forms, the order of day and month, null markers.
    pub cells: CellSettings,
    /// Column profile settings.
    pub profile: ProfileConfig,
    /// SLA settings.
    pub sla: SlaConfig,
    /// Event-log mapping.
    pub event_log: EventsConfig,
    /// Audit settings.
    pub audit: AuditConfig,
    /// The procedure bundles named by `procedure`, in order (`None`: the key is absent).
    pub procedures: Option<Vec<Spanned<String>>>,
    /// Parameter values set in the config, by name (checked against the rule folder's
    /// parameters when the rules load).
    pub parameters: BTreeMap<String, Spanned<String>>,
    /// `--max-rejects` or `max_rejects`, else [`RejectLimit::DEFAULT`].
    pub max_rejects: Option<RejectLimit>,
    /// `max_rule_errors`: complaints on which the rule engine may fail (limits, type errors,
    /// missing functions) before the run stops; [`DEFAULT_MAX_RULE_ERRORS`] when not set.
    pub max_rule_errors: RejectLimit,
    /// `--strict`.
    pub strict: bool,
    /// `--unmask`: show complainants' names and phone numbers (internal use only).
    pub unmask: bool,
    /// `--parquet`: also export the record-level tables as Parquet (`parquet/`).
    pub parquet: bool,
    /// Write `complaints.csv`, `sla.csv` and `escalations.csv` (`record_tables`, off with
    /// `--no-record-tables`): one row per complaint, per verdict and per duty, gigabytes at a
    /// million complaints, which a run that only needs the reports can leave out.
    pub record_tables: bool,
    /// The instant the run is evaluated at (`--as-of`, else the clock read once in `main`).
    pub as_of: Ts,
    /// `--period` as written.
    pub period: Option<String>,
}

impl Config {
    /// Loads `path` (or `complaints.toml` in the working directory when `None` and it exists),
    /// applies the overrides, and validates. `now` is the clock, read once by `main`.
    pub fn load(path: Option<&Path>, ov: &Overrides, now: Ts) -> Result<Config> {
        let (path, src) = match path {
            Some(p) => {
                let src = std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?;
                (Some(p.to_path_buf()), src)
            }
            None if Path::new(DEFAULT_CONFIG).exists() => {
                let p = PathBuf::from(DEFAULT_CONFIG);
                let src = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
                (Some(p), src)
            }
            None => (None, String::new()),
        };
        let shown = path
            .as_deref()
            .map(display_path)
            .unwrap_or_else(|| PathBuf::from("(defaults)"));
        let raw: RawConfig = toml::from_str(&src).map_err(|e| toml_diagnostic(&shown, &src, &e))?;
        let base = path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let sha256 = path
            .as_ref()
            .map(|_| crate::output::sha256_hex(src.as_bytes()));
        Config::from_raw(raw, &shown, &src, &base, ov, now).map(|mut c| {
            c.path = path;
            c.sha256 = sha256;
            c
        })
    }

    /// Every key at its default, no input read and no file consulted (`init`, which looks at
    /// the shipped rules before any config exists).
    pub fn defaults(now: Ts) -> Result<Config> {
        let ov = Overrides {
            skip_inputs: true,
            ..Overrides::default()
        };
        Config::from_raw(
            RawConfig::default(),
            Path::new("(defaults)"),
            "",
            Path::new(""),
            &ov,
            now,
        )
    }

    /// A config from TOML text, as if read from `c.toml` in the working directory, with no
    /// command-line overrides (for unit tests of what reads the config).
    #[cfg(test)]
    pub(crate) fn from_toml(src: &str) -> Result<Config> {
        let raw: RawConfig =
            toml::from_str(src).map_err(|e| toml_diagnostic(Path::new("c.toml"), src, &e))?;
        let ov = Overrides {
            skip_inputs: true,
            ..Overrides::default()
        };
        Config::from_raw(raw, Path::new("c.toml"), src, Path::new(""), &ov, 0)
    }

    fn from_raw(
        raw: RawConfig,
        shown: &Path,
        src: &str,
        base: &Path,
        ov: &Overrides,
        now: Ts,
    ) -> Result<Config> {
        let mut diags = Diagnostics::default();
        let at = |span: std::ops::Range<usize>, msg: String| {
            Diagnostic::new(shown, msg).at_offset(src, span.start)
        };
        let rel = |p: &str| -> PathBuf {
            let p = Path::new(p);
            if p.is_absolute() || base.as_os_str().is_empty() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };

        let zone = match &raw.timezone {
            None => Zone::from_name("Asia/Shanghai").expect("built-in zone"),
            Some(tz) => match Zone::from_name(tz.get_ref()) {
                Ok(z) => z,
                Err(msg) => {
                    diags.push(at(tz.span(), msg));
                    Zone::from_name("Asia/Shanghai").expect("built-in zone")
                }
            },
        };

        let lang_text = ov
            .lang
            .clone()
            .or_else(|| raw.lang.as_ref().map(|l| l.get_ref().clone()));
        let lang = match lang_text.as_deref() {
            None | Some("zh" | "zh-CN" | "zh_CN") => Lang::Zh,
            Some("en") => Lang::En,
            Some(other) => {
                let msg = format!("unknown report language `{other}` (expected `zh` or `en`)");
                match (&ov.lang, &raw.lang) {
                    (None, Some(l)) => diags.push(at(l.span(), msg)),
                    _ => return Err(Error::Usage(format!("--lang: {msg}"))),
                }
                Lang::Zh
            }
        };

        let encoding = match raw
            .ingest
            .encoding
            .as_ref()
            .map(|e| (e.get_ref().to_ascii_lowercase(), e.span()))
        {
            None => EncodingChoice::Auto,
            Some((e, span)) => match e.as_str() {
                "auto" => EncodingChoice::Auto,
                "utf-8" | "utf8" | "utf-8-sig" => EncodingChoice::Utf8,
                "gbk" | "gb2312" | "gb18030" | "cp936" => EncodingChoice::Gb18030,
                other => {
                    diags.push(at(
                        span,
                        format!(
                            "unknown encoding `{other}` (expected auto, utf-8, gbk or gb18030)"
                        ),
                    ));
                    EncodingChoice::Auto
                }
            },
        };

        let cells = ingest::cell_settings(&raw.ingest, &at, &mut diags);

        for key in raw.profile.aliases.keys() {
            if Field::from_name(key.get_ref()).is_none() || key.get_ref() == "satisfaction_raw" {
                let names = Field::ALL.iter().map(|f| f.name());
                let mut d = at(
                    key.span(),
                    format!("`{}` is not a canonical field", key.get_ref()),
                );
                if let Some(s) = did_you_mean(key.get_ref(), names) {
                    d = d.help(format!("did you mean `{s}`?"));
                } else {
                    d = d.help("the canonical fields are listed in docs/FIELDS.md");
                }
                diags.push(d);
            }
        }
        if let Some(scale) = &raw.profile.satisfaction.scale
            && !matches!(
                scale.get_ref().as_str(),
                "percent" | "five_star" | "ten_point"
            )
        {
            diags.push(at(
                scale.span(),
                format!(
                    "unknown satisfaction scale `{}` (expected percent, five_star or ten_point)",
                    scale.get_ref()
                ),
            ));
        }
        for (word, score) in &raw.profile.satisfaction.words {
            if !(0.0..=100.0).contains(score) {
                diags.push(Diagnostic::new(
                    shown,
                    format!("satisfaction word `{word}` maps to {score}, outside 0–100"),
                ));
            }
        }

        let max_rejects = match (&ov.max_rejects, &raw.max_rejects) {
            (Some(s), _) => Some(
                RejectLimit::parse(s).map_err(|e| Error::Usage(format!("--max-rejects: {e}")))?,
            ),
            (None, Some(s)) => match RejectLimit::parse(s.get_ref()) {
                Ok(l) => Some(l),
                Err(e) => {
                    diags.push(at(s.span(), e));
                    None
                }
            },
            (None, None) => Some(RejectLimit::DEFAULT),
        };

        let max_rule_errors = match &raw.max_rule_errors {
            Some(s) => match RejectLimit::parse(s.get_ref()) {
                Ok(l) => l,
                Err(e) => {
                    diags.push(at(s.span(), e));
                    DEFAULT_MAX_RULE_ERRORS
                }
            },
            None => DEFAULT_MAX_RULE_ERRORS,
        };

        // Inputs: the command line replaces the file's list.
        let mut inputs = Vec::new();
        if ov.skip_inputs {
        } else if ov.inputs.is_empty() {
            for i in &raw.inputs {
                match expand_input(&rel(i.get_ref())) {
                    Ok(mut v) => inputs.append(&mut v),
                    Err(msg) => diags.push(at(i.span(), msg)),
                }
            }
        } else {
            for p in &ov.inputs {
                inputs.append(&mut expand_input(p).map_err(Error::Usage)?);
            }
        }
        inputs.sort();
        inputs.dedup();
        let mut events = Vec::new();
        // The config's event log belongs to the config's inputs: `--input` without `--events`
        // runs without one (a snapshot export) rather than against the wrong complaints.
        if ov.skip_inputs || (!ov.inputs.is_empty() && ov.events.is_empty()) {
        } else if ov.events.is_empty() {
            for e in &raw.events {
                match expand_input(&rel(e.get_ref())) {
                    Ok(mut v) => events.append(&mut v),
                    Err(msg) => diags.push(at(e.span(), msg)),
                }
            }
        } else {
            for p in &ov.events {
                events.append(&mut expand_input(p).map_err(Error::Usage)?);
            }
        }
        events.sort();
        events.dedup();

        let procedures = raw.procedure.as_ref().and_then(|p| {
            procedure_names(p)
                .map_err(|msg| diags.push(at(p.span(), msg)))
                .ok()
        });

        let as_of = match &ov.as_of {
            Some(s) => parse_as_of(s, &zone).map_err(Error::Usage)?,
            None => now,
        };

        diags.into_result()?;
        Ok(Config {
            path: None,
            sha256: None,
            zone,
            inputs,
            events,
            roster: raw.roster.as_ref().map(|r| rel(r.get_ref())),
            out_dir: ov
                .out
                .clone()
                .unwrap_or_else(|| rel(raw.out.as_deref().unwrap_or("out"))),
            rules_dir: ov
                .rules
                .clone()
                .unwrap_or_else(|| rel(raw.rules.as_deref().unwrap_or("rules"))),
            rules_given: ov.rules.is_some() || raw.rules.is_some(),
            templates_given: ov.templates.is_some() || raw.templates.is_some(),
            templates_dir: ov
                .templates
                .clone()
                .unwrap_or_else(|| rel(raw.templates.as_deref().unwrap_or("report_templates"))),
            lang,
            encoding,
            sheet: raw.ingest.sheet.clone().filter(|s| !s.is_empty()),
            cells,
            profile: raw.profile,
            sla: raw.sla,
            event_log: raw.event_log,
            audit: raw.audit,
            procedures,
            parameters: raw
                .parameters
                .into_iter()
                .map(|(k, v)| (k.into_inner(), v))
                .collect(),
            max_rejects,
            max_rule_errors,
            strict: ov.strict,
            unmask: ov.unmask,
            parquet: ov.parquet,
            record_tables: raw.record_tables.unwrap_or(true) && !ov.no_record_tables,
            as_of,
            period: ov.period.clone(),
        })
    }
}

/// `procedure = "003-H11"` or `procedure = ["002", "003-H11"]`: the names, each spanning the
/// whole value (serde cannot keep the positions of a list's items behind a string-or-list).
fn procedure_names(v: &Spanned<toml::Value>) -> std::result::Result<Vec<Spanned<String>>, String> {
    let one = |x: &toml::Value| {
        x.as_str()
            .filter(|s| !s.trim().is_empty())
            .map(|s| Spanned::new(v.span(), s.trim().to_owned()))
    };
    let names: Option<Vec<Spanned<String>>> = match v.get_ref() {
        toml::Value::Array(items) => items.iter().map(one).collect(),
        other => one(other).map(|n| vec![n]),
    };
    match names {
        Some(n) if !n.is_empty() => Ok(n),
        _ => Err(
            "`procedure` must name a procedure (`\"003-H11\"`) or a list of them (`[\"002\", \"003-H11\"]`)"
                .into(),
        ),
    }
}

/// A file, or every `.csv`/`.xlsx` file directly inside a folder (sorted).
fn expand_input(p: &Path) -> std::result::Result<Vec<PathBuf>, String> {
    if p.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| format!("{}: {e}", p.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| {
                f.is_file()
                    && f.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                        x.eq_ignore_ascii_case("csv") || x.eq_ignore_ascii_case("xlsx")
                    })
            })
            .collect();
        v.sort();
        if v.is_empty() {
            return Err(format!(
                "{}: folder holds no .csv or .xlsx files",
                p.display()
            ));
        }
        Ok(v)
    } else if p.is_file() {
        Ok(vec![p.to_path_buf()])
    } else {
        Err(format!("{}: {}", p.display(), not_a_file(p)))
    }
}

/// Why `p`, which is neither a regular file nor a folder, cannot be read as an export: the
/// real cause, not "no such file" for a pipe or a device that exists.
fn not_a_file(p: &Path) -> String {
    let link = std::fs::symlink_metadata(p)
        .ok()
        .filter(|m| m.file_type().is_symlink())
        .and_then(|_| std::fs::read_link(p).ok());
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(_) if link.is_some() => {
            return format!(
                "a symbolic link to `{}`, which does not exist",
                link.unwrap_or_default().display()
            );
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return "no such file or folder".into();
        }
        Err(e) => return e.to_string(),
    };
    let kind = file_kind(&meta.file_type());
    match link {
        Some(to) => format!(
            "a symbolic link to `{}`, which is {kind}, not a file: give the export itself",
            to.display()
        ),
        None => format!("{kind}, not a file: give the export itself"),
    }
}

#[cfg(unix)]
fn file_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn file_kind(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

/// `--as-of`: RFC 3339, `2026-11-01 00:00[:00]` or a date (local midnight) in the zone.
pub fn parse_as_of(s: &str, zone: &Zone) -> std::result::Result<Ts, String> {
    crate::time::parse_timestamp(s, zone).map_err(|_| {
        format!(
            "--as-of: cannot read `{s}` (expected e.g. 2026-11-01T00:00:00+08:00, `2026-11-01 00:00` or 2026-11-01)"
        )
    })
}

/// Turns a TOML parse error into a diagnostic pointing at the offending spot.
pub fn toml_diagnostic(path: &Path, src: &str, e: &toml::de::Error) -> Diagnostic {
    let msg = e.message().trim().to_owned();
    let mut d = Diagnostic::new(path, first_line(&msg));
    if let Some(span) = e.span() {
        d = d.at_offset(src, span.start);
    }
    if msg.contains("invalid unquoted key") {
        d = d.help(
            "keys with Chinese characters or spaces must be quoted, e.g. \"投诉内容\" = \"...\"",
        );
    }
    // serde's unknown-field message lists the expected keys; turn that into a did-you-mean.
    if let Some((word, expected)) = unknown_field_parts(&msg) {
        if let Some(s) = did_you_mean(&word, expected.iter().map(String::as_str)) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if !expected.is_empty() {
            d = d.help(format!("expected one of {}", expected.join(", ")));
        }
    }
    d
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).to_owned()
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" into its parts.
fn unknown_field_parts(msg: &str) -> Option<(String, Vec<String>)> {
    let rest = msg.strip_prefix("unknown field `")?;
    let (word, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    Some((word.to_owned(), expected))
}

#[cfg(test)]
mod tests;
