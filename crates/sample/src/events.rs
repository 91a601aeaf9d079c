//! The event log: one row per lifecycle action, consistent with the stage
//! timestamps of the export, plus the escalations, second handlings, look-backs
//! and other actions the procedures in the domain brief (§4, §6.2) call for —
//! mostly done right, sometimes late, missing or by the wrong role, so an audit
//! has something to find.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime, Timelike};

use super::Flavour;
use super::complaint::{
    ACK, CLOSE, Complaint, DISPATCH, DONE, FOLLOWUP, ONSITE, RECEIPT, REPLY, format_id,
};
use super::dirty::DirtyKind;
use super::render::score_word;
use super::rng::Rng;
use super::roster::Roster;
use super::vocab::{HQ_CHANNEL, Kind, PROJECTS, Team};

pub(crate) const TAG_EVENTS: u64 = 30;
/// A stream of its own for a flavour's events, so the property events stay as they were.
const TAG_FLAVOUR: u64 = 31;

/// 操作类型.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EvType {
    Register,
    Accept,
    Dispatch,
    Escalate,
    Onsite,
    Done,
    Reply,
    Followup,
    Reopen,
    Extension,
    Pause,
    Resume,
    LevelChange,
    SecondHandling,
    LookBack,
    Transfer,
    Close,
    /// 001-HT: the guest demands to see the manager.
    ManagerRequest,
    /// 001-HT: the incident logged in the Log Book.
    LogBook,
}

impl EvType {
    pub(crate) fn name(self) -> &'static str {
        match self {
            EvType::Register => "登记",
            EvType::Accept => "受理",
            EvType::Dispatch => "派单",
            EvType::Escalate => "升级",
            EvType::Onsite => "到场",
            EvType::Done => "完成",
            EvType::Reply => "回复",
            EvType::Followup => "回访",
            EvType::Reopen => "重新打开",
            EvType::Extension => "延期说明",
            EvType::Pause => "暂停",
            EvType::Resume => "恢复",
            EvType::LevelChange => "等级变更",
            EvType::SecondHandling => "二次处理",
            EvType::LookBack => "回头看",
            EvType::Transfer => "转交",
            EvType::Close => "关闭",
            EvType::ManagerRequest => "要求见经理",
            EvType::LogBook => "记事本",
        }
    }
}

/// One event. Ordered by (time, complaint ordinal, sequence within the
/// complaint), which is the order of `events.csv`.
#[derive(Clone, Debug)]
pub(crate) struct Ev {
    pub(crate) time: NaiveDateTime,
    pub(crate) ordinal: u64,
    pub(crate) seq: u8,
    pub(crate) ym: u32,
    pub(crate) id_seq: u32,
    pub(crate) ty: EvType,
    pub(crate) actor: u16,
    pub(crate) to: &'static str,
    pub(crate) remark: Cow<'static, str>,
    /// Replaces the rendered time (a deliberately impossible one).
    pub(crate) time_text: Option<String>,
    /// Set on deliberately dirty events, to report their line.
    pub(crate) dirty: Option<DirtyKind>,
}

impl Ev {
    pub(crate) fn id(&self) -> String {
        format_id(self.ym, self.id_seq)
    }
    fn key(&self) -> (NaiveDateTime, u64, u8) {
        (self.time, self.ordinal, self.seq)
    }
}

