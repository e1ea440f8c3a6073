//! Failures during a stage or its checks: everything sent is undone from
//! the backup (exit 5), or the report names the command that finishes the undo (exit 6).

use cutover_api::ProviderType;
use cutover_cli::apply::{ApplyReport, ApplyResult, StageStatus, run_apply};
use cutover_cli::backup::load_backup;
use cutover_cli::journal::{Journal, find_unfinished};
use cutover_cli::rollback::{RestoreAction, RollbackResult, rollback};
use cutover_memory::{FaultAction, FaultRule, Operation, Trigger};

use crate::support::{
    PRIMARY_CLIENT, PlanOptions, SampleOrg, SaveHooks, Tamper, make_plan, now, request,
    wrong_secret,
};

fn fault(operation: Operation, trigger: Trigger, action: FaultAction) -> FaultRule {
    FaultRule::new(operation, trigger, action)
}

fn check<'a>(report: &'a ApplyReport, stage: usize, name: &str) -> &'a cutover_cli::apply::Check {
    report.stages[stage]
        .checks
        .iter()
        .find(|check| check.name == name)
        .unwrap_or_else(|| panic!("no check `{name}` in {:?}", report.stages[stage].checks))
}

fn assert_rolled_back(sample: &SampleOrg, exit_code: u8, report: &ApplyReport) {
    assert_eq!(exit_code, 5, "{:?}", report.message);
    assert_eq!(report.result, ApplyResult::RolledBack);
    assert_eq!(sample.on_disk(), sample.original, "the org file is as it was");
    let message = report.message.as_deref().unwrap();
    assert!(message.contains(&report.backup), "{message}");
    let journal = Journal::open_for_backup(report.backup.as_ref()).unwrap().unwrap();
    assert!(journal.record().finished, "a complete undo finishes the journal");
}

#[tokio::test]
async fn fresh_token_failure_rolls_back() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let plan = make_plan(&api, &PlanOptions::default()).await;
    sample.org.faults().add(fault(
        Operation::FreshToken,
        Trigger::nth(1),
        FaultAction::Status(401),
    ));

    let outcome = run_apply(&api, &request(&sample, plan), &SaveHooks::new(&sample), &now()).await;
    let report = outcome.result.unwrap();
    assert_rolled_back(&sample, outcome.exit_code, &report);
    assert_eq!(report.stages[0].status, StageStatus::Failed);
    assert!(!check(&report, 0, "token").ok);
    assert!(check(&report, 0, "put:generic").ok);
    assert_eq!(report.undo.len(), 1);
    assert_eq!(report.undo[0].kind, ProviderType::Generic);
    assert_eq!(report.undo[0].action, RestoreAction::Deleted);
    assert_eq!(serde_json::to_value(&report).unwrap()["result"], "rolled-back");
}

#[tokio::test]
async fn read_back_difference_rolls_back() {
    let sample = SampleOrg::copy();
    let plan = make_plan(&sample.api(), &PlanOptions::default()).await;
    // The server stores the issuer with a trailing slash.
    let api = Tamper::new(
        sample.api(),
        Box::new(|kind, _, provider| {
            if kind == ProviderType::Generic
                && let Some(issuer) = &mut provider.issuer_uri
            {
                issuer.push('/');
            }
        }),
    );

    let outcome = run_apply(&api, &request(&sample, plan), &SaveHooks::new(&sample), &now()).await;
    let report = outcome.result.unwrap();
    assert_rolled_back(&sample, outcome.exit_code, &report);
    let read_back = check(&report, 0, "provider:generic");
    assert!(!read_back.ok);
    assert!(read_back.detail.contains("issuerURI"), "{}", read_back.detail);
    assert!(check(&report, 0, "token").ok);
}

#[tokio::test]
async fn rejected_put_rolls_back() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let plan = make_plan(&api, &PlanOptions::default()).await;
    sample.org.faults().add(fault(
        Operation::PutIdentityProvider,
        Trigger::nth(1),
        FaultAction::Status(500),
    ));

    let outcome = run_apply(&api, &request(&sample, plan), &SaveHooks::new(&sample), &now()).await;
    let report = outcome.result.unwrap();
    assert_rolled_back(&sample, outcome.exit_code, &report);
    assert_eq!(report.stages[0].checks.len(), 1, "no check runs after a failed change");
    assert!(report.stages[0].checks[0].detail.contains("PUT"), "{:?}", report.stages[0].checks);
    assert_eq!(report.undo[0].action, RestoreAction::Unchanged);
}

