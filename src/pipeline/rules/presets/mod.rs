//! The procedure presets of a rule folder: SLA targets in `rules/sla/` and escalation duties in
//! `rules/duties/`. Both are folders of TOML files selected by name in the config
//! (`[sla] presets`, `[audit] duties`; every file when the key is absent), read the same way:
//! this module selects and reads the files, [`targets`] and [`duties`] validate their contents,
//! and [`limit`] is the time-limit grammar both use.

pub mod duties;
pub mod limit;
pub mod selection;
pub mod targets;

use std::path::PathBuf;

use serde::de::DeserializeOwned;
use toml::Spanned;

use super::RuleFile;
use super::procedures::Library;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean, display_path};
use crate::shipped::{self, Layered};

/// Canonical event names targets and duties may start, stop or act on (`[event_log.types]`
/// adds your own; see `docs/AUDIT.md`).
pub const EVENTS: &[&str] = &[
    "received",
    "acknowledged",
    "dispatched",
    "on_site",
    "resolved",
    "replied",
    "follow_up",
    "closed",
    "registered",
    "escalated",
    "reopened",
    "extension_explained",
    "paused",
    "resumed",
    "level_changed",
    "second_handling",
    "look_back",
    "referred",
    "agreed",
    "alerted",
    "inspection_reported",
    "surveyed",
    "follow_up_declined",
    "apologized",
    "review_requested",
    "reviewed",
    "upgrade_requested",
    "quality_failed",
    "accountability",
    "approved",
    "written_report",
    "manager_requested",
    "logged",
    "coordinated",
];

/// A name or a list of names, as preset and test files write them (`stop = "replied"` or
/// `stop = ["replied", "on_site"]`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One name.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The names.
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A `when` key on the complaint's events: `"event:second_handling" = "happened"`.
pub const EVENT_CONDITION: &str = "event:";

/// The values of an event condition: the event is on the complaint's timeline by `--as-of`,
/// or it is not.
pub const HAPPENED: [&str; 2] = ["happened", "not_happened"];

/// The value an event condition compares with.
pub fn happened(yes: bool) -> &'static str {
    if yes { HAPPENED[0] } else { HAPPENED[1] }
}

/// The event names a preset may use: the canonical ones, `extra`, and the types the config
/// maps its own operation names to.
pub fn known_events(cfg: &Config, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = EVENTS
        .iter()
        .chain(extra)
        .map(|s| (*s).to_owned())
        .collect();
    for kind in cfg.event_log.types.values() {
        if !v.contains(kind) {
            v.push(kind.clone());
        }
    }
    v
}

/// A loaded preset file (an SLA procedure or a set of duties).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Preset {
    /// File stem.
    pub name: String,
    /// Title.
    pub title: String,
    /// English title.
    pub title_en: String,
    /// Source procedure.
    pub source: Option<String>,
    /// The file.
    #[serde(skip)]
    pub path: PathBuf,
}

/// What every preset file has at its top: a title and the procedure it cites.
pub trait PresetHeader {
    /// `title`.
    fn title(&self) -> Option<&String>;
    /// `title_en`.
    fn title_en(&self) -> Option<&String>;
    /// `source`.
    fn source(&self) -> Option<&String>;
}

/// Implements [`PresetHeader`] for a raw preset struct with `title`, `title_en` and `source`.
macro_rules! preset_header {
    ($raw:ty) => {
        impl $crate::pipeline::rules::presets::PresetHeader for $raw {
            fn title(&self) -> Option<&String> {
                self.title.as_ref()
            }
            fn title_en(&self) -> Option<&String> {
                self.title_en.as_ref()
            }
            fn source(&self) -> Option<&String> {
                self.source.as_ref()
            }
        }
    };
}
pub(crate) use preset_header;

/// One preset file, read and parsed.
pub struct PresetFile<R> {
    /// Its header.
    pub preset: Preset,
    /// The path as shown in messages.
    pub shown: PathBuf,
    /// Its text (diagnostics point into it).
    pub src: String,
    /// Its contents.
    pub raw: R,
}

impl<R> PresetFile<R> {
    /// Its contents, and the rest without them (to point diagnostics into it while the contents
    /// are taken apart).
    pub fn split(self) -> (R, PresetFile<()>) {
        let PresetFile {
            preset,
            shown,
            src,
            raw,
        } = self;
        (
            raw,
            PresetFile {
                preset,
                shown,
                src,
                raw: (),
            },
        )
    }

    /// Records the file among those the rule set was built from (for the manifest).
    pub fn record(&self, files: &mut Vec<RuleFile>) {
        files.push(RuleFile {
            path: self.shown.display().to_string(),
            sha256: crate::output::sha256_hex(self.src.as_bytes()),
        });
    }

    /// A diagnostic at a byte offset of the file.
    pub fn at(&self, span: std::ops::Range<usize>, msg: String) -> Diagnostic {
        Diagnostic::new(&self.shown, msg).at_offset(&self.src, span.start)
    }
}

/// A problem with a name the config lists, pointing at it in the config file, with a
/// did-you-mean among `names` (or the list of them, introduced by `what`).
pub fn config_name_diagnostic(
    cfg: &Config,
    name: &Spanned<String>,
    msg: String,
    names: &[&str],
    what: &str,
) -> Diagnostic {
    config_at(cfg, name.span(), msg).help(suggest(name.get_ref(), names.iter().copied(), what))
}

