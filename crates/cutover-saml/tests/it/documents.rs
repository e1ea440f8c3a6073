//! Which documents are read at all: size, encoding, DOCTYPE, well-formedness,
//! depth, root element and the choice of IdP entity.

use cutover_saml::testing::{EntityBuilder, MetadataBuilder};
use cutover_saml::{MAX_DEPTH, MAX_METADATA_BYTES, MetadataError, parse_metadata};

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";

fn unreadable_reason(bytes: &[u8]) -> String {
    match parse_metadata(bytes, None) {
        Err(MetadataError::Unreadable { reason }) => reason,
        other => panic!("expected unreadable, got {other:?}"),
    }
}

fn minimal_idp() -> String {
    MetadataBuilder::new("https://idp.example.test/entity").build()
}

#[test]
fn empty_input_is_unreadable() {
    assert!(unreadable_reason(b"").contains("empty"));
}

#[test]
fn whitespace_only_is_unreadable() {
    assert!(unreadable_reason(b" \r\n\t \n").contains("empty"));
}

#[test]
fn bom_only_is_unreadable() {
    assert!(unreadable_reason(b"\xEF\xBB\xBF  ").contains("empty"));
}

#[test]
fn utf8_bom_is_accepted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(minimal_idp().as_bytes());
    let metadata = parse_metadata(&bytes, None).unwrap();
    assert_eq!(metadata.entity_id, "https://idp.example.test/entity");
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let reason = unreadable_reason(b"<a>\n  \xC3\x28</a>");
    assert!(reason.contains("UTF-8"), "{reason}");
    assert!(reason.contains("line 2, column 3"), "{reason}");
}

#[test]
fn utf16_is_unreadable() {
    let utf16: Vec<u8> = "\u{feff}<a/>".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(unreadable_reason(&utf16).contains("UTF-16"));
}

#[test]
fn oversized_input_is_unreadable_before_parsing() {
    let mut bytes = minimal_idp().into_bytes();
    bytes.resize(MAX_METADATA_BYTES + 1, b' ');
    let reason = unreadable_reason(&bytes);
    assert!(reason.contains("10 MiB"), "{reason}");
}

#[test]
fn input_at_size_limit_is_read() {
    let mut bytes = minimal_idp().into_bytes();
    bytes.resize(MAX_METADATA_BYTES, b' ');
    assert!(parse_metadata(&bytes, None).is_ok());
}

#[test]
fn not_well_formed_names_position() {
    let reason = unreadable_reason(b"<a>\n<b></c></a>");
    assert!(reason.contains("2:"), "{reason}");
}

#[test]
fn doctype_in_prolog_is_dtd() {
    let xml = minimal_idp().replacen("?>\n", "?>\n<!DOCTYPE md:EntityDescriptor>\n", 1);
    assert_eq!(parse_metadata(xml.as_bytes(), None), Err(MetadataError::Dtd));
}

#[test]
fn doctype_with_entities_is_dtd_without_expansion() {
    let xml = r#"<!DOCTYPE a [<!ENTITY e "x"><!ENTITY f "&e;&e;&e;&e;">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&f;"/>"#;
    assert_eq!(parse_metadata(xml.as_bytes(), None), Err(MetadataError::Dtd));
}

#[test]
fn doctype_after_root_is_dtd() {
    let xml = format!("{}<!DOCTYPE x>", minimal_idp());
    assert_eq!(parse_metadata(xml.as_bytes(), None), Err(MetadataError::Dtd));
}

#[test]
fn doctype_after_malformed_markup_is_dtd() {
    let xml =
        "<?xml version='1.0'?><<<\n<!DOCTYPE x [<!ENTITY y SYSTEM 'file:///etc/passwd'>]><x/>";
    assert_eq!(parse_metadata(xml.as_bytes(), None), Err(MetadataError::Dtd));
}

#[test]
fn doctype_text_in_comment_is_not_dtd() {
    let xml = minimal_idp().replacen("?>\n", "?>\n<!-- <!DOCTYPE x> -->\n", 1);
    assert!(parse_metadata(xml.as_bytes(), None).is_ok());
}

fn nested(depth: usize) -> String {
    // The EntityDescriptor and IDPSSODescriptor are two levels; Extensions a
    // third; the rest are foreign elements inside it.
    let inner = depth - 3;
    format!(
        "<md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"e\"><md:IDPSSODescriptor>\
         <md:Extensions>{}{}</md:Extensions></md:IDPSSODescriptor></md:EntityDescriptor>",
        "<x:n xmlns:x=\"urn:x\">".repeat(inner),
        "</x:n>".repeat(inner)
    )
}

#[test]
fn nesting_at_depth_limit_is_read() {
    assert!(parse_metadata(nested(MAX_DEPTH).as_bytes(), None).is_ok());
}

#[test]
fn nesting_past_depth_limit_is_unreadable() {
    let reason = unreadable_reason(nested(MAX_DEPTH + 1).as_bytes());
    assert!(reason.contains("256"), "{reason}");
    assert!(reason.contains("line 1"), "{reason}");
}

