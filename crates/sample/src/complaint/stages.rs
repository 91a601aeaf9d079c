//! The stage instants of one complaint, by class: how fast each kind is acknowledged,
//! dispatched, resolved and followed up, with the tails and exceptions real exports show.

use super::*;

/// Builds the stage instants of one complaint.
pub(super) struct Stages {
    pub(super) s: [Option<NaiveDateTime>; 8],
    /// 总部热线 cases: head office checks the result, so a 回访 is nearly
    /// always made (brief E17).
    hq: bool,
}

impl Stages {
    pub(super) fn new(receipt: NaiveDateTime) -> Self {
        let mut s = [None; 8];
        s[RECEIPT] = Some(receipt);
        Stages { s, hq: false }
    }

    pub(super) fn get(&self, i: usize) -> NaiveDateTime {
        self.s[i].unwrap_or_default()
    }

    /// The latest stage set so far.
    pub(super) fn last(&self) -> NaiveDateTime {
        self.s.iter().flatten().copied().max().unwrap_or_default()
    }

    /// Sets stage `i` to `t`, pushed after every earlier stage.
    pub(super) fn set(&mut self, i: usize, t: NaiveDateTime) {
        let t = after(self.last(), t);
        self.s[i] = Some(t);
    }

    /// Fills the stages for a class; returns the nominal limit (seconds from
    /// receipt) used to judge lateness.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run(
        &mut self,
        kind: Kind,
        topic: &Topic,
        f: f64,
        tail: bool,
        hq: bool,
        round_the_clock: bool,
        rng: &mut Rng,
    ) -> i64 {
        let r = self.get(RECEIPT);
        self.hq = hq;
        // 总部热线: head office first hands the case to the 管理处.
        let hq_delay = if hq { rng.range(20 * MIN, 3 * HOUR) } else { 0 };
        let office_hours = OFFICE.contains(&r.hour());
        match kind {
            Kind::Emergency => {
                let ack = if rng.chance(0.95) {
                    rng.range(GAP, 10 * MIN)
                } else {
                    rng.range(10 * MIN, 30 * MIN)
                };
                self.set(ACK, at(r, ack + hq_delay));
                self.set(DISPATCH, at(self.get(ACK), rng.range(GAP, 8 * MIN)));
                let onsite = if tail && rng.chance(0.6) {
                    rng.range(40 * MIN, 120 * MIN)
                } else if rng.chance(0.92) {
                    rng.range(5 * MIN, 28 * MIN)
                } else {
                    rng.range(28 * MIN, 40 * MIN)
                };
                self.set(ONSITE, at(r, onsite + hq_delay));
                let mut done = rng.skewed(30.0 * 60.0, 5.0 * 3600.0, 2);
                if tail {
                    done += rng.range(6 * HOUR, 30 * HOUR);
                }
                self.set(DONE, at(self.get(ONSITE), done));
                self.set(REPLY, at(self.get(DONE), rng.range(5 * MIN, 90 * MIN)));
                self.followup_and_close(0.92, rng);
                6 * HOUR
            }
            Kind::Ordinary | Kind::Important => {
                let ack = if office_hours {
                    if rng.chance(0.03) {
                        office(at(r, rng.range(2 * HOUR, 8 * HOUR)), rng)
                    } else {
                        at(r, rng.skewed(GAP as f64, 3600.0, 3))
                    }
                } else if rng.chance(0.5) {
                    at(r, rng.range(5 * MIN, 45 * MIN)) // night duty
                } else {
                    office(r, rng)
                };
                self.set(ACK, at(ack, hq_delay));
                let dispatch = if tail && rng.chance(0.5) {
                    (rng.range(2 * HOUR, 6 * HOUR) as f64 * f) as i64
                } else {
                    rng.skewed(600.0, 5400.0 * f, 2)
                };
                // Security and lift teams work round the clock; the others
                // take night cases the next morning.
                let shift = |t: NaiveDateTime, rng: &mut Rng| {
                    if round_the_clock { t } else { office(t, rng) }
                };
                let dispatch = shift(at(self.get(ACK), dispatch), rng);
                self.set(DISPATCH, dispatch);
                if topic.onsite {
                    let mut go = rng.skewed(600.0, 4.0 * 3600.0 * f, 2);
                    if tail && rng.chance(0.5) {
                        go += rng.range(4 * HOUR, 30 * HOUR);
                    }
                    self.set(ONSITE, shift(at(self.get(DISPATCH), go), rng));
                }
                let (limit, done) = if kind == Kind::Important {
                    let d = if tail {
                        r + Duration::seconds(
                            (rng.range(7 * DAY, 15 * DAY) as f64 * f.max(1.0)) as i64,
                        )
                    } else {
                        at(r, rng.skewed(DAY as f64, 6.0 * DAY as f64 * f, 2))
                    };
                    (7 * DAY, d)
                } else if topic.quick {
                    let base = self.last();
                    let d = if tail {
                        at(base, rng.range(8 * HOUR, 2 * DAY))
                    } else {
                        at(base, rng.skewed(1200.0, 6.0 * 3600.0, 2))
                    };
                    (DAY, d)
                } else {
                    let d = if tail {
                        at(
                            r,
                            (rng.range(3 * DAY + 4 * HOUR, 9 * DAY) as f64 * f.max(1.0)) as i64,
                        )
                    } else {
                        at(r, rng.skewed(0.5 * DAY as f64, 3.0 * DAY as f64 * f, 2))
                    };
                    (3 * DAY, d)
                };
                self.set(DONE, office(done, rng));
                if kind == Kind::Important || rng.chance(0.7) {
                    let reply = rng.skewed(300.0, DAY as f64, 2);
                    self.set(REPLY, office(at(self.get(DONE), reply), rng));
                }
                self.followup_and_close(if kind == Kind::Important { 0.92 } else { 0.88 }, rng);
                limit
            }
            Kind::Major => {
                self.set(ACK, at(r, rng.range(2 * MIN, 30 * MIN) + hq_delay));
                self.set(DISPATCH, at(self.get(ACK), rng.range(10 * MIN, 2 * HOUR)));
                if topic.onsite {
                    self.set(ONSITE, at(self.get(DISPATCH), rng.range(30 * MIN, DAY)));
                }
                let done = if tail {
                    rng.range(15 * DAY, 35 * DAY)
                } else {
                    rng.skewed(3.0 * DAY as f64, 14.0 * DAY as f64, 2)
                };
                self.set(DONE, office(at(r, done), rng));
                self.set(REPLY, office(at(self.get(DONE), rng.range(HOUR, DAY)), rng));
                self.followup_and_close(0.95, rng);
                15 * DAY
            }
            Kind::Suggestion => {
                let ack = if tail && rng.chance(0.5) {
                    rng.range(24 * HOUR, 48 * HOUR)
                } else {
                    rng.skewed(600.0, 20.0 * 3600.0, 2)
                };
                self.set(ACK, office(at(r, ack + hq_delay), rng));
                if rng.chance(0.15) {
                    // Forwarded to a department for a feasibility assessment.
                    self.set(
                        DISPATCH,
                        office(at(self.get(ACK), rng.range(DAY, 3 * DAY)), rng),
                    );
                }
                let reply = if tail {
                    at(r, rng.range(7 * DAY + 12 * HOUR, 14 * DAY))
                } else {
                    at(r, rng.skewed(DAY as f64, 7.0 * DAY as f64, 2))
                };
                let reply = office(reply, rng);
                self.set(DONE, at(reply, -rng.range(10 * MIN, 2 * HOUR)));
                self.set(REPLY, reply);
                self.followup_and_close(0.45, rng);
                7 * DAY
            }
        }
    }

    /// 回访 (with probability `p`) and closure. Without a 回访 the complaint
    /// is mostly closed silently a week after completion (brief T32).
    fn followup_and_close(&mut self, p: f64, rng: &mut Rng) {
        let base = self.last();
        let p = if self.hq { p.max(0.95) } else { p };
        if rng.chance(p) {
            let fu = office(
                at(base, rng.skewed(12.0 * 3600.0, 4.0 * DAY as f64, 2)),
                rng,
            );
            self.set(FOLLOWUP, fu);
            self.set(
                CLOSE,
                at(self.get(FOLLOWUP), rng.skewed(600.0, DAY as f64, 2)),
            );
        } else if rng.chance(0.7) {
            self.set(CLOSE, at(base, 7 * DAY + rng.range(0, 2 * HOUR)));
        }
    }
}

/// The receipt time of a complaint generated outside the calendar (dirty
/// extra rows), kept inside the data range.
pub(crate) fn nudge(t: NaiveDateTime, rng: &mut Rng, cal: &Calendar) -> NaiveDateTime {
    let n = at(t, rng.range(MIN, 30 * MIN));
    if n >= cal.end { t } else { n }
}
