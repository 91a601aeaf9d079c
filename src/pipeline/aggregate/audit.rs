//! A page's audit section: compliance per duty, project, level and team, and the late and
//! missing findings with their evidence.

use std::collections::BTreeMap;

use super::common::Common;
use super::queries::{COMPANY, Grouped, StatusCounts};
use super::*;
use crate::format::{Lang, pct_text, round4};
use crate::pipeline::audit::AuditStatus;

fn compliance(key: String, label: String, c: &StatusCounts) -> Compliance {
    let (a, b, m) = (c[0], c[1], c[2]);
    let judged = a + b + m;
    let r = (judged > 0).then(|| round4(a as f64 / judged as f64));
    Compliance {
        key,
        label,
        compliant: a,
        late: b,
        missing: m,
        pending: c[3],
        not_applicable: c[4],
        not_auditable: c[5],
        rate: r,
        rate_text: pct_text(r),
    }
}

/// Audit status counts per (value of `x`, duty) in a period and scope, by name.
fn audit_of(g: &Grouped, x: &str, pc: u32, sc: u32) -> BTreeMap<(String, String), StatusCounts> {
    let (xd, dd) = (g.dict(x), g.dict("duty"));
    let mut out: BTreeMap<(String, String), StatusCounts> = BTreeMap::new();
    for ((p, s, v, d), c) in &g.audit[x] {
        if *p == pc && *s == sc {
            let e = out
                .entry((xd.name(*v).to_owned(), dd.name(*d).to_owned()))
                .or_default();
            for (a, b) in e.iter_mut().zip(c) {
                *a += b;
            }
        }
    }
    out
}

fn fold(
    m: &BTreeMap<(String, String), StatusCounts>,
    pick: impl Fn(&(String, String)) -> String,
) -> BTreeMap<String, StatusCounts> {
    let mut out: BTreeMap<String, StatusCounts> = BTreeMap::new();
    for (k, v) in m {
        let e = out.entry(pick(k)).or_default();
        for (a, b) in e.iter_mut().zip(v) {
            *a += b;
        }
    }
    out
}

