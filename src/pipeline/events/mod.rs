//! The event log (`--events`, `events = [...]`): one row per thing that happened to a
//! complaint (投诉编号, 操作时间, 操作类型, 操作人, 岗位, 升级至岗位, 备注), read by the same ingest
//! as the exports and normalized here into [`EventLog`].
//!
//! - Input: raw tables from the event files; the accepted complaints (an event must belong to
//!   one).
//! - Output: events per complaint, in time order, with their provenance (`file:line`), and the
//!   event types mapped to canonical names (`docs/AUDIT.md`). The events themselves are kept
//!   out of the heap of the run (`store.rs`: 40-byte records, in memory up to
//!   `--scratch-memory`, else in a scratch file) and read a range of complaints at a time
//!   ([`EventLog::window`]): a 10 M-complaint log is 80 M events.
//! - Failure policy: a missing ID, a time that cannot be read or does not exist, an unknown
//!   operation name, or an ID that matches no accepted complaint rejects the event row (stage
//!   `events`, in `rejects.csv`). An event timed before its complaint was received, or after
//!   `--as-of`, is kept and flagged as a finding.
//!
//! Without an event log, [`OwnedEvents::snapshot_of`] derives each complaint's events from the export's
//! timestamp columns (registered, acknowledged, dispatched, ...): duties that need other events
//! (escalations, second handling, look-backs) cannot be audited then, and say so.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::id_index::{IdIndex, Recent};
use crate::model::{Complaint, Dictionaries, Field, Stage, Str};
use crate::pipeline::normalize::profile::header_key;
use crate::rejects::Rejects;
use crate::time::{Ts, Zone};

mod event;
mod row;
mod store;
use event::DERIVED;
pub use event::{Event, EventRef, Events, OwnedEvents, Texts, TextsBuilder};
use row::{ChunkRows, Columns};

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
            "进度告知",
            "进展通报",
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
    // The events the procedure library's presets and duties need besides the lifecycle
    // (docs/AUDIT.md §2.2 says which rule needs which).
    (
        "agreed",
        &["达成一致", "协商一致", "确认方案", "方案确认", "agreed"],
    ),
    ("alerted", &["超时预警", "预警", "alerted", "alert"]),
    (
        "inspection_reported",
        &["检测报告", "出具检测报告", "inspection_reported"],
    ),
    (
        "surveyed",
        &["满意度调查", "发送问卷", "surveyed", "survey_sent"],
    ),
    (
        "follow_up_declined",
        &["拒绝回访", "谢绝回访", "不接受回访", "follow_up_declined"],
    ),
    ("apologized", &["致歉", "上门致歉", "道歉", "apologized"]),
    (
        "review_requested",
        &["复核申请", "申请复核", "review_requested"],
    ),
    ("reviewed", &["复核", "复核完成", "reviewed"]),
    (
        "upgrade_requested",
        &["申请升级", "要求升级", "upgrade_requested"],
    ),
    (
        "quality_failed",
        &["质检不合格", "抽查不合格", "quality_failed"],
    ),
    ("accountability", &["问责", "追责", "accountability"]),
    (
        "approved",
        &["审批", "审批通过", "部门负责人认可", "approved"],
    ),
    ("written_report", &["书面报告", "written_report"]),
    (
        "manager_requested",
        &["要求见经理", "要求经理出面", "manager_requested"],
    ),
    (
        "logged",
        &["记事本", "记事本登记", "日志登记", "logged", "log_book"],
    ),
    ("coordinated", &["协调", "协调督办", "coordinated"]),
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

