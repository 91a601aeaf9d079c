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
//! implements = ["T05"]              # the numbered time limits of the sources it checks
//! on_reopen = "keep"                # or "restart"
//! on_level_change = "keep"          # or "restart"
//! ```
//!
//! Limits: `N minutes|hours|days` (calendar time; a day is 24 h), `N working minutes|hours`
//! (a working-time budget on the calendar), `N working days` (end of the Nth working day after
//! the day the clock starts, or N × the day length with `working_days = "duration"`),
//! `same day` (by the end of the local day the clock starts), `immediately` (0 minutes), or
//! `param:<name>`, a parameter of the procedure library that the company sets.
//!
//! `when` keys are fields, rule outputs or carried-through columns, or `event:<type>` with
//! `happened` / `not_happened` (the complaint's timeline shows that event by `--as-of`).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::limit::{Limit, WorkingDays};
use super::selection::TargetSelection;
use super::{
    OneOrMany, Preset, PresetFile, check_event, check_implements, check_when_event, known_events,
    labels, read_selected,
};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean, display_path};
use crate::pipeline::rules::RuleFile;
use crate::pipeline::rules::engine::RuleEnv;
use crate::pipeline::rules::procedures::Library;
use crate::shipped::Layered;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPreset {
    title: Option<String>,
    title_en: Option<String>,
    source: Option<String>,
    #[serde(default)]
    target: Vec<Spanned<RawTarget>>,
}

super::preset_header!(RawPreset);

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
    #[serde(default)]
    implements: Vec<Spanned<String>>,
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
    /// The numbered time limits (and escalation rules) of the sources it checks.
    pub implements: Vec<String>,
    /// Field → accepted values; all must hold. `event:<type>` keys hold `happened` or
    /// `not_happened`.
    pub when: Vec<(String, Vec<String>)>,
    /// Clock start.
    pub start: Start,
    /// Stop events (the first that happens stops the clock).
    pub stop: Vec<String>,
    /// Limit, unless the record carries a deadline.
    pub limit: Option<Limit>,
    /// The library parameter the limit is read from (`limit = "param:<name>"`).
    pub parameter: Option<String>,
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

/// Loads the targets `selection` chooses ([`TargetSelection`]: the procedure bundle's or the
/// config's presets, then targets by name, then those switched off) from the presets in the
/// rule folder's `sla/`.
pub fn load(
    folder: &Layered,
    selection: &TargetSelection,
    cfg: &Config,
    env: &RuleEnv,
    library: &Library,
    files: &mut Vec<RuleFile>,
    diags: &mut Diagnostics,
) -> Option<TargetSet> {
    let known_events = known_events(cfg, &[]);
    let selected: Vec<PresetFile<RawPreset>> = read_selected(
        folder,
        "sla",
        selection.files_to_read(),
        "SLA preset",
        cfg,
        diags,
    );
    let defined: Vec<(String, String)> = selected
        .iter()
        .flat_map(|f| {
            f.raw
                .target
                .iter()
                .map(|t| (f.preset.name.clone(), t.get_ref().name.get_ref().clone()))
        })
        .collect();
    selection.check(&defined, cfg, diags);
    let before = diags.0.len();
    let mut set = TargetSet::default();
    let mut raw_after: Vec<(usize, Spanned<String>, usize)> = Vec::new();
    let mut sources: Vec<(std::path::PathBuf, String)> = Vec::new();
    let mut fi = 0;
    for file in selected {
        let preset = file.preset.name.clone();
        // A preset none of whose targets is chosen is not part of the rule set.
        if !file
            .raw
            .target
            .iter()
            .any(|t| selection.loads(&preset, t.get_ref().name.get_ref()))
        {
            continue;
        }
        file.record(files);
        set.presets.push(file.preset.clone());
        let (raw, file) = file.split();
        for t in raw.target {
            if !selection.loads(&preset, t.get_ref().name.get_ref()) {
                continue;
            }
            let span = t.span();
            let t = t.into_inner();
            let at = |sp: std::ops::Range<usize>, msg: String| file.at(sp, msg);
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
            let resolved = match &t.limit {
                None => None,
                Some(l) => match library.limit(l.get_ref(), wd) {
                    Ok(l) => Some(l),
                    Err(e) => {
                        diags.push(at(l.span(), e));
                        None
                    }
                },
            };
            let (limit, parameter) = match resolved {
                Some(r) => (Some(r.limit), r.parameter),
                None => (None, None),
            };
            if limit.is_none() && t.deadline_field.is_none() && t.limit.is_none() {
                diags.push(at(
                    span.clone(),
                    format!("target `{name}` has neither `limit` nor `deadline_field`"),
                ));
            }
            if t.deadline_field.as_deref() == Some(crate::model::Field::Text.name()) {
                // The free text is not in the rows the clocks read (see `check_when_event`).
                diags.push(at(
                    span.clone(),
                    format!("target `{name}`: `deadline_field` cannot be `text` (the free text); name the column that holds the due time"),
                ));
            }
            let check_event = |e: &Spanned<String>, diags: &mut Diagnostics| {
                check_event(&file, e.get_ref(), e.span(), &known_events, diags)
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
                    raw_after.push((set.targets.len(), a.clone(), fi));
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
            for (k, v) in &t.when {
                check_when_event(
                    &file,
                    k,
                    &v.clone().into_vec(),
                    span.clone(),
                    &known_events,
                    diags,
                );
            }
            check_implements(&file, &t.implements, library, diags);
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
            let (label, label_en) = labels(&name, t.label.as_ref(), t.label_en.as_ref());
            set.targets.push(Target {
                label,
                label_en,
                name,
                preset: preset.clone(),
                source: t.source,
                implements: t.implements.into_iter().map(Spanned::into_inner).collect(),
                when: t.when.into_iter().map(|(k, v)| (k, v.into_vec())).collect(),
                start,
                stop,
                limit,
                parameter,
                deadline_field: t.deadline_field,
                calendar: t.calendar.map(Spanned::into_inner),
                pause: t.pause.map(Spanned::into_inner),
                resume: t.resume.map(Spanned::into_inner),
                warn_at: t.warn_at.map(Spanned::into_inner),
                on_reopen,
                on_level_change,
            });
        }
        sources.push((file.preset.path, file.src));
        fi += 1;
    }
    for (i, a, fi) in raw_after {
        let (path, src) = &sources[fi];
        match set.index(a.get_ref()) {
            Some(j) if j != i => set.targets[i].start = Start::After(j),
            _ => {
                let names: Vec<&str> = set.targets.iter().map(|t| t.name.as_str()).collect();
                let why = if selection.off.iter().any(|o| o.get_ref() == a.get_ref()) {
                    "which `sla.targets_off` switches off"
                } else {
                    "which is not a loaded target"
                };
                let mut d = Diagnostic::new(
                    display_path(path),
                    format!("`after` names `{}`, {why}", a.get_ref()),
                )
                .at_offset(src, a.span().start);
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
