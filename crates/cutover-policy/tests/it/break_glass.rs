use cutover_api::models::{GRANT_CLIENT_CREDENTIALS, GRANT_CODE, GRANT_PASSWORD};
use cutover_policy::{RuleId, Severity};

use crate::support::*;

fn evaluation_with_named(
    state: &cutover_api::OrgState,
    named: &[&str],
) -> cutover_policy::Evaluation {
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.break_glass_clients = named.iter().map(|id| (*id).to_owned()).collect();
    run(state, &change)
}

#[test]
fn two_qualifying_clients_no_finding() {
    let evaluation = run(&org(), &change(metadata(&[&Cert::new(0)])));
    assert!(!has(&evaluation, RuleId::BreakGlassMissing));
    assert!(!has(&evaluation, RuleId::BreakGlassSingle));
    assert!(!evaluation.blocked, "{:#?}", evaluation.findings);
}

#[test]
fn no_qualifying_client_is_missing() {
    let mut state = org();
    state.oauth_clients.clear();
    let evaluation = run(&state, &change(metadata(&[&Cert::new(0)])));
    let finding = only(&evaluation, RuleId::BreakGlassMissing);
    assert_eq!(finding.severity, Severity::Block);
    assert_eq!(finding.subject, "org");
    assert!(evaluation.blocked);
}

#[test]
fn one_qualifying_client_is_single() {
    let mut state = org();
    state.oauth_clients.truncate(1);
    let evaluation = run(&state, &change(metadata(&[&Cert::new(0)])));
    let finding = only(&evaluation, RuleId::BreakGlassSingle);
    assert_eq!(finding.severity, Severity::Warn);
    assert_eq!(finding.subject, "oauth-client:bg-1");
    assert!(finding.message.contains("`bg-1 client` (`bg-1`)"), "{}", finding.message);
    assert!(!has(&evaluation, RuleId::BreakGlassMissing));
    assert!(!evaluation.blocked);
}

#[test]
fn state_inactive_disabled_absent() {
    // Absent state counts as active; `inactive`, `disabled` and any other
    // value get no tokens.
    for (state_value, qualifies) in [
        (None, true),
        (Some("active"), true),
        (Some("inactive"), false),
        (Some("disabled"), false),
        (Some("Active"), false),
    ] {
        let mut state = org();
        state.oauth_clients =
            vec![client("bg", GRANT_CLIENT_CREDENTIALS, state_value, &[ADMIN_ROLE])];
        let evaluation = run(&state, &change(metadata(&[&Cert::new(0)])));
        assert_eq!(has(&evaluation, RuleId::BreakGlassSingle), qualifies, "state {state_value:?}");
        assert_eq!(
            has(&evaluation, RuleId::BreakGlassMissing),
            !qualifies,
            "state {state_value:?}"
        );
    }
}

#[test]
fn grant_type_compares_exactly() {
    let mut state = org();
    state.oauth_clients = vec![client("bg", "client-credentials", None, &[ADMIN_ROLE])];
    let evaluation = run(&state, &change(metadata(&[&Cert::new(0)])));
    assert!(has(&evaluation, RuleId::BreakGlassMissing));
}

#[test]
fn role_ids_only_client_does_not_qualify() {
    // The deprecated `roleIds` are the client's roles when it has no
    // `roleDivisions`, so a named client holding the admin role there gets no
    // `break-glass-no-idp-permission`. It still does not qualify, because a
    // qualifying client needs the role in `roleDivisions`.
    let mut state = org();
    let mut legacy = client("bg-legacy", GRANT_CLIENT_CREDENTIALS, None, &[]);
    legacy.role_divisions = None;
    legacy.role_ids = Some(vec![ADMIN_ROLE.into()]);
    state.oauth_clients = vec![legacy.clone()];
    let evaluation = run(&state, &change(metadata(&[&Cert::new(0)])));
    assert!(has(&evaluation, RuleId::BreakGlassMissing));
    assert!(!has(&evaluation, RuleId::BreakGlassSingle));

    let mut named = change(metadata(&[&Cert::new(0)]));
    named.break_glass_clients = vec!["bg-legacy".into()];
    let evaluation = run(&state, &named);
    assert!(has(&evaluation, RuleId::BreakGlassMissing));
    assert!(!has(&evaluation, RuleId::BreakGlassNoIdpPermission));

    // An empty `roleDivisions` list wins over `roleIds` for the client's roles.
    legacy.role_divisions = Some(Vec::new());
    state.oauth_clients = vec![legacy];
    let evaluation = run(&state, &named);
    assert!(has(&evaluation, RuleId::BreakGlassMissing));
    assert!(has(&evaluation, RuleId::BreakGlassNoIdpPermission));
}

