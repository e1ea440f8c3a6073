//! A writer of IdP metadata documents for tests.

use std::fmt::Write as _;

use super::TestCertificate;
use crate::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, NS_METADATA, NS_XMLDSIG};

/// The `use` attribute of a `KeyDescriptor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUse {
    /// `use="signing"`.
    Signing,
    /// `use="encryption"`.
    Encryption,
    /// No `use` attribute, which means both.
    Unspecified,
}

#[derive(Clone, Debug)]
struct KeyDescriptor {
    key_use: KeyUse,
    /// The texts of the `X509Certificate` elements of its one `X509Data`.
    certificates: Vec<String>,
}

/// One `EntityDescriptor`: an IdP unless [`EntityBuilder::service_provider`]
/// is set.
#[derive(Clone, Debug)]
pub struct EntityBuilder {
    entity_id: String,
    valid_until: Option<String>,
    idp_valid_until: Option<String>,
    want_authn_requests_signed: Option<bool>,
    key_descriptors: Vec<KeyDescriptor>,
    sso_services: Vec<(String, String)>,
    slo_services: Vec<(String, String)>,
    name_id_formats: Vec<String>,
    service_provider: bool,
}

impl EntityBuilder {
    /// Starts an IdP entity with HTTP-Redirect and HTTP-POST SSO services at
    /// `https://idp.example.test/sso` and no certificate.
    pub fn idp(entity_id: &str) -> Self {
        let sso = "https://idp.example.test/sso".to_owned();
        Self {
            entity_id: entity_id.to_owned(),
            valid_until: None,
            idp_valid_until: None,
            want_authn_requests_signed: None,
            key_descriptors: Vec::new(),
            sso_services: vec![
                (BINDING_HTTP_REDIRECT.to_owned(), sso.clone()),
                (BINDING_HTTP_POST.to_owned(), sso),
            ],
            slo_services: Vec::new(),
            name_id_formats: vec![
                "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".to_owned(),
            ],
            service_provider: false,
        }
    }

    /// Starts a service provider entity (an `SPSSODescriptor`, no IdP role).
    pub fn service_provider(entity_id: &str) -> Self {
        Self { service_provider: true, ..Self::idp(entity_id) }
    }

    /// Adds a `KeyDescriptor` whose one `X509Data` contains `texts`.
    pub fn key_descriptor(mut self, key_use: KeyUse, texts: &[String]) -> Self {
        self.key_descriptors.push(KeyDescriptor { key_use, certificates: texts.to_vec() });
        self
    }

    /// Adds a signing `KeyDescriptor` with one certificate.
    pub fn signing_certificate(self, certificate: &TestCertificate) -> Self {
        self.key_descriptor(KeyUse::Signing, &[certificate.base64_wrapped()])
    }

    /// Replaces the SSO services with `services` (binding, location).
    pub fn sso_services(mut self, services: &[(&str, &str)]) -> Self {
        self.sso_services = owned_pairs(services);
        self
    }

    /// Replaces the single-logout services with `services` (binding, location).
    pub fn slo_services(mut self, services: &[(&str, &str)]) -> Self {
        self.slo_services = owned_pairs(services);
        self
    }

    /// Sets `validUntil` on the `EntityDescriptor`.
    pub fn valid_until(mut self, text: &str) -> Self {
        self.valid_until = Some(text.to_owned());
        self
    }

    /// Sets `validUntil` on the `IDPSSODescriptor`.
    pub fn idp_valid_until(mut self, text: &str) -> Self {
        self.idp_valid_until = Some(text.to_owned());
        self
    }

    /// Sets `WantAuthnRequestsSigned`.
    pub fn want_authn_requests_signed(mut self, value: bool) -> Self {
        self.want_authn_requests_signed = Some(value);
        self
    }

