//! The rows of an event log read into events of their complaints, or rejected: a chunk's rows
//! at a time, in two passes ([`ChunkRows`]).

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

/// A chunk's event rows read, their complaints not yet looked up: [`ChunkRows::resolve`] looks
/// them up in a second pass, a few rows ahead of their use, so that the lookups' cache misses
/// overlap instead of following one another. (The ID index of a 10 M-complaint log is 256 MiB
/// of slots: a lookup done as the row was read waited on a miss of cache and TLB, and that
/// wait was most of an event row's time.)
#[derive(Default)]
pub(super) struct ChunkRows {
    rows: Vec<Pending>,
    /// The rows' IDs, end to end.
    ids: String,
    /// Operation spellings seen (for the findings' messages) with their type's code.
    kinds: FxHashMap<Box<str>, (u32, Option<u32>)>,
    spellings: Vec<Box<str>>,
}

/// One row of a [`ChunkRows`].
struct Pending {
    /// The event, complete but for rows rejected below (then with what could be read).
    event: Event,
    /// The complaint ID's hash ([`crate::id_index::hash`]) and where it is in the chunk's IDs.
    hash: u64,
    id: (u32, u32),
    /// Index of the operation's spelling.
    op: u32,
    /// Why the row is rejected if its complaint is found. The ID is checked first: a row whose
    /// complaint is unknown is rejected for that, whatever else is wrong with it.
    rejected: Option<Box<RowIssue>>,
}

/// Rows looked up this far ahead of their use: a row's own lookup and checks take a few tens
/// of nanoseconds, so a prefetch has some hundreds to land, about one miss to memory.
const AHEAD: usize = 16;

impl ChunkRows {
    /// Empty, with room for about `rows` rows.
    pub(super) fn with_capacity(rows: usize) -> ChunkRows {
        ChunkRows {
            rows: Vec::with_capacity(rows),
            ids: String::with_capacity(rows * 16),
            ..ChunkRows::default()
        }
    }

    /// Reads one event row: rejects a row without an ID now, and keeps the others for
    /// [`ChunkRows::resolve`].
    #[allow(clippy::too_many_arguments)]
    pub(super) fn read(
        &mut self,
        origin: Origin,
        rec: &crate::pipeline::ingest::Cells,
        cols: &Columns,
        profile: &EventProfile,
        zone: &Zone,
        texts: &mut TextsBuilder,
        rejects: &mut Rejects,
    ) {
        let get = |i: Option<usize>| -> Option<&str> {
            i.and_then(|i| rec.get(i))
                .map(crate::pipeline::ingest::trim_cell)
                .filter(|s| !s.is_empty())
        };
        let issue = |field: &str, value: String, reason: RejectReason, message: String| RowIssue {
            origin,
            stage: "events",
            field: field.to_owned(),
            value,
            reason,
            message,
        };
        let Some(id) = get(cols.id) else {
            rejects.reject(issue(
                "complaint_id",
                String::new(),
                RejectReason::MissingId,
                "event without a complaint ID".into(),
            ));
            return;
        };
        let at_text = get(cols.at).unwrap_or_default();
        let mut rejected = None;
        let at = parse_timestamp(at_text, zone).unwrap_or_else(|e| {
            let (reason, what) = match e {
                TimestampError::Unparseable => (RejectReason::BadTimestamp, "is not a timestamp"),
                _ => (RejectReason::InvalidTimestamp, "does not exist"),
            };
            rejected = Some(Box::new(issue(
                "at",
                at_text.to_owned(),
                reason,
                format!("event time `{at_text}` {what}"),
            )));
            0
        });
        let op = get(cols.kind).unwrap_or_default();
        // Operation names repeat a handful of spellings: map each once per chunk.
        let (spelling, known) = match self.kinds.get(op) {
            Some(k) => *k,
            None => {
                let k = (
                    self.spellings.len() as u32,
                    profile.kind(op).map(|k| texts.kind(&k)),
                );
                self.spellings.push(op.into());
                self.kinds.insert(op.into(), k);
                k
            }
        };
        let kind = match known {
            Some(kind) => kind,
            None => {
                if rejected.is_none() {
                    let hint = crate::diagnostic::did_you_mean(op, profile.operation_names())
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    rejected = Some(Box::new(issue(
                        "type",
                        op.to_owned(),
                        RejectReason::UnknownEventType,
                        format!(
                            "unknown operation `{op}`{hint} (map it in the config: [event_log.types] \"{op}\" = \"<type>\")"
                        ),
                    )));
                }
                0
            }
        };
        let event = if rejected.is_none() {
            Event {
                at,
                origin,
                kind,
                actor: texts.word(get(cols.actor)),
                role: texts.word(get(cols.role)),
                to_role: texts.word(get(cols.to_role)),
                note: texts.word(get(cols.note)),
            }
        } else {
            Event {
                origin,
                ..Event::EMPTY
            }
        };
        let a = self.ids.len() as u32;
        self.ids.push_str(id);
        self.rows.push(Pending {
            event,
            hash: crate::id_index::hash(id),
            id: (a, self.ids.len() as u32),
            op: spelling,
            rejected,
        });
    }

    /// The rows read, each joined to its complaint: (complaint positions, events), aligned;
    /// rejects rows whose complaint is unknown, or that [`ChunkRows::read`] found wrong, and
    /// records findings for events before their complaint's receipt or after `--as-of`.
    pub(super) fn resolve(
        mut self,
        ids: &Recent<'_>,
        received: &[Ts],
        zone: &Zone,
        as_of: Ts,
        rejects: &mut Rejects,
    ) -> (Vec<u32>, Vec<Event>) {
        let mut of = Vec::with_capacity(self.rows.len());
        let mut out = Vec::with_capacity(self.rows.len());
        for i in 0..self.rows.len() {
            if let Some(ahead) = self.rows.get(i + AHEAD) {
                ids.prefetch(ahead.hash);
            }
            let p = &mut self.rows[i];
            let id = &self.ids[p.id.0 as usize..p.id.1 as usize];
            let Some(ci) = ids.get_hashed(id, p.hash) else {
                rejects.reject(RowIssue {
                    origin: p.event.origin,
                    stage: "events",
                    field: "complaint_id".into(),
                    value: id.to_owned(),
                    reason: RejectReason::UnknownComplaint,
                    message: format!(
                        "no accepted complaint `{id}` (missing from the export, or rejected there)"
                    ),
                });
                continue;
            };
            if let Some(issue) = p.rejected.take() {
                rejects.reject(*issue);
                continue;
            }
            let (at, op) = (p.event.at, &self.spellings[p.op as usize]);
            let recv = received[ci as usize];
            let finding = |code: FindingCode, message: String| Finding {
                origin: p.event.origin,
                complaint_id: id.to_owned(),
                field: "at".into(),
                code,
                message,
            };
            if at < recv {
                rejects.find(finding(
                    FindingCode::EventBeforeReceived,
                    format!(
                        "`{op}` at {} is before the complaint was received ({})",
                        zone.format(at),
                        zone.format(recv)
                    ),
                ));
            }
            if at > as_of {
                rejects.find(finding(
                    FindingCode::FutureTimestamp,
                    format!(
                        "`{op}` at {} is after --as-of; treated as not yet happened",
                        zone.format(at)
                    ),
                ));
            }
            of.push(ci);
            out.push(p.event.clone());
        }
        (of, out)
    }
}
