//! The command line: every command, flag and environment variable.
//!
//! Global flags carry `global = true`, so they are accepted before or after
//! the subcommand. No flag takes a secret value: a secret given on the
//! command line would show in the process list and the shell history.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use cutover_api::ProviderType;

/// Moves a Genesys Cloud org to SAML single sign-on without locking anyone out.
#[derive(Debug, Parser)]
#[command(name = "sso-cutover", version, about, propagate_version = true)]
pub struct Cli {
    /// Flags every command accepts.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Backend, credential and output flags, accepted by every command.
#[derive(Clone, Debug, Default, Args)]
pub struct GlobalArgs {
    /// Use the org snapshot at PATH instead of the real API; changes are
    /// written back to it.
    #[arg(long, global = true, env = "SSO_CUTOVER_ORG_FILE", value_name = "PATH")]
    pub org_file: Option<PathBuf>,

    /// OAuth client ID (else GENESYSCLOUD_OAUTHCLIENT_ID, then GENESYS_CLIENT_ID).
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,

    /// File that contains the client secret; a trailing newline is ignored.
    #[arg(long, global = true, value_name = "PATH")]
    pub client_secret_file: Option<PathBuf>,

    /// Profile (section) of the gc CLI's ~/.gc/config.toml to take the client ID,
    /// secret and region from, when no flag or environment variable sets them.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Region name (us-east-1, eu-west-1, ...) or domain (mypurecloud.ie, ...);
    /// default us-east-1.
    #[arg(long, global = true, env = "GENESYSCLOUD_REGION", value_name = "REGION")]
    pub region: Option<String>,

    /// API base URL, overriding the region's; http only for loopback hosts.
    #[arg(long, global = true, value_name = "URL")]
    pub api_base: Option<String>,

    /// Login base URL, overriding the region's; http only for loopback hosts.
    #[arg(long, global = true, value_name = "URL")]
    pub login_base: Option<String>,

    /// Output format on stdout.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Log more to stderr: -v info, -vv debug, -vvv trace.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// Print only results and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Turn colours off (also when NO_COLOR is set or output is not a terminal).
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Make changes without asking; needed for changes without a terminal.
    #[arg(long, global = true)]
    pub yes: bool,
}

/// `--output`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Tables and text for people.
    #[default]
    Table,
    /// One JSON document on stdout and nothing else.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the credentials: get a token and read the org and the token.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Show the org's identity providers, OAuth clients, IdP admins and users.
    Inventory(InventoryArgs),
    /// Parse and check IdP metadata.
    #[command(subcommand)]
    Metadata(MetadataCommand),
    /// Read the org, evaluate every safety rule and show the change.
    Plan(PlanArgs),
    /// Apply a plan: back up, change stage by stage, verify, undo on failure.
    Apply(ApplyArgs),
    /// Check that the org's SSO configuration works.
    Verify(VerifyArgs),
    /// Restore identity providers and native login from a backup.
    Rollback(RollbackArgs),
    /// Manage break-glass OAuth clients.
    #[command(subcommand, name = "break-glass")]
    BreakGlass(BreakGlassCommand),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Run a whole cutover against a simulated org on 127.0.0.1.
    Demo(DemoArgs),
    /// Export the org's configuration for other tools.
    #[command(subcommand)]
    Export(ExportCommand),
}

/// `export` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Print HCL for the configured identity providers as `genesyscloud_idp_<type>`
    /// resources, each with an import block.
    Terraform(ExportTerraformArgs),
}

/// `export terraform` flags.
#[derive(Debug, Args)]
pub struct ExportTerraformArgs {}

/// `auth` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Get a token, read the org and the token's client.
    Check,
}

/// `inventory` flags.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Also write the whole org, without secrets, as an org snapshot to PATH.
    #[arg(long, value_name = "PATH")]
    pub snapshot: Option<PathBuf>,
}

