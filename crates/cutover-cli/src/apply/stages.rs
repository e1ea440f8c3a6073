//! The stages of `apply`, their checks, and the undo after a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cutover_api::models::GRANT_CLIENT_CREDENTIALS;
use cutover_api::permissions::role_grants_idp_admin;
use cutover_api::{IdentityProvider, OrgApi, OrgState, ProviderType};
use cutover_auth::ClientCredentials;
use cutover_policy::{
    Evaluation, PlanDocument, STAGE_NATIVE_LOGIN, STAGE_PROVIDER, provider_matches,
};

use super::checks::{
    Check, ProofSources, break_glass_check_name, check_break_glass, check_fresh_token,
    check_organization, check_read_back, provider_check_name, put_check_name,
};
use super::hooks::{ChangeEvent, ChangeHooks, Clock};
use super::report::{ApplyError, ApplyReport, ApplyResult, StageReport, StageStatus};
use crate::backup::Backup;
use crate::journal::{Journal, JournalEventKind};
use crate::rollback::{RestoreAction, RestoredProvider, restore_provider};

/// One stage as stored in the plan: the provider type and the body to send.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct StagePlan {
    pub(super) number: u8,
    pub(super) description: String,
    pub(super) kind: ProviderType,
    pub(super) body: IdentityProvider,
}

/// Reads the stages of `plan`. Each stage has exactly one `PUT` of a fixed
/// provider type: stage 1 of the plan's provider, stage 2 of `purecloud`.
pub(super) fn stage_plans(plan: &PlanDocument) -> Result<Vec<StagePlan>, ApplyError> {
    let invalid =
        |message: String| ApplyError::PlanMismatch(format!("the plan is invalid: {message}"));
    let mut plans = Vec::new();
    for stage in &plan.stages {
        let expected = match stage.stage {
            STAGE_PROVIDER => plan.inputs.provider,
            STAGE_NATIVE_LOGIN => ProviderType::Purecloud,
            other => return Err(invalid(format!("stage {other} is not a stage of a cutover"))),
        };
        let [change] = stage.changes.as_slice() else {
            return Err(invalid(format!(
                "stage {} has {} changes instead of one",
                stage.stage,
                stage.changes.len()
            )));
        };
        if change.resource != expected.path() {
            return Err(invalid(format!(
                "stage {} changes `{}` instead of `{}`",
                stage.stage,
                change.resource,
                expected.path()
            )));
        }
        let body: IdentityProvider = serde_json::from_value(change.after.clone())
            .map_err(|error| invalid(format!("the body of stage {}: {error}", stage.stage)))?;
        plans.push(StagePlan {
            number: stage.stage,
            description: stage.description.clone(),
            kind: expected,
            body,
        });
    }
    Ok(plans)
}

/// Returns the IDs of the qualifying break-glass clients: active
/// `CLIENT-CREDENTIALS` clients with a `roleDivisions` role that grants an
/// identity-provider admin permission.
pub(super) fn qualifying_break_glass_clients(state: &OrgState) -> Vec<String> {
    state
        .oauth_clients
        .iter()
        .filter(|client| client.is_active() && client.has_grant(GRANT_CLIENT_CREDENTIALS))
        .filter(|client| {
            client.role_divisions.iter().flatten().any(|assignment| {
                state
                    .roles
                    .iter()
                    .any(|role| role.id == assignment.role_id && role_grants_idp_admin(role))
            })
        })
        .map(|client| client.id.clone())
        .collect()
}

/// Everything a run needs after the backup is written.
pub(super) struct Run<'a> {
    pub(super) api: &'a dyn OrgApi,
    pub(super) hooks: &'a dyn ChangeHooks,
    pub(super) clock: &'a dyn Clock,
    pub(super) plan: &'a PlanDocument,
    pub(super) evaluation: &'a Evaluation,
    pub(super) own_client_id: Option<&'a str>,
    pub(super) break_glass_secrets: &'a [ClientCredentials],
    pub(super) break_glass_secret_files: &'a BTreeMap<String, PathBuf>,
    pub(super) org_file: Option<&'a Path>,
    pub(super) qualifying_clients: Vec<String>,
    pub(super) backup: &'a Backup,
    pub(super) rollback_command: String,
}

