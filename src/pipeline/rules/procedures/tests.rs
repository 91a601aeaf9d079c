use super::*;
use crate::config::Overrides;
use crate::shipped::{Kind, Layered};

const LIBRARY: &str = r#"
[numbering]
time_limits = 3
escalation_rules = 2

[[procedure]]
id = "shipped"
title = "默认"
default = true
presets = ["a", "b"]
duties = ["d"]

[[procedure]]
id = "000-K"
title = "物业投诉管理流程"
presets = ["b", "c"]
duties = ["d", "e"]

[[procedure]]
id = "001-HT"
title = "酒店"
presets = ["c"]

[[gap]]
refs = ["T03", "E01"]
procedure = "000-U"
rule = "agitated visitor"
reason = "not in a log"
needs = "a reception start time"
source = "000-U L868"

[parameters.promptly]
value = "1 working day"
label = "及时"
source = "000-U 标准9"
"#;

/// A rule folder with `procedures.toml`, empty SLA presets a, b, c and duty presets d, e, and
/// a config with `extra` appended.
fn folder(extra: &str) -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    for sub in ["sla", "duties"] {
        std::fs::create_dir_all(rules.join(sub)).unwrap();
    }
    for p in ["a", "b", "c"] {
        std::fs::write(rules.join("sla").join(format!("{p}.toml")), "").unwrap();
    }
    for d in ["d", "e"] {
        std::fs::write(rules.join("duties").join(format!("{d}.toml")), "").unwrap();
    }
    std::fs::write(rules.join(FILE), LIBRARY).unwrap();
    let config = dir.path().join("complaints.toml");
    std::fs::write(&config, format!("rules = \"rules\"\n{extra}")).unwrap();
    let ov = Overrides {
        skip_inputs: true,
        ..Overrides::default()
    };
    let cfg = Config::load(Some(&config), &ov, 0).unwrap();
    (dir, cfg)
}

fn names(v: &Option<Vec<Spanned<String>>>) -> Option<Vec<String>> {
    v.as_ref()
        .map(|v| v.iter().map(|s| s.get_ref().clone()).collect())
}

fn load_and_select(cfg: &Config) -> (Library, Selection, Diagnostics) {
    let mut diags = Diagnostics::default();
    let lib = load(
        &Layered::new(Kind::Rules, &cfg.rules_dir),
        cfg,
        &mut Vec::new(),
        &mut diags,
    );
    let sel = lib.select(cfg, &mut diags);
    (lib, sel, diags)
}

#[test]
fn numbering_covers_exactly_the_sources_numbers() {
    let n = Numbering {
        time_limits: 69,
        escalation_rules: 51,
        source: String::new(),
    };
    assert_eq!(n.all().len(), 120);
    assert_eq!(n.all()[0], "T01");
    assert_eq!(n.all()[119], "E51");
    for yes in ["T01", "T69", "E01", "E51"] {
        assert!(n.contains(yes), "{yes}");
    }
    for no in ["T00", "T70", "E52", "T1", "T001", "X01", "t01"] {
        assert!(!n.contains(no), "{no}");
    }
}

#[test]
fn without_a_procedure_the_default_bundle_stands_in_and_explicit_lists_still_win() {
    let (_d, cfg) = folder("");
    let (_, sel, diags) = load_and_select(&cfg);
    assert!(diags.is_empty(), "{diags}");
    assert_eq!(names(&sel.presets).unwrap(), ["a", "b"]);
    assert_eq!(names(&sel.duties).unwrap(), ["d"]);
    // Without a procedure, `[sla] presets` may name any file, as before the library existed.
    let (_d, cfg) = folder("[sla]\npresets = [\"c\"]\n");
    let (_, sel, diags) = load_and_select(&cfg);
    assert!(diags.is_empty(), "{diags}");
    assert_eq!(names(&sel.presets).unwrap(), ["c"]);
    assert_eq!(names(&sel.duties).unwrap(), ["d"]);
}

#[test]
fn named_procedures_are_merged_in_order_and_the_lists_pick_within_them() {
    let (_d, cfg) = folder("procedure = [\"000-K\", \"001-HT\"]\n");
    let (_, sel, diags) = load_and_select(&cfg);
    assert!(diags.is_empty(), "{diags}");
    assert_eq!(names(&sel.presets).unwrap(), ["b", "c"]);
    assert_eq!(names(&sel.duties).unwrap(), ["d", "e"]);
    let (_d, cfg) = folder("procedure = \"000-K\"\n[audit]\nduties = [\"e\"]\n");
    let (_, sel, diags) = load_and_select(&cfg);
    assert!(diags.is_empty(), "{diags}");
    assert_eq!(names(&sel.presets).unwrap(), ["b", "c"]);
    assert_eq!(names(&sel.duties).unwrap(), ["e"]);
    // A preset outside the named procedure is an error that names what it does include.
    let (_d, cfg) = folder("procedure = \"001-HT\"\n[sla]\npresets = [\"a\"]\n");
    let (_, _, diags) = load_and_select(&cfg);
    let shown = diags.to_string();
    assert!(
        shown.contains("`sla.presets` names `a`, which procedure 001-HT does not include"),
        "{shown}"
    );
    assert!(shown.contains("it includes c"), "{shown}");
}

