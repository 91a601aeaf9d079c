//! The filters of `kpis.toml`: rhai expressions over one row of the assessed table, parsed and
//! checked against the columns, facts, rule outputs and settings into a [`Filter`] tree.

use std::collections::{BTreeMap, BTreeSet};

use super::{ColumnType, FACTS, Known, Over, Source, hint};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::model::Field;
use toml::Spanned;

/// A constant in a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Str(String),
    /// A whole number.
    Int(i64),
    /// A number.
    Float(f64),
    /// True or false.
    Bool(bool),
}

impl Value {
    /// The number, if it is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
}

/// A part of an instant, in the run's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePart {
    /// 0–23.
    Hour,
    /// 0–59.
    Minute,
    /// 1 = Monday … 7 = Sunday.
    Weekday,
    /// 1–31.
    Day,
    /// 1–12.
    Month,
    /// The year.
    Year,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator of a rhai call (`==`, `<=`, ...); `None` for any other function. The KPI
    /// filters and the compiled guards of `classify` read comparisons the same way.
    pub fn of(name: &str) -> Option<CmpOp> {
        Some(match name {
            "==" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => return None,
        })
    }

    /// True when two values ordered `o` satisfy the comparison.
    pub fn holds(self, o: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => o == Equal,
            CmpOp::Ne => o != Equal,
            CmpOp::Lt => o == Less,
            CmpOp::Le => o != Greater,
            CmpOp::Gt => o == Greater,
            CmpOp::Ge => o != Less,
        }
    }
}

/// A checked filter over the assessed table.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every row.
    True,
    /// A constant (or a setting, resolved when loaded).
    Const(Value),
    /// A column; `at` is the byte offset in `kpis.toml`, for messages.
    Column {
        /// Its name.
        name: String,
        /// Where it is written.
        at: usize,
    },
    /// A part of an instant column.
    Part(Box<Filter>, TimePart),
    /// `!x`
    Not(Box<Filter>),
    /// `a && b && …`
    All(Vec<Filter>),
    /// `a || b || …`
    Any(Vec<Filter>),
    /// `a op b`
    Compare(CmpOp, Box<Filter>, Box<Filter>),
    /// `x in [a, b, …]`
    In(Box<Filter>, Vec<Value>),
    /// `is_blank(x)`: the cell is empty.
    IsBlank(Box<Filter>),
}

impl Filter {
    /// Every column the filter reads.
    pub fn columns(&self, out: &mut BTreeSet<String>) {
        match self {
            Filter::True | Filter::Const(_) => {}
            Filter::Column { name, .. } => {
                out.insert(name.clone());
            }
            Filter::Part(x, _) | Filter::Not(x) | Filter::In(x, _) | Filter::IsBlank(x) => {
                x.columns(out)
            }
            Filter::All(v) | Filter::Any(v) => v.iter().for_each(|x| x.columns(out)),
            Filter::Compare(_, a, b) => {
                a.columns(out);
                b.columns(out);
            }
        }
    }
}

/// What names a filter may use.
pub(super) struct Scope<'a> {
    pub(super) over: Over,
    /// The rule folder's own file: an unknown name is an error. In the built-in set (a folder
    /// from before kpis.toml) it is a warning: the folder's `classify` may return fewer outputs.
    pub(super) strict: bool,
    pub(super) constants: &'a BTreeMap<String, Value>,
    pub(super) known: &'a Known<'a>,
}

impl Scope<'_> {
    pub(super) fn column_type(&self, name: &str) -> Option<ColumnType> {
        if self.over.own_columns().contains(&name) {
            return Some(ColumnType::Text);
        }
        if let Some(f) = Field::from_name(name) {
            return Some(match f.kind() {
                crate::model::FieldKind::Timestamp => ColumnType::Time,
                crate::model::FieldKind::Score => ColumnType::Number,
                _ => ColumnType::Text,
            });
        }
        if let Some((_, t)) = FACTS.iter().find(|(n, _)| *n == name) {
            return Some(*t);
        }
        // A rule output of `classify`.
        self.known
            .outputs
            .contains(name)
            .then_some(ColumnType::Text)
    }

    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .over
            .own_columns()
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        v.extend(Field::ALL.iter().map(|f| f.name().to_owned()));
        v.extend(FACTS.iter().map(|(n, _)| (*n).to_owned()));
        v.extend(self.known.outputs.iter().cloned());
        v.extend(self.constants.keys().cloned());
        v
    }

    pub(super) fn unknown(
        &self,
        name: &str,
        span: std::ops::Range<usize>,
        file: &Source<'_>,
    ) -> Diagnostic {
        let names = self.names();
        let mut d = file.at(
            span,
            format!(
                "`{name}` is not a column of the {} table, a fact, a rule output or a setting",
                match self.over {
                    Over::Complaints => "complaints",
                    Over::Verdicts => "verdicts",
                    Over::Findings => "findings",
                }
            ),
        );
        d = d.help(match did_you_mean(name, names.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "docs/KPIS.md lists the columns".to_owned(),
        });
        d
    }
}

