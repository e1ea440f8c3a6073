//! `apply`: executes a plan in stages, each verified, and undoes everything
//! from the backup when a stage fails.
//!
//! [`run_apply`] runs the whole sequence against any [`OrgApi`] backend:
//!
//! 1. Look for an unfinished journal in the backup folder (an earlier apply
//!    that was interrupted), re-read the org, compare its state fingerprint
//!    and org ID with the plan's, and evaluate the rules again. Any problem
//!    stops the run before anything is written.
//! 2. Write the backup and the journal, and report the backup's path
//!    ([`ChangeEvent::BackupWritten`]) before the first change.
//! 3. Stage 1 sends the plan's provider body, then checks a fresh token, the
//!    org and the provider read back.
//! 4. Stage 2 first checks that the target provider matches the metadata
//!    and proves the break-glass clients whose secrets it was given, then
//!    disables native login, checks the same way and proves those clients
//!    again.
//! 5. When a stage fails, the stages whose change was sent are undone in
//!    reverse from the backup.
//!
//! Native login never ends disabled while the new provider is missing or
//! unverified: stage 2 runs only after the provider was verified or found
//! matching, and when turning native login back on fails, the provider of
//! stage 1 is kept in place instead of being undone.

pub mod checks;
pub mod compare;
mod hooks;
mod report;
mod stages;

use std::collections::BTreeMap;
use std::path::PathBuf;

use cutover_api::{CollectOptions, OrgApi, OrgState, collect_state};
use cutover_auth::ClientCredentials;
use cutover_policy::{Evaluation, PlanDocument, Stage, evaluate, state_fingerprint};

pub use checks::Check;
pub use hooks::{ChangeEvent, ChangeHooks, Clock, HookError, NoHooks, SystemClock};
pub use report::{ApplyError, ApplyReport, ApplyResult, StageReport, StageStatus};

use crate::backup::{Backup, OrganizationRef, WaiverRecord, write_backup};
use crate::journal::{Journal, find_unfinished};
use crate::rollback::rollback_command;

/// The inputs of `apply`.
#[derive(Clone, Debug)]
pub struct ApplyRequest {
    /// The plan to execute: read with `--plan`, or made just before.
    pub plan: PlanDocument,
    /// The folder of the backup and the journal (`--backup-dir`).
    pub backup_dir: PathBuf,
    /// Break-glass clients to prove after native login is disabled
    /// (`--break-glass-secret-file ID=PATH`).
    pub break_glass_secrets: Vec<ClientCredentials>,
    /// The file each break-glass secret was read from, by client ID, for
    /// the messages of a failed proof.
    pub break_glass_secret_files: BTreeMap<String, PathBuf>,
    /// The `--org-file` the run changes, if any, for the messages of a
    /// failed proof.
    pub org_file: Option<PathBuf>,
    /// Arguments that select the same org in a later command, such as
    /// `--org-file PATH`; they are added to the rollback command shown.
    pub backend_args: Vec<String>,
}

/// The result of [`run_apply`] with its exit code.
#[derive(Debug)]
pub struct ApplyOutcome {
    /// 0 applied or unchanged, 1 error, 3 blocked, 5 rolled back, 6 rollback
    /// failed.
    pub exit_code: u8,
    /// The report, or the error that stopped the run before any change.
    pub result: Result<ApplyReport, ApplyError>,
}

/// Runs `apply` end to end against `api` and returns the report or error
/// with the exit code.
pub async fn run_apply(
    api: &dyn OrgApi,
    request: &ApplyRequest,
    hooks: &dyn ChangeHooks,
    clock: &dyn Clock,
) -> ApplyOutcome {
    let result = apply(api, request, hooks, clock).await;
    let exit_code = match &result {
        Ok(report) => report.exit_code(),
        Err(error) => error.exit_code(),
    };
    ApplyOutcome { exit_code, result }
}

