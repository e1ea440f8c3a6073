//! The body of `metadata check --output json`.

use cutover_saml::{Endpoint, IdpMetadata, KeyType, MetadataError};
use jiff::Timestamp;
use serde::Serialize;

use crate::certificates::days_left;
use crate::error::PolicyError;
use crate::evaluate::evaluate_metadata;
use crate::finding::Finding;

/// The report of `metadata check` on a metadata document.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetadataReport {
    /// The chosen IdP's entity ID; `null` when none was chosen.
    pub entity_id: Option<String>,
    /// Every IdP entity ID of the document, in document order.
    pub entity_ids: Vec<String>,
    /// `SingleSignOnService` endpoints of the chosen IdP, in document order.
    pub sso_services: Vec<Endpoint>,
    /// `SingleLogoutService` endpoints of the chosen IdP, in document order.
    pub slo_services: Vec<Endpoint>,
    /// Every signing certificate that parses, once each, in document order,
    /// expired and CA certificates included.
    pub certificates: Vec<CertificateSummary>,
    /// SHA-256 of each certificate the provider would get, in order.
    pub provider_certificates: Vec<String>,
    /// The metadata and certificate findings, sorted.
    pub findings: Vec<Finding>,
}

/// One certificate of [`MetadataReport::certificates`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CertificateSummary {
    /// Subject distinguished name.
    pub subject: String,
    /// Start of validity (RFC 3339, UTC).
    pub not_before: Timestamp,
    /// End of validity (RFC 3339, UTC).
    pub not_after: Timestamp,
    /// Whole days until `not_after`, rounded down; negative once expired.
    pub days_left: i64,
    /// Lowercase hex SHA-256 of the DER.
    pub sha256: String,
    /// `RSA`, `EC`, `DSA`, `Ed25519` or `other`.
    pub key_type: KeyType,
    /// Modulus size, or curve size for EC.
    pub key_bits: u32,
}

impl MetadataReport {
    /// Builds the report of `metadata` at `now`. Fails only for an
    /// `--entity-id` that names no IdP entity.
    pub fn new(
        metadata: &Result<IdpMetadata, MetadataError>,
        now: Timestamp,
        cert_warn_days: u32,
    ) -> Result<MetadataReport, PolicyError> {
        let findings = evaluate_metadata(metadata, now, cert_warn_days)?;
        let report = match metadata {
            Ok(metadata) => MetadataReport {
                entity_id: Some(metadata.entity_id.clone()),
                entity_ids: metadata.entity_ids.clone(),
                sso_services: metadata.sso_services.clone(),
                slo_services: metadata.slo_services.clone(),
                certificates: metadata
                    .parsed_certificates()
                    .into_iter()
                    .map(|info| CertificateSummary {
                        subject: info.subject.clone(),
                        not_before: info.not_before,
                        not_after: info.not_after,
                        days_left: days_left(info, now),
                        sha256: info.sha256.clone(),
                        key_type: info.key_type,
                        key_bits: info.key_bits,
                    })
                    .collect(),
                provider_certificates: metadata
                    .usable_certificates(now)
                    .into_iter()
                    .map(|info| info.sha256.clone())
                    .collect(),
                findings,
            },
            Err(error) => MetadataReport {
                entity_id: None,
                entity_ids: match error {
                    MetadataError::MultipleIdps { entity_ids } => entity_ids.clone(),
                    _ => Vec::new(),
                },
                sso_services: Vec::new(),
                slo_services: Vec::new(),
                certificates: Vec::new(),
                provider_certificates: Vec::new(),
                findings,
            },
        };
        Ok(report)
    }
}
