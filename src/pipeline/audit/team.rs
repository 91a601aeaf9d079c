//! The team duties: runs of consecutive overdue complaints per team and month, and whether
//! the team's leader (or the named roles) acted on them in time. Fed chunk by chunk
//! ([`TeamMarks`]) while the complaints are assessed; judged after the last chunk.

use std::collections::HashMap;

use super::{AuditFinding, AuditOptions, AuditStatus, add_limit, any_role, limit_text, role_of};
use crate::model::{Field, Id, Origin};
use crate::pipeline::events::{Event, EventLog, EventRef, EventWindow};
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::Classified;
use crate::pipeline::rules::presets::duties::TeamDuty;
use crate::pipeline::sla::{Status, Verdict};
use crate::time::Ts;

/// What the team duties need of each complaint's verdicts, kept while the verdicts of a large
/// run are computed and dropped chunk by chunk.
#[derive(Debug, Clone, Default)]
pub struct TeamMarks {
    /// Per team duty, per complaint (in complaint order).
    marks: Vec<Vec<Mark>>,
    /// Per team duty, the logged events that could discharge it (its action, by the right
    /// person, seen by `as_of`), with their complaints, in complaint then log order: the log
    /// itself is read a chunk at a time.
    actions: Vec<Vec<(u32, Event)>>,
}

/// A complaint's standing on a team duty's targets, in 4 bytes (one per complaint and team
/// duty: 10 M complaints' marks were 160 MB as an enum holding a `Ts`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Mark(u32);

/// What a [`Mark`] says.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Standing {
    /// Breached or overdue: extends a run (with the due time of that verdict, 0 if none).
    Overdue(Ts),
    /// Met: ends a run.
    Met,
    /// Neither (open, not applicable): leaves a run as it is.
    Neither,
}

impl Mark {
    const MET: Mark = Mark(0);
    const NEITHER: Mark = Mark(1);
    /// Overdue without a due time.
    const OVERDUE_UNDATED: Mark = Mark(2);

    /// Overdue, due at `due` (seconds since 1970: complaint times are stored that way, see
    /// `StageTimes`). The codes 0–2 are taken, so a due time in 1970's first three seconds
    /// would read as the third (stage times start in 2000: none is); one past 2106 would read
    /// as the end of 2106.
    fn overdue(due: Option<Ts>) -> Mark {
        match due {
            None => Mark::OVERDUE_UNDATED,
            Some(t) => Mark(u32::try_from(t.max(3)).unwrap_or(u32::MAX)),
        }
    }

    fn standing(self) -> Standing {
        match self {
            Mark::MET => Standing::Met,
            Mark::NEITHER => Standing::Neither,
            Mark::OVERDUE_UNDATED => Standing::Overdue(0),
            Mark(t) => Standing::Overdue(Ts::from(t)),
        }
    }
}

impl TeamMarks {
    /// Records the complaints of a chunk (`verdicts` in complaint order, from the next
    /// complaint on).
    pub fn add(&mut self, rules: &RuleSet, verdicts: &[Vec<Verdict>]) {
        let duties = &rules.duties.team_duties;
        if self.marks.len() < duties.len() {
            self.marks.resize(duties.len(), Vec::new());
        }
        for (td, marks) in duties.iter().zip(&mut self.marks) {
            let idx: Vec<usize> = td
                .targets
                .iter()
                .filter_map(|t| rules.targets.index(t))
                .collect();
            marks.extend(verdicts.iter().map(|vs| {
                let of_duty = || vs.iter().filter(|v| idx.contains(&(v.target as usize)));
                match of_duty().find(|v| matches!(v.status, Status::Breached | Status::Overdue)) {
                    Some(v) => Mark::overdue(v.due),
                    None if of_duty().any(|v| v.status == Status::Met) => Mark::MET,
                    None => Mark::NEITHER,
                }
            }));
        }
    }

    /// Keeps the events of the complaints in `range` that could discharge a team duty.
    pub fn add_actions(
        &mut self,
        rules: &RuleSet,
        cls: &Classified,
        range: std::ops::Range<usize>,
        log: &EventWindow<'_>,
        opts: &AuditOptions<'_>,
    ) {
        let duties = &rules.duties.team_duties;
        if self.actions.len() < duties.len() {
            self.actions.resize(duties.len(), Vec::new());
        }
        if !log.logged {
            return;
        }
        for (td, acts) in duties.iter().zip(&mut self.actions) {
            for i in range.clone() {
                let Some(team) = cls.complaints[i].coded(Field::Team, &cls.dicts) else {
                    continue;
                };
                let leader = opts.roster.and_then(|r| r.leader_of(team));
                for e in log.at(i) {
                    if e.kind() != td.action.as_str() || e.at > opts.as_of {
                        continue;
                    }
                    let ok = if td.by_team_leader {
                        match (leader, e.actor().map(|a| a.as_str())) {
                            (Some(l), Some(a)) => {
                                a == l
                                    || e.note().map(|a| a.as_str()).is_some_and(|n| n.contains(l))
                            }
                            _ => role_of(e, opts.roster).is_some_and(|r| r.contains("班组长")),
                        }
                    } else {
                        any_role(role_of(e, opts.roster), &td.by_roles)
                    };
                    if ok {
                        acts.push((i as u32, (*e).clone()));
                    }
                }
            }
        }
    }

    /// The kept events with `origin` among `cited`.
    pub fn cited_actions<'a>(
        &'a self,
        cited: &'a rustc_hash::FxHashSet<Origin>,
    ) -> impl Iterator<Item = &'a Event> + 'a {
        self.actions
            .iter()
            .flatten()
            .map(|(_, e)| e)
            .filter(|e| cited.contains(&e.origin))
    }
}

