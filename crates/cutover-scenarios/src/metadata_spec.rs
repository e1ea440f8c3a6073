//! `metadata.toml`: the IdP metadata of a scenario, described instead of
//! stored, because its certificates are generated when the scenario runs
//! (with validity relative to now, so nothing in the repository expires).
//!
//! ```toml
//! [certificates.current]
//! key = "rsa2048"          # rsa2048, rsa1024, ec-p256, ec-p384, ed25519
//! not_before_days = -30    # relative to now
//! not_after_days = 365
//! ca = false               # basicConstraints CA:true
//! sha1 = false             # sha1WithRSAEncryption (RSA keys only)
//!
//! [certificates.broken]
//! text = "bm90IGEgY2VydA=="  # written as is instead of a certificate
//!
//! [[entities]]
//! entity_id = "https://idp.example.test/saml"
//! sso = [["redirect", "https://idp.example.test/sso"]]   # default: redirect + post
//! slo = [["post", "https://idp.example.test/slo"]]
//! valid_until_days = -2         # or valid_until = "any text"
//!
//! [[entities.keys]]
//! use = "signing"               # signing, encryption, unspecified
//! certificates = ["current"]    # several: one X509Data holding the chain
//! form = "wrapped"              # wrapped, one-line, pem-in-base64
//! ```
//!
//! Certificates are named so that `expected.json` and `org.json` can refer
//! to them: `{sha256:NAME}` is the lowercase hex SHA-256 of the DER (for a
//! `text` entry, of the text without ASCII whitespace, as in the subject of
//! `cert-unreadable`), `{der64:NAME}` the DER as one line of base64, and
//! `{pem:NAME}` the PEM text.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result, bail};
use cutover_saml::testing::{
    CertificateBuilder, EntityBuilder, KeyUse, MetadataBuilder, TestCertificate, TestKey,
};
use cutover_saml::{BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

/// The whole `metadata.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MetadataSpec {
    /// Named certificates.
    #[serde(default)]
    certificates: BTreeMap<String, CertificateSpec>,
    /// The entities, in document order.
    entities: Vec<EntitySpec>,
    /// Wraps the entities in an `EntitiesDescriptor` even when there is one.
    #[serde(default)]
    aggregate: bool,
    /// `validUntil` of the `EntitiesDescriptor`, in days from now.
    entities_valid_until_days: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CertificateSpec {
    #[serde(default = "default_key")]
    key: String,
    #[serde(default = "default_not_before")]
    not_before_days: i64,
    #[serde(default = "default_not_after")]
    not_after_days: i64,
    #[serde(default)]
    ca: bool,
    #[serde(default)]
    sha1: bool,
    /// Text written in place of a certificate.
    text: Option<String>,
}

fn default_key() -> String {
    "rsa2048".to_owned()
}

fn default_not_before() -> i64 {
    -1
}

fn default_not_after() -> i64 {
    365
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntitySpec {
    entity_id: String,
    sso: Option<Vec<(String, String)>>,
    #[serde(default)]
    slo: Vec<(String, String)>,
    valid_until_days: Option<i64>,
    valid_until: Option<String>,
    idp_valid_until_days: Option<i64>,
    #[serde(default)]
    keys: Vec<KeySpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeySpec {
    #[serde(rename = "use", default = "default_use")]
    key_use: String,
    certificates: Vec<String>,
    #[serde(default = "default_form")]
    form: String,
}

fn default_use() -> String {
    "signing".to_owned()
}

fn default_form() -> String {
    "wrapped".to_owned()
}

/// One generated certificate, or text written in place of one.
#[derive(Clone, Debug)]
pub(crate) enum MaterialCertificate {
    /// A real certificate.
    Built(TestCertificate),
    /// Text written as is.
    Text(String),
}

impl MaterialCertificate {
    /// Returns the SHA-256 that names it in findings.
    pub(crate) fn sha256(&self) -> String {
        match self {
            Self::Built(certificate) => certificate.sha256(),
            Self::Text(text) => {
                let compact: String = text.chars().filter(|ch| !ch.is_ascii_whitespace()).collect();
                hex::encode(Sha256::digest(compact.as_bytes()))
            }
        }
    }

    /// Returns the text written in the metadata for `form`.
    fn metadata_text(&self, form: &str) -> Result<String> {
        let certificate = match self {
            Self::Built(certificate) => certificate,
            Self::Text(text) => return Ok(text.clone()),
        };
        Ok(match form {
            "wrapped" => certificate.base64_wrapped(),
            "one-line" => certificate.base64(),
            "pem-in-base64" => certificate.pem_inside_base64(),
            other => {
                bail!("unknown certificate form `{other}`; use wrapped, one-line or pem-in-base64")
            }
        })
    }
}

/// Generated metadata with its certificates.
#[derive(Debug)]
pub(crate) struct Material {
    /// The metadata document.
    pub(crate) xml: String,
    /// The certificates by name.
    pub(crate) certificates: BTreeMap<String, MaterialCertificate>,
}

impl MetadataSpec {
    /// Parses the text of a `metadata.toml`.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let spec: Self = toml::from_str(text).context("invalid metadata.toml")?;
        if spec.entities.is_empty() {
            bail!("metadata.toml has no [[entities]]");
        }
        Ok(spec)
    }

    /// Generates the certificates and writes the document, with times
    /// relative to `now`.
    pub(crate) fn build(&self, now: Timestamp) -> Result<Material> {
        let mut certificates = BTreeMap::new();
        for (serial, (name, spec)) in self.certificates.iter().enumerate() {
            let certificate = spec
                .build(name, now, serial as u64 + 1)
                .with_context(|| format!("certificate `{name}`"))?;
            certificates.insert(name.clone(), certificate);
        }

        let (first, others) = self.entities.split_first().expect("parse checked the entities");
        let mut builder =
            first.configure(MetadataBuilder::new(&first.entity_id), &certificates, now)?;
        for spec in others {
            let entity = spec.configure(EntityBuilder::idp(&spec.entity_id), &certificates, now)?;
            builder = builder.entity(entity);
        }
        if self.aggregate {
            builder = builder.aggregate();
        }
        if let Some(days) = self.entities_valid_until_days {
            builder = builder.entities_valid_until(&days_from(now, days));
        }
        Ok(Material { xml: builder.build(), certificates })
    }
}

/// The settings of one entity, which `MetadataBuilder` offers for its first
/// entity and `EntityBuilder` for any other.
trait EntitySettings: Sized {
    fn key_descriptor(self, key_use: KeyUse, texts: &[String]) -> Self;
    fn sso_services(self, services: &[(&str, &str)]) -> Self;
    fn slo_services(self, services: &[(&str, &str)]) -> Self;
    fn valid_until(self, text: &str) -> Self;
    fn idp_valid_until(self, text: &str) -> Self;
}

macro_rules! entity_settings {
    ($type:ty) => {
        impl EntitySettings for $type {
            fn key_descriptor(self, key_use: KeyUse, texts: &[String]) -> Self {
                <$type>::key_descriptor(self, key_use, texts)
            }
            fn sso_services(self, services: &[(&str, &str)]) -> Self {
                <$type>::sso_services(self, services)
            }
            fn slo_services(self, services: &[(&str, &str)]) -> Self {
                <$type>::slo_services(self, services)
            }
            fn valid_until(self, text: &str) -> Self {
                <$type>::valid_until(self, text)
            }
            fn idp_valid_until(self, text: &str) -> Self {
                <$type>::idp_valid_until(self, text)
            }
        }
    };
}

entity_settings!(MetadataBuilder);
entity_settings!(EntityBuilder);

impl CertificateSpec {
    fn build(&self, name: &str, now: Timestamp, serial: u64) -> Result<MaterialCertificate> {
        if let Some(text) = &self.text {
            return Ok(MaterialCertificate::Text(text.clone()));
        }
        let key = match self.key.as_str() {
            "rsa2048" => TestKey::Rsa2048,
            "rsa1024" => TestKey::Rsa1024,
            "ec-p256" => TestKey::EcP256,
            "ec-p384" => TestKey::EcP384,
            "ed25519" => TestKey::Ed25519,
            other => {
                bail!("unknown key `{other}`; use rsa2048, rsa1024, ec-p256, ec-p384 or ed25519")
            }
        };
        if self.sha1 && !matches!(key, TestKey::Rsa2048 | TestKey::Rsa1024) {
            bail!("a SHA-1 signature needs an RSA key");
        }
        let mut builder = CertificateBuilder::new(&format!("{name}.idp.example.test"))
            .key(key)
            .valid_days_around(now, self.not_before_days, self.not_after_days)
            .serial(serial);
        if self.ca {
            builder = builder.ca();
        }
        if self.sha1 {
            builder = builder.sha1_signature();
        }
        Ok(MaterialCertificate::Built(builder.build()))
    }
}

impl EntitySpec {
    fn configure<B: EntitySettings>(
        &self,
        mut entity: B,
        certificates: &BTreeMap<String, MaterialCertificate>,
        now: Timestamp,
    ) -> Result<B> {
        if let Some(sso) = &self.sso {
            let services = bindings(sso)?;
            let pairs: Vec<(&str, &str)> =
                services.iter().map(|(b, l)| (b.as_str(), l.as_str())).collect();
            entity = entity.sso_services(&pairs);
        }
        if !self.slo.is_empty() {
            let services = bindings(&self.slo)?;
            let pairs: Vec<(&str, &str)> =
                services.iter().map(|(b, l)| (b.as_str(), l.as_str())).collect();
            entity = entity.slo_services(&pairs);
        }
        match (self.valid_until_days, &self.valid_until) {
            (Some(_), Some(_)) => bail!("give valid_until_days or valid_until, not both"),
            (Some(days), None) => entity = entity.valid_until(&days_from(now, days)),
            (None, Some(text)) => entity = entity.valid_until(text),
            (None, None) => {}
        }
        if let Some(days) = self.idp_valid_until_days {
            entity = entity.idp_valid_until(&days_from(now, days));
        }
        for key in &self.keys {
            let key_use = match key.key_use.as_str() {
                "signing" => KeyUse::Signing,
                "encryption" => KeyUse::Encryption,
                "unspecified" => KeyUse::Unspecified,
                other => bail!("unknown key use `{other}`; use signing, encryption or unspecified"),
            };
            let mut texts = Vec::new();
            for name in &key.certificates {
                let certificate = certificates.get(name).with_context(|| {
                    format!(
                        "entity `{}` names certificate `{name}`, which is not defined",
                        self.entity_id
                    )
                })?;
                texts.push(certificate.metadata_text(&key.form)?);
            }
            entity = entity.key_descriptor(key_use, &texts);
        }
        Ok(entity)
    }
}

fn bindings(services: &[(String, String)]) -> Result<Vec<(String, String)>> {
    services
        .iter()
        .map(|(binding, location)| {
            let urn = match binding.as_str() {
                "redirect" => BINDING_HTTP_REDIRECT,
                "post" => BINDING_HTTP_POST,
                "soap" => BINDING_SOAP,
                other if other.starts_with("urn:") => other,
                other => bail!("unknown binding `{other}`; use redirect, post, soap or a URN"),
            };
            Ok((urn.to_owned(), location.clone()))
        })
        .collect()
}

/// Returns `now` plus `days` as an `xs:dateTime` in UTC.
fn days_from(now: Timestamp, days: i64) -> String {
    let instant = now + SignedDuration::from_hours(days * 24);
    instant.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
[certificates.current]
not_after_days = 200

[certificates.next]
key = "ec-p256"
not_before_days = 5

[certificates.broken]
text = "not base64 at all"

[[entities]]
entity_id = "https://idp.example.test/saml"
slo = [["post", "https://idp.example.test/slo"]]

[[entities.keys]]
certificates = ["current"]

[[entities.keys]]
certificates = ["next", "broken"]
form = "one-line"
"#;

    #[test]
    fn spec_builds_parsable_metadata() {
        let spec = MetadataSpec::parse(SPEC).unwrap();
        let material = spec.build(Timestamp::now()).unwrap();
        let metadata = cutover_saml::parse_metadata(material.xml.as_bytes(), None).unwrap();
        assert_eq!(metadata.entity_id, "https://idp.example.test/saml");
        assert_eq!(metadata.signing_certificates.len(), 3);
        assert_eq!(metadata.slo_services.len(), 1);
        assert_eq!(material.certificates.len(), 3);
    }

    #[test]
    fn text_certificate_hash_ignores_whitespace() {
        let text = MaterialCertificate::Text("ab c\n d".into());
        assert_eq!(text.sha256(), hex::encode(Sha256::digest(b"abcd")));
    }

    #[test]
    fn unknown_field_is_rejected() {
        let error = MetadataSpec::parse("[[entities]]\nentity_id = \"x\"\ncolour = 1\n");
        assert!(error.is_err());
    }

    #[test]
    fn undefined_certificate_is_an_error() {
        let spec = MetadataSpec::parse(
            "[[entities]]\nentity_id = \"x\"\n[[entities.keys]]\ncertificates = [\"nope\"]\n",
        )
        .unwrap();
        let error = spec.build(Timestamp::now()).unwrap_err();
        assert!(format!("{error:#}").contains("nope"), "{error:#}");
    }
}
