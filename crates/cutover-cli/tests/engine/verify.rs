//! `verify` on the sample org and on providers built to fail one rule each.

use cutover_api::{IdentityProvider, MockOrgApi, OrgApi, Organization, ProviderType, TokenGrant};
use cutover_auth::AccessToken;
use cutover_cli::apply::run_apply;
use cutover_cli::verify::{check_provider, verify};
use cutover_memory::{FaultAction, FaultRule, Operation, Trigger};
use cutover_saml::testing::CertificateBuilder;
use jiff::Timestamp;

use crate::support::{PlanOptions, SampleOrg, SaveHooks, make_plan, now, request};

fn provider(url: &str, certificates: Vec<String>) -> IdentityProvider {
    IdentityProvider {
        name: Some("IdP".into()),
        disabled: Some(false),
        issuer_uri: Some("https://idp.example/entity".into()),
        sso_target_uri: Some(url.into()),
        certificates: Some(certificates),
        ..IdentityProvider::default()
    }
}

fn certificate(now: Timestamp, from_days: i64, to_days: i64) -> String {
    CertificateBuilder::new("idp.example")
        .valid_days_around(now, from_days, to_days)
        .build()
        .base64()
}

#[tokio::test]
async fn after_apply_passes() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let plan = make_plan(&api, &PlanOptions::default()).await;
    run_apply(&api, &request(&sample, plan), &SaveHooks::new(&sample), &now())
        .await
        .result
        .unwrap();

    let report = verify(&api, now(), 30).await;
    assert!(report.ok, "{:?}", report.checks);
    assert_eq!(report.exit_code(), 0);
    let names: Vec<&str> = report.checks.iter().map(|check| check.name.as_str()).collect();
    assert_eq!(names, ["token", "organization", "provider:generic"]);
    assert!(report.checks[2].detail.contains("1 of 1 certificates usable"), "{:?}", report.checks);
}

#[tokio::test]
async fn no_provider_fails() {
    let sample = SampleOrg::copy();
    let report = verify(&sample.api(), now(), 30).await;
    assert!(!report.ok);
    assert_eq!(report.exit_code(), 4);
    let last = report.checks.last().unwrap();
    assert_eq!(last.name, "provider");
    assert!(!last.ok);
    assert!(report.checks[..2].iter().all(|check| check.ok), "{:?}", report.checks);
}

#[tokio::test]
async fn failed_token_fails() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let plan = make_plan(&api, &PlanOptions::default()).await;
    run_apply(&api, &request(&sample, plan), &SaveHooks::new(&sample), &now())
        .await
        .result
        .unwrap();
    sample.org.faults().add(FaultRule::new(
        Operation::FreshToken,
        Trigger::always(),
        FaultAction::Status(401),
    ));

    let report = verify(&api, now(), 30).await;
    assert!(!report.ok);
    assert!(!report.checks[0].ok, "{:?}", report.checks);
    assert_eq!(report.checks[0].name, "token");
}

#[test]
fn usable_certificate_passes() {
    let now = Timestamp::now();
    let check = check_provider(
        ProviderType::Okta,
        &provider("https://idp.example/sso", vec![certificate(now, -1, 365)]),
        now,
        30,
    );
    assert!(check.ok, "{}", check.detail);
    assert_eq!(check.name, "provider:okta");
}

#[test]
fn disabled_provider_fails() {
    let now = Timestamp::now();
    let mut disabled = provider("https://idp.example/sso", vec![certificate(now, -1, 365)]);
    disabled.disabled = Some(true);
    let check = check_provider(ProviderType::Generic, &disabled, now, 30);
    assert!(!check.ok);
    assert!(check.detail.contains("disabled"), "{}", check.detail);
}

#[test]
fn plain_http_url_fails() {
    let now = Timestamp::now();
    let check = check_provider(
        ProviderType::Generic,
        &provider("http://idp.example/sso", vec![certificate(now, -1, 365)]),
        now,
        30,
    );
    assert!(!check.ok);
    assert!(check.detail.contains("not https"), "{}", check.detail);
}

#[test]
fn uppercase_https_scheme_passes() {
    let now = Timestamp::now();
    let check = check_provider(
        ProviderType::Generic,
        &provider("HTTPS://idp.example/sso", vec![certificate(now, -1, 365)]),
        now,
        30,
    );
    assert!(check.ok, "{}", check.detail);
}

