use cutover_policy::MetadataReport;
use cutover_saml::{KeyType, MetadataError};
use serde_json::json;

use crate::support::*;

#[test]
fn report_lists_certificates_once() {
    let good = Cert::new(0).key(KeyType::Ec, 256);
    let expired = Cert::new(1).not_after(now() - days(3) - jiff::SignedDuration::from_secs(1));
    let ca = Cert::new(2).ca();
    let mut metadata = metadata(&[&good, &expired, &ca, &good]);
    metadata.signing_certificates.insert(1, unreadable_entry("@@"));
    let report = MetadataReport::new(&Ok(metadata), now(), 30).unwrap();
    let value = serde_json::to_value(&report).unwrap();

    let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "entity_id",
            "entity_ids",
            "sso_services",
            "slo_services",
            "certificates",
            "provider_certificates",
            "findings"
        ]
    );
    assert_eq!(value["entity_id"], ENTITY_ID);
    assert_eq!(value["entity_ids"], json!([ENTITY_ID]));
    assert_eq!(
        value["sso_services"][1],
        json!({"binding": cutover_saml::BINDING_HTTP_REDIRECT, "location": SSO_URL})
    );
    let shas: Vec<&str> = value["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha256"].as_str().unwrap())
        .collect();
    assert_eq!(shas, [good.sha256(), expired.sha256(), ca.sha256()]);
    assert_eq!(
        value["certificates"][0],
        json!({
            "subject": "CN=idp-0.example.com",
            "not_before": "2025-03-01T12:00:00Z",
            "not_after": "2027-03-01T12:00:00Z",
            "days_left": 365,
            "sha256": good.sha256(),
            "key_type": "EC",
            "key_bits": 256,
        })
    );
    assert_eq!(value["certificates"][1]["days_left"], -4);
    assert_eq!(value["provider_certificates"], json!([good.sha256()]));
    let rules: Vec<&str> =
        value["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["cert-unreadable", "cert-expired", "cert-is-ca"]);
}

#[test]
fn report_of_multiple_idps() {
    let error =
        MetadataError::MultipleIdps { entity_ids: vec!["https://a".into(), "https://b".into()] };
    let report = MetadataReport::new(&Err(error), now(), 30).unwrap();
    let value = serde_json::to_value(&report).unwrap();
    assert_eq!(value["entity_id"], serde_json::Value::Null);
    assert_eq!(value["entity_ids"], json!(["https://a", "https://b"]));
    assert_eq!(value["certificates"], json!([]));
    assert_eq!(value["findings"][0]["rule"], "metadata-multiple-idps");
}

#[test]
fn report_of_unknown_entity_fails() {
    let error =
        MetadataError::UnknownEntityId { requested: "x".into(), available: vec!["y".into()] };
    assert!(MetadataReport::new(&Err(error), now(), 30).is_err());
}
