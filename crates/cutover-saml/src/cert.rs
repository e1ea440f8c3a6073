//! Certificate text decoding (base64, PEM inside base64) and the facts the
//! certificate rules need, read with x509-parser.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest as _, Sha256};
use x509_parser::der_parser::ber::BerObjectContent;
use x509_parser::der_parser::der::parse_der;
use x509_parser::der_parser::oid::Oid;
use x509_parser::error::X509Error;
use x509_parser::prelude::{FromDer as _, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::{CertificateError, CertificateInfo, KeyType, SigningCertificate};

/// Standard base64 that accepts text with or without `=` padding.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

const PEM_BEGIN: &str = "-----BEGIN ";
const PEM_END: &str = "-----END ";
const PEM_DASHES: &str = "-----";

/// Removes every ASCII whitespace character (space, tab, CR, LF, form feed).
pub(crate) fn strip_ascii_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

/// Lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Decodes certificate text to DER: standard base64 (padding optional, ASCII
/// whitespace anywhere ignored) whose bytes are either DER or PEM text, in
/// which case the PEM body is used. Text that is PEM itself (starting with
/// `-----BEGIN `) is accepted too, as identity providers often store it that
/// way. The DER must be one X.509 certificate with no trailing bytes.
pub fn decode_certificate_text(text: &str) -> Result<Vec<u8>, CertificateError> {
    let trimmed = text.trim_ascii();
    if trimmed.starts_with(PEM_BEGIN) {
        let der = decode_pem(trimmed)?;
        check_der(&der)?;
        return Ok(der);
    }
    decode_metadata_text(&strip_ascii_whitespace(text)).map(|(der, _)| der)
}

/// Applies the metadata rule to whitespace-free text: base64, then the PEM
/// body when the bytes are PEM text. Returns the DER and whether it came from
/// PEM.
fn decode_metadata_text(compact: &str) -> Result<(Vec<u8>, bool), CertificateError> {
    if compact.is_empty() {
        return Err(CertificateError::Empty);
    }
    let bytes =
        BASE64.decode(compact).map_err(|e| CertificateError::Base64(describe_base64_error(&e)))?;
    let (der, from_pem) = match pem_text(&bytes) {
        Some(pem) => (decode_pem(pem)?, true),
        None => (bytes, false),
    };
    check_der(&der)?;
    Ok((der, from_pem))
}

/// Returns the bytes as text when they look like PEM (optional leading
/// whitespace, then `-----BEGIN `).
fn pem_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?.trim_ascii();
    text.starts_with(PEM_BEGIN).then_some(text)
}

/// Decodes the first PEM block of `text`, which must be labelled as a
/// certificate (`CERTIFICATE`, `X509 CERTIFICATE` or `TRUSTED CERTIFICATE`).
fn decode_pem(text: &str) -> Result<Vec<u8>, CertificateError> {
    let invalid = |what: &str| CertificateError::Der(format!("the PEM text {what}"));
    let after_begin = text.strip_prefix(PEM_BEGIN).ok_or_else(|| invalid("has no BEGIN line"))?;
    let (label, rest) =
        after_begin.split_once(PEM_DASHES).ok_or_else(|| invalid("has a malformed BEGIN line"))?;
    if !label.ends_with("CERTIFICATE") {
        return Err(invalid(&format!("is a `{label}`, not a CERTIFICATE")));
    }
    let end_line = format!("{PEM_END}{label}{PEM_DASHES}");
    let (body, _) =
        rest.split_once(&end_line).ok_or_else(|| invalid("has no matching END line"))?;
    BASE64.decode(strip_ascii_whitespace(body)).map_err(|e| {
        CertificateError::Base64(format!("{} in the PEM body", describe_base64_error(&e)))
    })
}

/// Checks that `der` is exactly one X.509 certificate.
fn check_der(der: &[u8]) -> Result<(), CertificateError> {
    let (rest, _) = X509Certificate::from_der(der)
        .map_err(|e| CertificateError::Der(describe_der_error(&e)))?;
    if rest.is_empty() {
        Ok(())
    } else {
        Err(CertificateError::Der(format!("{} trailing bytes after the certificate", rest.len())))
    }
}