/// A diagnostic pointing at `span` of the config file (the file is read only for it).
pub fn config_at(cfg: &Config, span: std::ops::Range<usize>, msg: String) -> Diagnostic {
    let mut d = Diagnostic::new(
        cfg.path.as_deref().map(display_path).unwrap_or_default(),
        msg,
    );
    // Names that did not come from the file (a test case's selection) have an empty span.
    if let Some(src) = cfg
        .path
        .as_deref()
        .filter(|_| !span.is_empty())
        .and_then(|p| std::fs::read_to_string(p).ok())
    {
        d = d.at_offset(&src, span.start);
    }
    d
}

/// "did you mean `x`?" for `word` among `names`, else the list of them introduced by `what`.
pub fn suggest<'a>(word: &str, names: impl Iterator<Item = &'a str> + Clone, what: &str) -> String {
    match did_you_mean(word, names.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("{what}: {}", names.collect::<Vec<_>>().join(", ")),
    }
}

/// Reads the presets in `sub` (`sla`, `duties`) of the rule folder that `selection` names (all
/// of them when `None`), in selection order, reporting names that match no file (`what`: "SLA
/// preset", "duty preset") and files that do not parse. The caller records the files it uses
/// ([`PresetFile::record`]).
pub fn read_selected<R: DeserializeOwned + PresetHeader>(
    folder: &Layered,
    sub: &str,
    selection: Option<&[Spanned<String>]>,
    what: &str,
    cfg: &Config,
    diags: &mut Diagnostics,
) -> Vec<PresetFile<R>> {
    let available: Vec<PathBuf> = folder
        .files(sub, &["toml"])
        .into_iter()
        .map(|f| f.path)
        .collect();
    let stem = |p: &PathBuf| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned()
    };
    let names: Vec<String> = available.iter().map(&stem).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let selected: Vec<PathBuf> = match selection {
        None => available.clone(),
        Some(list) => list
            .iter()
            .filter_map(|name| {
                let found = available.iter().find(|p| stem(p) == *name.get_ref());
                if found.is_none() {
                    diags.push(config_name_diagnostic(
                        cfg,
                        name,
                        format!(
                            "{what} `{}` not found in {}",
                            name.get_ref(),
                            folder.describe_sub(sub)
                        ),
                        &names,
                        "presets",
                    ));
                }
                found.cloned()
            })
            .collect(),
    };
    let mut out = Vec::new();
    for path in selected {
        let shown = display_path(&path);
        let Ok(src) = shipped::read_to_string(&path) else {
            diags.push(Diagnostic::new(&shown, format!("cannot read the {what}")));
            continue;
        };
        let raw: R = match toml::from_str(&src) {
            Ok(r) => r,
            Err(e) => {
                diags.push(crate::config::toml_diagnostic(&shown, &src, &e));
                continue;
            }
        };
        let name = stem(&path);
        let preset = Preset {
            title: raw.title().cloned().unwrap_or_else(|| name.clone()),
            title_en: raw
                .title_en()
                .or(raw.title())
                .cloned()
                .unwrap_or_else(|| name.clone()),
            source: raw.source().cloned(),
            name,
            path,
        };
        out.push(PresetFile {
            preset,
            shown,
            src,
            raw,
        });
    }
    out
}

/// A target's or duty's Chinese and English labels: the name where none is given, the Chinese
/// label where no English one is.
pub fn labels(name: &str, label: Option<&String>, label_en: Option<&String>) -> (String, String) {
    (
        label.cloned().unwrap_or_else(|| name.to_owned()),
        label_en
            .or(label)
            .cloned()
            .unwrap_or_else(|| name.to_owned()),
    )
}

/// "unknown event" with a did-you-mean, at `span` of `file`, when `e` is not in `events`.
pub fn check_event<R>(
    file: &PresetFile<R>,
    e: &str,
    span: std::ops::Range<usize>,
    events: &[String],
    diags: &mut Diagnostics,
) {
    if events.iter().any(|x| x == e) {
        return;
    }
    let mut d = file.at(span, format!("unknown event `{e}`"));
    d = d.help(match did_you_mean(e, events.iter().map(String::as_str)) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!(
            "events: {} (add your own in the config's [event_log.types])",
            events.join(", ")
        ),
    });
    diags.push(d);
}

/// An `event:<type>` key of `when`: the type must be an event, the values `happened` or
/// `not_happened`. Other keys are fields and outputs, checked when the data is read.
pub fn check_when_event<R>(
    file: &PresetFile<R>,
    key: &str,
    values: &[String],
    span: std::ops::Range<usize>,
    events: &[String],
    diags: &mut Diagnostics,
) {
    if key == crate::model::Field::Text.name() {
        diags.push(file.at(span, free_text_condition()));
        return;
    }
    let Some(kind) = key.strip_prefix(EVENT_CONDITION) else {
        return;
    };
    check_event(file, kind, span.clone(), events, diags);
    for v in values {
        if !HAPPENED.contains(&v.as_str()) {
            diags.push(file.at(
                span.clone(),
                format!("`{key}` is `{v}`; expected `happened` or `not_happened`"),
            ));
        }
    }
}

/// Why `text` is not a `when` key: the free text is read by the classify rule only (it is kept
/// out of the complaint rows), which is also where a condition on it belongs.
pub fn free_text_condition() -> String {
    "`text` (the free text) cannot be a `when` condition: classify it in classify.rhai into \
     an output (a keyword table on `text`, say a `topic` output) and put that output in `when`"
        .into()
}

/// `implements = ["T05", "E26"]`: numbers of the sources' time limits and escalation rules.
pub fn check_implements<R>(
    file: &PresetFile<R>,
    implements: &[Spanned<String>],
    library: &Library,
    diags: &mut Diagnostics,
) {
    for r in implements {
        if let Err(e) = library.check_ref(r.get_ref()) {
            diags.push(file.at(r.span(), e));
        }
    }
}

#[cfg(test)]
mod tests;
