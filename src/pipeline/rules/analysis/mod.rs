//! Which record fields an entry function reads, found in its compiled AST.
//!
//! Two uses:
//! - speed: a rule that reads only low-cardinality fields (level, category, channel) is
//!   evaluated once per distinct combination of those fields and the answer shared, which is
//!   identical to per-row evaluation because rules are pure (no clock, no files, no state);
//! - checks: a property read on the record that is not a field (`c.recieved_at`) is reported
//!   by `complaints check` with its position and a did-you-mean, before any data is read.
//!
//! The analysis is conservative. The record parameter may only appear as `c.field`,
//! `c["field"]`, `table("name", c)`/`table_all("name", c)` (the table's input fields), or as an
//! argument to another script function (analysed in turn). Any other use (a method call on
//! `c`, passing it to a native function, rebinding it, capturing it in a closure) means
//! "reads everything", which is always correct, only slower.

use std::collections::{BTreeMap, BTreeSet};

use rhai::{AST, ASTNode, Expr, Position, Stmt};

/// What an entry function reads from its record parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reads {
    /// Possibly anything: evaluate per row.
    All,
    /// Exactly these fields, with the first place each is read (for diagnostics).
    Fields(BTreeMap<String, Position>),
}

impl Reads {
    /// The field names, or `None` for all.
    pub fn names(&self) -> Option<BTreeSet<&str>> {
        match self {
            Reads::All => None,
            Reads::Fields(f) => Some(f.keys().map(String::as_str).collect()),
        }
    }
}

/// Where a field's value goes. When it only ever reaches decision-table inputs, a table's
/// answer — and so the rule's — depends on the field only through which rows' conditions the
/// value meets ([`super::tables::Table::column_bits`]), not on the value itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldUse {
    /// Read in some other way too (`c.text.len()`, `c.text == "x"`, passed to a helper).
    pub direct: bool,
    /// The decision-table inputs it reaches: (table, the input field name the table reads).
    pub tables: BTreeSet<(String, String)>,
}

