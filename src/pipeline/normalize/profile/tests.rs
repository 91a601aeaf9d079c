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
