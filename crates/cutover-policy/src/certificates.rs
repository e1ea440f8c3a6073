//! Certificate facts the rules share: which signing certificates are usable,
//! which ones the provider gets, and how stored certificate text decodes.
//! The decoding and the day count are the SAML crate's, so that metadata and
//! stored providers read certificate text the same way.

use std::collections::BTreeSet;

use cutover_api::IdentityProvider;
use cutover_saml::{CertificateInfo, IdpMetadata};
use jiff::{SignedDuration, Timestamp};

/// Tells whether the certificate is usable at `now`: not a CA certificate,
/// and `notBefore` <= now <= `notAfter`. (A certificate that did not parse has
/// no [`CertificateInfo`] and is never usable.)
pub fn is_usable(certificate: &CertificateInfo, now: Timestamp) -> bool {
    certificate.is_usable_at(now)
}

/// Returns whole days from `now` to `notAfter`, rounded down, negative once
/// the certificate has expired.
pub fn days_left(certificate: &CertificateInfo, now: Timestamp) -> i64 {
    cutover_saml::days_left(certificate.not_after, now)
}

/// Tells whether `notAfter` - now is at most `warn_days` × 24 h. Always false
/// when `warn_days` is 0.
pub(crate) fn expires_within(
    certificate: &CertificateInfo,
    now: Timestamp,
    warn_days: u32,
) -> bool {
    if warn_days == 0 {
        return false;
    }
    let window = SignedDuration::from_hours(i64::from(warn_days) * 24);
    certificate.not_after.duration_since(now) <= window
}

/// Returns the certificates the provider gets: every usable signing
/// certificate once, in document order.
pub fn provider_certificates(metadata: &IdpMetadata, now: Timestamp) -> Vec<&CertificateInfo> {
    metadata.usable_certificates(now)
}

/// Encodes DER as the provider stores it: standard base64 with padding, no
/// PEM armour and no line breaks.
pub fn encode_der(der: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// Decodes certificate text as a provider may store it (base64 DER with or
/// without line breaks, PEM, or base64 of PEM) into DER. Returns `None` when
/// the text is not exactly one X.509 certificate.
pub fn decode_certificate_text(text: &str) -> Option<Vec<u8>> {
    cutover_saml::decode_certificate_text(text).ok()
}

/// Returns the DER of every certificate a provider stores (its
/// `certificates` list and its `certificate` field), or `None` when any of
/// them does not decode.
pub fn stored_certificate_set(provider: &IdentityProvider) -> Option<BTreeSet<Vec<u8>>> {
    let texts = provider.certificates.iter().flatten().chain(provider.certificate.as_ref());
    let mut set = BTreeSet::new();
    for text in texts {
        set.insert(decode_certificate_text(text)?);
    }
    Some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate_base64() -> String {
        let certified = rcgen::generate_simple_self_signed(vec!["idp.example.com".to_owned()])
            .expect("generate a certificate");
        encode_der(certified.cert.der())
    }

    #[test]
    fn stored_set_unions_fields() {
        let text = certificate_base64();
        let wrapped: String = text
            .as_bytes()
            .chunks(64)
            .map(|chunk| std::str::from_utf8(chunk).unwrap())
            .collect::<Vec<_>>()
            .join("\r\n");
        let provider = IdentityProvider {
            certificate: Some(text.clone()),
            certificates: Some(vec![wrapped]),
            ..IdentityProvider::default()
        };
        assert_eq!(stored_certificate_set(&provider).unwrap().len(), 1);
    }

    #[test]
    fn stored_set_fails_on_undecodable() {
        let broken = IdentityProvider {
            certificates: Some(vec![certificate_base64(), "aGVsbG8gd29ybGQ=".into()]),
            ..IdentityProvider::default()
        };
        assert_eq!(stored_certificate_set(&broken), None);
    }

    #[test]
    fn stored_set_empty_provider() {
        assert_eq!(stored_certificate_set(&IdentityProvider::default()), Some(BTreeSet::new()));
    }
}
