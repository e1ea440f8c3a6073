//! The parsed form of IdP metadata and its certificates.

use jiff::Timestamp;
use serde::Serialize;

use crate::CertificateError;

/// `urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect`.
pub const BINDING_HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/// `urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST`.
pub const BINDING_HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// `urn:oasis:names:tc:SAML:2.0:bindings:SOAP`.
pub const BINDING_SOAP: &str = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";

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
    /// Subject distinguished name, attributes in certificate order joined by
    /// `, ` (such as `C=US, O=Example, CN=idp.example.com`).
    pub subject: String,
    /// Issuer distinguished name, in the same form.
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

impl CertificateInfo {
    /// Whether the certificate is valid at `now` (`notBefore` <= now <= `notAfter`).
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    /// Whether the certificate is usable for the provider at `now`: not a CA
    /// certificate and valid then.
    pub fn is_usable_at(&self, now: Timestamp) -> bool {
        !self.is_ca && self.is_valid_at(now)
    }

    /// Whole days until `notAfter`, rounded down; negative once expired.
    pub fn days_left(&self, now: Timestamp) -> i64 {
        crate::days_left(self.not_after, now)
    }

    /// The DER as standard base64, without PEM armour or line breaks.
    pub fn to_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }
}

impl IdpMetadata {
    /// Returns each signing certificate that parses, once per SHA-256, in
    /// document order (expired and CA certificates included).
    pub fn parsed_certificates(&self) -> Vec<&CertificateInfo> {
        let mut seen = std::collections::HashSet::new();
        self.signing_certificates
            .iter()
            .filter_map(|certificate| certificate.parsed.as_ref().ok())
            .filter(|info| seen.insert(info.sha256.as_str()))
            .collect()
    }

    /// Returns the usable certificates at `now` (parsed, not CA, valid now),
    /// once per SHA-256, in document order.
    pub fn usable_certificates(&self, now: Timestamp) -> Vec<&CertificateInfo> {
        self.parsed_certificates().into_iter().filter(|info| info.is_usable_at(now)).collect()
    }

    /// Returns the certificates the identity provider is configured with: every
    /// usable certificate at `now`, without duplicates, in document order, each
    /// as the base64 of its DER with no PEM armour and no line breaks.
    pub fn provider_certificates(&self, now: Timestamp) -> Vec<String> {
        self.usable_certificates(now).into_iter().map(CertificateInfo::to_base64).collect()
    }

    /// Returns the chosen single-logout service: the first HTTP-Redirect
    /// endpoint with a non-empty location, else the first HTTP-POST one.
    pub fn chosen_slo_service(&self) -> Option<&Endpoint> {
        let usable = |binding: &str| {
            self.slo_services.iter().find(|e| e.binding == binding && !e.location.is_empty())
        };
        usable(BINDING_HTTP_REDIRECT).or_else(|| usable(BINDING_HTTP_POST))
    }
}
