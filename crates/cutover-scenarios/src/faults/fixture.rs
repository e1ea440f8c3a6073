//! The org, metadata and plan every fault run starts from: a whole cutover
//! (stage 1 creates the `generic` provider, stage 2 disables native login)
//! on a generated org of 40 users, with a break-glass client whose secret
//! the run holds, so that every kind of call `apply` makes is made.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use cutover_api::IdentityProvider;
use cutover_auth::{ClientCredentials, ClientSecret};
use cutover_policy::PlanDocument;
use cutover_saml::testing::{CertificateBuilder, MetadataBuilder};
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::orggen::{OrgOptions, generate};
use crate::process::{Tools, isolated_command, run_to_end};
use crate::runner::providers_of;

/// Seed of the generated org; any seed works, this one is fixed so that
/// the documented matrix is reproducible.
const ORG_SEED: u64 = 71;

/// Everything a fault run needs, shared by all runs.
pub(crate) struct Fixture {
    /// Holds the files below.
    _dir: tempfile::TempDir,
    /// The org before any change, as JSON text.
    pub(crate) org_text: String,
    /// Its identity providers.
    pub(crate) original_providers: BTreeMap<String, Value>,
    /// The plan `apply` executes.
    pub(crate) plan: PlanDocument,
    /// The provider body of stage 1.
    pub(crate) target: IdentityProvider,
    /// The tool's own client ID and secret.
    pub(crate) client: ClientCredentials,
    /// A file holding the tool's secret, for the CLI.
    pub(crate) secret_file: PathBuf,
    /// The break-glass client whose token stage 2 proves.
    pub(crate) break_glass: ClientCredentials,
}

impl Fixture {
    /// Generates the org and metadata and makes the plan with the CLI.
    pub(crate) async fn build(tools: &Tools) -> Result<Self> {
        let dir = tempfile::Builder::new().prefix("fault-fixture-").tempdir()?;
        let mut org = generate(&OrgOptions {
            name: "Contoso Care".to_owned(),
            seed: ORG_SEED,
            users: 40,
            region: "us-east-1".to_owned(),
            extra_clients: vec!["second-break-glass".to_owned()],
        });
        // A provider left over from an Okta trial: disabled, and untouched by
        // the cutover, so a rollback must leave it exactly as it was.
        org["identityProviders"]["okta"] = json!({
            "id": "5e0c2a4b-6d8f-4a1c-9e3b-7f5d1c3a9b20",
            "name": "Okta trial",
            "disabled": true,
            "issuerURI": "http://www.okta.com/exk0contosotrial",
            "ssoTargetURI": "https://contoso-trial.okta.example/app/genesys/exk0contosotrial/sso/saml",
            "certificates": [],
        });
        let client = find_client(&org, "cutover-admin")?;
        let break_glass = find_client(&org, "Break Glass - Primary")?;
        let second_break_glass = find_client(&org, "Break Glass - Secondary")?;

        let org_text = serde_json::to_string_pretty(&org)?;
        let org_path = dir.path().join("org.json");
        std::fs::write(&org_path, &org_text)?;
        let secret_file = dir.path().join("client-secret");
        std::fs::write(&secret_file, client.secret.expose())?;

        let now = Timestamp::now();
        let certificate = CertificateBuilder::new("sts.contoso-care.example")
            .valid_days_around(now, -30, 400)
            .build();
        let metadata = MetadataBuilder::new("https://sts.windows.example/4a7c-contoso-care/")
            .sso_services(&[
                (cutover_saml::BINDING_HTTP_REDIRECT, "https://login.contoso-care.example/saml2"),
                (cutover_saml::BINDING_HTTP_POST, "https://login.contoso-care.example/saml2"),
            ])
            .slo_services(&[(
                cutover_saml::BINDING_HTTP_REDIRECT,
                "https://login.contoso-care.example/saml2/logout",
            )])
            .signing_certificate(&certificate)
            .build();
        let metadata_path = dir.path().join("metadata.xml");
        std::fs::write(&metadata_path, metadata)?;
        let users: Vec<&str> = org["users"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|user| user["state"] == "active")
            .filter_map(|user| user["email"].as_str())
            .collect();
        let users_path = dir.path().join("idp-users.txt");
        std::fs::write(&users_path, users.join("\n"))?;

        let plan_path = dir.path().join("plan.json");
        let plan = make_plan(
            tools,
            dir.path(),
            &[
                "plan",
                "--metadata",
                &metadata_path.display().to_string(),
                "--provider",
                "generic",
                "--name",
                "Contoso Entra ID",
                "--disable-native-login",
                "--break-glass-client",
                &break_glass.client_id,
                "--break-glass-client",
                &second_break_glass.client_id,
                "--idp-users",
                &users_path.display().to_string(),
                "--accept",
                "native-login-same-run",
                "--reason",
                "the fault matrix runs both stages in one apply",
                "--accept",
                "users-not-in-idp",
                "--reason",
                "the shared wallboard account has no email and signs in with a badge",
                "--plan-out",
                &plan_path.display().to_string(),
                "--org-file",
                &org_path.display().to_string(),
                "--client-id",
                &client.client_id,
                "--output",
                "json",
            ],
            &plan_path,
        )
        .await?;
        let target = target_body(&plan)?;
        Ok(Self {
            original_providers: providers_of(&org),
            _dir: dir,
            org_text,
            plan,
            target,
            client,
            secret_file,
            break_glass,
        })
    }
}

fn find_client(org: &Value, name: &str) -> Result<ClientCredentials> {
    let client = org["oauthClients"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|client| client["name"] == name)
        .with_context(|| format!("the generated org has no client `{name}`"))?;
    let id = client["id"].as_str().context("client without an ID")?;
    let secret = client["secret"].as_str().context("client without a secret")?;
    Ok(ClientCredentials::new(id, ClientSecret::new(secret)))
}

async fn make_plan(
    tools: &Tools,
    home: &Path,
    args: &[&str],
    plan_path: &Path,
) -> Result<PlanDocument> {
    let mut command = isolated_command(&tools.cli, home);
    command.args(args);
    let finished = run_to_end(command).await?;
    if finished.code != Some(0) {
        bail!(
            "planning the fault fixture ended with {:?}, not 0: {}",
            finished.code,
            finished.stderr
        );
    }
    let text = std::fs::read_to_string(plan_path).context("reading the fixture's plan")?;
    let plan = PlanDocument::from_json(&text).context("the fixture's plan does not load")?;
    let stages: Vec<u8> = plan.stages.iter().map(|stage| stage.stage).collect();
    if stages != [1, 2] {
        bail!("the fixture's plan has stages {stages:?}, not [1, 2]");
    }
    Ok(plan)
}

/// Reads the provider body that stage 1 sends.
fn target_body(plan: &PlanDocument) -> Result<IdentityProvider> {
    let change = plan
        .stages
        .first()
        .and_then(|stage| stage.changes.first())
        .context("the plan has no stage 1 change")?;
    serde_json::from_value(change.after.clone()).context("the stage 1 body does not load")
}
