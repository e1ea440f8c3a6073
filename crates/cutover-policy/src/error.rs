//! Errors of the policy crate: inputs that cannot be evaluated at all.

use crate::finding::RuleId;

/// An input the rules cannot evaluate. Each is a usage or input error, never
/// a finding.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// `--entity-id` named none of the IdP entities of the metadata.
    #[error(
        "no identity provider with entity ID `{requested}` in the metadata; pass one of: {}",
        .available.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", ")
    )]
    UnknownEntityId {
        /// The requested entity ID.
        requested: String,
        /// Every IdP entity ID of the metadata, in document order.
        available: Vec<String>,
    },
    /// A rule ID that the catalog does not define.
    #[error("unknown rule `{rule}`; run `sso-cutover plan` to see the rule IDs that fire")]
    UnknownRule {
        /// The text given.
        rule: String,
    },
    /// `--accept` named a rule that cannot be waived.
    #[error(
        "rule `{rule}` cannot be waived; only `password-grant-client`, `admin-not-in-idp`, \
         `users-not-in-idp`, `native-login-same-run` and `saml2bearer-client` can"
    )]
    NotWaivable {
        /// The rule.
        rule: RuleId,
    },
    /// `--accept` without a non-empty `--reason`.
    #[error("waiving rule `{rule}` needs a reason: add `--reason TEXT` after `--accept {rule}`")]
    MissingReason {
        /// The rule.
        rule: RuleId,
    },
    /// The target provider type is not one a SAML cutover configures.
    #[error(
        "provider type `{provider}` cannot be configured from SAML metadata; use one of generic, \
         okta, adfs, gsuite, onelogin, ping, salesforce"
    )]
    UnsupportedProvider {
        /// The type given.
        provider: cutover_api::ProviderType,
    },
    /// The IdP user list is not UTF-8.
    #[error(
        "the IdP user list is not valid UTF-8 (first bad byte at offset {offset}); save it as UTF-8"
    )]
    IdpUsersNotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// A plan document with another `schema`.
    #[error("unsupported plan schema `{found}`; expected `sso-cutover.plan.v1`, so plan again")]
    PlanSchema {
        /// The schema found.
        found: String,
    },
    /// A plan document that is not valid JSON of the plan's shape.
    #[error("invalid plan document: {0}")]
    PlanJson(#[from] serde_json::Error),
}
