//! Generated certificates and IdP metadata for tests (feature `testing`).
//!
//! Certificates are made at test time with rcgen, so nothing in the repository
//! expires. [`CertificateBuilder`] makes one certificate with a chosen key,
//! validity, CA flag and signature hash; [`MetadataBuilder`] writes a metadata
//! document around such certificates.
//!
//! ```
//! use cutover_saml::testing::{CertificateBuilder, MetadataBuilder, TestKey};
//!
//! let current = CertificateBuilder::new("idp.example.test").build();
//! let next = CertificateBuilder::new("idp-next.example.test").key(TestKey::EcP256).build();
//! let xml = MetadataBuilder::new("https://idp.example.test/entity")
//!     .signing_certificate(&current)
//!     .signing_certificate(&next)
//!     .build();
//! let metadata = cutover_saml::parse_metadata(xml.as_bytes(), None).unwrap();
//! assert_eq!(metadata.signing_certificates.len(), 2);
//! ```

mod certificate;
mod metadata;

pub use certificate::{CertificateBuilder, TestCertificate, TestKey};
pub use metadata::{EntityBuilder, KeyUse, MetadataBuilder};
