//! SLA target declarations: the preset files in `rules/sla/` (one per procedure), selected by
//! `[sla] presets` in the config. `docs/SLA.md` documents every key; in short:
//!
//! ```toml
//! title = "三级响应机制"
//! source = "002_d68379cf0cffd85a.txt L14"
//!
//! [[target]]
//! name = "reply_5wd"                # unique across the loaded presets
//! label = "Ⅲ级 5个工作日内答复"
//! when = { level = ["III"] }        # which complaints it applies to (any field or rule output)
//! start = "received"                # the event that starts the clock, or `after = "<target>"`
//! stop = ["replied"]                # the first of these events stops it
//! limit = "5 working days"          # see below
//! working_days = "end_of_day"       # or "duration" (N × the working-day length)
//! calendar = "cn_office"            # for working-time limits; default: the project's or the run's
//! pause = "paused"                  # optional pause/resume events (event log)
//! resume = "resumed"
//! deadline_field = "业主要求完成时间" # optional: a due time carried by the record wins
//! warn_at = 0.75                    # optional warning fraction
//! on_reopen = "keep"                # or "restart"
//! on_level_change = "keep"          # or "restart"
//! ```
//!
//! Limits: `N minutes|hours|days` (calendar time; a day is 24 h), `N working minutes|hours`
//! (a working-time budget on the calendar), `N working days` (end of the Nth working day after
//! the day the clock starts, or N × the day length with `working_days = "duration"`),
//! `same day` (by the end of the local day the clock starts), `immediately` (0 minutes).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean, display_path};
use crate::pipeline::rules::engine::RuleEnv;
use crate::pipeline::rules::{RuleFile, files_with};

/// Canonical event names targets may start or stop on (`[event_log.types]` adds your own; see
/// `docs/AUDIT.md`).
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
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPreset {
    title: Option<String>,
    title_en: Option<String>,
    source: Option<String>,
    #[serde(default)]
    target: Vec<Spanned<RawTarget>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: Spanned<String>,
    label: Option<String>,
    label_en: Option<String>,
    source: Option<String>,
    #[serde(default)]
    when: BTreeMap<String, OneOrMany>,
    start: Option<Spanned<String>>,
    after: Option<Spanned<String>>,
    stop: Spanned<OneOrMany>,
    limit: Option<Spanned<String>>,
    working_days: Option<Spanned<String>>,
    calendar: Option<Spanned<String>>,
    pause: Option<Spanned<String>>,
    resume: Option<Spanned<String>>,
    deadline_field: Option<String>,
    warn_at: Option<Spanned<f64>>,
    on_reopen: Option<Spanned<String>>,
    on_level_change: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// How "N working days" is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkingDays {
    /// The end of the Nth working day strictly after the day the clock starts.
    EndOfDay,
    /// A budget of N × the calendar's working-day length.
    Duration,
}

/// A time limit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Limit {
    /// Calendar seconds (minutes, hours, days of 24 h).
    Calendar {
        /// Seconds.
        secs: i64,
    },
    /// Working seconds on the target's calendar.
    Working {
        /// Seconds.
        secs: i64,
    },
    /// N working days.
    WorkingDays {
        /// N.
        days: u32,
        /// Reading.
        mode: WorkingDays,
    },
    /// By the end of the local day the clock starts.
    SameDay,
}

/// What to do when the record shows the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Keep the original clock.
    Keep,
    /// Restart the clock at the event.
    Restart,
}

/// Where the clock starts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Start {
    /// At the first occurrence of an event.
    Event(String),
    /// When another target (by index) stopped.
    After(usize),
}

/// A validated target.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Target {
    /// Unique name.
    pub name: String,
    /// Chinese label.
    pub label: String,
    /// English label.
    pub label_en: String,
    /// The preset (file stem) it comes from.
    pub preset: String,
    /// The procedure it implements.
    pub source: Option<String>,
    /// Field → accepted values; all must hold.
    pub when: Vec<(String, Vec<String>)>,
    /// Clock start.
    pub start: Start,
    /// Stop events (the first that happens stops the clock).
    pub stop: Vec<String>,
    /// Limit, unless the record carries a deadline.
    pub limit: Option<Limit>,
    /// A record field (canonical or carried-through column) holding a due time.
    pub deadline_field: Option<String>,
    /// Calendar override for working-time limits.
    pub calendar: Option<String>,
    /// Pause event.
    pub pause: Option<String>,
    /// Resume event.
    pub resume: Option<String>,
    /// Warning fraction of the limit.
    pub warn_at: Option<f64>,
    /// Reopened complaints.
    pub on_reopen: Policy,
    /// Level changes.
    pub on_level_change: Policy,
}

