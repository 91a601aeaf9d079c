//! Validation guards at the top of `classify`, compiled into native predicates.
//!
//! A quality department's rule usually opens with checks such as
//!
//! ```rhai
//! if !is_blank(c.acknowledged_at) && c.acknowledged_at < c.received_at { throw "..." }
//! ```
//!
//! They read timestamps, which every complaint has its own of, so a script holding them cannot
//! share one evaluation between complaints (RULES.md §9): the interpreter would walk the whole
//! script for every row, about 10 µs each. Instead, the leading `if COND { ... throw ... }`
//! (or `... reject(..)`) statements of `classify` whose conditions use only the forms below are
//! compiled here into native predicates, and the rest of the function is analysed and evaluated
//! without them, once per distinct input, like any rule.
//!
//! Exactness does not rest on reproducing the interpreter: a condition's closure answers
//! `Some(false)` only when rhai would certainly find it false without error. A complaint all of
//! whose guards answer that takes the fast path, where the guards have no effect in rhai either
//! (an `if` whose condition is false does nothing). Every other complaint — a guard fires, or
//! a value the closures do not model meets an operator — is evaluated by the whole original
//! script, so its reject message or error is exactly the interpreter's. Guard conditions are
//! pure, so evaluating them twice changes nothing.
//!
//! Forms compiled: `c.field` and `c["field"]` (canonical fields, not `extra`), string, number,
//! boolean and `()` literals, `!`, `&&`, `||`, `==`, `!=`, `<`, `<=`, `>`, `>=` (numbers,
//! texts, times), `is_blank(x)`, `regex_match(x, "literal")` and `contains_any(x, [literals])`.

use rhai::{AST, Expr, Stmt};

use super::kpis::CmpOp;
use super::text::match_key;
use crate::model::{Complaint, Dictionaries, Field, FieldValue};

/// A value as a guard sees it, borrowed from the complaint.
#[derive(Debug, Clone, Copy, PartialEq)]
enum V<'a> {
    Unit,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    Ts(i64),
}

/// A compiled expression. Evaluating it gives `None` when the interpreter might do something
/// this module does not model (an error, a conversion): the complaint then takes the
/// interpreter.
enum Node {
    Const(Const),
    Field(Field),
    /// `&&` (true) or `||` (false) over the parts, short-circuiting like rhai.
    Logic(bool, Vec<Node>),
    Not(Box<Node>),
    Cmp(CmpOp, Box<Node>, Box<Node>),
    IsBlank(Box<Node>),
    /// The pattern, and its table in a [`GuardMemo`].
    Regex(Box<Node>, regex::Regex, usize),
    Keywords(Box<Node>, aho_corasick::AhoCorasick),
    // The same forms applied straight to fields, as checks are written (`is_blank(c.x)`,
    // `!is_blank(c.x)`, `c.x < c.y`, `regex_match(c.x, "..")`): one step where the general
    // nodes take two or three, and a guard is evaluated for every complaint.
    /// `is_blank(c.f)` (`true`) or `!is_blank(c.f)` (`false`).
    BlankField(bool, Field),
    CmpFields(CmpOp, Field, Field),
    RegexField(Field, regex::Regex, usize),
    /// `!is_blank(c.a) && c.a OP c.b` over two stage times, the shape of the usual order
    /// check: read as two times, where the general nodes build and match a value per step.
    /// It was a quarter of the kit job's classify stage, at seven checks per complaint.
    PresentCmp(CmpOp, crate::model::Stage, crate::model::Stage),
}