impl PartialEq for Ev {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Ev {}
impl PartialOrd for Ev {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ev {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

fn at(t: NaiveDateTime, secs: i64) -> NaiveDateTime {
    t + Duration::seconds(secs)
}

/// Moves a follow-up action done by day staff out of the night (to 08:xx).
/// Only ever moves forward, so events stay after the complaint's receipt.
fn daytime(t: NaiveDateTime, rng: &mut Rng) -> NaiveDateTime {
    if (8..21).contains(&t.hour()) {
        return t;
    }
    let day = if t.hour() >= 21 {
        t.date() + Duration::days(1)
    } else {
        t.date()
    };
    at(
        day.and_time(NaiveTime::MIN),
        8 * HOUR + rng.range(0, 50 * MIN),
    )
}

const MIN: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

struct Builder<'a> {
    c: &'a Complaint,
    evs: Vec<Ev>,
}

impl Builder<'_> {
    fn push(
        &mut self,
        ty: EvType,
        time: NaiveDateTime,
        actor: u16,
        to: &'static str,
        remark: impl Into<Cow<'static, str>>,
    ) {
        self.evs.push(Ev {
            time,
            ordinal: self.c.ordinal,
            seq: 0,
            ym: self.c.ym,
            id_seq: self.c.seq,
            ty,
            actor,
            to,
            remark: remark.into(),
            time_text: None,
            dirty: None,
        });
    }
}

fn channel_remark(channel: &str) -> Cow<'static, str> {
    // Static strings for the known channels: this runs once per complaint.
    match channel {
        "电话" => "渠道：电话".into(),
        "前台来访" => "渠道：前台来访".into(),
        "微信小程序" => "渠道：微信小程序".into(),
        "APP" => "渠道：APP".into(),
        "业主群" => "渠道：业主群".into(),
        "书面信函" => "渠道：书面信函".into(),
        "投诉箱" => "渠道：投诉箱".into(),
        "总部热线" => "渠道：总部热线".into(),
        other => format!("渠道：{other}").into(),
    }
}

/// Level names in the project's vocabulary, for 等级变更 remarks.
fn level_names(project: usize) -> [&'static str; 3] {
    match PROJECTS[project].level_scheme {
        1 => ["Ⅰ级", "Ⅱ级", "Ⅲ级"],
        2 => ["I", "II", "III"],
        _ => ["紧急", "一般", "建议"],
    }
}

