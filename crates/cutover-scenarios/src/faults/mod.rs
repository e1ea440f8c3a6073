//! `cutover-scenarios faults`: the fault matrix of `apply` and its crash
//! tests (see `docs.rs` for what the page they write explains).
//!
//! `apply` runs in this process through `cutover_cli::apply::run_apply`, the
//! engine the `sso-cutover` binary runs, because the in-memory backend's
//! fault injection works only in-process and because the HTTP backend's
//! retry settings are set here to millisecond backoff. Every `rollback`,
//! and the crash tests on the simulator, run the binary itself.

mod calls;
mod crash;
mod docs;
mod fixture;
mod matrix;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use cutover_cli::apply::{ApplyRequest, NoHooks, SystemClock, run_apply};
use cutover_memory::{FaultPlan, MemoryOrg};
use futures::StreamExt as _;

use self::calls::{Call, CallSite, RecordingApi, call_sites, undo_sites};
use self::fixture::Fixture;
use self::matrix::{Fault, Side, run_cell};
use crate::process::Tools;

/// Options of a fault run.
#[derive(Clone, Debug)]
pub(crate) struct FaultOptions {
    /// The path of the page to write, when set.
    pub(crate) write_docs: Option<PathBuf>,
    /// Runs at once.
    pub(crate) jobs: usize,
    /// Run only the rows whose call label contains this text.
    pub(crate) filter: Option<String>,
}

/// Runs the matrix and the crash tests, prints the tables, writes the page
/// when asked, and fails when a promise is broken.
pub(crate) async fn run(options: &FaultOptions, tools: &Tools) -> Result<()> {
    let started = Instant::now();
    let fixture = Fixture::build(tools).await?;
    let calls = record_calls(&fixture, None).await?;
    let mut sites = call_sites(&calls, &fixture.client.client_id);
    // The undo runs only after a stage fails, so its calls are recorded from
    // runs in which the last check of each stage fails.
    for (label, failure_name) in [
        ("stage 1: read back provider `generic`", "stage 1 failed"),
        ("stage 2: break-glass token", "stage 2 failed"),
    ] {
        let failing = sites
            .iter()
            .find(|site| site.label == label)
            .cloned()
            .with_context(|| format!("no call `{label}` in the recorded run"))?;
        let failed_calls = record_calls(&fixture, Some(&failing)).await?;
        sites.extend(undo_sites(&failed_calls, &failing, failure_name, &fixture.client.client_id));
    }

    let mut work = Vec::new();
    for side in [Side::Memory, Side::Simulator] {
        for (site, call) in sites.iter().enumerate() {
            if options.filter.as_ref().is_some_and(|text| !call.label.contains(text.as_str())) {
                continue;
            }
            for fault in Fault::ALL {
                work.push((site, fault, side));
            }
        }
    }
    eprintln!(
        "fault matrix: {} calls x {} faults x 2 backends, {} at a time",
        sites.len(),
        Fault::ALL.len(),
        options.jobs
    );
    let cells: Vec<_> = futures::stream::iter(work)
        .map(|(site, fault, side)| run_cell(tools, &fixture, &sites, site, fault, side))
        .buffer_unordered(options.jobs.max(1))
        .collect()
        .await;

    let boundaries = if options.filter.is_some() { Vec::new() } else { crash::boundaries(&sites)? };
    let mut crash_work = Vec::new();
    for boundary in &boundaries {
        for side in [Side::Memory, Side::Simulator] {
            crash_work.push((boundary, side));
        }
    }
    let mut crashes: Vec<_> = futures::stream::iter(crash_work)
        .map(|(boundary, side)| crash::run_crash(tools, &fixture, boundary, side))
        .buffer_unordered(options.jobs.max(1))
        .collect()
        .await;
    let order = |name: &str| boundaries.iter().position(|b| b.name == name);
    crashes.sort_by_key(|crash| (order(crash.boundary), crash.side == Side::Simulator));

    let totals = docs::Totals::of(&cells, &crashes);
    println!("## In-memory backend\n\n{}", docs::matrix_table(&sites, &cells, Side::Memory));
    println!("## Simulator over HTTP\n\n{}", docs::matrix_table(&sites, &cells, Side::Simulator));
    println!("## Crash safety\n\n{}", docs::crash_table(&crashes));

    let mut broken = 0;
    for cell in &cells {
        let Some(outcome) = &cell.outcome else { continue };
        if outcome.problems.is_empty() {
            continue;
        }
        broken += 1;
        let side = if cell.side == Side::Memory { "in-memory" } else { "simulator" };
        eprintln!(
            "FAIL {side} | {} | {}: {}",
            sites[cell.site].label,
            cell.fault.name(),
            outcome.problems.join("; ")
        );
    }
    for crash in crashes.iter().filter(|crash| !crash.problems.is_empty()) {
        broken += 1;
        eprintln!(
            "FAIL crash {:?} | {}: {}",
            crash.side,
            crash.boundary,
            crash.problems.join("; ")
        );
    }
    eprintln!(
        "{} cells and {} crash tests in {:.1} s: {} broken, {} lockout end states",
        totals.cells,
        crashes.len(),
        started.elapsed().as_secs_f64(),
        broken,
        totals.lockouts
    );

    if let Some(path) = &options.write_docs {
        if options.filter.is_some() {
            bail!("--write-docs needs the whole matrix; leave out --filter");
        }
        std::fs::write(path, docs::page(&sites, &cells, &crashes, &totals))?;
        eprintln!("wrote {}", path.display());
    }
    if broken > 0 {
        bail!("{broken} fault runs broke a promise of apply; see the lines above");
    }
    Ok(())
}

/// Runs `apply` once on the in-memory backend, without faults or with the
/// call `failing` failing with 400, and returns its calls in order.
async fn record_calls(fixture: &Fixture, failing: Option<&CallSite>) -> Result<Vec<Call>> {
    let dir = tempfile::Builder::new().prefix("fault-record-").tempdir()?;
    let org = MemoryOrg::from_json(&fixture.org_text)?;
    if let Some(rule) = failing.and_then(matrix::failing_rule) {
        org.faults().install(FaultPlan::new().with(rule));
    }
    let session = org.session(Some(&fixture.client.client_id), Some(&fixture.client.secret))?;
    let recording = RecordingApi::new(&session);
    let request = ApplyRequest {
        plan: fixture.plan.clone(),
        backup_dir: dir.path().join("backups"),
        break_glass_secrets: vec![fixture.break_glass.clone()],
        break_glass_secret_files: std::collections::BTreeMap::new(),
        org_file: None,
        backend_args: Vec::new(),
    };
    let outcome = run_apply(&recording, &request, &NoHooks, &SystemClock).await;
    let expected = if failing.is_some() { 5 } else { 0 };
    if outcome.exit_code != expected {
        bail!(
            "apply ended with exit {} instead of {expected}: {:?}",
            outcome.exit_code,
            outcome.result.err().map(|error| error.to_string())
        );
    }
    Ok(recording.into_calls())
}