/// The event log: every event, grouped by complaint and in time order, in a spool (`store.rs`:
/// a scratch file beyond `--scratch-memory`); in memory besides only its texts, the complaint
/// IDs it was built against, and each complaint's run of records. Stages read the events of a
/// range of complaints at a time ([`EventLog::window`]).
#[derive(Debug, Default)]
pub struct EventLog {
    /// The events; `None` for a log with none read.
    store: Option<store::Store>,
    /// The events of the complaints the report explains, by position, once the run has read
    /// the log in order for the last time ([`EventLog::keep_only`]).
    kept: Option<FxHashMap<u32, Arc<Vec<Event>>>>,
    /// The events' texts.
    texts: Texts,
    /// The IDs of the complaints the log was built against, in their order then; dropped by
    /// [`EventLog::align`] (256 MB at 10 M complaints, needed by nothing after it).
    index: Option<IdIndex>,
    /// Each complaint's (start, count) in the file, in records, by position in the complaint
    /// list the log was last aligned with (see [`EventLog::align`]): the per-complaint stages
    /// look events up by index instead of hashing and comparing the ID each time.
    by_pos: Vec<(u32, u32)>,
    /// True when a real event log was read (not derived from the export's timestamps).
    pub logged: bool,
    /// Event rows read (every record of the event files; the pipeline sets it after reading).
    pub read: usize,
    /// Accepted rows.
    pub accepted: usize,
    /// Bytes its events took in scratch files (0 when they fit `--scratch-memory`).
    pub scratch_bytes: u64,
}

