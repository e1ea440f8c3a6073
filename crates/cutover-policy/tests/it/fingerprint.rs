use cutover_api::{IdentityProvider, ProviderType};
use cutover_policy::state_fingerprint;
use serde_json::json;

use crate::support::*;

#[test]
fn fingerprint_shape_and_stability() {
    let fingerprint = state_fingerprint(&org());
    let hex = fingerprint.strip_prefix("sha256:").expect("sha256: prefix");
    assert_eq!(hex.len(), 64);
    assert!(hex.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(fingerprint, state_fingerprint(&org()));
}

/// A labelled edit of an org state.
type Edit = Box<dyn Fn(&mut cutover_api::OrgState)>;

/// Builds the support org with a role that has two permissions, so that
/// their order can change.
fn base() -> cutover_api::OrgState {
    let mut state = org();
    state.roles[0].permissions = vec!["sso:provider:*".into(), "b:c:d".into()];
    state
}

#[test]
fn irrelevant_changes_keep_fingerprint() {
    let expected = state_fingerprint(&base());
    let changes: Vec<(&str, Edit)> = vec![
        (
            "user title",
            Box::new(|s| {
                s.users[0].extra.insert("title".into(), json!("Team lead"));
            }),
        ),
        ("user username", Box::new(|s| s.users[0].username = Some("other".into()))),
        ("org name", Box::new(|s| s.organization.name = "Renamed".into())),
        ("client secret", Box::new(|s| s.oauth_clients[0].secret = Some("hunter2".into()))),
        ("client description", Box::new(|s| s.oauth_clients[0].description = Some("x".into()))),
        ("role name", Box::new(|s| s.roles[0].name = "Renamed".into())),
        (
            "list order",
            Box::new(|s| {
                s.users.reverse();
                s.oauth_clients.reverse();
                s.roles.reverse();
                s.grants.reverse();
            }),
        ),
        (
            "permission order",
            Box::new(|s| {
                s.roles[0].permissions = vec!["b:c:d".into(), "sso:provider:*".into()];
            }),
        ),
        ("divisions", Box::new(|s| s.divisions.push(cutover_api::Division::default()))),
    ];
    for (label, change) in changes {
        let mut state = base();
        change(&mut state);
        assert_eq!(state_fingerprint(&state), expected, "{label}");
    }
}

#[test]
fn relevant_changes_alter_fingerprint() {
    let changes: Vec<(&str, Edit)> = vec![
        ("org id", Box::new(|s| s.organization.id = "org-2".into())),
        ("user email", Box::new(|s| s.users[0].email = Some("dana@example.com".into()))),
        ("user state", Box::new(|s| s.users[0].state = Some("inactive".into()))),
        ("user name", Box::new(|s| s.users[0].name = "Dana R".into())),
        ("user added", Box::new(|s| s.users.push(user("u-new", "New", None, "active")))),
        ("client state", Box::new(|s| s.oauth_clients[0].state = Some("inactive".into()))),
        (
            "client grant",
            Box::new(|s| s.oauth_clients[0].authorized_grant_type = Some("CODE".into())),
        ),
        ("client name", Box::new(|s| s.oauth_clients[0].name = "renamed".into())),
        ("client roles", Box::new(|s| s.oauth_clients[0].role_divisions = Some(Vec::new()))),
        (
            "client role ids",
            Box::new(|s| s.oauth_clients[0].role_ids = Some(vec![ADMIN_ROLE.into()])),
        ),
        ("role permission", Box::new(|s| s.roles[0].permissions.push("x:y:z".into()))),
        (
            "role policy",
            Box::new(|s| {
                s.roles[1] = policy_role(AGENT_ROLE, "sso", "provider", &["edit"]);
            }),
        ),
        (
            "grant removed",
            Box::new(|s| {
                s.grants.pop();
            }),
        ),
        ("grant division", Box::new(|s| s.grants[0].division_id = None)),
        (
            "provider field",
            Box::new(|s| {
                s.identity_providers.get_mut(&ProviderType::Purecloud).unwrap().disabled =
                    Some(true);
            }),
        ),
        (
            "provider unknown field",
            Box::new(|s| {
                let provider = s.identity_providers.get_mut(&ProviderType::Purecloud).unwrap();
                provider.extra.insert("displayOnLogin".into(), json!(false));
            }),
        ),
        (
            "provider added",
            Box::new(|s| {
                s.identity_providers.insert(ProviderType::Okta, IdentityProvider::default());
            }),
        ),
    ];
    let base = state_fingerprint(&org());
    for (label, change) in changes {
        let mut state = org();
        change(&mut state);
        assert_ne!(state_fingerprint(&state), base, "{label}");
    }
}
