//! One cell of the fault matrix: `apply` with one fault on one call, on one
//! backend, then the checks of its end state and a `rollback` with the CLI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};
use cutover_api::{IdentityProvider, OrgApi};
use cutover_auth::TokenRetry;
use cutover_cli::apply::{
    ApplyError, ApplyReport, ApplyRequest, ChangeHooks, HookError, NoHooks, SystemClock, run_apply,
};
use cutover_cli::journal::Journal;
use cutover_http::{HttpApi, HttpConfig, RetryPolicy};
use cutover_memory::{FaultAction, FaultPlan, FaultRule, MemoryOrg, Trigger};
use cutover_sim::{SimConfig, SimFault, SimFaultAction, SimOrg};
use serde_json::Value;

use super::calls::CallSite;
use super::fixture::Fixture;
use crate::process::{Tools, isolated_command, run_to_end};
use crate::runner::providers_of;

/// Repeats of one request in the matrix's HTTP backend (so three attempts).
pub(crate) const HTTP_RETRIES: u32 = 2;
/// Timeout of each HTTP request in the matrix.
/// Long enough that a request without a fault never times out, even with
/// dozens of runs at once on two cores.
pub(crate) const HTTP_TIMEOUT: Duration = Duration::from_secs(1);
/// Delay of a request in the simulator for the timeout fault; longer than
/// [`HTTP_TIMEOUT`], so the client gives up first.
pub(crate) const TIMEOUT_DELAY: Duration = Duration::from_millis(1500);
/// The `Retry-After` of the 429 storm, within what the backend waits.
const STORM_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The faults of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Fault {
    Status500,
    Status503,
    RateLimitStorm,
    DroppedConnection,
    Timeout,
    Status400,
    Status403,
}

impl Fault {
    pub(crate) const ALL: [Fault; 7] = [
        Fault::Status500,
        Fault::Status503,
        Fault::RateLimitStorm,
        Fault::DroppedConnection,
        Fault::Timeout,
        Fault::Status400,
        Fault::Status403,
    ];

    /// Returns the column heading.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Fault::Status500 => "500",
            Fault::Status503 => "503",
            Fault::RateLimitStorm => "429 storm",
            Fault::DroppedConnection => "dropped",
            Fault::Timeout => "timeout",
            Fault::Status400 => "400",
            Fault::Status403 => "403",
        }
    }

    /// Tells whether the HTTP backend repeats a request that meets this
    /// fault, so that the fault must last for every attempt.
    fn is_retried(self) -> bool {
        !matches!(self, Fault::Status400 | Fault::Status403)
    }

    /// Builds the in-memory backend's form of the fault. That backend has no
    /// connections, so a dropped connection takes its harshest form: the
    /// change is made and the response is lost.
    fn memory_rule(self, site: &CallSite) -> Option<FaultRule> {
        let operation = site.call.as_ref()?.operation;
        let trigger = Trigger::nth(site.memory_nth);
        let action = match self {
            Fault::Status500 => FaultAction::Status(500),
            Fault::Status503 => FaultAction::Status(503),
            Fault::RateLimitStorm => {
                FaultAction::RateLimited { retry_after: Some(STORM_RETRY_AFTER) }
            }
            Fault::DroppedConnection | Fault::Timeout => FaultAction::Timeout,
            Fault::Status400 => FaultAction::Status(400),
            Fault::Status403 => FaultAction::Status(403),
        };
        let rule = FaultRule::new(operation, trigger, action);
        Some(if self == Fault::DroppedConnection { rule.after_apply() } else { rule })
    }

    /// Builds the simulator's form of the fault. It hits the call's request
    /// and, for a fault the backend retries, each repeat of it.
    fn simulator_rule(self, site: &CallSite) -> SimFault {
        let attempts = if self.is_retried() { u64::from(HTTP_RETRIES) + 1 } else { 1 };
        let action = match self {
            Fault::Status500 => SimFaultAction::Status(500),
            Fault::Status503 => SimFaultAction::Status(503),
            Fault::RateLimitStorm => {
                SimFaultAction::RateLimitStorm { retry_after: STORM_RETRY_AFTER }
            }
            Fault::DroppedConnection => SimFaultAction::DropConnection,
            Fault::Timeout => SimFaultAction::Delay(TIMEOUT_DELAY),
            Fault::Status400 => SimFaultAction::Status(400),
            Fault::Status403 => SimFaultAction::Status(403),
        };
        let method = site.method.parse().expect("call sites use standard methods");
        SimFault::new(site.path.clone(), Trigger::calls(site.http_nth, attempts), action)
            .with_method(method)
    }
}

