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
