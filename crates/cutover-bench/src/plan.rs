//! Plan evaluation: `cutover_policy::evaluate` over a generated org read
//! through the in-memory backend, timed on its own.

use std::hint::black_box;
use std::time::Instant;

use anyhow::{Context, Result};
use cutover_api::{CollectOptions, OrgState, ProviderType, collect_state};
use cutover_auth::ClientSecret;
use cutover_memory::MemoryOrg;
use cutover_policy::{DesiredChange, IdpUserList, evaluate};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::machine;
use crate::metadata;
use crate::org::{ADMIN_SECRET, OrgSpec};

/// The measurements of the plan worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanReport {
    /// Wall time of each `evaluate` call, in milliseconds.
    pub evaluate_ms: Vec<f64>,
    /// Findings of the last evaluation.
    pub findings: usize,
    /// Whether the last evaluation was blocked.
    pub blocked: bool,
    /// Users in the evaluated state.
    pub users: usize,
    /// OAuth clients in the evaluated state.
    pub clients: usize,
    /// Roles in the evaluated state.
    pub roles: usize,
    /// Resident memory before the first evaluation, with the org state and
    /// the change built, in KiB.
    pub baseline_rss_kib: Option<u64>,
    /// Peak resident memory of the worker during the evaluations, in KiB:
    /// since the baseline when the kernel allows resetting the peak, else
    /// since the worker started.
    pub peak_rss_kib: Option<u64>,
}

/// Builds the org of `spec` and the change, then times `runs` evaluations.
pub async fn run(spec: OrgSpec, runs: u32) -> Result<PlanReport> {
    let state = read_state(spec).await?;
    let change = desired_change(spec)?;
    let now = Timestamp::now();
    machine::reset_peak_rss();
    let baseline_rss_kib = machine::current_rss_kib();

    let mut evaluate_ms = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let evaluation = evaluate(black_box(&state), black_box(&change), now)
            .context("the plan evaluation failed")?;
        evaluate_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        last = Some(black_box(evaluation));
    }
    let last = last.context("the plan worker needs at least one run")?;

    Ok(PlanReport {
        evaluate_ms,
        findings: last.findings.len(),
        blocked: last.blocked,
        users: state.users.len(),
        clients: state.oauth_clients.len(),
        roles: state.roles.len(),
        baseline_rss_kib,
        peak_rss_kib: machine::peak_rss_kib(),
    })
}

/// Reads the generated org the way `plan` does, through `collect_state`.
async fn read_state(spec: OrgSpec) -> Result<OrgState> {
    let org =
        MemoryOrg::from_json(&spec.snapshot_json()).context("the generated org is invalid")?;
    let secret = ClientSecret::new(ADMIN_SECRET);
    let api = org.session(Some(&OrgSpec::admin_client_id()), Some(&secret))?;
    Ok(collect_state(&api, CollectOptions::default()).await?)
}

/// Builds the change of a full cutover: an Okta provider from valid metadata,
/// native login off, both break-glass clients named, and an IdP user list
/// that lacks one active user in a hundred.
fn desired_change(spec: OrgSpec) -> Result<DesiredChange> {
    let certificate = metadata::signing_certificate_base64()?;
    let parsed = cutover_saml::parse_metadata(metadata::idp_xml(&certificate).as_bytes(), None);
    let mut change = DesiredChange::new(ProviderType::Okta, parsed);
    change.name = Some("Okta".to_owned());
    change.disable_native_login = true;
    change.break_glass_clients = OrgSpec::break_glass_client_ids().to_vec();
    let emails: Vec<String> =
        (0..spec.users).filter(|index| index % 100 != 7).filter_map(OrgSpec::email).collect();
    change.idp_users = Some(IdpUserList::parse(&emails.join("\n")));
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn plan_reports_every_run() {
        let report = run(OrgSpec::new(500, 20, 10), 3).await.unwrap();
        assert_eq!(report.evaluate_ms.len(), 3);
        assert_eq!(report.users, 500);
        assert_eq!(report.clients, 20);
        assert_eq!(report.roles, 10);
        // Users missing from the IdP list make findings.
        assert!(report.findings > 0);
    }
}