/// Describes a base64 decoding error in plain words. The library's own text
/// ("Invalid symbol 45, offset 7.") gives a byte value instead of a position
/// a person can find.
fn describe_base64_error(error: &base64::DecodeError) -> String {
    match error {
        base64::DecodeError::InvalidByte(offset, _) => {
            format!("invalid character at offset {offset}")
        }
        base64::DecodeError::InvalidLastSymbol(offset, _) => {
            format!("invalid last character at offset {offset}, so the text may be truncated")
        }
        base64::DecodeError::InvalidLength(_) => {
            "the number of characters is not that of base64 text, so it may be truncated".to_owned()
        }
        base64::DecodeError::InvalidPadding => "the `=` padding at the end is invalid".to_owned(),
    }
}

/// Describes an X.509 parsing error in plain words, instead of the parser's
/// debug text such as "Parsing Error: NomError(Eof)".
fn describe_der_error(error: &x509_parser::nom::Err<X509Error>) -> String {
    use x509_parser::der_parser::error::BerError;
    use x509_parser::nom::error::ErrorKind;

    let truncated = "truncated".to_owned();
    let malformed = "its DER encoding is malformed".to_owned();
    match error {
        x509_parser::nom::Err::Incomplete(_) => truncated,
        x509_parser::nom::Err::Error(inner) | x509_parser::nom::Err::Failure(inner) => {
            match inner {
                X509Error::NomError(ErrorKind::Eof) | X509Error::Der(BerError::Incomplete(_)) => {
                    truncated
                }
                X509Error::NomError(_) | X509Error::Der(_) => malformed,
                other => other.to_string(),
            }
        }
    }
}

/// Reads one `X509Certificate` element's text into a [`SigningCertificate`].
pub(crate) fn read_signing_certificate(element_text: &str) -> SigningCertificate {
    let text = strip_ascii_whitespace(element_text);
    let text_sha256 = sha256_hex(text.as_bytes());
    let decoded = decode_metadata_text(&text);
    let unwrapped_from_pem = matches!(decoded, Ok((_, true)));
    let parsed = decoded.and_then(|(der, _)| certificate_info(der));
    SigningCertificate { text, text_sha256, unwrapped_from_pem, parsed }
}

/// Reads the facts of a DER certificate.
pub fn certificate_info(der: Vec<u8>) -> Result<CertificateInfo, CertificateError> {
    let (rest, certificate) = X509Certificate::from_der(&der)
        .map_err(|e| CertificateError::Der(describe_der_error(&e)))?;
    if !rest.is_empty() {
        return Err(CertificateError::Der(format!(
            "{} trailing bytes after the certificate",
            rest.len()
        )));
    }
    let validity = certificate.validity();
    let not_before = timestamp(validity.not_before.timestamp())?;
    let not_after = timestamp(validity.not_after.timestamp())?;
    let (key_type, key_bits) = key_facts(&certificate);
    let (signature_algorithm, weak_signature_hash) =
        signature_facts(&certificate.signature_algorithm.algorithm);
    let info = CertificateInfo {
        sha256: sha256_hex(&der),
        subject: certificate.subject().to_string(),
        issuer: certificate.issuer().to_string(),
        not_before,
        not_after,
        key_type,
        key_bits,
        signature_algorithm,
        weak_signature_hash,
        is_ca: certificate.is_ca(),
        der: Vec::new(),
    };
    Ok(CertificateInfo { der, ..info })
}

fn timestamp(seconds: i64) -> Result<Timestamp, CertificateError> {
    Timestamp::from_second(seconds)
        .map_err(|e| CertificateError::Der(format!("validity time {seconds} is out of range: {e}")))
}

