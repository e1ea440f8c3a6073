use cutover_api::{IdentityProvider, ProviderType};
use cutover_policy::{ChangeAction, RuleId, SLO_BINDING_POST, SLO_BINDING_REDIRECT, Severity};
use cutover_saml::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP};
use serde_json::json;

use crate::support::*;

/// The generic provider as the API would return it after an earlier apply
/// of `cert`, with fields the product does not set.
fn configured(cert: &Cert) -> IdentityProvider {
    let mut provider = IdentityProvider {
        id: Some("gen-1".into()),
        name: Some("Corp IdP".into()),
        disabled: Some(false),
        issuer_uri: Some(ENTITY_ID.into()),
        sso_target_uri: Some(SSO_URL.into()),
        sso_binding: Some(BINDING_HTTP_REDIRECT.into()),
        certificate: Some(cert.base64()),
        certificates: Some(vec![cert.base64()]),
        self_uri: Some("/api/v2/identityproviders/generic".into()),
        ..IdentityProvider::default()
    };
    provider.extra.insert("relyingPartyIdentifier".into(), json!("genesys-sp"));
    provider.extra.insert("displayOnLogin".into(), json!(true));
    provider
}

fn pem(base64: &str) -> String {
    let lines: Vec<&str> =
        base64.as_bytes().chunks(64).map(|chunk| std::str::from_utf8(chunk).unwrap()).collect();
    format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n"))
}

#[test]
fn new_provider_stage_one() {
    let cert = Cert::new(0);
    let evaluation = run(&org(), &change(metadata(&[&cert])));
    assert_eq!(evaluation.stages.len(), 1);
    let stage = &evaluation.stages[0];
    assert_eq!(stage.stage, 1);
    assert_eq!(stage.description, "configure the generic SAML provider");
    let put = &stage.changes[0];
    assert_eq!(put.action, ChangeAction::Put);
    assert_eq!(put.resource, "/api/v2/identityproviders/generic");
    assert_eq!(put.before, None);
    assert_eq!(
        put.after,
        json!({
            "name": ENTITY_ID,
            "disabled": false,
            "issuerURI": ENTITY_ID,
            "ssoTargetURI": SSO_URL,
            "ssoBinding": BINDING_HTTP_REDIRECT,
            "sloURI": SLO_URL,
            "sloBinding": SLO_BINDING_REDIRECT,
            "certificate": cert.base64(),
            "certificates": [cert.base64()],
        })
    );
    assert!(!has(&evaluation, RuleId::ProviderReplaced));
}

#[test]
fn provider_kind_in_path_and_description() {
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.provider = ProviderType::Okta;
    let evaluation = run(&org(), &change);
    assert_eq!(evaluation.stages[0].description, "configure the okta SAML provider");
    assert_eq!(evaluation.stages[0].changes[0].resource, "/api/v2/identityproviders/okta");
}

#[test]
fn purecloud_is_not_a_target() {
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.provider = ProviderType::Purecloud;
    let error = cutover_policy::evaluate(&org(), &change, now()).unwrap_err();
    assert!(error.to_string().contains("`purecloud`"), "{error}");
}

#[test]
fn name_given_existing_or_entity() {
    let cert = Cert::new(0);
    let mut state = org();
    state.identity_providers.insert(ProviderType::Generic, configured(&Cert::new(1)));

    let mut named = change(metadata(&[&cert]));
    named.name = Some("Entra ID".into());
    assert_eq!(run(&state, &named).provider_body.unwrap().name.as_deref(), Some("Entra ID"));
    assert_eq!(
        run(&state, &change(metadata(&[&cert]))).provider_body.unwrap().name.as_deref(),
        Some("Corp IdP")
    );
    assert_eq!(
        run(&org(), &change(metadata(&[&cert]))).provider_body.unwrap().name.as_deref(),
        Some(ENTITY_ID)
    );
}

#[test]
fn read_modify_write_keeps_fields() {
    let old = Cert::new(1);
    let new = Cert::new(0);
    let second = Cert::new(2);
    let mut state = org();
    let mut existing = configured(&old);
    existing.slo_uri = Some("https://old-idp.example.com/slo".into());
    existing.slo_binding = Some(SLO_BINDING_POST.into());
    state.identity_providers.insert(ProviderType::Generic, existing.clone());
    let mut metadata = metadata(&[&new, &second]);
    metadata.slo_services = vec![endpoint(BINDING_SOAP, "https://idp.example.com/soap")];

    let evaluation = run(&state, &change(metadata));
    let put = &evaluation.stages[0].changes[0];
    assert_eq!(put.before, Some(serde_json::to_value(&existing).unwrap()));
    assert_eq!(put.after["id"], "gen-1");
    assert_eq!(put.after["relyingPartyIdentifier"], "genesys-sp");
    assert_eq!(put.after["displayOnLogin"], true);
    assert_eq!(put.after["certificates"], json!([new.base64(), second.base64()]));
    // With two certificates the single field is dropped, so the old one does
    // not stay trusted. The metadata has no Redirect or POST logout service,
    // so the old IdP's logout URL is dropped too.
    assert_eq!(put.after.get("certificate"), None);
    assert_eq!(put.after.get("sloURI"), None);
    assert_eq!(put.after.get("sloBinding"), None);
}