impl Target {
    /// True when the clock starts on the complaint's receipt (not a chained target).
    pub fn starts_at_receipt(&self) -> bool {
        self.start == Start::Event("received".into())
    }
}

/// A loaded preset.
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

/// The active targets, in evaluation order (a chained target after the one it follows).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TargetSet {
    /// Loaded presets.
    pub presets: Vec<Preset>,
    /// Targets.
    pub targets: Vec<Target>,
}

impl TargetSet {
    /// Index of a target by name.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.targets.iter().position(|t| t.name == name)
    }
}

/// Parses a limit such as `15 minutes`, `2 h`, `5 working days`, `same day`.
pub fn parse_limit(s: &str, working_days: WorkingDays) -> Result<Limit, String> {
    let t = s.trim().to_lowercase();
    match t.as_str() {
        "same day" | "当天" | "当日" => return Ok(Limit::SameDay),
        "immediately" | "立即" => return Ok(Limit::Calendar { secs: 0 }),
        _ => {}
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("cannot read limit `{s}`: expected e.g. `15 minutes`, `2 hours`, `3 days`, `5 working days`, `8 working hours`, `same day`"))?;
    if n < 0.0 {
        return Err(format!("limit `{s}` is negative"));
    }
    let unit = unit.trim();
    let (working, unit) = match unit.strip_prefix("working") {
        Some(rest) => (true, rest.trim()),
        None => match unit.strip_prefix("工作") {
            Some(rest) => (true, rest.trim()),
            None => (false, unit),
        },
    };
    let secs_per = match unit {
        "minute" | "minutes" | "min" | "mins" | "m" | "分钟" => 60.0,
        "hour" | "hours" | "h" | "hr" | "hrs" | "小时" => 3600.0,
        "day" | "days" | "d" | "天" | "日" => 86_400.0,
        _ => {
            return Err(format!(
                "unknown unit in limit `{s}` (use minutes, hours, days, working minutes, working hours or working days)"
            ));
        }
    };
    if working && secs_per == 86_400.0 {
        if n.fract() != 0.0 {
            return Err(format!("limit `{s}`: working days must be a whole number"));
        }
        return Ok(Limit::WorkingDays {
            days: n as u32,
            mode: working_days,
        });
    }
    let secs = (n * secs_per).round() as i64;
    Ok(if working {
        Limit::Working { secs }
    } else {
        Limit::Calendar { secs }
    })
}

