use cutover_policy::{Finding, RuleId, Severity, evaluate_metadata};
use cutover_saml::KeyType;
use jiff::SignedDuration;

use crate::support::*;

fn findings_for(certs: &[&Cert], warn_days: u32) -> Vec<Finding> {
    evaluate_metadata(&Ok(metadata(certs)), now(), warn_days).unwrap()
}

fn rules_on(findings: &[Finding], cert: &Cert) -> Vec<(RuleId, Severity)> {
    findings.iter().filter(|f| f.subject == cert.subject()).map(|f| (f.rule, f.severity)).collect()
}

const SECOND: SignedDuration = SignedDuration::from_secs(1);

#[test]
fn good_certificate_no_findings() {
    assert!(findings_for(&[&Cert::new(0)], 30).is_empty());
}

#[test]
fn unreadable_uses_text_digest() {
    let mut metadata = metadata(&[&Cert::new(0)]);
    metadata.signing_certificates.push(unreadable_entry("AAAA@@"));
    metadata.signing_certificates.push(unreadable_entry("AAAA@@"));
    let findings = evaluate_metadata(&Ok(metadata), now(), 30).unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].rule, RuleId::CertUnreadable);
    assert_eq!(findings[0].severity, Severity::Block);
    assert_eq!(findings[0].subject, format!("certificate:{}", sha256_hex(b"AAAA@@")));
}

#[test]
fn expired_blocks_when_alone() {
    let expired = Cert::new(1).not_after(now() - SECOND);
    let findings = findings_for(&[&expired], 30);
    assert_eq!(rules_on(&findings, &expired), [(RuleId::CertExpired, Severity::Block)]);
    assert!(findings[0].message.contains("CN=idp-1.example.com"), "{}", findings[0].message);
    assert!(findings[0].message.contains(&(now() - SECOND).to_string()), "{}", findings[0].message);
}

#[test]
fn expired_warns_beside_usable() {
    let expired = Cert::new(1).not_after(now() - days(2));
    let findings = findings_for(&[&expired, &Cert::new(0)], 30);
    assert_eq!(rules_on(&findings, &expired), [(RuleId::CertExpired, Severity::Warn)]);
    assert_eq!(findings.len(), 1);
}

#[test]
fn not_after_equal_now_is_valid() {
    let edge = Cert::new(1).not_after(now());
    let findings = findings_for(&[&edge], 30);
    // Valid (and usable) at exactly notAfter, so only the expiry warning.
    assert_eq!(rules_on(&findings, &edge), [(RuleId::CertExpiresSoon, Severity::Warn)]);
}

#[test]
fn not_yet_valid_boundaries() {
    let edge = Cert::new(1).not_before(now());
    assert!(findings_for(&[&edge], 30).is_empty());

    let future = Cert::new(1).not_before(now() + SECOND);
    let findings = findings_for(&[&future], 30);
    assert_eq!(rules_on(&findings, &future), [(RuleId::CertNotYetValid, Severity::Block)]);

    let findings = findings_for(&[&future, &Cert::new(0)], 30);
    assert_eq!(rules_on(&findings, &future), [(RuleId::CertNotYetValid, Severity::Warn)]);
}

#[test]
fn expires_soon_boundaries() {
    let exactly = Cert::new(1).not_after(now() + days(30));
    let findings = findings_for(&[&exactly], 30);
    assert_eq!(rules_on(&findings, &exactly), [(RuleId::CertExpiresSoon, Severity::Warn)]);
    assert!(findings[0].message.contains("in 30 days"), "{}", findings[0].message);

    let just_after = Cert::new(1).not_after(now() + days(30) + SECOND);
    assert!(findings_for(&[&just_after], 30).is_empty());

    // Whole days round down.
    let partial = Cert::new(1).not_after(now() + days(3) - SECOND);
    let findings = findings_for(&[&partial], 30);
    assert!(findings[0].message.contains("in 2 days"), "{}", findings[0].message);
}

#[test]
fn expires_soon_custom_and_off() {
    let cert = Cert::new(1).not_after(now() + days(8));
    assert!(findings_for(&[&cert], 7).is_empty());
    assert_eq!(
        rules_on(&findings_for(&[&cert], 8), &cert),
        [(RuleId::CertExpiresSoon, Severity::Warn)]
    );
    let tomorrow = Cert::new(1).not_after(now() + SECOND);
    assert!(findings_for(&[&tomorrow], 0).is_empty());
}