/// `metadata` subcommands.
#[derive(Debug, Subcommand)]
pub enum MetadataCommand {
    /// Parse IdP metadata and evaluate the metadata and certificate rules.
    Check(MetadataCheckArgs),
}

/// `metadata check` flags.
#[derive(Debug, Args)]
pub struct MetadataCheckArgs {
    /// A metadata file, or an https:// URL.
    #[arg(value_name = "SOURCE")]
    pub source: String,

    /// The IdP entity to check, when the metadata describes several.
    #[arg(long, value_name = "ID")]
    pub entity_id: Option<String>,

    /// Warn about certificates that expire within N days; 0 turns it off.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub cert_warn_days: u32,
}

/// The target provider types of `--provider`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum TargetProvider {
    /// Any SAML 2.0 IdP.
    #[default]
    Generic,
    /// Okta.
    Okta,
    /// Microsoft AD FS.
    Adfs,
    /// Google Workspace.
    Gsuite,
    /// OneLogin.
    Onelogin,
    /// Ping Identity.
    Ping,
    /// Salesforce.
    Salesforce,
}

impl From<TargetProvider> for ProviderType {
    fn from(target: TargetProvider) -> Self {
        match target {
            TargetProvider::Generic => Self::Generic,
            TargetProvider::Okta => Self::Okta,
            TargetProvider::Adfs => Self::Adfs,
            TargetProvider::Gsuite => Self::Gsuite,
            TargetProvider::Onelogin => Self::Onelogin,
            TargetProvider::Ping => Self::Ping,
            TargetProvider::Salesforce => Self::Salesforce,
        }
    }
}

/// The inputs of a plan other than the metadata source, shared by `plan` and
/// `apply`.
#[derive(Clone, Debug, Default, Args)]
pub struct PlanInputs {
    /// Provider type to configure.
    #[arg(long, value_enum, default_value_t = TargetProvider::Generic)]
    pub provider: TargetProvider,

    /// Display name of the provider (else the existing name, else the entity ID).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// The IdP entity to use, when the metadata describes several.
    #[arg(long, value_name = "ID")]
    pub entity_id: Option<String>,

    /// Also turn off Genesys Cloud username/password login.
    #[arg(long)]
    pub disable_native_login: bool,

    /// A break-glass OAuth client ID (repeatable); otherwise candidates are found.
    #[arg(long = "break-glass-client", value_name = "ID")]
    pub break_glass_clients: Vec<String>,

    /// File with the email of each person who exists in the IdP, one per line.
    #[arg(long, value_name = "PATH")]
    pub idp_users: Option<PathBuf>,

    /// Waive a waivable rule (repeatable); each needs a --reason.
    #[arg(long = "accept", value_name = "RULE")]
    pub accept: Vec<String>,

    /// Why the rule is waived: one per --accept in the same order, or one for all.
    #[arg(long = "reason", value_name = "TEXT")]
    pub reason: Vec<String>,

    /// Let warnings block too.
    #[arg(long)]
    pub strict: bool,

    /// Warn about certificates that expire within N days; 0 turns it off.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub cert_warn_days: u32,

    /// Also write the plan document to PATH (mode 0600).
    #[arg(long, value_name = "PATH")]
    pub plan_out: Option<PathBuf>,
}

/// `plan` flags.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// IdP metadata: a file, or an https:// URL.
    #[arg(long, value_name = "SOURCE")]
    pub metadata: String,

    /// The other plan inputs.
    #[command(flatten)]
    pub inputs: PlanInputs,
}

