//! Files the binary writes. Plans, snapshots, backups, journals and secret
//! files are created with mode 0600 (folders 0700) whatever the umask. Each
//! is renamed into place from a temporary file in the same folder, so it gets
//! a new inode, and no temporary file is left behind, on success or on error.
//! A secret file is never written over an existing file or through a symbolic
//! link, and the org file's write-back is a rename that keeps its mode.

#![cfg(unix)]

use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use cutover_sim::{SimFault, SimFaultAction, Trigger};
use tempfile::TempDir;

use crate::support::{
    ADMIN_CLIENT, CanaryOrg, PRIMARY_CLIENT, Run, SECONDARY_CLIENT, Simulator, arg,
    clean_environment, example, mode, run_command, set_mode, sso_cutover, temporary_files,
    write_private,
};

/// A folder with an org copy in `org/` and an empty `out/`.
struct Folder {
    root: TempDir,
    org: CanaryOrg,
}

impl Folder {
    fn new() -> Self {
        let root = tempfile::tempdir().expect("temporary folder");
        std::fs::create_dir(root.path().join("org")).expect("create org/");
        std::fs::create_dir(root.path().join("out")).expect("create out/");
        let org = CanaryOrg::write(&root.path().join("org").join("org.json"), "CANARY-files");
        Self { root, org }
    }

    fn out(&self, name: &str) -> PathBuf {
        self.root.path().join("out").join(name)
    }

    /// Fails when any temporary file is left anywhere in the folder.
    fn assert_no_temporary_files(&self, after: &str) {
        let left = temporary_files(self.root.path());
        assert!(left.is_empty(), "after {after}: temporary files left: {left:?}");
    }

    /// Runs the binary on the org file with `umask 000`, so that only the
    /// modes the tool sets limit the permissions.
    fn run(&self, args: &[&str]) -> Run {
        let binary = assert_cmd::cargo::cargo_bin("sso-cutover");
        let mut command = Command::new("sh");
        clean_environment(&mut command);
        command
            .current_dir(self.root.path().join("out"))
            .args(["-c", "umask 000 && exec \"$0\" \"$@\"", &arg(&binary)])
            .args(["--org-file", &arg(&self.org.path)])
            .args(args);
        run_command(&args.join(" "), &mut command)
    }
}

fn inode(path: &Path) -> u64 {
    std::fs::metadata(path).expect("the file exists").ino()
}

fn plan_args(plan_out: &Path) -> Vec<String> {
    vec![
        "plan".into(),
        "--metadata".into(),
        arg(&example("idp-metadata.xml")),
        "--disable-native-login".into(),
        "--idp-users".into(),
        arg(&example("idp-users.txt")),
        "--break-glass-client".into(),
        PRIMARY_CLIENT.into(),
        "--break-glass-client".into(),
        SECONDARY_CLIENT.into(),
        "--accept".into(),
        "password-grant-client".into(),
        "--reason".into(),
        "the export moves to client credentials before go-live".into(),
        "--plan-out".into(),
        arg(plan_out),
    ]
}

fn strs(values: &[String]) -> Vec<&str> {
    values.iter().map(String::as_str).collect()
}