/// The fields function `name` (with `arity` parameters) reads through parameter `param`.
/// `table_inputs` gives a table's input fields by name.
pub fn fields_read(
    ast: &AST,
    name: &str,
    arity: usize,
    param: usize,
    table_inputs: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Reads {
    match analyse(ast, name, arity, param, table_inputs, &mut BTreeSet::new()) {
        None => Reads::All,
        Some(uses) => Reads::Fields(uses.into_iter().map(|(f, (pos, _))| (f, pos)).collect()),
    }
}

/// How each field function `name` reads is used (`None`: anything may be read).
pub fn field_uses(
    ast: &AST,
    name: &str,
    arity: usize,
    param: usize,
    table_inputs: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Option<BTreeMap<String, FieldUse>> {
    analyse(ast, name, arity, param, table_inputs, &mut BTreeSet::new())
        .map(|uses| uses.into_iter().map(|(f, (_, u))| (f, u)).collect())
}

/// Field → (first position read, how it is used); `None` for "reads everything".
type Uses = BTreeMap<String, (Position, FieldUse)>;

fn add(uses: &mut Uses, field: String, pos: Position, via: Option<(String, String)>) {
    let e = uses.entry(field).or_insert((pos, FieldUse::default()));
    if e.0 == Position::NONE {
        e.0 = pos;
    }
    match via {
        Some(t) => {
            e.1.tables.insert(t);
        }
        None => e.1.direct = true,
    }
}

fn merge(into: &mut Uses, other: Uses) {
    for (f, (pos, u)) in other {
        let e = into.entry(f).or_insert((pos, FieldUse::default()));
        if e.0 == Position::NONE {
            e.0 = pos;
        }
        e.1.direct |= u.direct;
        e.1.tables.extend(u.tables);
    }
}

fn analyse(
    ast: &AST,
    name: &str,
    arity: usize,
    param: usize,
    table_inputs: &dyn Fn(&str) -> Option<Vec<String>>,
    visiting: &mut BTreeSet<(String, usize, usize)>,
) -> Option<Uses> {
    // Recursion through script functions: a cycle adds nothing new.
    if !visiting.insert((name.to_owned(), arity, param)) {
        return Some(Uses::new());
    }
    let meta = ast
        .iter_functions()
        .find(|f| f.name == name && f.params.len() == arity)?;
    let p = meta.params[param].to_owned();
    let sub = only_functions(ast, |n, a| n == name && a == arity);
    let mut uses = Some(Uses::new());
    // Calls to other script functions that receive the record, analysed after the walk.
    let mut calls: Vec<(String, usize, usize)> = Vec::new();
    sub.walk(&mut |path: &[ASTNode]| {
        let Some(node) = path.last() else { return true };
        let Some(u) = uses.as_mut() else { return false };
        match node {
            ASTNode::Stmt(Stmt::Var(x, ..)) if x.0.name == p => uses = None,
            ASTNode::Expr(e @ Expr::Variable(v, ..)) if v.1 == p => {
                match use_of(e, path, ast, table_inputs) {
                    Use::Field(f, pos, via) => add(u, f, pos, via),
                    Use::Table(t, fs) => {
                        for f in fs {
                            add(u, f.clone(), Position::NONE, Some((t.clone(), f)));
                        }
                    }
                    Use::Call(f, a, k) => calls.push((f, a, k)),
                    Use::Unknown => uses = None,
                }
            }
            _ => {}
        }
        uses.is_some()
    });
    let mut uses = uses?;
    for (f, a, k) in calls {
        merge(&mut uses, analyse(ast, &f, a, k, table_inputs, visiting)?);
    }
    Some(uses)
}

enum Use {
    /// `c.field` or `c["field"]`, and the table input it goes straight into, if any.
    Field(String, Position, Option<(String, String)>),
    /// `table("name", c)`: the table's input fields.
    Table(String, Vec<String>),
    Call(String, usize, usize),
    Unknown,
}

/// How the record variable (the last node of `path`) is used, judged from its parents.
fn use_of(
    var: &Expr,
    path: &[ASTNode<'_>],
    ast: &AST,
    table_inputs: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Use {
    let up = |k: usize| path.len().checked_sub(k + 1).map(|i| path[i]);
    match up(1) {
        Some(ASTNode::Expr(dot @ Expr::Dot(x, ..))) if std::ptr::eq(&x.lhs, var) => match &x.rhs {
            Expr::Property(p, pos) => {
                Use::Field(p.2.to_string(), *pos, table_input(dot, up(2), up(3)))
            }
            // `c.text.len()`, `c.text[0]`: the chain continues after the property
            Expr::Dot(y, ..) | Expr::Index(y, ..) => match &y.lhs {
                Expr::Property(p, pos) => Use::Field(p.2.to_string(), *pos, None),
                _ => Use::Unknown,
            },
            _ => Use::Unknown,
        },
        Some(ASTNode::Expr(Expr::Index(x, ..))) if std::ptr::eq(&x.lhs, var) => match &x.rhs {
            Expr::StringConstant(s, pos) => Use::Field(s.to_string(), *pos, None),
            _ => Use::Unknown,
        },
        Some(node) if fn_call(node).is_some() => {
            let f = fn_call(node).expect("a call");
            let Some(k) = f.args.iter().position(|a| std::ptr::eq(a, var)) else {
                return Use::Unknown;
            };
            let name = f.name.as_str();
            if matches!(name, "table" | "table_all") && f.args.len() == 2 && k == 1 {
                if let Expr::StringConstant(t, _) = &f.args[0]
                    && let Some(fields) = table_inputs(t)
                {
                    return Use::Table(t.to_string(), fields);
                }
                return Use::Unknown;
            }
            let arity = f.args.len();
            if ast
                .iter_functions()
                .any(|m| m.name == name && m.params.len() == arity)
            {
                Use::Call(name.to_owned(), arity, k)
            } else {
                Use::Unknown
            }
        }
        _ => Use::Unknown,
    }
}

/// The functions of `ast` that `keep(name, arity)` accepts, without the top-level statements:
/// what `AST::walk` should see to visit just those functions' bodies.
///
/// Not `AST::clone_functions_only_filtered`: in rhai 1.27 it keeps every function when it
/// copies into an empty module (`Module::merge_filtered` clones the whole table then).
pub fn only_functions(ast: &AST, keep: impl Fn(&str, usize) -> bool) -> AST {
    let mut only = ast.clone();
    only.clear_statements();
    only.retain_functions(|_, _, n, a| keep(n, a));
    only
}

/// A function call, as an expression or as a statement (`table("x", c)` on its own line).
fn fn_call(node: ASTNode<'_>) -> Option<&rhai::FnCallExpr> {
    match node {
        ASTNode::Expr(Expr::FnCall(f, ..)) | ASTNode::Stmt(Stmt::FnCall(f, ..)) => Some(f),
        _ => None,
    }
}

/// When `value` (a `c.field` read) is the value of a key in a map literal that is directly
/// the record argument of `table("name", #{ key: c.field, ... })`: the table and the input
/// field it reads the value as.
fn table_input(
    value: &Expr,
    map: Option<ASTNode<'_>>,
    call: Option<ASTNode<'_>>,
) -> Option<(String, String)> {
    let (Some(ASTNode::Expr(m @ Expr::Map(x, ..))), Some(f)) = (map, call.and_then(fn_call)) else {
        return None;
    };
    if !matches!(f.name.as_str(), "table" | "table_all")
        || f.args.len() != 2
        || !std::ptr::eq(&f.args[1], m)
    {
        return None;
    }
    let Expr::StringConstant(t, _) = &f.args[0] else {
        return None;
    };
    x.0.iter()
        .find(|(_, e)| std::ptr::eq(e, value))
        .map(|(k, _)| (t.to_string(), k.name.to_string()))
}

/// The keys of the map literals in function `name` (any arity) that are not the record
/// argument of a table call: the outputs a `classify` script returns, as far as its text shows
/// them. Empty when the function builds no map literal (its outputs are then only known once it
/// runs).
pub fn map_keys(ast: &AST, name: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let sub = only_functions(ast, |n, _| n == name);
    sub.walk(&mut |path: &[ASTNode]| {
        let Some(ASTNode::Expr(m @ Expr::Map(x, ..))) = path.last() else {
            return true;
        };
        let to_table = path.len() >= 2
            && fn_call(path[path.len() - 2]).is_some_and(|f| {
                matches!(f.name.as_str(), "table" | "table_all")
                    && f.args.iter().any(|a| std::ptr::eq(a, *m))
            });
        if !to_table {
            keys.extend(x.0.iter().map(|(k, _)| k.name.to_string()));
        }
        true
    });
    keys
}

#[cfg(test)]
mod tests;