    fn write(&self, out: &mut String, md: &str, ds: &str, signature: bool) {
        let md_tag = |name: &str| qualified(md, name);
        let mut attributes = format!(" entityID=\"{}\"", escape(&self.entity_id));
        if let Some(valid_until) = &self.valid_until {
            let _ = write!(attributes, " validUntil=\"{}\"", escape(valid_until));
        }
        let _ = writeln!(out, "<{}{attributes}>", md_tag("EntityDescriptor"));
        if signature {
            write_signature(out, ds);
        }

        let role = if self.service_provider { "SPSSODescriptor" } else { "IDPSSODescriptor" };
        let mut role_attributes =
            " protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"".to_owned();
        if let Some(value) = self.want_authn_requests_signed {
            let _ = write!(role_attributes, " WantAuthnRequestsSigned=\"{value}\"");
        }
        if let Some(valid_until) = &self.idp_valid_until {
            let _ = write!(role_attributes, " validUntil=\"{}\"", escape(valid_until));
        }
        let _ = writeln!(out, "  <{}{role_attributes}>", md_tag(role));
        for key in &self.key_descriptors {
            let use_attribute = match key.key_use {
                KeyUse::Signing => " use=\"signing\"",
                KeyUse::Encryption => " use=\"encryption\"",
                KeyUse::Unspecified => "",
            };
            let _ = writeln!(out, "    <{}{use_attribute}>", md_tag("KeyDescriptor"));
            let _ = writeln!(out, "      <{}>", qualified(ds, "KeyInfo"));
            let _ = writeln!(out, "        <{}>", qualified(ds, "X509Data"));
            for text in &key.certificates {
                let tag = qualified(ds, "X509Certificate");
                let _ = writeln!(out, "          <{tag}>{}</{tag}>", escape(text));
            }
            let _ = writeln!(out, "        </{}>", qualified(ds, "X509Data"));
            let _ = writeln!(out, "      </{}>", qualified(ds, "KeyInfo"));
            let _ = writeln!(out, "    </{}>", md_tag("KeyDescriptor"));
        }
        for (binding, location) in &self.slo_services {
            write_endpoint(out, &md_tag("SingleLogoutService"), binding, location);
        }
        for format in &self.name_id_formats {
            let tag = md_tag("NameIDFormat");
            let _ = writeln!(out, "    <{tag}>{}</{tag}>", escape(format));
        }
        if self.service_provider {
            let location = "https://sp.example.test/acs";
            let tag = md_tag("AssertionConsumerService");
            let _ = writeln!(
                out,
                "    <{tag} Binding=\"{BINDING_HTTP_POST}\" Location=\"{location}\" index=\"0\"/>"
            );
        } else {
            for (binding, location) in &self.sso_services {
                write_endpoint(out, &md_tag("SingleSignOnService"), binding, location);
            }
        }
        let _ = writeln!(out, "  </{}>", md_tag(role));
        let _ = writeln!(out, "</{}>", md_tag("EntityDescriptor"));
    }
}

/// Builds a metadata document: one `EntityDescriptor`, or an
/// `EntitiesDescriptor` when there are several entities or one of
/// [`MetadataBuilder::entities_valid_until`] / [`MetadataBuilder::aggregate`]
/// requests it.
///
/// The methods that name no entity change the first one, the IdP made by
/// [`MetadataBuilder::new`].
#[derive(Clone, Debug)]
pub struct MetadataBuilder {
    entities: Vec<EntityBuilder>,
    aggregate: bool,
    entities_valid_until: Option<String>,
    signed: bool,
    md_prefix: String,
    ds_prefix: String,
}

impl MetadataBuilder {
    /// Starts a document with one IdP entity (see [`EntityBuilder::idp`]).
    pub fn new(entity_id: &str) -> Self {
        Self {
            entities: vec![EntityBuilder::idp(entity_id)],
            aggregate: false,
            entities_valid_until: None,
            signed: false,
            md_prefix: "md".to_owned(),
            ds_prefix: "ds".to_owned(),
        }
    }

    fn first(mut self, change: impl FnOnce(EntityBuilder) -> EntityBuilder) -> Self {
        let first = self.entities.remove(0);
        self.entities.insert(0, change(first));
        self
    }

    /// Adds a signing `KeyDescriptor` with one certificate.
    pub fn signing_certificate(self, certificate: &TestCertificate) -> Self {
        self.first(|e| e.signing_certificate(certificate))
    }

    /// Adds a signing `KeyDescriptor` whose one `X509Data` contains the whole
    /// chain, leaf first.
    pub fn signing_chain(self, chain: &[&TestCertificate]) -> Self {
        let texts: Vec<String> = chain.iter().map(|c| c.base64_wrapped()).collect();
        self.first(|e| e.key_descriptor(KeyUse::Signing, &texts))
    }

    /// Adds an encryption-only `KeyDescriptor` with one certificate.
    pub fn encryption_certificate(self, certificate: &TestCertificate) -> Self {
        self.first(|e| e.key_descriptor(KeyUse::Encryption, &[certificate.base64_wrapped()]))
    }

    /// Adds a `KeyDescriptor` without `use` with one certificate.
    pub fn certificate_without_use(self, certificate: &TestCertificate) -> Self {
        self.first(|e| e.key_descriptor(KeyUse::Unspecified, &[certificate.base64_wrapped()]))
    }