#[test]
fn an_unknown_procedure_gets_a_suggestion() {
    let (_d, cfg) = folder("procedure = \"000-k\"\n");
    let (_, _, diags) = load_and_select(&cfg);
    let shown = diags.to_string();
    assert!(shown.contains("no procedure `000-k`"), "{shown}");
    assert!(shown.contains("did you mean `000-K`?"), "{shown}");
}

#[test]
fn parameters_resolve_to_the_libraries_value_unless_the_config_sets_one() {
    let (_d, cfg) = folder("");
    let (lib, _, _) = load_and_select(&cfg);
    let r = lib.limit("param:promptly", WorkingDays::EndOfDay).unwrap();
    assert_eq!(r.parameter.as_deref(), Some("promptly"));
    assert_eq!(
        r.limit,
        Limit::WorkingDays {
            days: 1,
            mode: WorkingDays::EndOfDay
        }
    );
    assert_eq!(
        lib.limit("2 hours", WorkingDays::EndOfDay)
            .unwrap()
            .parameter,
        None
    );
    let err = lib
        .limit("param:promply", WorkingDays::EndOfDay)
        .unwrap_err();
    assert!(err.contains("did you mean `promptly`?"), "{err}");

    let (_d, cfg) = folder("[parameters]\npromptly = \"2 hours\"\n");
    let (lib, _, diags) = load_and_select(&cfg);
    assert!(diags.is_empty(), "{diags}");
    let p = lib.parameter("promptly").unwrap();
    assert!(p.from_config);
    assert_eq!(
        (p.value.as_str(), p.default.as_str()),
        ("2 hours", "1 working day")
    );
    assert_eq!(
        lib.limit("param:promptly", WorkingDays::EndOfDay)
            .unwrap()
            .limit,
        Limit::Calendar { secs: 7200 }
    );
}

#[test]
fn config_parameters_must_exist_and_be_limits() {
    let (_d, cfg) = folder("[parameters]\npromply = \"2 hours\"\nnever = \"x\"\n");
    let (_, _, diags) = load_and_select(&cfg);
    let shown = diags.to_string();
    assert!(shown.contains("no parameter `promply`"), "{shown}");
    assert!(shown.contains("did you mean `promptly`?"), "{shown}");
    let (_d, cfg) = folder("[parameters]\npromptly = \"soon\"\n");
    let (_, _, diags) = load_and_select(&cfg);
    assert!(
        diags
            .to_string()
            .contains("parameter `promptly`: cannot read limit `soon`")
    );
}

#[test]
fn bundles_name_existing_files_and_gaps_existing_numbers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sla")).unwrap();
    std::fs::write(
        dir.path().join(FILE),
        "[numbering]\ntime_limits = 2\nescalation_rules = 1\n\
         [[procedure]]\nid = \"x\"\ntitle = \"x\"\npresets = [\"nope\"]\n\
         [[gap]]\nrefs = [\"T03\"]\nprocedure = \"x\"\nrule = \"r\"\nreason = \"r\"\nneeds = \"n\"\nsource = \"s\"\n",
    )
    .unwrap();
    let config = dir.path().join("complaints.toml");
    std::fs::write(&config, "").unwrap();
    let ov = Overrides {
        skip_inputs: true,
        ..Overrides::default()
    };
    let cfg = Config::load(Some(&config), &ov, 0).unwrap();
    let mut diags = Diagnostics::default();
    let lib = load(
        &Layered::new(Kind::Rules, dir.path()),
        &cfg,
        &mut Vec::new(),
        &mut diags,
    );
    let shown = diags.to_string();
    assert!(
        shown.contains("procedure `x` names SLA preset `nope`, which is not a file"),
        "{shown}"
    );
    assert!(
        shown.contains("`T03` is not a number of the sources"),
        "{shown}"
    );
    // The missing preset is left out of the bundle, so it is reported once.
    assert!(lib.bundle("x").unwrap().presets.is_empty());
}

#[test]
fn implements_takes_only_numbers_of_the_sources() {
    let (_d, cfg) = folder("");
    let (lib, _, _) = load_and_select(&cfg);
    assert!(lib.check_ref("T03").is_ok());
    assert!(lib.check_ref("E02").is_ok());
    assert!(lib.check_ref("E03").is_err());
    assert!(lib.check_ref("T3").is_err());
    // Without a library any T or E number is accepted.
    assert!(Library::default().check_ref("T99").is_ok());
    assert!(Library::default().check_ref("X01").is_err());
}