/// The backend of a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Memory,
    Simulator,
}

/// The state an org ended in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EndState {
    /// Every provider as before.
    Unchanged,
    /// The new provider configured and native login disabled, the rest as
    /// before.
    AtTarget,
    /// Anything else in which people can still sign in.
    Partial(String),
    /// Native login disabled while the new provider is missing or does not
    /// match the metadata.
    Lockout(String),
}

impl EndState {
    /// Returns the short name used in the tables.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            EndState::Unchanged => "unchanged",
            EndState::AtTarget => "target",
            EndState::Partial(_) => "partial",
            EndState::Lockout(_) => "LOCKOUT",
        }
    }
}

/// The result of one cell.
#[derive(Clone, Debug)]
pub(crate) struct CellResult {
    /// The row.
    pub(crate) site: usize,
    /// The column.
    pub(crate) fault: Fault,
    /// The backend.
    pub(crate) side: Side,
    /// `None` when the call does not exist on this backend.
    pub(crate) outcome: Option<CellOutcome>,
}

/// The result of a cell that ran.
#[derive(Clone, Debug)]
pub(crate) struct CellOutcome {
    /// The exit code of `apply`.
    pub(crate) exit_code: u8,
    /// The org afterwards.
    pub(crate) end_state: EndState,
    /// Broken promises; empty when the cell passed.
    pub(crate) problems: Vec<String>,
}

/// Runs one cell.
pub(crate) async fn run_cell(
    tools: &Tools,
    fixture: &Fixture,
    sites: &[CallSite],
    site_index: usize,
    fault: Fault,
    side: Side,
) -> CellResult {
    let site = &sites[site_index];
    let outcome = match side {
        Side::Memory => match fault.memory_rule(site) {
            None => None,
            Some(rule) => {
                let mut plan = FaultPlan::new();
                if let Some(failing) = site.preceded_by.as_deref().and_then(failing_rule) {
                    plan = plan.with(failing);
                }
                Some(run_memory(tools, fixture, plan.with(rule), site.before_change).await)
            }
        },
        Side::Simulator => Some(run_simulator(tools, fixture, site, fault).await),
    };
    let outcome = outcome.map(|result| {
        result.unwrap_or_else(|error| CellOutcome {
            exit_code: u8::MAX,
            end_state: EndState::Partial("not run".to_owned()),
            problems: vec![format!("the cell could not run: {error:#}")],
        })
    });
    CellResult { site: site_index, fault, side, outcome }
}

/// Saves the in-memory org after each change, as the CLI does with
/// `--org-file`.
struct SaveHooks {
    org: MemoryOrg,
}

impl ChangeHooks for SaveHooks {
    fn after_change(&self) -> Result<(), HookError> {
        self.org.save().map_err(|error| Box::new(error) as HookError)
    }
}

