//! Which SLA targets a run loads. One model, in this order:
//!
//! 1. presets: every target of the presets named in `[sla] presets` (every preset of the rule
//!    folder when neither `presets` nor `targets` is set);
//! 2. targets by name: `[sla] targets` adds single targets from any preset (with `targets` and
//!    no `presets`, only the named targets load);
//! 3. switched off: `[sla] targets_off` removes targets the first two steps chose (a preset's
//!    companion target that the export cannot feed).
//!
//! The procedure library (`procedures.rs`) chooses the presets of step 1: a named bundle's (and
//! `[sla] presets` within it), or the default bundle's when the config names none
//! ([`TargetSelection::for_run`]).

use toml::Spanned;

use super::config_name_diagnostic;
use crate::config::Config;
use crate::diagnostic::Diagnostics;

/// The targets chosen, before their files are read.
#[derive(Debug, Clone, Default)]
pub struct TargetSelection {
    /// Presets whose targets all load (`None`: every preset, unless `targets` is set).
    pub presets: Option<Vec<Spanned<String>>>,
    /// Targets loaded by name, from any preset.
    pub targets: Option<Vec<Spanned<String>>>,
    /// Targets not loaded although chosen above.
    pub off: Vec<Spanned<String>>,
}

impl TargetSelection {
    /// The selection the config makes.
    pub fn from_config(cfg: &Config) -> TargetSelection {
        TargetSelection {
            presets: cfg.sla.presets.clone(),
            targets: cfg.sla.targets.clone(),
            off: cfg.sla.targets_off.clone(),
        }
    }

    /// The selection of a run, whose presets the procedure library chose (`presets`: the named
    /// bundles' presets, or the config's `[sla] presets` within them, or the default bundle's).
    /// With targets named and neither a procedure nor presets, only those targets load.
    pub fn for_run(cfg: &Config, presets: Option<Vec<Spanned<String>>>) -> TargetSelection {
        let targets_only =
            cfg.procedures.is_none() && cfg.sla.presets.is_none() && cfg.sla.targets.is_some();
        TargetSelection {
            presets: if targets_only { None } else { presets },
            ..TargetSelection::from_config(cfg)
        }
    }

    /// The preset files to read: the named presets, or every one (`None`) when targets are
    /// chosen by name (they may live in any preset) or nothing is named.
    pub fn files_to_read(&self) -> Option<&[Spanned<String>]> {
        match &self.targets {
            Some(_) => None,
            None => self.presets.as_deref(),
        }
    }

    /// True when target `target` of preset `preset` loads.
    pub fn loads(&self, preset: &str, target: &str) -> bool {
        self.chosen(preset, target) && !self.off.iter().any(|o| o.get_ref() == target)
    }

    /// True when steps 1 and 2 choose the target (before switching off).
    fn chosen(&self, preset: &str, target: &str) -> bool {
        let by_preset = self
            .presets
            .as_ref()
            .is_some_and(|p| p.iter().any(|n| n.get_ref() == preset));
        match &self.targets {
            None => self.presets.is_none() || by_preset,
            Some(t) => by_preset || t.iter().any(|n| n.get_ref() == target),
        }
    }

    /// Reports names that choose nothing: a target in `targets` that no preset defines, and
    /// one in `targets_off` that was not chosen. `defined` lists every (preset, target) read.
    pub fn check(&self, defined: &[(String, String)], cfg: &Config, diags: &mut Diagnostics) {
        let all: Vec<&str> = defined.iter().map(|(_, t)| t.as_str()).collect();
        for name in self.targets.iter().flatten() {
            if !all.contains(&name.get_ref().as_str()) {
                diags.push(config_name_diagnostic(
                    cfg,
                    name,
                    format!(
                        "`sla.targets` names `{}`, which no preset defines",
                        name.get_ref()
                    ),
                    &all,
                    "targets",
                ));
            }
        }
        let chosen: Vec<&str> = defined
            .iter()
            .filter(|(p, t)| self.chosen(p, t))
            .map(|(_, t)| t.as_str())
            .collect();
        for name in &self.off {
            if !chosen.contains(&name.get_ref().as_str()) {
                diags.push(config_name_diagnostic(
                    cfg,
                    name,
                    format!(
                        "`sla.targets_off` names `{}`, which is not among the targets loaded",
                        name.get_ref()
                    ),
                    &chosen,
                    "loaded targets",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Option<Vec<Spanned<String>>> {
        Some(
            v.iter()
                .map(|s| Spanned::new(0..0, (*s).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn presets_then_targets_then_switched_off() {
        let all = TargetSelection::default();
        assert!(all.loads("three_level", "contact_24h"));
        let presets = TargetSelection {
            presets: names(&["three_level"]),
            ..TargetSelection::default()
        };
        assert!(presets.loads("three_level", "contact_24h"));
        assert!(!presets.loads("followup", "follow_up_3d"));
        let plus = TargetSelection {
            targets: names(&["follow_up_3d"]),
            ..presets.clone()
        };
        assert!(plus.loads("followup", "follow_up_3d"));
        assert!(plus.loads("three_level", "reply_5wd"));
        assert!(!plus.loads("followup", "other"));
        assert_eq!(plus.files_to_read().map(<[_]>::len), None);
        let only = TargetSelection {
            targets: names(&["resolve_7wd"]),
            ..TargetSelection::default()
        };
        assert!(only.loads("resolution", "resolve_7wd"));
        assert!(!only.loads("three_level", "reply_5wd"));
        let off = TargetSelection {
            off: names(&["contact_24h"]).unwrap(),
            ..presets
        };
        assert!(!off.loads("three_level", "contact_24h"));
        assert!(off.loads("three_level", "reply_5wd"));
    }
}