impl EventLog {
    /// The events of the complaints at positions `range` (of the list given to
    /// [`EventLog::align`], or to the stage that built the log), read in one go. Empty for a
    /// log that is not logged.
    pub fn window(&self, range: std::ops::Range<usize>) -> Result<EventWindow<'_>> {
        let ranges = if self.logged {
            debug_assert!(
                range.end <= self.by_pos.len(),
                "event log not aligned with the complaints"
            );
            &self.by_pos[range.start.min(self.by_pos.len())..range.end.min(self.by_pos.len())]
        } else {
            &[]
        };
        // Positions keep the order the log was built in, so the range's events are one run
        // of the log (with those of complaints classify dropped in between, read and
        // skipped); min and max make no assumption.
        let parts = match (&self.store, &self.kept) {
            (Some(store), None) => {
                let held = ranges.iter().filter(|r| r.1 > 0);
                let lo = held.clone().map(|r| r.0).min().unwrap_or(0);
                let hi = held.map(|r| r.0 + r.1).max().unwrap_or(0);
                store.events(lo, hi)?
            }
            // After `keep_only`: each complaint's own events, from what was kept or (a
            // complaint not kept) from its partition.
            (Some(store), Some(kept)) => {
                let mut parts = Vec::new();
                for (k, r) in ranges.iter().enumerate().filter(|(_, r)| r.1 > 0) {
                    match kept.get(&((range.start + k) as u32)) {
                        Some(events) => parts.push((r.0, events.clone())),
                        None => parts.extend(store.events(r.0, r.0 + r.1)?),
                    }
                }
                parts
            }
            (None, _) => Vec::new(),
        };
        Ok(EventWindow {
            logged: self.logged,
            texts: &self.texts,
            first: range.start,
            ranges,
            parts,
        })
    }

    /// Keeps in memory the events of the complaints at `positions`, read in one pass over the
    /// log in order, for the windows of single complaints that come after the last pass (the
    /// explanation pages: a few tens of thousands of complaints, in order of their IDs, which
    /// need not be the log's). Without it each such window could sort a partition of its own.
    pub fn keep_only(&mut self, positions: impl IntoIterator<Item = usize>) -> Result<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        // Each complaint with events, keyed by the partition that holds them (a complaint's
        // events are all in one): the partitions in parallel, each read once for the runs of
        // its kept complaints. One window per complaint on the calling thread sorted the
        // partitions whole, one after the other, while the pool waited (0.2 s at 1 M).
        let mut keyed: Vec<(usize, usize)> = positions
            .into_iter()
            .filter(|&p| p < self.by_pos.len() && self.by_pos[p].1 > 0)
            .map(|p| (store.partition_of(self.by_pos[p].0), p))
            .collect();
        keyed.sort_unstable();
        keyed.dedup();
        let groups: Vec<&[(usize, usize)]> = keyed.chunk_by(|a, b| a.0 == b.0).collect();
        use rayon::prelude::*;
        let by_pos = &self.by_pos;
        let found: Vec<Vec<(u32, Arc<Vec<Event>>)>> = groups
            .par_iter()
            .map(|group| {
                let starts: Vec<u32> = group.iter().map(|&(_, p)| by_pos[p].0).collect();
                let runs = store.runs_in(group[0].0, &starts)?;
                Ok(group
                    .iter()
                    .zip(runs)
                    .map(|(&(_, p), run)| {
                        debug_assert_eq!(run.len(), by_pos[p].1 as usize, "a complaint's run");
                        (p as u32, Arc::new(run))
                    })
                    .collect())
            })
            .collect::<Result<_>>()?;
        let kept: FxHashMap<u32, Arc<Vec<Event>>> = found.into_iter().flatten().collect();
        self.forget_sorted();
        self.kept = Some(kept);
        Ok(())
    }

    /// Partitions of the log sorted so far (tests: a pass over the log sorts each once).
    #[cfg(test)]
    fn partitions_sorted(&self) -> usize {
        self.store.as_ref().map_or(0, store::Store::sorts)
    }

    /// Drops the partitions kept sorted for the next window (a pass over the log is done;
    /// a later window sorts what it reads again).
    pub fn forget_sorted(&self) {
        if let Some(store) = &self.store {
            store.forget_sorted();
        }
    }

    /// An event of this log held elsewhere (a copy kept as evidence), read with the log's
    /// texts.
    pub fn event_ref<'a>(&'a self, event: &'a Event) -> EventRef<'a> {
        EventRef {
            event,
            texts: &self.texts,
        }
    }

    /// Re-keys the positional index to `complaints` (after classify has dropped the complaints
    /// whose rules failed, positions shift), once: the ID index goes then.
    pub fn align(&mut self, complaints: &[Complaint]) {
        let Some(index) = self.index.take() else {
            assert!(!self.logged, "an event log is aligned once");
            return;
        };
        // Classify only drops complaints, so this is usually the same list: then the IDs match
        // position by position (a sequential walk), and no lookup is needed.
        if complaints.len() == index.len()
            && complaints
                .iter()
                .enumerate()
                .all(|(k, c)| c.id == index.id(k as u32))
        {
            return;
        }
        let built = std::mem::take(&mut self.by_pos);
        self.by_pos = complaints
            .iter()
            .map(|c| index.get(&c.id).map_or((0, 0), |k| built[k as usize]))
            .collect();
    }

    /// Builds the log from the spill of its events.
    fn from_spill(spill: store::Spill, index: IdIndex, texts: Texts) -> Result<EventLog> {
        let (store, by_pos) = spill.finish()?;
        Ok(EventLog {
            scratch_bytes: store.disk_bytes(),
            store: Some(store),
            kept: None,
            index: Some(index),
            texts,
            by_pos,
            logged: true,
            read: 0,
            accepted: 0,
        })
    }

    /// Builds the log from events in any order and their complaints' positions (`owners`,
    /// aligned with `events`), as the stage does (for tests).
    #[cfg(test)]
    fn from_parts(
        complaints: &[Complaint],
        index: IdIndex,
        owners: Vec<u32>,
        events: Vec<Event>,
        texts: Texts,
    ) -> EventLog {
        let shift = store::partition_shift(complaints.len());
        EventLog::from_parts_with(complaints, index, owners, events, texts, shift, usize::MAX)
    }

    /// [`EventLog::from_parts`] with partitions of `1 << shift` complaints, in memory up to
    /// `budget` bytes, the events coming in batches of (up to) a hundred.
    #[cfg(test)]
    fn from_parts_with(
        complaints: &[Complaint],
        index: IdIndex,
        owners: Vec<u32>,
        events: Vec<Event>,
        texts: Texts,
        shift: u32,
        budget: usize,
    ) -> EventLog {
        let dir = std::env::temp_dir();
        let expected = (events.len() * 40) as u64;
        let mut spill = store::Spill::create_with(&dir, complaints.len(), budget, expected, shift)
            .expect("spill");
        for (of, batch) in owners.chunks(100).zip(events.chunks(100)) {
            let batch = store::Spill::encode(spill.shift(), of, batch.iter().cloned());
            spill.append(batch).expect("spill");
        }
        EventLog::from_spill(spill, index, texts).expect("sorted")
    }
}

