//! Inventory on the simulator: the generated org served by `cutover-sim` in
//! this process, read by the `collect` worker in another, with the requests
//! and 429 responses counted by the simulator.

use std::path::Path;

use std::time::Duration;

use anyhow::{Context, Result};
use cutover_sim::{RateLimit as SimRateLimit, SimConfig, SimHandle, SimOrg};
use url::Url;

use crate::collect::{CollectReport, SECRET_VARIABLE};
use crate::org::{ADMIN_SECRET, OrgSpec};
use crate::results::{InventoryResult, RateLimit};
use crate::run::{progress, run_worker, self_command};
use crate::stats::Summary;

/// The rate limit of the rate-limited runs: tight enough that reading even
/// the 1k-user org (22 requests) needs three windows, short enough that the
/// runs take seconds.
pub const BENCH_RATE_LIMIT: RateLimit = RateLimit { requests: 10, window_seconds: 1 };

/// Measures `runs` reads of the org of `spec`, with the simulator's rate
/// limit set to `rate_limit`. A run that fails or reads a different org is
/// counted as failed and described in `failures`.
pub fn measure(
    spec: OrgSpec,
    runs: u32,
    rate_limit: Option<RateLimit>,
    work: &Path,
    failures: &mut Vec<String>,
) -> Result<InventoryResult> {
    let path = work.join(format!("org-{}-users.json", spec.users));
    if !path.exists() {
        std::fs::write(&path, spec.snapshot_json())
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    let snapshot_bytes = std::fs::metadata(&path)?.len();
    let label = match rate_limit {
        Some(limit) => format!(
            "inventory of {} users, {} requests per {} s",
            spec.users, limit.requests, limit.window_seconds
        ),
        None => format!("inventory of {} users", spec.users),
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the simulator's runtime")?;
    let simulator = runtime.block_on(Simulator::start(&path, rate_limit))?;

    let mut requests = Vec::new();
    let mut throttled = Vec::new();
    let mut wall_ms = Vec::new();
    let mut peak_rss_kib = Vec::new();
    let mut failed_runs = 0;
    for run in 1..=runs {
        progress(&format!("{label}, run {run} of {runs}"));
        let before = simulator.counts();
        let mut command = self_command("collect");
        command
            .arg("--base-url")
            .arg(simulator.base_url().as_str())
            .arg("--client-id")
            .arg(OrgSpec::admin_client_id())
            .env(SECRET_VARIABLE, ADMIN_SECRET);
        let outcome = run_worker::<CollectReport>(command).and_then(|report| check(spec, report));
        let after = simulator.counts();
        match outcome {
            Ok(report) => {
                let requests_made = after.requests - before.requests;
                requests.push(requests_made as f64);
                // FIXME: the simulator counts requests but not responses by
                // status, so a 429 is counted as a request over the floor:
                // each is a repeat of a request the limit turned away. A
                // count of 429 responses from `SimHandle` would make this
                // direct.
                if rate_limit.is_some() {
                    throttled.push(requests_made.saturating_sub(spec.request_floor()) as f64);
                }
                wall_ms.push(report.wall_ms);
                if let Some(kib) = report.peak_rss_kib {
                    peak_rss_kib.push(kib as f64);
                }
            }
            Err(error) => {
                failed_runs += 1;
                failures.push(format!("{label}, run {run}: {error:#}"));
            }
        }
    }
    runtime.block_on(simulator.shutdown());

    Ok(InventoryResult {
        users: spec.users,
        clients: spec.clients,
        roles: spec.roles,
        snapshot_bytes,
        rate_limit,
        runs,
        failed_runs,
        request_floor: spec.request_floor(),
        requests: Summary::of(&requests),
        rate_limited_responses: Summary::of(&throttled),
        wall_ms: Summary::of(&wall_ms),
        peak_rss_kib: Summary::of(&peak_rss_kib),
    })
}

/// Checks that the worker read the whole generated org.
fn check(spec: OrgSpec, report: CollectReport) -> Result<CollectReport> {
    let expected_grants = spec.master_admins() + spec.sso_admins();
    let read = [
        ("users", report.users, spec.users),
        ("OAuth clients", report.clients, spec.clients),
        ("roles", report.roles, spec.roles),
        ("divisions", report.divisions, spec.divisions),
        ("admin grants", report.grants, expected_grants),
        ("identity providers", report.providers, 1),
    ];
    for (what, found, expected) in read {
        if found != expected {
            anyhow::bail!("read {found} {what}, expected {expected}");
        }
    }
    Ok(report)
}

/// Request counts of the simulator since it started.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    /// Every request, the token request and repeated ones included.
    requests: u64,
}

/// The simulator serving one org file, without writing changes back.
struct Simulator {
    handle: SimHandle,
}

impl Simulator {
    async fn start(path: &Path, rate_limit: Option<RateLimit>) -> Result<Self> {
        let org = SimOrg::load(path)
            .with_context(|| format!("cannot load the org snapshot `{}`", path.display()))?;
        let config = SimConfig {
            rate_limit: rate_limit.map(|limit| SimRateLimit {
                requests: limit.requests,
                window: Duration::from_secs(limit.window_seconds),
            }),
            write_back: false,
            ..SimConfig::default()
        };
        let handle = cutover_sim::start(org, config).await.context("cannot start the simulator")?;
        Ok(Self { handle })
    }

    fn base_url(&self) -> Url {
        self.handle.base_url()
    }

    fn counts(&self) -> Counts {
        Counts { requests: self.handle.total_requests() }
    }

    async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}
