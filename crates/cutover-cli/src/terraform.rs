//! Terraform (HCL) for the org's identity providers, for `export terraform`.
//!
//! Each configured provider becomes a `genesyscloud_idp_<type>` resource of
//! the Genesys Cloud terraform provider, with the attribute names of its
//! v1.84.1 schema. An `import` block and the equivalent `terraform import`
//! command follow each resource. The resources are singletons whose
//! terraform ID is the type itself (`generic`, `okta`, ...). A resource gets
//! only the attributes its schema accepts and only those the org has a value
//! for, except required ones, which are always written.
//!
//! Types that the terraform provider has no resource for (`purecloud`, which
//! is native login, and `cic`, `identitynow`, `pureengage`) are named in a
//! comment and not exported.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use cutover_api::{IdentityProvider, OrgState, Organization, ProviderType};
use serde_json::Value;

/// One attribute of a `genesyscloud_idp_*` resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Attribute {
    /// `name` (API `name`).
    Name,
    /// `disabled` (API `disabled`).
    Disabled,
    /// `issuer_uri` (API `issuerURI`).
    IssuerUri,
    /// `target_uri` (API `ssoTargetURI`).
    TargetUri,
    /// `slo_uri` (API `sloURI`).
    SloUri,
    /// `slo_binding` (API `sloBinding`).
    SloBinding,
    /// `relying_party_identifier` (API `relyingPartyIdentifier`).
    RelyingPartyIdentifier,
    /// `sign_authn_requests` (API `signAuthnRequests`).
    SignAuthnRequests,
    /// `name_identifier_format` (API `nameIdentifierFormat`).
    NameIdentifierFormat,
    /// `endpoint_compression` (API `endpointCompression`).
    EndpointCompression,
    /// `logo_image_data` (API `logoImageData`).
    LogoImageData,
    /// `certificates` (API `certificates`, plus `certificate`).
    Certificates,
}

impl Attribute {
    /// Returns the terraform attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Disabled => "disabled",
            Self::IssuerUri => "issuer_uri",
            Self::TargetUri => "target_uri",
            Self::SloUri => "slo_uri",
            Self::SloBinding => "slo_binding",
            Self::RelyingPartyIdentifier => "relying_party_identifier",
            Self::SignAuthnRequests => "sign_authn_requests",
            Self::NameIdentifierFormat => "name_identifier_format",
            Self::EndpointCompression => "endpoint_compression",
            Self::LogoImageData => "logo_image_data",
            Self::Certificates => "certificates",
        }
    }
}

/// The attributes every `genesyscloud_idp_*` resource accepts, in the order
/// they are written.
const COMMON: [Attribute; 9] = [
    Attribute::Name,
    Attribute::Disabled,
    Attribute::IssuerUri,
    Attribute::TargetUri,
    Attribute::SloUri,
    Attribute::SloBinding,
    Attribute::RelyingPartyIdentifier,
    Attribute::SignAuthnRequests,
    Attribute::Certificates,
];

/// The attributes of `genesyscloud_idp_generic`, in the order they are
/// written.
const GENERIC: [Attribute; 12] = [
    Attribute::Name,
    Attribute::Disabled,
    Attribute::IssuerUri,
    Attribute::TargetUri,
    Attribute::SloUri,
    Attribute::SloBinding,
    Attribute::RelyingPartyIdentifier,
    Attribute::SignAuthnRequests,
    Attribute::NameIdentifierFormat,
    Attribute::EndpointCompression,
    Attribute::LogoImageData,
    Attribute::Certificates,
];

/// The part of the terraform provider's schema for one resource that the
/// export uses.
#[derive(Clone, Copy, Debug)]
pub struct ResourceSchema {
    /// The terraform resource type, such as `genesyscloud_idp_okta`.
    pub resource: &'static str,
    /// The attributes it accepts (`timeouts` and the read-only `id` aside).
    pub attributes: &'static [Attribute],
    /// The attributes it requires.
    pub required: &'static [Attribute],
    /// Whether it accepts only `HTTP Redirect` and `HTTP Post` as
    /// `slo_binding`.
    pub validates_slo_binding: bool,
}

