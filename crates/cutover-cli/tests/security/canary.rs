//! Secret canaries. Every command runs at `-vvv` (and with `RUST_LOG=trace`)
//! against an org whose client secrets are distinctive values, through both
//! backends. No byte of stdout, stderr or any file the tool wrote may contain
//! a secret, an `Authorization: Basic` value or an access token.
//!
//! The two files that hold secrets by design are left out of the file scan:
//! the org file (its write-back keeps `oauthClients[].secret`) and the secret
//! file of `break-glass create`. The secret files the test passes in are
//! inputs, kept in their own folder.

use std::path::{Path, PathBuf};

use cutover_sim::{SimFault, SimFaultAction, Trigger};
use tempfile::TempDir;

use crate::support::{
    ADMIN_CLIENT, ANALYTICS_CLIENT, Canaries, CanaryOrg, PRIMARY_CLIENT, Run, SECONDARY_CLIENT,
    Simulator, arg, example, files_under, run_command, sso_cutover, temporary_files, write_private,
};

/// The folders of one canary run.
struct Layout {
    /// Keeps the folders alive.
    _root: TempDir,
    /// The org file, whose write-back contains secrets by design.
    org_dir: PathBuf,
    /// Secret files the test passes in.
    input_dir: PathBuf,
    /// The working folder: every file the tool writes lands here.
    out_dir: PathBuf,
}

impl Layout {
    fn new() -> Self {
        let root = tempfile::tempdir().expect("temporary folder");
        let org_dir = root.path().join("org");
        let input_dir = root.path().join("input");
        let out_dir = root.path().join("out");
        for dir in [&org_dir, &input_dir, &out_dir] {
            std::fs::create_dir(dir).expect("create folder");
        }
        Self { _root: root, org_dir, input_dir, out_dir }
    }

    fn out(&self, name: &str) -> PathBuf {
        self.out_dir.join(name)
    }

    /// Writes a secret file among the inputs and returns its path.
    fn input_secret(&self, name: &str, secret: &str) -> PathBuf {
        let path = self.input_dir.join(name);
        write_private(&path, &format!("{secret}\n"));
        path
    }
}

/// How the binary reaches the org.
enum Target {
    /// `--org-file PATH`.
    OrgFile(PathBuf),
    /// `--api-base URL`, the simulator's.
    Http(String),
}

impl Target {
    fn flags(&self) -> Vec<String> {
        match self {
            Self::OrgFile(path) => vec!["--org-file".into(), arg(path)],
            Self::Http(base) => vec!["--api-base".into(), base.clone()],
        }
    }
}

/// Runs commands against one target at `-vvv` and keeps every run.
struct Session<'a> {
    layout: &'a Layout,
    target: Target,
    admin_secret_file: PathBuf,
    runs: Vec<Run>,
}

impl Session<'_> {
    /// Runs `args` as the tool's client, with credentials from a secret file.
    fn run(&mut self, args: &[&str]) -> &Run {
        let admin = arg(&self.admin_secret_file);
        self.run_as(&["--client-id", ADMIN_CLIENT, "--client-secret-file", &admin], args)
    }

    /// Runs `args` with the given credential flags.
    fn run_as(&mut self, credentials: &[&str], args: &[&str]) -> &Run {
        let mut command = sso_cutover();
        command
            .current_dir(&self.layout.out_dir)
            .env("RUST_LOG", "trace")
            .arg("-vvv")
            .args(self.target.flags())
            .args(credentials)
            .args(args);
        let label = args.join(" ");
        self.runs.push(run_command(&label, &mut command));
        self.runs.last().expect("just pushed")
    }

    /// Runs `args` with the tool's credentials in the environment variables
    /// the official CLI uses.
    fn run_with_env(&mut self, secret: &str, args: &[&str]) -> &Run {
        let mut command = sso_cutover();
        command
            .current_dir(&self.layout.out_dir)
            .env("RUST_LOG", "trace")
            .env("GENESYSCLOUD_OAUTHCLIENT_ID", ADMIN_CLIENT)
            .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", secret)
            .arg("-vvv")
            .args(self.target.flags())
            .args(args);
        let label = format!("{} (credentials from the environment)", args.join(" "));
        self.runs.push(run_command(&label, &mut command));
        self.runs.last().expect("just pushed")
    }
}

