//! Evaluation: every rule over the org and the desired change, and the
//! stages that carry the change out.

use std::collections::BTreeSet;

use cutover_api::{IdentityProvider, OrgState, ProviderType};
use cutover_saml::{IdpMetadata, MetadataError};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::change::DesiredChange;
use crate::error::PolicyError;
use crate::finding::{Finding, RuleId, sort_findings};
use crate::provider::{provider_body, provider_matches};
use crate::rules::{self, OrgFacts};

/// Number of the stage that configures the SAML provider.
pub const STAGE_PROVIDER: u8 = 1;
/// Number of the stage that disables native login. It keeps its number when
/// stage 1 is not needed.
pub const STAGE_NATIVE_LOGIN: u8 = 2;

/// The outcome of [`evaluate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Every finding, sorted, waivers applied.
    pub findings: Vec<Finding>,
    /// The stages of the change, in order; empty when nothing changes. A
    /// blocked evaluation lists them too.
    pub stages: Vec<Stage>,
    /// Whether an unwaived `block` finding (or `warn`, in strict mode)
    /// stops `apply`.
    pub blocked: bool,
    /// The body the target provider gets, whether or not stage 1 is needed,
    /// because verification compares the provider with it. It is `None` when
    /// the metadata could not be read far enough.
    pub provider_body: Option<IdentityProvider>,
}

impl Evaluation {
    /// Returns the stage with number `stage`, if the plan has it.
    pub fn stage(&self, stage: u8) -> Option<&Stage> {
        self.stages.iter().find(|candidate| candidate.stage == stage)
    }
}

/// One stage of the plan, as the plan JSON lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// `1` (configure the provider) or `2` (disable native login).
    pub stage: u8,
    /// A short description, such as "configure the generic SAML provider".
    pub description: String,
    /// The API calls of the stage.
    pub changes: Vec<Change>,
}

/// One API call of a stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The HTTP method.
    pub action: ChangeAction,
    /// The API path, such as `/api/v2/identityproviders/generic`.
    pub resource: String,
    /// The object as read before the change, or `null` when it was not
    /// configured (the API returned 404).
    pub before: Option<Value>,
    /// The request body.
    pub after: Value,
}

/// The HTTP method of a [`Change`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    /// `PUT` (create or replace).
    Put,
}

/// Evaluates every rule of the catalog over `state` and `change` at `now`,
/// and works out the stages.
///
/// Fails for input errors that are not findings: an `--entity-id` that names
/// no IdP entity, a waiver of a rule that cannot be waived or without a
/// reason, and a target provider type that is not a SAML provider.
pub fn evaluate(
    state: &OrgState,
    change: &DesiredChange,
    now: Timestamp,
) -> Result<Evaluation, PolicyError> {
    change.validate_waivers()?;
    if !ProviderType::TARGETS.contains(&change.provider) {
        return Err(PolicyError::UnsupportedProvider { provider: change.provider });
    }

    let facts = OrgFacts::new(state);
    let mut findings = Vec::new();

    let metadata =
        rules::metadata::check(&change.metadata, now, change.cert_warn_days, &mut findings)?;
    rules::break_glass::check(&facts, &change.named_break_glass_clients(), &mut findings);
    rules::clients::check(&facts, change.disable_native_login, &mut findings);
    rules::people::check(
        &facts,
        change.disable_native_login,
        change.idp_users.as_ref(),
        &mut findings,
    );

    let existing = state.identity_providers.get(&change.provider);
    let mut stages = Vec::new();
    let provider_body =
        metadata.map(|metadata| provider_body(existing, metadata, change.name.as_deref(), now));
    if let Some(body) = &provider_body {
        rules::change::check_replaced(change.provider, existing, body, &mut findings);
        if !provider_matches(existing, body) {
            stages.push(provider_stage(change.provider, existing, body));
        }
    }

    let native_login_disabled = facts.native_login_disabled();
    rules::change::check_native_login_disabled(native_login_disabled, &mut findings);
    if change.disable_native_login && !native_login_disabled {
        stages.push(native_login_stage(state.identity_providers.get(&ProviderType::Purecloud)));
    }
    rules::change::check_same_run(change.provider, stages.len() == 2, &mut findings);

    let waived: BTreeSet<RuleId> = change.waivers.iter().map(|waiver| waiver.rule).collect();
    for finding in &mut findings {
        finding.waived = waived.contains(&finding.rule);
    }
    sort_findings(&mut findings);
    let blocked = findings.iter().any(|finding| finding.blocks(change.strict));

    Ok(Evaluation { findings, stages, blocked, provider_body })
}

/// Evaluates only the metadata and certificate rules, as `metadata check`
/// does; the findings come sorted.
pub fn evaluate_metadata(
    metadata: &Result<IdpMetadata, MetadataError>,
    now: Timestamp,
    cert_warn_days: u32,
) -> Result<Vec<Finding>, PolicyError> {
    let mut findings = Vec::new();
    rules::metadata::check(metadata, now, cert_warn_days, &mut findings)?;
    sort_findings(&mut findings);
    Ok(findings)
}

fn to_json(provider: &IdentityProvider) -> Value {
    // The provider model has only strings, booleans, lists and a JSON map,
    // all of which serialize without error.
    serde_json::to_value(provider).unwrap_or(Value::Null)
}

fn provider_stage(
    kind: ProviderType,
    existing: Option<&IdentityProvider>,
    body: &IdentityProvider,
) -> Stage {
    Stage {
        stage: STAGE_PROVIDER,
        description: format!("configure the {kind} SAML provider"),
        changes: vec![Change {
            action: ChangeAction::Put,
            resource: kind.path(),
            before: existing.map(to_json),
            after: to_json(body),
        }],
    }
}

/// Stage 2 sends the `purecloud` object as read with `disabled: true`. When
/// the org has no `purecloud` object (native login on), `before` is `null`
/// and the body is `{"disabled": true}` alone.
fn native_login_stage(existing: Option<&IdentityProvider>) -> Stage {
    let mut body = existing.cloned().unwrap_or_default();
    body.disabled = Some(true);
    Stage {
        stage: STAGE_NATIVE_LOGIN,
        description: "disable Genesys Cloud login".to_owned(),
        changes: vec![Change {
            action: ChangeAction::Put,
            resource: ProviderType::Purecloud.path(),
            before: existing.map(to_json),
            after: to_json(&body),
        }],
    }
}
