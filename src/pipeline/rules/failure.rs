//! What a rule's failure on one complaint means, and when failures stop the run.
//!
//! Two kinds never mix:
//! - a **deliberate reject**: the rule said the complaint is not to be counted, with `throw
//!   "reason"` or `reject("reason", "field")`. The complaint is rejected with reason
//!   `rule_reject`, the rule's words as the message and the field it named. However many
//!   complaints a rule rejects this way, the run goes on (`max_rejects` may still fail it).
//! - an **engine error**: the rule itself is broken on this complaint (an operation, call-depth
//!   or size limit hit, a type error, a function or property that does not exist, a result
//!   without `level`/`category`). The complaint is rejected with reason `rule_error`; when more
//!   than `max_rule_errors` of the complaints (default 1 %) fail so, the run stops with exit
//!   code 2 naming the script, the line and the first complaint, and writes nothing.

use rhai::{Dynamic, EvalAltResult, Position};

use crate::error::Error;
use crate::rejects::{RejectLimit, RejectReason};

/// The map key that marks a `reject(reason, field)` value (a plain `throw` carries any value).
const REJECT_KEY: &str = "__reject";

/// A rule failure on one input.
#[derive(Debug, Clone)]
pub struct RuleFailure {
    /// `rules/classify.rhai:12:5: message`
    pub message: String,
    /// Deliberate or not.
    pub kind: FailureKind,
}

/// Deliberate reject or engine error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The engine failed (limits, types, missing functions, a malformed result).
    Engine,
    /// The rule rejected the complaint on purpose; the field it named, if any.
    Reject {
        /// A canonical field name or header, or empty.
        field: String,
    },
}

impl RuleFailure {
    /// An engine error.
    pub fn engine(message: String) -> RuleFailure {
        RuleFailure {
            message,
            kind: FailureKind::Engine,
        }
    }

    /// The reject reason code this failure gives the complaint.
    pub fn reason(&self) -> RejectReason {
        match self.kind {
            FailureKind::Engine => RejectReason::RuleError,
            FailureKind::Reject { .. } => RejectReason::RuleReject,
        }
    }

    /// The field the rule named (deliberate rejects only).
    pub fn field(&self) -> &str {
        match &self.kind {
            FailureKind::Engine => "",
            FailureKind::Reject { field } => field,
        }
    }
}

/// The kind of a runtime error (the innermost one: rhai wraps errors raised inside script
/// functions) and, for a deliberate reject, its reason text.
pub fn kind_of(err: &EvalAltResult) -> (FailureKind, Option<String>) {
    let mut e = err;
    while let EvalAltResult::ErrorInFunctionCall(_, _, inner, _) = e {
        e = inner;
    }
    match e {
        EvalAltResult::ErrorRuntime(value, _) => {
            if let Some(map) = value.read_lock::<rhai::Map>()
                && let Some(reason) = map.get(REJECT_KEY)
            {
                let field = map.get("field").map(ToString::to_string);
                return (
                    FailureKind::Reject {
                        field: field.unwrap_or_default(),
                    },
                    Some(reason.to_string()),
                );
            }
            let text = if value.is_string() {
                value.to_string()
            } else if value.is_unit() {
                "rejected by the rule (`throw` without a reason)".to_owned()
            } else {
                value.to_string()
            };
            (
                FailureKind::Reject {
                    field: String::new(),
                },
                Some(text),
            )
        }
        _ => (FailureKind::Engine, None),
    }
}

/// Registers `reject(reason)` and `reject(reason, field)`: a deliberate reject, as `throw` is,
/// naming the field that made the complaint unusable (it goes to the `field` column of
/// `rejects.csv`).
pub fn register(engine: &mut rhai::Engine) {
    fn reject(reason: &str, field: &str) -> Result<Dynamic, Box<EvalAltResult>> {
        let mut map = rhai::Map::new();
        map.insert(REJECT_KEY.into(), reason.into());
        map.insert("field".into(), field.into());
        Err(Box::new(EvalAltResult::ErrorRuntime(
            Dynamic::from_map(map),
            Position::NONE,
        )))
    }
    engine.register_fn("reject", |reason: &str| reject(reason, ""));
    engine.register_fn("reject", reject);
}

/// The first complaint whose evaluation failed with an engine error: (ID, `file:line`, message).
pub type FirstFailure = (String, String, String);

/// Stops the run when engine errors hit more than `limit` of `complaints`.
pub fn check_engine_errors(
    failed: usize,
    complaints: usize,
    limit: RejectLimit,
    first: Option<FirstFailure>,
) -> Result<(), Error> {
    if failed == 0 || !limit.exceeded(failed, complaints) {
        return Ok(());
    }
    let (first_id, first_at, first_message) = first.unwrap_or_default();
    Err(Error::RuleEngine {
        failed,
        complaints,
        limit: limit.to_string(),
        first_id,
        first_at,
        first_message,
    })
}
