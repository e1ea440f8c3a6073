//! Metadata and certificate rules.

use std::collections::BTreeSet;

use cutover_saml::{CertificateInfo, IdpMetadata, KeyType, MetadataError};
use jiff::Timestamp;

use crate::certificates::{days_left, expires_within};
use crate::error::PolicyError;
use crate::finding::{Finding, RuleId, Severity};

const METADATA: &str = "metadata";
const EXPORT_AGAIN: &str = "export the metadata from the IdP again";

/// Smallest RSA or DSA modulus that is not weak, in bits.
const MIN_RSA_DSA_BITS: u32 = 2048;
/// Smallest EC curve size that is not weak, in bits.
const MIN_EC_BITS: u32 = 256;

/// Evaluates the metadata and certificate rules. Returns the metadata when
/// reading went on past the rules that end it, `None` when one of them fired,
/// and an error for an `--entity-id` that names no IdP entity.
pub(crate) fn check<'m>(
    metadata: &'m Result<IdpMetadata, MetadataError>,
    now: Timestamp,
    warn_days: u32,
    findings: &mut Vec<Finding>,
) -> Result<Option<&'m IdpMetadata>, PolicyError> {
    let metadata = match metadata {
        Ok(metadata) => metadata,
        Err(error) => {
            findings.push(ending_finding(error)?);
            return Ok(None);
        }
    };
    check_services(metadata, findings);
    check_valid_until(metadata, now, findings);
    check_certificates(metadata, now, warn_days, findings);
    Ok(Some(metadata))
}

fn ending_finding(error: &MetadataError) -> Result<Finding, PolicyError> {
    let (rule, message, fix) = match error {
        MetadataError::Unreadable { reason } => (
            RuleId::MetadataUnreadable,
            format!("the metadata is unreadable: {reason}"),
            "check that the file or URL contains the IdP's SAML 2.0 metadata as UTF-8 XML"
                .to_owned(),
        ),
        MetadataError::Dtd => (
            RuleId::MetadataDtd,
            "the metadata contains a DOCTYPE, which is rejected so that no XML entity is expanded"
                .to_owned(),
            format!("{EXPORT_AGAIN}, or remove the DOCTYPE declaration"),
        ),
        MetadataError::NotIdp { reason } => (
            RuleId::MetadataNotIdp,
            format!("the metadata describes no identity provider ({reason})"),
            "use the IdP's metadata, whose entity has an IDPSSODescriptor, not a service \
             provider's"
                .to_owned(),
        ),
        MetadataError::MultipleIdps { entity_ids } => (
            RuleId::MetadataMultipleIdps,
            format!(
                "the metadata describes {} identity providers: {}",
                entity_ids.len(),
                quote_list(entity_ids)
            ),
            "pick one with `--entity-id ID`".to_owned(),
        ),
        MetadataError::UnknownEntityId { requested, available } => {
            return Err(PolicyError::UnknownEntityId {
                requested: requested.clone(),
                available: available.clone(),
            });
        }
    };
    Ok(Finding::new(rule, Severity::Block, METADATA, message, fix))
}

fn check_services(metadata: &IdpMetadata, findings: &mut Vec<Finding>) {
    let entity = &metadata.entity_id;
    match metadata.chosen_sso_service() {
        None => findings.push(Finding::new(
            RuleId::MetadataNoSsoService,
            Severity::Block,
            METADATA,
            format!(
                "identity provider `{entity}` has no SingleSignOnService with the HTTP-Redirect \
                 or HTTP-POST binding and a location"
            ),
            format!("enable SAML 2.0 sign-on over HTTP-Redirect or HTTP-POST in the IdP, then {EXPORT_AGAIN}"),
        )),
        Some(service) if !is_https(&service.location) => findings.push(Finding::new(
            RuleId::MetadataSsoNotHttps,
            Severity::Block,
            METADATA,
            format!(
                "the SSO location `{}` of identity provider `{entity}` does not use https",
                service.location
            ),
            format!("configure an https:// sign-on endpoint in the IdP, then {EXPORT_AGAIN}"),
        )),
        Some(_) => {}
    }
    if metadata.signing_certificates.is_empty() {
        findings.push(Finding::new(
            RuleId::MetadataNoSigningCert,
            Severity::Block,
            METADATA,
            format!(
                "identity provider `{entity}` lists no signing certificate (a KeyDescriptor \
                 with use=\"signing\" or without use, holding an X509Certificate)"
            ),
            format!("{EXPORT_AGAIN} with its signing certificate included"),
        ));
    }
}