/// A literal.
enum Const {
    Unit,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl Node {
    fn eval<'a>(
        &'a self,
        c: &'a Complaint,
        d: &'a Dictionaries,
        memo: &mut GuardMemo,
    ) -> Option<V<'a>> {
        Some(match self {
            Node::Const(k) => match k {
                Const::Unit => V::Unit,
                Const::Bool(b) => V::Bool(*b),
                Const::Int(i) => V::Int(*i),
                Const::Float(f) => V::Float(*f),
                Const::Str(s) => V::Str(s),
            },
            Node::Field(f) => field(c, d, *f),
            Node::Logic(is_and, parts) => {
                for p in parts {
                    match p.eval(c, d, memo)? {
                        V::Bool(b) if b != *is_and => return Some(V::Bool(b)),
                        V::Bool(_) => {}
                        _ => return None,
                    }
                }
                V::Bool(*is_and)
            }
            Node::Not(a) => match a.eval(c, d, memo)? {
                V::Bool(b) => V::Bool(!b),
                _ => return None,
            },
            Node::Cmp(op, a, b) => V::Bool(compare(*op, a.eval(c, d, memo)?, b.eval(c, d, memo)?)?),
            Node::IsBlank(a) => V::Bool(is_blank(a.eval(c, d, memo)?)),
            Node::Regex(a, re, k) => V::Bool(match a.eval(c, d, memo)? {
                V::Str(s) => memo.is_match(*k, re, s),
                _ => false,
            }),
            Node::Keywords(a, ac) => V::Bool(match a.eval(c, d, memo)? {
                V::Str(s) => ac.is_match(&match_key(s)),
                _ => false,
            }),
            Node::BlankField(want, f) => V::Bool(is_blank(field(c, d, *f)) == *want),
            Node::CmpFields(op, a, b) => V::Bool(compare(*op, field(c, d, *a), field(c, d, *b))?),
            Node::RegexField(f, re, k) => V::Bool(match field(c, d, *f) {
                V::Str(s) => memo.is_match(*k, re, s),
                _ => false,
            }),
            // As the general nodes: a blank `a` ends the `&&`; a time against `()` is unequal.
            Node::PresentCmp(op, a, b) => V::Bool(match (c.time(*a), c.time(*b)) {
                (None, _) => false,
                (Some(x), Some(y)) => op.holds(x.cmp(&y)),
                (Some(_), None) => matches!(op, CmpOp::Ne),
            }),
        })
    }
}

impl Node {
    /// True when the node reads field `f` of a complaint.
    fn reads(&self, f: Field) -> bool {
        match self {
            Node::Const(_) => false,
            Node::Field(g) | Node::BlankField(_, g) | Node::RegexField(g, ..) => *g == f,
            Node::CmpFields(_, a, b) => *a == f || *b == f,
            Node::PresentCmp(_, a, b) => [*a, *b].iter().any(|s| f.stage() == Some(*s)),
            Node::Logic(_, parts) => parts.iter().any(|p| p.reads(f)),
            Node::Not(a) | Node::IsBlank(a) | Node::Regex(a, ..) | Node::Keywords(a, _) => {
                a.reads(f)
            }
            Node::Cmp(_, a, b) => a.reads(f) || b.reads(f),
        }
    }
}

/// A field's value as a guard sees it.
#[inline]
fn field<'a>(c: &'a Complaint, d: &'a Dictionaries, f: Field) -> V<'a> {
    match c.get(f, d) {
        FieldValue::Absent => V::Unit,
        FieldValue::Str(s) => V::Str(s),
        FieldValue::Ts(t) => V::Ts(t),
        FieldValue::Num(n) => V::Float(n),
    }
}

