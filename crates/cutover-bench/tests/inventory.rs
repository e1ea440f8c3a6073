//! Inventory through `HttpApi` against the simulator, as the bench runs it.

use std::process::Command;
use std::time::Duration;

use cutover_auth::ClientSecret;
use cutover_bench::collect::{self, CollectReport, SECRET_VARIABLE};
use cutover_bench::org::{ADMIN_SECRET, OrgSpec};
use cutover_sim::{RateLimit, SimConfig, SimHandle, SimOrg};

async fn simulator(spec: OrgSpec, rate_limit: Option<RateLimit>) -> SimHandle {
    let org = SimOrg::from_json(&spec.snapshot_json()).unwrap();
    let config = SimConfig { rate_limit, write_back: false, ..SimConfig::default() };
    cutover_sim::start(org, config).await.unwrap()
}

async fn collect(simulator: &SimHandle) -> CollectReport {
    let secret = ClientSecret::new(ADMIN_SECRET);
    collect::run(simulator.base_url(), OrgSpec::admin_client_id(), secret).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_equal_floor() {
    let spec = OrgSpec::new(1_001, 40, 250);
    let simulator = simulator(spec, None).await;

    let report = collect(&simulator).await;

    assert_eq!(report.users, 1_001);
    assert_eq!(report.roles, 250);
    let counts = simulator.request_counts();
    assert_eq!(simulator.total_requests(), spec.request_floor(), "{counts:#?}");
    simulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_waited_out() {
    let spec = OrgSpec::new(600, 10, 10);
    let limit = RateLimit { requests: 10, window: Duration::from_secs(1) };
    let simulator = simulator(spec, Some(limit)).await;

    let report = collect(&simulator).await;

    assert_eq!(report.users, 600);
    // More requests than the floor means some were turned away with 429
    // and sent again.
    assert!(simulator.total_requests() > spec.request_floor(), "{:#?}", simulator.request_counts());
    simulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collect_worker_prints_report() {
    let spec = OrgSpec::new(700, 30, 20);
    let simulator = simulator(spec, None).await;
    let base_url = simulator.base_url().to_string();

    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cutover-bench"))
            .args(["collect", "--base-url", &base_url, "--client-id", &OrgSpec::admin_client_id()])
            .env(SECRET_VARIABLE, ADMIN_SECRET)
            .output()
            .unwrap()
    })
    .await
    .unwrap();

    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: CollectReport = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report.users, 700);
    assert_eq!(report.clients, 30);
    assert!(report.peak_rss_kib.is_some_and(|kib| kib > 0));
    assert_eq!(simulator.total_requests(), spec.request_floor());
    simulator.shutdown().await;
}

#[test]
fn collect_worker_needs_secret() {
    let output = Command::new(env!("CARGO_BIN_EXE_cutover-bench"))
        .args(["collect", "--base-url", "http://127.0.0.1:9/", "--client-id", "x"])
        .env_remove(SECRET_VARIABLE)
        .output()
        .unwrap();

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(SECRET_VARIABLE), "{stderr}");
}