/// Runs `apply`; see the module documentation for the steps.
pub async fn apply(
    api: &dyn OrgApi,
    request: &ApplyRequest,
    hooks: &dyn ChangeHooks,
    clock: &dyn Clock,
) -> Result<ApplyReport, ApplyError> {
    let plan = &request.plan;
    reject_unfinished(request)?;
    if plan.blocked {
        return Err(ApplyError::Blocked {
            findings: plan.findings.clone(),
            strict: plan.inputs.strict,
        });
    }
    let prepared = prepare(api, plan, clock).await?;
    let stage_plans = stages::stage_plans(plan)?;

    let backup = Backup::new(
        &prepared.state.organization,
        prepared.state.identity_providers.clone(),
        serde_json::to_value(plan).unwrap_or(serde_json::Value::Null),
        plan.inputs
            .waivers
            .iter()
            .map(|waiver| WaiverRecord {
                rule: waiver.rule.as_str().to_owned(),
                reason: waiver.reason.clone(),
            })
            .collect(),
        clock.now(),
    );
    let backup_path = write_backup(&request.backup_dir, &backup)?;
    let journal = Journal::create(
        &backup_path,
        OrganizationRef::from(&prepared.state.organization),
        clock.now(),
    )?;
    hooks.on_event(ChangeEvent::BackupWritten { path: &backup_path });
    tracing::info!(backup = %backup_path.display(), "wrote the backup");

    let run = stages::Run {
        api,
        hooks,
        clock,
        plan,
        evaluation: &prepared.evaluation,
        own_client_id: prepared.own_client_id.as_deref(),
        break_glass_secrets: &request.break_glass_secrets,
        break_glass_secret_files: &request.break_glass_secret_files,
        org_file: request.org_file.as_deref(),
        qualifying_clients: stages::qualifying_break_glass_clients(&prepared.state),
        backup: &backup,
        rollback_command: rollback_command(&backup_path, &request.backend_args),
    };
    Ok(run.execute(&stage_plans, journal, &backup_path).await)
}

/// Rejects the run when a journal in the backup folder is unfinished.
// NOTE: this is a check, not a lock. Two applies started at the same moment
// in one folder both pass it; a lock file would close that gap.
fn reject_unfinished(request: &ApplyRequest) -> Result<(), ApplyError> {
    let journals = find_unfinished(&request.backup_dir)
        .map_err(|source| ApplyError::JournalScan { dir: request.backup_dir.clone(), source })?;
    match journals.first() {
        None => Ok(()),
        Some(first) => {
            let command = rollback_command(&first.backup, &request.backend_args);
            Err(ApplyError::UnfinishedJournal { journals, command })
        }
    }
}

/// The org as read just before the change, judged again.
struct Prepared {
    state: OrgState,
    evaluation: Evaluation,
    own_client_id: Option<String>,
}

/// Re-reads the org and checks that the plan still applies to it.
async fn prepare(
    api: &dyn OrgApi,
    plan: &PlanDocument,
    clock: &dyn Clock,
) -> Result<Prepared, ApplyError> {
    let state = collect_state(api, CollectOptions::default()).await?;
    if state.organization.id != plan.organization.id {
        return Err(ApplyError::OtherOrganization {
            plan_org: plan.organization.id.clone(),
            current_org: state.organization.id.clone(),
        });
    }
    let current = state_fingerprint(&state);
    if current != plan.state_fingerprint {
        return Err(ApplyError::StalePlan { planned: plan.state_fingerprint.clone(), current });
    }

    let metadata = cutover_saml::parse_metadata(
        plan.inputs.metadata_xml.as_bytes(),
        plan.inputs.entity_id.as_deref(),
    );
    let change = plan.inputs.to_change(metadata)?;
    let evaluation = evaluate(&state, &change, clock.now())?;
    if evaluation.blocked {
        return Err(ApplyError::Blocked {
            findings: evaluation.findings.clone(),
            strict: plan.inputs.strict,
        });
    }
    if evaluation.stages != plan.stages {
        return Err(ApplyError::PlanMismatch(describe_stage_differences(
            &evaluation.stages,
            &plan.stages,
        )));
    }

    // The tool's own client proves itself through the `token` check, so it
    // is not reported as an unproven break-glass client. Without
    // `GET /api/v2/tokens/me` it is simply not recognized.
    let own_client_id = match api.token_info().await {
        Ok(info) => info.oauth_client.map(|client| client.id),
        Err(error) => {
            tracing::debug!("could not read the tool's own client ID: {error}");
            None
        }
    };
    Ok(Prepared { state, evaluation, own_client_id })
}

