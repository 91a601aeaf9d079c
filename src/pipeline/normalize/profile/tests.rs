use super::*;

fn profile(toml_src: &str) -> Profile {
    let cfg: crate::config::RawConfig = toml::from_str(toml_src).unwrap();
    Profile::new(&cfg.profile)
}

#[test]
fn chinese_and_english_headers_map() {
    let p = profile("");
    assert_eq!(
        p.field_for("投诉编号").map(|x| x.0),
        Some(Field::ComplaintId)
    );
    assert_eq!(
        p.field_for("Complaint ID").map(|x| x.0),
        Some(Field::ComplaintId)
    );
    assert_eq!(
        p.field_for(" 满意度（分） ").map(|x| x.0),
        Some(Field::Satisfaction)
    );
    assert_eq!(
        p.field_for("ＲＥＣＥＩＶＥＤ_ＡＴ").map(|x| x.0),
        Some(Field::ReceivedAt)
    );
    assert_eq!(p.field_for("备注"), None);
}

#[test]
fn configured_aliases_win_and_duplicates_are_reported() {
    let p = profile("[profile.aliases]\nreceived_at = [\"报事时间\"]\n");
    let headers: Vec<String> = ["编号", "登记时间", "报事时间"].map(String::from).to_vec();
    let (cols, losers) = p.map_headers(&headers);
    assert_eq!(
        cols,
        vec![Some(Field::ComplaintId), None, Some(Field::ReceivedAt)]
    );
    assert_eq!(losers, vec![(1, Field::ReceivedAt)]);
}

#[test]
fn satisfaction_scales_and_words() {
    let p = profile("");
    assert_eq!(p.satisfaction("85"), Ok(85.0));
    assert_eq!(p.satisfaction("85分"), Ok(85.0));
    assert_eq!(p.satisfaction("基本满意"), Ok(80.0));
    assert_eq!(p.satisfaction("不满意"), Ok(40.0));
    assert_eq!(p.satisfaction("★★★★☆"), Ok(80.0));
    assert!(p.satisfaction("150").is_err());
    assert!(p.satisfaction("很好啊").is_err());
    let stars = profile("[profile.satisfaction]\nscale = \"five_star\"\n");
    assert_eq!(stars.satisfaction("5"), Ok(100.0));
    assert!(stars.satisfaction("85").is_err());
}

#[test]
fn generic_english_words_are_not_guessed_but_canonical_names_are() {
    let p = profile("");
    for h in [
        "State", "ID", "Name", "Type", "Source", "Score", "Created", "Closed", "Owner",
    ] {
        assert_eq!(p.field_for(h), None, "{h}");
    }
    assert_eq!(p.field_for("status").map(|x| x.0), Some(Field::Status));
    assert_eq!(p.field_for("level_raw").map(|x| x.0), Some(Field::LevelRaw));
    assert_eq!(
        p.field_for("Complaint ID").map(|x| x.0),
        Some(Field::ComplaintId)
    );
}

#[test]
fn no_built_in_alias_names_two_fields() {
    let mut seen = std::collections::HashMap::new();
    for (f, aliases) in BUILTIN_ALIASES {
        for a in *aliases {
            if let Some(g) = seen.insert(header_key(a), *f) {
                assert_eq!(g, *f, "`{a}` is an alias of two fields");
            }
        }
    }
}

#[test]
fn a_header_listed_under_two_fields_is_a_conflict_naming_both() {
    let cfg: crate::config::RawConfig = toml::from_str(
        "[profile.aliases]\nstatus = [\"State\"]\nproject = [\"state \", \"Neighborhood\"]\n",
    )
    .unwrap();
    let c = Profile::conflicts(&cfg.profile);
    assert_eq!(c, vec![("State".to_owned(), Field::Project, Field::Status)]);
    let p = Profile::new(&cfg.profile);
    let (f, prio) = p.field_for("Neighborhood").unwrap();
    assert_eq!(f, Field::Project);
    assert!(p.is_configured(prio));
    assert!(!p.is_configured(p.field_for("投诉编号").unwrap().1));
}

/// A plain number is read as the general path reads it (the word key, then the number), on
/// every scale, with leading zeros; and a configured word written in digits still wins over
/// the number it looks like.
#[test]
fn plain_numbers_read_as_the_general_path_reads_them() {
    for scale in ["percent", "five_star", "ten_point"] {
        let p = profile(&format!("[profile.satisfaction]\nscale = \"{scale}\"\n"));
        assert!(!p.digit_words);
        // The general path: the same profile, made to take it for every cell.
        let general = Profile {
            digit_words: true,
            ..p.clone()
        };
        for n in 0..1000 {
            for cell in [format!("{n}"), format!("{n:02}"), format!("{n:03}")] {
                assert_eq!(
                    p.satisfaction(&cell),
                    general.satisfaction(&cell),
                    "{scale} {cell}"
                );
            }
        }
    }
    let p = profile("[profile.satisfaction.words]\n\"5\" = 100.0\n");
    assert!(p.digit_words);
    assert_eq!(p.satisfaction("5"), Ok(100.0));
    assert_eq!(p.satisfaction("85"), Ok(85.0));
}
