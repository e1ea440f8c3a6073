use cutover_api::models::{GRANT_PASSWORD, GRANT_SAML2_BEARER};
use cutover_policy::{PolicyError, RuleId, Waiver, evaluate};

use crate::support::*;

fn password_org() -> cutover_api::OrgState {
    let mut state = org();
    state.oauth_clients.push(client("legacy", GRANT_PASSWORD, None, &[]));
    state
}

fn disabling_change() -> cutover_policy::DesiredChange {
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.disable_native_login = true;
    change.idp_users = Some(cutover_policy::IdpUserList::parse(
        "dana.reyes@example.com\nlee.park@example.com\nsam.ito@example.com",
    ));
    change
}

fn waiver(rule: RuleId, reason: &str) -> Waiver {
    Waiver { rule, reason: reason.to_owned() }
}

#[test]
fn waiver_unblocks_and_keeps_place() {
    let state = password_org();
    let mut change = disabling_change();
    change.waivers.push(waiver(RuleId::NativeLoginSameRun, "tested in the sandbox org"));
    let before = run(&state, &change);
    assert!(before.blocked);

    change.waivers.push(waiver(RuleId::PasswordGrantClient, "retired next week"));
    let after = run(&state, &change);
    assert!(!after.blocked, "{:#?}", after.findings);
    assert_eq!(fired(&before), fired(&after));
    let finding = only(&after, RuleId::PasswordGrantClient);
    assert!(finding.waived);
    assert_eq!(finding.severity, cutover_policy::Severity::Block);
    let others_waived: Vec<_> = after
        .findings
        .iter()
        .filter(|f| {
            f.waived && ![RuleId::PasswordGrantClient, RuleId::NativeLoginSameRun].contains(&f.rule)
        })
        .collect();
    assert!(others_waived.is_empty(), "{others_waived:#?}");
}

#[test]
fn every_waivable_rule_accepted() {
    for rule in [
        RuleId::PasswordGrantClient,
        RuleId::AdminNotInIdp,
        RuleId::UsersNotInIdp,
        RuleId::NativeLoginSameRun,
        RuleId::Saml2BearerClient,
    ] {
        let mut change = disabling_change();
        change.waivers.push(waiver(rule, "accepted"));
        assert!(evaluate(&org(), &change, now()).is_ok(), "{rule}");
    }
}

#[test]
fn unwaivable_rule_rejected() {
    for rule in RuleId::ALL.iter().filter(|rule| !rule.is_waivable()) {
        let mut change = disabling_change();
        change.waivers.push(waiver(*rule, "please"));
        let error = evaluate(&org(), &change, now()).unwrap_err();
        assert!(
            matches!(error, PolicyError::NotWaivable { rule: found } if found == *rule),
            "{error}"
        );
        assert!(error.to_string().contains(&format!("`{rule}`")), "{error}");
    }
}

#[test]
fn waiver_without_reason_rejected() {
    for reason in ["", "   \t"] {
        let mut change = disabling_change();
        change.waivers.push(waiver(RuleId::PasswordGrantClient, reason));
        let error = evaluate(&password_org(), &change, now()).unwrap_err();
        assert!(
            matches!(error, PolicyError::MissingReason { rule: RuleId::PasswordGrantClient }),
            "{error}"
        );
        assert!(error.to_string().contains("`password-grant-client`"), "{error}");
    }
}

#[test]
fn waiver_of_unfired_rule_changes_nothing() {
    let mut change = disabling_change();
    let plain = run(&org(), &change);
    change.waivers.push(waiver(RuleId::Saml2BearerClient, "none exist"));
    change.waivers.push(waiver(RuleId::AdminNotInIdp, "none missing"));
    let waived = run(&org(), &change);
    assert_eq!(plain, waived);
}

#[test]
fn strict_makes_warnings_block() {
    let mut state = org();
    state.oauth_clients.push(client("bearer", GRANT_SAML2_BEARER, None, &[]));
    let mut change = change(metadata(&[&Cert::new(0)]));
    assert!(!run(&state, &change).blocked);

    change.strict = true;
    let strict = run(&state, &change);
    assert!(strict.blocked);
    // Severities stay as the catalog defines them.
    assert_eq!(severity_of(&strict, RuleId::Saml2BearerClient), cutover_policy::Severity::Warn);

    change.waivers.push(waiver(RuleId::Saml2BearerClient, "moved to the new IdP"));
    assert!(!run(&state, &change).blocked);
}

#[test]
fn strict_ignores_info() {
    let mut state = org();
    state.oauth_clients.push(client("web", "CODE", None, &[]));
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.strict = true;
    let evaluation = run(&state, &change);
    assert!(has(&evaluation, RuleId::UserLoginClient));
    assert!(!evaluation.blocked, "{:#?}", evaluation.findings);
}
