//! Deliberate dirty rows and data-quality cases, and where they go.
//!
//! Positions are fixed up front from the seed (a sorted list of host complaint
//! ordinals), so injection needs no look-ahead while streaming.

use super::rng::Rng;

const TAG_DIRTY: u64 = 40;

/// How a dirty case is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
    /// An extra row written right after its host complaint's row.
    Extra,
    /// The host complaint's own row is altered (it stays a real complaint).
    InPlace,
    /// An event of (or next to) the host complaint.
    Event,
    /// Not injected: a property of the split (re-exports).
    Split,
}

/// Every kind of deliberate data-quality case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum DirtyKind {
    MissingId,
    MissingReceipt,
    UnparseableTime,
    ExcelError,
    Ragged,
    ImplausibleTime,
    BadSatisfaction,
    EmptyRow,
    ExactDuplicate,
    ConflictingDuplicate,
    DoneBeforeReceipt,
    StageGap,
    FutureStage,
    EventUnknownId,
    EventImpossibleTime,
    EventBeforeReceipt,
    Reexport,
}

impl DirtyKind {
    pub(crate) const ALL: [DirtyKind; 17] = [
        DirtyKind::MissingId,
        DirtyKind::MissingReceipt,
        DirtyKind::UnparseableTime,
        DirtyKind::ExcelError,
        DirtyKind::Ragged,
        DirtyKind::ImplausibleTime,
        DirtyKind::BadSatisfaction,
        DirtyKind::EmptyRow,
        DirtyKind::ExactDuplicate,
        DirtyKind::ConflictingDuplicate,
        DirtyKind::DoneBeforeReceipt,
        DirtyKind::StageGap,
        DirtyKind::FutureStage,
        DirtyKind::EventUnknownId,
        DirtyKind::EventImpossibleTime,
        DirtyKind::EventBeforeReceipt,
        DirtyKind::Reexport,
    ];

