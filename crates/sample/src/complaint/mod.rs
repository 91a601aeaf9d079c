//! One complaint: its true lifecycle and the values the export shows.
//!
//! A complaint is a pure function of (seed, global ordinal, receipt time), so
//! it can be regenerated for a re-export instead of being kept in memory.

use chrono::{Datelike, Duration, NaiveDateTime, NaiveTime, Timelike};

use super::calendar::Calendar;
use super::rng::Rng;
use super::roster::{Roster, person_name};
use super::timefmt::Style;
use super::vocab::{
    CATEGORIES, CHANNELS, CLOSINGS, GIVEN, HQ_CHANNEL, Kind, MOBILE_PREFIXES, OPENINGS, PLACES,
    PROJECTS, REMARKS, Route, SUGGESTION_CLOSINGS, SURNAMES, Season, TIME_PHRASES, TOPICS, Team,
    Topic,
};

pub(crate) const TAG_COMPLAINT: u64 = 20;
mod stages;

use stages::Stages;
pub(crate) use stages::nudge;

const TAG_HOUSE: u64 = 21;
const TAG_TEAM_WEEK: u64 = 22;

/// Indexes into `Complaint::stages` (= export columns 1..=8).
pub(crate) const RECEIPT: usize = 0;
pub(crate) const ACK: usize = 1;
pub(crate) const DISPATCH: usize = 2;
pub(crate) const ONSITE: usize = 3;
pub(crate) const DONE: usize = 4;
pub(crate) const REPLY: usize = 5;
pub(crate) const FOLLOWUP: usize = 6;
pub(crate) const CLOSE: usize = 7;

pub(super) const MIN: i64 = 60;
pub(super) const HOUR: i64 = 3600;
pub(super) const DAY: i64 = 86_400;
/// Stages are at least this far apart, so flooring a later stage to the minute
/// (short timestamp forms) can never move it before an earlier one.
pub(super) const GAP: i64 = 61;

/// A reopened complaint's second round (only in the event log; the export keeps
/// the first 完成/回访).
#[derive(Clone, Debug)]
pub(crate) struct Reopen {
    pub(crate) at: NaiveDateTime,
    pub(crate) done: NaiveDateTime,
    pub(crate) followup: NaiveDateTime,
}

/// A generated complaint.
#[derive(Clone, Debug)]
pub(crate) struct Complaint {
    pub(crate) ordinal: u64,
    pub(crate) ym: u32,
    pub(crate) seq: u32,
    /// True stage instants (投诉 … 关闭); `None` = the stage never happens.
    pub(crate) stages: [Option<NaiveDateTime>; 8],
    pub(crate) style: Style,
    /// 回访时间 is exported as a bare date.
    pub(crate) followup_date_only: bool,
    pub(crate) project: usize,
    pub(crate) building: String,
    pub(crate) room: String,
    pub(crate) name: String,
    pub(crate) phone: String,
    pub(crate) channel: &'static str,
    pub(crate) kind: Kind,
    /// Exported 投诉类别 ("" = blank).
    pub(crate) category: &'static str,
    /// Exported 紧急程度 ("" = blank).
    pub(crate) level: &'static str,
    pub(crate) text: String,
    pub(crate) team: Team,
    pub(crate) handler: u16,
    /// Satisfaction 0–100 given at the 回访, if any.
    pub(crate) score: Option<u8>,
    /// Exported as a word (满意 …) instead of a number.
    pub(crate) score_words: bool,
    pub(crate) deadline: Option<NaiveDateTime>,
    pub(crate) remark: &'static str,
    /// Nominal handling limit in seconds from receipt (for 延期说明 / 转交).
    pub(crate) limit: i64,
    pub(crate) reopen: Option<Reopen>,
}

impl Complaint {
    /// `TS202610-00042`. The sequence has at least five digits and grows
    /// wider only if a month has more than 99,999 complaints.
    pub(crate) fn id(&self) -> String {
        format_id(self.ym, self.seq)
    }

    /// Appends the complaint number to `out`.
    pub(crate) fn push_id(&self, out: &mut String) {
        push_id(out, self.ym, self.seq);
    }

    /// The latest stage instant.
    pub(crate) fn last_stage(&self) -> NaiveDateTime {
        self.stages
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or_default()
    }

    pub(crate) fn receipt(&self) -> NaiveDateTime {
        self.stages[RECEIPT].unwrap_or_default()
    }