#[test]
fn expired_not_expiring_soon() {
    let expired = Cert::new(1).not_after(now() - days(1));
    let rules = rules_on(&findings_for(&[&expired, &Cert::new(0)], 30), &expired);
    assert_eq!(rules, [(RuleId::CertExpired, Severity::Warn)]);
}

#[test]
fn weak_key_boundaries() {
    let cases = [
        (KeyType::Rsa, 2048, false),
        (KeyType::Rsa, 4096, false),
        (KeyType::Rsa, 2047, true),
        (KeyType::Rsa, 1024, true),
        (KeyType::Dsa, 2048, false),
        (KeyType::Dsa, 1024, true),
        (KeyType::Ec, 256, false),
        (KeyType::Ec, 384, false),
        (KeyType::Ec, 255, true),
        (KeyType::Ec, 224, true),
        (KeyType::Ed25519, 256, false),
    ];
    for (key_type, bits, weak) in cases {
        let cert = Cert::new(1).key(key_type, bits);
        let findings = findings_for(&[&cert], 30);
        let expected: &[(RuleId, Severity)] =
            if weak { &[(RuleId::CertWeakKey, Severity::Block)] } else { &[] };
        assert_eq!(rules_on(&findings, &cert), expected, "{key_type:?} {bits}");
        if weak {
            assert!(
                findings[0].message.contains(&format!("{bits}-bit")),
                "{}",
                findings[0].message
            );
        }
    }
}

#[test]
fn sha1_signature_is_info() {
    let cert = Cert::new(1).sha1();
    let findings = findings_for(&[&cert], 30);
    assert_eq!(rules_on(&findings, &cert), [(RuleId::CertSha1, Severity::Info)]);
    assert!(findings[0].message.contains("sha1WithRSAEncryption"));
}

#[test]
fn ca_certificate_severity() {
    let ca = Cert::new(1).ca();
    assert_eq!(rules_on(&findings_for(&[&ca], 30), &ca), [(RuleId::CertIsCa, Severity::Block)]);
    assert_eq!(
        rules_on(&findings_for(&[&Cert::new(0), &ca], 30), &ca),
        [(RuleId::CertIsCa, Severity::Warn)]
    );
}

#[test]
fn unusable_only_certificates_all_block() {
    let expired = Cert::new(1).not_after(now() - days(1));
    let ca = Cert::new(2).ca();
    let findings = findings_for(&[&expired, &ca], 30);
    assert_eq!(rules_on(&findings, &expired), [(RuleId::CertExpired, Severity::Block)]);
    assert_eq!(rules_on(&findings, &ca), [(RuleId::CertIsCa, Severity::Block)]);
}

#[test]
fn duplicate_certificate_one_set() {
    let cert = Cert::new(1).sha1().not_after(now() + days(5));
    let findings = findings_for(&[&cert, &Cert::new(0), &cert], 30);
    assert_eq!(
        rules_on(&findings, &cert),
        [(RuleId::CertExpiresSoon, Severity::Warn), (RuleId::CertSha1, Severity::Info)]
    );
}

#[test]
fn all_problems_together() {
    let cert = Cert::new(1).sha1().key(KeyType::Rsa, 1024).ca().not_after(now() - days(1));
    let findings = findings_for(&[&cert], 30);
    assert_eq!(
        rules_on(&findings, &cert),
        [
            (RuleId::CertExpired, Severity::Block),
            (RuleId::CertIsCa, Severity::Block),
            (RuleId::CertWeakKey, Severity::Block),
            (RuleId::CertSha1, Severity::Info),
        ]
    );
}

#[test]
fn provider_gets_usable_certificates_in_order() {
    let first = Cert::new(3);
    let expired = Cert::new(1).not_after(now() - days(1));
    let ca = Cert::new(2).ca();
    let second = Cert::new(4).not_after(now() + days(10));
    let metadata = metadata(&[&first, &expired, &ca, &second, &first]);
    let evaluation = run(&org(), &change(metadata));
    let body = evaluation.provider_body.unwrap();
    assert_eq!(body.certificates, Some(vec![first.base64(), second.base64()]));
    assert_eq!(body.certificate, None);
}

#[test]
fn single_certificate_also_in_certificate_field() {
    let cert = Cert::new(3);
    let evaluation = run(&org(), &change(metadata(&[&cert, &cert])));
    let body = evaluation.provider_body.unwrap();
    assert_eq!(body.certificates, Some(vec![cert.base64()]));
    assert_eq!(body.certificate, Some(cert.base64()));
}