/// Tells whether a location starts with `https://`, ignoring case.
fn is_https(location: &str) -> bool {
    location.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

fn check_valid_until(metadata: &IdpMetadata, now: Timestamp, findings: &mut Vec<Finding>) {
    let problems: Vec<String> = metadata
        .valid_until
        .iter()
        .filter_map(|valid_until| match valid_until.instant {
            Some(instant) if instant < now => Some(format!(
                "{} validUntil `{}` is in the past",
                valid_until.element, valid_until.text
            )),
            Some(_) => None,
            None => Some(format!(
                "{} validUntil `{}` is not a valid xs:dateTime",
                valid_until.element, valid_until.text
            )),
        })
        .collect();
    if !problems.is_empty() {
        findings.push(Finding::new(
            RuleId::MetadataExpired,
            Severity::Warn,
            METADATA,
            format!(
                "the metadata of `{}` has expired: {}",
                metadata.entity_id,
                problems.join("; ")
            ),
            format!("{EXPORT_AGAIN} so that it is current"),
        ));
    }
}

fn check_certificates(
    metadata: &IdpMetadata,
    now: Timestamp,
    warn_days: u32,
    findings: &mut Vec<Finding>,
) {
    let any_usable = !metadata.usable_certificates(now).is_empty();
    let mut seen = BTreeSet::new();

    for entry in &metadata.signing_certificates {
        match &entry.parsed {
            Err(error) => {
                if seen.insert(entry.text_sha256.clone()) {
                    findings.push(Finding::new(
                        RuleId::CertUnreadable,
                        Severity::Block,
                        format!("certificate:{}", entry.text_sha256),
                        format!(
                            "a signing certificate of `{}` is unreadable: {error}",
                            metadata.entity_id
                        ),
                        format!(
                            "{EXPORT_AGAIN}; each X509Certificate must hold one base64 DER \
                             certificate"
                        ),
                    ));
                }
            }
            Ok(info) => {
                if seen.insert(info.sha256.clone()) {
                    check_certificate(info, now, warn_days, any_usable, findings);
                }
            }
        }
    }
}

fn check_certificate(
    info: &CertificateInfo,
    now: Timestamp,
    warn_days: u32,
    any_usable: bool,
    findings: &mut Vec<Finding>,
) {
    let subject = format!("certificate:{}", info.sha256);
    let name = format!("`{}`", info.subject);
    let label = format!("{name} (expires {})", info.not_after);
    // Expired, not-yet-valid and CA certificates are left out of the provider.
    // They block only when they leave it with no certificate at all.
    let (unusable_severity, unusable_note, unusable_fix) = if any_usable {
        (
            Severity::Warn,
            "; the provider gets only the usable certificates",
            "remove it from the IdP's metadata when convenient",
        )
    } else {
        (
            Severity::Block,
            ", and no signing certificate of the metadata is usable",
            "install a current signing certificate in the IdP, then export the metadata again",
        )
    };

    if info.not_after < now {
        findings.push(Finding::new(
            RuleId::CertExpired,
            unusable_severity,
            subject.clone(),
            format!("signing certificate {name} expired on {}{unusable_note}", info.not_after),
            unusable_fix,
        ));
    }
    if info.not_before > now {
        findings.push(Finding::new(
            RuleId::CertNotYetValid,
            unusable_severity,
            subject.clone(),
            format!(
                "signing certificate {label} is not valid before {}{unusable_note}",
                info.not_before
            ),
            unusable_fix,
        ));
    }
    if info.is_valid_at(now) && expires_within(info, now, warn_days) {
        findings.push(Finding::new(
            RuleId::CertExpiresSoon,
            Severity::Warn,
            subject.clone(),
            format!(
                "signing certificate {name} expires on {}, in {} days",
                info.not_after,
                days_left(info, now)
            ),
            "roll the certificate over in the IdP soon: publish the new certificate in the \
             metadata next to this one and plan again",
        ));
    }
    if let Some(minimum) = weak_key_minimum(info) {
        findings.push(Finding::new(
            RuleId::CertWeakKey,
            Severity::Block,
            subject.clone(),
            format!(
                "signing certificate {label} has a {}-bit {} key; at least {minimum} bits are \
                 required",
                info.key_bits,
                key_type_name(info.key_type)
            ),
            "issue a new signing certificate in the IdP with a 2048-bit (or larger) RSA key or \
             a P-256 (or larger) EC key",
        ));
    }
    if info.weak_signature_hash {
        findings.push(Finding::new(
            RuleId::CertSha1,
            Severity::Info,
            subject.clone(),
            format!(
                "signing certificate {label} is signed with `{}`, which uses SHA-1 or a weaker \
                 hash",
                info.signature_algorithm
            ),
            "when the certificate is next rotated, issue it with a SHA-256 signature",
        ));
    }
    if info.is_ca {
        findings.push(Finding::new(
            RuleId::CertIsCa,
            unusable_severity,
            subject,
            format!(
                "signing certificate {label} is a CA certificate (basicConstraints CA:true), \
                 such as the issuer of a chain{unusable_note}"
            ),
            if any_usable {
                "list only the IdP's own signing certificate in its KeyDescriptor"
            } else {
                "publish the IdP's own signing certificate, not its issuer, in the metadata"
            },
        ));
    }
}

/// Returns the minimum key size when the certificate's key is weak: RSA or
/// DSA under 2048 bits, EC under 256 bits.
fn weak_key_minimum(info: &CertificateInfo) -> Option<u32> {
    let minimum = match info.key_type {
        KeyType::Rsa | KeyType::Dsa => MIN_RSA_DSA_BITS,
        KeyType::Ec => MIN_EC_BITS,
        KeyType::Ed25519 | KeyType::Other => return None,
    };
    (info.key_bits < minimum).then_some(minimum)
}

fn key_type_name(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::Rsa => "RSA",
        KeyType::Ec => "EC",
        KeyType::Dsa => "DSA",
        KeyType::Ed25519 => "Ed25519",
        KeyType::Other => "other",
    }
}

pub(crate) fn quote_list(items: &[String]) -> String {
    items.iter().map(|item| format!("`{item}`")).collect::<Vec<_>>().join(", ")
}
