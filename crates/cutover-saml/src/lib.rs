//! SAML 2.0 IdP metadata and X.509 certificate parsing that rejects hostile
//! input.
//!
//! [`parse_metadata`] reads a metadata document into [`IdpMetadata`] (the
//! chosen IdP entity, its services, `validUntil` values and signing
//! certificates) or a [`MetadataError`] that maps one to one onto the
//! metadata rules that end the reading. Each [`SigningCertificate`] carries
//! its parsed [`CertificateInfo`] or the reason it is unreadable.
//!
//! [`IdpMetadata::provider_certificates`] lists the certificates an identity
//! provider is configured with, [`decode_certificate_text`] turns stored
//! certificate text (base64, PEM, or PEM inside base64) into DER so that it
//! can be compared, and [`days_left`] counts whole days to a `notAfter`.
//!
//! [`fetch_metadata`] downloads metadata over https (plain http only on a
//! loopback address) with a size cap and a timeout.
//!
//! With the `testing` feature, the `testing` module builds certificates and metadata
//! documents for tests.

mod cert;
mod error;
mod fetch;
mod model;
mod namespaces;
mod parse;
#[cfg(feature = "testing")]
pub mod testing;

pub use cert::{certificate_info, days_left, decode_certificate_text};
pub use error::{CertificateError, FetchError, MetadataError};
pub use fetch::{FetchOptions, fetch_metadata};
pub use model::{
    BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, BINDING_SOAP, CertificateInfo, Endpoint, IdpMetadata,
    KeyType, SigningCertificate, ValidUntil,
};
pub use parse::{NS_METADATA, NS_XMLDSIG, parse_metadata};

/// Largest metadata document read, in bytes (10 MiB).
pub const MAX_METADATA_BYTES: usize = 10 * 1024 * 1024;
/// Deepest element nesting read.
pub const MAX_DEPTH: usize = 256;
/// Most XML nodes (elements, text, comments, processing instructions) read.
/// Large federation aggregates hold tens of thousands; this caps the memory a
/// 10 MiB document of tiny elements can take.
pub const MAX_NODES: u32 = 1_000_000;
/// Most namespace declarations in scope at one element, counting those of
/// its ancestors. Real metadata has a dozen or fewer.
pub const MAX_NAMESPACES_IN_SCOPE: usize = 64;
/// Most distinct namespace declarations (prefix and URI pairs) in one
/// document. Real metadata has a few dozen.
pub const MAX_NAMESPACE_DECLARATIONS: usize = 4096;