/// Returns the terraform schema of a provider type, or `None` for the types
/// the terraform provider (v1.84.1) has no resource for.
pub fn schema(kind: ProviderType) -> Option<ResourceSchema> {
    const REQUIRED: &[Attribute] = &[Attribute::Certificates, Attribute::IssuerUri];
    let common = |resource, validates_slo_binding| ResourceSchema {
        resource,
        attributes: &COMMON,
        required: REQUIRED,
        validates_slo_binding,
    };
    match kind {
        ProviderType::Generic => Some(ResourceSchema {
            resource: "genesyscloud_idp_generic",
            attributes: &GENERIC,
            required: &[Attribute::Certificates, Attribute::IssuerUri, Attribute::Name],
            validates_slo_binding: true,
        }),
        ProviderType::Okta => Some(common("genesyscloud_idp_okta", true)),
        ProviderType::Gsuite => Some(common("genesyscloud_idp_gsuite", true)),
        ProviderType::Onelogin => Some(common("genesyscloud_idp_onelogin", true)),
        ProviderType::Adfs => Some(common("genesyscloud_idp_adfs", false)),
        ProviderType::Ping => Some(common("genesyscloud_idp_ping", false)),
        ProviderType::Salesforce => Some(common("genesyscloud_idp_salesforce", false)),
        ProviderType::Cic
        | ProviderType::Identitynow
        | ProviderType::Purecloud
        | ProviderType::Pureengage => None,
    }
}

/// Renders the org's providers, with the org named in the header comment.
pub fn render_org(state: &OrgState) -> String {
    render(Some(&state.organization), &state.identity_providers)
}

/// Renders HCL for `providers`: one resource and one `import` block for each
/// type the terraform provider has a resource for, and a comment for each
/// other type. `organization`, when given, is named in the header comment.
pub fn render(
    organization: Option<&Organization>,
    providers: &BTreeMap<ProviderType, IdentityProvider>,
) -> String {
    let mut out = String::new();
    write_header(&mut out, organization);

    let mut exported = 0;
    for (&kind, provider) in providers {
        out.push('\n');
        match schema(kind) {
            Some(schema) => {
                write_resource(&mut out, kind, &schema, provider);
                exported += 1;
            }
            None => write_unsupported(&mut out, kind, provider),
        }
    }
    if exported == 0 {
        out.push_str("\n# The org has no identity provider that terraform can manage.\n");
    }
    out
}

fn write_header(out: &mut String, organization: Option<&Organization>) {
    out.push_str("# Identity providers of a Genesys Cloud org, exported by sso-cutover.\n");
    if let Some(org) = organization {
        let _ = writeln!(
            out,
            "# Organization: {} ({})",
            comment_text(&org.name),
            comment_text(&org.id)
        );
    }
    out.push_str(
        "# Each resource is a singleton whose terraform ID is its type. Import it before the\n\
         # first apply, with the import block (terraform 1.5 or later) or the command above it.\n",
    );
}

fn write_unsupported(out: &mut String, kind: ProviderType, provider: &IdentityProvider) {
    if kind == ProviderType::Purecloud {
        let state = if provider.is_disabled() { "disabled" } else { "enabled" };
        let _ = writeln!(
            out,
            "# Genesys Cloud login (`purecloud`) is {state}. The terraform provider has no \
             resource for it,\n# so it is not exported."
        );
    } else {
        let _ = writeln!(
            out,
            "# The `{kind}` provider is configured, but the terraform provider has no resource \
             for it,\n# so it is not exported."
        );
    }
}

/// The value of one attribute, ready to write.
enum HclValue {
    String(String),
    Bool(bool),
    List(Vec<String>),
}