    /// Adds a `KeyDescriptor` whose `X509Data` contains `texts` as written.
    pub fn key_descriptor(self, key_use: KeyUse, texts: &[String]) -> Self {
        self.first(|e| e.key_descriptor(key_use, texts))
    }

    /// Replaces the SSO services with `services` (binding, location).
    pub fn sso_services(self, services: &[(&str, &str)]) -> Self {
        self.first(|e| e.sso_services(services))
    }

    /// Replaces the single-logout services with `services` (binding, location).
    pub fn slo_services(self, services: &[(&str, &str)]) -> Self {
        self.first(|e| e.slo_services(services))
    }

    /// Sets `validUntil` on the first `EntityDescriptor`.
    pub fn valid_until(self, text: &str) -> Self {
        self.first(|e| e.valid_until(text))
    }

    /// Sets `validUntil` on the first `IDPSSODescriptor`.
    pub fn idp_valid_until(self, text: &str) -> Self {
        self.first(|e| e.idp_valid_until(text))
    }

    /// Sets `WantAuthnRequestsSigned` on the first `IDPSSODescriptor`.
    pub fn want_authn_requests_signed(self, value: bool) -> Self {
        self.first(|e| e.want_authn_requests_signed(value))
    }

    /// Adds another entity after the others.
    pub fn entity(mut self, entity: EntityBuilder) -> Self {
        self.entities.push(entity);
        self
    }

    /// Wraps the entities in an `EntitiesDescriptor` even when there is one.
    pub fn aggregate(mut self) -> Self {
        self.aggregate = true;
        self
    }

    /// Wraps the entities in an `EntitiesDescriptor` with this `validUntil`.
    pub fn entities_valid_until(mut self, text: &str) -> Self {
        self.entities_valid_until = Some(text.to_owned());
        self
    }

    /// Adds a `ds:Signature` to the root element. Its values are placeholders:
    /// signatures are reported, never verified.
    pub fn signed(mut self) -> Self {
        self.signed = true;
        self
    }

    /// Sets the namespace prefixes; an empty prefix declares the namespace as
    /// the default one.
    pub fn prefixes(mut self, md: &str, ds: &str) -> Self {
        md.clone_into(&mut self.md_prefix);
        ds.clone_into(&mut self.ds_prefix);
        self
    }

    /// Writes the document.
    pub fn build(&self) -> String {
        let (md, ds) = (self.md_prefix.as_str(), self.ds_prefix.as_str());
        assert_ne!(md, ds, "one prefix cannot name both namespaces");
        let namespaces =
            format!(" {} {}", declaration(md, NS_METADATA), declaration(ds, NS_XMLDSIG));
        let wrapped =
            self.aggregate || self.entities_valid_until.is_some() || self.entities.len() > 1;

        let mut body = String::new();
        for (index, entity) in self.entities.iter().enumerate() {
            entity.write(&mut body, md, ds, self.signed && !wrapped && index == 0);
        }

        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        if wrapped {
            let tag = qualified(md, "EntitiesDescriptor");
            let valid_until = self
                .entities_valid_until
                .as_ref()
                .map(|text| format!(" validUntil=\"{}\"", escape(text)))
                .unwrap_or_default();
            let _ = writeln!(out, "<{tag}{namespaces}{valid_until}>");
            if self.signed {
                write_signature(&mut out, ds);
            }
            out.push_str(&body);
            let _ = writeln!(out, "</{tag}>");
        } else {
            // Put the namespace declarations on the root EntityDescriptor.
            let open = format!("<{}", qualified(md, "EntityDescriptor"));
            out.push_str(&body.replacen(&open, &format!("{open}{namespaces}"), 1));
        }
        out
    }
}

fn owned_pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

fn qualified(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_owned() } else { format!("{prefix}:{name}") }
}

fn declaration(prefix: &str, namespace: &str) -> String {
    if prefix.is_empty() {
        format!("xmlns=\"{namespace}\"")
    } else {
        format!("xmlns:{prefix}=\"{namespace}\"")
    }
}

fn write_endpoint(out: &mut String, tag: &str, binding: &str, location: &str) {
    let _ = writeln!(
        out,
        "    <{tag} Binding=\"{}\" Location=\"{}\"/>",
        escape(binding),
        escape(location)
    );
}

fn write_signature(out: &mut String, ds: &str) {
    let tag = |name: &str| qualified(ds, name);
    let _ = writeln!(
        out,
        "  <{sig}><{info}><{method} Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
         </{info}><{value}>AAAA</{value}></{sig}>",
        sig = tag("Signature"),
        info = tag("SignedInfo"),
        method = tag("SignatureMethod"),
        value = tag("SignatureValue"),
    );
}

/// Escapes text for an attribute value or element content.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
