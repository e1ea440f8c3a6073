//! Rules over metadata documents parsed by the SAML crate from generated
//! certificates, and over the bundled sample org.

use std::collections::BTreeMap;

use cutover_api::{IdentityProvider, OrgState, ProviderType};
use cutover_policy::{IdpUserList, RuleId, Severity, compare_provider, evaluate, provider_matches};
use cutover_saml::testing::{CertificateBuilder, MetadataBuilder, TestKey};
use cutover_saml::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, parse_metadata};
use serde_json::Value;

use crate::support::*;

const IDP: &str = "https://idp.example.test/entity";

fn parsed(xml: &str) -> cutover_saml::IdpMetadata {
    parse_metadata(xml.as_bytes(), None).expect("generated metadata parses")
}

#[test]
fn key_rollover_then_replan_is_idempotent() {
    let current = CertificateBuilder::new("idp-current.example.test")
        .valid_days_around(now(), -300, 60)
        .build();
    let next = CertificateBuilder::new("idp-next.example.test")
        .key(TestKey::EcP256)
        .valid_days_around(now(), -1, 700)
        .build();
    let retired = CertificateBuilder::new("idp-retired.example.test")
        .valid_days_around(now(), -800, -5)
        .build();
    let issuer = CertificateBuilder::new("Example Issuing CA").ca().build();
    let xml = MetadataBuilder::new(IDP)
        .signing_certificate(&retired)
        .signing_chain(&[&current, &issuer])
        .signing_certificate(&next)
        .signing_certificate(&current)
        .sso_services(&[
            (BINDING_HTTP_POST, "https://idp.example.test/sso/post"),
            (BINDING_HTTP_REDIRECT, "https://idp.example.test/sso/redirect"),
        ])
        .build();

    let mut state = org();
    state.identity_providers.insert(
        ProviderType::Generic,
        IdentityProvider {
            id: Some("gen-1".into()),
            name: Some("Example IdP".into()),
            disabled: Some(false),
            issuer_uri: Some(IDP.into()),
            sso_target_uri: Some("https://idp.example.test/sso/redirect".into()),
            certificate: Some(current.pem()),
            ..IdentityProvider::default()
        },
    );

    let evaluation = run(&state, &change(parsed(&xml)));
    let body = evaluation.provider_body.clone().unwrap();
    assert_eq!(body.certificates, Some(vec![current.base64(), next.base64()]));
    // Two certificates: the stale single `certificate` field is dropped.
    assert_eq!(body.certificate, None);
    assert_eq!(severity_of(&evaluation, RuleId::CertExpired), Severity::Warn);
    assert_eq!(severity_of(&evaluation, RuleId::CertIsCa), Severity::Warn);
    let replaced = only(&evaluation, RuleId::ProviderReplaced);
    assert!(replaced.message.contains("issuer unchanged"), "{}", replaced.message);
    assert!(replaced.message.contains(&next.sha256()), "{}", replaced.message);
    assert_eq!(evaluation.stages.len(), 1);

    // The server stores the body, perhaps re-armoured as PEM: it reads back
    // equal, matches, and a new plan has nothing left to do.
    let mut stored = body.clone();
    stored.certificates = Some(vec![current.pem(), next.base64_wrapped()]);
    assert_eq!(compare_provider(&body, &stored), Vec::<String>::new());
    assert!(provider_matches(Some(&stored), &body));
    state.identity_providers.insert(ProviderType::Generic, stored);
    let replan = run(&state, &change(parsed(&xml)));
    assert!(replan.stages.is_empty(), "{:#?}", replan.stages);
    assert!(!has(&replan, RuleId::ProviderReplaced));
}

