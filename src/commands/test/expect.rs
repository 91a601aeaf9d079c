//! The fields of a verdict or a duty finding a test case can check, as text, and the
//! comparison with what the case expects (`docs/RULES.md` §11.2-11.3).

use std::collections::BTreeMap;

use crate::pipeline::audit::AuditFinding;
use crate::pipeline::sla::Verdict;
use crate::time::{Ts, Zone};

/// The status a boundary run expects: at or before the limit the clock is met (the duty
/// compliant), after it breached (late). The run's `offset` decides which.
pub const BOUNDARY_STATUS: &str = "@boundary";

/// What is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An SLA verdict.
    Verdict,
    /// A duty finding.
    Finding,
}

fn time(zone: &Zone, x: Option<Ts>) -> String {
    x.map(|t| zone.format(t)).unwrap_or_default()
}

/// The fields of a verdict, as `sla.csv` writes them (`calendar`: the name of its calendar).
pub fn verdict_fields(v: &Verdict, calendar: &str, zone: &Zone) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("status", v.status.name().to_owned()),
        ("start_at", time(zone, v.start)),
        ("due_at", time(zone, v.due)),
        ("stopped_at", time(zone, v.stop)),
        ("calendar", calendar.to_owned()),
        (
            "elapsed_working_minutes",
            crate::output::minutes(v.elapsed_work),
        ),
        (
            "elapsed_calendar_minutes",
            crate::output::minutes(v.elapsed_cal),
        ),
        ("limit_minutes", crate::output::minutes(v.limit)),
        ("minutes_over", crate::output::minutes(v.over_cal)),
        ("working_minutes_over", crate::output::minutes(v.over_work)),
        ("warning", v.warning.to_string()),
        ("paused_minutes", crate::output::minutes(v.paused)),
        ("note", v.note.clone().unwrap_or_default()),
    ])
}

/// The fields of a duty finding, as `escalations.csv` writes them.
pub fn finding_fields(f: &AuditFinding, zone: &Zone) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("status", f.status.name().to_owned()),
        ("triggered_at", time(zone, f.triggered_at)),
        ("required_by", time(zone, f.required_by)),
        ("done_at", time(zone, f.done_at)),
        ("actor", f.actor.as_deref().unwrap_or_default().to_owned()),
        (
            "actor_role",
            f.actor_role.as_deref().unwrap_or_default().to_owned(),
        ),
        ("team", f.team.to_string()),
        ("note", f.note.clone()),
    ])
}

/// Compares what a case expects with what came out: `Err((field, expected, got))` at the first
/// difference. A finding's `note` need only contain the expected text (notes carry the whole
/// deadline arithmetic). A boundary run (`status = "@boundary"`, with `limit` and `offset`)
/// expects the due time or deadline at the limit and the status its offset gives.
pub fn compare(
    kind: Kind,
    fields: &BTreeMap<&'static str, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), (String, String, String)> {
    let (due, on_time, late) = match kind {
        Kind::Verdict => ("due_at", "met", "breached"),
        Kind::Finding => ("required_by", "compliant", "late"),
    };
    let offset: i64 = want.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    for (k, w) in want {
        let (key, w) = match (k.as_str(), w.as_str()) {
            ("offset", _) => continue,
            ("limit", _) => (due, w.clone()),
            ("status", BOUNDARY_STATUS) => (
                "status",
                (if offset <= 0 { on_time } else { late }).to_owned(),
            ),
            (k, _) => (k, w.clone()),
        };
        let Some(g) = fields.get(key) else {
            let known: Vec<&str> = fields.keys().copied().collect();
            return Err((
                key.to_owned(),
                w,
                format!("no such field (fields: {})", known.join(", ")),
            ));
        };
        let same = if kind == Kind::Finding && key == "note" {
            g.contains(w.as_str())
        } else {
            *g == w
        };
        if !same {
            return Err((key.to_owned(), w, g.clone()));
        }
    }
    Ok(())
}
