//! `complaints test`: the shipped rules pass their own tests; failures are shown like cargo's.

use crate::util::{assert_golden, run};

#[test]
fn shipped_rules_pass_their_own_tests() {
    let r = run(&["test"]).expect(0);
    assert!(r.stdout.contains("test result: ok."), "{}", r.stdout);
    assert!(!r.stdout.contains("FAILED"), "{}", r.stdout);
}

#[test]
fn a_failing_test_file_fails_with_the_actual_output() {
    let r = run(&["test", "tests/fixtures/rule_tests/failing.test.toml"]).expect(1);
    assert_golden("cli_test/failing.stdout", &r.stdout);
}