#[test]
fn slo_prefers_redirect_then_post() {
    let mut metadata = metadata(&[&Cert::new(0)]);
    metadata.slo_services = vec![
        endpoint(BINDING_HTTP_POST, "https://idp.example.com/slo/post"),
        endpoint(BINDING_HTTP_REDIRECT, ""),
    ];
    let body = run(&org(), &change(metadata.clone())).provider_body.unwrap();
    assert_eq!(body.slo_uri.as_deref(), Some("https://idp.example.com/slo/post"));
    assert_eq!(body.slo_binding.as_deref(), Some(SLO_BINDING_POST));

    metadata.slo_services.push(endpoint(BINDING_HTTP_REDIRECT, "https://idp.example.com/slo/r"));
    let body = run(&org(), &change(metadata)).provider_body.unwrap();
    assert_eq!(body.slo_uri.as_deref(), Some("https://idp.example.com/slo/r"));
    assert_eq!(body.slo_binding.as_deref(), Some(SLO_BINDING_REDIRECT));
}

#[test]
fn matching_provider_needs_no_stage() {
    let cert = Cert::new(0);
    let mut state = org();
    state.identity_providers.insert(ProviderType::Generic, configured(&cert));
    let evaluation = run(&state, &change(metadata(&[&cert])));
    assert!(evaluation.stages.is_empty(), "{:#?}", evaluation.stages);
    assert!(!has(&evaluation, RuleId::ProviderReplaced));
    assert!(evaluation.provider_body.is_some());
}