async fn run_memory(
    tools: &Tools,
    fixture: &Fixture,
    plan: FaultPlan,
    site_before_change: bool,
) -> Result<CellOutcome> {
    let dir = tempfile::Builder::new().prefix("fault-memory-").tempdir()?;
    let org_path = dir.path().join("org.json");
    std::fs::write(&org_path, &fixture.org_text)?;
    let backup_dir = dir.path().join("backups");

    let org = MemoryOrg::load(&org_path)?;
    let rules = plan.rules.len() as u64;
    org.faults().install(plan);
    let api = org.session(Some(&fixture.client.client_id), Some(&fixture.client.secret))?;
    let backend_args = vec![
        "--org-file".to_owned(),
        org_path.display().to_string(),
        "--client-id".to_owned(),
        fixture.client.client_id.clone(),
    ];
    let request = apply_request(fixture, &backup_dir, backend_args.clone());
    let outcome = run_apply(&api, &request, &SaveHooks { org: org.clone() }, &SystemClock).await;
    let fired = org.faults().fired_count();
    org.faults().clear();
    // A change whose response was lost is in the org, but the hooks did not
    // save it. The real API would keep it, so the file must keep it too.
    org.save()?;

    let after = providers_of(&org.to_value());
    let mut judged =
        judge(fixture, site_before_change, outcome.exit_code, &outcome.result, &after, &backup_dir);
    if fired < rules {
        judged.problems.push("the fault never hit a call".to_owned());
    }
    let rollback_args = backend_args;
    check_rollback(tools, fixture, dir.path(), &judged, &rollback_args, || {
        let org = MemoryOrg::load(&org_path)?;
        Ok(providers_of(&org.to_value()))
    })
    .await
    .map(|problems| judged.with(problems))
}

async fn run_simulator(
    tools: &Tools,
    fixture: &Fixture,
    site: &CallSite,
    fault: Fault,
) -> Result<CellOutcome> {
    let dir = tempfile::Builder::new().prefix("fault-sim-").tempdir()?;
    let org_path = dir.path().join("org.json");
    std::fs::write(&org_path, &fixture.org_text)?;
    let backup_dir = dir.path().join("backups");

    let mut faults = Vec::new();
    if let Some(failing) = site.preceded_by.as_deref() {
        faults.push(failing_simulator_rule(failing));
    }
    faults.push(fault.simulator_rule(site));
    let config = SimConfig { faults, ..SimConfig::default() };
    let handle = cutover_sim::start(SimOrg::load(&org_path)?, config).await?;
    let base = handle.base_url();
    let mut http = HttpConfig::for_base(base.clone());
    http.timeout = Some(HTTP_TIMEOUT);
    http.retry = matrix_retry_policy();
    http.token_retry = TokenRetry {
        max_attempts: HTTP_RETRIES + 1,
        max_wait: Duration::from_secs(5),
        first_backoff: Duration::from_millis(1),
    };
    let api = HttpApi::new(fixture.client.clone(), http)?;
    let backend_args = vec![
        "--api-base".to_owned(),
        base.to_string(),
        "--login-base".to_owned(),
        base.to_string(),
        "--client-id".to_owned(),
        fixture.client.client_id.clone(),
        "--client-secret-file".to_owned(),
        fixture.secret_file.display().to_string(),
    ];
    let request = apply_request(fixture, &backup_dir, backend_args.clone());
    let outcome = run_apply(&api as &dyn OrgApi, &request, &NoHooks, &SystemClock).await;
    if fault == Fault::Timeout {
        // A request the client gave up on may still be handled when the
        // simulator's delay ends; wait for that before judging the org.
        tokio::time::sleep(TIMEOUT_DELAY + Duration::from_millis(200)).await;
    }
    let reached = handle.request_count_for(site.method, &site.path) >= site.http_nth;
    handle.clear_faults();

    let after = providers_of(&handle.org().to_value());
    let mut judged =
        judge(fixture, site.before_change, outcome.exit_code, &outcome.result, &after, &backup_dir);
    if !reached {
        judged.problems.push(format!(
            "the faulted request `{} {}` #{} was never made",
            site.method, site.path, site.http_nth
        ));
    }
    let result = check_rollback(tools, fixture, dir.path(), &judged, &backend_args, || {
        Ok(providers_of(&handle.org().to_value()))
    })
    .await;
    handle.shutdown().await;
    result.map(|problems| judged.with(problems))
}

