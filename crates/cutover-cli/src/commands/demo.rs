//! `demo`: a whole cutover against a simulated copy of the sample org.
//!
//! The simulator starts in this process on 127.0.0.1 with a temporary copy
//! of the bundled sample org, and the demo runs `inventory`, `plan`, `apply`,
//! `verify` and `rollback` against it over HTTP, through the same functions
//! the commands use. The sample files are compiled into the binary, so the
//! demo needs nothing but the binary itself.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cutover_auth::{ClientCredentials, ClientSecret};
use cutover_http::HttpConfig;
use serde::Serialize;
use serde_json::Value;

use crate::cli::{ApplyArgs, DemoArgs, GlobalArgs, InventoryArgs, PlanInputs, SecretFileArg};
use crate::commands::{changes, inventory, plan};
use crate::context::Backend;
use crate::exit::{CliError, Exit};
use crate::output::Printer;
use crate::output::prompt::ChangeConsent;

const SAMPLE_ORG: &str = include_str!("../../../../examples/sample-org.json");
const SAMPLE_METADATA: &str = include_str!("../../../../examples/idp-metadata.xml");
const SAMPLE_IDP_USERS: &str = include_str!("../../../../examples/idp-users.txt");

/// The sample org's own client for the tool.
const ADMIN_CLIENT: &str = "cutover-admin";
/// The sample org's break-glass clients, by name.
const BREAK_GLASS_CLIENTS: [&str; 2] = ["Break Glass - Primary", "Break Glass - Secondary"];
/// The reason recorded for waiving `password-grant-client`.
const WAIVER_REASON: &str = "demo: the WFM export moves to a client-credentials client before \
                             go-live";

/// The JSON result of `demo`.
#[derive(Debug, Serialize)]
pub struct DemoReport {
    /// The steps in the order they ran.
    pub steps: Vec<DemoStep>,
}

/// One command the demo ran.
#[derive(Debug, Serialize)]
pub struct DemoStep {
    /// The command, such as `plan`.
    pub command: String,
    /// The exit code it ended with.
    pub exit_code: u8,
}

/// The sample files written to the demo's temporary folder.
struct SampleFiles {
    org: PathBuf,
    metadata: PathBuf,
    idp_users: PathBuf,
    backups: PathBuf,
    admin: ClientCredentials,
    break_glass: Vec<SecretFileArg>,
}

/// Runs `demo`: exit 0 when every step ended as expected, else 1.
pub async fn run(
    _args: &DemoArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> Result<Exit, CliError> {
    let dir = tempfile::Builder::new().prefix("sso-cutover-demo-").tempdir().map_err(|error| {
        CliError::input(format!("could not create a temporary folder: {error}"))
    })?;
    let files = write_sample(dir.path())?;

    printer.step("starting the simulator on 127.0.0.1 with a temporary copy of the sample org");
    let sim = start_simulator(&files.org).await?;
    let base = sim.base_url();
    printer.note(format!(
        "    the simulator serves /oauth/token and /api/v2 on {base}; the demo signs in as \
         `{ADMIN_CLIENT}` and uses the HTTP backend, exactly as against a real org"
    ));

    let backend = Backend::http(
        files.admin.clone(),
        format!("the sample org's `{ADMIN_CLIENT}` client"),
        HttpConfig::for_base(base.clone()),
    )?;
    let demo_global = GlobalArgs {
        api_base: Some(base.to_string()),
        client_id: Some(files.admin.client_id.clone()),
        ..global.clone()
    };
    let steps = run_steps(&files, &backend, &demo_global, &printer.nested(), printer).await;

    sim.shutdown().await;
    let ok = steps.iter().all(|step| step.exit_code == 0) && steps.len() == 5;
    let report = DemoReport { steps };
    printer.emit(&report, || render(&report, ok))?;
    Ok(if ok { Exit::Success } else { Exit::Error })
}

async fn run_steps(
    files: &SampleFiles,
    backend: &Backend,
    global: &GlobalArgs,
    inner: &Printer,
    printer: &Printer,
) -> Vec<DemoStep> {
    let mut steps = Vec::new();
    let mut record = |command: &str, result: Result<Exit, CliError>| -> u8 {
        let exit = Exit::of(&result);
        if let Err(error) = &result {
            inner.error(error);
        }
        steps.push(DemoStep { command: command.to_owned(), exit_code: exit.code() });
        exit.code()
    };

    printer.step("1/5 inventory: what the org has that the cutover touches");
    let code = record(
        "inventory",
        inventory::run(&InventoryArgs { snapshot: None }, backend, inner).await,
    );
    if code != 0 {
        return steps;
    }

    printer.step("2/5 plan: evaluate every safety rule and show the change");
    printer.note(
        "    the plan turns native login off, so it names both break-glass clients, passes the \
         IdP user list, and waives `password-grant-client` with a recorded reason: the WFM \
         export signs in with a password and would stop working. In a real org, move it to \
         client credentials first. The remaining warnings do not block.",
    );
    let inputs = plan_inputs(files);
    let prepared = match plan::prepare(&files.metadata.display().to_string(), &inputs).await {
        Ok(prepared) => prepared,
        Err(error) => {
            record("plan", Err(error));
            return steps;
        }
    };
    if record("plan", plan::run(&prepared, backend, inner).await) != 0 {
        return steps;
    }

    printer.step("3/5 apply: back up, configure the provider, verify, then disable native login");
    let apply_args = ApplyArgs {
        metadata: Some(files.metadata.display().to_string()),
        inputs,
        plan: None,
        backup_dir: files.backups.clone(),
        break_glass_secret_files: files.break_glass.clone(),
    };
    let apply_result = match changes::read_break_glass_secrets(&apply_args) {
        Ok(secrets) => {
            // The plan was shown by the step before, and the demo's own
            // simulated org needs no confirmation.
            let context = changes::ApplyContext {
                global,
                backend,
                consent: ChangeConsent::Given,
                show_plan: false,
            };
            changes::apply_with(&apply_args, Some(&prepared), secrets, &context, inner).await
        }
        Err(error) => Err(error),
    };
    let applied = record("apply", apply_result) == 0;

    if applied {
        printer.step("4/5 verify: a fresh token, the org, and the new provider");
        record(
            "verify",
            changes::run_verify(&crate::cli::VerifyArgs { cert_warn_days: 30 }, backend, inner)
                .await,
        );
    }

    let Some(backup) = find_backup(&files.backups) else {
        return steps;
    };
    printer.step("5/5 rollback: put native login and the providers back as the backup holds them");
    let result = match crate::backup::load_backup(&backup) {
        Ok(loaded) => changes::rollback_with(&loaded, backend, inner).await,
        Err(error) => Err(CliError::input(error.to_string())),
    };
    record("rollback", result);
    steps
}

fn plan_inputs(files: &SampleFiles) -> PlanInputs {
    PlanInputs {
        disable_native_login: true,
        idp_users: Some(files.idp_users.clone()),
        break_glass_clients: files
            .break_glass
            .iter()
            .map(|entry| entry.client_id.clone())
            .collect(),
        accept: vec!["password-grant-client".to_owned()],
        reason: vec![WAIVER_REASON.to_owned()],
        cert_warn_days: cutover_policy::DEFAULT_CERT_WARN_DAYS,
        ..PlanInputs::default()
    }
}

/// Returns the backup `apply` wrote, the only file of its kind in `dir`.
fn find_backup(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries.filter_map(Result::ok).map(|entry| entry.path()).find(|path| {
        let is_json = path.extension().is_some_and(|extension| extension == "json");
        let named = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with(crate::backup::BACKUP_PREFIX));
        is_json && named
    })
}