    /// Whether the stage is known at instant `cut`.
    pub(crate) fn visible(&self, stage: usize, cut: NaiveDateTime) -> Option<NaiveDateTime> {
        self.stages[stage].filter(|&t| t <= cut)
    }

    /// Not satisfied: a score below 80 (the brief's 回头看 threshold).
    pub(crate) fn unsatisfied(&self) -> bool {
        self.score.is_some_and(|s| s < 80)
    }
}

/// Formats a complaint number.
pub(crate) fn format_id(ym: u32, seq: u32) -> String {
    let mut s = String::with_capacity(16);
    push_id(&mut s, ym, seq);
    s
}

/// Appends a complaint number without going through `format!` (hot path:
/// once per row and once per event).
pub(crate) fn push_id(out: &mut String, ym: u32, seq: u32) {
    out.push_str("TS");
    let mut digits = [0u8; 10];
    let mut n = 0;
    let mut v = ym;
    loop {
        digits[n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(digits[i] as char);
    }
    out.push('-');
    let mut v = seq;
    n = 0;
    while v > 0 || n < 5 {
        digits[n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
    }
    for i in (0..n).rev() {
        out.push(digits[i] as char);
    }
}

/// Per-run generator state: precomputed topic weights and the roster.
pub(crate) struct Generator<'a> {
    seed: u64,
    roster: &'a Roster,
    /// [project][season class][night] → topic weights.
    weights: Vec<[[Vec<f64>; 2]; 3]>,
    project_weights: Vec<f64>,
    channel_weights: Vec<f64>,
}

fn season_class(month: u32) -> usize {
    match month {
        5..=9 => 1,
        12 | 1 => 2,
        _ => 0,
    }
}

fn topic_weight(t: &Topic, lift_factor: f64, season: usize, night: bool) -> f64 {
    let mut w = t.weight;
    if t.lift {
        w *= lift_factor;
    }
    let in_season = matches!(
        (t.season, season),
        (Season::Summer, 1) | (Season::Billing, 2)
    );
    if in_season {
        w *= 1.6;
    }
    if night {
        w *= t.night;
    }
    w
}

pub(super) fn at(t: NaiveDateTime, secs: i64) -> NaiveDateTime {
    t + Duration::seconds(secs)
}

/// Not earlier than `GAP` after `prev`.
pub(super) fn after(prev: NaiveDateTime, t: NaiveDateTime) -> NaiveDateTime {
    t.max(at(prev, GAP))
}

/// Service-centre hours: 08:00–21:00.
pub(super) const OFFICE: std::ops::Range<u32> = 8..21;

/// Moves a time outside service-centre hours to the next morning.
pub(super) fn office(t: NaiveDateTime, rng: &mut Rng) -> NaiveDateTime {
    if OFFICE.contains(&t.hour()) {
        return t;
    }
    let day = if t.hour() >= OFFICE.end {
        t.date().succ_opt().unwrap_or(t.date())
    } else {
        t.date()
    };
    at(
        day.and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN)),
        rng.range(0, 45 * MIN),
    )
}

pub(super) fn floor_minute(t: NaiveDateTime) -> NaiveDateTime {
    t - Duration::seconds(t.second() as i64)
}

/// Converts ASCII letters and digits to their full-width forms (３号楼, ＡＰＰ).
fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// A synthetic mobile number `1[3-9]x xxxx xxxx`.
pub(crate) fn mobile(rng: &mut Rng) -> String {
    let mut s = String::with_capacity(11);
    s.push_str(rng.pick(&MOBILE_PREFIXES));
    for _ in 0..8 {
        s.push((b'0' + rng.below(10) as u8) as char);
    }
    s
}

struct House {
    building_no: u32,
    unit: u32,
    floor: u32,
    room_no: u32,
    name: String,
    mobile: String,
    landline: Option<String>,
}

impl<'a> Generator<'a> {
    pub(crate) fn new(seed: u64, roster: &'a Roster) -> Self {
        let weights = PROJECTS
            .iter()
            .map(|p| {
                std::array::from_fn(|season| {
                    std::array::from_fn(|night| {
                        TOPICS
                            .iter()
                            .map(|t| topic_weight(t, p.lift_factor, season, night == 1))
                            .collect()
                    })
                })
            })
            .collect();
        Generator {
            seed,
            roster,
            weights,
            project_weights: PROJECTS.iter().map(|p| p.weight).collect(),
            channel_weights: CHANNELS.iter().map(|c| c.1).collect(),
        }
    }