    /// The key used in `SampleSummary::dirty` and the README.
    pub(crate) fn key(self) -> &'static str {
        match self {
            DirtyKind::MissingId => "missing_id",
            DirtyKind::MissingReceipt => "missing_receipt_time",
            DirtyKind::UnparseableTime => "unparseable_time",
            DirtyKind::ExcelError => "excel_error",
            DirtyKind::Ragged => "ragged_row",
            DirtyKind::ImplausibleTime => "implausible_time",
            DirtyKind::BadSatisfaction => "bad_satisfaction",
            DirtyKind::EmptyRow => "empty_row",
            DirtyKind::ExactDuplicate => "exact_duplicate",
            DirtyKind::ConflictingDuplicate => "conflicting_duplicate",
            DirtyKind::DoneBeforeReceipt => "dq_done_before_receipt",
            DirtyKind::StageGap => "dq_stage_gap",
            DirtyKind::FutureStage => "dq_future_stage",
            DirtyKind::EventUnknownId => "event_unknown_id",
            DirtyKind::EventImpossibleTime => "event_impossible_time",
            DirtyKind::EventBeforeReceipt => "event_before_receipt",
            DirtyKind::Reexport => "reexport",
        }
    }

    /// One-line description for the README.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            DirtyKind::MissingId => "reject: 投诉编号 blank",
            DirtyKind::MissingReceipt => "reject: 投诉时间 blank",
            DirtyKind::UnparseableTime => {
                "reject: unparseable timestamp (`昨天下午` in 投诉时间, or `YYYY-13-45 25:61` in 受理时间)"
            }
            DirtyKind::ExcelError => "reject: Excel error `#N/A` in 投诉时间 or 项目名称",
            DirtyKind::Ragged => "reject: ragged row, one extra field after 备注",
            DirtyKind::ImplausibleTime => {
                "reject: implausible timestamp (year 1900 in 投诉时间, or year 2099 in 投诉时间/关闭时间)"
            }
            DirtyKind::BadSatisfaction => "reject: 满意度 not a score (`很好啊`, `150`)",
            DirtyKind::EmptyRow => "reject: entirely empty row (24 blank cells)",
            DirtyKind::ExactDuplicate => {
                "duplicate: the previous row repeated identically (same file)"
            }
            DirtyKind::ConflictingDuplicate => {
                "duplicate: same 投诉编号 as the previous row, different 项目名称/楼栋 and an earlier stage (派单, 处理中); the previous row is the more advanced one"
            }
            DirtyKind::DoneBeforeReceipt => "finding: 处理完成时间 before 投诉时间",
            DirtyKind::StageGap => {
                "finding: later stage present, earlier missing (处理完成时间 blank with 回访时间 set, or 派单时间 blank with 到场时间 set)"
            }
            DirtyKind::FutureStage => "finding: 关闭时间 after the data end (in the future)",
            DirtyKind::EventUnknownId => "event whose 投诉编号 exists in no complaint file",
            DirtyKind::EventImpossibleTime => {
                "event with an impossible 操作时间 (`YYYY-02-30 10:00:00`); it keeps the place of its true time in the log's order"
            }
            DirtyKind::EventBeforeReceipt => {
                "event (派单/受理) dated days before the complaint's 投诉时间; it keeps the place of its true time in the log's order"
            }
            DirtyKind::Reexport => {
                "the same complaint in both half-year files (earlier snapshot first, complete later)"
            }
        }
    }

    pub(crate) fn placement(self) -> Placement {
        use DirtyKind::*;
        match self {
            MissingId | MissingReceipt | UnparseableTime | ExcelError | Ragged
            | ImplausibleTime | BadSatisfaction | EmptyRow | ExactDuplicate
            | ConflictingDuplicate => Placement::Extra,
            DoneBeforeReceipt | StageGap | FutureStage => Placement::InPlace,
            EventUnknownId | EventImpossibleTime | EventBeforeReceipt => Placement::Event,
            Reexport => Placement::Split,
        }
    }

    /// How many to inject ("a handful"; duplicates and bad events 2–3).
    fn count(self, rng: &mut Rng) -> u64 {
        match self {
            DirtyKind::ExactDuplicate
            | DirtyKind::ConflictingDuplicate
            | DirtyKind::EventUnknownId => 2 + rng.below(2),
            DirtyKind::EventImpossibleTime | DirtyKind::EventBeforeReceipt => 1 + rng.below(2),
            DirtyKind::Reexport => 0,
            _ => 3 + rng.below(3),
        }
    }
}

/// One planned injection: after/at complaint `host`, the `variant`-th case of
/// its kind (variants alternate the spelling, e.g. `很好啊` vs `150`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Injection {
    pub(crate) host: u64,
    pub(crate) kind: DirtyKind,
    pub(crate) variant: u32,
}

/// Spreads the cases evenly over the complaint range. With a split (the
/// ordinal of the second file's first complaint), the first case of every
/// kind goes into the first file and the others over the second, so each
/// file has every kind.
pub(crate) fn plan(seed: u64, rows: u64, split: Option<u64>) -> Vec<Injection> {
    if rows == 0 {
        return Vec::new();
    }
    let split = split.filter(|&s| s > 0 && s < rows);
    let mut rng = Rng::keyed(seed, &[TAG_DIRTY]);
    let mut out = Vec::new();
    for kind in DirtyKind::ALL {
        let n = kind.count(&mut rng);
        for j in 0..n {
            let jitter = 0.1 + 0.8 * rng.f64();
            let host = match split {
                Some(s) if n >= 2 && j == 0 => (s as f64 * jitter) as u64,
                Some(s) if n >= 2 => {
                    s + (((j - 1) as f64 + jitter) / (n - 1) as f64 * (rows - s) as f64) as u64
                }
                _ => ((j as f64 + jitter) / n as f64 * rows as f64) as u64,
            };
            out.push(Injection {
                host: host.min(rows - 1),
                kind,
                variant: j as u32,
            });
        }
    }
    out.sort();
    out
}