/// Parses one filter (a rhai expression) and checks it against the scope.
pub(super) fn compile(
    text: &Spanned<String>,
    file: &Source<'_>,
    scope: &Scope<'_>,
    diags: &mut Diagnostics,
) -> Option<Filter> {
    let src = text.get_ref();
    // The expression's first byte in the file: after the opening quote(s) of the TOML string.
    let start = text.span().start;
    let quotes = file.src[start..]
        .chars()
        .take_while(|c| *c == '"' || *c == '\'')
        .count()
        .min(3);
    let base = start + quotes;
    let offset_of = |pos: rhai::Position| -> usize {
        match (pos.line(), pos.position()) {
            (Some(l), Some(c)) => {
                let line_start: usize = src.split('\n').take(l - 1).map(|x| x.len() + 1).sum();
                let col: usize = src[line_start..]
                    .chars()
                    .take(c.saturating_sub(1))
                    .map(char::len_utf8)
                    .sum();
                (base + line_start + col).min(file.src.len())
            }
            _ => base,
        }
    };
    let engine = rhai::Engine::new_raw();
    let ast = match engine.compile_expression(src) {
        Ok(a) => a,
        Err(e) => {
            let at = offset_of(e.position());
            diags.push(file.at(at..at, format!("cannot read the filter: {}", e.err_type())));
            return None;
        }
    };
    let mut c = Compiler {
        scope,
        file,
        offset_of: &offset_of,
        diags,
        failed: false,
    };
    // A call on its own (`a == b` is a call of `==`) parses as a statement of its own kind.
    let f = match ast.statements().first() {
        Some(rhai::Stmt::Expr(expr)) => c.expr(expr),
        Some(rhai::Stmt::FnCall(call, pos)) => c.call(call, *pos),
        _ => {
            c.diags
                .push(file.at(text.span(), "the filter is empty".into()));
            return None;
        }
    };
    if c.failed { None } else { Some(f) }
}

struct Compiler<'a, 'b> {
    scope: &'a Scope<'a>,
    file: &'a Source<'a>,
    offset_of: &'a dyn Fn(rhai::Position) -> usize,
    diags: &'b mut Diagnostics,
    failed: bool,
}

impl Compiler<'_, '_> {
    fn fail(&mut self, pos: rhai::Position, msg: String) -> Filter {
        let at = (self.offset_of)(pos);
        self.diags.push(self.file.at(at..at, msg).help(
            "a filter compares columns with constants: ==, !=, <, <=, >, >=, in [...], &&, ||, !, is_blank(x), and .hour/.weekday/.day/.month/.year of a time (docs/KPIS.md)",
        ));
        self.failed = true;
        Filter::True
    }

    fn expr(&mut self, e: &rhai::Expr) -> Filter {
        use rhai::Expr;
        match e {
            Expr::BoolConstant(b, _) => Filter::Const(Value::Bool(*b)),
            Expr::IntegerConstant(i, _) => Filter::Const(Value::Int(*i)),
            Expr::FloatConstant(f, _) => Filter::Const(Value::Float(**f)),
            Expr::StringConstant(s, _) => Filter::Const(Value::Str(s.to_string())),
            Expr::DynamicConstant(d, pos) => match value_of(d) {
                Some(v) => Filter::Const(v),
                None => self.fail(*pos, "this constant cannot be used in a filter".into()),
            },
            Expr::Variable(v, _, pos) => self.name(v.1.as_str(), *pos),
            Expr::And(x, _) => Filter::All(x.iter().map(|e| self.expr(e)).collect()),
            Expr::Or(x, _) => Filter::Any(x.iter().map(|e| self.expr(e)).collect()),
            Expr::Dot(x, _, pos) => {
                let Expr::Property(p, ppos) = &x.rhs else {
                    return self.fail(*pos, "only `.hour`, `.minute`, `.weekday`, `.day`, `.month` and `.year` can follow a column".into());
                };
                let part = match p.2.as_str() {
                    "hour" => TimePart::Hour,
                    "minute" => TimePart::Minute,
                    "weekday" => TimePart::Weekday,
                    "day" => TimePart::Day,
                    "month" => TimePart::Month,
                    "year" => TimePart::Year,
                    other => {
                        return self.fail(*ppos, format!("`.{other}` is not a part of a time"));
                    }
                };
                let of = self.expr(&x.lhs);
                if let Filter::Column { name, .. } = &of
                    && self.scope.column_type(name) != Some(ColumnType::Time)
                {
                    return self.fail(*pos, format!("`{name}` is not a time column"));
                }
                Filter::Part(Box::new(of), part)
            }
            Expr::FnCall(f, pos) => self.call(f, *pos),
            Expr::Unit(pos) => self.fail(*pos, "`()` cannot be compared; use `is_blank(x)`".into()),
            other => self.fail(
                other.start_position(),
                "this form cannot be used in a filter".into(),
            ),
        }
    }

