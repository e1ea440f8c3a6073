use cutover_api::{IdentityProvider, ProviderType};
use cutover_policy::{PolicyError, RuleId, Severity, evaluate, evaluate_metadata};
use cutover_saml::{
    BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP, MetadataError, ValidUntil,
};

use crate::support::*;

fn ending_errors() -> Vec<(MetadataError, RuleId)> {
    vec![
        (
            MetadataError::Unreadable { reason: "line 1: unexpected end".into() },
            RuleId::MetadataUnreadable,
        ),
        (MetadataError::Dtd, RuleId::MetadataDtd),
        (MetadataError::NotIdp { reason: "root element is `html`".into() }, RuleId::MetadataNotIdp),
        (
            MetadataError::MultipleIdps {
                entity_ids: vec!["https://a".into(), "https://b".into()],
            },
            RuleId::MetadataMultipleIdps,
        ),
    ]
}

#[test]
fn ending_errors_stop_metadata_rules() {
    for (error, rule) in ending_errors() {
        let mut state = org();
        state.oauth_clients.clear();
        state.identity_providers.insert(
            ProviderType::Generic,
            IdentityProvider {
                issuer_uri: Some("https://old".into()),
                ..IdentityProvider::default()
            },
        );
        let evaluation = run(&state, &change_err(error.clone()));
        let finding = only(&evaluation, rule);
        assert_eq!(finding.severity, Severity::Block);
        assert_eq!(finding.subject, "metadata");
        let metadata_or_cert = evaluation
            .findings
            .iter()
            .filter(|f| f.subject == "metadata" || f.subject.starts_with("certificate:"))
            .count();
        assert_eq!(metadata_or_cert, 1, "{rule}: {:#?}", evaluation.findings);
        assert!(!has(&evaluation, RuleId::ProviderReplaced), "{rule}");
        assert!(evaluation.stages.is_empty(), "{rule}");
        assert_eq!(evaluation.provider_body, None);
        // The org rules still run.
        assert!(has(&evaluation, RuleId::BreakGlassMissing), "{rule}");
        assert!(evaluation.blocked);
    }
}

#[test]
fn ending_error_keeps_stage_two() {
    let mut change = change_err(MetadataError::Dtd);
    change.disable_native_login = true;
    let evaluation = run(&org(), &change);
    let numbers: Vec<u8> = evaluation.stages.iter().map(|stage| stage.stage).collect();
    assert_eq!(numbers, [2]);
    assert!(!has(&evaluation, RuleId::NativeLoginSameRun));
}

#[test]
fn multiple_idps_message_lists_them() {
    let evaluation = run(
        &org(),
        &change_err(MetadataError::MultipleIdps {
            entity_ids: vec!["https://a".into(), "https://b".into()],
        }),
    );
    let finding = only(&evaluation, RuleId::MetadataMultipleIdps);
    assert!(finding.message.contains("`https://a`, `https://b`"), "{}", finding.message);
    assert!(finding.fix.contains("--entity-id"), "{}", finding.fix);
}

#[test]
fn unknown_entity_id_is_input_error() {
    let error = MetadataError::UnknownEntityId {
        requested: "https://c".into(),
        available: vec!["https://a".into(), "https://b".into()],
    };
    let result = evaluate(&org(), &change_err(error.clone()), now());
    let Err(PolicyError::UnknownEntityId { requested, available }) = result else {
        panic!("expected an input error, got {result:?}");
    };
    assert_eq!(requested, "https://c");
    assert_eq!(available, ["https://a", "https://b"]);
    assert!(evaluate_metadata(&Err(error), now(), 30).is_err());
}