#[test]
fn every_written_file_is_private() {
    let folder = Folder::new();
    set_mode(&folder.org.path, 0o640);
    // An open handle keeps the old inode allocated, so a new file cannot
    // reuse its number.
    let _original_org = std::fs::File::open(&folder.org.path).expect("open the org");
    let org_inode = inode(&folder.org.path);

    let snapshot = folder.out("snapshot.json");
    folder.run(&["inventory", "--snapshot", &arg(&snapshot)]).assert_code(0);
    assert_eq!(mode(&snapshot), 0o600, "snapshot");

    // A plan file that exists with a wide mode is replaced by a new private file.
    let plan = folder.out("plan.json");
    std::fs::write(&plan, "old plan").expect("write");
    set_mode(&plan, 0o644);
    let _original_plan = std::fs::File::open(&plan).expect("open the plan");
    let old_inode = inode(&plan);
    folder.run(&strs(&plan_args(&plan))).assert_code(0);
    assert_eq!(mode(&plan), 0o600, "plan");
    assert_ne!(inode(&plan), old_inode, "the plan file was renamed into place");
    assert!(std::fs::read_to_string(&plan).expect("read").contains("sso-cutover.plan.v1"));

    // Missing backup folders are created 0700, each level.
    let backups = folder.out("nested/backups");
    let applied = folder
        .run(&["apply", "--plan", &arg(&plan), "--backup-dir", &arg(&backups), "--yes"])
        .assert_code(0)
        .stdout_text();
    assert!(applied.contains("sso-cutover-backup-"), "{applied}");
    assert_eq!(mode(&folder.out("nested")), 0o700, "created parent folder");
    assert_eq!(mode(&backups), 0o700, "backup folder");
    let written: Vec<PathBuf> = std::fs::read_dir(&backups)
        .expect("list backups")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(written.len(), 2, "a backup and its journal: {written:?}");
    for file in &written {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }

    // The org file was written back by a rename that kept its mode.
    assert_eq!(mode(&folder.org.path), 0o640, "the org file keeps its mode");
    assert_ne!(inode(&folder.org.path), org_inode, "the org file was renamed into place");
    let org_text = std::fs::read_to_string(&folder.org.path).expect("read the org");
    assert!(org_text.contains("\"generic\""), "the change was written back");

    let secret = folder.out("break-glass.secret");
    folder.run(&["break-glass", "create", "--secret-out", &arg(&secret), "--yes"]).assert_code(0);
    assert_eq!(mode(&secret), 0o600, "secret file");
    assert_eq!(mode(&folder.org.path), 0o640);
    folder.assert_no_temporary_files("a full run");
}

#[test]
fn secret_file_never_replaces_existing() {
    let folder = Folder::new();
    let clients_before = client_count(&folder.org.path);
    let existing = folder.out("existing.secret");
    write_private(&existing, "keep me\n");
    let victim = folder.out("victim.txt");
    std::fs::write(&victim, "keep me too\n").expect("write");
    let link_to_file = folder.out("link-to-file.secret");
    symlink(&victim, &link_to_file).expect("symlink");
    let nowhere = folder.out("created-through-link.txt");
    let dangling = folder.out("dangling.secret");
    symlink(&nowhere, &dangling).expect("symlink");

    for path in [&existing, &link_to_file, &dangling] {
        let run = folder.run(&["break-glass", "create", "--secret-out", &arg(path), "--yes"]);
        run.assert_code(1);
        assert!(run.stderr_text().contains("already exists"), "{}", run.stderr_text());
    }
    assert_eq!(std::fs::read_to_string(&existing).expect("read"), "keep me\n");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep me too\n");
    assert!(!nowhere.exists(), "nothing was created through the dangling link");
    assert_eq!(client_count(&folder.org.path), clients_before, "no client was created");
    folder.assert_no_temporary_files("refused secret files");
}

#[test]
fn plan_file_link_is_replaced_not_followed() {
    let folder = Folder::new();
    let victim = folder.out("victim.txt");
    std::fs::write(&victim, "keep me\n").expect("write");
    set_mode(&victim, 0o644);
    let link = folder.out("plan.json");
    symlink(&victim, &link).expect("symlink");

    folder.run(&strs(&plan_args(&link))).assert_code(0);
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep me\n");
    assert_eq!(mode(&victim), 0o644, "the link's target is untouched");
    let written = std::fs::symlink_metadata(&link).expect("the plan exists");
    assert!(written.file_type().is_file(), "the link was replaced by a regular file");
    assert_eq!(mode(&link), 0o600);
}

#[test]
fn failed_writes_leave_no_temporary_file() {
    let folder = Folder::new();

    // The rename fails because a folder has the plan file's name.
    let occupied = folder.out("taken.json");
    std::fs::create_dir(&occupied).expect("create");
    std::fs::write(occupied.join("inside"), "x").expect("write");
    let run = folder.run(&strs(&plan_args(&occupied)));
    run.assert_code(1);
    assert!(run.stderr_text().contains("taken.json"), "{}", run.stderr_text());
    folder.assert_no_temporary_files("a plan file that cannot be renamed into place");

    let run = folder.run(&["inventory", "--snapshot", &arg(&folder.out("missing/snap.json"))]);
    run.assert_code(1);
    assert!(!folder.out("missing").exists(), "no folder was created for a snapshot");

    // The backup folder's name is taken by a file.
    let plan = folder.out("plan.json");
    folder.run(&strs(&plan_args(&plan))).assert_code(0);
    let blocker = folder.out("backups");
    std::fs::write(&blocker, "not a folder").expect("write");
    let org_before = std::fs::read(&folder.org.path).expect("read the org");
    // Without --yes and without a terminal, apply stops before writing.
    let run = folder.run(&["apply", "--plan", &arg(&plan), "--backup-dir", &arg(&blocker)]);
    run.assert_code(2);
    let run =
        folder.run(&["apply", "--plan", &arg(&plan), "--backup-dir", &arg(&blocker), "--yes"]);
    run.assert_code(1);
    assert_eq!(std::fs::read(&folder.org.path).expect("read"), org_before, "the org is unchanged");
    folder.assert_no_temporary_files("failed writes");
}