#[test]
fn foreign_root_is_not_idp() {
    let result = parse_metadata(b"<root>text</root>", None);
    let Err(MetadataError::NotIdp { reason }) = result else { panic!("{result:?}") };
    assert!(reason.contains("`root`"), "{reason}");
}

#[test]
fn entity_descriptor_without_namespace_is_not_idp() {
    let xml = minimal_idp().replace("md:", "").replace("xmlns:md=", "xmlns:other=");
    let result = parse_metadata(xml.as_bytes(), None);
    let Err(MetadataError::NotIdp { reason }) = result else { panic!("{result:?}") };
    assert!(reason.contains("no namespace"), "{reason}");
}

#[test]
fn service_provider_only_is_not_idp() {
    let xml = MetadataBuilder::new("https://idp.example.test/first")
        .entity(EntityBuilder::service_provider("https://sp.example.test/a"))
        .build();
    // Replace the IdP so that only service providers remain.
    let xml = xml.replace("IDPSSODescriptor", "SPSSODescriptor");
    let result = parse_metadata(xml.as_bytes(), None);
    let Err(MetadataError::NotIdp { reason }) = result else { panic!("{result:?}") };
    assert!(reason.contains("none of its 2 entities"), "{reason}");
}

#[test]
fn several_idps_need_an_entity_id() {
    let xml = MetadataBuilder::new("https://one.example.test")
        .entity(EntityBuilder::service_provider("https://sp.example.test"))
        .entity(EntityBuilder::idp("https://two.example.test"))
        .build();
    let result = parse_metadata(xml.as_bytes(), None);
    assert_eq!(
        result,
        Err(MetadataError::MultipleIdps {
            entity_ids: vec!["https://one.example.test".into(), "https://two.example.test".into()]
        })
    );
    let message = result.unwrap_err().to_string();
    assert!(message.contains("--entity-id"), "{message}");
}

#[test]
fn entity_id_picks_an_idp() {
    let xml = MetadataBuilder::new("https://one.example.test")
        .entity(EntityBuilder::idp("https://two.example.test"))
        .build();
    let metadata = parse_metadata(xml.as_bytes(), Some("https://two.example.test")).unwrap();
    assert_eq!(metadata.entity_id, "https://two.example.test");
    assert_eq!(metadata.entity_ids, ["https://one.example.test", "https://two.example.test"]);
}

#[test]
fn entity_id_compares_exactly() {
    let xml = MetadataBuilder::new("https://one.example.test").build();
    let result = parse_metadata(xml.as_bytes(), Some("https://one.example.test/"));
    assert_eq!(
        result,
        Err(MetadataError::UnknownEntityId {
            requested: "https://one.example.test/".into(),
            available: vec!["https://one.example.test".into()],
        })
    );
}

#[test]
fn entity_id_of_service_provider_is_unknown() {
    let xml = MetadataBuilder::new("https://one.example.test")
        .entity(EntityBuilder::service_provider("https://sp.example.test"))
        .build();
    let result = parse_metadata(xml.as_bytes(), Some("https://sp.example.test"));
    assert!(matches!(result, Err(MetadataError::UnknownEntityId { .. })), "{result:?}");
}

#[test]
fn nested_entities_descriptors_are_searched() {
    let inner = MetadataBuilder::new("https://inner.example.test").aggregate().build();
    let inner = inner.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let xml = format!(
        "<md:EntitiesDescriptor xmlns:md=\"{MD}\" validUntil=\"2999-01-01T00:00:00Z\">{inner}\
         </md:EntitiesDescriptor>"
    );
    let metadata = parse_metadata(xml.as_bytes(), None).unwrap();
    assert_eq!(metadata.entity_id, "https://inner.example.test");
    assert_eq!(metadata.valid_until.len(), 1);
    assert_eq!(metadata.valid_until[0].element, "EntitiesDescriptor");
}

#[test]
fn entity_inside_extensions_is_ignored() {
    let xml = format!(
        "<md:EntitiesDescriptor xmlns:md=\"{MD}\"><md:Extensions>\
         <md:EntityDescriptor entityID=\"hidden\"><md:IDPSSODescriptor/></md:EntityDescriptor>\
         </md:Extensions></md:EntitiesDescriptor>"
    );
    let result = parse_metadata(xml.as_bytes(), None);
    assert!(matches!(result, Err(MetadataError::NotIdp { .. })), "{result:?}");
}

#[test]
fn error_kinds_name_rules() {
    assert_eq!(MetadataError::Dtd.kind(), "metadata-dtd");
    assert_eq!(MetadataError::Unreadable { reason: String::new() }.kind(), "metadata-unreadable");
    assert_eq!(MetadataError::NotIdp { reason: String::new() }.kind(), "metadata-not-idp");
    let multiple = MetadataError::MultipleIdps { entity_ids: Vec::new() };
    assert_eq!(multiple.kind(), "metadata-multiple-idps");
}