#[test]
fn healthy_metadata_no_findings() {
    let findings = evaluate_metadata(&Ok(metadata(&[&Cert::new(0)])), now(), 30).unwrap();
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn no_sso_service_fires() {
    let cases = [
        vec![],
        vec![endpoint(BINDING_SOAP, SSO_URL)],
        vec![endpoint(BINDING_HTTP_REDIRECT, ""), endpoint(BINDING_HTTP_POST, "")],
    ];
    for services in cases {
        let mut metadata = metadata(&[&Cert::new(0)]);
        metadata.sso_services = services.clone();
        let evaluation = run(&org(), &change(metadata));
        let finding = only(&evaluation, RuleId::MetadataNoSsoService);
        assert_eq!(finding.severity, Severity::Block, "{services:?}");
        assert!(!has(&evaluation, RuleId::MetadataSsoNotHttps));
        // The plan is blocked but still lists stage 1, without an SSO URL.
        assert_eq!(evaluation.stages.len(), 1);
        assert_eq!(evaluation.stages[0].changes[0].after.get("ssoTargetURI"), None);
    }
}

#[test]
fn post_only_sso_service_is_enough() {
    let mut metadata = metadata(&[&Cert::new(0)]);
    metadata.sso_services = vec![endpoint(BINDING_HTTP_POST, SSO_POST_URL)];
    let evaluation = run(&org(), &change(metadata));
    assert!(!has(&evaluation, RuleId::MetadataNoSsoService));
    let body = evaluation.provider_body.unwrap();
    assert_eq!(body.sso_target_uri.as_deref(), Some(SSO_POST_URL));
    assert_eq!(body.sso_binding.as_deref(), Some(BINDING_HTTP_POST));
}

#[test]
fn sso_not_https_fires() {
    for (location, fires) in [
        ("http://idp.example.com/sso", true),
        ("ftp://idp.example.com/sso", true),
        ("https:/idp.example.com", true),
        ("https://idp.example.com/sso", false),
        ("HTTPS://idp.example.com/sso", false),
        ("HtTpS://idp.example.com/sso", false),
    ] {
        let mut metadata = metadata(&[&Cert::new(0)]);
        metadata.sso_services = vec![endpoint(BINDING_HTTP_REDIRECT, location)];
        let evaluation = run(&org(), &change(metadata));
        assert_eq!(has(&evaluation, RuleId::MetadataSsoNotHttps), fires, "{location}");
        if fires {
            let finding = only(&evaluation, RuleId::MetadataSsoNotHttps);
            assert!(finding.message.contains(location), "{}", finding.message);
            assert_eq!(finding.severity, Severity::Block);
        }
    }
}

#[test]
fn chosen_sso_prefers_redirect() {
    // The support metadata lists POST first and Redirect second.
    let evaluation = run(&org(), &change(metadata(&[&Cert::new(0)])));
    let body = evaluation.provider_body.unwrap();
    assert_eq!(body.sso_target_uri.as_deref(), Some(SSO_URL));
    assert_eq!(body.sso_binding.as_deref(), Some(BINDING_HTTP_REDIRECT));
}

#[test]
fn insecure_post_ignored_when_redirect_https() {
    let mut metadata = metadata(&[&Cert::new(0)]);
    metadata.sso_services = vec![
        endpoint(BINDING_HTTP_POST, "http://idp.example.com/post"),
        endpoint(BINDING_HTTP_REDIRECT, SSO_URL),
    ];
    let evaluation = run(&org(), &change(metadata));
    assert!(!has(&evaluation, RuleId::MetadataSsoNotHttps));
}

#[test]
fn no_signing_cert_fires() {
    let evaluation = run(&org(), &change(metadata(&[])));
    assert_eq!(severity_of(&evaluation, RuleId::MetadataNoSigningCert), Severity::Block);

    let mut only_unreadable = metadata(&[]);
    only_unreadable.signing_certificates = vec![unreadable_entry("@@@")];
    let evaluation = run(&org(), &change(only_unreadable));
    assert!(!has(&evaluation, RuleId::MetadataNoSigningCert));
    assert!(has(&evaluation, RuleId::CertUnreadable));
}

fn valid_until(element: &str, instant: Option<jiff::Timestamp>) -> ValidUntil {
    ValidUntil {
        element: element.to_owned(),
        text: instant.map_or_else(|| "next tuesday".to_owned(), |at| at.to_string()),
        instant,
    }
}

#[test]
fn valid_until_boundaries() {
    let cases = [
        (vec![valid_until("EntityDescriptor", Some(now() + days(1)))], false),
        (vec![valid_until("EntityDescriptor", Some(now()))], false),
        (
            vec![valid_until("EntityDescriptor", Some(now() - jiff::SignedDuration::from_secs(1)))],
            true,
        ),
        (vec![valid_until("IDPSSODescriptor", None)], true),
        (
            vec![
                valid_until("EntitiesDescriptor", Some(now() - days(3))),
                valid_until("EntityDescriptor", Some(now() + days(3))),
                valid_until("IDPSSODescriptor", None),
            ],
            true,
        ),
    ];
    for (values, fires) in cases {
        let mut metadata = metadata(&[&Cert::new(0)]);
        metadata.valid_until = values.clone();
        let evaluation = run(&org(), &change(metadata));
        assert_eq!(has(&evaluation, RuleId::MetadataExpired), fires, "{values:?}");
        if fires {
            let finding = only(&evaluation, RuleId::MetadataExpired);
            assert_eq!(finding.severity, Severity::Warn);
            assert_eq!(finding.subject, "metadata");
            for value in values.iter().filter(|v| v.instant.is_none_or(|at| at < now())) {
                assert!(finding.message.contains(&value.element), "{}", finding.message);
            }
        }
    }
}
