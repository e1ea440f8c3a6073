//! Crash safety: `apply` stopped dead at each stage boundary, then the
//! recovery a person would do.
//!
//! On the simulator the `sso-cutover` process is killed (SIGKILL) while a
//! delay fault keeps one request of the boundary waiting. On the in-memory
//! backend the engine runs in this process, and its task is aborted while a
//! call of the boundary waits on injected latency. The org file then
//! contains exactly what the engine had saved, as after a crash. After
//! either, the checks are the same:
//!
//! 1. the org is not locked out, and the backup's journal is unfinished;
//! 2. a new `apply` in the same backup folder refuses to start (exit 1) and
//!    names the rollback, and leaves the org as it was;
//! 3. `rollback --backup` exits 0 and restores every provider exactly;
//! 4. `apply` of the same plan then runs to the end (exit 0).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use cutover_cli::apply::{ApplyRequest, ChangeHooks, HookError, SystemClock, run_apply};
use cutover_cli::journal::find_unfinished;
use cutover_memory::{FaultAction, FaultPlan, FaultRule, MemoryOrg, Operation, Trigger};
use cutover_sim::{SimConfig, SimFault, SimFaultAction, SimOrg};
use serde_json::Value;

use super::calls::CallSite;
use super::fixture::Fixture;
use super::matrix::{EndState, Side, classify};
use crate::process::{Tools, isolated_command, run_to_end};
use crate::runner::providers_of;

/// Delay of the boundary's request in the simulator. The process is killed
/// during it, and a request the simulator still handles afterwards lands
/// within it.
const HOLD: Duration = Duration::from_millis(1500);

/// A point at which `apply` is stopped.
#[derive(Clone, Debug)]
pub(crate) struct Boundary {
    /// A description of what has happened when the run stops.
    pub(crate) name: &'static str,
    /// The call that is held.
    held: Held,
    /// A call that fails first, to reach the undo.
    failing: Option<Held>,
}

/// A call, by its position on both backends.
#[derive(Clone, Debug)]
struct Held {
    operation: Operation,
    memory_nth: u64,
    method: &'static str,
    path: String,
    http_nth: u64,
}

impl Held {
    fn of(site: &CallSite) -> Option<Self> {
        Some(Self {
            operation: site.call.as_ref()?.operation,
            memory_nth: site.memory_nth,
            method: site.method,
            path: site.path.clone(),
            http_nth: site.http_nth,
        })
    }
}

/// Finds the boundaries among the call sites of a full run.
pub(crate) fn boundaries(sites: &[CallSite]) -> Result<Vec<Boundary>> {
    let find = |label: &str| -> Result<Held> {
        sites
            .iter()
            .find(|site| site.label == label)
            .and_then(Held::of)
            .with_context(|| format!("no call `{label}` in the recorded run"))
    };
    let stage_2_put = find("stage 2: PUT provider `purecloud`")?;
    // The undo of stage 2 puts native login back on: the second `PUT` of
    // `purecloud`, and on the HTTP side the second such request.
    let undo_put = Held {
        memory_nth: find("stage 2: PUT provider `purecloud`")?.memory_nth + 1,
        http_nth: stage_2_put.http_nth + 1,
        ..stage_2_put.clone()
    };
    Ok(vec![
        Boundary {
            name: "stage 1 started: its PUT is in flight",
            held: find("stage 1: PUT provider `generic`")?,
            failing: None,
        },
        Boundary {
            name: "stage 1 changed: its fresh-token check is in flight",
            held: find("stage 1: fresh token")?,
            failing: None,
        },
        Boundary {
            name: "stage 1 verified: stage 2 checks the provider",
            held: find("stage 2: GET provider `generic`")?,
            failing: None,
        },
        Boundary {
            name: "stage 2 started: the PUT that disables native login is in flight",
            held: stage_2_put,
            failing: None,
        },
        Boundary {
            name: "native login disabled: its fresh-token check is in flight",
            held: find("stage 2: fresh token")?,
            failing: None,
        },
        Boundary {
            name: "stage 2 checked: the break-glass proof is in flight",
            held: find("stage 2: break-glass token")?,
            failing: None,
        },
        Boundary {
            name: "stage 2 failed: the undo that turns native login back on is in flight",
            held: undo_put,
            failing: Some(find("stage 2: GET organization")?),
        },
    ])
}