/// Builds the rule that fails `site` once with 400 on the in-memory backend,
/// to send a run into the undo.
pub(crate) fn failing_rule(site: &CallSite) -> Option<FaultRule> {
    let operation = site.call.as_ref()?.operation;
    Some(FaultRule::new(operation, Trigger::nth(site.memory_nth), FaultAction::Status(400)))
}

/// Builds the simulator's form of [`failing_rule`]. A 400 is not repeated,
/// so one request fails.
fn failing_simulator_rule(site: &CallSite) -> SimFault {
    let method = site.method.parse().expect("call sites use standard methods");
    SimFault::new(site.path.clone(), Trigger::nth(site.http_nth), SimFaultAction::Status(400))
        .with_method(method)
}

/// Returns the retry policy of the matrix: two repeats and millisecond
/// backoff, so that a cell takes seconds.
pub(crate) fn matrix_retry_policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: HTTP_RETRIES,
        max_failure_retries: HTTP_RETRIES,
        max_total_wait: Duration::from_secs(10),
        max_rate_limit_wait: Duration::from_secs(5),
        min_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        jitter: false,
    }
}

fn apply_request(fixture: &Fixture, backup_dir: &Path, backend_args: Vec<String>) -> ApplyRequest {
    ApplyRequest {
        plan: fixture.plan.clone(),
        backup_dir: backup_dir.to_owned(),
        break_glass_secrets: vec![fixture.break_glass.clone()],
        break_glass_secret_files: std::collections::BTreeMap::new(),
        org_file: None,
        backend_args,
    }
}

impl CellOutcome {
    fn with(mut self, problems: Vec<String>) -> Self {
        self.problems.extend(problems);
        self
    }
}

/// Classifies the end state and checks the promises of `apply`:
///
/// - exit 1 only for a fault before the first change and with the org
///   unchanged, exit 5 only with the org unchanged,
///   exit 0 only at the target (a fault the run survived), exit 6 with
///   anything but a lockout;
/// - never a lockout;
/// - a backup on disk after every run that reached a change, with its
///   journal finished unless the exit code is 6.
pub(crate) fn judge(
    fixture: &Fixture,
    before_change: bool,
    exit_code: u8,
    result: &Result<ApplyReport, ApplyError>,
    after: &BTreeMap<String, Value>,
    backup_dir: &Path,
) -> CellOutcome {
    let end_state = classify(fixture, after);
    let mut problems = Vec::new();
    let expected_state_ok = match exit_code {
        0 => end_state == EndState::AtTarget,
        1 => before_change && end_state == EndState::Unchanged,
        5 => end_state == EndState::Unchanged,
        6 => !matches!(end_state, EndState::Lockout(_)),
        _ => false,
    };
    if !expected_state_ok {
        let when = if before_change { "before" } else { "after" };
        problems.push(format!(
            "exit {exit_code} with the org {} for a fault {when} the first change",
            describe(&end_state)
        ));
    }
    if let EndState::Lockout(detail) = &end_state {
        problems.push(format!("lockout: {detail}"));
    }
    match (result, backup_of(result, backup_dir)) {
        (Ok(_), None) => problems.push("apply reported a backup that is not on disk".to_owned()),
        (Ok(_), Some(backup)) => match Journal::open_for_backup(&backup) {
            Ok(Some(journal)) => {
                let finished = journal.record().finished;
                if finished == (exit_code == 6) {
                    problems.push(format!(
                        "the journal is {} after exit {exit_code}",
                        if finished { "finished" } else { "unfinished" }
                    ));
                }
            }
            Ok(None) => problems.push("the backup has no journal".to_owned()),
            Err(error) => problems.push(format!("the journal does not load: {error}")),
        },
        (Err(_), _) => {}
    }
    if !problems.is_empty() {
        let said = match result {
            Ok(report) => report.message.clone().unwrap_or_else(|| format!("{:?}", report.result)),
            Err(error) => error.to_string(),
        };
        problems.push(format!("apply reported: {said}"));
    }
    CellOutcome { exit_code, end_state, problems }
}