/// `is_blank(v)`: `()` or text of only whitespace.
#[inline]
fn is_blank(v: V<'_>) -> bool {
    match v {
        V::Unit => true,
        V::Str(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// One compiled guard: `if COND { ... }` whose body ends in `throw`.
pub struct Guard {
    cond: Node,
    /// The line of the `if`.
    pub line: usize,
}

impl Guard {
    /// True when the condition is certainly false for `c` (the guard does nothing).
    fn passes(&self, c: &Complaint, d: &Dictionaries, memo: &mut GuardMemo) -> bool {
        matches!(self.cond.eval(c, d, memo), Some(V::Bool(false)))
    }
}

/// The answers of the guards' `regex_match` calls on short values seen lately: one table per
/// call, of [`GuardMemo::SLOTS`] slots each holding a value and its answer, the slot chosen by
/// the value's hash. A checked field such as a satisfaction score takes a few hundred distinct
/// values over a million complaints: the regex engine's search, about a tenth of the kit job's
/// classify stage, then runs about once per value. Bounded and allocation-free; a value longer
/// than a slot holds is matched every time. One per worker, never shared.
#[derive(Default)]
pub struct GuardMemo {
    tables: Vec<Box<[MemoSlot; GuardMemo::SLOTS]>>,
}

/// A value a regex was matched against, and the answer.
#[derive(Clone, Copy)]
struct MemoSlot {
    /// The value's length, [`MemoSlot::EMPTY`] for a slot not yet filled.
    len: u8,
    hit: bool,
    bytes: [u8; GuardMemo::SHORT],
}

impl MemoSlot {
    const EMPTY: u8 = u8::MAX;
}

impl GuardMemo {
    /// Slots per regex call (a power of two).
    const SLOTS: usize = 256;
    /// Longest value kept, in bytes.
    const SHORT: usize = 30;

    fn new(regexes: usize) -> GuardMemo {
        let empty = MemoSlot {
            len: MemoSlot::EMPTY,
            hit: false,
            bytes: [0; Self::SHORT],
        };
        GuardMemo {
            tables: (0..regexes)
                .map(|_| Box::new([empty; Self::SLOTS]))
                .collect(),
        }
    }

    /// `re.is_match(s)` for the regex call numbered `k`.
    fn is_match(&mut self, k: usize, re: &regex::Regex, s: &str) -> bool {
        use std::hash::BuildHasher;
        let Some(table) = self.tables.get_mut(k).filter(|_| s.len() <= Self::SHORT) else {
            return re.is_match(s);
        };
        let at = rustc_hash::FxBuildHasher.hash_one(s) as usize & (Self::SLOTS - 1);
        let slot = &mut table[at];
        if usize::from(slot.len) == s.len() && slot.bytes[..s.len()] == *s.as_bytes() {
            return slot.hit;
        }
        let hit = re.is_match(s);
        slot.len = s.len() as u8;
        slot.bytes[..s.len()].copy_from_slice(s.as_bytes());
        slot.hit = hit;
        hit
    }
}

/// The guards at the top of an entry function, and the function without them.
pub struct Guarded {
    /// The compiled guards, in script order.
    pub guards: Vec<Guard>,
    /// How many `regex_match` calls they hold (numbered from 0: their tables in a memo).
    regexes: usize,
    /// The script with the guards removed from the entry function (every other function and
    /// every position unchanged).
    pub rest: AST,
}

impl Guarded {
    /// True when no guard fires for `c`: the rest of the script alone decides its outputs.
    /// `memo` is this worker's ([`Guarded::memo`]).
    pub fn passes(&self, c: &Complaint, d: &Dictionaries, memo: &mut GuardMemo) -> bool {
        self.guards.iter().all(|g| g.passes(c, d, memo))
    }

    /// True when a guard reads field `f` of a complaint.
    pub fn reads(&self, f: Field) -> bool {
        self.guards.iter().any(|g| g.cond.reads(f))
    }

    /// An empty memo for [`Guarded::passes`].
    pub fn memo(&self) -> GuardMemo {
        GuardMemo::new(self.regexes)
    }
}

/// The leading guards of function `name`/`arity` of `ast` (compiled from `source` by
/// `engine`), or `None` when it has none that compile natively.
pub fn compile(
    engine: &rhai::Engine,
    source: &str,
    ast: &AST,
    name: &str,
    arity: usize,
) -> Option<Guarded> {
    let meta = ast
        .iter_functions()
        .find(|f| f.name == name && f.params.len() == arity)?;
    let param = meta.params.first()?.to_string();
    // The function's top-level statements, in order (the only nodes at depth 1).
    let only = super::analysis::only_functions(ast, |n, a| n == name && a == arity);
    let mut body: Vec<Stmt> = Vec::new();
    only.walk(&mut |path: &[rhai::ASTNode]| {
        if let [rhai::ASTNode::Stmt(s)] = path {
            body.push((*s).clone());
        }
        true
    });
    // Script functions that shadow a helper the guards model change its meaning.
    let shadowed = |f: &str, n: usize| {
        ast.iter_functions()
            .any(|m| m.name == f && m.params.len() == n)
    };
    let cx = Cx {
        param: &param,
        shadowed: &shadowed,
        regexes: std::cell::Cell::new(0),
    };
    let mut guards = Vec::new();
    // The source spans of the guards, to blank out.
    let mut spans = Vec::new();
    for stmt in &body {
        match stmt {
            Stmt::Noop(_) => {}
            Stmt::If(flow, pos) if flow.branch.is_empty() && ends_in_throw(&flow.body) => {
                let Some(cond) = cx.node(&flow.expr) else {
                    break;
                };
                let end = flow.body.end_position();
                spans.push((
                    (pos.line()?, pos.position()?),
                    (end.line()?, end.position()?),
                ));
                guards.push(Guard {
                    cond,
                    line: pos.line().unwrap_or(0),
                });
            }
            _ => break,
        }
    }
    if guards.is_empty() {
        return None;
    }
    // The same script with the guards blanked out: every other character, and so every
    // position an error message gives, stays where it was.
    let rest = engine.compile(blank(source, &spans)).ok()?;
    Some(Guarded {
        guards,
        regexes: cx.regexes.get(),
        rest,
    })
}

/// A place in a script: (line, column), both 1-based and counted in characters, as rhai counts
/// them.
type At = (usize, usize);

/// `source` with the characters from each span's start to its end, inclusive, replaced by
/// spaces; line breaks are kept.
fn blank(source: &str, spans: &[(At, At)]) -> String {
    let inside = |line: usize, col: usize| {
        spans
            .iter()
            .any(|&(a, b)| (line, col) >= a && (line, col) <= b)
    };
    let mut out = String::with_capacity(source.len());
    for (i, text) in source.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, ch) in text.chars().enumerate() {
            out.push(if ch != '\r' && inside(i + 1, j + 1) {
                ' '
            } else {
                ch
            });
        }
    }
    out
}

/// The body of an `if` ends in `throw` or `reject(..)` (the complaint is rejected when the
/// guard fires).
fn ends_in_throw(body: &rhai::StmtBlock) -> bool {
    match body.statements().last() {
        Some(Stmt::Return(Some(_), flags, _)) => flags.intersects(rhai::ASTFlags::BREAK),
        Some(Stmt::FnCall(f, _)) => f.name == "reject" && f.namespace.is_empty(),
        Some(Stmt::Expr(e)) => {
            matches!(&**e, Expr::FnCall(f, _) if f.name == "reject" && f.namespace.is_empty())
        }
        _ => false,
    }
}

struct Cx<'a> {
    param: &'a str,
    shadowed: &'a dyn Fn(&str, usize) -> bool,
    /// `regex_match` calls compiled so far (a guard that does not compile may leave a number
    /// unused: its memo table is then never read).
    regexes: std::cell::Cell<usize>,
}