/// The result of one crash test.
#[derive(Debug)]
pub(crate) struct CrashResult {
    /// The boundary.
    pub(crate) boundary: &'static str,
    /// The backend.
    pub(crate) side: Side,
    /// The org just after the crash.
    pub(crate) end_state: Option<EndState>,
    /// Broken promises; empty when the test passed.
    pub(crate) problems: Vec<String>,
}

/// Runs one crash test.
pub(crate) async fn run_crash(
    tools: &Tools,
    fixture: &Fixture,
    boundary: &Boundary,
    side: Side,
) -> CrashResult {
    let result = match side {
        Side::Memory => crash_memory(tools, fixture, boundary).await,
        Side::Simulator => crash_simulator(tools, fixture, boundary).await,
    };
    match result {
        Ok((end_state, problems)) => {
            CrashResult { boundary: boundary.name, side, end_state: Some(end_state), problems }
        }
        Err(error) => CrashResult {
            boundary: boundary.name,
            side,
            end_state: None,
            problems: vec![format!("the test could not run: {error:#}")],
        },
    }
}

struct SaveHooks {
    org: MemoryOrg,
}

impl ChangeHooks for SaveHooks {
    fn after_change(&self) -> Result<(), HookError> {
        self.org.save().map_err(|error| Box::new(error) as HookError)
    }
}

