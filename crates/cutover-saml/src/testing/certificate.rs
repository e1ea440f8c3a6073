//! Test certificates built with rcgen.
//!
//! RSA keys are fixed test keys kept beside this file (`rsa2048.pem`,
//! `rsa1024.pem`), because rcgen's ring backend cannot generate RSA keys and
//! a 1024-bit key cannot be used through ring at all. EC and Ed25519 keys are
//! generated for each certificate.

use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, PublicKeyData,
    SerialNumber, SignatureAlgorithm, SigningKey,
};
use rsa::pkcs1::EncodeRsaPublicKey as _;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest as _, Sha256};

/// A fixed 2048-bit RSA test key (PKCS#8 PEM), used for no real system.
const RSA_2048_PEM: &str = include_str!("rsa2048.pem");
/// A fixed 1024-bit RSA test key (PKCS#8 PEM), used for no real system.
const RSA_1024_PEM: &str = include_str!("rsa1024.pem");

/// DER of the `sha256WithRSAEncryption` OID, tag and length included.
const OID_SHA256_WITH_RSA: &[u8] =
    &[0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
/// DER of the `sha1WithRSAEncryption` OID: same length, last byte differs.
const OID_SHA1_WITH_RSA: &[u8] =
    &[0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05];

/// The key of a test certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestKey {
    /// The fixed 2048-bit RSA test key.
    Rsa2048,
    /// The fixed 1024-bit RSA test key (too weak for the provider).
    Rsa1024,
    /// A new EC P-256 key.
    EcP256,
    /// A new EC P-384 key.
    EcP384,
    /// A new Ed25519 key.
    Ed25519,
}

/// A generated certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCertificate {
    der: Vec<u8>,
}

impl TestCertificate {
    /// Wraps DER bytes.
    pub fn from_der(der: Vec<u8>) -> Self {
        Self { der }
    }

    /// Returns the DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Returns base64 of the DER on one line, as the provider stores it.
    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.der)
    }

    /// Returns base64 of the DER in lines of 64 characters, as metadata often contains it.
    pub fn base64_wrapped(&self) -> String {
        wrap_lines(&self.base64())
    }

    /// Returns the certificate as PEM text.
    pub fn pem(&self) -> String {
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            self.base64_wrapped()
        )
    }

    /// Returns base64 of the PEM text, a form some metadata wrongly contains.
    pub fn pem_inside_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.pem())
    }

    /// Returns the lowercase hex SHA-256 of the DER.
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.der))
    }
}

fn wrap_lines(text: &str) -> String {
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).expect("base64 is ASCII"))
        .collect();
    lines.join("\n")
}

/// Builds a [`TestCertificate`]: self-signed, RSA 2048 with SHA-256, valid
/// from one day before now to 365 days after, not a CA, unless changed.
#[derive(Clone, Debug)]
pub struct CertificateBuilder {
    common_name: String,
    key: TestKey,
    not_before: Timestamp,
    not_after: Timestamp,
    is_ca: bool,
    sha1_signature: bool,
    serial: u64,
}

impl CertificateBuilder {
    /// Starts a certificate for `common_name`.
    pub fn new(common_name: &str) -> Self {
        let now = Timestamp::now();
        Self {
            common_name: common_name.to_owned(),
            key: TestKey::Rsa2048,
            not_before: now - SignedDuration::from_hours(24),
            not_after: now + SignedDuration::from_hours(365 * 24),
            is_ca: false,
            sha1_signature: false,
            serial: 1,
        }
    }

    /// Sets the key.
    pub fn key(mut self, key: TestKey) -> Self {
        self.key = key;
        self
    }

    /// Sets the validity period (whole seconds are kept).
    pub fn validity(mut self, not_before: Timestamp, not_after: Timestamp) -> Self {
        self.not_before = not_before;
        self.not_after = not_after;
        self
    }

    /// Sets the validity relative to `now`, in days (negative is in the past).
    pub fn valid_days_around(self, now: Timestamp, from_days: i64, to_days: i64) -> Self {
        let day = |days: i64| SignedDuration::from_hours(days * 24);
        self.validity(now + day(from_days), now + day(to_days))
    }

    /// Marks the certificate as a CA (basicConstraints CA:true).
    pub fn ca(mut self) -> Self {
        self.is_ca = true;
        self
    }

    /// Signs with `sha1WithRSAEncryption` (RSA keys only).
    pub fn sha1_signature(mut self) -> Self {
        self.sha1_signature = true;
        self
    }

    /// Sets the serial number, to tell apart otherwise equal certificates.
    pub fn serial(mut self, serial: u64) -> Self {
        self.serial = serial;
        self
    }

