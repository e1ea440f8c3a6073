//! The safety rules of an SSO cutover, as pure functions: no I/O, no async.
//!
//! [`evaluate`] reads an [`OrgState`](cutover_api::OrgState) and a
//! [`DesiredChange`] at a given time. The change names the target provider,
//! the parsed IdP metadata, whether native login is to be disabled, the
//! break-glass clients, the IdP user list and the waivers. The result is an
//! [`Evaluation`]: the sorted [`Finding`]s of every rule in the catalog, the
//! [`Stage`]s that carry the change out, and whether the plan is blocked. [`PlanDocument`] wraps an
//! evaluation with the [`state_fingerprint`] and the [`PlanInputs`] that
//! `apply --plan` evaluates again. [`evaluate_metadata`] and
//! [`MetadataReport`] serve `metadata check`, which needs no org.
//! [`provider_matches`] and [`compare_provider`] tell whether a provider as
//! read already matches, or reads back as sent.

mod certificates;
mod change;
mod error;
mod evaluate;
mod finding;
mod fingerprint;
mod plan;
mod provider;
mod report;
mod rules;

pub use certificates::{
    days_left, decode_certificate_text, encode_der, is_usable, provider_certificates,
    stored_certificate_set,
};
pub use change::{DEFAULT_CERT_WARN_DAYS, DesiredChange, IdpUserList, Waiver, normalize_email};
pub use error::PolicyError;
pub use evaluate::{
    Change, ChangeAction, Evaluation, STAGE_NATIVE_LOGIN, STAGE_PROVIDER, Stage, evaluate,
    evaluate_metadata,
};
pub use finding::{Finding, RuleId, Severity, sort_findings};
pub use fingerprint::state_fingerprint;
pub use plan::{PLAN_SCHEMA, PlanDocument, PlanInputs, PlanOrganization, PlanSource};
pub use provider::{
    SLO_BINDING_POST, SLO_BINDING_REDIRECT, compare_provider, explain_uri_difference,
    provider_body, provider_matches,
};
pub use report::{CertificateSummary, MetadataReport};