fn write_resource(
    out: &mut String,
    kind: ProviderType,
    schema: &ResourceSchema,
    provider: &IdentityProvider,
) {
    let mut notes = Vec::new();
    let mut values = Vec::new();
    for &attribute in schema.attributes {
        let value = attribute_value(attribute, kind, schema, provider, &mut notes);
        let value = match value {
            Some(value) => value,
            None if schema.required.contains(&attribute) => {
                notes.push(format!(
                    "the org has no value for the required `{}`; set it before applying",
                    attribute.as_str()
                ));
                required_placeholder(attribute)
            }
            None => continue,
        };
        values.push((attribute, value));
    }

    let address = format!("{}.{}", schema.resource, kind.as_str());
    for note in &notes {
        let _ = writeln!(out, "# NOTE: {}", comment_text(note));
    }
    let _ = writeln!(out, "resource \"{}\" \"{}\" {{", schema.resource, kind.as_str());
    write_attributes(out, &values);
    out.push_str("}\n\n");
    let _ = writeln!(out, "# terraform import {address} {}", kind.as_str());
    let _ = writeln!(out, "import {{\n  to = {address}\n  id = \"{}\"\n}}", kind.as_str());
}

fn required_placeholder(attribute: Attribute) -> HclValue {
    match attribute {
        Attribute::Certificates => HclValue::List(Vec::new()),
        _ => HclValue::String(String::new()),
    }
}

/// Writes `name = value` lines, aligning the `=` of the single-line ones as
/// `terraform fmt` does; lists go last, each after a blank line.
fn write_attributes(out: &mut String, values: &[(Attribute, HclValue)]) {
    let width = values
        .iter()
        .filter(|(_, value)| !matches!(value, HclValue::List(_)))
        .map(|(attribute, _)| attribute.as_str().len())
        .max()
        .unwrap_or(0);
    for (attribute, value) in values {
        let name = attribute.as_str();
        match value {
            HclValue::String(text) => {
                let _ = writeln!(out, "  {name:width$} = {}", quote(text));
            }
            HclValue::Bool(flag) => {
                let _ = writeln!(out, "  {name:width$} = {flag}");
            }
            HclValue::List(_) => {}
        }
    }
    for (attribute, value) in values {
        if let HclValue::List(items) = value {
            let name = attribute.as_str();
            if items.is_empty() {
                let _ = writeln!(out, "\n  {name} = []");
                continue;
            }
            let _ = writeln!(out, "\n  {name} = [");
            for item in items {
                let _ = writeln!(out, "    {},", quote(item));
            }
            out.push_str("  ]\n");
        }
    }
}

fn attribute_value(
    attribute: Attribute,
    kind: ProviderType,
    schema: &ResourceSchema,
    provider: &IdentityProvider,
    notes: &mut Vec<String>,
) -> Option<HclValue> {
    let text = |value: Option<&String>| {
        value.filter(|text| !text.is_empty()).map(|text| HclValue::String(text.clone()))
    };
    match attribute {
        Attribute::Name => {
            let name = text(provider.name.as_ref());
            if name.is_none() && schema.required.contains(&Attribute::Name) {
                // The generic resource requires a name; the entity ID is the
                // name `apply` gives a provider that has none.
                let issuer = text(provider.issuer_uri.as_ref())?;
                notes.push(format!(
                    "the org's `{kind}` provider has no name, so its issuer URI is used"
                ));
                return Some(issuer);
            }
            name
        }
        Attribute::Disabled => provider.disabled.map(HclValue::Bool),
        Attribute::IssuerUri => text(provider.issuer_uri.as_ref()),
        Attribute::TargetUri => text(provider.sso_target_uri.as_ref()),
        Attribute::SloUri => text(provider.slo_uri.as_ref()),
        Attribute::SloBinding => {
            let binding = provider.slo_binding.as_deref().filter(|text| !text.is_empty())?;
            Some(HclValue::String(slo_binding(binding, schema, notes)))
        }
        Attribute::RelyingPartyIdentifier => extra_string(provider, "relyingPartyIdentifier"),
        Attribute::SignAuthnRequests => extra_bool(provider, "signAuthnRequests"),
        Attribute::NameIdentifierFormat => extra_string(provider, "nameIdentifierFormat"),
        Attribute::EndpointCompression => extra_bool(provider, "endpointCompression"),
        Attribute::LogoImageData => extra_string(provider, "logoImageData"),
        Attribute::Certificates => {
            let certificates = certificates(provider);
            (!certificates.is_empty()).then_some(HclValue::List(certificates))
        }
    }
}

