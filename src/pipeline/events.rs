//! The event log (`--events`, `events = [...]`): one row per thing that happened to a
//! complaint (投诉编号, 操作时间, 操作类型, 操作人, 岗位, 升级至岗位, 备注), read by the same ingest
//! as the exports and normalized here into [`EventLog`].
//!
//! - Input: raw tables from the event files; the accepted complaints (an event must belong to
//!   one).
//! - Output: events per complaint, in time order, with their provenance (`file:line`), and the
//!   event types mapped to canonical names (`docs/AUDIT.md`).
//! - Failure policy: a missing ID, a time that cannot be read or does not exist, an unknown
//!   operation name, or an ID that matches no accepted complaint rejects the event row (stage
//!   `events`, in `rejects.csv`). An event timed before its complaint was received, or after
//!   `--as-of`, is kept and flagged as a finding.
//!
//! Without an event log, [`EventLog::from_snapshot`] derives the events the export's timestamp
//! columns imply (registered, acknowledged, dispatched, ...): duties that need other events
//! (escalations, second handling, look-backs) cannot be audited then, and say so.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{Complaint, Origin, Stage, Str};
use crate::pipeline::ingest::RawTable;
use crate::pipeline::normalize::profile::header_key;
use crate::rejects::{Finding, FindingCode, RejectReason, Rejects, RowIssue};
use crate::time::{TimestampError, Ts, Zone, parse_timestamp};

/// Canonical event types and the operation names exports use for them (most common first).
pub const BUILTIN_TYPES: &[(&str, &[&str])] = &[
    (
        "registered",
        &["登记", "新建", "录入", "创建", "registered", "created"],
    ),
    (
        "acknowledged",
        &["受理", "确认", "接单", "acknowledged", "accepted"],
    ),
    (
        "dispatched",
        &["派单", "派工", "分派", "转派", "dispatched", "assigned"],
    ),
    ("escalated", &["升级", "上报", "转呈", "呈报", "escalated"]),
    (
        "on_site",
        &["到场", "到达", "上门", "现场处理", "on_site", "arrived"],
    ),
    (
        "resolved",
        &["完成", "处理完成", "办结", "解决", "resolved", "completed"],
    ),
    ("replied", &["回复", "答复", "反馈", "replied"]),
    ("follow_up", &["回访", "follow_up", "followup"]),
    ("reopened", &["重新打开", "重开", "退回重办", "reopened"]),
    (
        "extension_explained",
        &[
            "延期说明",
            "延期",
            "申请延期",
            "extension_explained",
            "extension",
        ],
    ),
    ("paused", &["暂停", "挂起", "等待业主", "paused"]),
    ("resumed", &["恢复", "继续处理", "resumed"]),
    (
        "level_changed",
        &["等级变更", "变更等级", "调整等级", "level_changed"],
    ),
    (
        "second_handling",
        &["二次处理", "二次处置", "second_handling"],
    ),
    ("look_back", &["回头看", "look_back"]),
    ("referred", &["转交", "移交", "退回管理处", "referred"]),
    ("interview", &["约谈", "interview"]),
    ("closed", &["关闭", "结案", "归档", "closed"]),
];

/// The canonical fields of an event row, with their default header aliases.
const FIELDS: &[(&str, &[&str])] = &[
    (
        "complaint_id",
        &[
            "投诉编号",
            "工单号",
            "投诉单号",
            "编号",
            "complaint_id",
            "complaint id",
            "ticket id",
        ],
    ),
    (
        "at",
        &[
            "操作时间",
            "时间",
            "处理时间",
            "发生时间",
            "at",
            "time",
            "timestamp",
        ],
    ),
    (
        "type",
        &[
            "操作类型",
            "操作",
            "事件",
            "动作",
            "类型",
            "type",
            "event",
            "action",
        ],
    ),
    (
        "actor",
        &[
            "操作人",
            "处理人",
            "经办人",
            "人员",
            "actor",
            "user",
            "operator",
        ],
    ),
    ("role", &["岗位", "角色", "职位", "role", "post"]),
    (
        "to_role",
        &[
            "升级至岗位",
            "升级对象",
            "转交岗位",
            "接收岗位",
            "to_role",
            "escalated to",
        ],
    ),
    (
        "note",
        &["备注", "说明", "描述", "note", "remark", "comment"],
    ),
];

/// `[event_log]` in the config.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    /// Extra header aliases per event field (`complaint_id`, `at`, `type`, `actor`, `role`,
    /// `to_role`, `note`).
    #[serde(default)]
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Operation name → event type (canonical or your own, e.g. `"督办" = "supervised"`).
    #[serde(default)]
    pub types: BTreeMap<String, String>,
}