/// The plan inputs that make the sample org's plan ready: a SAML provider
/// and native login off, both break-glass clients named, the password-grant
/// client waived.
fn plan_inputs() -> Vec<String> {
    vec![
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
    ]
}

fn strs(values: &[String]) -> Vec<&str> {
    values.iter().map(String::as_str).collect()
}

/// Runs every command once through `session`: reads, a plan file, apply from
/// the plan and in one go (with backups and journals), verify, export,
/// rollback and break-glass create. Returns the path of the new break-glass
/// client's secret file.
fn run_every_command(session: &mut Session<'_>) -> PathBuf {
    let layout = session.layout;
    let primary = arg(&layout.input_dir.join("primary.secret"));
    let secondary = arg(&layout.input_dir.join("secondary.secret"));
    let backups = arg(&layout.out("backups"));

    session.run(&["auth", "check"]).assert_code(0);
    session.run(&["auth", "check", "--output", "json"]).assert_code(0);
    session.run(&["inventory"]).assert_code(0);
    let snapshot = arg(&layout.out("snapshot.json"));
    session.run(&["inventory", "--snapshot", &snapshot, "--output", "json"]).assert_code(0);
    let metadata = arg(&example("idp-metadata.xml"));
    session.run(&["metadata", "check", &metadata]).assert_code(0);

    let plan_file = arg(&layout.out("plan.json"));
    let mut plan = vec!["plan".to_owned()];
    plan.extend(plan_inputs());
    plan.extend(["--plan-out".into(), plan_file.clone()]);
    session.run(&strs(&plan)).assert_code(0);

    let applied = session
        .run(&[
            "apply",
            "--plan",
            &plan_file,
            "--backup-dir",
            &backups,
            "--break-glass-secret-file",
            &format!("{PRIMARY_CLIENT}={primary}"),
            "--break-glass-secret-file",
            &format!("{SECONDARY_CLIENT}={secondary}"),
            "--yes",
            "--output",
            "json",
        ])
        .assert_code(0)
        .json();
    assert_eq!(applied["result"], "applied");
    let first_backup = applied["backup"].as_str().expect("apply names its backup").to_owned();

    session.run(&["verify"]).assert_code(0);
    session.run(&["verify", "--output", "json"]).assert_code(0);
    session.run(&["export", "terraform"]).assert_code(0);
    session.run(&["rollback", "--backup", &first_backup, "--yes"]).assert_code(0);

    // Plan and apply in one go, writing a second plan file on the way.
    let mut one_go = vec!["apply".to_owned()];
    one_go.extend(plan_inputs());
    one_go.extend([
        "--plan-out".into(),
        arg(&layout.out("plan-2.json")),
        "--backup-dir".into(),
        backups.clone(),
        "--yes".into(),
        "--output".into(),
        "json".into(),
    ]);
    let applied = session.run(&strs(&one_go)).assert_code(0).json();
    let second_backup = applied["backup"].as_str().expect("apply names its backup").to_owned();
    session
        .run(&["rollback", "--backup", &second_backup, "--yes", "--output", "json"])
        .assert_code(0);

    let secret_out = layout.out("break-glass.secret");
    session
        .run(&["break-glass", "create", "--secret-out", &arg(&secret_out), "--yes"])
        .assert_code(0);
    secret_out
}

/// Runs the failures every backend can produce: a wrong secret, a client
/// without permissions, an unknown client.
fn run_failures(session: &mut Session<'_>, org: &CanaryOrg, canaries: &mut Canaries) {
    let wrong = "CANARY-wrong-secret-Hq48vNz1Lp";
    canaries.add_secret(ADMIN_CLIENT, wrong);
    let wrong_file = arg(&session.layout.input_secret("wrong.secret", wrong));
    let run = session.run_as(
        &["--client-id", ADMIN_CLIENT, "--client-secret-file", &wrong_file],
        &["auth", "check"],
    );
    run.assert_code(1);
    assert!(run.stderr_text().contains(ADMIN_CLIENT), "the error names the client");

    let run = session.run_with_env(wrong, &["inventory", "--output", "json"]);
    run.assert_code(1);

    let analytics = session.layout.input_secret("analytics.secret", org.secret(ANALYTICS_CLIENT));
    let run = session.run_as(
        &["--client-id", ANALYTICS_CLIENT, "--client-secret-file", &arg(&analytics)],
        &["inventory"],
    );
    run.assert_code(1);
    let stderr = run.stderr_text();
    assert!(stderr.contains("permission"), "a 403 names the missing permission: {stderr}");

    let run = session.run_as(
        &[
            "--client-id",
            "00000000-0000-4000-8000-000000000000",
            "--client-secret-file",
            &wrong_file,
        ],
        &["auth", "check"],
    );
    run.assert_code(1);
}

