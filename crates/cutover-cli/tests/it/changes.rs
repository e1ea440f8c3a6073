//! The commands that change an org file, run in sequence like a real org:
//! every change is written back to the file, so the next command sees it.

use std::os::unix::fs::PermissionsExt;

use crate::support::{
    BREAK_GLASS_PRIMARY, BREAK_GLASS_SECONDARY, Workspace, json, run, sample_idp_users,
    sample_metadata,
};

fn providers(workspace: &Workspace) -> serde_json::Value {
    let text = std::fs::read_to_string(workspace.org()).unwrap();
    let org: serde_json::Value = serde_json::from_str(&text).unwrap();
    org["identityProviders"].clone()
}

#[test]
fn verify_fails_without_provider() {
    let workspace = Workspace::new();
    let result =
        run(&["--org-file", &workspace.org().display().to_string(), "verify", "--output", "json"]);
    assert_eq!(result.code, 4, "{}", result.stderr);
    assert_eq!(json(&result)["ok"], false);
}

#[test]
fn apply_verify_rollback_on_org_file() {
    let workspace = Workspace::new();
    let org = workspace.org().display().to_string();
    std::fs::set_permissions(workspace.org(), std::fs::Permissions::from_mode(0o640)).unwrap();
    let before = providers(&workspace);
    let secret = workspace.path("primary.secret");
    std::fs::write(&secret, "sample-break-glass-primary-7d2e81\n").unwrap();
    let backups = workspace.path("backups");

    let applied = run(&[
        "--org-file",
        &org,
        "--yes",
        "apply",
        "--metadata",
        &sample_metadata().display().to_string(),
        "--disable-native-login",
        "--idp-users",
        &sample_idp_users().display().to_string(),
        "--break-glass-client",
        BREAK_GLASS_PRIMARY,
        "--break-glass-client",
        BREAK_GLASS_SECONDARY,
        "--accept",
        "password-grant-client",
        "--reason",
        "moving to client credentials",
        "--backup-dir",
        &backups.display().to_string(),
        "--break-glass-secret-file",
        &format!("{BREAK_GLASS_PRIMARY}={}", secret.display()),
        "--output",
        "json",
    ]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let report = json(&applied);
    assert_eq!(report["result"], "applied");
    let backup = report["backup"].as_str().unwrap().to_owned();
    assert!(backup.starts_with(&backups.display().to_string()), "{backup}");
    assert!(applied.stderr.contains(&backup), "the backup path is printed: {}", applied.stderr);

    let after = providers(&workspace);
    assert!(after["generic"].is_object(), "the provider was written back to the file");
    assert_eq!(after["purecloud"]["disabled"], true, "native login is off in the file");
    let mode = std::fs::metadata(workspace.org()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "write-back keeps the file's mode");

    let verified = run(&["--org-file", &org, "verify", "--output", "json"]);
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    assert_eq!(json(&verified)["ok"], true);

    let rolled_back =
        run(&["--org-file", &org, "--yes", "rollback", "--backup", &backup, "--output", "json"]);
    assert_eq!(rolled_back.code, 0, "{}", rolled_back.stderr);
    assert_eq!(json(&rolled_back)["result"], "rolled-back");
    assert_eq!(providers(&workspace), before, "the providers are as before the apply");
}

#[test]
fn apply_refuses_blocked_plan() {
    let workspace = Workspace::new();
    let before = std::fs::read(workspace.org()).unwrap();
    let result = run(&[
        "--org-file",
        &workspace.org().display().to_string(),
        "--yes",
        "apply",
        "--metadata",
        &sample_metadata().display().to_string(),
        "--disable-native-login",
        "--backup-dir",
        &workspace.path("backups").display().to_string(),
    ]);
    assert_eq!(result.code, 3, "{}", result.stderr);
    assert!(result.stderr.contains("password-grant-client"), "{}", result.stderr);
    assert_eq!(std::fs::read(workspace.org()).unwrap(), before, "nothing changed");
}

#[test]
fn rollback_rejects_lockout_backup() {
    let workspace = Workspace::new();
    let before = std::fs::read(workspace.org()).unwrap();
    let backup = workspace.path("edited-backup.json");
    let text = serde_json::json!({
        "schema": "sso-cutover.backup.v1",
        "created_at": "2026-01-05T10:00:00Z",
        "organization": {"id": "5b9f2c61-3e7a-4d1b-9a0e-7c4f1d2e8a36", "name": "Northwind"},
        "identityProviders": {"purecloud": {"disabled": true}}
    });
    std::fs::write(&backup, text.to_string()).unwrap();
    let org = workspace.org().display().to_string();
    let backup = backup.display().to_string();

    let rejected = run(&["--org-file", &org, "--yes", "rollback", "--backup", &backup]);
    assert_eq!(rejected.code, 1, "{}", rejected.stderr);
    assert!(rejected.stderr.contains(&backup), "{}", rejected.stderr);
    assert!(rejected.stderr.contains("nobody able to sign in"), "{}", rejected.stderr);
    assert!(rejected.stderr.contains("--allow-lockout"), "{}", rejected.stderr);
    assert_eq!(std::fs::read(workspace.org()).unwrap(), before, "nothing changed");

    let allowed = run(&[
        "--org-file",
        &org,
        "--yes",
        "-q",
        "rollback",
        "--backup",
        &backup,
        "--allow-lockout",
        "--output",
        "json",
    ]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    let report = json(&allowed);
    assert!(report["warnings"][0].as_str().unwrap().contains("nobody able to sign in"), "{report}");
    assert!(
        allowed.stderr.contains("warning: restoring"),
        "shown on stderr even with -q: {}",
        allowed.stderr
    );
    assert_eq!(providers(&workspace)["purecloud"]["disabled"], true);
}

#[test]
fn quiet_apply_prints_backup_path() {
    let workspace = Workspace::new();
    let backups = workspace.path("backups");
    let result = run(&[
        "--org-file",
        &workspace.org().display().to_string(),
        "--yes",
        "-q",
        "apply",
        "--metadata",
        &sample_metadata().display().to_string(),
        "--backup-dir",
        &backups.display().to_string(),
    ]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let backup_line = result
        .stderr
        .lines()
        .find(|line| line.starts_with("backup: "))
        .unwrap_or_else(|| panic!("no backup line on stderr: {}", result.stderr));
    let path = backup_line.trim_start_matches("backup: ");
    assert!(path.starts_with(&backups.display().to_string()), "{path}");
    assert!(std::path::Path::new(path).is_file(), "{path}");
}

#[test]
fn rollback_of_plan_file_names_fix_once() {
    let workspace = Workspace::new();
    let plan = workspace.path("plan.json");
    std::fs::write(&plan, r#"{"schema": "sso-cutover.plan.v1"}"#).unwrap();
    let result = run(&[
        "--org-file",
        &workspace.org().display().to_string(),
        "--yes",
        "rollback",
        "--backup",
        &plan.display().to_string(),
    ]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(result.stderr.matches("that `apply` wrote").count(), 1, "{}", result.stderr);
}

#[test]
fn apply_old_plan_names_fix_once() {
    let workspace = Workspace::new();
    let plan = workspace.path("plan.json");
    std::fs::write(&plan, r#"{"schema": "sso-cutover.plan.v0"}"#).unwrap();
    let result = run(&[
        "--org-file",
        &workspace.org().display().to_string(),
        "--yes",
        "apply",
        "--plan",
        &plan.display().to_string(),
        "--backup-dir",
        &workspace.path("backups").display().to_string(),
    ]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(result.stderr.matches("plan again").count(), 1, "{}", result.stderr);
    assert!(!result.stderr.contains("write a new one"), "{}", result.stderr);
}
