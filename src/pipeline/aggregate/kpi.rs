//! The indicators of `rules/kpis.toml` as polars expressions over the assessed table: a filter
//! becomes a boolean expression (text compared by dictionary code, so no string is built per
//! row), a measure becomes one or two aggregations, and one group-by per table computes every
//! indicator for every (period, scope) at once.

use std::collections::BTreeSet;

use polars::prelude::*;

use crate::diagnostic::{Diagnostic, display_path};
use crate::error::{Error, Result};
use crate::pipeline::assess::Dicts;
use crate::pipeline::rules::RuleSet;
use crate::pipeline::rules::kpis::{CmpOp, Filter, Kpi, Measure, TimePart, Value};

/// The columns an indicator reads.
pub(super) fn columns(k: &Kpi, out: &mut BTreeSet<String>) {
    match &k.measure {
        Measure::Count(f) => f.columns(out),
        Measure::Ratio {
            numerator,
            denominator,
        } => {
            numerator.columns(out);
            denominator.columns(out);
        }
        Measure::Quantile { column, filter, .. } => {
            out.insert(column.clone());
            filter.columns(out);
        }
    }
}

/// A column the frame does not have, reported at the indicator file.
fn missing(rules: &RuleSet, name: &str, at: usize) -> Error {
    let shown = rules
        .kpis
        .path
        .as_deref()
        .map(display_path)
        .unwrap_or_else(|| "(built-in kpis.toml)".into());
    let src = rules
        .kpis
        .path
        .as_deref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    Error::from(
        Diagnostic::new(
            shown,
            format!("`{name}` is not a column of the assessed table"),
        )
        .at_offset(&src, at)
        .help("docs/KPIS.md lists the columns; rule outputs are the keys `classify` returns"),
    )
}

/// A canonical field, a fact or a table's own column: never a rule output.
fn is_known(name: &str) -> bool {
    crate::model::Field::from_name(name).is_some()
        || crate::pipeline::rules::kpis::FACTS
            .iter()
            .any(|(n, _)| *n == name)
        || matches!(name, "target" | "status" | "duty" | "period")
}

/// Binds filters to a frame's columns and dictionaries.
pub(super) struct Binder<'a> {
    pub rules: &'a RuleSet,
    pub dicts: &'a Dicts,
    /// Columns the frame has.
    pub has: &'a dyn Fn(&str) -> bool,
    /// A column every row has a value in (constant filters become a test of it: a literal
    /// would aggregate as one value).
    pub anchor: &'a str,
    /// The column of row weights, when each row stands for several (the counted frames).
    pub weight: Option<&'a str>,
}

enum Bound {
    /// A boolean or numeric expression.
    Expr(Expr),
    /// A text column: its expression and the name whose dictionary decodes it.
    Text(Expr, String),
    /// A constant.
    Const(Value),
}

