//! The procedure library, `rules/procedures.toml`: what a company picks its procedure by, and
//! what the rule folder cannot check.
//!
//! - **Bundles** (`[[procedure]]`): a named procedure of the source documents (`"003-H11"`) and
//!   the SLA presets and duty presets that implement it. The config names one or several
//!   (`procedure = "003-H11"`); one bundle may be marked `default`, the selection of a config
//!   that names no procedure and no presets.
//! - **Gaps** (`[[gap]]`): the numbered time limits (T) and escalation rules (E) of the sources
//!   that a log cannot show, each with the reason and the event or column an export would need.
//! - **Parameters** (`[parameters.<name>]`): the limits a procedure leaves open ("promptly",
//!   "立即", a blank to fill in). Presets write `limit = "param:promptly"`; the library gives a
//!   documented value and `[parameters]` in the config replaces it.
//! - **Numbering**: how many T and E numbers the sources have, so that every one can be
//!   accounted for (`complaints procedures`, [`table`]).
//!
//! Selection is one model, applied in this order: the bundles the config names (or the default
//! bundle), then `[sla] presets` and `[audit] duties`, which, under a named procedure, pick
//! among the bundles' own files. A rule folder without `procedures.toml` loads every preset
//! file unless the config lists them, as it always did.

pub mod cases;
pub mod table;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::presets::limit::{Limit, WorkingDays, parse_limit};
use super::presets::{config_at, suggest};
use super::{RuleFile, record};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics, display_path};
use crate::shipped::{self, Layered};

/// The library's file name in the rule folder.
pub const FILE: &str = "procedures.toml";

/// How a preset's limit names a parameter: `limit = "param:promptly"`.
pub const PARAM_PREFIX: &str = "param:";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLibrary {
    numbering: RawNumbering,
    #[serde(default)]
    procedure: Vec<RawBundle>,
    #[serde(default)]
    gap: Vec<RawGap>,
    #[serde(default)]
    parameters: BTreeMap<String, Spanned<RawParameter>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNumbering {
    time_limits: u32,
    escalation_rules: u32,
    source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBundle {
    id: Spanned<String>,
    title: String,
    title_en: Option<String>,
    source: Option<String>,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    presets: Vec<Spanned<String>>,
    #[serde(default)]
    duties: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGap {
    refs: Vec<Spanned<String>>,
    procedure: String,
    rule: String,
    reason: String,
    needs: String,
    source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParameter {
    value: String,
    label: String,
    label_en: Option<String>,
    source: String,
}

/// How many numbered rules the sources have: T01..T`time_limits`, E01..E`escalation_rules`.
#[derive(Debug, Clone, Default)]
pub struct Numbering {
    /// Time limits (T).
    pub time_limits: u32,
    /// Escalation rules (E).
    pub escalation_rules: u32,
    /// Where the numbers come from.
    pub source: String,
}

impl Numbering {
    /// Every number, T first.
    pub fn all(&self) -> Vec<String> {
        let t = (1..=self.time_limits).map(|n| format!("T{n:02}"));
        let e = (1..=self.escalation_rules).map(|n| format!("E{n:02}"));
        t.chain(e).collect()
    }

    /// True when `r` is one of the numbers.
    pub fn contains(&self, r: &str) -> bool {
        let of = |prefix: &str, count: u32| {
            r.strip_prefix(prefix)
                .filter(|d| d.len() == 2)
                .and_then(|d| d.parse::<u32>().ok())
                .is_some_and(|n| (1..=count).contains(&n))
        };
        of("T", self.time_limits) || of("E", self.escalation_rules)
    }
}

/// A procedure: the presets and duties that implement it.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// `003-H11`.
    pub id: String,
    /// Its name in the source.
    pub title: String,
    /// English name.
    pub title_en: String,
    /// Where it is.
    pub source: String,
    /// The selection when the config names none.
    pub default: bool,
    /// SLA preset files (stems).
    pub presets: Vec<String>,
    /// Duty preset files (stems).
    pub duties: Vec<String>,
}

/// Numbered rules that cannot be audited from a log.
#[derive(Debug, Clone)]
pub struct Gap {
    /// The T and E numbers (one rule may carry both).
    pub refs: Vec<String>,
    /// The procedure it belongs to (`000-U`).
    pub procedure: String,
    /// The rule, briefly.
    pub rule: String,
    /// Why a log cannot show it.
    pub reason: String,
    /// The event or column an export would need.
    pub needs: String,
    /// The citation.
    pub source: String,
}

/// A limit the company sets.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// `promptly`.
    pub name: String,
    /// The value in force (the config's, else the library's).
    pub value: String,
    /// The library's value.
    pub default: String,
    /// True when the config set it.
    pub from_config: bool,
    /// What the source says.
    pub label: String,
    /// English.
    pub label_en: String,
    /// Where the source says it.
    pub source: String,
}

/// The procedure library of a rule folder.
#[derive(Debug, Clone, Default)]
pub struct Library {
    /// The file, when the folder has one.
    pub path: Option<PathBuf>,
    /// The numbering of the sources.
    pub numbering: Numbering,
    /// Procedures.
    pub bundles: Vec<Bundle>,
    /// What cannot be audited.
    pub gaps: Vec<Gap>,
    /// Parameters, by name.
    pub parameters: Vec<Parameter>,
}

/// The preset files to load: `None` is every file of the folder.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// SLA presets.
    pub presets: Option<Vec<Spanned<String>>>,
    /// Duty presets.
    pub duties: Option<Vec<Spanned<String>>>,
}

/// A limit as written in a preset, with the parameter it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedLimit {
    /// The limit.
    pub limit: Limit,
    /// `Some(name)` for `param:name`.
    pub parameter: Option<String>,
}

