//! What is read from the chosen IdP: services, validUntil, signature and the
//! signing certificates.

use cutover_saml::testing::{CertificateBuilder, KeyUse, MetadataBuilder, TestKey};
use cutover_saml::{
    BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP, CertificateError, Endpoint,
    parse_metadata,
};
use jiff::Timestamp;

use crate::certificate;

const ENTITY: &str = "https://idp.example.test/entity";

fn endpoint(binding: &str, location: &str) -> Endpoint {
    Endpoint { binding: binding.to_owned(), location: location.to_owned() }
}

#[test]
fn prefixes_do_not_matter() {
    let cert = certificate("prefixes");
    for (md, ds) in [("md", "ds"), ("", "ds"), ("ns0", ""), ("saml2md", "dsig")] {
        let xml = MetadataBuilder::new(ENTITY).signing_certificate(&cert).prefixes(md, ds).build();
        let metadata = parse_metadata(xml.as_bytes(), None)
            .unwrap_or_else(|e| panic!("prefixes {md:?}/{ds:?}: {e}"));
        assert_eq!(metadata.entity_id, ENTITY, "prefixes {md:?}/{ds:?}");
        assert_eq!(metadata.signing_certificates.len(), 1, "prefixes {md:?}/{ds:?}");
    }
}

#[test]
fn elements_of_other_namespaces_are_ignored() {
    let xml = MetadataBuilder::new(ENTITY).build().replace(
        "  </md:IDPSSODescriptor>",
        "    <x:SingleSignOnService xmlns:x=\"urn:example:other\" \
         Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"https://evil\"/>\n\
         <SingleSignOnService Binding=\"b\" Location=\"https://no-namespace\"/>\n  </md:IDPSSODescriptor>",
    );
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert_eq!(metadata.sso_services.len(), 2);
    assert!(metadata.sso_services.iter().all(|e| e.location == "https://idp.example.test/sso"));
}

#[test]
fn sso_services_keep_order_and_trim_locations() {
    let xml = MetadataBuilder::new(ENTITY)
        .sso_services(&[
            (BINDING_SOAP, "https://idp.example.test/soap"),
            (BINDING_HTTP_POST, "  https://idp.example.test/post \n"),
            (BINDING_HTTP_REDIRECT, ""),
            (BINDING_HTTP_REDIRECT, "http://idp.example.test/redirect"),
        ])
        .build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert_eq!(
        metadata.sso_services,
        [
            endpoint(BINDING_SOAP, "https://idp.example.test/soap"),
            endpoint(BINDING_HTTP_POST, "https://idp.example.test/post"),
            endpoint(BINDING_HTTP_REDIRECT, ""),
            endpoint(BINDING_HTTP_REDIRECT, "http://idp.example.test/redirect"),
        ]
    );
    let chosen = metadata.chosen_sso_service().unwrap();
    assert_eq!(chosen.location, "http://idp.example.test/redirect");
}

#[test]
fn soap_only_has_no_chosen_service() {
    let xml = MetadataBuilder::new(ENTITY)
        .sso_services(&[(BINDING_SOAP, "https://idp.example.test/soap")])
        .build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert_eq!(metadata.sso_services.len(), 1);
    assert_eq!(metadata.chosen_sso_service(), None);
}

#[test]
fn slo_services_are_read() {
    let xml = MetadataBuilder::new(ENTITY)
        .slo_services(&[(BINDING_HTTP_POST, "https://idp.example.test/slo")])
        .build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert_eq!(
        metadata.slo_services,
        [endpoint(BINDING_HTTP_POST, "https://idp.example.test/slo")]
    );
    assert_eq!(metadata.chosen_slo_service().unwrap().binding, BINDING_HTTP_POST);
}

#[test]
fn name_id_formats_and_authn_flag_are_read() {
    let xml = MetadataBuilder::new(ENTITY).want_authn_requests_signed(true).build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert_eq!(metadata.want_authn_requests_signed, Some(true));
    assert_eq!(
        metadata.name_id_formats,
        ["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"]
    );
    let unset = parse_metadata(MetadataBuilder::new(ENTITY).build().as_bytes(), None).unwrap();
    assert_eq!(unset.want_authn_requests_signed, None);
}

#[test]
fn valid_until_is_read_outermost_first() {
    let xml = MetadataBuilder::new(ENTITY)
        .entities_valid_until("2001-01-01T00:00:00Z")
        .valid_until("2002-02-02T02:02:02")
        .idp_valid_until("2003-03-03T03:03:03+01:00")
        .build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    let read: Vec<(&str, &str, Option<Timestamp>)> = metadata
        .valid_until
        .iter()
        .map(|v| (v.element.as_str(), v.text.as_str(), v.instant))
        .collect();
    assert_eq!(
        read,
        [
            (
                "EntitiesDescriptor",
                "2001-01-01T00:00:00Z",
                Some("2001-01-01T00:00:00Z".parse().unwrap())
            ),
            (
                "EntityDescriptor",
                "2002-02-02T02:02:02",
                Some("2002-02-02T02:02:02Z".parse().unwrap())
            ),
            (
                "IDPSSODescriptor",
                "2003-03-03T03:03:03+01:00",
                Some("2003-03-03T02:03:03Z".parse().unwrap())
            ),
        ]
    );
}

#[test]
fn unreadable_valid_until_has_no_instant() {
    let xml = MetadataBuilder::new(ENTITY).valid_until("soon").build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert_eq!(metadata.valid_until.len(), 1);
    assert_eq!(metadata.valid_until[0].text, "soon");
    assert_eq!(metadata.valid_until[0].instant, None);
}

