//! One failing call at a time, at every point of a two-stage apply. The org
//! must end applied, untouched or rolled back. After exit 6, native login may
//! be off only while the new provider is in place, and the printed rollback
//! must restore the org.

use cutover_api::ProviderType;
use cutover_cli::apply::{ApplyResult, run_apply};
use cutover_cli::backup::load_backup;
use cutover_cli::rollback::{RollbackResult, rollback};
use cutover_memory::{FaultAction, FaultRule, Operation, Trigger};

use crate::support::{
    PRIMARY_CLIENT, PlanOptions, SECONDARY_CLIENT, SampleOrg, SaveHooks, make_plan, now, request,
};

/// The operations `apply` calls after the plan was made.
const OPERATIONS: [Operation; 7] = [
    Operation::Organization,
    Operation::TokenInfo,
    Operation::IdentityProvider,
    Operation::PutIdentityProvider,
    Operation::DeleteIdentityProvider,
    Operation::FreshToken,
    Operation::RequestToken,
];

async fn run_case(rule: FaultRule) {
    let case = format!("{rule:?}");
    let sample = SampleOrg::copy();
    let api = sample.api();
    let hooks = SaveHooks::new(&sample);
    let plan = make_plan(&api, &PlanOptions::disable_native_login()).await;
    let mut apply_request = request(&sample, plan);
    apply_request.break_glass_secrets =
        vec![sample.credentials(PRIMARY_CLIENT), sample.credentials(SECONDARY_CLIENT)];
    sample.org.faults().add(rule);

    let outcome = run_apply(&api, &apply_request, &hooks, &now()).await;
    let generic = sample.provider_on_disk(ProviderType::Generic);
    let native_login_off =
        sample.provider_on_disk(ProviderType::Purecloud).unwrap()["disabled"] == true;
    if native_login_off {
        let generic = generic.as_ref().unwrap_or_else(|| panic!("{case}: native login off alone"));
        assert_eq!(generic["disabled"], false, "{case}");
        assert_eq!(generic["issuerURI"], "https://idp.northwind.example/saml2/metadata", "{case}");
    }

    match outcome.exit_code {
        0 => {
            let report = outcome.result.unwrap();
            assert_eq!(report.result, ApplyResult::Applied, "{case}");
            assert!(native_login_off, "{case}");
        }
        1 | 5 => {
            assert_eq!(sample.on_disk(), sample.original, "{case}: exit {}", outcome.exit_code);
        }
        6 => {
            let report = outcome.result.unwrap();
            assert!(report.message.unwrap().contains("sso-cutover rollback --backup"), "{case}");
            sample.org.faults().clear();
            let loaded = load_backup(report.backup.as_ref()).unwrap();
            let restored = rollback(&api, &loaded, &hooks, &now()).await.unwrap();
            assert_eq!(restored.result, RollbackResult::RolledBack, "{case}");
            assert_eq!(sample.on_disk(), sample.original, "{case}");
        }
        other => panic!("{case}: unexpected exit code {other}"),
    }
}

/// Counts the calls of each operation in an apply that succeeds.
async fn clean_run_calls() -> Vec<(Operation, u64)> {
    let sample = SampleOrg::copy();
    let api = sample.api();
    let plan = make_plan(&api, &PlanOptions::disable_native_login()).await;
    let mut apply_request = request(&sample, plan);
    apply_request.break_glass_secrets =
        vec![sample.credentials(PRIMARY_CLIENT), sample.credentials(SECONDARY_CLIENT)];
    sample.org.faults().reset_counts();
    let outcome = run_apply(&api, &apply_request, &SaveHooks::new(&sample), &now()).await;
    assert_eq!(outcome.exit_code, 0);
    OPERATIONS.iter().map(|&operation| (operation, sample.org.call_count(operation))).collect()
}

#[tokio::test]
async fn every_single_failure_is_safe() {
    let calls = clean_run_calls().await;
    assert!(calls.iter().map(|(_, count)| count).sum::<u64>() > 15, "{calls:?}");
    for (operation, count) in calls {
        for n in 1..=count {
            run_case(FaultRule::new(operation, Trigger::nth(n), FaultAction::Status(500))).await;
        }
    }
}

#[tokio::test]
async fn persistent_failures_are_safe() {
    // From the nth call on, every call of the operation fails, the undo's
    // calls included.
    for (operation, count) in clean_run_calls().await {
        for n in 1..=count {
            run_case(FaultRule::new(operation, Trigger::from_nth(n), FaultAction::Status(503)))
                .await;
        }
    }
}

#[tokio::test]
async fn lost_responses_are_safe() {
    for n in 1..=2 {
        run_case(
            FaultRule::new(Operation::PutIdentityProvider, Trigger::nth(n), FaultAction::Timeout)
                .after_apply(),
        )
        .await;
    }
}