/// Loads the selected presets from `dir`.
pub fn load(
    dir: &Path,
    cfg: &Config,
    env: &RuleEnv,
    _engine: &rhai::Engine,
    files: &mut Vec<RuleFile>,
    diags: &mut Diagnostics,
) -> Option<TargetSet> {
    let available = files_with(dir, &["toml"]);
    // Event names a target may use: the canonical ones plus the types the config maps its own
    // operation names to.
    let mut known_events: Vec<&str> = EVENTS.to_vec();
    for kind in cfg.event_log.types.values() {
        if !known_events.contains(&kind.as_str()) {
            known_events.push(kind.as_str());
        }
    }
    let stem = |p: &PathBuf| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned()
    };
    let selected: Vec<PathBuf> = match &cfg.sla.presets {
        None => available.clone(),
        Some(list) => {
            let mut v = Vec::new();
            for name in list {
                match available.iter().find(|p| stem(p) == *name.get_ref()) {
                    Some(p) => v.push(p.clone()),
                    None => {
                        let names: Vec<String> = available.iter().map(&stem).collect();
                        let mut d = Diagnostic::new(
                            cfg.path.as_deref().map(display_path).unwrap_or_default(),
                            format!(
                                "SLA preset `{}` not found in {}",
                                name.get_ref(),
                                display_path(dir).display()
                            ),
                        );
                        if let Some(src) = cfg
                            .path
                            .as_deref()
                            .and_then(|p| std::fs::read_to_string(p).ok())
                        {
                            d = d.at_offset(&src, name.span().start);
                        }
                        d = d.help(
                            match did_you_mean(name.get_ref(), names.iter().map(String::as_str)) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!("presets: {}", names.join(", ")),
                            },
                        );
                        diags.push(d);
                    }
                }
            }
            v
        }
    };
    let before = diags.0.len();
    let mut set = TargetSet::default();
    let mut raw_after: Vec<(usize, Spanned<String>, PathBuf, String)> = Vec::new();
    for path in &selected {
        let shown = display_path(path);
        let Ok(src) = std::fs::read_to_string(path) else {
            diags.push(Diagnostic::new(&shown, "cannot read the preset"));
            continue;
        };
        files.push(RuleFile {
            path: shown.display().to_string(),
            sha256: crate::output::sha256_hex(src.as_bytes()),
        });
        let raw: RawPreset = match toml::from_str(&src) {
            Ok(r) => r,
            Err(e) => {
                diags.push(crate::config::toml_diagnostic(&shown, &src, &e));
                continue;
            }
        };
        let preset = stem(path);
        set.presets.push(Preset {
            name: preset.clone(),
            title: raw.title.clone().unwrap_or_else(|| preset.clone()),
            title_en: raw
                .title_en
                .clone()
                .or(raw.title.clone())
                .unwrap_or_else(|| preset.clone()),
            source: raw.source.clone(),
            path: path.clone(),
        });
        for t in raw.target {
            let span = t.span();
            let t = t.into_inner();
            let at = |sp: std::ops::Range<usize>, msg: String| {
                Diagnostic::new(&shown, msg).at_offset(&src, sp.start)
            };
            let name = t.name.get_ref().clone();
            if set.index(&name).is_some() {
                diags.push(at(t.name.span(), format!("a second target named `{name}`")));
                continue;
            }
            let wd = match t
                .working_days
                .as_ref()
                .map(|w| (w.get_ref().as_str(), w.span()))
            {
                None | Some(("end_of_day", _)) => WorkingDays::EndOfDay,
                Some(("duration", _)) => WorkingDays::Duration,
                Some((other, sp)) => {
                    diags.push(at(
                        sp,
                        format!("`working_days` is `{other}`; expected `end_of_day` or `duration`"),
                    ));
                    WorkingDays::EndOfDay
                }
            };
            let limit = match &t.limit {
                None => None,
                Some(l) => match parse_limit(l.get_ref(), wd) {
                    Ok(l) => Some(l),
                    Err(e) => {
                        diags.push(at(l.span(), e));
                        None
                    }
                },
            };
            if limit.is_none() && t.deadline_field.is_none() && t.limit.is_none() {
                diags.push(at(
                    span.clone(),
                    format!("target `{name}` has neither `limit` nor `deadline_field`"),
                ));
            }
            let check_event = |e: &Spanned<String>, diags: &mut Diagnostics| {
                if !known_events.contains(&e.get_ref().as_str()) {
                    let mut d = at(e.span(), format!("unknown event `{}`", e.get_ref()));
                    if let Some(s) = did_you_mean(e.get_ref(), known_events.iter().copied()) {
                        d = d.help(format!("did you mean `{s}`?"));
                    } else {
                        d = d.help(format!(
                            "events: {} (add your own in the config's [event_log.types])",
                            known_events.join(", ")
                        ));
                    }
                    diags.push(d);
                }
            };
            for p in [&t.pause, &t.resume].into_iter().flatten() {
                check_event(p, diags);
            }
            if t.pause.is_some() != t.resume.is_some() {
                diags.push(at(
                    span.clone(),
                    format!("target `{name}` declares only one of `pause` and `resume`; a pause needs both"),
                ));
            }
            let start = match (&t.start, &t.after) {
                (Some(s), None) => {
                    check_event(s, diags);
                    Start::Event(s.get_ref().clone())
                }
                (None, Some(a)) => {
                    raw_after.push((set.targets.len(), a.clone(), path.clone(), src.clone()));
                    Start::After(usize::MAX)
                }
                (Some(s), Some(_)) => {
                    diags.push(at(
                        s.span(),
                        format!("target `{name}` has both `start` and `after`; use one"),
                    ));
                    Start::Event(s.get_ref().clone())
                }
                (None, None) => Start::Event("received".into()),
            };
            let stop_span = t.stop.span();
            let stop = t.stop.into_inner().into_vec();
            for s in &stop {
                check_event(&Spanned::new(stop_span.clone(), s.clone()), diags);
            }
            if let Some(c) = &t.calendar
                && !env.calendars.contains_key(c.get_ref())
            {
                let mut names: Vec<&str> = env.calendars.keys().map(String::as_str).collect();
                names.sort_unstable();
                diags.push(
                    at(c.span(), format!("unknown calendar `{}`", c.get_ref())).help(
                        match did_you_mean(c.get_ref(), names.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("calendars: {}", names.join(", ")),
                        },
                    ),
                );
            }
            if let Some(w) = &t.warn_at
                && !(0.0..=1.0).contains(w.get_ref())
            {
                diags.push(at(
                    w.span(),
                    format!(
                        "`warn_at` is {}; expected a fraction between 0 and 1",
                        w.get_ref()
                    ),
                ));
            }
            let policy = |p: &Option<Spanned<String>>, key: &str, diags: &mut Diagnostics| match p
                .as_ref()
                .map(|p| (p.get_ref().as_str(), p.span()))
            {
                None | Some(("keep", _)) => Policy::Keep,
                Some(("restart", _)) => Policy::Restart,
                Some((other, sp)) => {
                    diags.push(at(
                        sp,
                        format!("`{key}` is `{other}`; expected `keep` or `restart`"),
                    ));
                    Policy::Keep
                }
            };
            let on_reopen = policy(&t.on_reopen, "on_reopen", diags);
            let on_level_change = policy(&t.on_level_change, "on_level_change", diags);
            set.targets.push(Target {
                label: t.label.clone().unwrap_or_else(|| name.clone()),
                label_en: t
                    .label_en
                    .clone()
                    .or(t.label.clone())
                    .unwrap_or_else(|| name.clone()),
                name,
                preset: preset.clone(),
                source: t.source,
                when: t.when.into_iter().map(|(k, v)| (k, v.into_vec())).collect(),
                start,
                stop,
                limit,
                deadline_field: t.deadline_field,
                calendar: t.calendar.map(Spanned::into_inner),
                pause: t.pause.map(Spanned::into_inner),
                resume: t.resume.map(Spanned::into_inner),
                warn_at: t.warn_at.map(Spanned::into_inner),
                on_reopen,
                on_level_change,
            });
        }
    }
    for (i, a, path, src) in raw_after {
        match set.index(a.get_ref()) {
            Some(j) if j != i => set.targets[i].start = Start::After(j),
            _ => {
                let names: Vec<&str> = set.targets.iter().map(|t| t.name.as_str()).collect();
                let mut d = Diagnostic::new(
                    display_path(&path),
                    format!(
                        "`after` names `{}`, which is not a loaded target",
                        a.get_ref()
                    ),
                )
                .at_offset(&src, a.span().start);
                if let Some(s) = did_you_mean(a.get_ref(), names.iter().copied()) {
                    d = d.help(format!("did you mean `{s}`?"));
                }
                diags.push(d);
            }
        }
    }
    if diags.0.len() > before {
        return None;
    }
    order_chains(&mut set, diags)?;
    Some(set)
}