#[tokio::test]
async fn lost_put_response_rolls_back() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let plan = make_plan(&api, &PlanOptions::default()).await;
    // The API applies the change, then the response is lost.
    sample.org.faults().add(
        fault(Operation::PutIdentityProvider, Trigger::nth(1), FaultAction::Timeout).after_apply(),
    );

    let outcome = run_apply(&api, &request(&sample, plan), &SaveHooks::new(&sample), &now()).await;
    let report = outcome.result.unwrap();
    assert_eq!(report.undo[0].action, RestoreAction::Deleted, "{:?}", report.undo);
    assert_rolled_back(&sample, outcome.exit_code, &report);
}

#[tokio::test]
async fn break_glass_failure_stops_before_stage_two() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let plan = make_plan(&api, &PlanOptions::disable_native_login()).await;
    let mut apply_request = request(&sample, plan);
    apply_request.break_glass_secrets =
        vec![cutover_auth::ClientCredentials::new(PRIMARY_CLIENT, wrong_secret())];
    let secret_file = sample.dir.path().join("primary.secret");
    apply_request.break_glass_secret_files =
        [(PRIMARY_CLIENT.to_owned(), secret_file.clone())].into_iter().collect();
    apply_request.org_file = Some(sample.path.clone());

    let outcome = run_apply(&api, &apply_request, &SaveHooks::new(&sample), &now()).await;
    let report = outcome.result.unwrap();
    assert_rolled_back(&sample, outcome.exit_code, &report);
    let statuses: Vec<StageStatus> = report.stages.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [StageStatus::RolledBack, StageStatus::Failed]);
    assert_eq!(
        sample.org.call_count(Operation::PutIdentityProvider),
        1,
        "only stage 1 was sent; native login was never disabled"
    );
    let proof = check(&report, 1, &format!("break-glass:{PRIMARY_CLIENT}"));
    assert!(!proof.ok);
    assert!(proof.detail.starts_with("before the change"), "{}", proof.detail);
    assert!(proof.detail.contains(PRIMARY_CLIENT), "{}", proof.detail);
    assert!(proof.detail.contains(&secret_file.display().to_string()), "{}", proof.detail);
    assert!(proof.detail.contains(&sample.path.display().to_string()), "{}", proof.detail);
    assert!(!proof.detail.contains("login."), "no login host for an org file: {}", proof.detail);
    assert!(
        report.stages[1].checks.iter().all(|check| !check.name.starts_with("put:")),
        "{:?}",
        report.stages[1].checks
    );
    let undo: Vec<(ProviderType, RestoreAction)> =
        report.undo.iter().map(|e| (e.kind, e.action)).collect();
    assert_eq!(undo, [(ProviderType::Generic, RestoreAction::Deleted)]);
}

#[tokio::test]
async fn break_glass_failure_after_stage_two_undoes_both() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let plan = make_plan(&api, &PlanOptions::disable_native_login()).await;
    let mut apply_request = request(&sample, plan);
    apply_request.break_glass_secrets = vec![sample.credentials(PRIMARY_CLIENT)];
    // The proof before the change passes; the one after it fails.
    sample.org.faults().add(fault(
        Operation::RequestToken,
        Trigger::from_nth(2),
        FaultAction::Status(401),
    ));

    let outcome = run_apply(&api, &apply_request, &SaveHooks::new(&sample), &now()).await;
    let report = outcome.result.unwrap();
    assert_rolled_back(&sample, outcome.exit_code, &report);
    let proofs: Vec<&cutover_cli::apply::Check> = report.stages[1]
        .checks
        .iter()
        .filter(|check| check.name == format!("break-glass:{PRIMARY_CLIENT}"))
        .collect();
    assert_eq!(proofs.len(), 2, "{:?}", report.stages[1].checks);
    assert!(proofs[0].ok, "{}", proofs[0].detail);
    assert!(!proofs[1].ok, "{}", proofs[1].detail);
    assert!(proofs[1].detail.starts_with("after the change"), "{}", proofs[1].detail);
    let undo: Vec<(ProviderType, RestoreAction)> =
        report.undo.iter().map(|e| (e.kind, e.action)).collect();
    assert_eq!(
        undo,
        [
            (ProviderType::Purecloud, RestoreAction::Put),
            (ProviderType::Generic, RestoreAction::Deleted)
        ]
    );
}