/// The outcome of one stage.
struct StageRun {
    /// Whether the change was sent (even when the request failed, the API may
    /// have applied it).
    sent: bool,
    /// Whether the change and every check passed.
    ok: bool,
}

/// The state of a run as its stages go.
struct Progress {
    reports: Vec<StageReport>,
    /// Indexes of the stages whose change was sent.
    sent: Vec<usize>,
    /// Index of the stage that failed.
    failed: Option<usize>,
    warnings: Vec<String>,
}

impl Run<'_> {
    /// Runs the stages in order, stopping and undoing at the first failure.
    pub(super) async fn execute(
        &self,
        plans: &[StagePlan],
        mut journal: Journal,
        backup_path: &Path,
    ) -> ApplyReport {
        let mut progress = Progress {
            reports: plans
                .iter()
                .map(|plan| StageReport {
                    stage: plan.number,
                    description: plan.description.clone(),
                    status: StageStatus::NotRun,
                    checks: Vec::new(),
                })
                .collect(),
            sent: Vec::new(),
            failed: None,
            warnings: Vec::new(),
        };
        self.run_stages(plans, &mut journal, &mut progress).await;

        let backup = backup_path.display().to_string();
        let Some(failed_index) = progress.failed else {
            if let Err(error) = journal.finish(None, self.clock.now()) {
                progress.warnings.push(error.to_string());
            }
            let result =
                if plans.is_empty() { ApplyResult::Unchanged } else { ApplyResult::Applied };
            return ApplyReport {
                result,
                stages: progress.reports,
                backup,
                findings: self.evaluation.findings.clone(),
                undo: Vec::new(),
                rollback_command: None,
                message: None,
                warnings: progress.warnings,
            };
        };
        self.undo_and_report(plans, journal, progress, failed_index, backup).await
    }

    /// Runs each stage, recording it in the journal, until one fails.
    async fn run_stages(
        &self,
        plans: &[StagePlan],
        journal: &mut Journal,
        progress: &mut Progress,
    ) {
        for (index, plan) in plans.iter().enumerate() {
            self.hooks.on_event(ChangeEvent::StageStarted {
                stage: plan.number,
                description: &plan.description,
            });
            let report = &mut progress.reports[index];
            let started = journal.record_event(
                JournalEventKind::StageStarted,
                Some(plan.number),
                None,
                self.clock.now(),
            );
            if let Err(error) = started {
                // Without the journal entry an interrupted run would go
                // unnoticed, so the change is not sent.
                let check = Check::fail("journal", format!("{error}; the change was not sent"));
                self.push_check(report, check);
                report.status = StageStatus::Failed;
                progress.failed = Some(index);
                return;
            }

            let outcome = self.run_stage(plan, report).await;
            if outcome.sent {
                progress.sent.push(index);
            }
            let (status, event, detail) = if outcome.ok {
                (StageStatus::Verified, JournalEventKind::StageVerified, None)
            } else {
                (StageStatus::Failed, JournalEventKind::StageFailed, Some(failed_checks(report)))
            };
            report.status = status;
            if let Err(error) =
                journal.record_event(event, Some(plan.number), detail, self.clock.now())
            {
                progress.warnings.push(error.to_string());
            }
            if !outcome.ok {
                progress.failed = Some(index);
                return;
            }
        }
    }

    /// Undoes the sent stages after the stage at `failed_index` failed, and
    /// builds the report of the failed run.
    async fn undo_and_report(
        &self,
        plans: &[StagePlan],
        mut journal: Journal,
        mut progress: Progress,
        failed_index: usize,
        backup: String,
    ) -> ApplyReport {
        let failed_stage = plans[failed_index].number;
        let cause = format!(
            "stage {failed_stage} ({}) failed: {}",
            plans[failed_index].description,
            failed_checks(&progress.reports[failed_index])
        );
        self.hooks.on_event(ChangeEvent::UndoStarted { failed_stage });
        let undo = self.undo(plans, &progress.sent).await;
        for &index in &progress.sent {
            if index != failed_index && undo_succeeded(&undo, plans[index].kind) {
                progress.reports[index].status = StageStatus::RolledBack;
            }
        }

        let (result, message, journal_result) = if undo.iter().all(RestoredProvider::is_ok) {
            let message = format!(
                "{cause}; every change was undone from the backup `{backup}`. Fix the cause and \
                 run apply again"
            );
            let recorded = journal.finish(Some(JournalEventKind::RolledBack), self.clock.now());
            (ApplyResult::RolledBack, message, recorded)
        } else {
            let not_undone: Vec<String> = undo
                .iter()
                .filter(|entry| !entry.is_ok())
                .map(|entry| {
                    format!("`{}`: {}", entry.kind, entry.error.as_deref().unwrap_or("failed"))
                })
                .collect();
            let message = format!(
                "{cause}; undoing the change did not complete ({}). Manual action is needed: \
                 restore the org from the backup `{backup}` with `{}`",
                not_undone.join("; "),
                self.rollback_command
            );
            // The journal stays unfinished, so the next apply is rejected
            // until the org is restored.
            let recorded = journal.record_event(
                JournalEventKind::RollbackFailed,
                None,
                None,
                self.clock.now(),
            );
            (ApplyResult::RollbackFailed, message, recorded)
        };
        if let Err(error) = journal_result {
            progress.warnings.push(error.to_string());
        }
        tracing::warn!(backup = %backup, "{message}");
        ApplyReport {
            result,
            stages: progress.reports,
            backup,
            findings: self.evaluation.findings.clone(),
            undo,
            rollback_command: Some(self.rollback_command.clone()),
            message: Some(message),
            warnings: progress.warnings,
        }
    }

    fn push_check(&self, report: &mut StageReport, check: Check) {
        self.hooks.on_event(ChangeEvent::CheckFinished { stage: report.stage, check: &check });
        report.checks.push(check);
    }

    /// Runs one stage: its precondition, the change and its checks.
    async fn run_stage(&self, plan: &StagePlan, report: &mut StageReport) -> StageRun {
        if plan.number == STAGE_NATIVE_LOGIN {
            let precondition = self.check_target_provider().await;
            let ok = precondition.ok;
            self.push_check(report, precondition);
            if !ok {
                return StageRun { sent: false, ok: false };
            }
            // A break-glass client that cannot sign in now would not help
            // after native login is off, so it stops the stage before the PUT.
            let proofs = self.prove_break_glass_secrets("before the change").await;
            let proven = proofs.iter().all(|check| check.ok);
            for check in proofs {
                self.push_check(report, check);
            }
            if !proven {
                return StageRun { sent: false, ok: false };
            }
        }

        let put = self.put(plan).await;
        let put_ok = put.ok;
        self.push_check(report, put);
        if !put_ok {
            return StageRun { sent: true, ok: false };
        }

        let mut checks = vec![
            check_fresh_token(self.api).await,
            check_organization(self.api, Some(&self.plan.organization.id)).await,
            check_read_back(self.api, plan.kind, &plan.body).await,
        ];
        if plan.number == STAGE_NATIVE_LOGIN {
            checks.extend(self.break_glass_checks().await);
        }
        let ok = checks.iter().all(|check| check.ok);
        for check in checks {
            self.push_check(report, check);
        }
        StageRun { sent: true, ok }
    }

    /// Sends the stage's change and saves it through the hooks.
    async fn put(&self, plan: &StagePlan) -> Check {
        let name = put_check_name(plan.kind);
        let path = plan.kind.path();
        if let Err(error) = self.api.put_identity_provider(plan.kind, &plan.body).await {
            return Check::fail(name, format!("`PUT {path}` failed: {error}"));
        }
        if let Err(error) = self.hooks.after_change() {
            return Check::fail(
                name,
                format!("`PUT {path}` was accepted, but saving the change failed: {error}"),
            );
        }
        Check::pass(name, format!("`PUT {path}` was accepted"))
    }

    /// Checks, before native login is disabled, that the target provider is
    /// configured, enabled and matches the metadata.
    async fn check_target_provider(&self) -> Check {
        let kind = self.plan.inputs.provider;
        let name = provider_check_name(kind);
        let Some(desired) = &self.evaluation.provider_body else {
            return Check::fail(name, "the metadata gives no provider to check; plan again");
        };
        match self.api.identity_provider(kind).await {
            Ok(current) if provider_matches(current.as_ref(), desired) => Check::pass(
                name,
                "the provider is enabled and matches the metadata, so native login can be \
                 disabled",
            ),
            Ok(None) => Check::fail(
                name,
                format!(
                    "`{}` is not configured, so native login stays on; apply stage 1 first",
                    kind.path()
                ),
            ),
            Ok(Some(_)) => Check::fail(
                name,
                "the provider is disabled or does not match the metadata, so native login stays \
                 on; plan again",
            ),
            Err(error) => Check::fail(
                name,
                format!("reading the provider failed, so native login stays on: {error}"),
            ),
        }
    }

    /// Requests a token for each break-glass client whose secret file was
    /// given.
    async fn prove_break_glass_secrets(&self, when: &str) -> Vec<Check> {
        let mut checks = Vec::new();
        for credentials in self.break_glass_secrets {
            let sources = ProofSources {
                secret_file: self
                    .break_glass_secret_files
                    .get(&credentials.client_id)
                    .map(PathBuf::as_path),
                org_file: self.org_file,
            };
            checks.push(check_break_glass(self.api, credentials, sources, when).await);
        }
        checks
    }

    /// Proves each break-glass client with a secret file, and reports the
    /// named or qualifying ones without one as not proven.
    async fn break_glass_checks(&self) -> Vec<Check> {
        let mut checks = self.prove_break_glass_secrets("after the change").await;

        let named = &self.plan.inputs.break_glass_clients;
        let candidates = if named.is_empty() { &self.qualifying_clients } else { named };
        for client_id in candidates {
            if self.break_glass_secrets.iter().any(|c| &c.client_id == client_id) {
                continue;
            }
            let name = break_glass_check_name(client_id);
            if Some(client_id.as_str()) == self.own_client_id {
                checks.push(Check::pass(
                    name,
                    "proven: this is the tool's own client, which the `token` check proved",
                ));
            } else {
                checks.push(Check::skipped(
                    name,
                    format!(
                        "not proven: the tool does not hold this client's secret; pass \
                         --break-glass-secret-file {client_id}=PATH to prove it"
                    ),
                ));
            }
        }
        checks
    }

    /// Undoes the sent stages in reverse from the backup. When native login
    /// cannot be turned back on, the earlier stages are kept in place, because
    /// undoing the provider then could lock every user out.
    async fn undo(&self, plans: &[StagePlan], sent: &[usize]) -> Vec<RestoredProvider> {
        let mut entries = Vec::new();
        let mut native_login_stuck = false;
        for &index in sent.iter().rev() {
            let kind = plans[index].kind;
            if native_login_stuck {
                let entry = RestoredProvider {
                    kind,
                    action: RestoreAction::Failed,
                    error: Some(
                        "kept in place because native login could not be turned back on; \
                         undoing it could leave nobody able to sign in"
                            .to_owned(),
                    ),
                };
                self.hooks.on_event(ChangeEvent::Restored { entry: &entry });
                entries.push(entry);
                continue;
            }
            let wanted = self.backup.identity_providers.get(&kind);
            let entry = match restore_provider(self.api, kind, wanted, self.hooks).await {
                Some(entry) => entry,
                None => RestoredProvider { kind, action: RestoreAction::Unchanged, error: None },
            };
            if kind == ProviderType::Purecloud && !entry.is_ok() {
                native_login_stuck = true;
            }
            entries.push(entry);
        }
        entries
    }
}

fn undo_succeeded(undo: &[RestoredProvider], kind: ProviderType) -> bool {
    undo.iter().any(|entry| entry.kind == kind && entry.is_ok())
}

/// Joins the failed checks of a stage into one line.
fn failed_checks(report: &StageReport) -> String {
    let failed: Vec<String> = report
        .checks
        .iter()
        .filter(|check| !check.ok)
        .map(|check| format!("{}: {}", check.name, check.detail))
        .collect();
    if failed.is_empty() { "no check passed".to_owned() } else { failed.join("; ") }
}