/// The events of a range of complaints, read from an [`EventLog`].
pub struct EventWindow<'a> {
    /// True when the log is a real event log (see [`EventLog::logged`]).
    pub logged: bool,
    texts: &'a Texts,
    /// The position of the first complaint.
    first: usize,
    /// Each complaint's (start, count) in the log.
    ranges: &'a [(u32, u32)],
    /// The sorted partitions holding the range's events, each with the log's record at its
    /// first event (a complaint's events are all in one partition).
    parts: Vec<(u32, Arc<Vec<Event>>)>,
}

impl EventWindow<'_> {
    /// Events of the complaint at position `i` (of the log's complaint list: the window's
    /// range, not 0-based); none outside the range.
    pub fn at(&self, i: usize) -> Events<'_> {
        let (a, n) = i
            .checked_sub(self.first)
            .and_then(|k| self.ranges.get(k))
            .copied()
            .unwrap_or((0, 0));
        if n == 0 {
            return Events {
                events: &[],
                texts: self.texts,
            };
        }
        let (base, part) = self
            .parts
            .iter()
            .rev()
            .find(|p| p.0 <= a)
            .expect("a window holds its complaints' partitions");
        let a = (a - base) as usize;
        Events {
            events: &part[a..a + n as usize],
            texts: self.texts,
        }
    }
}

impl OwnedEvents {
    /// Handlers' names a snapshot keeps as shared strings.
    const NAMES: usize = 4096;

    /// Replaces the events with the ones `c`'s timestamp columns imply, in stage order:
    /// `registered` for the receipt, then each recorded stage (the handler as the actor of
    /// `resolved`). The buffers are reused: the audit derives these for every complaint, and a
    /// fresh set each time (three allocations and eight shared names cloned, their reference
    /// counts bouncing between the cores) was a tenth of the stage. Kind codes are stage
    /// indexes; word 1 is the handler.
    pub fn snapshot_of(&mut self, c: &Complaint, dicts: &Dictionaries) {
        if self.texts.kinds.is_empty() {
            self.texts.kinds = Stage::ALL
                .iter()
                .map(|s| {
                    Str::from(if *s == Stage::Received {
                        "registered"
                    } else {
                        s.name()
                    })
                })
                .collect();
        }
        self.texts.words.truncate(1);
        if let Some(h) = c.code(Field::Handler) {
            if self.names.len() >= Self::NAMES {
                self.names.clear();
            }
            let names = dicts.field(Field::Handler);
            let name = self
                .names
                .entry(h)
                .or_insert_with(|| Str::from(names.get(h)));
            self.texts.words.push(name.clone());
        }
        self.events.clear();
        self.events.extend(Stage::ALL.iter().filter_map(|s| {
            c.time(*s).map(|t| Event {
                at: t,
                origin: c.origin,
                kind: s.index() as u32 | DERIVED,
                actor: u32::from(*s == Stage::Resolved && c.code(Field::Handler).is_some()),
                role: 0,
                to_role: 0,
                note: 0,
            })
        }));
    }
}

/// Maps headers and operation names.
pub struct EventProfile {
    fields: HashMap<String, &'static str>,
    types: HashMap<String, Str>,
}