    fn house(&self, project: usize, rng: &mut Rng) -> (u64, House) {
        let p = &PROJECTS[project];
        let n = (p.buildings * p.units * p.floors * p.rooms_per_floor) as u64;
        // 15 % of complaints come from a small pool of frequent complainers, so
        // repeat complaints by the same owner exist.
        let idx = if rng.chance(0.15) {
            (rng.below((n / 50).max(1)) * 7919 + 13) % n
        } else {
            rng.below(n)
        };
        let mut h = Rng::keyed(self.seed, &[TAG_HOUSE, project as u64, idx]);
        let per_building = (p.units * p.floors * p.rooms_per_floor) as u64;
        let per_unit = (p.floors * p.rooms_per_floor) as u64;
        let building_no = (idx / per_building) as u32 + 1;
        let unit = ((idx % per_building) / per_unit) as u32 + 1;
        let floor = ((idx % per_unit) / p.rooms_per_floor as u64) as u32 + 1;
        let room_no = (idx % p.rooms_per_floor as u64) as u32 + 1;
        let name = person_name(&mut h);
        let mobile = mobile(&mut h);
        let landline = h.chance(0.12).then(|| {
            let mut s = String::from("0571-8");
            for _ in 0..7 {
                s.push((b'0' + h.below(10) as u8) as char);
            }
            s
        });
        (
            idx,
            House {
                building_no,
                unit,
                floor,
                room_no,
                name,
                mobile,
                landline,
            },
        )
    }