/// `apply` flags.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// IdP metadata: a file, or an https:// URL; not with --plan.
    #[arg(long, value_name = "SOURCE", required_unless_present = "plan")]
    pub metadata: Option<String>,

    /// The other plan inputs.
    #[command(flatten)]
    pub inputs: PlanInputs,

    /// Apply this plan file instead of planning now.
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with_all = [
            "metadata", "provider", "name", "entity_id", "disable_native_login",
            "break_glass_clients", "idp_users", "accept", "reason", "strict",
            "cert_warn_days", "plan_out",
        ]
    )]
    pub plan: Option<PathBuf>,

    /// Folder for the backup written before any change.
    #[arg(long, value_name = "DIR", default_value = "./sso-cutover-backups")]
    pub backup_dir: PathBuf,

    /// A break-glass client's secret file, to prove it still gets a token
    /// (repeatable).
    #[arg(long = "break-glass-secret-file", value_name = "ID=PATH", value_parser = parse_secret_file)]
    pub break_glass_secret_files: Vec<SecretFileArg>,
}

/// A `--break-glass-secret-file ID=PATH` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretFileArg {
    /// The OAuth client ID.
    pub client_id: String,
    /// The file that contains its secret.
    pub path: PathBuf,
}

fn parse_secret_file(value: &str) -> Result<SecretFileArg, String> {
    match value.split_once('=') {
        Some((id, path)) if !id.trim().is_empty() && !path.is_empty() => {
            Ok(SecretFileArg { client_id: id.trim().to_owned(), path: PathBuf::from(path) })
        }
        _ => Err(format!("`{value}` is not ID=PATH; write the client ID, `=`, then the file path")),
    }
}

/// `verify` flags.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Mention certificates that expire within N days; 0 turns it off.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub cert_warn_days: u32,
}

/// `rollback` flags.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The backup file that `apply` wrote.
    #[arg(long, value_name = "PATH")]
    pub backup: PathBuf,
    /// Restore the backup even when it has native login off and no enabled
    /// SSO provider, which leaves nobody able to sign in.
    #[arg(long)]
    pub allow_lockout: bool,
}

/// `break-glass` subcommands.
#[derive(Debug, Subcommand)]
pub enum BreakGlassCommand {
    /// Create a client-credentials client that can edit identity providers.
    Create(BreakGlassCreateArgs),
}

/// `break-glass create` flags.
#[derive(Debug, Args)]
pub struct BreakGlassCreateArgs {
    /// Name of the new client (default: `sso-cutover break-glass` and the date).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Role to give it (else the first role by name that grants sso:provider:edit).
    #[arg(long, value_name = "ROLE-ID")]
    pub role: Option<String>,

    /// New file for the client's secret (mode 0600; never replaces a file).
    #[arg(long, value_name = "PATH")]
    pub secret_out: PathBuf,
}

/// `completions` arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `demo` flags.
#[derive(Debug, Args)]
pub struct DemoArgs {}

/// Returns the clap command of the whole program, for completions and the man page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn parser_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_after_subcommand() {
        let cli = Cli::try_parse_from([
            "sso-cutover",
            "inventory",
            "--org-file",
            "org.json",
            "--output",
            "json",
            "-vv",
            "--yes",
        ])
        .unwrap();
        assert_eq!(cli.global.org_file, Some(PathBuf::from("org.json")));
        assert_eq!(cli.global.output, OutputFormat::Json);
        assert_eq!(cli.global.verbose, 2);
        assert!(cli.global.yes);
    }

    #[test]
    fn secret_file_needs_equals() {
        assert!(parse_secret_file("abc").is_err());
        assert!(parse_secret_file("=path").is_err());
        assert_eq!(
            parse_secret_file("id-1=/tmp/s").unwrap(),
            SecretFileArg { client_id: "id-1".into(), path: PathBuf::from("/tmp/s") }
        );
    }

    #[test]
    fn apply_plan_conflicts_with_inputs() {
        let parsed = Cli::try_parse_from([
            "sso-cutover",
            "apply",
            "--plan",
            "p.json",
            "--metadata",
            "m.xml",
        ]);
        assert!(parsed.is_err());
        let parsed = Cli::try_parse_from(["sso-cutover", "apply", "--plan", "p.json"]);
        assert!(parsed.is_ok());
        let parsed = Cli::try_parse_from(["sso-cutover", "apply"]);
        assert!(parsed.is_err(), "apply needs --metadata or --plan");
    }
}
