//! The HTTP backend end to end: `demo` against its in-process simulator, and
//! `auth check` and `inventory` against a simulator this test starts on
//! 127.0.0.1.

use insta::assert_json_snapshot;

use crate::support::{Workspace, json, run, run_command, sample_org, sso_cutover};

const ADMIN_CLIENT: &str = "9c8b7a6d-0001-4f3e-8d2c-1b0a9f8e7d6c";
const ADMIN_SECRET: &str = "sample-cutover-admin-secret-1f9a4c";

/// A simulator serving a copy of the sample org, on its own runtime so that
/// it keeps answering while the test waits for the binary.
struct Simulator {
    runtime: tokio::runtime::Runtime,
    handle: Option<cutover_sim::SimHandle>,
    _workspace: Workspace,
}

impl Simulator {
    fn start() -> Self {
        let workspace = Workspace::new();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let org = cutover_sim::SimOrg::load(workspace.org()).expect("sample org loads");
        let config = cutover_sim::SimConfig { write_back: false, ..Default::default() };
        let handle = runtime.block_on(cutover_sim::start(org, config)).expect("simulator starts");
        Self { runtime, handle: Some(handle), _workspace: workspace }
    }

    fn base(&self) -> String {
        self.handle.as_ref().expect("running").base_url().to_string()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

#[test]
fn demo_runs_every_step() {
    let result = run(&["demo", "--output", "json"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let value = json(&result);
    assert_json_snapshot!("demo_json", value);
    assert!(!result.stderr.contains(ADMIN_SECRET), "no secret in the narration");
    assert!(!result.stderr.contains("sample-break-glass"), "no break-glass secret either");
}

#[test]
fn demo_narrates_on_stderr() {
    let result = run(&["demo"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    for step in ["1/5 inventory", "2/5 plan", "3/5 apply", "4/5 verify", "5/5 rollback"] {
        assert!(result.stderr.contains(step), "narrates `{step}`: {}", result.stderr);
    }
    assert!(result.stderr.contains("backup: "), "{}", result.stderr);
    assert!(result.stdout.contains("Demo summary"), "{}", result.stdout);
    assert!(result.stdout.contains("Applied: every stage ran and was verified."));
}

#[test]
fn auth_check_over_http() {
    let simulator = Simulator::start();
    let workspace = Workspace::new();
    let secret_file = workspace.path("secret");
    std::fs::write(&secret_file, format!("{ADMIN_SECRET}\n")).unwrap();
    let result = run(&[
        "auth",
        "check",
        "--api-base",
        &simulator.base(),
        "--client-id",
        ADMIN_CLIENT,
        "--client-secret-file",
        &secret_file.display().to_string(),
        "--output",
        "json",
    ]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let value = json(&result);
    assert_eq!(value["client"]["id"], ADMIN_CLIENT);
    assert_eq!(value["organization"]["name"], "Northwind Contact Center");
    assert!(value["expires_in"].as_u64().unwrap() > 0);
    let source = value["credential_source"].as_str().unwrap();
    assert!(source.contains("--client-secret-file"), "{source}");
}

#[test]
fn trace_logs_hold_no_secret() {
    let simulator = Simulator::start();
    let result = run_command(
        sso_cutover()
            .env("GENESYSCLOUD_OAUTHCLIENT_ID", ADMIN_CLIENT)
            .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", ADMIN_SECRET)
            .args(["-vvv", "auth", "check", "--api-base", &simulator.base()]),
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(!result.stderr.is_empty(), "-vvv logs to stderr");
    for output in [&result.stdout, &result.stderr] {
        assert!(!output.contains(ADMIN_SECRET), "the secret is never logged");
        assert!(!output.to_lowercase().contains("bearer "), "no Authorization header value");
    }
}

#[test]
fn credentials_from_environment() {
    let simulator = Simulator::start();
    let result = run_command(
        sso_cutover()
            .env("GENESYSCLOUD_OAUTHCLIENT_ID", ADMIN_CLIENT)
            .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", ADMIN_SECRET)
            .args(["inventory", "--api-base", &simulator.base(), "--output", "json"]),
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    let from_http = json(&result);
    let from_file = json(&run(&[
        "--org-file",
        &sample_org().display().to_string(),
        "inventory",
        "--output",
        "json",
    ]));
    assert_eq!(from_http, from_file, "both backends see the same org");
}

#[test]
fn wrong_secret_names_client_and_host() {
    let simulator = Simulator::start();
    let result = run_command(
        sso_cutover()
            .env("GENESYS_CLIENT_ID", ADMIN_CLIENT)
            .env("GENESYS_CLIENT_SECRET", "not-the-secret")
            .args(["auth", "check", "--api-base", &simulator.base()]),
    );
    assert_eq!(result.code, 1, "{}", result.stderr);
    crate::support::assert_one_line_error(&result, ADMIN_CLIENT);
    assert!(!result.stderr.contains("not-the-secret"), "the secret is never shown");
}