/// Sorts targets so each chained target comes after the one it follows; reports cycles.
fn order_chains(set: &mut TargetSet, diags: &mut Diagnostics) -> Option<()> {
    let n = set.targets.len();
    let mut order = Vec::with_capacity(n);
    let mut state = vec![0u8; n];
    fn visit(i: usize, set: &TargetSet, state: &mut [u8], order: &mut Vec<usize>) -> bool {
        match state[i] {
            1 => return false,
            2 => return true,
            _ => {}
        }
        state[i] = 1;
        if let Start::After(j) = set.targets[i].start
            && !visit(j, set, state, order)
        {
            return false;
        }
        state[i] = 2;
        order.push(i);
        true
    }
    for i in 0..n {
        if !visit(i, set, &mut state, &mut order) {
            diags.push(Diagnostic::new(
                "rules/sla",
                format!(
                    "targets chained with `after` form a cycle through `{}`",
                    set.targets[i].name
                ),
            ));
            return None;
        }
    }
    let remap: Vec<usize> = {
        let mut r = vec![0; n];
        for (new, old) in order.iter().enumerate() {
            r[*old] = new;
        }
        r
    };
    let mut targets: Vec<Target> = order.iter().map(|&i| set.targets[i].clone()).collect();
    for t in &mut targets {
        if let Start::After(j) = t.start {
            t.start = Start::After(remap[j]);
        }
    }
    set.targets = targets;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_in_english_and_chinese() {
        let e = WorkingDays::EndOfDay;
        assert_eq!(
            parse_limit("15 minutes", e),
            Ok(Limit::Calendar { secs: 900 })
        );
        assert_eq!(parse_limit("2h", e), Ok(Limit::Calendar { secs: 7200 }));
        assert_eq!(
            parse_limit("3 days", e),
            Ok(Limit::Calendar { secs: 259_200 })
        );
        assert_eq!(
            parse_limit("24 小时", e),
            Ok(Limit::Calendar { secs: 86_400 })
        );
        assert_eq!(
            parse_limit("8 working hours", e),
            Ok(Limit::Working { secs: 28_800 })
        );
        assert_eq!(
            parse_limit("5 working days", WorkingDays::Duration),
            Ok(Limit::WorkingDays {
                days: 5,
                mode: WorkingDays::Duration
            })
        );
        assert_eq!(
            parse_limit("5 工作日", e),
            Ok(Limit::WorkingDays { days: 5, mode: e })
        );
        assert_eq!(parse_limit("same day", e), Ok(Limit::SameDay));
        assert_eq!(
            parse_limit("immediately", e),
            Ok(Limit::Calendar { secs: 0 })
        );
        assert!(parse_limit("5 fortnights", e).is_err());
        assert!(parse_limit("1.5 working days", e).is_err());
    }
}