/// One event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Canonical type.
    pub kind: Str,
    /// When.
    pub at: Ts,
    /// Who acted.
    pub actor: Option<Str>,
    /// Their role or post.
    pub role: Option<Str>,
    /// For escalations and referrals: the role it went to.
    pub to_role: Option<Str>,
    /// Free text.
    pub note: Option<Str>,
    /// Where it is: an event-log row, or (for snapshot events) the complaint's row.
    pub origin: Origin,
    /// True when derived from a timestamp column rather than read from an event log.
    pub derived: bool,
}

/// Events per complaint ID, in time order.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    /// Complaint ID → events.
    pub by_complaint: HashMap<Str, Vec<Event>>,
    /// True when a real event log was read (not derived from the export's timestamps).
    pub logged: bool,
    /// Event rows read (every record of the event files; the pipeline sets it after reading).
    pub read: usize,
    /// Accepted rows.
    pub accepted: usize,
}

impl EventLog {
    /// Events of one complaint.
    pub fn of(&self, id: &str) -> &[Event] {
        self.by_complaint.get(id).map_or(&[], Vec::as_slice)
    }

    /// The events a snapshot export's timestamp columns imply.
    pub fn from_snapshot(complaints: &[Complaint]) -> EventLog {
        let mut by = HashMap::with_capacity(complaints.len());
        for c in complaints {
            by.insert(c.id.clone(), snapshot_events(c));
        }
        EventLog {
            by_complaint: by,
            logged: false,
            read: 0,
            accepted: 0,
        }
    }
}

/// The events one complaint's timestamp columns imply, in stage order: `registered` for the
/// receipt, then each recorded stage (the handler as the actor of `resolved`).
pub fn snapshot_events(c: &Complaint) -> Vec<Event> {
    // Shared names: a run derives millions of these, and cloning an interned name is a
    // reference-count increment.
    static NAMES: std::sync::OnceLock<[Str; 8]> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        Stage::ALL.map(|s| {
            Str::from(if s == Stage::Received {
                "registered"
            } else {
                s.name()
            })
        })
    });
    Stage::ALL
        .iter()
        .filter_map(|s| {
            c.time(*s).map(|t| Event {
                kind: names[s.index()].clone(),
                at: t,
                actor: if *s == Stage::Resolved {
                    c.handler.clone()
                } else {
                    None
                },
                role: None,
                to_role: None,
                note: None,
                origin: c.origin,
                derived: true,
            })
        })
        .collect()
}

/// Maps headers and operation names.
pub struct EventProfile {
    fields: HashMap<String, &'static str>,
    types: HashMap<String, Str>,
}

impl EventProfile {
    /// Builds the mapping from the built-ins and the config.
    pub fn new(cfg: &EventsConfig) -> EventProfile {
        let mut fields = HashMap::new();
        for (f, _) in FIELDS {
            for a in cfg.aliases.get(*f).into_iter().flatten() {
                fields.entry(header_key(a)).or_insert(*f);
            }
        }
        for (f, aliases) in FIELDS {
            for a in *aliases {
                fields.entry(header_key(a)).or_insert(*f);
            }
        }
        let mut types = HashMap::new();
        for (name, kind) in &cfg.types {
            types.insert(header_key(name), Str::from(kind.as_str()));
        }
        for (kind, names) in BUILTIN_TYPES {
            for n in *names {
                types
                    .entry(header_key(n))
                    .or_insert_with(|| Str::from(*kind));
            }
        }
        EventProfile { fields, types }
    }

    /// True when a row looks like an event-log header.
    pub fn is_header(&self, cells: &[String]) -> bool {
        let mapped: Vec<&str> = cells
            .iter()
            .filter_map(|c| self.fields.get(&header_key(c)).copied())
            .collect();
        mapped.contains(&"complaint_id") && mapped.contains(&"at") && mapped.contains(&"type")
    }

    /// The canonical type of an operation name.
    pub fn kind(&self, op: &str) -> Option<Str> {
        self.types.get(&header_key(op)).cloned()
    }

    /// Every known operation name, for did-you-mean.
    pub fn operation_names(&self) -> Vec<&'static str> {
        BUILTIN_TYPES
            .iter()
            .flat_map(|(_, n)| n.iter().copied())
            .collect()
    }
}