impl Cx<'_> {
    /// Compiles an expression, or `None` when it uses a form this module does not model.
    fn node(&self, e: &Expr) -> Option<Node> {
        Some(match e {
            Expr::BoolConstant(b, _) => Node::Const(Const::Bool(*b)),
            Expr::IntegerConstant(i, _) => Node::Const(Const::Int(*i)),
            Expr::FloatConstant(f, _) => Node::Const(Const::Float(**f)),
            Expr::Unit(_) => Node::Const(Const::Unit),
            Expr::StringConstant(s, _) => Node::Const(Const::Str(s.to_string())),
            Expr::Dot(x, ..) | Expr::Index(x, ..) => {
                let Expr::Variable(v, ..) = &x.lhs else {
                    return None;
                };
                if v.1 != self.param {
                    return None;
                }
                let name = match (e, &x.rhs) {
                    (Expr::Dot(..), Expr::Property(p, _)) => p.2.to_string(),
                    (Expr::Index(..), Expr::StringConstant(s, _)) => s.to_string(),
                    _ => return None,
                };
                Node::Field(Field::from_name(&name)?)
            }
            Expr::And(xs, _) | Expr::Or(xs, _) => {
                let is_and = matches!(e, Expr::And(..));
                let parts: Vec<Node> = xs.iter().map(|x| self.node(x)).collect::<Option<_>>()?;
                match parts.as_slice() {
                    [Node::BlankField(false, a), Node::CmpFields(op, a2, b)]
                        if is_and && a == a2 =>
                    {
                        match (a.stage(), b.stage()) {
                            (Some(sa), Some(sb)) => Node::PresentCmp(*op, sa, sb),
                            _ => Node::Logic(is_and, parts),
                        }
                    }
                    _ => Node::Logic(is_and, parts),
                }
            }
            Expr::FnCall(f, _) if f.namespace.is_empty() => self.call(f)?,
            _ => return None,
        })
    }

    fn call(&self, f: &rhai::FnCallExpr) -> Option<Node> {
        let name = f.name.as_str();
        let n = f.args.len();
        if (self.shadowed)(name, n) {
            return None;
        }
        let arg = |k: usize| self.node(&f.args[k]).map(Box::new);
        Some(match (name, n) {
            ("!", 1) => match *arg(0)? {
                Node::BlankField(true, f) => Node::BlankField(false, f),
                a => Node::Not(Box::new(a)),
            },
            ("==" | "!=" | "<" | "<=" | ">" | ">=", 2) => {
                let op = CmpOp::of(name)?;
                match (*arg(0)?, *arg(1)?) {
                    (Node::Field(a), Node::Field(b)) => Node::CmpFields(op, a, b),
                    (a, b) => Node::Cmp(op, Box::new(a), Box::new(b)),
                }
            }
            ("is_blank", 1) => match *arg(0)? {
                Node::Field(f) => Node::BlankField(true, f),
                a => Node::IsBlank(Box::new(a)),
            },
            ("regex_match", 2) => {
                let Expr::StringConstant(p, _) = &f.args[1] else {
                    return None;
                };
                // A pattern that does not compile is left to the interpreter, which reports it.
                let re = regex::Regex::new(p).ok()?;
                let k = self.regexes.get();
                self.regexes.set(k + 1);
                match *arg(0)? {
                    Node::Field(f) => Node::RegexField(f, re, k),
                    a => Node::Regex(Box::new(a), re, k),
                }
            }
            ("contains_any", 2) => {
                // A literal list: an array expression, or the constant rhai folds it into.
                let words: Vec<String> = match &f.args[1] {
                    Expr::Array(words, _) => words
                        .iter()
                        .map(|w| match w {
                            Expr::StringConstant(w, _) => Some(w.to_string()),
                            _ => None,
                        })
                        .collect::<Option<_>>()?,
                    Expr::DynamicConstant(d, _) => d
                        .read_lock::<rhai::Array>()?
                        .iter()
                        .map(|w| {
                            w.read_lock::<rhai::ImmutableString>()
                                .map(|s| s.to_string())
                        })
                        .collect::<Option<_>>()?,
                    _ => return None,
                };
                let keys: Vec<String> = words
                    .iter()
                    .map(|w| match_key(w))
                    .filter(|k| !k.is_empty())
                    .collect();
                Node::Keywords(arg(0)?, aho_corasick::AhoCorasick::new(&keys).ok()?)
            }
            _ => return None,
        })
    }
}

