//! Plans that `apply` rejects before it writes anything.

use cutover_api::{IdentityProvider, OrgApi, ProviderType};
use cutover_cli::apply::{ApplyError, ApplyResult, run_apply};
use cutover_cli::backup::{Backup, load_backup, write_backup};
use cutover_cli::journal::{Journal, JournalEventKind};
use cutover_cli::rollback::rollback;

use crate::support::{PlanOptions, SampleOrg, SaveHooks, files_in, make_plan, now, request};

#[tokio::test]
async fn stale_plan_rejected() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    let plan = make_plan(&api, &PlanOptions::default()).await;

    // Someone configures another provider after the plan was made.
    let okta = IdentityProvider {
        name: Some("Okta".into()),
        issuer_uri: Some("https://okta.example/exk1".into()),
        ..IdentityProvider::default()
    };
    api.put_identity_provider(ProviderType::Okta, &okta).await.unwrap();

    let outcome = run_apply(&api, &request(&sample, plan), &hooks, &now()).await;
    assert_eq!(outcome.exit_code, 1);
    let error = outcome.result.unwrap_err();
    assert!(matches!(error, ApplyError::StalePlan { .. }), "{error}");
    assert!(error.to_string().contains("plan again"), "{error}");
    assert!(files_in(&sample.backup_dir()).is_empty(), "no backup for a rejected plan");
    assert!(hooks.events().is_empty());
}

#[tokio::test]
async fn plan_of_other_org_rejected() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let mut plan = make_plan(&api, &PlanOptions::default()).await;
    plan.organization.id = "0c5e3b1a-other-org".to_owned();

    let outcome = run_apply(&api, &request(&sample, plan), &SaveHooks::new(&sample), &now()).await;
    assert_eq!(outcome.exit_code, 1);
    let text = outcome.result.unwrap_err().to_string();
    assert!(text.contains("0c5e3b1a-other-org"), "{text}");
    let org_id = sample.original["organization"]["id"].as_str().unwrap();
    assert!(text.contains(org_id), "{text}");
    assert!(files_in(&sample.backup_dir()).is_empty());
}

#[tokio::test]
async fn blocked_plan_rejected() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let mut options = PlanOptions::disable_native_login();
    options.waivers.clear();
    let plan = make_plan(&api, &options).await;
    assert!(plan.blocked, "the PASSWORD-grant client blocks without its waiver");

    let outcome = run_apply(&api, &request(&sample, plan), &SaveHooks::new(&sample), &now()).await;
    assert_eq!(outcome.exit_code, 3);
    let error = outcome.result.unwrap_err();
    assert!(matches!(error, ApplyError::Blocked { .. }), "{error}");
    assert!(error.to_string().contains("password-grant-client"), "{error}");
    assert!(files_in(&sample.backup_dir()).is_empty());
    assert_eq!(sample.on_disk(), sample.original);
}

#[tokio::test]
async fn edited_plan_stages_rejected() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let mut plan = make_plan(&api, &PlanOptions::default()).await;
    plan.stages[0].changes[0].after["ssoTargetURI"] = "https://attacker.example/sso".into();

    let outcome = run_apply(&api, &request(&sample, plan), &SaveHooks::new(&sample), &now()).await;
    assert_eq!(outcome.exit_code, 1);
    let error = outcome.result.unwrap_err();
    assert!(matches!(error, ApplyError::PlanMismatch(_)), "{error}");
    assert_eq!(sample.on_disk(), sample.original);
}

#[tokio::test]
async fn unfinished_journal_rejected_until_rollback() {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);

    // An apply that was killed after it started stage 1.
    let state =
        cutover_api::collect_state(&api, cutover_api::CollectOptions::default()).await.unwrap();
    let backup = Backup::new(
        &state.organization,
        state.identity_providers.clone(),
        serde_json::Value::Null,
        Vec::new(),
        now(),
    );
    let backup_path = write_backup(&sample.backup_dir(), &backup).unwrap();
    let mut journal = Journal::create(&backup_path, (&state.organization).into(), now()).unwrap();
    journal.record_event(JournalEventKind::StageStarted, Some(1), None, now()).unwrap();
    let body = IdentityProvider { name: Some("half done".into()), ..IdentityProvider::default() };
    api.put_identity_provider(ProviderType::Generic, &body).await.unwrap();
    sample.org.save().unwrap();

    let plan = make_plan(&api, &PlanOptions::default()).await;
    let outcome = run_apply(&api, &request(&sample, plan), &hooks, &now()).await;
    assert_eq!(outcome.exit_code, 1);
    let text = outcome.result.unwrap_err().to_string();
    let command = format!(
        "sso-cutover rollback --backup {} --org-file {}",
        backup_path.display(),
        sample.path.display()
    );
    assert!(text.contains(&command), "{text}");
    assert!(text.contains(&journal.path().display().to_string()), "{text}");

    let loaded = load_backup(&backup_path).unwrap();
    rollback(&api, &loaded, &hooks, &now()).await.unwrap();
    assert_eq!(sample.on_disk(), sample.original);
    assert!(Journal::open_for_backup(&backup_path).unwrap().unwrap().record().finished);

    let plan = make_plan(&api, &PlanOptions::default()).await;
    let outcome = run_apply(&api, &request(&sample, plan), &hooks, &now()).await;
    assert_eq!(outcome.exit_code, 0);
    assert_eq!(outcome.result.unwrap().result, ApplyResult::Applied);
}