impl Binder<'_> {
    /// The filter as a boolean expression (null counts as false).
    pub(super) fn filter(&self, f: &Filter) -> Result<Expr> {
        Ok(match self.bind(f)? {
            Bound::Expr(e) => e.fill_null(lit(false)),
            // A constant becomes a column (a literal would aggregate as one value).
            Bound::Const(Value::Bool(true)) => col(self.anchor).is_not_null(),
            Bound::Const(Value::Bool(false)) => col(self.anchor).is_null(),
            Bound::Const(_) | Bound::Text(..) => {
                return Err(Error::Other(
                    "a filter must be true or false (compare the value with something)".into(),
                ));
            }
        })
    }

    /// A numeric or boolean column's expression.
    pub(super) fn column(&self, name: &str, at: usize) -> Result<Expr> {
        if !(self.has)(name) {
            return Err(missing(self.rules, name, at));
        }
        Ok(col(name))
    }

    fn bind(&self, f: &Filter) -> Result<Bound> {
        Ok(match f {
            Filter::True => Bound::Const(Value::Bool(true)),
            Filter::Const(v) => Bound::Const(v.clone()),
            Filter::Column { name, at } => {
                if !(self.has)(name) && !is_known(name) {
                    // A rule output this run's `classify` did not return: blank everywhere.
                    return Ok(Bound::Text(
                        (col(self.anchor) * lit(0u32)).cast(DataType::UInt32),
                        name.clone(),
                    ));
                }
                let e = self.column(name, *at)?;
                if self.dicts.contains_key(name) {
                    Bound::Text(e, name.clone())
                } else {
                    Bound::Expr(e)
                }
            }
            Filter::Part(x, part) => {
                let Bound::Expr(e) = self.bind(x)? else {
                    return Err(Error::Other("a part of a time needs a time column".into()));
                };
                // Local seconds → naive local datetime, whose parts are the local ones.
                let dt = (e * lit(1000i64)).cast(DataType::Datetime(TimeUnit::Milliseconds, None));
                let p = match part {
                    TimePart::Hour => dt.dt().hour(),
                    TimePart::Minute => dt.dt().minute(),
                    TimePart::Weekday => dt.dt().weekday(),
                    TimePart::Day => dt.dt().day(),
                    TimePart::Month => dt.dt().month(),
                    TimePart::Year => dt.dt().year(),
                };
                Bound::Expr(p.cast(DataType::Int64))
            }
            Filter::Not(x) => Bound::Expr(self.filter(x)?.not()),
            Filter::All(v) => {
                let mut e = col(self.anchor).is_not_null();
                for x in v {
                    e = e.and(self.filter(x)?);
                }
                Bound::Expr(e)
            }
            Filter::Any(v) => {
                let mut e = col(self.anchor).is_null();
                for x in v {
                    e = e.or(self.filter(x)?);
                }
                Bound::Expr(e)
            }
            Filter::IsBlank(x) => match self.bind(x)? {
                Bound::Text(e, name) => Bound::Expr(self.text_eq(e, &name, "")),
                Bound::Expr(e) => Bound::Expr(e.is_null()),
                Bound::Const(_) => Bound::Const(Value::Bool(false)),
            },
            Filter::In(x, values) => {
                let bound = self.bind(x)?;
                let mut e = col(self.anchor).is_null();
                for v in values {
                    e = e.or(self.compare(CmpOp::Eq, &bound, &Bound::Const(v.clone()))?);
                }
                Bound::Expr(e)
            }
            Filter::Compare(op, a, b) => {
                let (a, b) = (self.bind(a)?, self.bind(b)?);
                Bound::Expr(self.compare(*op, &a, &b)?)
            }
        })
    }

    /// `text column == s`, by code (a value no row has matches nothing).
    fn text_eq(&self, e: Expr, name: &str, s: &str) -> Expr {
        let code = match self.dicts.get(name) {
            Some(d) => d.find(s),
            // A blank column (see `bind`): every row is code 0, the empty string.
            None => s.is_empty().then_some(0),
        };
        match code {
            Some(code) => e.eq(lit(code)),
            None => col(self.anchor).is_null(),
        }
    }

    fn compare(&self, op: CmpOp, a: &Bound, b: &Bound) -> Result<Expr> {
        let cmp = |x: Expr, y: Expr| match op {
            CmpOp::Eq => x.eq(y),
            CmpOp::Ne => x.neq(y),
            CmpOp::Lt => x.lt(y),
            CmpOp::Le => x.lt_eq(y),
            CmpOp::Gt => x.gt(y),
            CmpOp::Ge => x.gt_eq(y),
        };
        let constant = |v: &Value| match v {
            Value::Str(s) => lit(s.clone()),
            Value::Int(i) => lit(*i),
            Value::Float(f) => lit(*f),
            Value::Bool(b) => lit(*b),
        };
        Ok(match (a, b) {
            (Bound::Text(e, name), Bound::Const(Value::Str(s)))
            | (Bound::Const(Value::Str(s)), Bound::Text(e, name)) => match op {
                CmpOp::Eq => self.text_eq(e.clone(), name, s),
                CmpOp::Ne => self.text_eq(e.clone(), name, s).not(),
                _ => {
                    return Err(Error::Other(format!(
                        "`{name}` is text: compare it with == or != (or `in`)"
                    )));
                }
            },
            (Bound::Text(_, name), _) | (_, Bound::Text(_, name)) => {
                return Err(Error::Other(format!(
                    "`{name}` is text: compare it with a text constant"
                )));
            }
            (Bound::Expr(x), Bound::Expr(y)) => cmp(x.clone(), y.clone()),
            (Bound::Expr(x), Bound::Const(v)) => cmp(x.clone(), constant(v)),
            (Bound::Const(v), Bound::Expr(y)) => cmp(constant(v), y.clone()),
            (Bound::Const(x), Bound::Const(y)) => cmp(constant(x), constant(y)),
        })
    }
}

/// The aggregations of one indicator, named `{key}.0` (and `{key}.1` for a ratio's
/// denominator).
pub(super) fn aggregations(k: &Kpi, b: &Binder<'_>) -> Result<Vec<Expr>> {
    let count = |f: &Filter, name: String| -> Result<Expr> {
        let hit = b.filter(f)?.cast(DataType::UInt64);
        let hit = match b.weight {
            Some(w) => hit * col(w),
            None => hit,
        };
        Ok(hit.sum().alias(name))
    };
    Ok(match &k.measure {
        Measure::Count(f) => vec![count(f, format!("{}.0", k.key))?],
        Measure::Ratio {
            numerator,
            denominator,
        } => vec![
            count(numerator, format!("{}.0", k.key))?,
            count(denominator, format!("{}.1", k.key))?,
        ],
        Measure::Quantile { column, q, filter } => {
            let c = b.column(column, 0)?;
            let c = match filter {
                Filter::True => c,
                f => c.filter(b.filter(f)?),
            };
            let e = if *q == 0.5 {
                c.median()
            } else {
                c.quantile(lit(*q), QuantileMethod::Linear)
            };
            vec![e.cast(DataType::Float64).alias(format!("{}.0", k.key))]
        }
    })
}