/// All events of `c`'s full lifecycle, sorted and numbered, with those of its
/// flavour. The caller drops those after the data end.
pub(crate) fn build(c: &Complaint, roster: &Roster, seed: u64, flavour: Flavour) -> Vec<Ev> {
    let mut rng = Rng::keyed(seed, &[TAG_EVENTS, c.ordinal]);
    let rng = &mut rng;
    let mut b = Builder {
        c,
        evs: Vec::with_capacity(10),
    };
    let s = &c.stages;
    let r = c.receipt();
    let hq = c.channel == HQ_CHANNEL;

    let registrar = if hq {
        roster.hq_rep(rng)
    } else {
        roster.rep(rng)
    };
    b.push(
        EvType::Register,
        r,
        registrar,
        "",
        channel_remark(c.channel),
    );

    if let Some(ack) = s[ACK] {
        if hq {
            // E17: head office hands the case back to the 管理处.
            let span = (ack - r).num_seconds().max(2);
            let t = at(r, (span / 2).max(1));
            let actor = if rng.chance(0.8) {
                registrar
            } else {
                roster.lead(rng)
            };
            b.push(
                EvType::Transfer,
                t,
                actor,
                "",
                format!("总部热线转{}管理处处理", PROJECTS[c.project].name),
            );
        }
        let rep = roster.rep(rng);
        b.push(EvType::Accept, ack, rep, "", "");

        // 等级变更: a few cases are re-graded after acceptance.
        if rng.chance(0.006) {
            let names = level_names(c.project);
            // Up-grades (always for emergencies) and a few down-grades.
            let (from, to) = if c.kind == Kind::Emergency || rng.chance(0.5) {
                (names[1], names[0])
            } else {
                (names[0], names[1])
            };
            b.push(
                EvType::LevelChange,
                at(ack, rng.range(2 * MIN, 40 * MIN)),
                roster.lead(rng),
                "",
                format!("{from}→{to}"),
            );
        }
        escalations(&mut b, ack, rep, roster, rng);
    }

    if let Some(d) = s[DISPATCH] {
        b.push(
            EvType::Dispatch,
            d,
            roster.rep(rng),
            "",
            c.team.dispatch_remark(),
        );
    }
    if let Some(o) = s[ONSITE] {
        b.push(EvType::Onsite, o, c.handler, "", "");
    }

    // 暂停/恢复: waiting for the owner to be at home.
    if let (Some(d), Some(done)) = (s[DISPATCH], s[DONE])
        && (done - d).num_seconds() > DAY
        && rng.chance(0.012)
    {
        let span = (done - d).num_seconds();
        let p = at(d, span / 4);
        let q = at(d, span * 3 / 4);
        let rep = roster.rep(rng);
        b.push(EvType::Pause, p, rep, "", "等待业主在家");
        b.push(EvType::Resume, q, rep, "", "业主已约定上门时间");
    }

    // 延期说明 for slow cases: mostly before the original limit (E51), some late.
    if let Some(done) = s[DONE].or(s[REPLY])
        && c.kind != Kind::Emergency
        && (done - r).num_seconds() > c.limit
        && rng.chance(0.55)
    {
        let limit_at = at(r, c.limit);
        let t = if rng.chance(0.8) {
            at(limit_at, -rng.range(2 * HOUR, 20 * HOUR))
        } else {
            at(limit_at, rng.range(2 * HOUR, 30 * HOUR))
        };
        let earliest = at(s[ACK].unwrap_or(r), MIN);
        let t = t.max(earliest).min(at(done, -MIN)).max(earliest);
        let actor = if c.team == Team::Service || rng.chance(0.5) {
            roster.rep(rng)
        } else {
            roster.leader(c.team)
        };
        let eta = done.date() + Duration::days(rng.range(0, 1));
        b.push(
            EvType::Extension,
            t,
            actor,
            "",
            format!("配件需采购，预计{}月{}日前完成", eta.month(), eta.day()),
        );
    }

    // E19: cases far beyond the limit are referred to 行政人事部.
    let end = s[DONE].or(s[REPLY]);
    let age_at_done = end.map(|d| (d - r).num_seconds()).unwrap_or(i64::MAX);
    if c.kind != Kind::Emergency && age_at_done > 2 * c.limit && rng.chance(0.35) {
        let t = at(r, 2 * c.limit + rng.range(HOUR, DAY));
        if end.is_none_or(|d| t < d) {
            b.push(
                EvType::Transfer,
                t,
                roster.lead(rng),
                "行政人事部",
                "超期未办结，转行政人事部督办",
            );
        }
    }

    if let Some(d) = s[DONE] {
        b.push(EvType::Done, d, c.handler, "", "");
    }
    if let Some(t) = s[REPLY] {
        b.push(EvType::Reply, t, roster.rep(rng), "", "");
    }
    if let Some(fu) = s[FOLLOWUP] {
        let remark: Cow<'static, str> = match c.score {
            Some(sc) if c.score_words => format!("回访：{}", score_word(sc)).into(),
            Some(sc) => format!("回访评分{sc}").into(),
            None => "业主未评价".into(),
        };
        b.push(EvType::Followup, fu, roster.rep(rng), "", remark);
        if c.unsatisfied() {
            unsatisfied(&mut b, fu, roster, rng);
        }
    }
    if let Some(close) = s[CLOSE] {
        let remark = if s[FOLLOWUP].is_none() {
            "一周内无新投诉，自动关闭"
        } else {
            ""
        };
        let actor = if rng.chance(0.8) {
            roster.rep(rng)
        } else {
            roster.lead(rng)
        };
        b.push(EvType::Close, close, actor, "", remark);
    }

    match flavour {
        Flavour::Property => {}
        Flavour::Hotel => hotel(&mut b, roster, seed),
        Flavour::Hospital => hospital(&mut b, roster, seed),
    }

    let mut evs = b.evs;
    // Stable: same-instant events keep their logical order.
    evs.sort_by_key(|e| e.time);
    for (i, e) in evs.iter_mut().enumerate() {
        e.seq = i.min(255) as u8;
    }
    debug_assert!(evs.iter().all(|e| e.time >= s[RECEIPT].unwrap_or_default()));
    evs
}

