//! `--profile`: credentials from the gc CLI's `~/.gc/config.toml`.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use crate::support::{
    BREAK_GLASS_PRIMARY, BREAK_GLASS_SECONDARY, Workspace, assert_one_line_error, json,
    run_command, sso_cutover,
};

/// The sample org's secret of the primary break-glass client.
const PRIMARY_SECRET: &str = "sample-break-glass-primary-7d2e81";

/// Writes `.gc/config.toml` below the workspace folder, used as `HOME`, with
/// a `prod` profile for the primary break-glass client.
fn write_config(workspace: &Workspace) -> PathBuf {
    let folder = workspace.path(".gc");
    std::fs::create_dir(&folder).unwrap();
    let path = folder.join("config.toml");
    let text = format!(
        "[DEFAULT]\nenvironment = \"mypurecloud.com\"\nclient_credentials = \"unused\"\n\
         client_secret = \"unused\"\n\n[prod]\nenvironment = \"mypurecloud.ie\"\n\
         client_credentials = \"{BREAK_GLASS_PRIMARY}\"\nclient_secret = \"{PRIMARY_SECRET}\"\n"
    );
    std::fs::write(&path, text).unwrap();
    // The file contains secrets; a mode that others can read adds a warning
    // line to stderr, which the one-line error checks would count.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

fn auth_check(workspace: &Workspace, extra: &[&str]) -> crate::support::Run {
    let org = workspace.org();
    let mut command = sso_cutover();
    command
        .env("HOME", workspace.dir.path())
        .args(["auth", "check", "--output", "json", "--org-file"])
        .arg(&org)
        .args(extra);
    run_command(&mut command)
}

#[test]
fn profile_selects_the_client() {
    let workspace = Workspace::new();
    let config = write_config(&workspace);

    let output = auth_check(&workspace, &["--profile", "prod"]);

    assert_eq!(output.code, 0, "stderr: {}", output.stderr);
    let result = json(&output);
    assert_eq!(result["client"]["id"], BREAK_GLASS_PRIMARY);
    assert_eq!(result["credential_source"], format!("gc profile `prod` in `{}`", config.display()));
    assert!(!output.stdout.contains(PRIMARY_SECRET));
    assert!(!output.stderr.contains(PRIMARY_SECRET));
}

#[test]
fn environment_wins_over_profile() {
    let workspace = Workspace::new();
    write_config(&workspace);
    let org = workspace.org();

    let output = run_command(
        sso_cutover()
            .env("HOME", workspace.dir.path())
            .env("GENESYSCLOUD_OAUTHCLIENT_ID", BREAK_GLASS_SECONDARY)
            .args(["auth", "check", "--output", "json", "--profile", "prod", "--org-file"])
            .arg(&org),
    );

    assert_eq!(output.code, 0, "stderr: {}", output.stderr);
    assert_eq!(json(&output)["client"]["id"], BREAK_GLASS_SECONDARY);
}

#[test]
fn missing_profile_exits_one() {
    let workspace = Workspace::new();
    let config = write_config(&workspace);

    let output = auth_check(&workspace, &["--profile", "staging"]);

    assert_eq!(output.code, 1);
    assert_one_line_error(&output, &config.display().to_string());
    assert!(output.stderr.contains("`[staging]`"), "{}", output.stderr);
    assert!(output.stderr.contains("`prod`"), "{}", output.stderr);
}

#[test]
fn missing_config_exits_one() {
    let workspace = Workspace::new();

    let output = auth_check(&workspace, &["--profile", "prod"]);

    assert_eq!(output.code, 1);
    assert_one_line_error(&output, ".gc/config.toml");
    assert!(output.stderr.contains("gc profiles new"), "{}", output.stderr);
}

#[test]
fn profile_region_reaches_http_backend() {
    let workspace = Workspace::new();
    let config = write_config(&workspace);
    let text = std::fs::read_to_string(&config).unwrap().replace("mypurecloud.ie", "mars-1");
    std::fs::write(&config, text).unwrap();

    // No org file, so the HTTP backend resolves the region, and the
    // profile's unknown region must stop it before any request.
    let output = run_command(sso_cutover().env("HOME", workspace.dir.path()).args([
        "auth",
        "check",
        "--profile",
        "prod",
    ]));

    assert_eq!(output.code, 1);
    assert_one_line_error(&output, "`mars-1`");
    assert!(output.stderr.contains("`environment`"), "{}", output.stderr);
}
