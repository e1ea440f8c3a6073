//! Plan documents of realistic orgs, as JSON snapshots. Each snapshot was
//! read line by line when it was accepted; a change to any finding, message
//! or stage shows up as a snapshot diff.

use cutover_api::models::{
    GRANT_CLIENT_CREDENTIALS, GRANT_CODE, GRANT_PASSWORD, GRANT_SAML2_BEARER, GRANT_TOKEN,
};
use cutover_api::{IdentityProvider, OrgState, Organization, ProviderType};
use cutover_policy::{
    DesiredChange, IdpUserList, PlanDocument, PlanSource, RuleId, Waiver, evaluate,
};
use cutover_saml::{KeyType, MetadataError, ValidUntil};
use serde_json::json;

use crate::support::*;

const METADATA_NOTE: &[u8] = b"<!-- the test builds this IdP's metadata in memory -->";

fn plan(state: &OrgState, change: &DesiredChange) -> PlanDocument {
    let evaluation = evaluate(state, change, now()).unwrap();
    let source = PlanSource {
        created_at: now(),
        region: "us-east-1",
        entity_id: None,
        metadata: METADATA_NOTE,
    };
    PlanDocument::new(&evaluation, state, change, &source)
}

fn named(mut client: cutover_api::OAuthClient, name: &str) -> cutover_api::OAuthClient {
    name.clone_into(&mut client.name);
    client
}

fn base_org(id: &str, name: &str) -> OrgState {
    let mut state = org();
    state.organization =
        Organization { id: id.into(), name: name.into(), ..Organization::default() };
    state
}

/// A first cutover: native login on, no SAML provider yet, metadata in the
/// middle of a certificate rollover, and native login to be disabled.
#[test]
fn first_cutover_plan() {
    let mut state = base_org("7c5f1a52-acme", "Acme Support");
    state.roles = vec![
        policy_role("role-master", "*", "*", &["*"]),
        role(ADMIN_ROLE, &["sso:provider:*"]),
        role(AGENT_ROLE, &["routing:queue:view", "conversation:call:accept"]),
    ];
    state.roles[0].name = "Master Admin".into();
    state.roles[1].name = "SSO Admin".into();
    let mut legacy_break_glass =
        named(client("c-bg", GRANT_CLIENT_CREDENTIALS, Some("active"), &[]), "Break Glass");
    legacy_break_glass.role_divisions = None;
    legacy_break_glass.role_ids = Some(vec![ADMIN_ROLE.into()]);
    state.oauth_clients = vec![
        named(
            client("c-admin", GRANT_CLIENT_CREDENTIALS, Some("active"), &[ADMIN_ROLE]),
            "cutover-admin",
        ),
        legacy_break_glass,
        named(client("c-wfm", GRANT_PASSWORD, Some("active"), &[]), "WFM Reporting Export"),
        named(client("c-softphone", GRANT_SAML2_BEARER, None, &[]), "Legacy Softphone SSO"),
        named(client("c-portal", GRANT_CODE, Some("active"), &[]), "Agent Desktop Portal"),
        named(
            client("c-old-sync", GRANT_CLIENT_CREDENTIALS, Some("inactive"), &[ADMIN_ROLE]),
            "Old Data Sync",
        ),
    ];
    state.users = vec![
        user("u-dana", "Dana Reyes", Some("Dana.Reyes@acme.example"), "active"),
        user("u-priya", "Priya Natarajan", Some("priya.natarajan@acme.example"), "active"),
        user("u-marcus", "Marcus Webb", Some("marcus.webb@acme.example"), "active"),
        user("u-chloe", "Chloe Dubois", Some("chloe.dubois@acme.example"), "inactive"),
        user("u-hugo", "Hugo Lefebvre", Some("hugo.lefebvre@acme.example"), "active"),
        user("u-ximena", "Ximena Ruiz", Some("ximena.ruiz@acme.example"), "active"),
        user("u-kiosk", "Lobby Kiosk", None, "active"),
        user("u-ana", "Ana Silva", Some("ana.silva@acme.example"), "active"),
    ];
    state.grants = vec![
        grant("u-dana", "role-master"),
        grant("u-priya", ADMIN_ROLE),
        grant("u-marcus", ADMIN_ROLE),
        grant("u-chloe", "role-master"),
        grant("u-hugo", AGENT_ROLE),
        grant("u-ximena", AGENT_ROLE),
        grant("u-kiosk", AGENT_ROLE),
        grant("u-ana", AGENT_ROLE),
    ];

    let old = Cert::new(1).sha1().not_after(now() + days(12));
    let new = Cert::new(2).not_before(now() - days(2)).not_after(now() + days(730));
    let issuer = Cert::new(3).ca().not_after(now() + days(3650));
    let mut metadata = metadata(&[&old, &new, &issuer]);
    metadata.valid_until = vec![ValidUntil {
        element: "EntityDescriptor".into(),
        text: "2026-06-01T00:00:00Z".into(),
        instant: Some("2026-06-01T00:00:00Z".parse().unwrap()),
    }];

    let mut change = change(metadata);
    change.name = Some("Acme Entra ID".into());
    change.disable_native_login = true;
    change.idp_users = Some(IdpUserList::parse(
        "# Entra ID export\nDANA.REYES@acme.example\npriya.natarajan@acme.example\n\
         ana.silva@acme.example\nnot-in-genesys@acme.example\n",
    ));
    change.waivers = vec![Waiver {
        rule: RuleId::UsersNotInIdp,
        reason: "Hugo and Ximena are provisioned on Monday".into(),
    }];

    insta::assert_json_snapshot!("first_cutover", plan(&state, &change));
}

