//! Apply and roll back on the sample org until the org file is as it was.

use cutover_api::ProviderType;
use cutover_cli::apply::{ApplyResult, StageStatus, run_apply};
use cutover_cli::backup::load_backup;
use cutover_cli::journal::{Journal, find_unfinished};
use cutover_cli::rollback::{RestoreAction, RollbackResult, rollback};

use crate::support::{
    PRIMARY_CLIENT, PlanOptions, SECONDARY_CLIENT, SampleOrg, SaveHooks, make_plan, now, request,
};

#[tokio::test]
async fn stage_one_then_native_login_then_rollbacks() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);

    // Stage 1 alone: the provider is configured, native login stays on.
    let plan = make_plan(&api, &PlanOptions::default()).await;
    assert_eq!(plan.stages.len(), 1);
    let outcome = run_apply(&api, &request(&sample, plan), &hooks, &now()).await;
    let first = outcome.result.unwrap();
    assert_eq!(outcome.exit_code, 0);
    assert_eq!(first.result, ApplyResult::Applied);
    assert_eq!(first.stages.len(), 1);
    assert_eq!(first.stages[0].status, StageStatus::Verified);
    let check_names: Vec<&str> = first.stages[0].checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(check_names, ["put:generic", "token", "organization", "provider:generic"]);
    let generic = sample.provider_on_disk(ProviderType::Generic).expect("generic saved to file");
    assert_eq!(generic["issuerURI"], "https://idp.northwind.example/saml2/metadata");
    assert_eq!(generic["disabled"], false);
    assert_eq!(sample.provider_on_disk(ProviderType::Purecloud).unwrap()["disabled"], false);

    // Stage 2 alone: the provider matches, so only native login changes.
    let mut options = PlanOptions::disable_native_login();
    options.name = None;
    let plan = make_plan(&api, &options).await;
    let numbers: Vec<u8> = plan.stages.iter().map(|stage| stage.stage).collect();
    assert_eq!(numbers, [2]);
    let mut second_request = request(&sample, plan);
    second_request.break_glass_secrets =
        vec![sample.credentials(PRIMARY_CLIENT), sample.credentials(SECONDARY_CLIENT)];
    let outcome = run_apply(&api, &second_request, &hooks, &now()).await;
    let second = outcome.result.unwrap();
    assert_eq!(outcome.exit_code, 0, "{:?}", second.message);
    assert_eq!(second.result, ApplyResult::Applied);
    let stage = &second.stages[0];
    assert_eq!(stage.stage, 2);
    assert!(stage.checks.iter().all(|check| check.ok), "{:?}", stage.checks);
    for client in [PRIMARY_CLIENT, SECONDARY_CLIENT] {
        let proofs: Vec<&cutover_cli::apply::Check> = stage
            .checks
            .iter()
            .filter(|check| check.name == format!("break-glass:{client}"))
            .collect();
        assert_eq!(proofs.len(), 2, "proven before and after the change: {:?}", stage.checks);
        assert!(!proofs[0].skipped);
        assert!(proofs[0].detail.starts_with("proven before the change"), "{}", proofs[0].detail);
        assert!(proofs[1].detail.starts_with("proven after the change"), "{}", proofs[1].detail);
    }
    let put_index = stage.checks.iter().position(|check| check.name == "put:purecloud").unwrap();
    let first_proof =
        stage.checks.iter().position(|check| check.name.starts_with("break-glass:")).unwrap();
    assert!(first_proof < put_index, "a proof runs before the PUT: {:?}", stage.checks);
    assert_eq!(sample.provider_on_disk(ProviderType::Purecloud).unwrap()["disabled"], true);
    assert_ne!(first.backup, second.backup);

    // Roll back to the second backup: native login comes back on.
    let loaded = load_backup(second.backup.as_ref()).unwrap();
    let report = rollback(&api, &loaded, &hooks, &now()).await.unwrap();
    assert_eq!(report.result, RollbackResult::RolledBack);
    assert_eq!(report.exit_code(), 0);
    let purecloud = report.restored.iter().find(|e| e.kind == ProviderType::Purecloud).unwrap();
    assert_eq!(purecloud.action, RestoreAction::Put);
    let generic = report.restored.iter().find(|e| e.kind == ProviderType::Generic).unwrap();
    assert_eq!(generic.action, RestoreAction::Unchanged);
    assert_eq!(sample.provider_on_disk(ProviderType::Purecloud).unwrap()["disabled"], false);
    assert!(sample.provider_on_disk(ProviderType::Generic).is_some());

    // Roll back to the first backup: the provider is deleted.
    let loaded = load_backup(first.backup.as_ref()).unwrap();
    let report = rollback(&api, &loaded, &hooks, &now()).await.unwrap();
    assert_eq!(report.result, RollbackResult::RolledBack);
    let generic = report.restored.iter().find(|e| e.kind == ProviderType::Generic).unwrap();
    assert_eq!(generic.action, RestoreAction::Deleted);
    let purecloud = report.restored.iter().find(|e| e.kind == ProviderType::Purecloud).unwrap();
    assert_eq!(purecloud.action, RestoreAction::Unchanged);

    assert_eq!(sample.on_disk(), sample.original, "the org file is back as it was");
    assert!(find_unfinished(&sample.backup_dir()).unwrap().is_empty());
}