#[tokio::test]
async fn mismatched_provider_keeps_native_login() {
    let sample = SampleOrg::copy();
    let hooks = SaveHooks::new(&sample);
    let plan = make_plan(&sample.api(), &PlanOptions::default()).await;
    run_apply(&sample.api(), &request(&sample, plan), &hooks, &now()).await.result.unwrap();
    let before = sample.on_disk();

    let plan = make_plan(&sample.api(), &PlanOptions::disable_native_login()).await;
    assert_eq!(plan.stages.len(), 1, "stage 2 only");
    // The provider reads as disabled from its second read on, which is the
    // check just before native login would be disabled.
    let api = Tamper::new(
        sample.api(),
        Box::new(|kind, call, provider| {
            if kind == ProviderType::Generic && call >= 2 {
                provider.disabled = Some(true);
            }
        }),
    );
    sample.org.faults().reset_counts();

    let outcome = run_apply(&api, &request(&sample, plan), &hooks, &now()).await;
    let report = outcome.result.unwrap();
    assert_eq!(outcome.exit_code, 5);
    assert_eq!(report.result, ApplyResult::RolledBack);
    assert_eq!(sample.org.call_count(Operation::PutIdentityProvider), 0, "native login untouched");
    let precondition = check(&report, 0, "provider:generic");
    assert!(!precondition.ok);
    assert!(precondition.detail.contains("native login stays on"), "{}", precondition.detail);
    assert!(report.undo.is_empty());
    assert_eq!(sample.on_disk(), before);
}

#[tokio::test]
async fn failed_undo_exits_six() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    let plan = make_plan(&api, &PlanOptions::default()).await;
    sample.org.faults().add(fault(
        Operation::FreshToken,
        Trigger::nth(1),
        FaultAction::Status(503),
    ));
    sample.org.faults().add(fault(
        Operation::DeleteIdentityProvider,
        Trigger::always(),
        FaultAction::Status(500),
    ));

    let outcome = run_apply(&api, &request(&sample, plan), &hooks, &now()).await;
    let report = outcome.result.unwrap();
    assert_eq!(outcome.exit_code, 6);
    assert_eq!(report.result, ApplyResult::RollbackFailed);
    let command = format!(
        "sso-cutover rollback --backup {} --org-file {}",
        report.backup,
        sample.path.display()
    );
    assert_eq!(report.rollback_command.as_deref(), Some(command.as_str()));
    let message = report.message.as_deref().unwrap();
    assert!(message.contains(&command), "{message}");
    assert!(message.contains(&report.backup), "{message}");
    assert_eq!(report.undo[0].action, RestoreAction::Failed);
    assert!(sample.provider_on_disk(ProviderType::Generic).is_some(), "the provider stayed");

    // The journal stays open, so the next apply is rejected.
    let open = find_unfinished(&sample.backup_dir()).unwrap();
    assert_eq!(open.len(), 1);
    let plan = make_plan(&api, &PlanOptions::default()).await;
    let next = run_apply(&api, &request(&sample, plan), &hooks, &now()).await;
    assert_eq!(next.exit_code, 1);
    assert!(next.result.unwrap_err().to_string().contains(&command));

    // The printed command's rollback finishes the job.
    sample.org.faults().clear();
    let loaded = load_backup(report.backup.as_ref()).unwrap();
    let restored = rollback(&api, &loaded, &hooks, &now()).await.unwrap();
    assert_eq!(restored.result, RollbackResult::RolledBack);
    assert_eq!(sample.on_disk(), sample.original);
    assert!(find_unfinished(&sample.backup_dir()).unwrap().is_empty());
}

#[tokio::test]
async fn native_login_restore_failure_keeps_provider() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    let plan = make_plan(&api, &PlanOptions::disable_native_login()).await;
    let mut apply_request = request(&sample, plan);
    apply_request.break_glass_secrets = vec![sample.credentials(PRIMARY_CLIENT)];
    // The proof before native login is disabled passes; the one after fails.
    sample.org.faults().add(fault(
        Operation::RequestToken,
        Trigger::from_nth(2),
        FaultAction::Status(401),
    ));
    // PUT 1 configures the provider, PUT 2 disables native login, PUT 3
    // would turn it back on.
    sample.org.faults().add(fault(
        Operation::PutIdentityProvider,
        Trigger::from_nth(3),
        FaultAction::Status(503),
    ));

    let outcome = run_apply(&api, &apply_request, &hooks, &now()).await;
    let report = outcome.result.unwrap();
    assert_eq!(outcome.exit_code, 6);
    assert_eq!(report.result, ApplyResult::RollbackFailed);
    let undo: Vec<(ProviderType, RestoreAction)> =
        report.undo.iter().map(|e| (e.kind, e.action)).collect();
    assert_eq!(
        undo,
        [
            (ProviderType::Purecloud, RestoreAction::Failed),
            (ProviderType::Generic, RestoreAction::Failed)
        ]
    );
    assert!(report.undo[1].error.as_deref().unwrap().contains("kept in place"));
    // Native login is off, so the verified provider must still be there.
    assert_eq!(sample.provider_on_disk(ProviderType::Purecloud).unwrap()["disabled"], true);
    let generic = sample.provider_on_disk(ProviderType::Generic).expect("provider kept");
    assert_eq!(generic["disabled"], false);
    assert_eq!(sample.org.call_count(Operation::DeleteIdentityProvider), 0);
}