#[test]
fn signature_on_root_is_reported() {
    let signed = MetadataBuilder::new(ENTITY).signed().build();
    assert!(parse_metadata(signed.as_bytes(), None).unwrap().signed);
    let aggregate = MetadataBuilder::new(ENTITY).aggregate().signed().build();
    assert!(parse_metadata(aggregate.as_bytes(), None).unwrap().signed);
    let unsigned = MetadataBuilder::new(ENTITY).build();
    assert!(!parse_metadata(unsigned.as_bytes(), None).unwrap().signed);
}

#[test]
fn rollover_certificates_are_all_read_in_order() {
    let first = certificate("rollover-current");
    let second = CertificateBuilder::new("rollover-next").key(TestKey::EcP256).build();
    let third = certificate("rollover-later");
    let xml = MetadataBuilder::new(ENTITY)
        .signing_certificate(&first)
        .signing_certificate(&second)
        .signing_certificate(&third)
        .build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    let hashes: Vec<String> = metadata
        .signing_certificates
        .iter()
        .map(|c| c.parsed.as_ref().unwrap().sha256.clone())
        .collect();
    assert_eq!(hashes, [first.sha256(), second.sha256(), third.sha256()]);
}

#[test]
fn key_use_selects_signing_certificates() {
    let signing = certificate("signing");
    let unspecified = certificate("no-use");
    let encryption = certificate("encryption");
    let xml = MetadataBuilder::new(ENTITY)
        .encryption_certificate(&encryption)
        .signing_certificate(&signing)
        .certificate_without_use(&unspecified)
        .build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    let hashes: Vec<String> = metadata
        .signing_certificates
        .iter()
        .map(|c| c.parsed.as_ref().unwrap().sha256.clone())
        .collect();
    assert_eq!(hashes, [signing.sha256(), unspecified.sha256()]);
}

#[test]
fn encryption_only_has_no_signing_certificate() {
    let xml = MetadataBuilder::new(ENTITY).encryption_certificate(&certificate("enc")).build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert!(metadata.signing_certificates.is_empty());
}

#[test]
fn chain_in_one_x509_data_is_read_whole() {
    let leaf = certificate("leaf");
    let ca = CertificateBuilder::new("issuing ca").ca().build();
    let xml = MetadataBuilder::new(ENTITY).signing_chain(&[&leaf, &ca]).build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    let infos: Vec<_> =
        metadata.signing_certificates.iter().map(|c| c.parsed.as_ref().unwrap()).collect();
    assert_eq!(infos.len(), 2);
    assert!(!infos[0].is_ca);
    assert!(infos[1].is_ca);
}

#[test]
fn duplicate_certificates_are_kept() {
    let cert = certificate("duplicate");
    let xml =
        MetadataBuilder::new(ENTITY).signing_certificate(&cert).signing_certificate(&cert).build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert_eq!(metadata.signing_certificates.len(), 2);
    assert_eq!(metadata.parsed_certificates().len(), 1);
}

#[test]
fn pem_inside_base64_is_unwrapped() {
    let cert = certificate("pem-wrapped");
    let xml = MetadataBuilder::new(ENTITY)
        .key_descriptor(KeyUse::Signing, &[cert.pem_inside_base64()])
        .build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    let entry = &metadata.signing_certificates[0];
    assert!(entry.unwrapped_from_pem);
    assert_eq!(entry.parsed.as_ref().unwrap().der, cert.der());
}

#[test]
fn certificate_text_whitespace_is_removed() {
    let cert = certificate("spaced");
    let spaced = format!("\n   {}\t\r\n ", cert.base64_wrapped().replace('\n', "\n      "));
    let xml = MetadataBuilder::new(ENTITY).key_descriptor(KeyUse::Signing, &[spaced]).build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    let entry = &metadata.signing_certificates[0];
    assert_eq!(entry.text, cert.base64());
    assert!(!entry.unwrapped_from_pem);
    assert_eq!(entry.parsed.as_ref().unwrap().sha256, cert.sha256());
}

#[test]
fn base64_without_padding_is_read() {
    let cert = certificate("unpadded");
    let text = cert.base64().trim_end_matches('=').to_owned();
    let xml = MetadataBuilder::new(ENTITY).key_descriptor(KeyUse::Signing, &[text]).build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert!(metadata.signing_certificates[0].parsed.is_ok());
}

#[test]
fn unreadable_certificates_keep_their_text_hash() {
    let cert = certificate("trailing");
    let mut with_trailing = cert.der().to_vec();
    with_trailing.extend_from_slice(b"\x00\x01");
    let trailing_text = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&with_trailing)
    };
    let texts = ["   ".to_owned(), "not base64!".to_owned(), trailing_text];
    let xml = MetadataBuilder::new(ENTITY).key_descriptor(KeyUse::Signing, &texts).build();
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    let entries = &metadata.signing_certificates;
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].parsed, Err(CertificateError::Empty));
    assert!(matches!(entries[1].parsed, Err(CertificateError::Base64(_))));
    let Err(CertificateError::Der(reason)) = &entries[2].parsed else { panic!() };
    assert!(reason.contains("trailing"), "{reason}");
    // The subject of `cert-unreadable` is the SHA-256 of the text without
    // whitespace: e3b0... is SHA-256 of nothing.
    assert_eq!(
        entries[0].text_sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(entries[1].text, "notbase64!");
}