    fn name(&mut self, name: &str, pos: rhai::Position) -> Filter {
        let at = (self.offset_of)(pos);
        let column = || Filter::Column {
            name: name.to_owned(),
            at,
        };
        if self.scope.column_type(name).is_some() {
            return column();
        }
        if let Some(c) = self.scope.constants.get(name) {
            return Filter::Const(c.clone());
        }
        if self.scope.known.outputs.is_empty() {
            // The script's outputs could not be read from it.
            return column();
        }
        if self.scope.strict {
            let d = self.scope.unknown(name, at..at, self.file);
            self.diags.push(d);
            self.failed = true;
            return Filter::True;
        }
        // The built-in set names an output this folder's script does not show: the folder still
        // runs (the indicator sees the output as blank), and says so.
        let mut d = self.scope.unknown(name, at..at, self.file).warning();
        d.message = format!(
            "`{name}` is not a column, a setting or an output `classify` returns ({}); the indicator counts it as blank",
            self.scope
                .known
                .outputs
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.diags.push(d);
        column()
    }

    fn call(&mut self, f: &rhai::FnCallExpr, pos: rhai::Position) -> Filter {
        let name = f.name.as_str();
        let args = &f.args;
        let op = CmpOp::of(name);
        if let Some(op) = op
            && args.len() == 2
        {
            let (a, b) = (self.expr(&args[0]), self.expr(&args[1]));
            self.check_names(op, &a, &b, pos);
            return Filter::Compare(op, Box::new(a), Box::new(b));
        }
        match (name, args.len()) {
            ("!", 1) => Filter::Not(Box::new(self.expr(&args[0]))),
            ("is_blank", 1) => Filter::IsBlank(Box::new(self.expr(&args[0]))),
            // `x in [a, b]` is `contains([a, b], x)`.
            ("contains", 2) => {
                let mut values = Vec::new();
                match &args[0] {
                    rhai::Expr::Array(items, apos) => {
                        for it in items.iter() {
                            match self.expr(it) {
                                Filter::Const(v) => values.push(v),
                                _ => {
                                    return self
                                        .fail(*apos, "`in` needs a list of constants".into());
                                }
                            }
                        }
                    }
                    // A list of constants arrives folded into one constant.
                    rhai::Expr::DynamicConstant(d, apos) if d.is_array() => {
                        for it in d.clone().into_array().unwrap_or_default() {
                            match value_of(&it) {
                                Some(v) => values.push(v),
                                None => {
                                    return self
                                        .fail(*apos, "`in` needs a list of constants".into());
                                }
                            }
                        }
                    }
                    _ => {
                        return self.fail(
                            pos,
                            "`in` needs a list of constants: `x in [\"a\", \"b\"]`".into(),
                        );
                    }
                }
                let x = self.expr(&args[1]);
                for v in &values {
                    self.check_names(CmpOp::Eq, &x, &Filter::Const(v.clone()), pos);
                }
                Filter::In(Box::new(x), values)
            }
            _ => self.fail(pos, format!("`{name}` cannot be used in a filter")),
        }
    }

    /// A target or duty compared by a name the rules do not define would count nothing.
    fn check_names(&mut self, op: CmpOp, a: &Filter, b: &Filter, pos: rhai::Position) {
        if op != CmpOp::Eq && op != CmpOp::Ne {
            return;
        }
        let (Filter::Column { name, .. }, Filter::Const(Value::Str(v))) = (a, b) else {
            return;
        };
        let names: Vec<&str> = match name.as_str() {
            "target" => self
                .scope
                .known
                .targets
                .targets
                .iter()
                .map(|t| t.name.as_str())
                .collect(),
            "duty" => self.scope.known.duties.clone(),
            "status" if self.scope.over == Over::Verdicts => {
                vec![
                    "met",
                    "breached",
                    "open",
                    "overdue",
                    "not_applicable",
                    "not_evaluable",
                ]
            }
            "status" => vec![
                "compliant",
                "late",
                "missing",
                "pending",
                "not_applicable",
                "not_auditable",
            ],
            _ => return,
        };
        if !names.contains(&v.as_str()) {
            let at = (self.offset_of)(pos);
            let what = if name == "status" { "error" } else { "warning" };
            let mut d = self
                .file
                .at(
                    at..at,
                    format!("no {name} is `{v}`; the indicator would count no row"),
                )
                .help(hint(v, &names, &format!("{name}s")));
            if what == "warning" {
                d = d.warning();
            } else {
                self.failed = true;
            }
            self.diags.push(d);
        }
    }
}

fn value_of(d: &rhai::Dynamic) -> Option<Value> {
    if let Ok(b) = d.as_bool() {
        return Some(Value::Bool(b));
    }
    if let Ok(i) = d.as_int() {
        return Some(Value::Int(i));
    }
    if let Ok(f) = d.as_float() {
        return Some(Value::Float(f));
    }
    d.read_lock::<rhai::ImmutableString>()
        .map(|s| Value::Str(s.to_string()))
}