/// Whole days from `now` until `not_after`, rounded down (floor of the
/// difference divided by 24 hours): negative once expired.
pub fn days_left(not_after: Timestamp, now: Timestamp) -> i64 {
    const DAY_NANOS: i128 = 24 * 60 * 60 * 1_000_000_000;
    let difference: SignedDuration = not_after.duration_since(now);
    difference.as_nanos().div_euclid(DAY_NANOS) as i64
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_DSA: &str = "1.2.840.10040.4.1";
const OID_ED25519: &str = "1.3.101.112";

/// Key algorithm and size: RSA modulus bits, EC curve size, DSA `p` bits,
/// 256 for Ed25519.
fn key_facts(certificate: &X509Certificate<'_>) -> (KeyType, u32) {
    let spki = certificate.public_key();
    let algorithm = spki.algorithm.algorithm.to_id_string();
    match algorithm.as_str() {
        OID_RSA | OID_RSA_PSS => {
            let bits = match spki.parsed() {
                Ok(PublicKey::RSA(rsa)) => unsigned_integer_bits(rsa.modulus),
                _ => 0,
            };
            (KeyType::Rsa, bits)
        }
        OID_EC => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok());
            let bits = curve.map_or(0, |oid| curve_bits(&oid.to_id_string()));
            (KeyType::Ec, bits)
        }
        OID_DSA => {
            let bits = spki
                .algorithm
                .parameters
                .as_ref()
                .map_or(0, |parameters| dsa_p_bits(parameters.as_bytes()));
            (KeyType::Dsa, bits)
        }
        OID_ED25519 => (KeyType::Ed25519, 256),
        _ => (KeyType::Other, 0),
    }
}

/// Bits of a big-endian unsigned integer, ignoring leading zero bytes.
fn unsigned_integer_bits(bytes: &[u8]) -> u32 {
    let significant = bytes.iter().position(|&b| b != 0).map_or(&[][..], |i| &bytes[i..]);
    match significant.first() {
        Some(first) => (significant.len() as u32 - 1) * 8 + (8 - first.leading_zeros()),
        None => 0,
    }
}

/// Field size of a named curve, by OID.
fn curve_bits(oid: &str) -> u32 {
    match oid {
        // prime192v1 (P-192)
        "1.2.840.10045.3.1.1" => 192,
        // secp224r1 (P-224)
        "1.3.132.0.33" => 224,
        // prime256v1 (P-256), secp256k1, brainpoolP256r1
        "1.2.840.10045.3.1.7" | "1.3.132.0.10" | "1.3.36.3.3.2.8.1.1.7" => 256,
        // secp384r1 (P-384), brainpoolP384r1
        "1.3.132.0.34" | "1.3.36.3.3.2.8.1.1.11" => 384,
        // brainpoolP512r1
        "1.3.36.3.3.2.8.1.1.13" => 512,
        // secp521r1 (P-521)
        "1.3.132.0.35" => 521,
        _ => 0,
    }
}

/// Bits of `p` in DSA parameters, the content of `SEQUENCE { p, q, g }`.
fn dsa_p_bits(sequence_content: &[u8]) -> u32 {
    let Ok((_, p)) = parse_der(sequence_content) else {
        return 0;
    };
    match p.content {
        BerObjectContent::Integer(bytes) => unsigned_integer_bits(bytes),
        _ => 0,
    }
}