#[test]
fn weak_sha1_certificate_parsed() {
    let weak = CertificateBuilder::new("idp-legacy.example.test")
        .key(TestKey::Rsa1024)
        .sha1_signature()
        .valid_days_around(now(), -10, 300)
        .build();
    let xml = MetadataBuilder::new(IDP).signing_certificate(&weak).build();
    let findings = cutover_policy::evaluate_metadata(&Ok(parsed(&xml)), now(), 30).unwrap();
    let rules: Vec<(RuleId, Severity, &str)> =
        findings.iter().map(|f| (f.rule, f.severity, f.subject.as_str())).collect();
    let subject = format!("certificate:{}", weak.sha256());
    assert_eq!(
        rules,
        [
            (RuleId::CertWeakKey, Severity::Block, subject.as_str()),
            (RuleId::CertSha1, Severity::Info, subject.as_str())
        ]
    );
    assert!(findings[0].message.contains("1024-bit RSA"), "{}", findings[0].message);
}

/// Reads an org snapshot file into the state the rules read.
fn snapshot_state(text: &str) -> OrgState {
    let snapshot: Value = serde_json::from_str(text).unwrap();
    let field = |name: &str| snapshot.get(name).cloned().unwrap_or(Value::Null);
    let providers: BTreeMap<String, IdentityProvider> =
        serde_json::from_value(field("identityProviders")).unwrap();
    OrgState {
        organization: serde_json::from_value(field("organization")).unwrap(),
        identity_providers: providers
            .into_iter()
            .map(|(kind, provider)| (kind.parse::<ProviderType>().unwrap(), provider))
            .collect(),
        oauth_clients: serde_json::from_value(field("oauthClients")).unwrap(),
        roles: serde_json::from_value(field("roles")).unwrap(),
        divisions: serde_json::from_value(field("divisions")).unwrap(),
        users: serde_json::from_value(field("users")).unwrap(),
        grants: serde_json::from_value(field("grants")).unwrap(),
    }
}

/// The bundled sample org with its metadata and IdP user list: the rules its
/// guide describes fire, and nothing about admins does.
#[test]
fn sample_org_full_cutover() {
    let state = snapshot_state(include_str!("../../../../examples/sample-org.json"));
    let metadata =
        parse_metadata(include_bytes!("../../../../examples/idp-metadata.xml"), None).unwrap();
    // The sample certificate is valid for 20 years from its generation day,
    // so evaluate a year after it was made.
    let certificate = metadata.parsed_certificates()[0].clone();
    let when = certificate.not_before + days(365);

    let mut change = change(metadata);
    change.disable_native_login = true;
    change.idp_users = Some(IdpUserList::parse(include_str!("../../../../examples/idp-users.txt")));
    let evaluation = evaluate(&state, &change, when).unwrap();

    let rules: Vec<RuleId> = evaluation.findings.iter().map(|f| f.rule).collect();
    for expected in [
        RuleId::PasswordGrantClient,
        RuleId::Saml2BearerClient,
        RuleId::UserLoginClient,
        RuleId::UsersNotInIdp,
        RuleId::NativeLoginSameRun,
    ] {
        assert!(rules.contains(&expected), "{expected} missing from {rules:?}");
    }
    for absent in [
        RuleId::BreakGlassMissing,
        RuleId::BreakGlassSingle,
        RuleId::AdminNotInIdp,
        RuleId::NoAdminInIdp,
        RuleId::IdpUsersUnknown,
        RuleId::ProviderReplaced,
    ] {
        assert!(!rules.contains(&absent), "{absent} in {rules:?}");
    }
    assert!(
        !rules.iter().any(
            |rule| rule.as_str().starts_with("cert-") || rule.as_str().starts_with("metadata-")
        ),
        "{rules:?}"
    );
    assert_eq!(severity_of(&evaluation, RuleId::PasswordGrantClient), Severity::Block);
    let missing = only(&evaluation, RuleId::UsersNotInIdp);
    assert!(missing.message.contains("hugo"), "{}", missing.message);
    assert!(missing.message.contains("has no email"), "{}", missing.message);
    let numbers: Vec<u8> = evaluation.stages.iter().map(|stage| stage.stage).collect();
    assert_eq!(numbers, [1, 2]);
}
