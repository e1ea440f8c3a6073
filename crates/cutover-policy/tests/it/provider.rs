use cutover_api::IdentityProvider;
use cutover_policy::{compare_provider, provider_matches};
use serde_json::json;

use crate::support::*;

fn sent(cert: &Cert) -> IdentityProvider {
    let mut provider = IdentityProvider {
        name: Some("Corp".into()),
        disabled: Some(false),
        issuer_uri: Some(ENTITY_ID.into()),
        sso_target_uri: Some(SSO_URL.into()),
        certificate: Some(cert.base64()),
        certificates: Some(vec![cert.base64()]),
        ..IdentityProvider::default()
    };
    provider.extra.insert("relyingPartyIdentifier".into(), json!("sp"));
    provider
}

#[test]
fn read_back_equal_ignores_server_fields() {
    let cert = Cert::new(0);
    let mut read_back = sent(&cert);
    read_back.id = Some("new-id".into());
    read_back.self_uri = Some("/api/v2/identityproviders/generic".into());
    read_back.extra.insert("logoImageData".into(), json!("PHN2Zz4="));
    assert_eq!(compare_provider(&sent(&cert), &read_back), Vec::<String>::new());
}

#[test]
fn read_back_certificates_as_der() {
    let cert = Cert::new(0);
    let other = Cert::new(1);
    let mut read_back = sent(&cert);
    let wrapped = cert
        .base64()
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    read_back.certificate =
        Some(format!("-----BEGIN CERTIFICATE-----\n{wrapped}\n-----END CERTIFICATE-----"));
    read_back.certificates = Some(vec![wrapped]);
    assert!(compare_provider(&sent(&cert), &read_back).is_empty());

    read_back.certificates = Some(vec![other.base64()]);
    let differences = compare_provider(&sent(&cert), &read_back);
    assert_eq!(differences.len(), 1, "{differences:?}");
    assert!(differences[0].starts_with("`certificates`"), "{differences:?}");
}

#[test]
fn read_back_differences_listed() {
    let cert = Cert::new(0);
    let mut read_back = sent(&cert);
    read_back.issuer_uri = Some(format!("{ENTITY_ID}/"));
    read_back.disabled = None;
    read_back.extra.remove("relyingPartyIdentifier");
    let differences = compare_provider(&sent(&cert), &read_back);
    assert_eq!(differences.len(), 3, "{differences:?}");
    assert!(
        differences
            .iter()
            .any(|d| d.starts_with("`issuerURI`") && d.contains(&format!("\"{ENTITY_ID}/\"")))
    );
    assert!(differences.iter().any(|d| d.starts_with("`disabled`") && d.ends_with("absent")));
    assert!(differences.iter().any(|d| d.starts_with("`relyingPartyIdentifier`")));
}

#[test]
fn matches_requires_every_part() {
    let cert = Cert::new(0);
    let desired = sent(&cert);
    assert!(provider_matches(Some(&desired), &desired));
    assert!(!provider_matches(None, &desired));

    let mut disabled = desired.clone();
    disabled.disabled = Some(true);
    assert!(!provider_matches(Some(&disabled), &desired));

    let mut slash = desired.clone();
    slash.sso_target_uri = Some(format!("{SSO_URL}/"));
    assert!(!provider_matches(Some(&slash), &desired));

    let mut case = desired.clone();
    case.issuer_uri = Some(ENTITY_ID.to_uppercase());
    assert!(!provider_matches(Some(&case), &desired));

    let mut no_issuer = desired.clone();
    no_issuer.issuer_uri = None;
    assert!(!provider_matches(Some(&no_issuer), &no_issuer));

    let mut other_cert = desired.clone();
    other_cert.certificate = None;
    other_cert.certificates = Some(vec![Cert::new(1).base64()]);
    assert!(!provider_matches(Some(&other_cert), &desired));

    // A certificate listed twice is one certificate.
    let mut repeated = desired.clone();
    repeated.certificates = Some(vec![cert.base64(), cert.base64()]);
    assert!(provider_matches(Some(&repeated), &desired));
}