/// Signature algorithm name, and whether it hashes with SHA-1 or weaker.
fn signature_facts(oid: &Oid<'_>) -> (String, bool) {
    let id = oid.to_id_string();
    let (name, weak) = match id.as_str() {
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", true),
        "1.2.840.113549.1.1.3" => ("md4WithRSAEncryption", true),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", true),
        "1.2.840.113549.1.1.5" => ("sha1WithRSAEncryption", true),
        "1.3.14.3.2.29" => ("sha1WithRSASignature", true),
        "1.2.840.113549.1.1.10" => ("rsassaPss", false),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", false),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", false),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", false),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption", false),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", true),
        "1.2.840.10045.4.3.1" => ("ecdsa-with-SHA224", false),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", false),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", false),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", false),
        "1.2.840.10040.4.3" => ("dsa-with-SHA1", true),
        "2.16.840.1.101.3.4.3.1" => ("dsa-with-SHA224", false),
        "2.16.840.1.101.3.4.3.2" => ("dsa-with-SHA256", false),
        "1.3.101.112" => ("Ed25519", false),
        "1.3.101.113" => ("Ed448", false),
        _ => return (id, false),
    };
    // FIXME: RSASSA-PSS names its hash in the parameters, and absent
    // parameters mean SHA-1. Reading them would flag a PSS certificate hashed
    // with SHA-1 as weak.
    (name.to_owned(), weak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_rounds_down() {
        let now: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let cases = [
            ("2025-01-01T00:00:00Z", 0),
            ("2025-01-01T23:59:59Z", 0),
            ("2025-01-02T00:00:00Z", 1),
            ("2025-01-31T12:00:00Z", 30),
            ("2024-12-31T23:59:59Z", -1),
            ("2024-12-31T00:00:00Z", -1),
            ("2024-12-30T23:59:59Z", -2),
        ];
        for (not_after, expected) in cases {
            let not_after: Timestamp = not_after.parse().unwrap();
            assert_eq!(days_left(not_after, now), expected, "notAfter {not_after}");
        }
    }

    #[test]
    fn days_left_rounds_fractional_negative_down() {
        let now: Timestamp = "2025-01-02T00:00:00.5Z".parse().unwrap();
        let not_after: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(days_left(not_after, now), -2);
        let not_after: Timestamp = "2025-01-01T00:00:00.5Z".parse().unwrap();
        assert_eq!(days_left(not_after, now), -1);
    }

    #[test]
    fn integer_bits_ignore_leading_zeros() {
        assert_eq!(unsigned_integer_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(unsigned_integer_bits(&[0x00, 0x00, 0x01]), 1);
        assert_eq!(unsigned_integer_bits(&[0x7f, 0xff]), 15);
        assert_eq!(unsigned_integer_bits(&[]), 0);
        assert_eq!(unsigned_integer_bits(&[0, 0]), 0);
    }

    #[test]
    fn empty_text_is_empty_error() {
        assert_eq!(decode_certificate_text(" \n\t "), Err(CertificateError::Empty));
    }

    #[test]
    fn non_base64_text_is_base64_error() {
        assert!(matches!(
            decode_certificate_text("example-cert"),
            Err(CertificateError::Base64(_))
        ));
    }

    #[test]
    fn base64_error_in_plain_words() {
        let error = decode_certificate_text("example-cert").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the certificate text is not valid base64 (invalid character at offset 7)"
        );
    }

    #[test]
    fn truncated_der_in_plain_words() {
        // The first bytes of a certificate: a SEQUENCE that claims more
        // content than follows.
        let text = BASE64.encode([0x30, 0x82, 0x01, 0xb7, 0x30, 0x82]);
        let error = decode_certificate_text(&text).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the certificate is not a valid DER X.509 certificate (truncated)"
        );
    }

    #[test]
    fn der_errors_hide_parser_internals() {
        for bytes in [&b"not a certificate"[..], &[0x30, 0x03, 0x02, 0x01, 0x05], &[0x04]] {
            let error = decode_certificate_text(&BASE64.encode(bytes)).unwrap_err();
            let text = error.to_string();
            assert!(!text.contains("NomError"), "{text}");
            assert!(!text.contains("Parsing Error"), "{text}");
            assert!(!text.contains("BER error"), "{text}");
        }
    }

    #[test]
    fn base64_of_garbage_is_der_error() {
        let text = BASE64.encode(b"not a certificate");
        assert!(matches!(decode_certificate_text(&text), Err(CertificateError::Der(_))));
    }

    #[test]
    fn pem_of_other_label_is_rejected() {
        let pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let error = decode_certificate_text(pem).unwrap_err();
        assert!(error.to_string().contains("PRIVATE KEY"), "{error}");
    }
}