/// Escalations (E15, E25–E27, E26): on time mostly, sometimes late, missing or
/// to the wrong role.
fn escalations(b: &mut Builder<'_>, ack: NaiveDateTime, rep: u16, roster: &Roster, rng: &mut Rng) {
    let c = b.c;
    match c.kind {
        Kind::Emergency => {
            let x = rng.f64();
            if x < 0.85 {
                let t = at(ack, rng.range(2 * MIN, 55 * MIN));
                b.push(EvType::Escalate, t, rep, "客服主管", "Ⅰ级紧急事件上报");
                if rng.chance(0.3) {
                    let t2 = at(t, rng.range(2 * MIN, 30 * MIN));
                    b.push(
                        EvType::Escalate,
                        t2,
                        roster.lead(rng),
                        "项目经理",
                        "项目经理赶赴现场",
                    );
                }
            } else if x < 0.93 {
                let t = at(ack, rng.range(65 * MIN, 3 * HOUR));
                b.push(EvType::Escalate, t, rep, "客服主管", "Ⅰ级紧急事件上报");
            }
        }
        Kind::Important => {
            let x = rng.f64();
            let to = if rng.chance(0.6) {
                "客服主管"
            } else {
                "项目经理"
            };
            if x < 0.75 {
                let t = at(ack, rng.range(3 * MIN, 58 * MIN));
                b.push(EvType::Escalate, t, rep, to, "重要投诉1小时内上报");
            } else if x < 0.87 {
                let t = at(ack, rng.range(65 * MIN, 3 * HOUR));
                b.push(EvType::Escalate, t, rep, to, "重要投诉上报");
            } else if x < 0.92 {
                let t = at(ack, rng.range(5 * MIN, 50 * MIN));
                b.push(EvType::Escalate, t, rep, "班组长", "重要投诉上报");
            }
        }
        Kind::Major => {
            let x = rng.f64();
            let actor = if rng.chance(0.5) {
                roster.lead(rng)
            } else {
                roster.project_manager(c.project)
            };
            let midnight = ack.date().and_time(NaiveTime::MIN) + Duration::days(1);
            if x < 0.85 {
                // Same day: within hours, but never past midnight.
                let room = (midnight - ack).num_seconds() - 2 * MIN;
                let t = at(ack, rng.range(MIN, (4 * HOUR).min(room).max(MIN)));
                b.push(EvType::Escalate, t, actor, "总经理", "重大投诉当日报总经理");
                if rng.chance(0.4) {
                    let room2 = (midnight - t).num_seconds() - MIN;
                    let t2 = at(
                        t,
                        rng.range(MIN.min(room2.max(1)), (2 * HOUR).min(room2).max(1)),
                    );
                    b.push(
                        EvType::Escalate,
                        t2,
                        roster.general_manager(),
                        "物业总监",
                        "情况严重，报物业总监",
                    );
                }
            } else if x < 0.93 {
                let next = at(midnight, 9 * HOUR + rng.range(0, 2 * HOUR));
                b.push(EvType::Escalate, next, actor, "总经理", "重大投诉补报");
            }
        }
        Kind::Ordinary | Kind::Suggestion => {
            // Owners sometimes ask for a manager (E31); staff escalate a few.
            if rng.chance(0.01) && ack.hour() < 22 {
                let t = at(ack, rng.range(10 * MIN, 6 * HOUR));
                b.push(EvType::Escalate, t, rep, "客服主管", "业主要求主管处理");
            }
        }
    }
}

/// E11/E12 and E41: after a dissatisfied 回访, a superior re-handles the case
/// (二次处理) and customer service looks back (回头看); a few are reopened.
fn unsatisfied(b: &mut Builder<'_>, fu: NaiveDateTime, roster: &Roster, rng: &mut Rng) {
    let c = b.c;
    let x = rng.f64();
    if x < 0.85 {
        let actor = if rng.chance(0.6) {
            roster.lead(rng)
        } else {
            roster.project_manager(c.project)
        };
        let t = daytime(at(fu, rng.range(HOUR, DAY)), rng);
        b.push(
            EvType::SecondHandling,
            t,
            actor,
            "",
            "业主不满意，主管介入复核",
        );
    } else if x < 0.92 {
        let actor = if rng.chance(0.5) {
            roster.rep(rng)
        } else {
            roster.leader(c.team)
        };
        let t = daytime(at(fu, rng.range(HOUR, DAY)), rng);
        b.push(EvType::SecondHandling, t, actor, "", "业主不满意，重新处理");
    }
    let y = rng.f64();
    if y < 0.85 {
        let t = daytime(at(fu, rng.range(DAY, 5 * DAY)), rng);
        b.push(
            EvType::LookBack,
            t,
            roster.rep(rng),
            "",
            "回头看：电话回访业主",
        );
    } else if y < 0.90 {
        let t = daytime(at(fu, rng.range(DAY, 5 * DAY)), rng);
        let actor = if c.team == Team::Service {
            roster.lead(rng)
        } else {
            roster.worker(c.team, rng)
        };
        b.push(EvType::LookBack, t, actor, "", "回头看");
    }
    if let Some(re) = &c.reopen {
        b.push(
            EvType::Reopen,
            re.at,
            roster.lead(rng),
            "",
            "回访不满意，重新打开",
        );
        b.push(EvType::Done, re.done, c.handler, "", "二次处理完成");
        b.push(
            EvType::Followup,
            re.followup,
            roster.rep(rng),
            "",
            "二次回访：满意",
        );
    }
}