async fn crash_memory(
    tools: &Tools,
    fixture: &Fixture,
    boundary: &Boundary,
) -> Result<(EndState, Vec<String>)> {
    let dir = tempfile::Builder::new().prefix("crash-memory-").tempdir()?;
    let org_path = dir.path().join("org.json");
    std::fs::write(&org_path, &fixture.org_text)?;
    let backup_dir = dir.path().join("backups");

    let org = MemoryOrg::load(&org_path)?;
    let held = &boundary.held;
    let mut plan = FaultPlan::new().with(FaultRule::new(
        held.operation,
        Trigger::nth(held.memory_nth),
        FaultAction::Latency(Duration::from_secs(600)),
    ));
    if let Some(failing) = &boundary.failing {
        plan = plan.fail_nth(failing.operation, failing.memory_nth, 500);
    }
    org.faults().install(plan);
    let api = Arc::new(org.session(Some(&fixture.client.client_id), Some(&fixture.client.secret))?);
    let request = ApplyRequest {
        plan: fixture.plan.clone(),
        backup_dir: backup_dir.clone(),
        break_glass_secrets: vec![fixture.break_glass.clone()],
        break_glass_secret_files: std::collections::BTreeMap::new(),
        org_file: Some(org_path.clone()),
        backend_args: vec!["--org-file".to_owned(), org_path.display().to_string()],
    };
    let hooks = SaveHooks { org: org.clone() };
    let task = tokio::spawn(async move {
        run_apply(api.as_ref(), &request, &hooks, &SystemClock).await.exit_code
    });
    let started = Instant::now();
    while org.call_count(held.operation) < held.memory_nth {
        if task.is_finished() {
            bail!("apply ended before it reached the boundary");
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("apply did not reach the boundary within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The held call sleeps now; dropping the task stops the engine there.
    task.abort();
    let _ = task.await;

    let backend = vec![
        "--org-file".to_owned(),
        org_path.display().to_string(),
        "--client-id".to_owned(),
        fixture.client.client_id.clone(),
    ];
    let read = || -> Result<BTreeMap<String, Value>> {
        Ok(providers_of(&serde_json::from_str(&std::fs::read_to_string(&org_path)?)?))
    };
    recover(tools, fixture, dir.path(), &backup_dir, &backend, read).await
}

async fn crash_simulator(
    tools: &Tools,
    fixture: &Fixture,
    boundary: &Boundary,
) -> Result<(EndState, Vec<String>)> {
    let dir = tempfile::Builder::new().prefix("crash-sim-").tempdir()?;
    let org_path = dir.path().join("org.json");
    std::fs::write(&org_path, &fixture.org_text)?;
    let backup_dir = dir.path().join("backups");
    let plan_path = dir.path().join("plan.json");
    std::fs::write(&plan_path, fixture.plan.to_json_pretty())?;
    let secret_path = dir.path().join("break-glass-secret");
    std::fs::write(&secret_path, fixture.break_glass.secret.expose())?;

    let held = &boundary.held;
    let mut faults = vec![
        SimFault::new(held.path.clone(), Trigger::nth(held.http_nth), SimFaultAction::Delay(HOLD))
            .with_method(held.method.parse()?),
    ];
    if let Some(failing) = &boundary.failing {
        // A 400 is never repeated, so one faulted request fails the check.
        faults.push(
            SimFault::new(
                failing.path.clone(),
                Trigger::nth(failing.http_nth),
                SimFaultAction::Status(400),
            )
            .with_method(failing.method.parse()?),
        );
    }
    let handle =
        cutover_sim::start(SimOrg::load(&org_path)?, SimConfig { faults, ..SimConfig::default() })
            .await?;
    let base = handle.base_url().to_string();
    let backend = vec![
        "--api-base".to_owned(),
        base.clone(),
        "--login-base".to_owned(),
        base,
        "--client-id".to_owned(),
        fixture.client.client_id.clone(),
        "--client-secret-file".to_owned(),
        fixture.secret_file.display().to_string(),
    ];

    let mut command = isolated_command(&tools.cli, dir.path());
    command
        .args(["apply", "--yes", "--plan"])
        .arg(&plan_path)
        .arg("--backup-dir")
        .arg(&backup_dir)
        .arg("--break-glass-secret-file")
        .arg(format!("{}={}", fixture.break_glass.client_id, secret_path.display()))
        .args(&backend);
    let mut child = command.spawn().context("starting apply")?;
    let started = Instant::now();
    while handle.request_count_for(held.method, &held.path) < held.http_nth {
        if child.try_wait()?.is_some() {
            bail!("apply ended before it reached the boundary");
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("apply did not reach the boundary within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.start_kill().context("killing apply")?;
    child.wait().await?;
    // The held request may still be handled when its delay ends.
    tokio::time::sleep(HOLD + Duration::from_millis(300)).await;
    handle.clear_faults();

    let read = || Ok(providers_of(&handle.org().to_value()));
    let result = recover(tools, fixture, dir.path(), &backup_dir, &backend, read).await;
    handle.shutdown().await;
    result
}

/// Checks the state left by a crash and runs the recovery with the CLI.
async fn recover(
    tools: &Tools,
    fixture: &Fixture,
    home: &Path,
    backup_dir: &Path,
    backend: &[String],
    read: impl Fn() -> Result<BTreeMap<String, Value>>,
) -> Result<(EndState, Vec<String>)> {
    let mut problems = Vec::new();
    let crashed = read()?;
    let end_state = classify(fixture, &crashed);
    if let EndState::Lockout(detail) = &end_state {
        problems.push(format!("lockout after the crash: {detail}"));
    }
    let unfinished = find_unfinished(backup_dir)?;
    let [journal] = unfinished.as_slice() else {
        problems.push(format!("{} unfinished journals instead of one", unfinished.len()));
        return Ok((end_state, problems));
    };
    let backup: PathBuf = journal.backup.clone();

    let plan_path = home.join("plan-again.json");
    std::fs::write(&plan_path, fixture.plan.to_json_pretty())?;
    let apply = |tools: &Tools| {
        let mut command = isolated_command(&tools.cli, home);
        command
            .args(["apply", "--yes", "--plan"])
            .arg(&plan_path)
            .arg("--backup-dir")
            .arg(backup_dir)
            .args(backend);
        command
    };

    let refused = run_to_end(apply(tools)).await?;
    if refused.code != Some(1) {
        problems
            .push(format!("apply over an unfinished journal ended with {:?}, not 1", refused.code));
    }
    if !refused.stderr.contains("rollback") {
        problems.push("the refusal does not name the rollback command".to_owned());
    }
    if read()? != crashed {
        problems.push("the refused apply changed the org".to_owned());
    }

    let mut rollback = isolated_command(&tools.cli, home);
    rollback.args(["rollback", "--yes", "--backup"]).arg(&backup).args(backend);
    let rolled_back = run_to_end(rollback).await?;
    if rolled_back.code != Some(0) {
        problems.push(format!(
            "rollback ended with {:?}: {}",
            rolled_back.code,
            rolled_back.stderr.lines().last().unwrap_or_default()
        ));
    }
    let restored = read()?;
    if restored != fixture.original_providers {
        let differences =
            crate::compare::provider_differences(&fixture.original_providers, &restored);
        problems.push(format!("rollback did not restore the org: {}", differences.join("; ")));
    }
    if !find_unfinished(backup_dir)?.is_empty() {
        problems.push("the journal is still unfinished after the rollback".to_owned());
    }

    let again = run_to_end(apply(tools)).await?;
    if again.code != Some(0) {
        problems.push(format!(
            "apply after the rollback ended with {:?}: {}",
            again.code,
            again.stderr.lines().last().unwrap_or_default()
        ));
    }
    Ok((end_state, problems))
}
