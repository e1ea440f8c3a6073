//! Running one scenario: the same command line against the in-memory
//! backend (`--org-file`) and against the simulator over HTTP, each on its
//! own copy of the org, then comparing both runs with `expected.json` and
//! with each other.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use jiff::Timestamp;
use serde_json::Value;

use crate::metadata_spec::MaterialCertificate;
use crate::process::{Finished, SimProcess, Tools, isolated_command, run_to_end};
use crate::scenario::{FindingLine, MetadataSource, Scenario, fill_placeholders};

/// The two ways a scenario reaches its org.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    /// `--org-file`.
    Memory,
    /// `sso-cutover-sim` over HTTP with `--api-base` and `--login-base`.
    Simulator,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Memory => "in-memory",
            Self::Simulator => "simulator",
        }
    }
}

/// The result of one run of the command, in the terms the scenarios compare.
#[derive(Clone, Debug)]
pub(crate) struct Outcome {
    /// The backend.
    pub(crate) backend: Backend,
    /// The exit code; `None` when a signal ended the process.
    pub(crate) exit_code: Option<i32>,
    /// The findings in the order the command wrote them, when it wrote any.
    pub(crate) findings: Option<Vec<FindingLine>>,
    /// The stage numbers of the plan.
    pub(crate) stages: Option<Vec<u8>>,
    /// `result` of `apply`.
    pub(crate) result: Option<String>,
    /// The identity providers afterwards.
    pub(crate) providers: BTreeMap<String, Value>,
    /// Problems found while reading the outcome, such as a backup that
    /// `apply` reported but did not write.
    pub(crate) problems: Vec<String>,
    /// The command's stderr, for failure reports.
    pub(crate) stderr: String,
    /// The command line, for failure reports.
    pub(crate) command_line: String,
}

/// The inputs both runs of a scenario share.
pub(crate) struct Prepared {
    /// A temporary folder for both runs.
    pub(crate) temp: tempfile::TempDir,
    /// The org with its placeholders filled in.
    pub(crate) org_text: String,
    /// The identity providers before the command.
    pub(crate) providers_before: BTreeMap<String, Value>,
    /// The metadata file to pass.
    pub(crate) metadata: Option<PathBuf>,
    /// The generated certificates by name.
    pub(crate) certificates: BTreeMap<String, MaterialCertificate>,
    /// The client the tool signs in as.
    pub(crate) client_id: String,
    /// A file holding that client's secret.
    pub(crate) secret_file: PathBuf,
}

/// Generates the metadata and fills in the org for both runs.
pub(crate) fn prepare(scenario: &Scenario, now: Timestamp) -> Result<Prepared> {
    let temp =
        tempfile::Builder::new().prefix(&format!("scenario-{}-", scenario.name)).tempdir()?;
    let (metadata, certificates) = match &scenario.metadata {
        MetadataSource::Spec(spec) => {
            let material = spec.build(now)?;
            let path = temp.path().join("metadata.xml");
            std::fs::write(&path, material.xml)?;
            (Some(path), material.certificates)
        }
        MetadataSource::File(path) => (Some(path.clone()), BTreeMap::new()),
        MetadataSource::None => (None, BTreeMap::new()),
    };
    let org_text =
        fill_placeholders(&scenario.org_template, &certificates).context("filling in org.json")?;
    let org: Value = serde_json::from_str(&org_text).context("org.json is not valid JSON")?;
    let providers_before = providers_of(&org);

    let client = match &scenario.expected.client {
        Some(id) => find_client(&org, id)
            .with_context(|| format!("`client` `{id}` is not an OAuth client of org.json"))?,
        None => default_client(&org).context(
            "org.json has no active CLIENT-CREDENTIALS client with a secret to sign in with; \
             name one in `client`",
        )?,
    };
    let client_id = client["id"].as_str().context("the client has no `id`")?.to_owned();
    let secret = client["secret"]
        .as_str()
        .with_context(|| format!("client `{client_id}` has no `secret` in org.json"))?;
    let secret_file = temp.path().join("client-secret");
    write_private(&secret_file, secret)?;
    Ok(Prepared {
        temp,
        org_text,
        providers_before,
        metadata,
        certificates,
        client_id,
        secret_file,
    })
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    Ok(())
}

fn find_client<'a>(org: &'a Value, id: &str) -> Option<&'a Value> {
    org["oauthClients"].as_array()?.iter().find(|client| client["id"] == id)
}

fn default_client(org: &Value) -> Option<&Value> {
    org["oauthClients"].as_array()?.iter().find(|client| {
        client["authorizedGrantType"] == "CLIENT-CREDENTIALS"
            && client.get("state").is_none_or(|state| state == "active")
            && client["secret"].is_string()
    })
}

