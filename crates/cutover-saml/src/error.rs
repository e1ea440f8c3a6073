//! Errors of metadata reading, certificate decoding and metadata fetching.

/// Why metadata could not be read far enough to evaluate the other rules.
/// Each variant but [`MetadataError::UnknownEntityId`] is a blocking finding;
/// that one is an input error.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MetadataError {
    /// Empty, not UTF-8, not well-formed, over 10 MiB or nested over 256 deep.
    #[error("the metadata is unreadable: {reason}")]
    Unreadable {
        /// What is wrong, naming the line and column where known.
        reason: String,
    },
    /// The document contains a DOCTYPE; entities are never expanded.
    #[error(
        "the metadata contains a DOCTYPE, which is rejected so that no entity is expanded; \
         ask the identity provider for metadata without one"
    )]
    Dtd,
    /// No entity has an `IDPSSODescriptor`, or the root is not an
    /// `EntityDescriptor` or `EntitiesDescriptor`.
    #[error("the metadata describes no identity provider ({reason})")]
    NotIdp {
        /// What was found instead, such as "root element is `foo`".
        reason: String,
    },
    /// Several entities are IdPs and no entity ID picked one.
    #[error("the metadata describes {} identity providers; pick one with --entity-id: {}",
        .entity_ids.len(), .entity_ids.join(", "))]
    MultipleIdps {
        /// Every IdP entity ID, in document order.
        entity_ids: Vec<String>,
    },
    /// The requested entity ID is not one of the IdP entities.
    #[error("no identity provider with entity ID `{requested}` in the metadata; it describes: {}",
        .available.join(", "))]
    UnknownEntityId {
        /// The requested entity ID.
        requested: String,
        /// Every IdP entity ID, in document order.
        available: Vec<String>,
    },
}

impl MetadataError {
    /// Returns the rule ID this error is reported under (`metadata-unreadable`,
    /// `metadata-dtd`, `metadata-not-idp`, `metadata-multiple-idps`), or
    /// `unknown-entity-id` for the input error that is no rule.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unreadable { .. } => "metadata-unreadable",
            Self::Dtd => "metadata-dtd",
            Self::NotIdp { .. } => "metadata-not-idp",
            Self::MultipleIdps { .. } => "metadata-multiple-idps",
            Self::UnknownEntityId { .. } => "unknown-entity-id",
        }
    }
}

/// Why a certificate entry is unreadable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The text is empty.
    #[error("the certificate element is empty")]
    Empty,
    /// The text is not base64.
    #[error("the certificate text is not valid base64 ({0})")]
    Base64(String),
    /// The bytes are not a DER X.509 certificate, or have trailing bytes.
    #[error("the certificate is not a valid DER X.509 certificate ({0})")]
    Der(String),
}

/// Why metadata could not be fetched from a URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URL does not parse.
    #[error("the metadata URL `{url}` is invalid: {reason}; fix the URL")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL is neither `https://` nor `http://` on a loopback address.
    #[error(
        "the metadata URL `{url}` is not https; use an https:// URL \
         (plain http is accepted only on a loopback address)"
    )]
    NotHttps {
        /// The URL as given.
        url: String,
    },
    /// A redirect pointed away from https (or loopback http), or there were
    /// too many redirects.
    #[error(
        "fetching `{url}` was redirected to `{location}`, which was rejected: {reason}; \
         download the file and pass its path"
    )]
    Redirect {
        /// The requested URL.
        url: String,
        /// The redirect target.
        location: String,
        /// Why the redirect was not followed.
        reason: String,
    },
    /// The server answered with a status other than 2xx.
    #[error(
        "fetching `{url}` failed with HTTP status {status}; check the URL, or download the file \
         and pass its path"
    )]
    Status {
        /// The requested URL.
        url: String,
        /// The response status code.
        status: u16,
    },
    /// The body is larger than the limit.
    #[error(
        "the metadata at `{url}` is larger than the {} size limit; \
         download it and check that it is SAML metadata",
        format_size(*limit)
    )]
    TooLarge {
        /// The requested URL.
        url: String,
        /// The byte limit.
        limit: usize,
    },
    /// No complete answer within the timeout.
    #[error(
        "fetching `{url}` timed out after {seconds} s; check that the URL answers, or download \
         the file and pass its path"
    )]
    Timeout {
        /// The requested URL.
        url: String,
        /// The timeout, in seconds.
        seconds: f64,
    },
    /// The connection or the transfer failed.
    #[error(
        "fetching `{url}` failed: {reason}; check the URL, or download the file and pass its path"
    )]
    Request {
        /// The requested URL.
        url: String,
        /// The transport error, with its causes.
        reason: String,
    },
}

/// Formats a byte count for people, such as `11.5 MiB (12,058,624 bytes)`.
fn format_size(bytes: usize) -> String {
    let mut digits = bytes.to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    grouped = format!("{digits}{grouped}");
    if bytes < 1024 {
        return format!("{grouped} bytes");
    }
    #[expect(clippy::cast_precision_loss, reason = "one decimal is shown")]
    let mut value = bytes as f64 / 1024.0;
    let mut unit = "KiB";
    for next in ["MiB", "GiB", "TiB"] {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    let number = format!("{value:.1}");
    let number = number.strip_suffix(".0").unwrap_or(&number);
    format!("{number} {unit} ({grouped} bytes)")
}
