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
        reads(r#"fn classify(c) { if c.level_raw == "紧急" { "I" } else { c["category_raw"] } }"#),
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

fn uses(src: &str) -> Option<BTreeMap<String, FieldUse>> {
    let engine = rhai::Engine::new();
    let ast = engine.compile(src).unwrap();
    let tables = |t: &str| match t {
        "kw" => Some(vec!["text".to_owned()]),
        "sub" => Some(vec!["category".to_owned(), "text".to_owned()]),
        _ => None,
    };
    field_uses(&ast, "classify", 1, 0, &tables)
}

#[test]
fn fields_only_passed_to_tables_are_told_apart() {
    let u = uses(
        r#"fn classify(c) { let k = table("kw", c); table("sub", #{ category: k.x, text: c.text }) }"#,
    )
    .unwrap();
    assert!(!u["text"].direct);
    assert_eq!(
        u["text"].tables,
        BTreeSet::from([
            ("kw".to_owned(), "text".to_owned()),
            ("sub".to_owned(), "text".to_owned())
        ])
    );
    let u = uses(r#"fn classify(c) { let k = table("kw", c); c.text.len() }"#).unwrap();
    assert!(u["text"].direct);
    let u = uses(r#"fn classify(c) { let m = #{ text: c.text }; table("sub", m) }"#);
    // `table("sub", m)` with a variable: the analysis cannot follow it.
    assert!(u.is_none() || u.unwrap()["text"].direct);
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