/// `a op b` as rhai computes it, or `None` where this module is not sure of rhai's answer
/// (ordering booleans). Values of different types (other than an integer and a float) are
/// never equal in rhai and never ordered: `!=` is true, every other comparison false.
fn compare(op: CmpOp, a: V<'_>, b: V<'_>) -> Option<bool> {
    use std::cmp::Ordering::Equal;
    let order = match (a, b) {
        (V::Ts(x), V::Ts(y)) => x.cmp(&y),
        (V::Int(x), V::Int(y)) => x.cmp(&y),
        (V::Str(x), V::Str(y)) => x.cmp(y),
        (V::Float(x), V::Float(y)) => x.partial_cmp(&y)?,
        (V::Int(x), V::Float(y)) => (x as f64).partial_cmp(&y)?,
        (V::Float(x), V::Int(y)) => x.partial_cmp(&(y as f64))?,
        (V::Bool(x), V::Bool(y)) if matches!(op, CmpOp::Eq | CmpOp::Ne) => x.cmp(&y),
        (V::Bool(_), V::Bool(_)) => return None,
        // `()` equals `()` and has no order.
        (V::Unit, V::Unit) if matches!(op, CmpOp::Eq | CmpOp::Ne) => Equal,
        (V::Unit, V::Unit) => return Some(false),
        _ => return Some(matches!(op, CmpOp::Ne)),
    };
    Some(op.holds(order))
}

#[cfg(test)]
mod tests;
