use jiff::Timestamp;
use serde::Serialize;

/// `urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect`.
pub const BINDING_HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/// `urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST`.
pub const BINDING_HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// `urn:oasis:names:tc:SAML:2.0:bindings:SOAP`.
pub const BINDING_SOAP: &str = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";

/// Why metadata could not be read far enough to evaluate the other rules.
/// Each variant but [`MetadataError::UnknownEntityId`] is a blocking finding;
/// that one is an input error.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MetadataError {
    /// Empty, not UTF-8, not well-formed, over 10 MiB or nested over 256 deep.
    #[error("the metadata is unreadable: {reason}")]
    Unreadable {
        /// What is wrong, naming the line and column where known.
        reason: String,
    },
    /// The document contains a DOCTYPE; entities are never expanded.
    #[error("the metadata contains a DOCTYPE, which is refused so that no entity is expanded")]
    Dtd,
    /// No entity has an `IDPSSODescriptor`, or the root is not an
    /// `EntityDescriptor` or `EntitiesDescriptor`.
    #[error("the metadata describes no identity provider ({reason})")]
    NotIdp {
        /// What was found instead, such as "root element is `foo`".
        reason: String,
    },
    /// Several entities are IdPs and no entity ID picked one.
    #[error("the metadata describes {} identity providers; pick one with --entity-id: {}",
        .entity_ids.len(), .entity_ids.join(", "))]
    MultipleIdps {
        /// Every IdP entity ID, in document order.
        entity_ids: Vec<String>,
    },
    /// The requested entity ID is not one of the IdP entities.
    #[error("no identity provider with entity ID `{requested}` in the metadata; it describes: {}",
        .available.join(", "))]
    UnknownEntityId {
        /// The requested entity ID.
        requested: String,
        /// Every IdP entity ID, in document order.
        available: Vec<String>,
    },
}

/// A service endpoint (`SingleSignOnService`, `SingleLogoutService`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// The `Binding` URI.
    pub binding: String,
    /// The `Location`, trimmed of surrounding whitespace.
    pub location: String,
}

/// A `validUntil` attribute on the chosen entity or around it.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidUntil {
    /// The element it sits on: `EntitiesDescriptor`, `EntityDescriptor` or
    /// `IDPSSODescriptor`.
    pub element: String,
    /// The attribute's text.
    pub text: String,
    /// The parsed instant (no time zone means UTC), or `None` when unreadable.
    pub instant: Option<Timestamp>,
}

/// Public key algorithm of a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum KeyType {
    /// RSA.
    #[serde(rename = "RSA")]
    Rsa,
    /// Elliptic curve (ECDSA).
    #[serde(rename = "EC")]
    Ec,
    /// DSA.
    #[serde(rename = "DSA")]
    Dsa,
    /// Ed25519.
    Ed25519,
    /// Any other algorithm, by OID.
    #[serde(rename = "other")]
    Other,
}

/// Facts about one parsed X.509 certificate.
#[derive(Clone, Debug, PartialEq)]
pub struct CertificateInfo {
    /// The DER bytes.
    pub der: Vec<u8>,
    /// Lowercase hex SHA-256 of the DER.
    pub sha256: String,
    /// Subject distinguished name, RFC 4514 style.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// Key algorithm.
    pub key_type: KeyType,
    /// RSA or DSA modulus size, or the EC curve size (256 for P-256).
    pub key_bits: u32,
    /// Signature algorithm name, such as `sha256WithRSAEncryption`.
    pub signature_algorithm: String,
    /// Whether the signature uses SHA-1 or weaker (SHA-1, MD5, MD2).
    pub weak_signature_hash: bool,
    /// Whether basicConstraints says CA:true.
    pub is_ca: bool,
}

/// Why a certificate entry is unreadable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The text is empty.
    #[error("the certificate element is empty")]
    Empty,
    /// The text is not base64.
    #[error("the certificate is not valid base64: {0}")]
    Base64(String),
    /// The bytes are not a DER X.509 certificate, or have trailing bytes.
    #[error("the certificate is not a valid DER X.509 certificate: {0}")]
    Der(String),
}

/// One `X509Certificate` of a signing `KeyDescriptor` of the chosen IdP.
#[derive(Clone, Debug, PartialEq)]
pub struct SigningCertificate {
    /// The element's text with all ASCII whitespace removed.
    pub text: String,
    /// Lowercase hex SHA-256 of `text`: the subject of `cert-unreadable`.
    pub text_sha256: String,
    /// Whether the base64 decoded to PEM text whose body was used.
    pub unwrapped_from_pem: bool,
    /// The parsed certificate, or why it is unreadable.
    pub parsed: Result<CertificateInfo, CertificateError>,
}

/// The chosen IdP entity of a metadata document.
#[derive(Clone, Debug, PartialEq)]
pub struct IdpMetadata {
    /// The chosen entity's `entityID`.
    pub entity_id: String,
    /// Every IdP entity ID in the document, in document order.
    pub entity_ids: Vec<String>,
    /// `SingleSignOnService` endpoints in document order (empty locations
    /// included, trimmed).
    pub sso_services: Vec<Endpoint>,
    /// `SingleLogoutService` endpoints in document order.
    pub slo_services: Vec<Endpoint>,
    /// `NameIDFormat` values.
    pub name_id_formats: Vec<String>,
    /// `WantAuthnRequestsSigned` of the `IDPSSODescriptor`, when present.
    pub want_authn_requests_signed: Option<bool>,
    /// `validUntil` values from enclosing `EntitiesDescriptor`s outward-in,
    /// the `EntityDescriptor` and the `IDPSSODescriptor`.
    pub valid_until: Vec<ValidUntil>,
    /// Signing certificates (`use="signing"` or no `use`), every
    /// `X509Certificate` of every `X509Data`, in document order, duplicates
    /// included.
    pub signing_certificates: Vec<SigningCertificate>,
    /// Whether the document carries an XML signature on the chosen entity or
    /// its root (reported, not verified).
    pub signed: bool,
}

impl IdpMetadata {
    /// Returns the chosen SSO service: the first HTTP-Redirect endpoint with a
    /// non-empty location, else the first HTTP-POST one.
    pub fn chosen_sso_service(&self) -> Option<&Endpoint> {
        let usable = |binding: &str| {
            self.sso_services.iter().find(|e| e.binding == binding && !e.location.is_empty())
        };
        usable(BINDING_HTTP_REDIRECT).or_else(|| usable(BINDING_HTTP_POST))
    }
}
