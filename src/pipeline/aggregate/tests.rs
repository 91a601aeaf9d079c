use super::*;

#[test]
fn project_pages_that_would_share_a_file_get_distinct_names() {
    let projects: Vec<String> = ["A/B", "A_B", "Park", "park", "翠湖花园"]
        .map(str::to_owned)
        .to_vec();
    let stems = page_stems(&projects);
    assert_eq!(stems["A/B"], "A_B");
    assert_eq!(stems["A_B"], "A_B_2");
    assert_eq!(stems["Park"], "Park");
    assert_eq!(stems["park"], "park_2");
    assert_eq!(stems["翠湖花园"], "翠湖花园");
}

/// Project names become safe slugs: no formula, no path, no hidden file, no bidi control;
/// letters and digits of any script stay. See: issue 18.
#[test]
fn project_file_names_are_slugs() {
    assert_eq!(file_name("=cmd|' /C calc'!A0"), "cmd_C_calc_A0");
    assert_eq!(file_name("../../etc/passwd"), "etc_passwd");
    assert_eq!(file_name(".hidden"), "hidden");
    assert_eq!(file_name("翠湖\u{202e}gnp.exe"), "翠湖_gnp_exe");
    assert_eq!(file_name("翠湖花园 二期"), "翠湖花园_二期");
    assert_eq!(file_name("!!!"), "project");
    assert_eq!(file_name(&"长".repeat(100)).chars().count(), 60);
}