    /// Builds the certificate.
    ///
    /// Panics when rcgen fails or when a SHA-1 signature is requested for a key
    /// that is not RSA: both are mistakes in the test.
    pub fn build(self) -> TestCertificate {
        let params = self.params();
        let der = match (self.key, self.sha1_signature) {
            (TestKey::Rsa2048, false) => {
                let key = KeyPair::from_pem(RSA_2048_PEM).expect("the 2048-bit test key loads");
                sign(&params, &key)
            }
            (TestKey::Rsa2048, true) => sha1_signed(&params, &RsaSigner::new(RSA_2048_PEM)),
            (TestKey::Rsa1024, false) => sign(&params, &RsaSigner::new(RSA_1024_PEM)),
            (TestKey::Rsa1024, true) => sha1_signed(&params, &RsaSigner::new(RSA_1024_PEM)),
            (key, false) => {
                let algorithm: &SignatureAlgorithm = match key {
                    TestKey::EcP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
                    TestKey::EcP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
                    _ => &rcgen::PKCS_ED25519,
                };
                let key = KeyPair::generate_for(algorithm).expect("rcgen generates the key");
                sign(&params, &key)
            }
            (key, true) => panic!("a SHA-1 signature needs an RSA key, not {key:?}"),
        };
        TestCertificate { der }
    }

    fn params(&self) -> CertificateParams {
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::OrganizationName, "sso-cutover tests");
        name.push(DnType::CommonName, self.common_name.as_str());
        params.distinguished_name = name;
        params.not_before = offset_date_time(self.not_before);
        params.not_after = offset_date_time(self.not_after);
        params.serial_number = Some(SerialNumber::from_slice(&self.serial.to_be_bytes()));
        params.is_ca =
            if self.is_ca { IsCa::Ca(BasicConstraints::Unconstrained) } else { IsCa::NoCa };
        params
    }
}

fn offset_date_time(instant: Timestamp) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(instant.as_second())
        .expect("test certificate times are within the time crate's range")
}

fn sign(params: &CertificateParams, key: &impl SigningKey) -> Vec<u8> {
    params.self_signed(key).expect("rcgen signs the test certificate").der().to_vec()
}

/// Builds a certificate signed with SHA-256, then rewrites both signature
/// algorithm OIDs to `sha1WithRSAEncryption` (same DER length) and signs the
/// rewritten to-be-signed part again with SHA-1, because rcgen has no SHA-1
/// algorithms.
fn sha1_signed(params: &CertificateParams, signer: &RsaSigner) -> Vec<u8> {
    let mut der = sign(params, signer);
    let mut replaced = 0;
    let mut index = 0;
    while let Some(offset) =
        der[index..].windows(OID_SHA256_WITH_RSA.len()).position(|w| w == OID_SHA256_WITH_RSA)
    {
        let start = index + offset;
        der[start..start + OID_SHA1_WITH_RSA.len()].copy_from_slice(OID_SHA1_WITH_RSA);
        index = start + OID_SHA1_WITH_RSA.len();
        replaced += 1;
    }
    assert_eq!(replaced, 2, "the certificate names its signature algorithm twice");

    let tbs = {
        use x509_parser::prelude::{FromDer as _, X509Certificate};
        let (_, certificate) = X509Certificate::from_der(&der).expect("the rewritten DER parses");
        certificate.tbs_certificate.as_ref().to_vec()
    };
    let signature = signer.sign_sha1(&tbs);
    // The signature BIT STRING is the last element and, for PKCS#1 v1.5, its
    // value is exactly as long as the modulus.
    let start = der.len() - signature.len();
    der[start..].copy_from_slice(&signature);
    der
}

/// An RSA key used through the `rsa` crate, for keys and hashes that ring
/// does not sign with.
struct RsaSigner {
    key: RsaPrivateKey,
    public_key_der: Vec<u8>,
}

impl RsaSigner {
    fn new(pem: &str) -> Self {
        let key = RsaPrivateKey::from_pkcs8_pem(pem).expect("the RSA test key loads");
        let public_key_der = key
            .to_public_key()
            .to_pkcs1_der()
            .expect("the RSA public key encodes")
            .as_bytes()
            .to_vec();
        Self { key, public_key_der }
    }

    fn sign_sha1(&self, message: &[u8]) -> Vec<u8> {
        let digest = <sha1::Sha1 as sha1::Digest>::digest(message);
        self.key.sign(Pkcs1v15Sign::new::<sha1::Sha1>(), &digest).expect("RSA SHA-1 signing works")
    }
}

impl PublicKeyData for RsaSigner {
    fn der_bytes(&self) -> &[u8] {
        &self.public_key_der
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

impl SigningKey for RsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let digest = Sha256::digest(message);
        self.key
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .map_err(|_| rcgen::Error::RingUnspecified)
    }
}