#[test]
fn failed_changes_leave_private_files_only() {
    let folder = Folder::new();
    let admin = folder.root.path().join("admin.secret");
    write_private(&admin, folder.org.secret(ADMIN_CLIENT));
    let simulator = Simulator::start(&folder.org.path);
    let sim = simulator.handle();
    let over_http = |args: &[&str]| {
        let mut command = sso_cutover();
        command
            .current_dir(folder.root.path().join("out"))
            .args(["--api-base", &simulator.base(), "--client-id", ADMIN_CLIENT])
            .args(["--client-secret-file", &arg(&admin)])
            .args(args);
        run_command(&args.join(" "), &mut command)
    };

    // The new client's token request is refused: the client and its secret
    // file are removed again.
    let clients_before = client_count(&folder.org.path);
    sim.add_fault(SimFault::new("/oauth/token", Trigger::from_nth(2), SimFaultAction::Status(401)));
    let secret = folder.out("new.secret");
    let run = over_http(&["break-glass", "create", "--secret-out", &arg(&secret), "--yes"]);
    run.assert_code(1);
    assert!(run.stderr_text().contains("was removed"), "{}", run.stderr_text());
    assert!(!secret.exists(), "the secret file was removed");
    sim.clear_faults();
    assert_eq!(client_count(&folder.org.path), clients_before, "the new client was deleted");

    // The provider change is refused: apply undoes it and exits 5, leaving
    // its backup and journal, both private.
    sim.add_fault(
        SimFault::new(
            "/api/v2/identityproviders/generic",
            Trigger::always(),
            SimFaultAction::Status(400),
        )
        .with_method("PUT".parse().expect("a method")),
    );
    let mut apply = plan_args(&folder.out("plan.json"));
    apply[0] = "apply".into();
    apply.extend(["--backup-dir".into(), arg(&folder.out("backups")), "--yes".into()]);
    over_http(&strs(&apply)).assert_code(5);
    let written: Vec<PathBuf> = std::fs::read_dir(folder.out("backups"))
        .expect("list backups")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(written.len(), 2, "a backup and its journal: {written:?}");
    for file in &written {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    folder.assert_no_temporary_files("failed changes");
}

fn client_count(org: &Path) -> usize {
    let text = std::fs::read_to_string(org).expect("read the org");
    let value: serde_json::Value = serde_json::from_str(&text).expect("the org is JSON");
    value["oauthClients"].as_array().expect("clients").len()
}

#[test]
fn readable_secret_file_is_warned_about() {
    let folder = Folder::new();
    let secret = folder.root.path().join("admin.secret");
    write_private(&secret, folder.org.secret(ADMIN_CLIENT));
    let private = folder.run(&[
        "--client-id",
        ADMIN_CLIENT,
        "--client-secret-file",
        &arg(&secret),
        "auth",
        "check",
    ]);
    private.assert_code(0);
    assert!(!private.stderr_text().contains("other users"), "{}", private.stderr_text());

    set_mode(&secret, 0o644);
    let shared = folder.run(&[
        "--client-id",
        ADMIN_CLIENT,
        "--client-secret-file",
        &arg(&secret),
        "auth",
        "check",
    ]);
    shared.assert_code(0);
    let stderr = shared.stderr_text();
    assert!(stderr.contains("can be read by other users"), "{stderr}");
    assert!(stderr.contains("chmod 600"), "{stderr}");
    assert!(!stderr.contains(folder.org.secret(ADMIN_CLIENT)), "{stderr}");
}
