use super::*;

fn load_str(src: &str) -> Result<Config> {
    let raw: RawConfig =
        toml::from_str(src).map_err(|e| toml_diagnostic(Path::new("c.toml"), src, &e))?;
    Config::from_raw(
        raw,
        Path::new("c.toml"),
        src,
        Path::new(""),
        &Overrides::default(),
        0,
    )
}

#[test]
fn unknown_key_gets_a_position_and_a_suggestion() {
    let err = load_str("timezone = \"Asia/Shanghai\"\ntimezon = 1\n").unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("c.toml:2:1"), "{shown}");
    assert!(shown.contains("did you mean `timezone`?"), "{shown}");
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let src = "timezone = \"Asia/Shangai\"\nlang = \"fr\"\n[profile.aliases]\nrecieved_at = [\"收到时间\"]\n";
    let Err(Error::Diagnostics(d)) = load_str(src) else {
        panic!("expected diagnostics")
    };
    assert_eq!(d.0.len(), 3, "{d}");
    let shown = d.to_string();
    assert!(shown.contains("did you mean `Asia/Shanghai`?"), "{shown}");
    assert!(shown.contains("did you mean `received_at`?"), "{shown}");
    assert!(shown.contains("c.toml:4:1"), "{shown}");
}

#[test]
fn as_of_accepts_the_three_documented_forms() {
    let z = Zone::from_name("Asia/Shanghai").unwrap();
    let a = parse_as_of("2026-11-01T00:00:00+08:00", &z).unwrap();
    assert_eq!(parse_as_of("2026-11-01 00:00", &z).unwrap(), a);
    assert_eq!(parse_as_of("2026-11-01 00:00:00", &z).unwrap(), a);
    assert_eq!(parse_as_of("2026-11-01", &z).unwrap(), a);
    assert!(parse_as_of("next tuesday", &z).is_err());
}

#[test]
fn procedure_is_one_name_or_a_list_and_parameters_keep_their_text() {
    let one = load_str("procedure = \"003-H11\"\n").unwrap();
    let names: Vec<String> = one
        .procedures
        .unwrap()
        .into_iter()
        .map(Spanned::into_inner)
        .collect();
    assert_eq!(names, ["003-H11"]);
    let many =
        load_str("procedure = [\"002\", \"003-H11\"]\n[parameters]\npromptly = \"2 hours\"\n")
            .unwrap();
    let names: Vec<String> = many
        .procedures
        .unwrap()
        .into_iter()
        .map(Spanned::into_inner)
        .collect();
    assert_eq!(names, ["002", "003-H11"]);
    assert_eq!(many.parameters["promptly"].get_ref(), "2 hours");
    assert!(load_str("").unwrap().procedures.is_none());
    let Err(Error::Diagnostics(d)) = load_str("procedure = 3\n") else {
        panic!("a number is not a procedure")
    };
    assert!(d.to_string().contains("must name a procedure"), "{d}");
}