fn describe(state: &EndState) -> String {
    match state {
        EndState::Unchanged => "unchanged".to_owned(),
        EndState::AtTarget => "at the target".to_owned(),
        EndState::Partial(detail) => format!("partly changed ({detail})"),
        EndState::Lockout(detail) => format!("locked out ({detail})"),
    }
}

/// Returns the backup of a run: the path in the report, or for a run that
/// stopped with an error, none.
fn backup_of(result: &Result<ApplyReport, ApplyError>, _backup_dir: &Path) -> Option<PathBuf> {
    let report = result.as_ref().ok()?;
    let path = PathBuf::from(&report.backup);
    path.is_file().then_some(path)
}

/// Classifies the providers after a run against the fixture's original org
/// and the plan's target.
pub(crate) fn classify(fixture: &Fixture, after: &BTreeMap<String, Value>) -> EndState {
    classify_providers(&fixture.original_providers, &fixture.target, after)
}

/// Classifies `after` against the `original` providers and the `target`
/// body of the `generic` provider.
fn classify_providers(
    original: &BTreeMap<String, Value>,
    target: &IdentityProvider,
    after: &BTreeMap<String, Value>,
) -> EndState {
    if after == original {
        return EndState::Unchanged;
    }
    let generic = after
        .get("generic")
        .and_then(|value| serde_json::from_value::<IdentityProvider>(value.clone()).ok());
    let native_login_off =
        after.get("purecloud").is_some_and(|purecloud| purecloud["disabled"] == Value::Bool(true));
    let provider_ready = cutover_policy::provider_matches(generic.as_ref(), target);
    if native_login_off && !provider_ready {
        let why = if generic.is_none() {
            "native login is off and the `generic` provider is missing"
        } else {
            "native login is off and the `generic` provider does not match the metadata"
        };
        return EndState::Lockout(why.to_owned());
    }

    let others_unchanged = after
        .iter()
        .filter(|(kind, _)| !matches!(kind.as_str(), "generic" | "purecloud"))
        .map(|(kind, value)| (kind.clone(), value.clone()))
        .collect::<BTreeMap<_, _>>()
        == original
            .iter()
            .filter(|(kind, _)| !matches!(kind.as_str(), "generic" | "purecloud"))
            .map(|(kind, value)| (kind.clone(), value.clone()))
            .collect::<BTreeMap<_, _>>();
    if native_login_off && provider_ready && others_unchanged {
        return EndState::AtTarget;
    }
    let mut parts = Vec::new();
    if provider_ready {
        parts.push("the `generic` provider is configured");
    } else if generic.is_some() {
        parts.push("the `generic` provider differs from the metadata");
    }
    parts.push(if native_login_off { "native login is off" } else { "native login is on" });
    if !others_unchanged {
        parts.push("another provider changed");
    }
    EndState::Partial(parts.join(", "))
}