/// Builds the section.
pub(super) fn section(
    input: &AggregateInput<'_>,
    g: &Grouped,
    common: &Common,
    pc: u32,
    sc: u32,
    project: Option<&str>,
    p: &Period,
) -> Result<AuditSection> {
    let cfg = input.cfg;
    let zone = &cfg.zone;
    let lang = cfg.lang;
    let a = input.assessed;
    let t = &a.complaints;
    let duties = &input.rules.duties;
    let labels: BTreeMap<&str, String> = duties
        .duties
        .iter()
        .map(|d| (d.name.as_str(), &d.label, &d.label_en))
        .chain(
            duties
                .team_duties
                .iter()
                .map(|d| (d.name.as_str(), &d.label, &d.label_en)),
        )
        .map(|(n, zh, en)| {
            (
                n,
                if lang == Lang::En {
                    en.clone()
                } else {
                    zh.clone()
                },
            )
        })
        .collect();
    let order: Vec<&str> = duties
        .duties
        .iter()
        .map(|d| d.name.as_str())
        .chain(duties.team_duties.iter().map(|d| d.name.as_str()))
        .collect();
    // Team duties have no project: they count under the blank project, so company pages
    // (which sum every project) show them.
    let by_team_duty = audit_of(g, "team", pc, sc);
    let by_level_duty = audit_of(g, "level", pc, sc);
    let mut by_duty: Vec<Compliance> = fold(&by_team_duty, |k| k.1.clone())
        .into_iter()
        .map(|(d, c)| compliance(d.clone(), labels.get(d.as_str()).cloned().unwrap_or(d), &c))
        .collect();
    by_duty.sort_by_key(|r| order.iter().position(|n| *n == r.key).unwrap_or(usize::MAX));
    let by_team: Vec<Compliance> = fold(&by_team_duty, |k| k.0.clone())
        .into_iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(tm, c)| compliance(tm.clone(), tm, &c))
        .collect();
    let level_order: Vec<&String> = input.rules.manifest.level.iter().map(|t| &t.code).collect();
    let mut by_level: Vec<Compliance> = fold(&by_level_duty, |k| k.0.clone())
        .into_iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(l, c)| {
            compliance(
                l.clone(),
                common.level_names.get(&l).cloned().unwrap_or(l),
                &c,
            )
        })
        .collect();
    by_level.sort_by_key(|r| {
        level_order
            .iter()
            .position(|l| **l == r.key)
            .unwrap_or(usize::MAX)
    });
    let by_project: Vec<Compliance> = if project.is_none() {
        let pd = g.dict("project");
        let mut m: BTreeMap<String, StatusCounts> = BTreeMap::new();
        for ((kp, ks, _, _), c) in &g.audit["level"] {
            if *kp != pc || *ks == COMPANY {
                continue;
            }
            let e = m.entry(pd.name(*ks).to_owned()).or_default();
            for (x, y) in e.iter_mut().zip(c) {
                *x += y;
            }
        }
        m.into_iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(q, c)| compliance(q.clone(), q, &c))
            .collect()
    } else {
        Vec::new()
    };
    // Evidence: events by their origin.
    let at = |o: &crate::model::Origin| super::common::origin_at(input.files, o);
    let mut noncompliant = List::default();
    let mut team_late = 0usize;
    // The table keeps the first late and missing findings of each period and project, in
    // complaint order; the team findings come after them, as in escalations.csv.
    for f in a.findings.noncompliant.iter().chain(&a.findings.team) {
        if !matches!(f.status, AuditStatus::Late | AuditStatus::Missing) {
            continue;
        }
        let belongs = match f.complaint {
            Some(i) => {
                let i = i as usize;
                t.period[i] == pc && (sc == COMPANY || t.project[i] == sc)
            }
            None => {
                project.is_none()
                    && chrono::NaiveDate::parse_from_str(&format!("{}-01", f.month), "%Y-%m-%d")
                        .is_ok_and(|d| p.contains(d))
            }
        };
        if !belongs {
            continue;
        }
        if f.complaint.is_none() {
            team_late += 1;
        }
        noncompliant.push(|| {
            let tm = |x: Option<crate::time::Ts>| x.map(|t| zone.format(t)).unwrap_or_default();
            AuditRow {
                complaint_id: f.complaint_id.to_string(),
                team: f.team.to_string(),
                month: f.month.to_string(),
                duty: labels
                    .get(f.duty.as_str())
                    .cloned()
                    .unwrap_or_else(|| f.duty.to_string()),
                status: f.status.name().to_owned(),
                triggered_at: tm(f.triggered_at),
                required_by: tm(f.required_by),
                done_at: tm(f.done_at),
                actor: f.actor.as_deref().unwrap_or("").to_owned(),
                note: f.note.clone(),
                evidence: f
                    .evidence
                    .iter()
                    .map(|o| match common.evidence.get(o) {
                        Some(e) if !e.derived() => EvidenceRow {
                            at: at(o),
                            kind: e.kind().to_string(),
                            time: zone.format(e.at),
                            actor: e.actor().map_or("", |a| a.as_str()).to_owned(),
                            role: e.role().map_or("", |a| a.as_str()).to_owned(),
                            to_role: e.to_role().map_or("", |a| a.as_str()).to_owned(),
                        },
                        _ => EvidenceRow {
                            at: at(o),
                            kind: "complaint row".into(),
                            time: String::new(),
                            actor: String::new(),
                            role: String::new(),
                            to_role: String::new(),
                        },
                    })
                    .collect(),
            }
        });
    }
    // How many there are in all: the table counted the complaint findings it did not keep.
    noncompliant.total = team_late + g.noncompliant.get(&(pc, sc)).copied().unwrap_or(0) as usize;
    Ok(AuditSection {
        logged: a.events.logged,
        events_read: a.events.read,
        events_accepted: a.events.accepted,
        by_duty,
        by_project,
        by_level,
        by_team,
        noncompliant,
    })
}
