//! Certificate facts, the provider's certificate list and stored-text
//! decoding.

use cutover_saml::testing::{CertificateBuilder, KeyUse, MetadataBuilder, TestKey};
use cutover_saml::{
    CertificateError, CertificateInfo, KeyType, certificate_info, days_left,
    decode_certificate_text, parse_metadata,
};
use jiff::{SignedDuration, Timestamp};

use crate::certificate;

fn info_of(builder: CertificateBuilder) -> CertificateInfo {
    let cert = builder.build();
    let info = certificate_info(cert.der().to_vec()).unwrap();
    assert_eq!(info.sha256, cert.sha256());
    info
}

#[test]
fn rsa_2048_facts() {
    let now = Timestamp::now();
    let builder = CertificateBuilder::new("facts.example.test").valid_days_around(now, -1, 90);
    let info = info_of(builder);
    assert_eq!(info.key_type, KeyType::Rsa);
    assert_eq!(info.key_bits, 2048);
    assert_eq!(info.signature_algorithm, "sha256WithRSAEncryption");
    assert!(!info.weak_signature_hash);
    assert!(!info.is_ca);
    assert!(info.subject.contains("CN=facts.example.test"), "{}", info.subject);
    assert_eq!(info.subject, info.issuer);
    assert_eq!(info.not_after.as_second(), (now + SignedDuration::from_hours(90 * 24)).as_second());
    assert_eq!(info.not_before.as_second(), (now - SignedDuration::from_hours(24)).as_second());
    assert!(info.is_usable_at(now));
}

#[test]
fn rsa_1024_key_size() {
    let info = info_of(CertificateBuilder::new("weak").key(TestKey::Rsa1024));
    assert_eq!(info.key_type, KeyType::Rsa);
    assert_eq!(info.key_bits, 1024);
}

#[test]
fn sha1_signature_is_weak() {
    let info = info_of(CertificateBuilder::new("sha1").sha1_signature());
    assert_eq!(info.signature_algorithm, "sha1WithRSAEncryption");
    assert!(info.weak_signature_hash);
    assert_eq!(info.key_bits, 2048);
}

#[test]
fn sha1_certificate_stays_well_formed() {
    // The rewritten certificate must still be one well-formed certificate.
    let cert = CertificateBuilder::new("sha1-1024").key(TestKey::Rsa1024).sha1_signature().build();
    assert_eq!(decode_certificate_text(&cert.base64()).unwrap(), cert.der());
}

#[test]
fn ec_key_sizes() {
    let p256 = info_of(CertificateBuilder::new("p256").key(TestKey::EcP256));
    assert_eq!((p256.key_type, p256.key_bits), (KeyType::Ec, 256));
    assert_eq!(p256.signature_algorithm, "ecdsa-with-SHA256");
    let p384 = info_of(CertificateBuilder::new("p384").key(TestKey::EcP384));
    assert_eq!((p384.key_type, p384.key_bits), (KeyType::Ec, 384));
    assert_eq!(p384.signature_algorithm, "ecdsa-with-SHA384");
}

#[test]
fn ed25519_key() {
    let info = info_of(CertificateBuilder::new("ed").key(TestKey::Ed25519));
    assert_eq!((info.key_type, info.key_bits), (KeyType::Ed25519, 256));
    assert_eq!(info.signature_algorithm, "Ed25519");
}

#[test]
fn ca_flag_is_read() {
    assert!(info_of(CertificateBuilder::new("ca").ca()).is_ca);
}

#[test]
fn validity_states_at_now() {
    // Certificates keep whole seconds, so `now` does too.
    let now = Timestamp::from_second(Timestamp::now().as_second()).unwrap();
    let expired = info_of(CertificateBuilder::new("old").valid_days_around(now, -400, -35));
    assert!(!expired.is_valid_at(now));
    assert_eq!(expired.days_left(now), -35);
    let future = info_of(CertificateBuilder::new("new").valid_days_around(now, 3, 400));
    assert!(!future.is_valid_at(now));
    let soon = info_of(CertificateBuilder::new("soon").valid_days_around(now, -300, 10));
    assert!(soon.is_valid_at(now));
    assert_eq!(soon.days_left(now), 10);
}

#[test]
fn days_left_is_floor_of_days() {
    let now: Timestamp = "2030-06-01T12:00:00Z".parse().unwrap();
    let at = |s: &str| s.parse::<Timestamp>().unwrap();
    assert_eq!(days_left(at("2030-06-02T11:59:59Z"), now), 0);
    assert_eq!(days_left(at("2030-06-02T12:00:00Z"), now), 1);
    assert_eq!(days_left(at("2030-06-01T11:59:59Z"), now), -1);
    assert_eq!(days_left(at("2030-05-31T12:00:00Z"), now), -1);
    assert_eq!(days_left(at("2030-05-31T11:59:59Z"), now), -2);
}

#[test]
fn provider_certificates_follow_catalog_rule() {
    let now = Timestamp::now();
    let current = CertificateBuilder::new("current").valid_days_around(now, -30, 300).build();
    let next = CertificateBuilder::new("next")
        .key(TestKey::EcP256)
        .valid_days_around(now, -1, 700)
        .build();
    let expired = CertificateBuilder::new("expired").valid_days_around(now, -700, -1).build();
    let future = CertificateBuilder::new("future").valid_days_around(now, 5, 700).build();
    let ca = CertificateBuilder::new("ca").ca().valid_days_around(now, -30, 300).build();
    let xml = MetadataBuilder::new("https://idp.example.test")
        .signing_certificate(&expired)
        .signing_certificate(&current)
        .signing_chain(&[&next, &ca])
        .signing_certificate(&future)
        .signing_certificate(&current)
        .key_descriptor(KeyUse::Signing, &["garbage".to_owned()])
        .build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert_eq!(metadata.signing_certificates.len(), 7);
    assert_eq!(metadata.parsed_certificates().len(), 5);
    assert_eq!(metadata.provider_certificates(now), [current.base64(), next.base64()]);
    let usable: Vec<&str> =
        metadata.usable_certificates(now).iter().map(|i| i.sha256.as_str()).collect();
    assert_eq!(usable, [current.sha256(), next.sha256()]);
}

#[test]
fn provider_certificates_empty_when_none_usable() {
    let now = Timestamp::now();
    let expired = CertificateBuilder::new("expired").valid_days_around(now, -700, -1).build();
    let xml =
        MetadataBuilder::new("https://idp.example.test").signing_certificate(&expired).build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert!(metadata.provider_certificates(now).is_empty());
}

#[test]
fn stored_certificate_forms_decode_to_der() {
    let cert = certificate("stored");
    let forms = [
        cert.base64(),
        cert.base64_wrapped(),
        cert.base64().trim_end_matches('=').to_owned(),
        cert.pem(),
        format!("\r\n  {}", cert.pem().replace('\n', "\r\n")),
        cert.pem_inside_base64(),
    ];
    for form in forms {
        assert_eq!(decode_certificate_text(&form).as_deref(), Ok(cert.der()), "{form:?}");
    }
}

#[test]
fn stored_certificate_errors() {
    let cert = certificate("broken");
    assert_eq!(decode_certificate_text(""), Err(CertificateError::Empty));
    assert!(matches!(decode_certificate_text("@@@"), Err(CertificateError::Base64(_))));
    let truncated = &cert.base64()[..100];
    assert!(matches!(decode_certificate_text(truncated), Err(CertificateError::Der(_))));
    let no_end = cert.pem().replace("-----END CERTIFICATE-----", "");
    assert!(matches!(decode_certificate_text(&no_end), Err(CertificateError::Der(_))));
}
