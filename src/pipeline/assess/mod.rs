//! Stage 5, assess: the classified complaints → the [`Assessed`] table.
//!
//! - Input: the classified complaints, the event log, the rules (targets, duties, indicator
//!   settings), the roster.
//! - Output: the assessed table (`table.rs`): per complaint its dimensions and facts, per SLA
//!   target its verdict, per escalation duty its finding. It is the one seam between judging
//!   and reporting: aggregate, render and explain read it, and nothing after this stage
//!   evaluates a target or a duty again.
//! - How: complaints are assessed a chunk at a time (sla → audit). Each chunk's verdicts and
//!   findings, in full, go to the [`Sink`] (the record-level tables) and are folded into the
//!   table, then dropped: the verdicts of a million complaints are never all held in full.
//!   The next chunk is judged meanwhile, so at most two chunks are in flight. The team duties
//!   come last, from every chunk's marks.

mod facts;
mod spill;
pub mod table;

use std::path::Path;
use std::time::{Duration, Instant};

pub use self::facts::FactOptions;
use self::spill::VerdictSpill;
pub use self::table::{
    Assessed, COMPANY, ComplaintTable, Dict, Dicts, FindingTable, LIST_LIMIT, Late, LateLists,
    VerdictTable, pe, period_key,
};
use crate::error::Result;
use crate::model::Timings;
use crate::pipeline::audit::{self, AuditFinding, AuditOptions, AuditStatus, TeamMarks};
use crate::pipeline::events::EventLog;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::classify::Classified;
use crate::pipeline::sla::{self, SlaOptions, Status, Verdict};
use crate::progress::Meter;

/// A chunk of assessed complaints, in full, as the record-level tables write it.
pub struct Partition<'a> {
    /// The classified complaints (all of them).
    pub classified: &'a Classified,
    /// Which.
    pub range: std::ops::Range<usize>,
    /// Their verdicts, aligned with `range`.
    pub verdicts: &'a [Vec<Verdict>],
    /// Their complaint findings, in complaint order.
    pub findings: &'a [AuditFinding],
}

/// Where each chunk goes besides the table: the record-level tables for `run`, nowhere for
/// the commands that only report. `Send`: a chunk is handed over on a pool thread while the
/// next one is judged.
pub trait Sink: Send {
    /// Before the first chunk, once the complaints are classified (the record tables' columns
    /// follow the rule outputs) and the inputs read.
    fn open(
        &mut self,
        _cls: &Classified,
        _files: &[crate::pipeline::ingest::InputFile],
    ) -> Result<()> {
        Ok(())
    }
    /// A chunk, in complaint order.
    fn partition(&mut self, p: &Partition<'_>) -> Result<()>;
    /// The team findings, after the last chunk.
    fn team(&mut self, _findings: &[AuditFinding]) -> Result<()> {
        Ok(())
    }
}

/// A sink that keeps nothing.
pub struct NoSink;

impl Sink for NoSink {
    fn partition(&mut self, _: &Partition<'_>) -> Result<()> {
        Ok(())
    }
}

/// What the stage needs besides the data.
pub struct AssessOptions<'a> {
    /// Facts: zone, as-of, period kind, project calendars.
    pub facts: FactOptions<'a>,
    /// The roster, if any.
    pub roster: Option<&'a audit::roster::Roster>,
    /// Complaints assessed at a time.
    pub chunk: usize,
    /// Counts complaints.
    pub meter: &'a Meter,
    /// Where the full verdicts are spilled.
    pub scratch: &'a Path,
}

