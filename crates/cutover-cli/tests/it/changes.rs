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