fn extra_string(provider: &IdentityProvider, field: &str) -> Option<HclValue> {
    match provider.extra.get(field) {
        Some(Value::String(text)) if !text.is_empty() => Some(HclValue::String(text.clone())),
        _ => None,
    }
}

fn extra_bool(provider: &IdentityProvider, field: &str) -> Option<HclValue> {
    match provider.extra.get(field) {
        Some(Value::Bool(flag)) => Some(HclValue::Bool(*flag)),
        _ => None,
    }
}

/// Returns the `slo_binding` to write. Resources that validate it accept only
/// `HTTP Redirect` and `HTTP Post`, so a SAML binding URN is written in that
/// form; other values are written as read.
fn slo_binding(binding: &str, schema: &ResourceSchema, notes: &mut Vec<String>) -> String {
    if !schema.validates_slo_binding {
        return binding.to_owned();
    }
    let mapped = match binding {
        "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" => "HTTP Redirect",
        "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" => "HTTP Post",
        other => {
            if other != "HTTP Redirect" && other != "HTTP Post" {
                notes.push(format!(
                    "`slo_binding` is `{other}` in the org, but {} accepts only `HTTP Redirect` \
                     or `HTTP Post`; correct it before applying",
                    schema.resource
                ));
            }
            return other.to_owned();
        }
    };
    notes.push(format!("`slo_binding` is `{binding}` in the org, written as `{mapped}`"));
    mapped.to_owned()
}

/// Returns the provider's certificates as base64 DER without PEM armour or
/// whitespace: the `certificates` list, then `certificate` when the list does
/// not contain it, each PEM block of an entry as its own item, duplicates
/// dropped.
pub fn certificates(provider: &IdentityProvider) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let entries = provider.certificates.iter().flatten().chain(provider.certificate.iter());
    for entry in entries {
        for body in certificate_bodies(entry) {
            if !body.is_empty() && !found.contains(&body) {
                found.push(body);
            }
        }
    }
    found
}

/// Splits one certificate entry into base64 bodies: the content of each
/// `-----BEGIN ...-----` block, or the whole entry when it has no armour,
/// with all whitespace removed.
fn certificate_bodies(entry: &str) -> Vec<String> {
    let squeeze = |text: &str| text.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    if !entry.contains("-----BEGIN") {
        return vec![squeeze(entry)];
    }
    let mut bodies = Vec::new();
    let mut rest = entry;
    while let Some(start) = rest.find("-----BEGIN") {
        let after_begin = &rest[start + "-----BEGIN".len()..];
        let Some(header_end) = after_begin.find("-----") else { break };
        let body_and_rest = &after_begin[header_end + "-----".len()..];
        let end = body_and_rest.find("-----END").unwrap_or(body_and_rest.len());
        bodies.push(squeeze(&body_and_rest[..end]));
        rest = &body_and_rest[end..];
        // Skip past the END line's closing dashes.
        match rest.strip_prefix("-----END").and_then(|tail| tail.find("-----").map(|i| (tail, i))) {
            Some((tail, index)) => rest = &tail[index + "-----".len()..],
            None => break,
        }
    }
    bodies
}