/// Normalizes the event tables against the accepted complaints.
pub fn run(
    tables: impl IntoIterator<Item = Result<RawTable>>,
    paths: &[std::path::PathBuf],
    profile: &EventProfile,
    complaints: &[Complaint],
    zone: &Zone,
    as_of: Ts,
    rejects: &mut Rejects,
) -> Result<EventLog> {
    let received: HashMap<&str, Ts> = complaints
        .iter()
        .map(|c| (c.id.as_str(), c.received_at()))
        .collect();
    let mut log = EventLog {
        logged: true,
        ..EventLog::default()
    };
    let mut interner: HashMap<String, Str> = HashMap::new();
    let mut intern = |s: &str| -> Str {
        interner
            .entry(s.to_owned())
            .or_insert_with(|| Str::from(s))
            .clone()
    };
    for table in tables {
        let table = table?;
        let cols: Vec<Option<&'static str>> = table
            .headers
            .iter()
            .map(|h| profile.fields.get(&header_key(h)).copied())
            .collect();
        let idx = |f: &str| cols.iter().position(|c| *c == Some(f));
        let missing: Vec<String> = ["complaint_id", "at", "type"]
            .into_iter()
            .filter(|f| idx(f).is_none())
            .map(str::to_owned)
            .collect();
        if !missing.is_empty() {
            return Err(Error::MissingColumns {
                path: paths.get(table.file as usize).cloned().unwrap_or_default(),
                missing,
                found: table.headers.clone(),
            });
        }
        let get = |rec: &csv::StringRecord, f: &str| -> Option<String> {
            idx(f)
                .and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        for rec in &table.records {
            log.read += 1;
            let reject = |rejects: &mut Rejects,
                          field: &str,
                          value: String,
                          reason: RejectReason,
                          message: String| {
                rejects.reject(RowIssue {
                    origin: rec.origin,
                    stage: "events",
                    field: field.to_owned(),
                    value,
                    reason,
                    message,
                });
            };
            let Some(id) = get(&rec.fields, "complaint_id") else {
                reject(
                    rejects,
                    "complaint_id",
                    String::new(),
                    RejectReason::MissingId,
                    "event without a complaint ID".into(),
                );
                continue;
            };
            let Some(&recv) = received.get(id.as_str()) else {
                reject(
                    rejects,
                    "complaint_id",
                    id.clone(),
                    RejectReason::UnknownComplaint,
                    format!(
                        "no accepted complaint `{id}` (missing from the export, or rejected there)"
                    ),
                );
                continue;
            };
            let at_text = get(&rec.fields, "at").unwrap_or_default();
            let at = match parse_timestamp(&at_text, zone) {
                Ok(t) => t,
                Err(e) => {
                    let (reason, what) = match e {
                        TimestampError::Unparseable => {
                            (RejectReason::BadTimestamp, "is not a timestamp")
                        }
                        _ => (RejectReason::InvalidTimestamp, "does not exist"),
                    };
                    reject(
                        rejects,
                        "at",
                        at_text.clone(),
                        reason,
                        format!("event time `{at_text}` {what}"),
                    );
                    continue;
                }
            };
            let op = get(&rec.fields, "type").unwrap_or_default();
            let Some(kind) = profile.kind(&op) else {
                let hint = crate::diagnostic::did_you_mean(&op, profile.operation_names())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                reject(
                    rejects,
                    "type",
                    op.clone(),
                    RejectReason::UnknownEventType,
                    format!(
                        "unknown operation `{op}`{hint} (map it in the config: [event_log.types] \"{op}\" = \"<type>\")"
                    ),
                );
                continue;
            };
            if at < recv {
                rejects.find(Finding {
                    origin: rec.origin,
                    complaint_id: id.clone(),
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
                    origin: rec.origin,
                    complaint_id: id.clone(),
                    field: "at".into(),
                    code: FindingCode::FutureTimestamp,
                    message: format!(
                        "`{op}` at {} is after --as-of; treated as not yet happened",
                        zone.format(at)
                    ),
                });
            }
            log.accepted += 1;
            let ev = Event {
                kind,
                at,
                actor: get(&rec.fields, "actor").map(|s| intern(&s)),
                role: get(&rec.fields, "role").map(|s| intern(&s)),
                to_role: get(&rec.fields, "to_role").map(|s| intern(&s)),
                note: get(&rec.fields, "note").map(|s| Str::from(s.as_str())),
                origin: rec.origin,
                derived: false,
            };
            log.by_complaint
                .entry(Str::from(id.as_str()))
                .or_default()
                .push(ev);
        }
    }
    for v in log.by_complaint.values_mut() {
        v.sort_by(|a, b| a.at.cmp(&b.at).then(a.origin.cmp(&b.origin)));
    }
    Ok(log)
}