/// Reads the rule folder's `procedures.toml` (the user's, else the shipped one; an empty
/// library when there is none) and applies the config's parameter values. Every problem is a
/// diagnostic.
pub fn load(
    folder: &Layered,
    cfg: &Config,
    files: &mut Vec<RuleFile>,
    diags: &mut Diagnostics,
) -> Library {
    let file = folder.file(FILE);
    let path = file.as_ref().map(|f| f.path.clone()).unwrap_or_default();
    let Some(Ok(src)) = file.map(|f| shipped::read_to_string(&f.path)) else {
        if let Some(names) = &cfg.procedures {
            diags.push(
                config_at(
                    cfg,
                    names[0].span(),
                    format!(
                        "`procedure` names `{}`, but {} has no {FILE}",
                        names[0].get_ref(),
                        folder.describe()
                    ),
                )
                .help("procedures are defined in the rule folder's procedures.toml (docs/PROCEDURES.md)"),
            );
        }
        for (name, v) in &cfg.parameters {
            diags.push(config_at(
                cfg,
                v.span(),
                format!("parameter `{name}` is set, but the rule folder has no {FILE}"),
            ));
        }
        return Library::default();
    };
    record(files, &path, src.as_bytes());
    let shown = display_path(&path);
    let raw: RawLibrary = match toml::from_str(&src) {
        Ok(r) => r,
        Err(e) => {
            diags.push(crate::config::toml_diagnostic(&shown, &src, &e));
            return Library::default();
        }
    };
    let at = |span: std::ops::Range<usize>, msg: String| {
        Diagnostic::new(&shown, msg).at_offset(&src, span.start)
    };
    let numbering = Numbering {
        time_limits: raw.numbering.time_limits,
        escalation_rules: raw.numbering.escalation_rules,
        source: raw.numbering.source.unwrap_or_default(),
    };
    let stems = |sub: &str| -> Vec<String> {
        folder
            .files(sub, &["toml"])
            .iter()
            .filter_map(|f| {
                f.path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .map(str::to_owned)
            })
            .collect()
    };
    let (sla_files, duty_files) = (stems("sla"), stems("duties"));
    let mut bundles: Vec<Bundle> = Vec::new();
    for b in raw.procedure {
        let id = b.id.get_ref().clone();
        if bundles.iter().any(|x| x.id == id) {
            diags.push(at(b.id.span(), format!("a second procedure `{id}`")));
            continue;
        }
        if b.default && bundles.iter().any(|x| x.default) {
            diags.push(at(
                b.id.span(),
                format!(
                    "procedure `{id}` is a second `default`; one bundle at most is the default"
                ),
            ));
        }
        // Names that are not files are reported here, against this file, and left out, so the
        // preset loader does not report them again against the config.
        let mut check = |names: Vec<Spanned<String>>, available: &[String], what: &str| {
            let mut kept = Vec::new();
            for n in names {
                if available.contains(n.get_ref()) {
                    kept.push(n.into_inner());
                } else {
                    diags.push(
                        at(
                            n.span(),
                            format!(
                                "procedure `{id}` names {what} `{}`, which is not a file",
                                n.get_ref()
                            ),
                        )
                        .help(suggest(
                            n.get_ref(),
                            available.iter().map(String::as_str),
                            "files",
                        )),
                    );
                }
            }
            kept
        };
        let presets = check(b.presets, &sla_files, "SLA preset");
        let duties = check(b.duties, &duty_files, "duty preset");
        bundles.push(Bundle {
            title_en: b.title_en.unwrap_or_else(|| b.title.clone()),
            title: b.title,
            source: b.source.unwrap_or_default(),
            default: b.default,
            presets,
            duties,
            id,
        });
    }
    let mut gaps: Vec<Gap> = Vec::new();
    for g in raw.gap {
        for r in &g.refs {
            if !numbering.contains(r.get_ref()) {
                diags.push(at(
                    r.span(),
                    format!(
                        "`{}` is not a number of the sources (T01-T{:02}, E01-E{:02})",
                        r.get_ref(),
                        numbering.time_limits,
                        numbering.escalation_rules
                    ),
                ));
            } else if gaps.iter().any(|x| x.refs.contains(r.get_ref())) {
                diags.push(at(
                    r.span(),
                    format!("`{}` is listed as a gap twice", r.get_ref()),
                ));
            }
        }
        gaps.push(Gap {
            refs: g.refs.into_iter().map(Spanned::into_inner).collect(),
            procedure: g.procedure,
            rule: g.rule,
            reason: g.reason,
            needs: g.needs,
            source: g.source,
        });
    }
    let mut parameters = Vec::new();
    for (name, p) in raw.parameters {
        let span = p.span();
        let p = p.into_inner();
        if let Err(e) = parse_limit(&p.value, WorkingDays::EndOfDay) {
            diags.push(at(span, format!("parameter `{name}`: {e}")));
        }
        let set = cfg.parameters.get(&name);
        if let Some(v) = set
            && let Err(e) = parse_limit(v.get_ref(), WorkingDays::EndOfDay)
        {
            diags.push(config_at(cfg, v.span(), format!("parameter `{name}`: {e}")));
        }
        parameters.push(Parameter {
            value: set.map_or_else(|| p.value.clone(), |v| v.get_ref().clone()),
            default: p.value,
            from_config: set.is_some(),
            label_en: p.label_en.unwrap_or_else(|| p.label.clone()),
            label: p.label,
            source: p.source,
            name,
        });
    }
    for (name, v) in &cfg.parameters {
        if !parameters.iter().any(|p| p.name == *name) {
            diags.push(
                config_at(
                    cfg,
                    v.span(),
                    format!("no parameter `{name}` in {}", shown.display()),
                )
                .help(suggest(
                    name,
                    parameters.iter().map(|p| p.name.as_str()),
                    "parameters",
                )),
            );
        }
    }
    Library {
        path: Some(path),
        numbering,
        bundles,
        gaps,
        parameters,
    }
}