#[test]
fn wildcard_permissions_both_forms() {
    let cases = [
        (role("r", &["sso:provider:edit"]), true),
        (role("r", &["sso:provider:add"]), true),
        (role("r", &["sso:*:*"]), true),
        (role("r", &["*:*:*"]), true),
        (role("r", &["sso:prov*:edit"]), false),
        (role("r", &["sso:provider:view"]), false),
        (role("r", &["SSO:provider:edit"]), false),
        (policy_role("r", "sso", "provider", &["edit"]), true),
        (policy_role("r", "*", "*", &["add"]), true),
        (policy_role("r", "sso", "*", &["*"]), true),
        (policy_role("r", "sso", "provider", &[]), false),
        (policy_role("r", "sso", "provider", &["view", "delete"]), false),
    ];
    for (role, grants) in cases {
        let mut state = org();
        state.roles = vec![role.clone()];
        state.oauth_clients = vec![client("bg", GRANT_CLIENT_CREDENTIALS, None, &["r"])];
        let evaluation = run(&state, &change(metadata(&[&Cert::new(0)])));
        assert_eq!(has(&evaluation, RuleId::BreakGlassSingle), grants, "role {role:?}");
    }
}

#[test]
fn unknown_role_id_grants_nothing() {
    let mut state = org();
    state.oauth_clients = vec![client("bg", GRANT_CLIENT_CREDENTIALS, None, &["role-gone"])];
    let evaluation = evaluation_with_named(&state, &["bg"]);
    assert!(has(&evaluation, RuleId::BreakGlassNoIdpPermission));
    assert!(has(&evaluation, RuleId::BreakGlassMissing));
}

#[test]
fn named_client_fails_all_three() {
    let mut state = org();
    state.oauth_clients.push(client("web", GRANT_PASSWORD, Some("inactive"), &[AGENT_ROLE]));
    let evaluation = evaluation_with_named(&state, &["web"]);
    for rule in [
        RuleId::BreakGlassWrongGrant,
        RuleId::BreakGlassInactive,
        RuleId::BreakGlassNoIdpPermission,
    ] {
        let finding = only(&evaluation, rule);
        assert_eq!(finding.subject, "oauth-client:web", "{rule}");
        assert_eq!(finding.severity, Severity::Block, "{rule}");
        assert!(finding.message.contains("`web client` (`web`)"), "{}", finding.message);
    }
    // Only named clients are candidates, so the healthy bg-1 and bg-2 do not
    // count.
    assert!(has(&evaluation, RuleId::BreakGlassMissing));
    assert!(!has(&evaluation, RuleId::BreakGlassUnknown));
}

#[test]
fn named_client_each_problem_alone() {
    let cases = [
        (client("x", GRANT_CODE, None, &[ADMIN_ROLE]), RuleId::BreakGlassWrongGrant),
        (
            client("x", GRANT_CLIENT_CREDENTIALS, Some("disabled"), &[ADMIN_ROLE]),
            RuleId::BreakGlassInactive,
        ),
        (
            client("x", GRANT_CLIENT_CREDENTIALS, None, &[AGENT_ROLE]),
            RuleId::BreakGlassNoIdpPermission,
        ),
    ];
    for (named, expected) in cases {
        let mut state = org();
        state.oauth_clients.push(named);
        let evaluation = evaluation_with_named(&state, &["x"]);
        let named_rules: Vec<RuleId> = evaluation
            .findings
            .iter()
            .filter(|f| f.subject == "oauth-client:x" && f.rule.as_str().starts_with("break-glass"))
            .map(|f| f.rule)
            .collect();
        assert_eq!(named_rules, [expected]);
    }
}

#[test]
fn unknown_client_gets_only_unknown() {
    let evaluation = evaluation_with_named(&org(), &["ghost"]);
    let subjects: Vec<(String, String)> = fired(&evaluation)
        .into_iter()
        .filter(|(_, subject)| subject == "oauth-client:ghost")
        .collect();
    assert_eq!(subjects, [("break-glass-unknown".to_owned(), "oauth-client:ghost".to_owned())]);
    assert!(has(&evaluation, RuleId::BreakGlassMissing));
}

#[test]
fn named_repeats_count_once() {
    let evaluation = evaluation_with_named(&org(), &["bg-1", "bg-1", " bg-1"]);
    // ` bg-1` is another ID (IDs compare exactly) and does not exist.
    assert_eq!(only(&evaluation, RuleId::BreakGlassUnknown).subject, "oauth-client: bg-1");
    assert_eq!(only(&evaluation, RuleId::BreakGlassSingle).subject, "oauth-client:bg-1");
}

#[test]
fn named_two_qualifying_no_warning() {
    let evaluation = evaluation_with_named(&org(), &["bg-2", "bg-1", "bg-2"]);
    assert!(!has(&evaluation, RuleId::BreakGlassSingle));
    assert!(!has(&evaluation, RuleId::BreakGlassMissing));
    assert!(!evaluation.blocked, "{:#?}", evaluation.findings);
}

#[test]
fn named_mix_good_and_unknown() {
    let evaluation = evaluation_with_named(&org(), &["bg-1", "ghost"]);
    assert_eq!(
        fired(&evaluation),
        [
            ("break-glass-unknown".to_owned(), "oauth-client:ghost".to_owned()),
            ("break-glass-single".to_owned(), "oauth-client:bg-1".to_owned()),
        ]
    );
}