#[tokio::test]
async fn both_stages_then_rollback() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    let plan = make_plan(&api, &PlanOptions::disable_native_login()).await;
    assert!(!plan.blocked, "{:?}", plan.findings);
    let outcome = run_apply(&api, &request(&sample, plan), &hooks, &now()).await;
    let report = outcome.result.unwrap();
    assert_eq!(outcome.exit_code, 0, "{:?}", report.message);
    let statuses: Vec<StageStatus> = report.stages.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [StageStatus::Verified, StageStatus::Verified]);

    // Without secret files the named clients are reported, not proven.
    let stage_two = &report.stages[1];
    assert_eq!(stage_two.checks[0].name, "provider:generic", "precondition runs first");
    let unproven: Vec<&str> = stage_two
        .checks
        .iter()
        .filter(|check| check.skipped)
        .map(|check| check.name.as_str())
        .collect();
    assert_eq!(
        unproven,
        [format!("break-glass:{PRIMARY_CLIENT}"), format!("break-glass:{SECONDARY_CLIENT}")]
    );
    assert!(stage_two.checks.iter().all(|check| check.ok));

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["result"], "applied");
    assert!(json["backup"].as_str().unwrap().starts_with('/'));
    assert_eq!(json["stages"][1]["checks"][0]["ok"], true);
    assert!(json["stages"][0]["checks"][0].get("skipped").is_none());
    assert!(json["findings"].as_array().is_some_and(|f| !f.is_empty()));

    let loaded = load_backup(report.backup.as_ref()).unwrap();
    let restored = rollback(&api, &loaded, &hooks, &now()).await.unwrap();
    assert_eq!(restored.result, RollbackResult::RolledBack);
    let order: Vec<(ProviderType, RestoreAction)> =
        restored.restored.iter().map(|e| (e.kind, e.action)).collect();
    assert_eq!(
        order,
        [
            (ProviderType::Purecloud, RestoreAction::Put),
            (ProviderType::Generic, RestoreAction::Deleted)
        ],
        "native login first, then the provider"
    );
    assert_eq!(sample.on_disk(), sample.original);
}

#[tokio::test]
async fn backup_reported_before_first_change() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    let plan = make_plan(&api, &PlanOptions::default()).await;
    let report = run_apply(&api, &request(&sample, plan), &hooks, &now()).await.result.unwrap();
    let events = hooks.events();
    assert!(events[0].starts_with("backup "), "{events:?}");
    assert!(events[0].ends_with("writes=0"), "{events:?}");
    assert!(events[0].contains(&report.backup), "{events:?}");
    assert_eq!(events[1], "stage 1");
}

#[tokio::test]
async fn backup_holds_every_configured_provider() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    let plan = make_plan(&api, &PlanOptions::disable_native_login()).await;
    let report = run_apply(&api, &request(&sample, plan), &hooks, &now()).await.result.unwrap();

    let backup = crate::support::read_json(report.backup.as_ref());
    assert_eq!(backup["schema"], "sso-cutover.backup.v1");
    assert_eq!(backup["organization"]["id"], sample.original["organization"]["id"]);
    assert_eq!(backup["identityProviders"], sample.original["identityProviders"]);
    assert_eq!(backup["plan"]["schema"], "sso-cutover.plan.v1");
    assert_eq!(backup["waivers"][0]["rule"], "password-grant-client");
    let text = std::fs::read_to_string(&report.backup).unwrap();
    assert!(!text.contains("sample-cutover-admin-secret"), "no secret in the backup");
}

#[cfg(unix)]
#[tokio::test]
async fn backup_and_journal_private() {
    use std::os::unix::fs::PermissionsExt;
    let sample = SampleOrg::copy();
    let api = sample.api();
    let plan = make_plan(&api, &PlanOptions::default()).await;
    let report = run_apply(&api, &request(&sample, plan), &SaveHooks::new(&sample), &now())
        .await
        .result
        .unwrap();
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let backup = std::path::Path::new(&report.backup);
    assert_eq!(mode(&sample.backup_dir()), 0o700);
    assert_eq!(mode(backup), 0o600);
    let journal = Journal::open_for_backup(backup).unwrap().expect("journal beside the backup");
    assert_eq!(mode(journal.path()), 0o600);
    assert!(journal.record().finished);
    assert_eq!(crate::support::files_in(&sample.backup_dir()).len(), 2, "backup and journal only");
}

#[tokio::test]
async fn nothing_to_do_still_backs_up() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    let plan = make_plan(&api, &PlanOptions::default()).await;
    run_apply(&api, &request(&sample, plan), &hooks, &now()).await.result.unwrap();

    let plan = make_plan(&api, &PlanOptions::default()).await;
    assert!(plan.stages.is_empty(), "the provider already matches");
    let outcome = run_apply(&api, &request(&sample, plan), &hooks, &now()).await;
    let report = outcome.result.unwrap();
    assert_eq!(outcome.exit_code, 0);
    assert_eq!(report.result, ApplyResult::Unchanged);
    assert!(report.stages.is_empty());
    assert!(std::path::Path::new(&report.backup).is_file());
    assert_eq!(serde_json::to_value(&report).unwrap()["result"], "unchanged");
}