/// Writes the sample org, metadata, IdP user list and the break-glass
/// clients' secret files into `dir`, and reads the credentials the demo uses
/// from the sample org.
fn write_sample(dir: &Path) -> Result<SampleFiles, CliError> {
    let write = |name: &str, text: &str| -> Result<PathBuf, CliError> {
        let path = dir.join(name);
        crate::files::write_replacing(&path, text.as_bytes()).map_err(|error| {
            CliError::input(format!("could not write the demo file `{}`: {error}", path.display()))
        })?;
        Ok(path)
    };
    let org: Value = serde_json::from_str(SAMPLE_ORG)
        .map_err(|error| CliError::input(format!("the bundled sample org is invalid: {error}")))?;
    let client = |name: &str| -> Result<(String, String), CliError> {
        let found = org["oauthClients"]
            .as_array()
            .and_then(|clients| clients.iter().find(|client| client["name"] == name));
        match found.map(|client| (&client["id"], &client["secret"])) {
            Some((Value::String(id), Value::String(secret))) => Ok((id.clone(), secret.clone())),
            _ => Err(CliError::input(format!(
                "the bundled sample org has no client `{name}` with a secret"
            ))),
        }
    };

    let (admin_id, admin_secret) = client(ADMIN_CLIENT)?;
    let mut break_glass = Vec::new();
    for (index, name) in BREAK_GLASS_CLIENTS.iter().enumerate() {
        let (id, secret) = client(name)?;
        let path = write(&format!("break-glass-{}.secret", index + 1), &secret)?;
        break_glass.push(SecretFileArg { client_id: id, path });
    }
    Ok(SampleFiles {
        org: write("sample-org.json", SAMPLE_ORG)?,
        metadata: write("idp-metadata.xml", SAMPLE_METADATA)?,
        idp_users: write("idp-users.txt", SAMPLE_IDP_USERS)?,
        backups: dir.join("backups"),
        admin: ClientCredentials::new(admin_id, ClientSecret::new(admin_secret)),
        break_glass,
    })
}

async fn start_simulator(org: &Path) -> Result<cutover_sim::SimHandle, CliError> {
    let sim_org = cutover_sim::SimOrg::load(org)
        .map_err(|error| CliError::input(format!("could not load the sample org: {error}")))?;
    cutover_sim::start(sim_org, cutover_sim::SimConfig::default())
        .await
        .map_err(|error| CliError::input(format!("could not start the simulator: {error}")))
}

fn render(report: &DemoReport, ok: bool) -> String {
    let mut out = String::from("Demo summary\n");
    for step in &report.steps {
        let _ = writeln!(out, "  {:<10} exit {}", step.command, step.exit_code);
    }
    out.push_str(if ok {
        "The cutover was planned, applied, verified and rolled back against the simulated org.\n\
         Next: `sso-cutover auth check` with your own client, then `sso-cutover plan`.\n"
    } else {
        "A step did not end as expected; see the messages above.\n"
    });
    out
}
