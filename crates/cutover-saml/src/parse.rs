//! Reading a metadata document into [`IdpMetadata`].
//!
//! Elements match by namespace URI and local name, never by prefix, and
//! elements of other namespaces are ignored. Each step walks direct children
//! only, as the metadata schema nests them, so an `EntityDescriptor` hidden in
//! an `Extensions` element does not count.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::Offset;
use roxmltree::{Document, Node, ParsingOptions};

use crate::cert::read_signing_certificate;
use crate::namespaces::check_namespaces;
use crate::{
    Endpoint, IdpMetadata, MAX_DEPTH, MAX_METADATA_BYTES, MAX_NODES, MetadataError, ValidUntil,
};

/// The SAML 2.0 metadata namespace.
pub const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// The XML signature namespace.
pub const NS_XMLDSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

const ENTITIES_DESCRIPTOR: &str = "EntitiesDescriptor";
const ENTITY_DESCRIPTOR: &str = "EntityDescriptor";
const IDP_SSO_DESCRIPTOR: &str = "IDPSSODescriptor";

/// Parses IdP metadata, choosing the IdP entity `entity_id` when given.
///
/// The checks run in this order: size (over [`MAX_METADATA_BYTES`] is
/// unreadable), UTF-8 (a UTF-8 byte-order mark is skipped) and emptiness.
/// Then a DOCTYPE anywhere is [`MetadataError::Dtd`], found without expanding
/// anything. Namespace declarations over
/// [`MAX_NAMESPACES_IN_SCOPE`](crate::MAX_NAMESPACES_IN_SCOPE) in one scope or
/// [`MAX_NAMESPACE_DECLARATIONS`](crate::MAX_NAMESPACE_DECLARATIONS) in all are
/// unreadable, found before a tree is built. Then come well-formedness, nesting depth (over [`MAX_DEPTH`]
/// elements is unreadable), the root element and the choice of IdP entity. When several
/// IdP entities share the requested entity ID, the first in document order is
/// chosen.
pub fn parse_metadata(bytes: &[u8], entity_id: Option<&str>) -> Result<IdpMetadata, MetadataError> {
    let text = decode_text(bytes)?;
    if let Err(error) = check_namespaces(text) {
        return Err(if contains_doctype(text) { MetadataError::Dtd } else { error });
    }
    let document = parse_document(text)?;
    check_depth(&document)?;

    let root = document.root_element();
    if !is_md(root, ENTITY_DESCRIPTOR) && !is_md(root, ENTITIES_DESCRIPTOR) {
        return Err(MetadataError::NotIdp {
            reason: format!("the root element is {}", describe(root)),
        });
    }

    let mut entities = Vec::new();
    collect_entities(root, &mut Vec::new(), &mut entities);
    let idps: Vec<&Entity<'_, '_>> = entities.iter().filter(|e| e.idp.is_some()).collect();
    let entity_ids: Vec<String> = idps.iter().map(|e| e.entity_id()).collect();

    let chosen = match (idps.as_slice(), entity_id) {
        ([], _) => return Err(MetadataError::NotIdp { reason: no_idp_reason(&entities) }),
        (_, Some(requested)) => match idps.iter().find(|e| e.entity_id() == requested) {
            Some(entity) => *entity,
            None => {
                return Err(MetadataError::UnknownEntityId {
                    requested: requested.to_owned(),
                    available: entity_ids,
                });
            }
        },
        ([only], None) => *only,
        (_, None) => return Err(MetadataError::MultipleIdps { entity_ids }),
    };
    Ok(read_idp(chosen, root, entity_ids))
}