/// Runs `sso-cutover rollback` from the cell's backup and checks that it
/// exits 0 and restores every provider exactly. Runs only when a backup
/// exists.
async fn check_rollback(
    tools: &Tools,
    fixture: &Fixture,
    home: &Path,
    judged: &CellOutcome,
    backend_args: &[String],
    read_providers: impl Fn() -> Result<BTreeMap<String, Value>>,
) -> Result<Vec<String>> {
    let backups: Vec<PathBuf> = match std::fs::read_dir(home.join("backups")) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect(),
        Err(_) => Vec::new(),
    };
    let mut problems = Vec::new();
    let [backup] = backups.as_slice() else {
        if backups.len() > 1 {
            problems.push(format!("{} backups instead of one", backups.len()));
        } else if judged.exit_code != 1 {
            problems.push(format!("no backup on disk after exit {}", judged.exit_code));
        } else if judged.end_state != EndState::Unchanged {
            problems.push("the org changed, but no backup was written".to_owned());
        }
        return Ok(problems);
    };

    let mut command = isolated_command(&tools.cli, home);
    command
        .arg("rollback")
        .arg("--backup")
        .arg(backup)
        .args(["--yes", "--output", "json"])
        .args(backend_args);
    let finished = run_to_end(command).await.context("running rollback")?;
    if finished.code != Some(0) {
        problems.push(format!(
            "rollback ended with {:?}: {}",
            finished.code,
            finished.stderr.lines().last().unwrap_or_default()
        ));
    }
    let restored = read_providers()?;
    for line in crate::compare::provider_differences(&fixture.original_providers, &restored) {
        problems.push(format!("after rollback: {line}"));
    }
    for (kind, original) in &fixture.original_providers {
        if restored.get(kind).is_some_and(|value| value != original) {
            problems.push(format!("after rollback: provider `{kind}` is not exactly as before"));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn target() -> IdentityProvider {
        static CERTIFICATE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            cutover_saml::testing::CertificateBuilder::new("idp.example.test").build().base64()
        });
        serde_json::from_value(json!({
            "name": "Contoso",
            "disabled": false,
            "issuerURI": "https://idp.example.test/",
            "ssoTargetURI": "https://idp.example.test/sso",
            "certificates": [CERTIFICATE.as_str()],
        }))
        .unwrap()
    }

    fn original() -> BTreeMap<String, Value> {
        BTreeMap::from([
            ("purecloud".to_owned(), json!({"id": "p", "name": "PureCloud", "disabled": false})),
            ("okta".to_owned(), json!({"id": "o", "disabled": true})),
        ])
    }

    fn with(changes: &[(&str, Option<Value>)]) -> BTreeMap<String, Value> {
        let mut providers = original();
        for (kind, value) in changes {
            match value {
                Some(value) => providers.insert((*kind).to_owned(), value.clone()),
                None => providers.remove(*kind),
            };
        }
        providers
    }

    fn native_off() -> Value {
        json!({"id": "p", "name": "PureCloud", "disabled": true})
    }

    #[test]
    fn classify_unchanged_and_target() {
        let target_json = serde_json::to_value(target()).unwrap();
        assert_eq!(classify_providers(&original(), &target(), &original()), EndState::Unchanged);
        let done = with(&[("generic", Some(target_json)), ("purecloud", Some(native_off()))]);
        assert_eq!(classify_providers(&original(), &target(), &done), EndState::AtTarget);
    }

    #[test]
    fn classify_lockouts() {
        let missing = with(&[("purecloud", Some(native_off()))]);
        assert!(matches!(
            classify_providers(&original(), &target(), &missing),
            EndState::Lockout(_)
        ));
        let mut other = serde_json::to_value(target()).unwrap();
        other["issuerURI"] = json!("https://old.example.test/");
        let wrong = with(&[("generic", Some(other)), ("purecloud", Some(native_off()))]);
        assert!(matches!(classify_providers(&original(), &target(), &wrong), EndState::Lockout(_)));
        let mut disabled = serde_json::to_value(target()).unwrap();
        disabled["disabled"] = json!(true);
        let off = with(&[("generic", Some(disabled)), ("purecloud", Some(native_off()))]);
        assert!(matches!(classify_providers(&original(), &target(), &off), EndState::Lockout(_)));
    }

    #[test]
    fn classify_partial_states() {
        let target_json = serde_json::to_value(target()).unwrap();
        let stage_1 = with(&[("generic", Some(target_json.clone()))]);
        assert!(matches!(
            classify_providers(&original(), &target(), &stage_1),
            EndState::Partial(_)
        ));
        let okta_gone = with(&[
            ("generic", Some(target_json)),
            ("purecloud", Some(native_off())),
            ("okta", None),
        ]);
        assert!(matches!(
            classify_providers(&original(), &target(), &okta_gone),
            EndState::Partial(_)
        ));
    }
}
