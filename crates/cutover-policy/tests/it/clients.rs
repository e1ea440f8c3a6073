use cutover_api::models::{GRANT_CODE, GRANT_PASSWORD, GRANT_SAML2_BEARER, GRANT_TOKEN};
use cutover_policy::{RuleId, Severity};

use crate::support::*;

fn with_client(
    grant: &str,
    state_value: Option<&str>,
    disable: bool,
) -> cutover_policy::Evaluation {
    let mut state = org();
    state.oauth_clients.push(client("app", grant, state_value, &[]));
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.disable_native_login = disable;
    change.idp_users = Some(cutover_policy::IdpUserList::parse("dana.reyes@example.com"));
    run(&state, &change)
}

#[test]
fn password_client_warns_without_disable() {
    let evaluation = with_client(GRANT_PASSWORD, None, false);
    let finding = only(&evaluation, RuleId::PasswordGrantClient);
    assert_eq!(finding.severity, Severity::Warn);
    assert_eq!(finding.subject, "oauth-client:app");
    assert!(finding.message.contains("`app client` (`app`)"), "{}", finding.message);
    assert!(!evaluation.blocked);
}

#[test]
fn password_client_blocks_with_disable() {
    let evaluation = with_client(GRANT_PASSWORD, Some("active"), true);
    assert_eq!(severity_of(&evaluation, RuleId::PasswordGrantClient), Severity::Block);
    assert!(evaluation.blocked);
}

#[test]
fn password_client_blocks_when_already_disabled() {
    // The change still "disables native login" when it is already off.
    let mut state = org();
    state.identity_providers.get_mut(&cutover_api::ProviderType::Purecloud).unwrap().disabled =
        Some(true);
    state.oauth_clients.push(client("app", GRANT_PASSWORD, None, &[]));
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.disable_native_login = true;
    let evaluation = run(&state, &change);
    assert_eq!(severity_of(&evaluation, RuleId::PasswordGrantClient), Severity::Block);
}

#[test]
fn inactive_clients_are_ignored() {
    for grant in [GRANT_PASSWORD, GRANT_SAML2_BEARER, GRANT_CODE, GRANT_TOKEN] {
        for state_value in ["inactive", "disabled", "pending"] {
            let evaluation = with_client(grant, Some(state_value), true);
            let about_app: Vec<_> =
                evaluation.findings.iter().filter(|f| f.subject == "oauth-client:app").collect();
            assert!(about_app.is_empty(), "{grant} {state_value}: {about_app:#?}");
        }
    }
}

#[test]
fn saml2bearer_client_warns() {
    for disable in [false, true] {
        let evaluation = with_client(GRANT_SAML2_BEARER, None, disable);
        let finding = only(&evaluation, RuleId::Saml2BearerClient);
        assert_eq!(finding.severity, Severity::Warn);
        assert_eq!(finding.subject, "oauth-client:app");
    }
}

#[test]
fn code_and_token_clients_info() {
    for grant in [GRANT_CODE, GRANT_TOKEN] {
        let evaluation = with_client(grant, None, false);
        let finding = only(&evaluation, RuleId::UserLoginClient);
        assert_eq!(finding.severity, Severity::Info);
        assert!(finding.message.contains(grant), "{}", finding.message);
    }
}

#[test]
fn grant_spelling_compares_exactly() {
    for grant in ["password", "Saml2-Bearer", "code", "PASSWORD "] {
        let evaluation = with_client(grant, None, true);
        let about_app: Vec<_> =
            evaluation.findings.iter().filter(|f| f.subject == "oauth-client:app").collect();
        assert!(about_app.is_empty(), "{grant}: {about_app:#?}");
    }
}
