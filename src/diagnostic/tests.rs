use super::*;

#[test]
fn caret_points_at_the_column_with_wide_characters() {
    let src = "let a = 1;\nlet 项目 = c.projet;\n";
    let d = Diagnostic::new("rules/x.rhai", "unknown field `projet`")
        .at(src, 2, 12)
        .help("did you mean `project`?");
    let shown = d.to_string();
    assert_eq!(
        shown,
        "error: unknown field `projet`\n  --> rules/x.rhai:2:12\n  |\n2 | let 项目 = c.projet;\n  |              ^\n  = help: did you mean `project`?"
    );
}

#[test]
fn line_col_counts_characters() {
    assert_eq!(line_col("ab\n电梯x", 9), (2, 3));
    assert_eq!(line_col("abc", 0), (1, 1));
}

#[test]
fn shown_paths_are_lexically_normalised() {
    assert_eq!(
        display_path(Path::new("tests/fixtures/audit/../../../rules/x.csv")),
        PathBuf::from("rules/x.csv")
    );
    assert_eq!(
        display_path(Path::new("./rules/./a.rhai")),
        PathBuf::from("rules/a.rhai")
    );
    assert_eq!(display_path(Path::new("../x")), PathBuf::from("../x"));
}

#[test]
fn did_you_mean_finds_close_names_only() {
    let c = ["received_at", "resolved_at", "project"];
    assert_eq!(did_you_mean("recieved_at", c), Some("received_at"));
    assert_eq!(did_you_mean("zzz", c), None);
}