#[test]
fn only_expired_certificate_fails() {
    let now = Timestamp::now();
    let check = check_provider(
        ProviderType::Generic,
        &provider("https://idp.example/sso", vec![certificate(now, -400, -2)]),
        now,
        30,
    );
    assert!(!check.ok);
    assert!(check.detail.contains("expired"), "{}", check.detail);
    assert!(check.detail.contains("no stored certificate is usable"), "{}", check.detail);
}

#[test]
fn ca_and_garbage_certificates_unusable() {
    let now = Timestamp::now();
    let ca = CertificateBuilder::new("ca.example").ca().build().base64();
    let check = check_provider(
        ProviderType::Generic,
        &provider("https://idp.example/sso", vec![ca, "not base64!".into()]),
        now,
        30,
    );
    assert!(!check.ok);
    assert!(check.detail.contains("CA certificate"), "{}", check.detail);
    assert!(check.detail.contains("does not decode"), "{}", check.detail);
}

#[test]
fn expiring_soon_is_detail_only() {
    let now = Timestamp::now();
    let soon = certificate(now, -300, 10);
    let check = check_provider(
        ProviderType::Generic,
        &provider("https://idp.example/sso", vec![soon.clone()]),
        now,
        30,
    );
    assert!(check.ok, "{}", check.detail);
    assert!(
        check.detail.contains("expires in 9 days") || check.detail.contains("expires in 10 days"),
        "{}",
        check.detail
    );

    let quiet = check_provider(
        ProviderType::Generic,
        &provider("https://idp.example/sso", vec![soon]),
        now,
        0,
    );
    assert!(!quiet.detail.contains("expires in"), "{}", quiet.detail);
}

#[test]
fn single_certificate_field_counts() {
    let now = Timestamp::now();
    let mut single = provider("https://idp.example/sso", Vec::new());
    single.certificates = None;
    single.certificate =
        Some(CertificateBuilder::new("idp.example").valid_days_around(now, -1, 90).build().pem());
    let check = check_provider(ProviderType::Generic, &single, now, 30);
    assert!(check.ok, "{}", check.detail);
    assert!(check.detail.contains("1 of 1"), "{}", check.detail);
}

#[tokio::test]
async fn purecloud_alone_is_not_a_provider() {
    let mut api = MockOrgApi::new();
    api.expect_fresh_token()
        .times(1)
        .returning(|| Ok(TokenGrant { access_token: AccessToken::new("t"), expires_in: 3600 }));
    api.expect_organization().returning(|| {
        Ok(Organization { id: "org".into(), name: "Org".into(), ..Organization::default() })
    });
    api.expect_identity_provider().returning(|kind| {
        Ok((kind == ProviderType::Purecloud)
            .then(|| IdentityProvider { disabled: Some(false), ..IdentityProvider::default() }))
    });
    // `verify` never reads purecloud: native login is not a sign-in provider.
    let report = verify(&api, Timestamp::now(), 30).await;
    assert!(!report.ok);
    let names: Vec<&str> = report.checks.iter().map(|check| check.name.as_str()).collect();
    assert_eq!(names, ["token", "organization", "provider"]);
}

#[tokio::test]
async fn native_login_off_without_provider_says_nobody() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let mut purecloud = api.identity_provider(ProviderType::Purecloud).await.unwrap().unwrap();
    purecloud.disabled = Some(true);
    api.put_identity_provider(ProviderType::Purecloud, &purecloud).await.unwrap();

    let report = verify(&api, now(), 30).await;
    assert!(!report.ok);
    let last = report.checks.last().unwrap();
    assert_eq!(last.name, "provider");
    assert!(last.detail.starts_with("nobody can sign in"), "{}", last.detail);
    assert!(last.detail.contains("Genesys Cloud login is off"), "{}", last.detail);
}

#[tokio::test]
async fn native_login_on_without_provider_names_fix() {
    let sample = SampleOrg::copy();
    let report = verify(&sample.api(), now(), 30).await;
    let last = report.checks.last().unwrap();
    assert!(!last.detail.contains("nobody can sign in"), "{}", last.detail);
    assert!(last.detail.contains("no identity provider other than"), "{}", last.detail);
}