/// Checks every run's output, then every file under the working folder except
/// `allowed`, and returns how many files were scanned.
fn assert_nothing_leaked(
    canaries: &Canaries,
    runs: &[Run],
    layout: &Layout,
    allowed: &[&Path],
) -> usize {
    for run in runs {
        canaries.assert_run_clean(run);
    }
    let logged = runs.iter().filter(|run| run.stderr_text().contains(" INFO ")).count();
    assert!(logged > 0, "-vvv writes log lines, so the logs were searched");
    let files = files_under(&layout.out_dir);
    let mut scanned = 0;
    for file in &files {
        if allowed.contains(&file.as_path()) {
            continue;
        }
        let bytes = std::fs::read(file).expect("read a written file");
        canaries.assert_absent(&format!("file `{}`", file.display()), &bytes);
        scanned += 1;
    }
    let leftovers = temporary_files(&layout.out_dir);
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    scanned
}

/// Checks that the files a full run writes are all there, so the scan cannot
/// pass because a file is missing.
fn assert_files_written(layout: &Layout) {
    for name in ["snapshot.json", "plan.json", "plan-2.json"] {
        assert!(layout.out(name).is_file(), "`{name}` was written");
    }
    let written = files_under(&layout.out("backups"));
    let count = |extension: &str| {
        written.iter().filter(|path| path.extension().is_some_and(|e| e == extension)).count()
    };
    assert_eq!(count("json"), 2, "one backup per apply: {written:?}");
    assert_eq!(count("journal"), 2, "one journal per apply: {written:?}");
}

/// Reads the break-glass secret file and adds its secret as a canary.
fn add_break_glass_secret(canaries: &mut Canaries, secret_file: &Path) {
    let text = std::fs::read_to_string(secret_file).expect("the secret file was written");
    let secret = text.trim_end_matches('\n');
    assert!(secret.len() >= 16, "the secret file holds a secret: {text:?}");
    let before = canaries.len();
    canaries.add("the new break-glass client's secret", secret);
    assert_eq!(
        canaries.found_in(text.as_bytes()),
        ["the new break-glass client's secret"],
        "the scanner finds the secret where it belongs"
    );
    assert_eq!(canaries.len(), before + 1);
}

#[test]
fn org_file_backend_leaks_no_secret() {
    let layout = Layout::new();
    let org = CanaryOrg::write(&layout.org_dir.join("org.json"), "CANARY-orgfile");
    let mut canaries = org.canaries();
    layout.input_secret("primary.secret", org.secret(PRIMARY_CLIENT));
    layout.input_secret("secondary.secret", org.secret(SECONDARY_CLIENT));
    let admin_secret_file = layout.input_secret("admin.secret", org.secret(ADMIN_CLIENT));

    let mut session = Session {
        layout: &layout,
        target: Target::OrgFile(org.path.clone()),
        admin_secret_file,
        runs: Vec::new(),
    };
    let secret_out = run_every_command(&mut session);
    session.run_with_env(org.secret(ADMIN_CLIENT), &["inventory", "--output", "json"]);
    session.runs.last().expect("ran").assert_code(0);
    run_failures(&mut session, &org, &mut canaries);

    add_break_glass_secret(&mut canaries, &secret_out);
    assert_files_written(&layout);
    let scanned = assert_nothing_leaked(&canaries, &session.runs, &layout, &[&secret_out]);
    assert!(scanned >= 7, "plans, snapshot, backups and journals scanned: {scanned}");

    // The org file keeps every secret, the new client's included: the scan
    // above would have found them had they been written anywhere else.
    let org_text = std::fs::read(&org.path).expect("org file");
    assert!(canaries.found_in(&org_text).contains(&"the new break-glass client's secret"));
    assert!(!canaries.found_in(&org_text).is_empty());
}