#[test]
fn stored_pem_and_line_breaks_match() {
    let cert = Cert::new(0);
    let wrapped: String = cert
        .base64()
        .as_bytes()
        .chunks(76)
        .map(|chunk| std::str::from_utf8(chunk).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    for stored in [pem(&cert.base64()), wrapped] {
        let mut state = org();
        let mut existing = configured(&cert);
        existing.certificate = None;
        existing.certificates = Some(vec![stored.clone()]);
        state.identity_providers.insert(ProviderType::Generic, existing);
        let evaluation = run(&state, &change(metadata(&[&cert])));
        assert!(evaluation.stages.is_empty(), "stored {stored:?}");
    }
}

#[test]
fn undecodable_stored_certificate_never_matches() {
    let cert = Cert::new(0);
    let mut state = org();
    let mut existing = configured(&cert);
    existing.certificates = Some(vec![cert.base64(), "bm90IGEgY2VydGlmaWNhdGU=".into()]);
    state.identity_providers.insert(ProviderType::Generic, existing);
    let evaluation = run(&state, &change(metadata(&[&cert])));
    assert_eq!(evaluation.stages.len(), 1);
    let finding = only(&evaluation, RuleId::ProviderReplaced);
    assert!(finding.message.contains("does not decode"), "{}", finding.message);
}

#[test]
fn disabled_provider_gets_stage_one() {
    let cert = Cert::new(0);
    let mut state = org();
    let mut existing = configured(&cert);
    existing.disabled = Some(true);
    state.identity_providers.insert(ProviderType::Generic, existing);
    let evaluation = run(&state, &change(metadata(&[&cert])));
    assert_eq!(evaluation.stages.len(), 1);
    assert_eq!(evaluation.stages[0].changes[0].after["disabled"], false);
    // Same issuer, URL and certificates: re-enabling is no replacement.
    assert!(!has(&evaluation, RuleId::ProviderReplaced));
}

#[test]
fn extra_stored_certificate_is_replacement() {
    let cert = Cert::new(0);
    let mut state = org();
    let mut existing = configured(&cert);
    existing.certificate = Some(Cert::new(5).base64());
    state.identity_providers.insert(ProviderType::Generic, existing);
    let evaluation = run(&state, &change(metadata(&[&cert])));
    assert_eq!(evaluation.stages.len(), 1);
    let finding = only(&evaluation, RuleId::ProviderReplaced);
    assert!(finding.message.contains("issuer unchanged"), "{}", finding.message);
    assert!(
        finding.message.contains(&format!("sha256:{}", Cert::new(5).sha256())),
        "{}",
        finding.message
    );
}

#[test]
fn replaced_explains_small_differences() {
    let cases = [
        (format!("{ENTITY_ID}/"), SSO_URL.to_owned(), "issuer", "a trailing slash"),
        (ENTITY_ID.to_uppercase(), SSO_URL.to_owned(), "issuer", "letter case"),
        (ENTITY_ID.to_owned(), SSO_URL.replace("https", "http"), "SSO URL", "the scheme"),
    ];
    let cert = Cert::new(0);
    for (issuer, sso, field, explanation) in cases {
        let mut state = org();
        let mut existing = configured(&cert);
        existing.issuer_uri = Some(issuer.clone());
        existing.sso_target_uri = Some(sso.clone());
        state.identity_providers.insert(ProviderType::Generic, existing);
        let evaluation = run(&state, &change(metadata(&[&cert])));
        let finding = only(&evaluation, RuleId::ProviderReplaced);
        assert_eq!(finding.severity, Severity::Warn);
        assert_eq!(finding.subject, "identity-provider:generic");
        let old = if field == "issuer" { &issuer } else { &sso };
        assert!(finding.message.contains(&format!("`{old}` →")), "{}", finding.message);
        assert!(
            finding.message.contains(&format!("differs only in {explanation}")),
            "{}",
            finding.message
        );
        assert!(finding.message.contains("certificates unchanged"), "{}", finding.message);
        assert_eq!(evaluation.stages.len(), 1);
    }
}

#[test]
fn stage_two_when_disabling() {
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.disable_native_login = true;
    let evaluation = run(&org(), &change);
    let numbers: Vec<u8> = evaluation.stages.iter().map(|stage| stage.stage).collect();
    assert_eq!(numbers, [1, 2]);
    let stage = &evaluation.stages[1];
    assert_eq!(stage.description, "disable Genesys Cloud login");
    let put = &stage.changes[0];
    assert_eq!(put.resource, "/api/v2/identityproviders/purecloud");
    assert_eq!(put.before, Some(json!({"id": "pc-1", "name": "PureCloud", "disabled": false})));
    assert_eq!(put.after, json!({"id": "pc-1", "name": "PureCloud", "disabled": true}));
    let finding = only(&evaluation, RuleId::NativeLoginSameRun);
    assert_eq!(finding.severity, Severity::Warn);
    assert_eq!(finding.subject, "org");
}

#[test]
fn stage_two_absent_purecloud() {
    let mut state = org();
    state.identity_providers.remove(&ProviderType::Purecloud);
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.disable_native_login = true;
    let evaluation = run(&state, &change);
    let put = &evaluation.stage(2).unwrap().changes[0];
    assert_eq!(put.before, None);
    assert_eq!(put.after, json!({"disabled": true}));
}

#[test]
fn only_stage_two_not_same_run() {
    let cert = Cert::new(0);
    let mut state = org();
    state.identity_providers.insert(ProviderType::Generic, configured(&cert));
    let mut change = change(metadata(&[&cert]));
    change.disable_native_login = true;
    let evaluation = run(&state, &change);
    let numbers: Vec<u8> = evaluation.stages.iter().map(|stage| stage.stage).collect();
    assert_eq!(numbers, [2]);
    assert!(!has(&evaluation, RuleId::NativeLoginSameRun));
}

#[test]
fn already_disabled_no_stage_two() {
    let mut state = org();
    state.identity_providers.get_mut(&ProviderType::Purecloud).unwrap().disabled = Some(true);
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.disable_native_login = true;
    let evaluation = run(&state, &change);
    let numbers: Vec<u8> = evaluation.stages.iter().map(|stage| stage.stage).collect();
    assert_eq!(numbers, [1]);
    let finding = only(&evaluation, RuleId::NativeLoginAlreadyDisabled);
    assert_eq!(finding.severity, Severity::Info);
    assert_eq!(finding.subject, "identity-provider:purecloud");
    assert!(!has(&evaluation, RuleId::NativeLoginSameRun));

    // The info finding does not depend on the flag.
    let evaluation = run(&state, &crate::support::change(metadata(&[&Cert::new(0)])));
    assert!(has(&evaluation, RuleId::NativeLoginAlreadyDisabled));
}

#[test]
fn blocked_plan_lists_stages() {
    let mut state = org();
    state.oauth_clients.clear();
    let mut change = change(metadata(&[&Cert::new(0)]));
    change.disable_native_login = true;
    let evaluation = run(&state, &change);
    assert!(evaluation.blocked);
    assert_eq!(evaluation.stages.len(), 2);
}
