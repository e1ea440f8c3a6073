//! The plan document (`sso-cutover.plan.v1`): what `plan --output json`
//! prints and `--plan-out` writes, and what `apply --plan` reads back.

use cutover_api::{OrgState, ProviderType};
use cutover_saml::{IdpMetadata, MetadataError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::change::{DesiredChange, IdpUserList, Waiver};
use crate::error::PolicyError;
use crate::evaluate::{Evaluation, Stage};
use crate::finding::Finding;
use crate::fingerprint::state_fingerprint;

/// The `schema` of a plan document.
pub const PLAN_SCHEMA: &str = "sso-cutover.plan.v1";

/// A plan document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanDocument {
    /// Always [`PLAN_SCHEMA`].
    pub schema: String,
    /// When the plan was made (RFC 3339).
    pub created_at: Timestamp,
    /// The region's name, such as `us-east-1`.
    pub region: String,
    /// The org the plan was made for.
    pub organization: PlanOrganization,
    /// [`state_fingerprint`] of the state the plan was made from.
    pub state_fingerprint: String,
    /// Whether a finding stops `apply`.
    pub blocked: bool,
    /// Every finding, sorted.
    pub findings: Vec<Finding>,
    /// The stages of the change.
    pub stages: Vec<Stage>,
    /// The inputs `apply --plan` needs to evaluate the plan again.
    pub inputs: PlanInputs,
}

/// `organization` of a plan document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOrganization {
    /// Organization ID.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// The inputs of a plan, enough to evaluate it again against a fresh read of
/// the org.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInputs {
    /// The target provider type (`--provider`).
    pub provider: ProviderType,
    /// `--name`, when given.
    pub name: Option<String>,
    /// `--entity-id`, when given (the chosen entity ID is the stage 1 body's
    /// `issuerURI`).
    pub entity_id: Option<String>,
    /// The metadata document as read. Bytes that were not UTF-8 are stored
    /// as U+FFFD. Such metadata is `metadata-unreadable`, which blocks the
    /// plan, so the altered text is never applied.
    pub metadata_xml: String,
    /// `--disable-native-login`.
    pub disable_native_login: bool,
    /// `--break-glass-client` IDs without repeats, in the order given.
    pub break_glass_clients: Vec<String>,
    /// The IdP user list, normalized and sorted. It is `null` when no list
    /// was given, while `[]` is a list without any email.
    pub idp_users: Option<Vec<String>>,
    /// Waivers with their reasons.
    pub waivers: Vec<Waiver>,
    /// `--strict`.
    pub strict: bool,
    /// `--cert-warn-days`.
    pub cert_warn_days: u32,
}

impl PlanInputs {
    /// Records the inputs of `change`; `entity_id` is the `--entity-id`
    /// given and `metadata` the document's bytes.
    pub fn new(change: &DesiredChange, entity_id: Option<&str>, metadata: &[u8]) -> PlanInputs {
        PlanInputs {
            provider: change.provider,
            name: change.name.clone(),
            entity_id: entity_id.map(str::to_owned),
            metadata_xml: String::from_utf8_lossy(metadata).into_owned(),
            disable_native_login: change.disable_native_login,
            break_glass_clients: change
                .named_break_glass_clients()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            idp_users: change
                .idp_users
                .as_ref()
                .map(|list| list.emails().map(str::to_owned).collect()),
            waivers: change.waivers.clone(),
            strict: change.strict,
            cert_warn_days: change.cert_warn_days,
        }
    }

    /// Rebuilds the desired change, given `metadata` parsed from
    /// [`PlanInputs::metadata_xml`] with [`PlanInputs::entity_id`]. Fails
    /// when a waiver in the document is not valid.
    pub fn to_change(
        &self,
        metadata: Result<IdpMetadata, MetadataError>,
    ) -> Result<DesiredChange, PolicyError> {
        let change = DesiredChange {
            provider: self.provider,
            name: self.name.clone(),
            metadata,
            disable_native_login: self.disable_native_login,
            break_glass_clients: self.break_glass_clients.clone(),
            idp_users: self.idp_users.as_ref().map(IdpUserList::from_emails),
            waivers: self.waivers.clone(),
            strict: self.strict,
            cert_warn_days: self.cert_warn_days,
        };
        change.validate_waivers()?;
        Ok(change)
    }
}

/// The facts a plan document records besides the evaluation: the time, the
/// region, and the raw inputs that the evaluation does not keep.
#[derive(Clone, Debug)]
pub struct PlanSource<'a> {
    /// When the plan is made; the same `now` the evaluation used.
    pub created_at: Timestamp,
    /// The region's name.
    pub region: &'a str,
    /// `--entity-id`, when given.
    pub entity_id: Option<&'a str>,
    /// The metadata document's bytes.
    pub metadata: &'a [u8],
}

impl PlanDocument {
    /// Builds the plan document of `evaluation`, made from `state` and
    /// `change`.
    pub fn new(
        evaluation: &Evaluation,
        state: &OrgState,
        change: &DesiredChange,
        source: &PlanSource<'_>,
    ) -> PlanDocument {
        PlanDocument {
            schema: PLAN_SCHEMA.to_owned(),
            created_at: source.created_at,
            region: source.region.to_owned(),
            organization: PlanOrganization {
                id: state.organization.id.clone(),
                name: state.organization.name.clone(),
            },
            state_fingerprint: state_fingerprint(state),
            blocked: evaluation.blocked,
            findings: evaluation.findings.clone(),
            stages: evaluation.stages.clone(),
            inputs: PlanInputs::new(change, source.entity_id, source.metadata),
        }
    }

    /// Reads a plan document, checking its schema first so that a document
    /// of another version gets a clear error.
    pub fn from_json(text: &str) -> Result<PlanDocument, PolicyError> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        let schema = value.get("schema").and_then(serde_json::Value::as_str).unwrap_or_default();
        if schema != PLAN_SCHEMA {
            return Err(PolicyError::PlanSchema { found: schema.to_owned() });
        }
        Ok(serde_json::from_value(value)?)
    }

    /// Writes the document as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        // Every field serializes to a string, number, boolean or JSON value,
        // so `to_string_pretty` has no error to return here.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