/// Replacing a configured Okta provider whose issuer differs only by a
/// trailing slash and whose SSO URL differs only in letter case.
#[test]
fn okta_replacement_plan() {
    let mut state = base_org("b21e-globex", "Globex Care");
    let old = Cert::new(4).key(KeyType::Rsa, 1024).not_after(now() + days(90));
    let mut okta = IdentityProvider {
        id: Some("okta-1".into()),
        name: Some("Okta".into()),
        disabled: Some(false),
        issuer_uri: Some("http://www.okta.com/exk1abcd/".into()),
        sso_target_uri: Some("https://globex.okta.com/app/GENESYS/exk1abcd/sso/saml".into()),
        sso_binding: Some(cutover_saml::BINDING_HTTP_POST.into()),
        certificates: Some(vec![old.base64()]),
        self_uri: Some("/api/v2/identityproviders/okta".into()),
        ..IdentityProvider::default()
    };
    okta.extra.insert("relyingPartyIdentifier".into(), json!("urn:gc:globex"));
    state.identity_providers.insert(ProviderType::Okta, okta);
    state.oauth_clients[0].name = "Break Glass - Primary".into();
    state.oauth_clients.push(named(client("c-web", GRANT_TOKEN, None, &[]), "Wallboard Web App"));

    let cert = Cert::new(5).key(KeyType::Ec, 256);
    let mut metadata = metadata(&[&cert]);
    metadata.entity_id = "http://www.okta.com/exk1abcd".into();
    metadata.entity_ids = vec![metadata.entity_id.clone()];
    metadata.sso_services = vec![endpoint(
        cutover_saml::BINDING_HTTP_POST,
        "https://globex.okta.com/app/genesys/exk1abcd/sso/saml",
    )];
    metadata.slo_services = Vec::new();
    let mut change = change(metadata);
    change.provider = ProviderType::Okta;
    change.break_glass_clients = vec!["bg-1".into(), "c-retired".into()];

    insta::assert_json_snapshot!("okta_replacement", plan(&state, &change));
}

/// A second run after a finished cutover: the provider matches (stored as
/// PEM), native login is already off, and strict mode finds nothing to stop.
#[test]
fn already_cut_over_plan() {
    let mut state = base_org("e9d0-initech", "Initech Helpdesk");
    let cert = Cert::new(6);
    let pem = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----", cert.base64());
    state.identity_providers.insert(
        ProviderType::Generic,
        IdentityProvider {
            id: Some("gen-1".into()),
            name: Some("Initech SSO".into()),
            disabled: Some(false),
            issuer_uri: Some(ENTITY_ID.into()),
            sso_target_uri: Some(SSO_URL.into()),
            certificate: Some(pem),
            ..IdentityProvider::default()
        },
    );
    state.identity_providers.get_mut(&ProviderType::Purecloud).unwrap().disabled = Some(true);

    let mut change = change(metadata(&[&cert]));
    change.disable_native_login = true;
    change.strict = true;
    change.idp_users = Some(IdpUserList::parse(
        "dana.reyes@example.com\nlee.park@example.com\nsam.ito@example.com\n",
    ));

    let plan = plan(&state, &change);
    assert!(plan.stages.is_empty());
    assert!(!plan.blocked);
    insta::assert_json_snapshot!("already_cut_over", plan);
}

/// The riskiest request: metadata with a DOCTYPE, no client that could turn
/// native login back on, a password-grant integration, and no IdP user list.
#[test]
fn locked_out_risk_plan() {
    let mut state = base_org("0f3a-umbrella", "Umbrella Outsourcing");
    state.oauth_clients = vec![
        named(
            client("c-analytics", GRANT_CLIENT_CREDENTIALS, Some("active"), &[AGENT_ROLE]),
            "Analytics Dashboard",
        ),
        named(client("c-legacy", GRANT_PASSWORD, Some("active"), &[ADMIN_ROLE]), "Legacy Sync"),
    ];
    state.identity_providers.remove(&ProviderType::Purecloud);
    let mut change = change_err(MetadataError::Dtd);
    change.disable_native_login = true;

    let plan = plan(&state, &change);
    assert!(plan.blocked);
    insta::assert_json_snapshot!("locked_out_risk", plan);
}