impl EventProfile {
    /// Builds the mapping from the built-ins and the config.
    pub fn new(cfg: &crate::config::EventsConfig) -> EventProfile {
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

/// Reads the event files (their chunks in parallel) and normalizes every row against the
/// accepted complaints. File ids continue after `first_id` (the complaint exports come first);
/// `files` receives each file's manifest entry.
#[allow(clippy::too_many_arguments)]
pub fn run(
    paths: &[std::path::PathBuf],
    all_paths: &[std::path::PathBuf],
    ingest: &crate::pipeline::ingest::IngestOptions<'_>,
    profile: &EventProfile,
    complaints: &[Complaint],
    zone: &Zone,
    as_of: Ts,
    files: &mut Vec<crate::pipeline::ingest::InputFile>,
    rejects: &mut Rejects,
    scratch: &std::path::Path,
    memory: usize,
) -> Result<EventLog> {
    let index = IdIndex::new(complaints.iter().map(|c| c.id.as_str()));
    // Receipt times packed by position: each event row compares its time with its complaint's,
    // and 8-byte entries of complaints received together share cache lines, where the
    // complaints themselves are 232 bytes apart.
    let received: Vec<Ts> = complaints.iter().map(Complaint::received_at).collect();
    let ids = Recent::new(&index);
    // Events go to a spill by partition of their complaint as they are read, and a partition
    // is sorted when a window first reads it (`store.rs`). A row of an event log is rarely under 40 bytes, and a spilled
    // event is 40: the files' size bounds the spill's.
    let expected = crate::pipeline::ingest::total_bytes(paths);
    let mut spill = store::Spill::create(scratch, complaints.len(), memory, expected)?;
    let shift = spill.shift();
    let mut accepted = 0usize;
    let mut texts = TextsBuilder::default();
    let mut read = 0usize;
    for path in paths {
        let id = u16::try_from(files.len())
            .map_err(|_| Error::Usage("more than 65,535 input files".into()))?;
        let mut src = crate::pipeline::ingest::Source::open(path, id, ingest)?;
        let cols: Vec<Option<&'static str>> = src
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
                path: all_paths.get(id as usize).cloned().unwrap_or_default(),
                missing,
                found: src.headers.clone(),
            });
        }
        let columns = Columns {
            id: idx("complaint_id"),
            at: idx("at"),
            kind: idx("type"),
            actor: idx("actor"),
            role: idx("role"),
            to_role: idx("to_role"),
            note: idx("note"),
        };
        let mut base = 0u32;
        src.read(
            ingest.chunk_bytes,
            |chunk| -> ChunkEvents {
                let mut local = Rejects::default();
                let mut ingest_rejects = Rejects::default();
                // The chunk's own texts, mapped onto the log's below (one table shared by
                // both threads would be a lock per event).
                let mut texts = TextsBuilder::default();
                let mut rows = ChunkRows::with_capacity(chunk.capacity_hint(40));
                let n = chunk.for_each(&mut ingest_rejects, |origin, rec| {
                    rows.read(origin, rec, &columns, profile, zone, &mut texts, &mut local);
                });
                let (of, out) = rows.resolve(&ids, &received, zone, as_of, &mut local);
                local.extend(ingest_rejects);
                (of, out, texts.finish(), local, n)
            },
            // Codes and record numbers in file order, on the calling thread while the pool
            // parses the chunks after.
            |(of, out, chunk_texts, mut local, n)| {
                let remap = texts.absorb(chunk_texts);
                local.shift_records(id, base);
                rejects.extend(local);
                accepted += of.len();
                let events = out.into_iter().map(|e| {
                    let mut e = e.remapped(&remap);
                    e.origin.record += base;
                    e
                });
                spill.append(store::Spill::encode(shift, &of, events))?;
                base += n;
                Ok(())
            },
        )?;
        read += base as usize;
        let mut file = src.file;
        file.records = base as usize;
        files.push(file);
    }
    let mut log = EventLog::from_spill(spill, index, texts.finish())?;
    log.read = read;
    log.accepted = accepted;
    Ok(log)
}

/// One chunk's complaint positions and events (aligned), its texts, its rejects and its record
/// count.
type ChunkEvents = (Vec<u32>, Vec<Event>, Texts, Rejects, u32);

#[cfg(test)]
mod tests;
