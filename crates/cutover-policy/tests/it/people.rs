use cutover_api::OrgState;
use cutover_policy::{Evaluation, IdpUserList, RuleId, Severity};

use crate::support::*;

fn with_list(state: &OrgState, list: Option<&str>, disable: bool) -> Evaluation {
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.disable_native_login = disable;
    change.idp_users = list.map(IdpUserList::parse);
    run(state, &change)
}

const PEOPLE_RULES: [RuleId; 4] =
    [RuleId::IdpUsersUnknown, RuleId::AdminNotInIdp, RuleId::NoAdminInIdp, RuleId::UsersNotInIdp];

#[test]
fn no_people_rules_without_disable() {
    for list in [None, Some(""), Some("nobody@example.com")] {
        let evaluation = with_list(&org(), list, false);
        for rule in PEOPLE_RULES {
            assert!(!has(&evaluation, rule), "{rule} with list {list:?}");
        }
    }
}

#[test]
fn no_list_is_unknown() {
    let evaluation = with_list(&org(), None, true);
    let finding = only(&evaluation, RuleId::IdpUsersUnknown);
    assert_eq!(finding.severity, Severity::Warn);
    assert_eq!(finding.subject, "org");
    assert!(finding.message.contains("3 active users"), "{}", finding.message);
    for rule in [RuleId::AdminNotInIdp, RuleId::NoAdminInIdp, RuleId::UsersNotInIdp] {
        assert!(!has(&evaluation, rule), "{rule}");
    }
}

#[test]
fn everyone_listed_mixed_case() {
    let list = "  DANA.Reyes@Example.com \r\nlee.park@EXAMPLE.COM\nSam.Ito@example.com\n";
    let evaluation = with_list(&org(), Some(list), true);
    for rule in PEOPLE_RULES {
        assert!(!has(&evaluation, rule), "{rule}");
    }
}

#[test]
fn org_emails_trimmed_and_lowercased() {
    let mut state = org();
    state.users[0].email = Some("  Dana.REYES@example.com\t".into());
    let evaluation = with_list(
        &state,
        Some("dana.reyes@example.com\nlee.park@example.com\nsam.ito@example.com"),
        true,
    );
    assert!(!has(&evaluation, RuleId::AdminNotInIdp), "{:#?}", evaluation.findings);
}

#[test]
fn only_admin_missing() {
    let evaluation = with_list(&org(), Some("lee.park@example.com\nsam.ito@example.com"), true);
    let finding = only(&evaluation, RuleId::AdminNotInIdp);
    assert_eq!(finding.subject, "user:u-dana");
    assert_eq!(finding.severity, Severity::Block);
    assert!(
        finding.message.contains("`Dana Reyes` <dana.reyes@example.com>"),
        "{}",
        finding.message
    );
    assert_eq!(severity_of(&evaluation, RuleId::NoAdminInIdp), Severity::Block);
    assert!(!has(&evaluation, RuleId::UsersNotInIdp));
}

#[test]
fn one_of_two_admins_listed() {
    let mut state = org();
    state.users.push(user("u-kim", "Kim Ode", Some("kim.ode@example.com"), "active"));
    state.grants.push(grant("u-kim", ADMIN_ROLE));
    let evaluation = with_list(
        &state,
        Some("dana.reyes@example.com\nlee.park@example.com\nsam.ito@example.com"),
        true,
    );
    assert_eq!(only(&evaluation, RuleId::AdminNotInIdp).subject, "user:u-kim");
    assert!(!has(&evaluation, RuleId::NoAdminInIdp));
}

#[test]
fn admin_without_email_never_listed() {
    let mut state = org();
    state.users[0].email = None;
    let evaluation = with_list(
        &state,
        Some("dana.reyes@example.com\nlee.park@example.com\nsam.ito@example.com"),
        true,
    );
    let finding = only(&evaluation, RuleId::AdminNotInIdp);
    assert!(finding.message.contains("no email"), "{}", finding.message);
    assert!(has(&evaluation, RuleId::NoAdminInIdp));
}

#[test]
fn inactive_admin_does_not_count() {
    let mut state = org();
    state.users[0].state = Some("inactive".into());
    let evaluation = with_list(&state, Some("lee.park@example.com\nsam.ito@example.com"), true);
    assert!(!has(&evaluation, RuleId::AdminNotInIdp));
    let finding = only(&evaluation, RuleId::NoAdminInIdp);
    assert!(finding.message.contains("no active user"), "{}", finding.message);
}

#[test]
fn no_admin_at_all_blocks() {
    let mut state = org();
    state.grants.retain(|grant| grant.role_id != ADMIN_ROLE);
    let evaluation = with_list(
        &state,
        Some("dana.reyes@example.com\nlee.park@example.com\nsam.ito@example.com"),
        true,
    );
    assert_eq!(severity_of(&evaluation, RuleId::NoAdminInIdp), Severity::Block);
    assert!(!has(&evaluation, RuleId::UsersNotInIdp));
}

#[test]
fn admin_through_policy_role() {
    let mut state = org();
    state.roles.push(policy_role("role-policy", "sso", "provider", &["add"]));
    state.users.push(user("u-kim", "Kim Ode", Some("kim.ode@example.com"), "active"));
    state.grants.push(grant("u-kim", "role-policy"));
    let evaluation = with_list(
        &state,
        Some("kim.ode@example.com\nlee.park@example.com\nsam.ito@example.com"),
        true,
    );
    assert_eq!(only(&evaluation, RuleId::AdminNotInIdp).subject, "user:u-dana");
    assert!(!has(&evaluation, RuleId::NoAdminInIdp));
}

#[test]
fn missing_users_counted_once() {
    let mut state = org();
    state.users.push(user("u-ann", "Ann Bo", None, "active"));
    state.users.push(user("u-old", "Old Timer", Some("old@example.com"), "inactive"));
    let evaluation = with_list(&state, Some("dana.reyes@example.com\n"), true);
    let finding = only(&evaluation, RuleId::UsersNotInIdp);
    assert_eq!(finding.severity, Severity::Warn);
    assert_eq!(finding.subject, "org");
    assert!(finding.message.starts_with("3 of the org's 3 active users"), "{}", finding.message);
    assert!(finding.message.contains("1 of them has no email"), "{}", finding.message);
    assert!(
        finding.message.contains("lee.park@example.com, sam.ito@example.com"),
        "{}",
        finding.message
    );
    assert!(!finding.message.contains("old@example.com"), "{}", finding.message);
}

#[test]
fn empty_list_is_a_list() {
    let evaluation = with_list(&org(), Some("# nobody yet\n"), true);
    assert!(!has(&evaluation, RuleId::IdpUsersUnknown));
    assert!(has(&evaluation, RuleId::AdminNotInIdp));
    assert!(has(&evaluation, RuleId::NoAdminInIdp));
    assert!(has(&evaluation, RuleId::UsersNotInIdp));
}

#[test]
fn already_disabled_still_judged() {
    let mut state = org();
    state.identity_providers.get_mut(&cutover_api::ProviderType::Purecloud).unwrap().disabled =
        Some(true);
    let evaluation = with_list(&state, Some("lee.park@example.com"), true);
    assert!(has(&evaluation, RuleId::AdminNotInIdp));
    assert!(has(&evaluation, RuleId::NoAdminInIdp));
    assert!(has(&evaluation, RuleId::NativeLoginAlreadyDisabled));
}
