//! Bad input: each case exits with the contract's code and a message of one
//! or two lines that names the value at fault.

use crate::support::{
    Workspace, assert_one_line_error, run, run_command, sample_metadata, sample_org, sso_cutover,
};

fn path(path: &std::path::Path) -> String {
    path.display().to_string()
}

#[test]
fn unknown_flag_exits_two() {
    let result = run(&["inventory", "--no-such-flag"]);
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("--no-such-flag"), "{}", result.stderr);
}

#[test]
fn missing_org_file_exits_one() {
    let result = run(&["--org-file", "/nonexistent/org.json", "inventory"]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "/nonexistent/org.json");
}

#[test]
fn malformed_org_file_exits_one() {
    let workspace = Workspace::new();
    let file = workspace.path("bad.json");
    std::fs::write(&file, "{\"schema\": \"sso-cutover.org-snapshot.v1\", \"users\": [").unwrap();
    let result = run(&["--org-file", &path(&file), "inventory"]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, &path(&file));
}

#[test]
fn wrong_schema_org_file_exits_one() {
    let workspace = Workspace::new();
    let file = workspace.path("other.json");
    std::fs::write(&file, "{\"schema\": \"something-else\"}").unwrap();
    let result = run(&["--org-file", &path(&file), "auth", "check"]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "schema");
}

#[test]
fn unknown_client_id_exits_one() {
    let result = run(&["--org-file", &path(&sample_org()), "--client-id", "nobody", "inventory"]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "nobody");
}

#[test]
fn missing_metadata_file_exits_one() {
    let result = run(&["metadata", "check", "/nonexistent/idp.xml"]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "/nonexistent/idp.xml");
}

#[test]
fn unreachable_metadata_url_exits_one() {
    // Port 9 on loopback (discard) has no listener here, so the fetch fails
    // at once without leaving the machine.
    let result = run(&["metadata", "check", "http://127.0.0.1:9/metadata.xml"]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "127.0.0.1:9");
}

#[test]
fn plain_http_metadata_url_exits_one() {
    let result = run(&["metadata", "check", "http://idp.example.com/metadata.xml"]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "http://idp.example.com/metadata.xml");
}

#[test]
fn unknown_entity_id_lists_entities() {
    let result = run(&["metadata", "check", &path(&sample_metadata()), "--entity-id", "urn:x"]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "urn:x");
    assert!(
        result.stderr.contains("https://idp.northwind.example/saml2/metadata"),
        "lists the IdP entity IDs: {}",
        result.stderr
    );
}

#[test]
fn unreadable_idp_users_exits_one() {
    let result = run(&[
        "--org-file",
        &path(&sample_org()),
        "plan",
        "--metadata",
        &path(&sample_metadata()),
        "--idp-users",
        "/nonexistent/users.txt",
    ]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "/nonexistent/users.txt");
}

#[test]
fn unknown_region_exits_one() {
    let result = run(&["--region", "mars-north-1", "auth", "check"]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "mars-north-1");
    assert!(result.stderr.contains("us-east-1"), "lists the known regions: {}", result.stderr);
}

#[test]
fn unknown_region_from_environment() {
    let result =
        run_command(sso_cutover().env("GENESYSCLOUD_REGION", "atlantis").args(["inventory"]));
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "atlantis");
}

#[test]
fn http_api_base_off_loopback_exits_one() {
    let result = run(&["--api-base", "http://api.example.com", "auth", "check"]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "http://api.example.com");
}

#[test]
fn missing_credentials_exits_one() {
    let result = run(&["auth", "check"]);
    assert_eq!(result.code, 1);
    assert_one_line_error(&result, "GENESYSCLOUD_OAUTHCLIENT_ID");
}

#[test]
fn unwaivable_accept_exits_two_before_reading() {
    // The org file does not exist: the waiver must be rejected first.
    let result = run(&[
        "--org-file",
        "/nonexistent/org.json",
        "plan",
        "--metadata",
        "/nonexistent/idp.xml",
        "--accept",
        "break-glass-missing",
        "--reason",
        "we are brave",
    ]);
    assert_eq!(result.code, 2);
    assert_one_line_error(&result, "break-glass-missing");
}

#[test]
fn accept_without_reason_exits_two() {
    let result = run(&[
        "--org-file",
        &path(&sample_org()),
        "plan",
        "--metadata",
        &path(&sample_metadata()),
        "--accept",
        "password-grant-client",
    ]);
    assert_eq!(result.code, 2);
    assert_one_line_error(&result, "password-grant-client");
    assert!(result.stderr.contains("--reason"), "{}", result.stderr);
}

#[test]
fn unknown_rule_accept_exits_two() {
    let result = run(&[
        "--org-file",
        &path(&sample_org()),
        "plan",
        "--metadata",
        &path(&sample_metadata()),
        "--accept",
        "no-such-rule",
        "--reason",
        "x",
    ]);
    assert_eq!(result.code, 2);
    assert_one_line_error(&result, "no-such-rule");
}

#[test]
fn change_without_yes_or_terminal_exits_two() {
    let workspace = Workspace::new();
    let before = std::fs::read(workspace.org()).unwrap();
    let backups = workspace.path("backups");
    for args in [
        vec!["apply", "--metadata", "/nonexistent/idp.xml"],
        vec!["rollback", "--backup", "/nonexistent/backup.json"],
        vec!["break-glass", "create", "--secret-out", "/nonexistent/secret"],
    ] {
        let org = path(&workspace.org());
        let backup_dir = path(&backups);
        let mut full = vec!["--org-file", org.as_str()];
        full.extend(args.iter().copied());
        if args[0] == "apply" {
            full.extend(["--backup-dir", backup_dir.as_str()]);
        }
        let result = run(&full);
        assert_eq!(result.code, 2, "{args:?}: {}", result.stderr);
        assert_one_line_error(&result, "--yes");
        assert!(result.stderr.contains(args[0]), "names the command: {}", result.stderr);
    }
    assert_eq!(std::fs::read(workspace.org()).unwrap(), before, "the org file is unchanged");
    assert!(!backups.exists(), "no backup folder was created");
}