#[test]
fn http_backend_leaks_no_secret_or_token() {
    let layout = Layout::new();
    let org = CanaryOrg::write(&layout.org_dir.join("org.json"), "CANARY-http");
    let mut canaries = org.canaries();
    layout.input_secret("primary.secret", org.secret(PRIMARY_CLIENT));
    layout.input_secret("secondary.secret", org.secret(SECONDARY_CLIENT));
    let admin_secret_file = layout.input_secret("admin.secret", org.secret(ADMIN_CLIENT));
    let simulator = Simulator::start(&org.path);

    let mut session = Session {
        layout: &layout,
        target: Target::Http(simulator.base()),
        admin_secret_file,
        runs: Vec::new(),
    };
    let secret_out = run_every_command(&mut session);
    session.run_with_env(org.secret(ADMIN_CLIENT), &["inventory", "--output", "json"]);
    session.runs.last().expect("ran").assert_code(0);
    run_failures(&mut session, &org, &mut canaries);

    // Server failures. A 500 on the first organization read is retried and
    // logged, and a 401 on a provider read replaces the token. A 500 on
    // creating a client ends break-glass create, and a 400 on the provider
    // PUT makes apply undo its stage.
    let sim = simulator.handle();
    sim.add_fault(SimFault::new(
        "/api/v2/organizations/me",
        Trigger::nth(1),
        SimFaultAction::Status(500),
    ));
    let run = session.run(&["auth", "check"]);
    run.assert_code(0);
    assert!(run.stderr_text().contains("repeating the request"), "the retry is logged");
    sim.add_fault(SimFault::new(
        "/api/v2/identityproviders",
        Trigger::nth(1),
        SimFaultAction::Status(401),
    ));
    let run = session.run(&["inventory"]);
    run.assert_code(0);
    assert!(run.stderr_text().contains("requesting a new one"), "the token refresh is logged");
    sim.add_fault(SimFault::new(
        "/api/v2/oauth/clients",
        Trigger::always(),
        SimFaultAction::Status(500),
    ));
    let refused = layout.out("refused.secret");
    let run = session.run(&["break-glass", "create", "--secret-out", &arg(&refused), "--yes"]);
    run.assert_code(1);
    assert!(!refused.exists(), "no secret file is left after a failed create");
    sim.clear_faults();
    sim.add_fault(
        SimFault::new(
            "/api/v2/identityproviders/generic",
            Trigger::always(),
            SimFaultAction::Status(400),
        )
        .with_method("PUT".parse().expect("a method")),
    );
    let mut failing = vec!["apply".to_owned()];
    failing.extend(plan_inputs());
    failing.extend(["--backup-dir".into(), arg(&layout.out("backups-failed")), "--yes".into()]);
    let run = session.run(&strs(&failing));
    run.assert_code(5);
    sim.clear_faults();

    // Every token the simulator issued to the binary is a canary too.
    let tokens = sim.live_tokens();
    assert!(tokens.len() >= 20, "one token or more per run: {}", tokens.len());
    for token in tokens {
        canaries.add("an access token the simulator issued", token);
    }
    add_break_glass_secret(&mut canaries, &secret_out);
    assert_files_written(&layout);
    let scanned = assert_nothing_leaked(&canaries, &session.runs, &layout, &[&secret_out]);
    assert!(scanned >= 9, "plans, snapshot, backups and journals scanned: {scanned}");
}

#[test]
fn demo_leaks_no_sample_secret() {
    let text = std::fs::read_to_string(example("sample-org.json")).expect("sample org");
    let org: serde_json::Value = serde_json::from_str(&text).expect("sample org is JSON");
    let mut canaries = Canaries::default();
    for client in org["oauthClients"].as_array().expect("clients") {
        if let (Some(id), Some(secret)) = (client["id"].as_str(), client["secret"].as_str()) {
            canaries.add_secret(id, secret);
        }
    }
    assert!(canaries.len() >= 8, "the sample org has secrets to search for");
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut command = sso_cutover();
    command.current_dir(dir.path()).env("RUST_LOG", "trace").args(["-vvv", "demo"]);
    let run = run_command("demo", &mut command);
    run.assert_code(0);
    canaries.assert_run_clean(&run);
    for file in files_under(dir.path()) {
        let bytes = std::fs::read(&file).expect("read a written file");
        canaries.assert_absent(&format!("file `{}`", file.display()), &bytes);
    }
}