/// The team duties: rows keyed by team and month, after every complaint's.
pub fn team_findings(
    rules: &RuleSet,
    cls: &Classified,
    marks: &TeamMarks,
    log: &EventLog,
    opts: &AuditOptions<'_>,
) -> Vec<AuditFinding> {
    let mut out = Vec::new();
    for (k, td) in rules.duties.team_duties.iter().enumerate() {
        let m = marks.marks.get(k).map_or(&[][..], Vec::as_slice);
        let acts = marks.actions.get(k).map_or(&[][..], Vec::as_slice);
        out.extend(team_duty(td, cls, m, acts, log, opts));
    }
    out
}

/// Runs of consecutive overdue complaints per team and month of receipt ("consecutive" in
/// receipt order; a met verdict ends a run; open or not-applicable verdicts neither count nor
/// end it), each run reaching the length raising one finding.
fn team_duty(
    td: &TeamDuty,
    cls: &Classified,
    marks: &[Mark],
    acts: &[(u32, Event)],
    log: &EventLog,
    opts: &AuditOptions<'_>,
) -> Vec<AuditFinding> {
    let zone = opts.zone;
    // Per team, the events that would discharge the duty (kept chunk by chunk, see
    // [`TeamMarks::add_actions`]), in time order: each finding then finds its first one after
    // the trigger by binary search instead of scanning the team's complaints again.
    let mut actions: HashMap<&str, Vec<EventRef<'_>>> = HashMap::new();
    for (i, e) in acts {
        if let Some(team) = cls.complaints[*i as usize].coded(Field::Team, &cls.dicts) {
            actions.entry(team).or_default().push(log.event_ref(e));
        }
    }
    for v in actions.values_mut() {
        // Stable: equal times keep complaint order, then log order.
        v.sort_by_key(|e| e.at);
    }
    // Complaints are in receipt order, so each (team, month)'s run is followed in one pass;
    // only the current run of each is held (grouping every complaint by team and month first
    // held a position per complaint at the end of assess, the run's peak).
    let mut runs: HashMap<(&str, String), Vec<(usize, Ts)>> = HashMap::new();
    let mut found: Vec<((&str, String), AuditFinding)> = Vec::new();
    for (i, c) in cls.complaints.iter().enumerate() {
        let Some(team) = c.coded(Field::Team, &cls.dicts) else {
            continue;
        };
        let standing = marks.get(i).copied().unwrap_or(Mark::NEITHER).standing();
        if standing == Standing::Neither {
            continue;
        }
        let key = (team, crate::time::month_key(zone, c.received_at()));
        let run = runs.entry(key.clone()).or_default();
        match standing {
            Standing::Overdue(due) => {
                run.push((i, due));
                if run.len() as u32 == td.consecutive {
                    let acts = actions.get(team).map_or(&[][..], Vec::as_slice);
                    let f = team_finding(td, team, &key.1, run, cls, log, acts, opts);
                    found.push((key, f));
                    run.clear();
                }
            }
            Standing::Met => run.clear(),
            Standing::Neither => {}
        }
    }
    // By team, then month, as the report lists them; each group's in the order it found them.
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.into_iter().map(|(_, f)| f).collect()
}

fn team_finding(
    td: &TeamDuty,
    team: &str,
    month: &str,
    run: &[(usize, Ts)],
    cls: &Classified,
    log: &EventLog,
    actions: &[EventRef<'_>],
    opts: &AuditOptions<'_>,
) -> AuditFinding {
    let zone = opts.zone;
    let trigger = run.iter().map(|(_, t)| *t).max().unwrap_or_default();
    let required = add_limit(
        &td.deadline,
        trigger,
        &crate::calendar::Calendar::always("24x7", zone.tz()),
        zone,
    );
    let ids: Vec<&str> = run
        .iter()
        .map(|(i, _)| cls.complaints[*i].id.as_str())
        .collect();
    let mut f = AuditFinding {
        complaint: None,
        complaint_id: Id::new(),
        team: Id::from(team),
        month: Id::from(month),
        duty: Id::from(td.name.as_str()),
        team_level: true,
        triggered_at: Some(trigger),
        required_by: Some(required),
        done_at: None,
        actor: None,
        actor_role: None,
        status: AuditStatus::Missing,
        evidence: run.iter().map(|(i, _)| cls.complaints[*i].origin).collect(),
        note: format!(
            "{} consecutive overdue complaints: {}",
            td.consecutive,
            ids.join(", ")
        ),
    };
    if !log.logged {
        f.status = AuditStatus::NotAuditable;
        f.note
            .push_str(&format!("; needs an event log to show the `{}`", td.action));
        return f;
    }
    let leader = opts.roster.and_then(|r| r.leader_of(team));
    // The action may be logged on any complaint of the team: the first one after the trigger.
    let first = actions.partition_point(|e| e.at < trigger);
    let best: Option<EventRef<'_>> = actions.get(first).copied();
    match best {
        Some(e) => {
            f.discharged_by(e, required, opts.roster);
        }
        None => {
            f.status = if opts.as_of >= required {
                AuditStatus::Missing
            } else {
                AuditStatus::Pending
            };
            if td.by_team_leader && leader.is_none() {
                f.note
                    .push_str("; the roster names no leader for this team");
            }
        }
    }
    f.note.push_str(&format!(
        "; `{}` required by {} (+{})",
        td.action,
        zone.format(required),
        limit_text(Some(&td.deadline), None, crate::config::Lang::En)
    ));
    f
}
