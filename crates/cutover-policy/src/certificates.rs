//! Certificate facts the rules share: which signing certificates are usable,
//! which ones the provider gets, and how stored certificate text decodes.
//!
//! FIXME: `decode_certificate_text` and `days_left` duplicate what the SAML
//! crate decodes for metadata; switch to its helpers once it exports them so
//! that both read certificate text the same way.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose::STANDARD};
use cutover_api::IdentityProvider;
use cutover_saml::{CertificateInfo, IdpMetadata};
use jiff::{SignedDuration, Timestamp};

/// Standard base64 that accepts text with or without padding.
const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Tells whether the certificate is valid at `now`
/// (`notBefore` <= now <= `notAfter`).
pub(crate) fn is_valid_at(certificate: &CertificateInfo, now: Timestamp) -> bool {
    certificate.not_before <= now && now <= certificate.not_after
}

/// Tells whether the certificate is usable: it is not a CA certificate and it
/// is valid at `now`. (A certificate that did not parse has no
/// [`CertificateInfo`] and is never usable.)
pub fn is_usable(certificate: &CertificateInfo, now: Timestamp) -> bool {
    !certificate.is_ca && is_valid_at(certificate, now)
}

/// Returns whole days from `now` to `notAfter`, rounded down, negative once
/// the certificate has expired.
pub fn days_left(certificate: &CertificateInfo, now: Timestamp) -> i64 {
    const NANOS_PER_DAY: i128 = 86_400 * 1_000_000_000;
    let left = certificate.not_after.duration_since(now).as_nanos();
    left.div_euclid(NANOS_PER_DAY) as i64
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

/// Returns the parsed signing certificates of the metadata once each (first
/// occurrence of each SHA-256), in document order.
pub(crate) fn distinct_parsed(metadata: &IdpMetadata) -> Vec<&CertificateInfo> {
    let mut seen = BTreeSet::new();
    metadata
        .signing_certificates
        .iter()
        .filter_map(|entry| entry.parsed.as_ref().ok())
        .filter(|info| seen.insert(info.sha256.as_str()))
        .collect()
}

/// Returns the certificates the provider gets: every usable signing
/// certificate once, in document order.
pub fn provider_certificates(metadata: &IdpMetadata, now: Timestamp) -> Vec<&CertificateInfo> {
    distinct_parsed(metadata).into_iter().filter(|info| is_usable(info, now)).collect()
}

/// Encodes DER as the provider stores it: standard base64 with padding, no
/// PEM armour and no line breaks.
pub fn encode_der(der: &[u8]) -> String {
    STANDARD.encode(der)
}

/// Decodes certificate text as a provider may store it (base64 DER with or
/// without line breaks, PEM, or base64 of PEM) into DER. Returns `None` when
/// the text does not decode to one complete DER element.
pub fn decode_certificate_text(text: &str) -> Option<Vec<u8>> {
    let der = decode_base64_or_pem(text)?;
    let der = if der.starts_with(b"-----BEGIN") {
        // Base64 of PEM text: the PEM body holds the certificate.
        decode_base64_or_pem(std::str::from_utf8(&der).ok()?)?
    } else {
        der
    };
    is_single_der_sequence(&der).then_some(der)
}

fn decode_base64_or_pem(text: &str) -> Option<Vec<u8>> {
    let body = match text.find("-----BEGIN") {
        Some(start) => pem_body(&text[start..])?,
        None => text,
    };
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return None;
    }
    BASE64_LENIENT.decode(compact.as_bytes()).ok()
}

/// Returns the text between the BEGIN line and the END line of a PEM block.
fn pem_body(pem: &str) -> Option<&str> {
    let after_begin = pem.find('\n').map(|newline| &pem[newline + 1..])?;
    let end = after_begin.find("-----END")?;
    Some(&after_begin[..end])
}

/// Tells whether `der` is exactly one DER SEQUENCE (tag 0x30) whose length
/// covers the remaining bytes, as an X.509 certificate is.
fn is_single_der_sequence(der: &[u8]) -> bool {
    let [0x30, first_length, rest @ ..] = der else {
        return false;
    };
    let (length, content) = if first_length & 0x80 == 0 {
        (usize::from(*first_length), rest)
    } else {
        let count = usize::from(first_length & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return false;
        }
        let length = rest[..count].iter().fold(0usize, |acc, byte| (acc << 8) | usize::from(*byte));
        (length, &rest[count..])
    };
    content.len() == length
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

    fn der() -> Vec<u8> {
        let mut der = vec![0x30, 0x81, 0x90];
        der.extend((0..0x90).map(|i| i as u8));
        der
    }

    fn wrap(text: &str, width: usize) -> String {
        text.as_bytes()
            .chunks(width)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join("\r\n")
    }

    #[test]
    fn decodes_every_stored_form() {
        let der = der();
        let base64 = STANDARD.encode(&der);
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            wrap(&base64, 64)
        );
        let forms = [
            base64.clone(),
            base64.trim_end_matches('=').to_owned(),
            wrap(&base64, 76),
            pem.clone(),
            STANDARD.encode(pem.as_bytes()),
        ];
        for form in forms {
            assert_eq!(decode_certificate_text(&form), Some(der.clone()), "form {form:?}");
        }
    }

    #[test]
    fn rejects_what_is_not_one_der_element() {
        let mut trailing = der();
        trailing.push(0);
        let cases = [
            String::new(),
            "   ".to_owned(),
            "not base64!".to_owned(),
            STANDARD.encode(&trailing),
            STANDARD.encode(&der()[..50]),
            STANDARD.encode(b"hello world"),
        ];
        for text in cases {
            assert_eq!(decode_certificate_text(&text), None, "text {text:?}");
        }
    }

    #[test]
    fn stored_set_unions_fields() {
        let der = der();
        let text = STANDARD.encode(&der);
        let provider = IdentityProvider {
            certificate: Some(text.clone()),
            certificates: Some(vec![wrap(&text, 64)]),
            ..IdentityProvider::default()
        };
        assert_eq!(stored_certificate_set(&provider).unwrap().len(), 1);
        let broken = IdentityProvider {
            certificates: Some(vec![text, "%%%".into()]),
            ..IdentityProvider::default()
        };
        assert_eq!(stored_certificate_set(&broken), None);
    }
}
