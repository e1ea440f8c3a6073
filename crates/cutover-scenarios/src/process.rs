//! Running the product's binaries as child processes: `sso-cutover` and the
//! simulator `sso-cutover-sim`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// Maximum time one command may take before it is killed and reported.
pub(crate) const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// The binaries under test.
#[derive(Clone, Debug)]
pub(crate) struct Tools {
    /// `sso-cutover`.
    pub(crate) cli: PathBuf,
    /// `sso-cutover-sim`.
    pub(crate) sim: PathBuf,
}

impl Tools {
    /// Finds both binaries beside the running executable, where
    /// `cargo build` puts every binary of the workspace.
    pub(crate) fn beside_current_exe() -> Result<Self> {
        let exe = std::env::current_exe().context("locating the running executable")?;
        let dir = exe.parent().context("the executable has no folder")?;
        let tools = Self { cli: dir.join("sso-cutover"), sim: dir.join("sso-cutover-sim") };
        for binary in [&tools.cli, &tools.sim] {
            if !binary.is_file() {
                bail!(
                    "`{}` not found; build it first with `cargo build -p cutover-cli -p cutover-sim`",
                    binary.display()
                );
            }
        }
        Ok(tools)
    }
}

/// The result of a finished command.
#[derive(Clone, Debug)]
pub(crate) struct Finished {
    /// The exit code; `None` when a signal ended it.
    pub(crate) code: Option<i32>,
    /// Everything written to stdout.
    pub(crate) stdout: String,
    /// Everything written to stderr.
    pub(crate) stderr: String,
}

/// Builds a command with an empty environment apart from `HOME` (set to
/// `home`, so no profile or config of the person running the tests is read)
/// and `NO_COLOR`, and with stdin closed, so that no prompt can wait.
pub(crate) fn isolated_command(program: &Path, home: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Runs `command` to the end, or kills it after [`COMMAND_TIMEOUT`].
pub(crate) async fn run_to_end(mut command: Command) -> Result<Finished> {
    let child = command.spawn().context("starting the command")?;
    match tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output()).await {
        Ok(output) => {
            let output = output.context("waiting for the command")?;
            Ok(Finished {
                code: output.status.code(),
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            })
        }
        Err(_) => bail!("the command did not finish within {} s", COMMAND_TIMEOUT.as_secs()),
    }
}

/// A running `sso-cutover-sim`.
pub(crate) struct SimProcess {
    child: Child,
    /// Its base URL, serving both `/oauth/token` and `/api/v2/...`.
    pub(crate) base_url: String,
}

impl SimProcess {
    /// Starts the simulator on the org file at `org_file` and waits for its
    /// `listening on <url>` line.
    pub(crate) async fn start(tools: &Tools, org_file: &Path, home: &Path) -> Result<Self> {
        let mut command = isolated_command(&tools.sim, home);
        command.arg("--org-file").arg(org_file).stderr(Stdio::null());
        let mut child = command.spawn().context("starting sso-cutover-sim")?;
        let stdout = child.stdout.take().context("the simulator's stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .context("the simulator printed no address within 30 s")?
            .context("reading the simulator's stdout")?
            .context("the simulator exited before it printed its address")?;
        let base_url = first
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line from the simulator: `{first}`"))?
            .trim()
            .to_owned();
        // Keep reading stdout so that the simulator never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, base_url })
    }

    /// Stops the simulator. Every change it made is already in its org file,
    /// because it writes the file before it sends the response.
    pub(crate) async fn stop(mut self) -> Result<()> {
        self.child.start_kill().context("stopping the simulator")?;
        self.child.wait().await.context("waiting for the simulator to stop")?;
        Ok(())
    }
}
