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

    fn merge(&mut self, other: Reads) {
        match (self, other) {
            (s @ Reads::Fields(_), Reads::All) => *s = Reads::All,
            (Reads::Fields(a), Reads::Fields(b)) => {
                for (k, p) in b {
                    a.entry(k).or_insert(p);
                }
            }
            (Reads::All, _) => {}
        }
    }
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
    let mut visiting = BTreeSet::new();
    analyse(ast, name, arity, param, table_inputs, &mut visiting)
}

fn analyse(
    ast: &AST,
    name: &str,
    arity: usize,
    param: usize,
    table_inputs: &dyn Fn(&str) -> Option<Vec<String>>,
    visiting: &mut BTreeSet<(String, usize, usize)>,
) -> Reads {
    // Recursion through script functions: a cycle adds nothing new.
    if !visiting.insert((name.to_owned(), arity, param)) {
        return Reads::Fields(BTreeMap::new());
    }
    let Some(meta) = ast
        .iter_functions()
        .find(|f| f.name == name && f.params.len() == arity)
    else {
        return Reads::All;
    };
    let p = meta.params[param].to_owned();
    let sub = ast.clone_functions_only_filtered(|_, _, _, n, a| n == name && a == arity);
    let mut reads = Reads::Fields(BTreeMap::new());
    // Calls to other script functions that receive the record, analysed after the walk.
    let mut calls: Vec<(String, usize, usize)> = Vec::new();
    sub.walk(&mut |path: &[ASTNode]| {
        let Some(node) = path.last() else { return true };
        match node {
            ASTNode::Stmt(Stmt::Var(x, ..)) if x.0.name == p => {
                reads = Reads::All;
            }
            ASTNode::Expr(e @ Expr::Variable(v, ..)) if v.1 == p => {
                let parent = path.len().checked_sub(2).map(|i| path[i]);
                match use_of(e, parent, ast, table_inputs) {
                    Use::Field(f, pos) => reads.merge(Reads::Fields(BTreeMap::from([(f, pos)]))),
                    Use::Fields(fs) => reads.merge(Reads::Fields(
                        fs.into_iter().map(|f| (f, Position::NONE)).collect(),
                    )),
                    Use::Call(f, a, k) => calls.push((f, a, k)),
                    Use::Unknown => reads = Reads::All,
                }
            }
            _ => {}
        }
        reads != Reads::All
    });
    for (f, a, k) in calls {
        if reads == Reads::All {
            break;
        }
        let r = analyse(ast, &f, a, k, table_inputs, visiting);
        reads.merge(r);
    }
    reads
}

enum Use {
    Field(String, Position),
    Fields(Vec<String>),
    Call(String, usize, usize),
    Unknown,
}

/// How the record variable `var` is used, judged from its parent node.
fn use_of(
    var: &Expr,
    parent: Option<ASTNode<'_>>,
    ast: &AST,
    table_inputs: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Use {
    match parent {
        Some(ASTNode::Expr(Expr::Dot(x, ..))) if std::ptr::eq(&x.lhs, var) => match &x.rhs {
            Expr::Property(p, pos) => Use::Field(p.2.to_string(), *pos),
            // `c.text.len()`, `c.text[0]`: the chain continues after the property
            Expr::Dot(y, ..) | Expr::Index(y, ..) => match &y.lhs {
                Expr::Property(p, pos) => Use::Field(p.2.to_string(), *pos),
                _ => Use::Unknown,
            },
            _ => Use::Unknown,
        },
        Some(ASTNode::Expr(Expr::Index(x, ..))) if std::ptr::eq(&x.lhs, var) => match &x.rhs {
            Expr::StringConstant(s, pos) => Use::Field(s.to_string(), *pos),
            _ => Use::Unknown,
        },
        Some(ASTNode::Expr(Expr::FnCall(f, ..))) => {
            let Some(k) = f.args.iter().position(|a| std::ptr::eq(a, var)) else {
                return Use::Unknown;
            };
            let name = f.name.as_str();
            if matches!(name, "table" | "table_all") && f.args.len() == 2 && k == 1 {
                if let Expr::StringConstant(t, _) = &f.args[0]
                    && let Some(fields) = table_inputs(t)
                {
                    return Use::Fields(fields);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(src: &str) -> Option<Vec<String>> {
        let engine = rhai::Engine::new();
        let ast = engine.compile(src).unwrap();
        let tables = |t: &str| (t == "kw").then(|| vec!["text".to_owned()]);
        match fields_read(&ast, "classify", 1, 0, &tables) {
            Reads::All => None,
            Reads::Fields(f) => Some(f.into_keys().collect()),
        }
    }

    #[test]
    fn property_index_and_table_reads_are_found() {
        assert_eq!(
            reads(
                r#"fn classify(c) { if c.level_raw == "紧急" { "I" } else { c["category_raw"] } }"#
            ),
            Some(vec!["category_raw".into(), "level_raw".into()])
        );
        assert_eq!(
            reads(r#"fn classify(c) { let t = table("kw", c); c.text.len() + t }"#),
            Some(vec!["text".into()])
        );
    }

    #[test]
    fn reads_through_helper_functions() {
        assert_eq!(
            reads(r#"fn lvl(r) { r.level_raw } fn classify(c) { lvl(c) + c.channel }"#),
            Some(vec!["channel".into(), "level_raw".into()])
        );
    }

    #[test]
    fn anything_else_reads_everything() {
        assert_eq!(reads(r#"fn classify(c) { c.keys() }"#), None);
        assert_eq!(reads(r#"fn classify(c) { print(c); 1 }"#), None);
        assert_eq!(
            reads(r#"fn classify(c) { table(name(), c) } fn name() { "kw" }"#),
            None
        );
        assert_eq!(reads(r#"fn classify(c) { let c = 1; c }"#), None);
    }
}
