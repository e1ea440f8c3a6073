//! Running the binary in a clean environment, and the sample files.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// The workspace's `examples/` folder.
pub(crate) fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// The bundled sample org's file.
pub(crate) fn sample_org() -> PathBuf {
    examples().join("sample-org.json")
}

/// The bundled IdP metadata.
pub(crate) fn sample_metadata() -> PathBuf {
    examples().join("idp-metadata.xml")
}

/// The bundled IdP user list.
pub(crate) fn sample_idp_users() -> PathBuf {
    examples().join("idp-users.txt")
}

/// The sample org's PASSWORD-grant integration.
pub(crate) const PASSWORD_CLIENT: &str = "9c8b7a6d-0004-4f3e-8d2c-1b0a9f8e7d6c";
/// The sample org's first break-glass client.
pub(crate) const BREAK_GLASS_PRIMARY: &str = "9c8b7a6d-0002-4f3e-8d2c-1b0a9f8e7d6c";
/// The sample org's second break-glass client.
pub(crate) const BREAK_GLASS_SECONDARY: &str = "9c8b7a6d-0003-4f3e-8d2c-1b0a9f8e7d6c";

/// A temporary folder holding a copy of the sample org, so tests that change
/// it (or write beside it) leave the bundled file alone.
pub(crate) struct Workspace {
    /// The folder; removed on drop.
    pub(crate) dir: TempDir,
}

impl Workspace {
    /// Creates the folder with `org.json`, a copy of the sample org.
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::copy(sample_org(), dir.path().join("org.json")).expect("copy the sample org");
        Self { dir }
    }

    /// Returns a path inside the folder.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Returns the org copy's path.
    pub(crate) fn org(&self) -> PathBuf {
        self.path("org.json")
    }
}

/// The binary with an environment that selects nothing by accident: no
/// credential, region or org-file variables, and no colours.
pub(crate) fn sso_cutover() -> Command {
    let mut command = Command::cargo_bin("sso-cutover").expect("the binary is built");
    for name in [
        "SSO_CUTOVER_ORG_FILE",
        "GENESYSCLOUD_REGION",
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYS_CLIENT_ID",
        "GENESYS_CLIENT_SECRET",
        "CLICOLOR_FORCE",
        "RUST_LOG",
    ] {
        command.env_remove(name);
    }
    command.env("NO_COLOR", "1");
    command
}

/// The output of a finished run.
pub(crate) struct Run {
    /// The exit code.
    pub(crate) code: i32,
    /// Standard output.
    pub(crate) stdout: String,
    /// Standard error.
    pub(crate) stderr: String,
}

/// Runs the binary with `args` and collects its output.
pub(crate) fn run(args: &[&str]) -> Run {
    run_command(sso_cutover().args(args))
}

/// Runs a prepared command and collects its output.
pub(crate) fn run_command(command: &mut Command) -> Run {
    let output = command.output().expect("the binary runs");
    Run {
        code: output.status.code().expect("the binary exits with a code"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Replaces every occurrence of `value` in `text` with `label`, padded or cut
/// to the same number of characters, so table columns stay aligned.
pub(crate) fn redact_aligned(text: &str, value: &str, label: &str) -> String {
    let width = value.chars().count();
    let mut replacement: String = label.chars().take(width).collect();
    while replacement.chars().count() < width {
        replacement.push(' ');
    }
    text.replace(value, &replacement)
}

/// Runs the binary with `args` inside the `examples/` folder, so the sample
/// files can be named without a machine-specific path.
pub(crate) fn run_in_examples(args: &[&str]) -> Run {
    run_command(sso_cutover().current_dir(examples()).args(args))
}

/// Parses stdout as JSON, failing with the output when it is not.
pub(crate) fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|error| {
        panic!("stdout is not JSON ({error}):\n{}\nstderr:\n{}", run.stdout, run.stderr)
    })
}

/// Checks that an error was reported on one or two lines of stderr that
/// start with `error:` and name `value`.
pub(crate) fn assert_one_line_error(run: &Run, value: &str) {
    let lines: Vec<&str> = run.stderr.lines().filter(|line| !line.trim().is_empty()).collect();
    assert!(
        (1..=2).contains(&lines.len()),
        "expected one or two lines on stderr, got:\n{}",
        run.stderr
    );
    assert!(lines[0].starts_with("error:"), "stderr: {}", run.stderr);
    assert!(run.stderr.contains(value), "stderr does not name `{value}`: {}", run.stderr);
    assert!(run.stdout.is_empty(), "stdout should be empty, got: {}", run.stdout);
}