/// Checks size, encoding and emptiness, and returns the text without a BOM.
fn decode_text(bytes: &[u8]) -> Result<&str, MetadataError> {
    let unreadable = |reason: String| MetadataError::Unreadable { reason };
    if bytes.len() > MAX_METADATA_BYTES {
        return Err(unreadable(format!(
            "the document is {} bytes, over the limit of {MAX_METADATA_BYTES} bytes (10 MiB)",
            bytes.len()
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(unreadable(
            "the document is UTF-16 (it starts with a UTF-16 byte-order mark); convert it to UTF-8"
                .into(),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = valid.split(|&b| b == b'\n').count();
        let column = valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        unreadable(format!(
            "the document is not valid UTF-8: invalid byte at line {line}, column {column} \
             (byte offset {})",
            e.valid_up_to()
        ))
    })?;
    if text.trim_matches(is_xml_whitespace).is_empty() {
        return Err(unreadable("the document is empty".into()));
    }
    Ok(text)
}

fn is_xml_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Parses well-formed XML without a DTD.
fn parse_document(text: &str) -> Result<Document<'_>, MetadataError> {
    let options = ParsingOptions { allow_dtd: false, nodes_limit: MAX_NODES, ..Default::default() };
    Document::parse_with_options(text, options).map_err(|error| match error {
        roxmltree::Error::DtdDetected => MetadataError::Dtd,
        // A DOCTYPE that is not where roxmltree looks for one (after the root
        // element, or after some other malformed markup) still counts.
        _ if contains_doctype(text) => MetadataError::Dtd,
        roxmltree::Error::NodesLimitReached => MetadataError::Unreadable {
            reason: format!("the document has more than {MAX_NODES} XML nodes"),
        },
        other => MetadataError::Unreadable { reason: format!("not well-formed XML: {other}") },
    })
}

/// Reports whether `<!DOCTYPE` appears outside comments, CDATA sections and
/// processing instructions. In well-formed XML `<` cannot appear in text or
/// attribute values, so any other occurrence is a DOCTYPE declaration.
fn contains_doctype(text: &str) -> bool {
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        let skip_past = |rest: &str, open: &str, close: &str| -> Option<usize> {
            rest.starts_with(open)
                .then(|| rest[open.len()..].find(close).map(|i| open.len() + i + close.len()))?
        };
        let skipped = skip_past(rest, "<!--", "-->")
            .or_else(|| skip_past(rest, "<![CDATA[", "]]>"))
            .or_else(|| skip_past(rest, "<?", "?>"));
        match skipped {
            Some(length) => rest = &rest[length..],
            None if rest.starts_with("<!DOCTYPE") => return true,
            // An unterminated comment, CDATA section or processing
            // instruction hides the rest of the text.
            None if rest.starts_with("<!--")
                || rest.starts_with("<![CDATA[")
                || rest.starts_with("<?") =>
            {
                return false;
            }
            None => rest = &rest[1..],
        }
    }
    false
}

/// Rejects element nesting deeper than [`MAX_DEPTH`].
fn check_depth(document: &Document<'_>) -> Result<(), MetadataError> {
    let mut pending = vec![(document.root_element(), 1usize)];
    while let Some((node, depth)) = pending.pop() {
        if depth > MAX_DEPTH {
            let position = document.text_pos_at(node.range().start);
            return Err(MetadataError::Unreadable {
                reason: format!(
                    "elements are nested more than {MAX_DEPTH} deep (at line {}, column {})",
                    position.row, position.col
                ),
            });
        }
        pending.extend(node.children().filter(Node::is_element).map(|child| (child, depth + 1)));
    }
    Ok(())
}

/// One `EntityDescriptor` with the `validUntil` values of the
/// `EntitiesDescriptor`s around it, outermost first.
struct Entity<'a, 'input> {
    node: Node<'a, 'input>,
    enclosing_valid_until: Vec<ValidUntil>,
    idp: Option<Node<'a, 'input>>,
}

impl Entity<'_, '_> {
    fn entity_id(&self) -> String {
        self.node.attribute("entityID").unwrap_or_default().to_owned()
    }
}

fn collect_entities<'a, 'input>(
    node: Node<'a, 'input>,
    enclosing: &mut Vec<ValidUntil>,
    entities: &mut Vec<Entity<'a, 'input>>,
) {
    if is_md(node, ENTITY_DESCRIPTOR) {
        let idp = md_children(node, IDP_SSO_DESCRIPTOR).next();
        entities.push(Entity { node, enclosing_valid_until: enclosing.clone(), idp });
        return;
    }
    let pushed = match valid_until_of(node) {
        Some(valid_until) => {
            enclosing.push(valid_until);
            true
        }
        None => false,
    };
    for child in
        node.children().filter(|c| is_md(*c, ENTITY_DESCRIPTOR) || is_md(*c, ENTITIES_DESCRIPTOR))
    {
        collect_entities(child, enclosing, entities);
    }
    if pushed {
        enclosing.pop();
    }
}

fn no_idp_reason(entities: &[Entity<'_, '_>]) -> String {
    match entities {
        [] => "the document has no `EntityDescriptor`".to_owned(),
        [entity] => format!("entity `{}` has no `IDPSSODescriptor`", entity.entity_id()),
        _ => format!("none of its {} entities has an `IDPSSODescriptor`", entities.len()),
    }
}

fn read_idp(entity: &Entity<'_, '_>, root: Node<'_, '_>, entity_ids: Vec<String>) -> IdpMetadata {
    let idp = entity.idp.expect("only IdP entities are chosen");
    let mut valid_until = entity.enclosing_valid_until.clone();
    valid_until.extend(valid_until_of(entity.node));
    valid_until.extend(valid_until_of(idp));

    let signing_certificates = md_children(idp, "KeyDescriptor")
        .filter(|key| {
            key.attribute("use").is_none_or(|u| u.trim_matches(is_xml_whitespace) == "signing")
        })
        .flat_map(|key| ds_children(key, "KeyInfo"))
        .flat_map(|info| ds_children(info, "X509Data"))
        .flat_map(|data| ds_children(data, "X509Certificate"))
        .map(|element| read_signing_certificate(&text_content(element)))
        .collect();

    let has_signature = |node: Node<'_, '_>| ds_children(node, "Signature").next().is_some();
    IdpMetadata {
        entity_id: entity.entity_id(),
        entity_ids,
        sso_services: endpoints(idp, "SingleSignOnService"),
        slo_services: endpoints(idp, "SingleLogoutService"),
        name_id_formats: md_children(idp, "NameIDFormat")
            .map(|n| text_content(n).trim_matches(is_xml_whitespace).to_owned())
            .collect(),
        want_authn_requests_signed: idp
            .attribute("WantAuthnRequestsSigned")
            .and_then(parse_boolean),
        valid_until,
        signing_certificates,
        signed: has_signature(entity.node) || has_signature(root),
    }
}

fn endpoints(idp: Node<'_, '_>, local_name: &'static str) -> Vec<Endpoint> {
    md_children(idp, local_name)
        .map(|node| Endpoint {
            binding: node.attribute("Binding").unwrap_or_default().to_owned(),
            location: node.attribute("Location").unwrap_or_default().trim().to_owned(),
        })
        .collect()
}

/// Reads an `xs:boolean`.
fn parse_boolean(text: &str) -> Option<bool> {
    match text.trim_matches(is_xml_whitespace) {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn valid_until_of(node: Node<'_, '_>) -> Option<ValidUntil> {
    let text = node.attribute("validUntil")?;
    Some(ValidUntil {
        element: node.tag_name().name().to_owned(),
        text: text.to_owned(),
        instant: parse_xs_date_time(text),
    })
}

/// Reads an `xs:dateTime` (`YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]`); one
/// without a time zone is UTC.
pub(crate) fn parse_xs_date_time(text: &str) -> Option<Timestamp> {
    let text = text.trim_matches(is_xml_whitespace);
    let (civil, offset) = if let Some(civil) = text.strip_suffix('Z') {
        (civil, Offset::UTC)
    } else if let Some((civil, zone)) = split_numeric_offset(text) {
        (civil, zone)
    } else {
        (text, Offset::UTC)
    };
    // Only the xs:dateTime shape: a four-digit year, `T`, and seconds.
    let bytes = civil.as_bytes();
    let shape_ok = bytes.len() >= 19
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':'
        && (bytes.len() == 19 || bytes[19] == b'.');
    if !shape_ok {
        return None;
    }
    let date_time: DateTime = civil.parse().ok()?;
    offset.to_timestamp(date_time).ok()
}

/// Splits a trailing `+hh:mm` or `-hh:mm` off the text.
fn split_numeric_offset(text: &str) -> Option<(&str, Offset)> {
    let split = text.len().checked_sub(6)?;
    let (civil, zone) = text.split_at_checked(split)?;
    let zone_bytes = zone.as_bytes();
    let sign = match zone_bytes[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    if zone_bytes[3] != b':' {
        return None;
    }
    let hours: i8 = zone[1..3].parse().ok()?;
    let minutes: i32 = zone[4..6].parse().ok()?;
    if !zone[1..3].bytes().all(|b| b.is_ascii_digit())
        || !zone[4..6].bytes().all(|b| b.is_ascii_digit())
        || hours > 14
        || minutes > 59
    {
        return None;
    }
    let seconds = sign * (i32::from(hours) * 3600 + minutes * 60);
    Some((civil, Offset::from_seconds(seconds).ok()?))
}

/// Concatenates the text of every text node under `node`.
fn text_content(node: Node<'_, '_>) -> String {
    node.descendants().filter(Node::is_text).filter_map(|n| n.text()).collect()
}

fn is_in(node: Node<'_, '_>, namespace: &str, local_name: &str) -> bool {
    node.is_element()
        && node.tag_name().namespace() == Some(namespace)
        && node.tag_name().name() == local_name
}

fn is_md(node: Node<'_, '_>, local_name: &str) -> bool {
    is_in(node, NS_METADATA, local_name)
}

fn md_children<'a, 'input>(
    node: Node<'a, 'input>,
    local_name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(move |c| is_md(*c, local_name))
}

fn ds_children<'a, 'input>(
    node: Node<'a, 'input>,
    local_name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(move |c| is_in(*c, NS_XMLDSIG, local_name))
}

/// Names an element with its namespace for messages.
fn describe(node: Node<'_, '_>) -> String {
    let name = node.tag_name();
    match name.namespace() {
        Some(namespace) => format!("`{}` in namespace `{namespace}`", name.name()),
        None => format!("`{}` in no namespace (expected namespace `{NS_METADATA}`)", name.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xs_date_time_forms() {
        let utc = |s: &str| s.parse::<Timestamp>().unwrap();
        let cases = [
            ("2014-04-17T18:02:33.910Z", Some(utc("2014-04-17T18:02:33.910Z"))),
            ("2020-03-05T18:19:11Z", Some(utc("2020-03-05T18:19:11Z"))),
            ("2020-03-05T18:19:11", Some(utc("2020-03-05T18:19:11Z"))),
            (" 2020-03-05T18:19:11 ", Some(utc("2020-03-05T18:19:11Z"))),
            ("2020-03-05T18:19:11+02:00", Some(utc("2020-03-05T16:19:11Z"))),
            ("2020-03-05T18:19:11-05:30", Some(utc("2020-03-05T23:49:11Z"))),
            ("2020-03-05", None),
            ("2020-03-05 18:19:11Z", None),
            ("2020-03-05T18:19Z", None),
            ("2020-13-05T18:19:11Z", None),
            ("next tuesday", None),
            ("", None),
            ("2020-03-05T18:19:11+2:00", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_xs_date_time(text), expected, "{text:?}");
        }
    }

    #[test]
    fn doctype_scan_skips_comments_and_cdata() {
        assert!(contains_doctype("<a/><!DOCTYPE a>"));
        assert!(contains_doctype("<?xml version='1.0'?>\n<!DOCTYPE a [<!ENTITY x 'y'>]><a/>"));
        assert!(!contains_doctype("<!-- <!DOCTYPE a> --><a/>"));
        assert!(!contains_doctype("<a><![CDATA[<!DOCTYPE a>]]></a>"));
        assert!(!contains_doctype("<?pi <!DOCTYPE a> ?><a/>"));
        assert!(!contains_doctype("<a>text</a>"));
    }
}