impl Library {
    /// A bundle by id.
    pub fn bundle(&self, id: &str) -> Option<&Bundle> {
        self.bundles.iter().find(|b| b.id == id)
    }

    /// A parameter by name.
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// `r` is a T or E number of the sources (any such number when there is no library).
    pub fn check_ref(&self, r: &str) -> Result<(), String> {
        let shaped = r.len() == 3
            && (r.starts_with('T') || r.starts_with('E'))
            && r[1..].bytes().all(|b| b.is_ascii_digit());
        let known = self.path.is_none() || self.numbering.contains(r);
        if shaped && known {
            Ok(())
        } else if self.path.is_none() {
            Err(format!(
                "`{r}` is not a T or E number such as `T05` or `E26`"
            ))
        } else {
            Err(format!(
                "`{r}` is not a number of the sources (T01-T{:02}, E01-E{:02})",
                self.numbering.time_limits, self.numbering.escalation_rules
            ))
        }
    }

    /// A limit as written in a preset: the limit grammar, or `param:<name>`.
    pub fn limit(&self, text: &str, wd: WorkingDays) -> Result<ResolvedLimit, String> {
        match text.trim().strip_prefix(PARAM_PREFIX) {
            None => parse_limit(text, wd).map(|limit| ResolvedLimit {
                limit,
                parameter: None,
            }),
            Some(name) => {
                let name = name.trim();
                let p = self.parameter(name).ok_or_else(|| {
                    format!(
                        "no parameter `{name}` ({})",
                        suggest(
                            name,
                            self.parameters.iter().map(|p| p.name.as_str()),
                            "parameters"
                        )
                    )
                })?;
                parse_limit(&p.value, wd)
                    .map(|limit| ResolvedLimit {
                        limit,
                        parameter: Some(p.name.clone()),
                    })
                    .map_err(|e| format!("parameter `{name}`: {e}"))
            }
        }
    }