/// Assesses every complaint.
pub fn run(
    rules: &RuleSet,
    classified: Classified,
    events: EventLog,
    opts: &AssessOptions<'_>,
    sink: &mut dyn Sink,
    timings: &mut Timings,
) -> Result<Assessed> {
    let f = &opts.facts;
    let t0 = Instant::now();
    let mut complaints = facts::complaint_table(rules, classified, events.logged, f);
    let mut fold = t0.elapsed();
    let audit_opts = AuditOptions {
        zone: f.zone,
        as_of: f.as_of,
        project_calendars: f.project_calendars,
        roster: opts.roster,
    };
    let cls = &complaints.classified;
    let n = cls.complaints.len();
    let n_targets = rules.targets.targets.len();
    // Room for every verdict up front: a complaint has at most one per target. Pages of the
    // room not used are never touched, so they cost address space, not memory; growing instead
    // would copy the vectors at twice their size (a few hundred MB at 10 M). Capped, for rule
    // sets with dozens of targets, at eight a complaint.
    let room = n * n_targets.min(8);
    let mut verdicts = VerdictTable {
        target: Vec::with_capacity(room),
        status: Vec::with_capacity(room),
        late: LateLists::default(),
        targets: Dict::of(rules.targets.targets.iter().map(|t| t.name.as_str())),
        applied: vec![false; n_targets],
        spill: VerdictSpill::create(opts.scratch)?,
        first: Vec::with_capacity(n + 1),
    };
    let mut findings = FindingTable {
        complaint: Vec::new(),
        duty: Vec::new(),
        status: Vec::new(),
        duties: Dict::default(),
        noncompliant: Vec::new(),
        team: Vec::new(),
        applied: Default::default(),
        evidence: Default::default(),
    };
    let mut reopened: Vec<bool> = Vec::with_capacity(n);
    // Late and missing findings kept so far per (period, project).
    let mut kept: rustc_hash::FxHashMap<(u32, u32), usize> = Default::default();
    let mut marks = TeamMarks::default();
    let mut uncovered = std::collections::BTreeSet::new();
    let (mut t_sla, mut t_audit, mut t_sink) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    // The late lists are ordered by complaint ID among equals.
    let id_of = |i: u32| cls.complaints[i as usize].id.as_str();
    // A chunk is judged (its SLA verdicts, then its duty findings: each parallel inside) while
    // the chunk before it is handed to the sink and folded into the table (serial): on two
    // cores the fold no longer leaves one of them idle. The stage times therefore overlap.
    let mut fold_chunk = |c: ChunkJudged| -> Result<()> {
        let t0 = Instant::now();
        let (range, vs, fs) = (c.range, c.verdicts, c.findings);
        uncovered.extend(c.uncovered);
        reopened.extend(c.reopened);
        marks.add(rules, &vs);
        marks.add_actions(rules, cls, range.clone(), &c.events, &audit_opts);
        sink.partition(&Partition {
            classified: cls,
            range: range.clone(),
            verdicts: &vs,
            findings: &fs,
        })?;
        let t1 = Instant::now();
        // One pass that reads each complaint's verdicts into the table and the spill, then
        // drops them: a chunk's verdicts (tens of MB) are read from memory once here, where a
        // pass for the table, one for the spill and one for the drop read them three times.
        for (k, vv) in vs.into_iter().enumerate() {
            let i = (range.start + k) as u32;
            verdicts.first.push(verdicts.target.len() as u32);
            for v in &vv {
                verdicts.applied[v.target as usize] = true;
                verdicts.target.push(v.target);
                verdicts.status.push(status_code(v.status));
                if matches!(v.status, Status::Breached | Status::Overdue) {
                    let k = i as usize;
                    verdicts.late.add(
                        complaints.period[k],
                        complaints.project[k],
                        Late::new(i, v),
                        &id_of,
                    );
                }
                verdicts.spill.push(v)?;
            }
        }
        for x in fs {
            let i = x.complaint.expect("complaint findings") as usize;
            if !findings.applied.contains(x.duty.as_str()) {
                findings.applied.insert(x.duty.to_string());
            }
            findings.complaint.push(i as u32);
            findings.duty.push(findings.duties.code(&x.duty));
            findings.status.push(
                AuditStatus::ALL
                    .iter()
                    .position(|s| *s == x.status)
                    .unwrap_or(0) as u8,
            );
            if matches!(x.status, AuditStatus::Late | AuditStatus::Missing) {
                let seen = kept
                    .entry((complaints.period[i], complaints.project[i]))
                    .or_default();
                if *seen < LIST_LIMIT {
                    *seen += 1;
                    for e in c.events.at(i) {
                        if x.evidence.contains(&e.origin) {
                            findings.evidence.insert(e.origin, (*e).clone());
                        }
                    }
                    findings.noncompliant.push(x);
                }
            }
        }
        t_sink += t1 - t0;
        fold += t1.elapsed();
        Ok(())
    };
    // The names targets and duties read, resolved once for the run: the pieces below are
    // thousands.
    let target_fields = sla::TargetFields::of(rules, cls);
    let duty_plans = audit::DutyPlans::of(rules, cls);
    let judge_chunk = |range: std::ops::Range<usize>| -> Result<ChunkJudged<'_>> {
        use rayon::prelude::*;
        let t0 = Instant::now();
        // The chunk's events, read from the log's file in one go.
        let window = events.window(range.clone())?;
        let reopened = range
            .clone()
            .map(|i| {
                window
                    .at(i)
                    .iter()
                    .any(|e| e.kind() == "reopened" && e.at <= f.as_of)
            })
            .collect();
        let sla_opts = SlaOptions {
            zone: f.zone,
            as_of: f.as_of,
            project_calendars: f.project_calendars,
            dicts: &cls.dicts,
            events: window.logged.then_some(&window),
        };
        // SLA then duties, a piece of the chunk at a time: the duties read each complaint's
        // verdicts, events and row right after the SLA stage wrote or read them, while they
        // are still in cache. (Over the whole chunk, the verdicts, 55 MB at 65,536
        // complaints, were read back from memory: finding a complaint's verdicts was a
        // sixth of the duties' time in the 1 M default job.)
        let pieces: Vec<std::ops::Range<usize>> = range
            .clone()
            .step_by(JUDGE_PIECE)
            .map(|a| a..(a + JUDGE_PIECE).min(range.end))
            .collect();
        let judged: Vec<_> = pieces
            .into_par_iter()
            .map(|piece| {
                let t0 = Instant::now();
                let (vs, years) =
                    sla::assess_range(rules, cls, &target_fields, piece.clone(), &sla_opts);
                let t1 = Instant::now();
                let fs = audit::complaint_findings(
                    rules,
                    cls,
                    &duty_plans,
                    piece,
                    &vs,
                    &window,
                    &audit_opts,
                );
                (vs, years, fs, t1 - t0, t1.elapsed())
            })
            .collect();
        let mut verdicts = Vec::with_capacity(range.len());
        let (mut findings, mut uncovered) = (Vec::new(), std::collections::BTreeSet::new());
        let (mut busy_sla, mut busy_audit) = (Duration::ZERO, Duration::ZERO);
        for (vs, years, fs, sla, audit) in judged {
            verdicts.extend(vs);
            findings.extend(fs);
            uncovered.extend(years);
            busy_sla += sla;
            busy_audit += audit;
        }
        // The stages ran interleaved: the chunk's time is shared between them as their
        // threads' busy times are.
        let wall = t0.elapsed();
        let busy = (busy_sla + busy_audit).as_secs_f64();
        let sla_share = if busy > 0.0 {
            busy_sla.as_secs_f64() / busy
        } else {
            1.0
        };
        let sla_time = wall.mul_f64(sla_share);
        Ok(ChunkJudged {
            range,
            verdicts,
            findings,
            uncovered,
            reopened,
            sla: sla_time,
            audit: wall.saturating_sub(sla_time),
            events: window,
        })
    };
    let mut pending: Option<ChunkJudged> = None;
    let mut start = 0;
    loop {
        let next = (start < n).then(|| start..(start + opts.chunk).min(n));
        let (folded, judged) = rayon::join(
            || pending.take().map(&mut fold_chunk).transpose(),
            || next.map(judge_chunk),
        );
        folded?;
        let Some(j) = judged.transpose()? else { break };
        t_sla += j.sla;
        t_audit += j.audit;
        opts.meter.inc(j.range.len() as u64);
        start = j.range.end;
        pending = Some(j);
    }
    // Every chunk has read its events: the sorted partitions kept for the next window go.
    events.forget_sorted();
    verdicts.first.push(verdicts.target.len() as u32);
    verdicts.late.finish(&id_of);
    opts.meter.message("team duties");
    let t0 = Instant::now();
    let team = audit::team_findings(rules, cls, &marks, &events, &audit_opts);
    t_audit += t0.elapsed();
    let cited: rustc_hash::FxHashSet<crate::model::Origin> = team
        .iter()
        .filter(|f| matches!(f.status, AuditStatus::Late | AuditStatus::Missing))
        .flat_map(|f| f.evidence.iter().copied())
        .collect();
    for e in marks.cited_actions(&cited) {
        findings.evidence.insert(e.origin, e.clone());
    }
    let t0 = Instant::now();
    sink.team(&team)?;
    t_sink += t0.elapsed();
    let t0 = Instant::now();
    for x in &team {
        if !findings.applied.contains(x.duty.as_str()) {
            findings.applied.insert(x.duty.to_string());
        }
        findings.duties.code(&x.duty);
    }
    findings.team = team;
    complaints.reopened = reopened;
    verdicts.spill.finish()?;
    timings
        .scratch_bytes
        .push(("verdicts".into(), verdicts.spill.bytes()));
    fold += t0.elapsed();
    opts.meter.message("");
    let ms = |d: Duration| d.as_millis() as u64;
    timings.stages.push(("sla".into(), ms(t_sla)));
    timings.stages.push(("audit".into(), ms(t_audit)));
    timings.stages.push(("tables".into(), ms(t_sink)));
    timings.stages.push(("assess".into(), ms(fold)));
    timings.mark("assess");
    Ok(Assessed {
        complaints,
        verdicts,
        findings,
        events,
        uncovered,
    })
}

/// Complaints judged at a time by one task (SLA, then duties): their verdicts, ~900 bytes a
/// complaint with the default presets, stay within a core's cache until the duties read them.
const JUDGE_PIECE: usize = 512;

/// One chunk's verdicts and findings, judged and not yet folded into the table.
struct ChunkJudged<'a> {
    range: std::ops::Range<usize>,
    verdicts: Vec<Vec<Verdict>>,
    findings: Vec<AuditFinding>,
    /// Calendar years the verdicts needed and the calendars do not cover.
    uncovered: std::collections::BTreeSet<(String, i32)>,
    /// Reopened by `as_of`, per complaint (the table's `reopened`).
    reopened: Vec<bool>,
    /// The chunk's events (the fold keeps team duties' actions and evidence from them).
    events: crate::pipeline::events::EventWindow<'a>,
    sla: Duration,
    audit: Duration,
}

/// Position of a verdict status in [`Status::ALL`].
fn status_code(s: Status) -> u8 {
    Status::ALL.iter().position(|x| *x == s).unwrap_or(0) as u8
}