/// Describes how the stages evaluated now differ from the plan's, naming
/// each stage and the resource whose change differs.
fn describe_stage_differences(now: &[Stage], planned: &[Stage]) -> String {
    let mut differences = Vec::new();
    for stage in planned {
        match now.iter().find(|candidate| candidate.stage == stage.stage) {
            None => differences.push(format!(
                "stage {} ({}) is in the plan but is not needed now",
                stage.stage, stage.description
            )),
            Some(current) if current != stage => {
                let mut resources: Vec<String> = Vec::new();
                for change in stage.changes.iter().chain(&current.changes) {
                    let in_plan = stage.changes.iter().find(|c| c.resource == change.resource);
                    let in_now = current.changes.iter().find(|c| c.resource == change.resource);
                    let name = format!("`{}`", change.resource);
                    if in_plan != in_now && !resources.contains(&name) {
                        resources.push(name);
                    }
                }
                let what = if resources.is_empty() {
                    "its description".to_owned()
                } else {
                    format!("the change of {}", resources.join(", "))
                };
                differences.push(format!(
                    "stage {} ({}): {what} evaluated now differs from the plan's",
                    stage.stage, stage.description
                ));
            }
            Some(_) => {}
        }
    }
    for stage in now.iter().filter(|stage| planned.iter().all(|p| p.stage != stage.stage)) {
        differences.push(format!(
            "stage {} ({}) is needed now but is not in the plan",
            stage.stage, stage.description
        ));
    }
    format!(
        "the plan does not match the org as evaluated now: {}. The plan file may have been \
         edited, or the org, the metadata or a certificate's validity changed since the plan \
         was made",
        differences.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use cutover_policy::{Change, ChangeAction};

    use super::*;

    fn stage(number: u8, after: serde_json::Value) -> Stage {
        Stage {
            stage: number,
            description: format!("stage {number}"),
            changes: vec![Change {
                action: ChangeAction::Put,
                resource: format!(
                    "/api/v2/identityproviders/{}",
                    if number == 1 { "generic" } else { "purecloud" }
                ),
                before: None,
                after,
            }],
        }
    }

    #[test]
    fn mismatch_names_edited_resource() {
        let now = [stage(1, serde_json::json!({"name": "A"})), stage(2, serde_json::json!({}))];
        let planned = [stage(1, serde_json::json!({"name": "B"})), stage(2, serde_json::json!({}))];
        let message = describe_stage_differences(&now, &planned);
        assert!(
            message
                .contains("stage 1 (stage 1): the change of `/api/v2/identityproviders/generic`"),
            "{message}"
        );
        assert!(!message.contains("purecloud"), "{message}");
        assert!(message.contains("may have been edited"), "{message}");
        assert!(!message.contains("[1, 2]"), "{message}");
    }

    #[test]
    fn mismatch_names_missing_stage() {
        let now = [stage(1, serde_json::json!({}))];
        let planned = [stage(1, serde_json::json!({})), stage(2, serde_json::json!({}))];
        let message = describe_stage_differences(&now, &planned);
        assert!(
            message.contains("stage 2 (stage 2) is in the plan but is not needed now"),
            "{message}"
        );
    }
}
