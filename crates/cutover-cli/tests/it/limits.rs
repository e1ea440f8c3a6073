//! Input files the tool must not trust: endless devices and huge files stop
//! at a size limit, output formats a command cannot produce are rejected, a
//! byte-order mark is accepted, and a snapshot may not replace the org file.

use crate::support::{
    Workspace, assert_one_line_error, run, sample_idp_users, sample_metadata, sample_org,
};

fn text(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// Checks a rejected oversized file: exit 1, one line naming the file and
/// the limit in MiB and bytes.
fn assert_too_large(result: &crate::support::Run, limit: &str) {
    assert_eq!(result.code, 1, "stderr: {}", result.stderr);
    assert_one_line_error(result, "`/dev/zero`");
    assert!(result.stderr.contains(limit), "stderr: {}", result.stderr);
}

#[cfg(unix)]
#[test]
fn idp_users_from_endless_device_rejected() {
    let workspace = Workspace::new();
    let result = run(&[
        "--org-file",
        &text(&workspace.org()),
        "plan",
        "--metadata",
        &text(&sample_metadata()),
        "--idp-users",
        "/dev/zero",
    ]);
    assert_too_large(&result, "64 MiB (67,108,864 bytes)");
    assert!(result.stderr.contains("IdP user list"), "stderr: {}", result.stderr);
}

#[cfg(unix)]
#[test]
fn plan_from_endless_device_rejected() {
    let workspace = Workspace::new();
    let result =
        run(&["--org-file", &text(&workspace.org()), "--yes", "apply", "--plan", "/dev/zero"]);
    assert_too_large(&result, "64 MiB (67,108,864 bytes)");
    assert!(result.stderr.contains("plan file"), "stderr: {}", result.stderr);
}

#[cfg(unix)]
#[test]
fn backup_from_endless_device_rejected() {
    let workspace = Workspace::new();
    let result =
        run(&["--org-file", &text(&workspace.org()), "--yes", "rollback", "--backup", "/dev/zero"]);
    assert_too_large(&result, "64 MiB (67,108,864 bytes)");
    assert!(result.stderr.contains("backup file"), "stderr: {}", result.stderr);
}

#[cfg(unix)]
#[test]
fn org_file_from_endless_device_rejected() {
    let result = run(&["--org-file", "/dev/zero", "inventory"]);
    assert_too_large(&result, "512 MiB (536,870,912 bytes)");
}

#[test]
fn completions_reject_json_output() {
    let result = run(&["--output", "json", "completions", "bash"]);
    assert_eq!(result.code, 2, "stderr: {}", result.stderr);
    assert!(result.stdout.is_empty(), "no script on stdout: {}", result.stdout);
    assert_one_line_error(&result, "shell script, not JSON");
}

#[test]
fn org_file_with_byte_order_mark_loads() {
    let workspace = Workspace::new();
    let original = std::fs::read_to_string(sample_org()).unwrap();
    std::fs::write(workspace.org(), format!("\u{feff}{original}")).unwrap();
    let result = run(&["--org-file", &text(&workspace.org()), "--output", "json", "inventory"]);
    assert_eq!(result.code, 0, "stderr: {}", result.stderr);
    let inventory: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert!(inventory["organization"]["id"].is_string(), "{inventory}");
}

#[test]
fn snapshot_over_org_file_rejected() {
    let workspace = Workspace::new();
    let org = workspace.org();
    let before = std::fs::read(&org).unwrap();
    // Another spelling of the same file.
    let other_spelling = workspace.dir.path().join(".").join("org.json");
    let result =
        run(&["--org-file", &text(&org), "inventory", "--snapshot", &text(&other_spelling)]);
    assert_eq!(result.code, 1, "stderr: {}", result.stderr);
    assert_one_line_error(&result, &text(&other_spelling));
    assert!(result.stderr.contains(&text(&org)), "stderr: {}", result.stderr);
    assert_eq!(std::fs::read(&org).unwrap(), before, "the org file is unchanged");
}

#[cfg(unix)]
#[test]
fn snapshot_over_linked_org_file_rejected() {
    let workspace = Workspace::new();
    let org = workspace.org();
    let link = workspace.path("link.json");
    std::os::unix::fs::symlink(&org, &link).unwrap();
    let before = std::fs::read(&org).unwrap();
    let result = run(&["--org-file", &text(&link), "inventory", "--snapshot", &text(&org)]);
    assert_eq!(result.code, 1, "stderr: {}", result.stderr);
    assert_eq!(std::fs::read(&org).unwrap(), before, "the org file is unchanged");
}

#[test]
fn snapshot_beside_org_file_written() {
    let workspace = Workspace::new();
    let snapshot = workspace.path("snapshot.json");
    let result =
        run(&["--org-file", &text(&workspace.org()), "inventory", "--snapshot", &text(&snapshot)]);
    assert_eq!(result.code, 0, "stderr: {}", result.stderr);
    assert!(snapshot.is_file());
}

#[test]
fn secretless_snapshot_advice_names_the_fix() {
    let workspace = Workspace::new();
    let snapshot = workspace.path("snapshot.json");
    let written =
        run(&["--org-file", &text(&workspace.org()), "inventory", "--snapshot", &text(&snapshot)]);
    assert_eq!(written.code, 0, "stderr: {}", written.stderr);
    let result = run(&["--org-file", &text(&snapshot), "inventory"]);
    assert_eq!(result.code, 1, "stderr: {}", result.stderr);
    assert_one_line_error(&result, "inventory --snapshot");
    assert!(!result.stderr.contains("client ID"), "stderr: {}", result.stderr);
    assert!(result.stderr.contains("`secret`"), "stderr: {}", result.stderr);
}

#[test]
fn idp_users_file_under_limit_still_read() {
    let workspace = Workspace::new();
    let result = run(&[
        "--org-file",
        &text(&workspace.org()),
        "--output",
        "json",
        "plan",
        "--metadata",
        &text(&sample_metadata()),
        "--idp-users",
        &text(&sample_idp_users()),
    ]);
    assert!(matches!(result.code, 0 | 3), "stderr: {}", result.stderr);
}

#[test]
fn backup_dir_that_is_a_file_rejected() {
    let workspace = Workspace::new();
    let file = workspace.path("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let result = run(&[
        "--org-file",
        &text(&workspace.org()),
        "--yes",
        "apply",
        "--metadata",
        &text(&sample_metadata()),
        "--backup-dir",
        &text(&file),
    ]);
    assert_eq!(result.code, 1, "stderr: {}", result.stderr);
    // The plan is shown on stderr first; the error is the last line.
    let last = result.stderr.lines().rev().find(|line| !line.trim().is_empty()).unwrap();
    assert!(last.starts_with("error:"), "stderr: {}", result.stderr);
    let expected =
        format!("`{}` is a file, not a folder; pass a folder for --backup-dir", text(&file));
    assert!(last.contains(&expected), "stderr: {}", result.stderr);
}

#[test]
fn unreachable_metadata_advice_given_once() {
    // Nothing listens on port 9 of the loopback address.
    let result = run(&["metadata", "check", "http://127.0.0.1:9/metadata.xml"]);
    assert_eq!(result.code, 1, "stderr: {}", result.stderr);
    assert_one_line_error(&result, "127.0.0.1:9");
    assert_eq!(result.stderr.matches("check the URL").count(), 1, "stderr: {}", result.stderr);
    assert_eq!(result.stderr.matches("download the file").count(), 1, "{}", result.stderr);
}