/// Quotes `text` as an HCL template string: backslash escapes for quotes,
/// backslashes and control characters, and `$${` and `%%{` so that `${` and
/// `%{` stay literal instead of starting an interpolation or a directive.
pub fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                quoted.push(c);
                quoted.push(c);
            }
            c if c.is_control() => {
                let _ = write!(quoted, "\\u{:04x}", u32::from(c));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Makes `text` safe inside a `#` comment: control characters (line breaks
/// above all, which would end the comment) become spaces.
fn comment_text(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_template_sequences() {
        assert_eq!(quote("plain"), "\"plain\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("${var.x}"), "\"$${var.x}\"");
        assert_eq!(quote("%{ if true }"), "\"%%{ if true }\"");
        assert_eq!(quote("$$ and %% alone"), "\"$$ and %% alone\"");
        assert_eq!(quote("line\nbreak\r\ttab"), "\"line\\nbreak\\r\\ttab\"");
        assert_eq!(quote("bell\u{7}"), "\"bell\\u0007\"");
        assert_eq!(quote("é ✓"), "\"é ✓\"");
    }

    #[test]
    fn pem_armour_and_breaks_removed() {
        let pem = "-----BEGIN CERTIFICATE-----\r\nMIIB\r\nAAAA\r\n-----END CERTIFICATE-----\n\
                   -----BEGIN CERTIFICATE-----\nMIIC\nBBBB\n-----END CERTIFICATE-----\n";
        assert_eq!(certificate_bodies(pem), vec!["MIIBAAAA", "MIICBBBB"]);
        assert_eq!(certificate_bodies(" MIID\nCCCC \n"), vec!["MIIDCCCC"]);
        let cut = "-----BEGIN CERTIFICATE-----\nMIIE\nDDDD\n";
        assert_eq!(certificate_bodies(cut), vec!["MIIEDDDD"]);
    }

    #[test]
    fn certificates_merge_single_and_list() {
        let provider = IdentityProvider {
            certificate: Some("MIIC\nnew".into()),
            certificates: Some(vec!["MIICold".into(), "MIICnew".into(), "MIICold".into()]),
            ..IdentityProvider::default()
        };
        assert_eq!(certificates(&provider), vec!["MIICold", "MIICnew"]);

        let single =
            IdentityProvider { certificate: Some("MIICone".into()), ..IdentityProvider::default() };
        assert_eq!(certificates(&single), vec!["MIICone"]);
    }

    #[test]
    fn comment_text_stays_on_one_line() {
        assert_eq!(comment_text("Org\nresource \"x\""), "Org resource \"x\"");
    }
}

/// Tests that parse the output with an HCL parser and check it against the
/// terraform provider's schema, written out here independently of the table
/// in the module.
#[cfg(test)]
mod hcl_tests {
    use hcl::eval::{Context, Evaluate};
    use hcl::{Block, Body, Expression, Value};
    use serde_json::json;

    use super::*;

    /// Required and optional attributes of each resource in the Genesys
    /// Cloud terraform provider v1.84.1 (`timeouts` and the read-only `id`
    /// aside).
    const SCHEMAS: [(&str, &[&str], &[&str]); 7] = [
        (
            "genesyscloud_idp_generic",
            &["certificates", "issuer_uri", "name"],
            &[
                "disabled",
                "endpoint_compression",
                "logo_image_data",
                "name_identifier_format",
                "relying_party_identifier",
                "sign_authn_requests",
                "slo_binding",
                "slo_uri",
                "target_uri",
            ],
        ),
        ("genesyscloud_idp_okta", &["certificates", "issuer_uri"], OTHERS_OPTIONAL),
        ("genesyscloud_idp_adfs", &["certificates", "issuer_uri"], OTHERS_OPTIONAL),
        ("genesyscloud_idp_gsuite", &["certificates", "issuer_uri"], OTHERS_OPTIONAL),
        ("genesyscloud_idp_onelogin", &["certificates", "issuer_uri"], OTHERS_OPTIONAL),
        ("genesyscloud_idp_ping", &["certificates", "issuer_uri"], OTHERS_OPTIONAL),
        ("genesyscloud_idp_salesforce", &["certificates", "issuer_uri"], OTHERS_OPTIONAL),
    ];

    const OTHERS_OPTIONAL: &[&str] = &[
        "disabled",
        "name",
        "relying_party_identifier",
        "sign_authn_requests",
        "slo_binding",
        "slo_uri",
        "target_uri",
    ];

    /// Terraform attribute name and the API field it comes from.
    const API_FIELDS: [(&str, &str); 11] = [
        ("name", "name"),
        ("disabled", "disabled"),
        ("issuer_uri", "issuerURI"),
        ("target_uri", "ssoTargetURI"),
        ("slo_uri", "sloURI"),
        ("slo_binding", "sloBinding"),
        ("relying_party_identifier", "relyingPartyIdentifier"),
        ("sign_authn_requests", "signAuthnRequests"),
        ("name_identifier_format", "nameIdentifierFormat"),
        ("endpoint_compression", "endpointCompression"),
        ("logo_image_data", "logoImageData"),
    ];

    const CERT_A: &str = "MIIBszCCAVmgAwIBAgIUQUFB";
    const CERT_B: &str = "MIIBszCCAVmgAwIBAgIUQkJC";

    /// A provider as the API returns it, with every field of the GenericSAML
    /// model set, so that the export must leave out what a resource does not
    /// accept.
    fn full_provider(kind: ProviderType) -> IdentityProvider {
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\r\n{}\r\n{}\r\n-----END CERTIFICATE-----\r\n",
            &CERT_B[..12],
            &CERT_B[12..]
        );
        serde_json::from_value(json!({
            "id": format!("{kind}-id"),
            "name": format!("{kind} sign-in"),
            "disabled": false,
            "issuerURI": format!("https://idp.example.com/{kind}"),
            "ssoTargetURI": format!("https://idp.example.com/{kind}/sso"),
            "ssoBinding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
            "sloURI": format!("https://idp.example.com/{kind}/slo"),
            "sloBinding": "HTTP Redirect",
            "relyingPartyIdentifier": format!("genesys-{kind}"),
            "certificate": CERT_A,
            "certificates": [CERT_A, pem],
            "logoImageData": "PHN2Zz48L3N2Zz4=",
            "nameIdentifierFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            "signAuthnRequests": true,
            "providerName": "Example",
            "displayOnLogin": true,
            "metadataURL": "https://idp.example.com/metadata",
            "forceAuthn": false,
            "endpointCompression": true,
            "selfUri": format!("/api/v2/identityproviders/{kind}")
        }))
        .unwrap()
    }

    fn every_type_configured() -> BTreeMap<ProviderType, IdentityProvider> {
        ProviderType::ALL.iter().map(|&kind| (kind, full_provider(kind))).collect()
    }

    fn parse(text: &str) -> Body {
        hcl::parse(text).unwrap_or_else(|error| panic!("invalid HCL: {error}\n{text}"))
    }

    fn evaluate(expression: &Expression) -> Value {
        expression
            .evaluate(&Context::new())
            .unwrap_or_else(|error| panic!("`{expression:?}` does not evaluate: {error}"))
    }

    fn label(block: &Block, index: usize) -> &str {
        block.labels()[index].as_str()
    }

    fn resources(body: &Body) -> Vec<&Block> {
        body.blocks().filter(|block| block.identifier() == "resource").collect()
    }

    fn imports(body: &Body) -> Vec<&Block> {
        body.blocks().filter(|block| block.identifier() == "import").collect()
    }

    fn attribute(block: &Block, key: &str) -> Option<Value> {
        block
            .body()
            .attributes()
            .find(|attribute| attribute.key() == key)
            .map(|a| evaluate(a.expr()))
    }

    fn resource(body: &Body, kind: ProviderType) -> &Block {
        let found: Vec<&Block> =
            resources(body).into_iter().filter(|block| label(block, 1) == kind.as_str()).collect();
        assert_eq!(found.len(), 1, "resources named `{kind}`");
        found[0]
    }

    fn expected_value(api: &serde_json::Value) -> Value {
        match api {
            serde_json::Value::String(text) => Value::String(text.clone()),
            serde_json::Value::Bool(flag) => Value::Bool(*flag),
            other => panic!("unexpected API value {other}"),
        }
    }

    #[test]
    fn attributes_match_the_schema() {
        let providers = every_type_configured();
        let text = render(None, &providers);
        let body = parse(&text);

        let blocks = resources(&body);
        assert_eq!(blocks.len(), SCHEMAS.len(), "one resource per type with a resource:\n{text}");
        for block in blocks {
            let resource_type = label(block, 0);
            let (_, required, optional) = SCHEMAS
                .iter()
                .find(|(name, _, _)| *name == resource_type)
                .unwrap_or_else(|| panic!("`{resource_type}` is not a terraform resource"));
            let keys: Vec<&str> = block.body().attributes().map(hcl::Attribute::key).collect();
            for key in &keys {
                assert!(
                    required.contains(key) || optional.contains(key),
                    "{resource_type} does not accept `{key}`"
                );
            }
            for key in *required {
                assert!(keys.contains(key), "{resource_type} lacks the required `{key}`");
            }
            assert_eq!(block.body().blocks().count(), 0, "{resource_type} has a nested block");
        }
    }

    #[test]
    fn values_come_from_the_api_fields() {
        let providers = every_type_configured();
        let body = parse(&render(None, &providers));

        for (&kind, provider) in &providers {
            let Some(schema) = schema(kind) else { continue };
            let block = resource(&body, kind);
            assert_eq!(label(block, 0), format!("genesyscloud_idp_{kind}"));
            let api = serde_json::to_value(provider).unwrap();
            let (_, required, optional) =
                SCHEMAS.iter().find(|(name, _, _)| *name == schema.resource).unwrap();

            for (key, field) in API_FIELDS {
                let accepted = required.contains(&key) || optional.contains(&key);
                let written = attribute(block, key);
                if accepted {
                    assert_eq!(written, Some(expected_value(&api[field])), "{kind} `{key}`");
                } else {
                    assert_eq!(written, None, "{kind} must not have `{key}`");
                }
            }
            let certificates = attribute(block, "certificates").unwrap();
            assert_eq!(
                certificates,
                Value::Array(vec![Value::from(CERT_A), Value::from(CERT_B)]),
                "{kind} certificates: the list without armour, `certificate` not repeated"
            );
        }
    }

    #[test]
    fn import_block_and_command_per_resource() {
        let providers = every_type_configured();
        let text = render(None, &providers);
        let body = parse(&text);

        let blocks = imports(&body);
        assert_eq!(blocks.len(), SCHEMAS.len());
        for (resource_type, _, _) in SCHEMAS {
            let kind = resource_type.trim_start_matches("genesyscloud_idp_");
            let address = format!("{resource_type}.{kind}");
            let block = blocks
                .iter()
                .find(|block| {
                    block
                        .body()
                        .attributes()
                        .any(|a| a.key() == "to" && a.expr().to_string().trim() == address)
                })
                .unwrap_or_else(|| panic!("no import block for `{address}`:\n{text}"));
            assert_eq!(attribute(block, "id"), Some(Value::from(kind)), "{address}");
            let command = format!("# terraform import {address} {kind}\n");
            assert!(text.contains(&command), "no `{command}` in:\n{text}");
        }
    }

    #[test]
    fn types_without_resource_are_comments() {
        let providers = every_type_configured();
        let text = render(None, &providers);
        let body = parse(&text);

        for kind in ["purecloud", "cic", "identitynow", "pureengage"] {
            assert!(
                resources(&body).iter().all(|block| label(block, 1) != kind),
                "`{kind}` was exported"
            );
            assert!(
                text.contains(&format!("(`{kind}`)"))
                    || text.contains(&format!("`{kind}` provider")),
                "`{kind}` is not mentioned:\n{text}"
            );
        }
        assert!(text.contains("Genesys Cloud login (`purecloud`) is enabled"), "{text}");
    }

    #[test]
    fn hostile_strings_stay_literal() {
        let hostile_name = "Sign-in \"quoted\" \\ back ${var.secret} %{ if true }x%{ endif }\n\
                            } resource \"null_resource\" \"x\" {\r\n\ttab $${kept}";
        let hostile_issuer = "https://idp.example.com/${path.module}\"\n#";
        let mut provider = full_provider(ProviderType::Okta);
        provider.name = Some(hostile_name.to_owned());
        provider.issuer_uri = Some(hostile_issuer.to_owned());
        provider.extra.insert("relyingPartyIdentifier".into(), json!("a\u{1}b\u{7f}c"));
        let providers = BTreeMap::from([(ProviderType::Okta, provider)]);
        let organization = Organization {
            id: "org-1".into(),
            name: "Evil\n} resource \"x\" \"y\" {".into(),
            ..Organization::default()
        };

        let text = render(Some(&organization), &providers);
        let body = parse(&text);

        assert_eq!(resources(&body).len(), 1, "a string escaped its quotes:\n{text}");
        assert_eq!(imports(&body).len(), 1);
        let block = resource(&body, ProviderType::Okta);
        assert_eq!(attribute(block, "name"), Some(Value::from(hostile_name)));
        assert_eq!(attribute(block, "issuer_uri"), Some(Value::from(hostile_issuer)));
        assert_eq!(
            attribute(block, "relying_party_identifier"),
            Some(Value::from("a\u{1}b\u{7f}c"))
        );
        assert!(text.contains("# Organization: Evil } resource"), "{text}");
    }

    #[test]
    fn generic_without_name_uses_issuer() {
        let mut provider = full_provider(ProviderType::Generic);
        provider.name = None;
        let providers = BTreeMap::from([(ProviderType::Generic, provider)]);

        let text = render(None, &providers);
        let body = parse(&text);

        let block = resource(&body, ProviderType::Generic);
        assert_eq!(attribute(block, "name"), Some(Value::from("https://idp.example.com/generic")));
        assert!(text.contains("# NOTE: the org's `generic` provider has no name"), "{text}");
    }

    #[test]
    fn missing_required_values_are_flagged() {
        let provider = IdentityProvider { disabled: Some(true), ..IdentityProvider::default() };
        let providers = BTreeMap::from([(ProviderType::Ping, provider)]);

        let text = render(None, &providers);
        let body = parse(&text);

        let block = resource(&body, ProviderType::Ping);
        assert_eq!(attribute(block, "issuer_uri"), Some(Value::from("")));
        assert_eq!(attribute(block, "certificates"), Some(Value::Array(Vec::new())));
        assert_eq!(attribute(block, "disabled"), Some(Value::Bool(true)));
        assert_eq!(attribute(block, "name"), None);
        assert!(text.contains("no value for the required `issuer_uri`"), "{text}");
        assert!(text.contains("no value for the required `certificates`"), "{text}");
    }

    #[test]
    fn slo_binding_urn_mapped_where_validated() {
        let urn = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
        let mut okta = full_provider(ProviderType::Okta);
        okta.slo_binding = Some(urn.to_owned());
        let mut adfs = full_provider(ProviderType::Adfs);
        adfs.slo_binding = Some(urn.to_owned());
        let providers = BTreeMap::from([(ProviderType::Okta, okta), (ProviderType::Adfs, adfs)]);

        let body = parse(&render(None, &providers));

        let okta = resource(&body, ProviderType::Okta);
        let adfs = resource(&body, ProviderType::Adfs);
        assert_eq!(attribute(okta, "slo_binding"), Some(Value::from("HTTP Post")));
        assert_eq!(attribute(adfs, "slo_binding"), Some(Value::from(urn)));
    }

    #[test]
    fn no_exportable_provider() {
        let purecloud = IdentityProvider { disabled: Some(true), ..IdentityProvider::default() };
        let providers = BTreeMap::from([(ProviderType::Purecloud, purecloud)]);

        let text = render(None, &providers);
        let body = parse(&text);

        assert_eq!(body.iter().count(), 0, "{text}");
        assert!(text.contains("no identity provider that terraform can manage"), "{text}");
        assert!(text.contains("(`purecloud`) is disabled"), "{text}");
    }

    #[test]
    fn org_state_names_the_org() {
        let state = OrgState {
            organization: Organization {
                id: "6f1c".into(),
                name: "Example Org".into(),
                ..Organization::default()
            },
            identity_providers: BTreeMap::from([(
                ProviderType::Gsuite,
                full_provider(ProviderType::Gsuite),
            )]),
            ..OrgState::default()
        };

        let text = render_org(&state);
        let body = parse(&text);

        assert!(text.contains("# Organization: Example Org (6f1c)"), "{text}");
        assert_eq!(label(resources(&body)[0], 0), "genesyscloud_idp_gsuite");
    }
}