/// Returns the `identityProviders` object of an org snapshot.
pub(crate) fn providers_of(org: &Value) -> BTreeMap<String, Value> {
    org["identityProviders"]
        .as_object()
        .map(|map| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Runs the scenario's command once against `backend`.
pub(crate) async fn run_once(
    scenario: &Scenario,
    prepared: &Prepared,
    tools: &Tools,
    backend: Backend,
) -> Result<Outcome> {
    let dir = prepared.temp.path().join(backend.name());
    std::fs::create_dir(&dir)?;
    let org_file = dir.join("org.json");
    std::fs::write(&org_file, &prepared.org_text)?;
    let backup_dir = dir.join("backups");
    let plan_out = dir.join("plan.json");

    let mut args = command_args(scenario, prepared, &backup_dir, &plan_out);
    args.extend(["--output".to_owned(), "json".to_owned(), "--no-color".to_owned()]);
    args.extend(["--client-id".to_owned(), prepared.client_id.clone()]);
    args.push("--client-secret-file".to_owned());
    args.push(prepared.secret_file.display().to_string());

    let sim = match backend {
        Backend::Memory => {
            args.push("--org-file".to_owned());
            args.push(org_file.display().to_string());
            None
        }
        Backend::Simulator => {
            let sim = SimProcess::start(tools, &org_file, &dir).await?;
            args.extend(["--api-base".to_owned(), sim.base_url.clone()]);
            args.extend(["--login-base".to_owned(), sim.base_url.clone()]);
            Some(sim)
        }
    };
    let mut command = isolated_command(&tools.cli, &dir);
    command.args(&args).current_dir(&dir);
    let finished = run_to_end(command).await;
    if let Some(sim) = sim {
        sim.stop().await?;
    }
    let finished = finished?;

    let org_after: Value = serde_json::from_str(&std::fs::read_to_string(&org_file)?)
        .context("the org file is not valid JSON after the command")?;
    let command_line = format!("sso-cutover {}", args.join(" "));
    Ok(read_outcome(backend, &finished, &plan_out, providers_of(&org_after), command_line))
}

/// Builds the command line: the scenario's `args`, plus `--metadata`,
/// `--idp-users`, `--backup-dir` and `--plan-out` where the scenario's files
/// call for them and `args` does not give them.
fn command_args(
    scenario: &Scenario,
    prepared: &Prepared,
    backup_dir: &Path,
    plan_out: &Path,
) -> Vec<String> {
    let mut args: Vec<String> = scenario
        .args
        .iter()
        .map(|arg| arg.replace("{dir}", &scenario.dir.display().to_string()))
        .collect();
    let has = |flag: &str| scenario.args.iter().any(|arg| arg == flag);
    let command = scenario.command();
    if matches!(command, "plan" | "apply") {
        if let Some(metadata) = &prepared.metadata
            && !has("--metadata")
            && !has("--plan")
        {
            args.push("--metadata".to_owned());
            args.push(metadata.display().to_string());
        }
        if let Some(users) = &scenario.idp_users
            && !has("--idp-users")
            && !has("--plan")
        {
            args.push("--idp-users".to_owned());
            args.push(users.display().to_string());
        }
    }
    if command == "apply" {
        if !has("--backup-dir") {
            args.push("--backup-dir".to_owned());
            args.push(backup_dir.display().to_string());
        }
        if !has("--plan-out") && !has("--plan") {
            args.push("--plan-out".to_owned());
            args.push(plan_out.display().to_string());
        }
    }
    args
}

fn read_outcome(
    backend: Backend,
    finished: &Finished,
    plan_out: &Path,
    providers: BTreeMap<String, Value>,
    command_line: String,
) -> Outcome {
    let mut problems = Vec::new();
    let stdout: Option<Value> = if finished.stdout.trim().is_empty() {
        None
    } else {
        match serde_json::from_str(&finished.stdout) {
            Ok(value) => Some(value),
            Err(error) => {
                problems.push(format!("stdout is not one JSON document ({error})"));
                None
            }
        }
    };
    let plan: Option<Value> =
        std::fs::read_to_string(plan_out).ok().and_then(|text| serde_json::from_str(&text).ok());

    let findings_source =
        stdout.as_ref().filter(|value| value.get("findings").is_some()).or(plan.as_ref());
    let findings = findings_source.and_then(|value| match read_findings(value) {
        Ok(findings) => Some(findings),
        Err(error) => {
            problems.push(format!("{error:#}"));
            None
        }
    });
    let stages_source = plan.as_ref().or(stdout.as_ref());
    let stages = stages_source.and_then(|value| {
        value["stages"].as_array().map(|stages| {
            stages.iter().filter_map(|stage| stage["stage"].as_u64()).map(|n| n as u8).collect()
        })
    });
    let result = stdout.as_ref().and_then(|value| value["result"].as_str()).map(str::to_owned);
    if let Some(backup) = stdout.as_ref().and_then(|value| value["backup"].as_str())
        && !Path::new(backup).is_file()
    {
        problems.push(format!("apply reported the backup `{backup}`, which does not exist"));
    }
    Outcome {
        backend,
        exit_code: finished.code,
        findings,
        stages,
        result,
        providers,
        problems,
        stderr: finished.stderr.clone(),
        command_line,
    }
}

fn read_findings(document: &Value) -> Result<Vec<FindingLine>> {
    let Some(findings) = document["findings"].as_array() else {
        bail!("the JSON output has no `findings` array");
    };
    findings.iter().map(FindingLine::from_json).collect()
}
