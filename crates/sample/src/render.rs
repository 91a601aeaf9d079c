//! Turns a complaint into the 24 export cells, as known at an export instant.

use chrono::NaiveDateTime;

use super::complaint::{ACK, CLOSE, Complaint, DISPATCH, DONE, FOLLOWUP};
use super::roster::Roster;
use super::timefmt::{push_date, push_time};
use super::vocab::PROJECTS;

/// A reusable row of cells (keeps its string capacity between rows).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) cells: Vec<String>,
}

impl Row {
    pub(crate) fn with_width(n: usize) -> Row {
        Row {
            cells: vec![String::new(); n],
        }
    }

    /// Clears every cell and makes the row exactly `n` cells wide.
    pub(crate) fn reset(&mut self, n: usize) {
        self.cells.resize_with(n, String::new);
        for c in &mut self.cells {
            c.clear();
        }
    }

    pub(crate) fn set(&mut self, col: usize, v: &str) {
        self.cells[col].clear();
        self.cells[col].push_str(v);
    }
}

/// The satisfaction word for a score (as some staff record it).
pub(crate) fn score_word(score: u8) -> &'static str {
    match score {
        95.. => "非常满意",
        80..=94 => "满意",
        60..=79 => "基本满意",
        _ => "不满意",
    }
}

/// The 状态 a complaint has at `cut`, derived from which stages are known.
pub(crate) fn status(c: &Complaint, cut: NaiveDateTime) -> &'static str {
    if c.visible(CLOSE, cut).is_some() {
        "已关闭"
    } else if c.visible(FOLLOWUP, cut).is_some() {
        "已回访"
    } else if c.visible(DONE, cut).is_some() {
        if c.stages[FOLLOWUP].is_some() {
            "待回访"
        } else {
            "已完成"
        }
    } else if c.visible(DISPATCH, cut).is_some()
        // Cases handled by customer service itself are never dispatched.
        || (c.stages[DISPATCH].is_none() && c.visible(ACK, cut).is_some())
    {
        "处理中"
    } else {
        "已受理"
    }
}

/// Fills `row` with the export cells of `c` as known at `cut`.
pub(crate) fn render(c: &Complaint, cut: NaiveDateTime, roster: &Roster, row: &mut Row) {
    row.reset(24);
    let cells = &mut row.cells;
    c.push_id(&mut cells[0]);
    for stage in 0..8 {
        if let Some(t) = c.visible(stage, cut) {
            let out = &mut cells[1 + stage];
            if stage == FOLLOWUP && c.followup_date_only {
                push_date(out, t.date());
            } else {
                push_time(out, t, c.style);
            }
        }
    }
    cells[9].push_str(PROJECTS[c.project].name);
    cells[10].push_str(&c.building);
    cells[11].push_str(&c.room);
    cells[12].push_str(&c.name);
    cells[13].push_str(&c.phone);
    cells[14].push_str(c.channel);
    cells[15].push_str(c.category);
    cells[16].push_str(c.level);
    cells[17].push_str(&c.text);
    cells[18].push_str(c.team.name());
    // The handler is known once the case is dispatched (or, for 客服组 cases
    // that are never dispatched, once accepted).
    let assigned = c.visible(DISPATCH, cut).is_some()
        || (c.stages[DISPATCH].is_none() && c.visible(ACK, cut).is_some());
    if assigned {
        cells[19].push_str(roster.name(c.handler));
    }
    if c.visible(FOLLOWUP, cut).is_some()
        && let Some(s) = c.score
    {
        if c.score_words {
            cells[20].push_str(score_word(s));
        } else {
            use std::fmt::Write;
            let _ = write!(cells[20], "{s}");
        }
    }
    cells[21].push_str(status(c, cut));
    if let Some(d) = c.deadline {
        push_time(&mut cells[22], d, c.style);
    }
    cells[23].push_str(c.remark);
}
