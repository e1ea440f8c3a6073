//! Integration tests of metadata reading, certificates and fetching.

mod certificates;
mod documents;
mod extraction;
mod fetch;
#[cfg(feature = "corpus-tests")]
mod mutations;
mod properties;

use cutover_saml::testing::{CertificateBuilder, TestCertificate};

/// Builds a valid RSA 2048 certificate for `common_name`.
fn certificate(common_name: &str) -> TestCertificate {
    CertificateBuilder::new(common_name).build()
}