    /// Generates complaint `ordinal` (number `ym`-`seq`) received at `receipt`.
    pub(crate) fn complaint(
        &self,
        ordinal: u64,
        ym: u32,
        seq: u32,
        receipt: NaiveDateTime,
        rng: &mut Rng,
    ) -> Complaint {
        let project = rng.weighted(&self.project_weights);
        let p = &PROJECTS[project];
        let (_, house) = self.house(project, rng);
        let hour = receipt.hour();
        let night = !(7..22).contains(&hour);
        let season = season_class(receipt.month());
        let topic_i = rng.weighted(&self.weights[project][season][night as usize]);
        let topic = &TOPICS[topic_i];
        let kind = topic.kind;

        let mut channel = CHANNELS[rng.weighted(&self.channel_weights)].0;
        if kind == Kind::Emergency && rng.chance(0.6) {
            channel = "电话"; // people phone when someone is stuck in a lift
        }
        if channel == "前台来访" && !(8..20).contains(&hour) {
            channel = "电话"; // the front desk is closed at night
        }
        let team = match topic.route {
            Route::Team(t) => t,
            Route::Repair => p.repair,
        };
        let handler = if team == Team::Service {
            if rng.chance(0.85) {
                self.roster.rep(rng)
            } else {
                self.roster.lead(rng)
            }
        } else if rng.chance(0.88) {
            self.roster.worker(team, rng)
        } else {
            self.roster.leader(team)
        };

        // Team-week slowdowns: deterministic per (team, ISO week), no state.
        let week = receipt.date().iso_week();
        let week_key = week.year() as u64 * 100 + week.week() as u64;
        let bad_week =
            Rng::keyed(self.seed, &[TAG_TEAM_WEEK, team as u64, week_key]).chance(team.bad_week());
        let tail_p = (team.tail() * if bad_week { 3.5 } else { 1.0 }).min(0.85);
        let tail = rng.chance(tail_p);
        let f = team.slowness() * if bad_week { 1.8 } else { 1.0 };

        let hq = channel == HQ_CHANNEL;
        let mut st = Stages::new(receipt);
        let round_the_clock = matches!(team, Team::Security | Team::Lift);
        let limit = st.run(kind, topic, f, tail, hq, round_the_clock, rng);
        let s = st.s;

        // Lateness against the nominal limit of the class.
        let done_or_reply = s[DONE].or(s[REPLY]);
        let overdue = match kind {
            Kind::Emergency => {
                s[ONSITE].is_some_and(|t| (t - receipt).num_seconds() > 30 * MIN)
                    || done_or_reply.is_some_and(|t| (t - receipt).num_seconds() > limit)
            }
            _ => done_or_reply.is_some_and(|t| (t - receipt).num_seconds() > limit),
        };

        // Satisfaction at the 回访: low scores cluster on slow complaints.
        let mut score = None;
        if s[FOLLOWUP].is_some() && rng.chance(0.97) {
            let mut low_p = if overdue { 0.55 } else { 0.06 };
            if matches!(kind, Kind::Important | Kind::Major) {
                low_p += 0.12;
            }
            let v = if rng.chance(0.01) {
                rng.range(0, 39)
            } else if rng.chance(low_p) {
                rng.range(40, 79)
            } else if rng.chance(0.7) {
                rng.range(90, 100)
            } else {
                rng.range(80, 89)
            };
            score = Some(v as u8);
        }
        let score_words = rng.chance(0.13);

        let mut stages = s;
        let mut reopen = None;
        if let (Some(sc), Some(fu)) = (score, s[FOLLOWUP])
            && sc < 60
            && rng.chance(0.05)
        {
            let r_at = at(fu, rng.range(HOUR, 12 * HOUR));
            let done2 = office(at(r_at, rng.range(DAY, 3 * DAY)), rng);
            let follow2 = office(at(done2, rng.range(12 * HOUR, 2 * DAY)), rng);
            let done2 = after(r_at, done2);
            let follow2 = after(done2, follow2);
            stages[CLOSE] = Some(after(follow2, at(follow2, rng.skewed(600.0, 43_200.0, 2))));
            reopen = Some(Reopen {
                at: r_at,
                done: done2,
                followup: follow2,
            });
        }

        let r = rng.f64();
        let style = if r < 0.90 {
            Style::Std
        } else if r < 0.935 {
            Style::Slash
        } else if r < 0.965 {
            Style::Chinese
        } else {
            Style::Iso
        };
        if style.is_short() {
            for t in stages.iter_mut().flatten() {
                *t = floor_minute(*t);
            }
        }
        // A bare date for 回访时间 only when its midnight is still after every
        // earlier stage, so the date-only value stays in lifecycle order.
        let followup_date_only = match stages[FOLLOWUP] {
            Some(fu) if rng.chance(0.08) => stages[..FOLLOWUP]
                .iter()
                .flatten()
                .all(|t| t.date() < fu.date()),
            _ => false,
        };

        let category = if rng.chance(0.15) {
            ""
        } else if rng.chance(0.04) {
            CATEGORIES[rng.index(CATEGORIES.len())]
        } else {
            topic.category
        };
        let level = if rng.chance(0.20) {
            ""
        } else {
            level_label(kind, topic.lift, p.level_scheme, rng)
        };

        let deadline = (kind == Kind::Ordinary && rng.chance(0.03)).then(|| {
            let d = receipt.date() + Duration::days(rng.range(1, 3));
            let h = rng.pick(&[10u32, 12, 18]);
            let t = d.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN));
            t.max(at(receipt, HOUR))
        });
        let remark = if rng.chance(0.08) {
            REMARKS[rng.index(REMARKS.len())]
        } else {
            ""
        };

        let building = format!(
            "{}{}{}",
            p.building_prefix, house.building_no, p.building_suffix
        );
        let room = match p.room_style {
            super::vocab::RoomStyle::Plain => format!("{}{:02}", house.floor, house.room_no),
            super::vocab::RoomStyle::Dashed => format!(
                "{}-{}-{}{:02}",
                house.building_no, house.unit, house.floor, house.room_no
            ),
        };
        let phone = if rng.chance(0.06) {
            String::new()
        } else if let Some(l) = &house.landline {
            l.clone()
        } else {
            house.mobile.clone()
        };
        let text = self.text(topic, &house, project, &building, &room, rng);

        Complaint {
            ordinal,
            ym,
            seq,
            stages,
            style,
            followup_date_only,
            project,
            building,
            room,
            name: house.name,
            phone,
            channel,
            kind,
            category,
            level,
            text,
            team,
            handler,
            score,
            score_words,
            deadline,
            remark,
            limit,
            reopen,
        }
    }

    /// The complaint text: a template of the topic with its placeholders
    /// filled, an optional opening/closing, and sometimes the complainant's own
    /// name and number (which the tool must mask).
    fn text(
        &self,
        topic: &Topic,
        house: &House,
        project: usize,
        building: &str,
        room: &str,
        rng: &mut Rng,
    ) -> String {
        let p = &PROJECTS[project];
        let traditional = !topic.traditional.is_empty() && rng.chance(0.05);
        let template = if traditional {
            rng.pick(topic.traditional)
        } else {
            rng.pick(topic.templates)
        };
        let mut out = String::with_capacity(160);
        // 0/1: the complainant introduces themself; 2: contact at the end.
        let pii = rng.chance(0.05).then(|| rng.below(3));
        if let Some(mode) = pii {
            match mode {
                0 => {
                    out.push_str("我是");
                    out.push_str(&house.name);
                    out.push_str("，电话");
                    out.push_str(&house.mobile);
                    out.push('，');
                }
                1 => {
                    out.push_str("业主");
                    out.push_str(&house.name);
                    out.push('（');
                    out.push_str(&house.mobile);
                    out.push_str("）反映：");
                }
                _ => {}
            }
        } else if !traditional {
            out.push_str(OPENINGS[rng.index(OPENINGS.len())]);
        }
        let building_word = if traditional {
            building.replace('栋', "棟")
        } else if rng.chance(0.35) && p.building_prefix.is_empty() {
            format!("{}号楼", house.building_no)
        } else {
            building.to_string()
        };
        let mut chars = template.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '{' {
                out.push(c);
                continue;
            }
            let rest = &template[i + 1..];
            let Some(end) = rest.find('}') else {
                out.push(c);
                continue;
            };
            let key = &rest[..end];
            for _ in 0..=key.chars().count() {
                chars.next();
            }
            match key {
                "b" => out.push_str(&building_word),
                "u" if p.units > 1 => {
                    out.push_str(&house.unit.to_string());
                    out.push_str(if traditional { "單元" } else { "单元" });
                }
                "f" => {
                    out.push_str(&house.floor.to_string());
                    out.push_str(if rng.chance(0.5) { "楼" } else { "层" });
                }
                "r" => {
                    if rng.chance(0.5) {
                        out.push_str(room);
                    } else {
                        out.push_str(&format!("{}{:02}室", house.floor, house.room_no));
                    }
                }
                "t" => out.push_str(TIME_PHRASES[rng.index(TIME_PHRASES.len())]),
                "p" => {
                    out.push_str(&PLACES[rng.index(PLACES.len())].replace("{b}", &building_word))
                }
                "c" => out.push_str(&format!("B1-{:03}", rng.range(1, 420))),
                "g" => {
                    let g = self.roster.worker(Team::Security, rng);
                    out.push_str(self.roster.name(g));
                }
                "nb" => match rng.below(7) {
                    0..=2 => out.push_str("邻居"),
                    3 | 4 => {
                        out.push_str(rng.pick(&SURNAMES));
                        out.push_str("先生家");
                    }
                    5 => {
                        out.push_str(rng.pick(&SURNAMES));
                        out.push_str("阿姨家");
                    }
                    _ => {
                        // A neighbour's full name: personal data in free text.
                        out.push_str(rng.pick(&SURNAMES));
                        out.push_str(rng.pick(&GIVEN));
                        out.push_str(rng.pick(&GIVEN));
                        out.push('家');
                    }
                },
                _ => {}
            }
        }
        if pii == Some(2) {
            out.push_str("，联系人");
            out.push_str(&house.name);
            out.push_str("，手机");
            out.push_str(&house.mobile);
        } else if !traditional {
            let closing = if topic.kind == Kind::Suggestion {
                SUGGESTION_CLOSINGS[rng.index(SUGGESTION_CLOSINGS.len())]
            } else {
                CLOSINGS[rng.index(CLOSINGS.len())]
            };
            if !closing.is_empty() && !out.ends_with(['！', '？', '。']) {
                out.push('，');
            }
            out.push_str(closing);
        }
        if rng.chance(0.02) {
            out = full_width(&out);
        }
        out
    }
}

/// The export's 紧急程度 for a class, in the project's usual vocabulary
/// (sometimes another one: staff habits differ).
fn level_label(kind: Kind, lift: bool, scheme: usize, rng: &mut Rng) -> &'static str {
    const LEVELS: [[&str; 3]; 3] = [
        ["紧急", "一般", "建议"],
        ["Ⅰ级", "Ⅱ级", "Ⅲ级"],
        ["I", "II", "III"],
    ];
    let s = if rng.chance(0.15) {
        rng.index(3)
    } else {
        scheme
    };
    let l = &LEVELS[s];
    match kind {
        Kind::Emergency => l[0],
        // 电梯故障 is 紧急 in one seed and ordinary in another.
        Kind::Ordinary if lift && rng.chance(0.4) => l[0],
        Kind::Ordinary => l[1],
        Kind::Suggestion => l[2],
        Kind::Important if s == 0 => {
            if rng.chance(0.85) {
                "重要"
            } else {
                "一般"
            }
        }
        Kind::Important => {
            if rng.chance(0.4) {
                "重要"
            } else {
                l[1]
            }
        }
        Kind::Major => {
            if rng.chance(0.55) {
                "重要"
            } else {
                l[0]
            }
        }
    }
}