/// An action a flavour's procedure owes from `from`: with probability `on_time` within the
/// `soon` range of seconds, with `late` more two to four days later (in the daytime), else never.
#[allow(clippy::too_many_arguments)]
fn owed(
    b: &mut Builder<'_>,
    rng: &mut Rng,
    from: NaiveDateTime,
    (on_time, late): (f64, f64),
    soon: (i64, i64),
    ty: EvType,
    actor: u16,
    to: &'static str,
    (remark, late_remark): (&'static str, &'static str),
) {
    let x = rng.f64();
    if x < on_time {
        let t = at(from, rng.range(soon.0, soon.1));
        b.push(ty, t, actor, to, remark);
    } else if x < on_time + late {
        let t = daytime(at(from, rng.range(2 * DAY, 4 * DAY)), rng);
        b.push(ty, t, actor, to, late_remark);
    }
}

/// 001-HT: every incident goes into the Log Book, mostly within hours, some days later, a few
/// never; some guests demand the manager, and the duty manager is called (E22): mostly within
/// minutes, sometimes late, to the wrong desk or not at all.
fn hotel(b: &mut Builder<'_>, roster: &Roster, seed: u64) {
    let mut rng = Rng::keyed(seed, &[TAG_FLAVOUR, b.c.ordinal]);
    let rng = &mut rng;
    let r = b.c.receipt();
    let clerk = roster.lead(rng);
    owed(
        b,
        rng,
        r,
        (0.85, 0.10),
        (20 * MIN, 8 * HOUR),
        EvType::LogBook,
        clerk,
        "",
        ("记事本登记，供管理层审阅", "补记记事本"),
    );
    if rng.chance(0.08) {
        let asked = at(r, rng.range(2 * MIN, 20 * MIN));
        let desk = roster.rep(rng);
        b.push(
            EvType::ManagerRequest,
            asked,
            desk,
            "",
            "客人情绪激动，要求见经理",
        );
        let y = rng.f64();
        if y < 0.8 {
            let t = at(asked, rng.range(3 * MIN, 25 * MIN));
            b.push(EvType::Escalate, t, desk, "值班经理", "请值班经理出面");
        } else if y < 0.9 {
            let t = at(asked, rng.range(40 * MIN, 3 * HOUR));
            b.push(EvType::Escalate, t, desk, "值班经理", "值班经理到场");
        } else if y < 0.95 {
            let t = at(asked, rng.range(5 * MIN, 20 * MIN));
            b.push(EvType::Escalate, t, desk, "前台领班", "交前台领班处理");
        }
    }
}

/// 001-HS: a complaint made to a ward nurse is reported to the head nurse (E23), a major one
/// referred to the nursing department (E24): mostly the same day, some days late, some never.
fn hospital(b: &mut Builder<'_>, roster: &Roster, seed: u64) {
    let mut rng = Rng::keyed(seed, &[TAG_FLAVOUR, b.c.ordinal]);
    let rng = &mut rng;
    let c = b.c;
    let r = c.receipt();
    if c.channel == Flavour::Hospital.channel("前台来访") {
        let nurse = roster.rep(rng);
        owed(
            b,
            rng,
            r,
            (0.8, 0.1),
            (10 * MIN, 4 * HOUR),
            EvType::Escalate,
            nurse,
            "护士长",
            ("病区护士报告护士长", "补报护士长"),
        );
    }
    if c.kind == Kind::Major {
        let head = roster.lead(rng);
        owed(
            b,
            rng,
            c.stages[ACK].unwrap_or(r),
            (0.8, 0.1),
            (HOUR, 6 * HOUR),
            EvType::Transfer,
            head,
            "护理部",
            ("重大投诉转护理部处理", "重大投诉转护理部"),
        );
    }
}