    /// Which preset files to load (see the module documentation for the order).
    pub fn select(&self, cfg: &Config, diags: &mut Diagnostics) -> Selection {
        let named: Vec<&Bundle> = match &cfg.procedures {
            Some(names) => names
                .iter()
                .filter_map(|n| {
                    let b = self.bundle(n.get_ref());
                    if b.is_none() && self.path.is_some() {
                        diags.push(
                            config_at(cfg, n.span(), format!("no procedure `{}`", n.get_ref()))
                                .help(suggest(
                                    n.get_ref(),
                                    self.bundles
                                        .iter()
                                        .filter(|b| !b.default)
                                        .map(|b| b.id.as_str()),
                                    "procedures",
                                )),
                        );
                    }
                    b
                })
                .collect(),
            None => self.bundles.iter().filter(|b| b.default).collect(),
        };
        if named.is_empty() {
            return Selection {
                presets: cfg.sla.presets.clone(),
                duties: cfg.audit.duties.clone(),
            };
        }
        // A named procedure bounds the lists; the default bundle only stands in for them.
        let bounded = cfg.procedures.is_some();
        let pick = |listed: &Option<Vec<Spanned<String>>>,
                    of: fn(&Bundle) -> &Vec<String>,
                    key: &str,
                    diags: &mut Diagnostics| {
            let mut all: Vec<&String> = Vec::new();
            for b in &named {
                for x in of(b) {
                    if !all.contains(&x) {
                        all.push(x);
                    }
                }
            }
            match listed {
                Some(list) if bounded => {
                    for n in list {
                        if !all.contains(&n.get_ref()) {
                            let ids: Vec<&str> = named.iter().map(|b| b.id.as_str()).collect();
                            diags.push(
                                config_at(
                                    cfg,
                                    n.span(),
                                    format!(
                                        "`{key}` names `{}`, which procedure {} does not include",
                                        n.get_ref(),
                                        ids.join(", ")
                                    ),
                                )
                                .help(format!(
                                    "it includes {}; name another procedure, or add it to a bundle in the rule folder's {FILE}",
                                    all.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                                )),
                            );
                        }
                    }
                    Some(list.clone())
                }
                Some(list) => Some(list.clone()),
                None => Some(
                    all.into_iter()
                        .map(|s| Spanned::new(0..0, s.clone()))
                        .collect(),
                ),
            }
        };
        Selection {
            presets: pick(&cfg.sla.presets, |b| &b.presets, "sla.presets", diags),
            duties: pick(&cfg.audit.duties, |b| &b.duties, "audit.duties", diags),
        }
    }
}

#[cfg(test)]
mod tests;
