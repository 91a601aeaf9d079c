//! One row of an event log read into an event of its complaint, or rejected.

use rustc_hash::FxHashMap;

use super::{Event, EventProfile, TextsBuilder};
use crate::id_index::Recent;
use crate::model::Origin;
use crate::rejects::{Finding, FindingCode, RejectReason, Rejects, RowIssue};
use crate::time::{TimestampError, Ts, Zone, parse_timestamp};

/// Positions of the event fields in a file's header.
pub(super) struct Columns {
    pub(super) id: Option<usize>,
    pub(super) at: Option<usize>,
    pub(super) kind: Option<usize>,
    pub(super) actor: Option<usize>,
    pub(super) role: Option<usize>,
    pub(super) to_role: Option<usize>,
    pub(super) note: Option<usize>,
}

/// One event row → (complaint index, event), or a reject; findings for events before receipt
/// or after `--as-of`.
#[allow(clippy::too_many_arguments)]
pub(super) fn event_row(
    origin: Origin,
    rec: &crate::pipeline::ingest::Cells,
    cols: &Columns,
    profile: &EventProfile,
    ids: &Recent<'_>,
    received: &[Ts],
    zone: &Zone,
    as_of: Ts,
    texts: &mut TextsBuilder,
    kinds: &mut FxHashMap<Box<str>, Option<u32>>,
    rejects: &mut Rejects,
) -> Option<(u32, Event)> {
    let get = |i: Option<usize>| -> Option<&str> {
        i.and_then(|i| rec.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let reject = |rejects: &mut Rejects,
                  field: &str,
                  value: String,
                  reason: RejectReason,
                  message: String| {
        rejects.reject(RowIssue {
            origin,
            stage: "events",
            field: field.to_owned(),
            value,
            reason,
            message,
        });
    };
    let Some(id) = get(cols.id) else {
        reject(
            rejects,
            "complaint_id",
            String::new(),
            RejectReason::MissingId,
            "event without a complaint ID".into(),
        );
        return None;
    };
    let Some(ci) = ids.get(id) else {
        reject(
            rejects,
            "complaint_id",
            id.to_owned(),
            RejectReason::UnknownComplaint,
            format!("no accepted complaint `{id}` (missing from the export, or rejected there)"),
        );
        return None;
    };
    let recv = received[ci as usize];
    let at_text = get(cols.at).unwrap_or_default();
    let at = match parse_timestamp(at_text, zone) {
        Ok(t) => t,
        Err(e) => {
            let (reason, what) = match e {
                TimestampError::Unparseable => (RejectReason::BadTimestamp, "is not a timestamp"),
                _ => (RejectReason::InvalidTimestamp, "does not exist"),
            };
            reject(
                rejects,
                "at",
                at_text.to_owned(),
                reason,
                format!("event time `{at_text}` {what}"),
            );
            return None;
        }
    };
    let op = get(cols.kind).unwrap_or_default();
    // Operation names repeat a handful of spellings: map each once per chunk.
    let known = match kinds.get(op) {
        Some(k) => *k,
        None => {
            let k = profile.kind(op).map(|k| texts.kind(&k));
            kinds.insert(op.into(), k);
            k
        }
    };
    let Some(kind) = known else {
        let hint = crate::diagnostic::did_you_mean(op, profile.operation_names())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        reject(
            rejects,
            "type",
            op.to_owned(),
            RejectReason::UnknownEventType,
            format!(
                "unknown operation `{op}`{hint} (map it in the config: [event_log.types] \"{op}\" = \"<type>\")"
            ),
        );
        return None;
    };
    if at < recv {
        rejects.find(Finding {
            origin,
            complaint_id: id.to_owned(),
            field: "at".into(),
            code: FindingCode::EventBeforeReceived,
            message: format!(
                "`{op}` at {} is before the complaint was received ({})",
                zone.format(at),
                zone.format(recv)
            ),
        });
    }
    if at > as_of {
        rejects.find(Finding {
            origin,
            complaint_id: id.to_owned(),
            field: "at".into(),
            code: FindingCode::FutureTimestamp,
            message: format!(
                "`{op}` at {} is after --as-of; treated as not yet happened",
                zone.format(at)
            ),
        });
    }
    let ev = Event {
        at,
        origin,
        kind,
        actor: texts.word(get(cols.actor)),
        role: texts.word(get(cols.role)),
        to_role: texts.word(get(cols.to_role)),
        note: texts.word(get(cols.note)),
    };
    Some((ci, ev))
}
