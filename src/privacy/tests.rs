use super::*;

#[test]
fn names_and_phones_are_masked_as_the_report_shows_them() {
    assert_eq!(mask_name("张三"), "张*");
    assert_eq!(mask_name("王建国"), "王**");
    assert_eq!(mask_phone("13812341234"), "138****1234");
    assert_eq!(mask_phone("0571-88001234"), "057*-****1234");
    assert_eq!(mask_phone("12345"), "*****");
}

#[test]
fn the_run_masker_hides_any_complainants_name_anywhere() {
    let m = Masker::new(["邓艳", "王建国", "李"]);
    assert_eq!(
        m.mask("楼上邓艳旭家噪音扰民，王建国电话13812345678"),
        "楼上邓*旭家噪音扰民，王**电话138****5678"
    );
    assert_eq!(m.mask("李先生来电"), "李先生来电");
}

#[test]
fn text_masking_finds_phones_and_the_complainants_name() {
    let t = "我是王建国，电话13812345678，座机0571-88001234，工单TS202610-00042，金额20261001元";
    let m = mask_text(t, &["王建国"]);
    assert_eq!(
        m,
        "我是王**，电话138****5678，座机057*-****1234，工单TS202610-00042，金额20261001元"
    );
}
