//! Backend selection: an org snapshot file (`--org-file`) or the real API.
//!
//! [`Backend::open`] picks the backend from the global flags and returns the
//! [`OrgApi`] every command works through. The backend also carries what the
//! commands show about it (region, client, the source of the credentials) and
//! the hook that writes a changed org file back
//! ([`Backend::save_after_change`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cutover_api::OrgApi;
use cutover_auth::{
    ClientCredentials, ClientSecret, CredentialInput, ENV_GENESYS_CLIENT_ID,
    ENV_GENESYS_CLIENT_SECRET, ENV_GENESYSCLOUD_CLIENT_ID, ENV_GENESYSCLOUD_CLIENT_SECRET,
    GcProfile, process_env, read_secret_file, resolve_credentials_with_profile,
    resolve_region_with_profile,
};
use cutover_http::{HttpApi, HttpConfig};
use cutover_memory::{MemoryOrg, SnapshotError};
use url::Url;

use crate::cli::GlobalArgs;
use crate::exit::CliError;

/// The org a command works on.
pub struct Backend {
    api: Arc<dyn OrgApi>,
    region: String,
    client_id: String,
    credential_source: String,
    endpoint: String,
    org_file: Option<OrgFile>,
}

/// An org snapshot file that changes are written back to.
struct OrgFile {
    org: MemoryOrg,
    path: PathBuf,
}

impl Backend {
    /// Opens the backend the global flags select: the org snapshot of
    /// `--org-file`, else the API of the region (or of `--api-base` and
    /// `--login-base`) with credentials from the flags or the environment.
    pub fn open(global: &GlobalArgs) -> Result<Backend, CliError> {
        match &global.org_file {
            Some(path) => Self::open_org_file(path, global),
            None => Self::open_http(global, &process_env),
        }
    }

    fn open_org_file(path: &Path, global: &GlobalArgs) -> Result<Backend, CliError> {
        // The snapshot error names the file, and the JSON path of a fault.
        let org = MemoryOrg::load(path).map_err(|error| {
            let fix = match error {
                SnapshotError::Read { .. } => "; check the path and its permissions",
                // The message already says what to do.
                SnapshotError::TooLarge { .. } => "",
                _ => {
                    "; fix the file so that it is a valid `sso-cutover.org-snapshot.v1` org \
                     snapshot"
                }
            };
            CliError::input(format!("--org-file: {error}{fix}"))
        })?;
        let (client_id, secret, source) = org_file_credentials(global, &process_env)?;
        let session = org
            .session(client_id.as_deref(), secret.as_ref())
            .map_err(|error| CliError::input(format!("org file `{}`: {error}", path.display())))?;
        let client_id = session.client_id().to_owned();
        let region = org.region().name().to_owned();
        Ok(Backend {
            api: Arc::new(session),
            region,
            credential_source: source,
            client_id,
            endpoint: format!("org file {}", path.display()),
            org_file: Some(OrgFile { org, path: path.to_owned() }),
        })
    }

    fn open_http(
        global: &GlobalArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Backend, CliError> {
        let profile = load_profile(global, env)?;
        // A bad region or base URL is bad input (exit 1), like an unknown
        // `--entity-id`: the flag itself is valid, its value is not. Both are
        // checked before credentials are looked up.
        let region = resolve_region_with_profile(global.region.as_deref(), env, profile.as_ref())
            .map_err(|error| CliError::input(error.to_string()))?;
        let mut config = HttpConfig::for_region(region);
        config.api_base =
            global.api_base.as_deref().map(|text| parse_base("--api-base", text)).transpose()?;
        config.login_base = global
            .login_base
            .as_deref()
            .map(|text| parse_base("--login-base", text))
            .transpose()?;
        let resolved = resolve_credentials_with_profile(
            &CredentialInput {
                client_id: global.client_id.as_deref(),
                client_secret_file: global.client_secret_file.as_deref(),
                env,
            },
            profile.as_ref(),
        )
        .map_err(|error| CliError::input(error.to_string()))?;
        Self::http(resolved.credentials, resolved.source.to_string(), config)
    }

    /// Opens the HTTP backend with known credentials and settings, as `demo`
    /// does against the simulator. No request is sent yet.
    pub fn http(
        credentials: ClientCredentials,
        credential_source: String,
        config: HttpConfig,
    ) -> Result<Backend, CliError> {
        let client_id = credentials.client_id.clone();
        let region = config.region.name().to_owned();
        let api = HttpApi::new(credentials, config)
            .map_err(|error| CliError::input(error.to_string()))?;
        let endpoint = format!("API {} (login {})", api.api_base(), api.login_base());
        Ok(Backend {
            api: Arc::new(api),
            region,
            client_id,
            credential_source,
            endpoint,
            org_file: None,
        })
    }

    /// Returns the API every call goes through.
    pub fn api(&self) -> &dyn OrgApi {
        self.api.as_ref()
    }

    /// Returns a shared handle to the API.
    pub fn api_arc(&self) -> Arc<dyn OrgApi> {
        Arc::clone(&self.api)
    }

    /// Returns the region's name, such as `us-east-1`.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Returns the ID of the OAuth client the backend acts as.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Describes where the credentials came from.
    pub fn credential_source(&self) -> &str {
        &self.credential_source
    }

    /// Describes the backend: the org file, or the API and login hosts.
    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// Returns the org file's path when the backend is an org snapshot.
    pub fn org_file(&self) -> Option<&Path> {
        self.org_file.as_ref().map(|file| file.path.as_path())
    }

    /// Writes the org file back after a change, so that the next command reads
    /// the changed org. Does nothing for the API backend. Call it after every change
    /// (`apply` stage, undo, `rollback`, `break-glass create`), successful or
    /// not, because a failed sequence may have changed part of the org.
    pub fn save_after_change(&self) -> Result<(), CliError> {
        let Some(file) = &self.org_file else {
            return Ok(());
        };
        file.org.save().map_err(|error| {
            CliError::input(format!(
                "could not write the changed org back to `{}`: {error}; the org in memory was \
                 changed, so restore the file from its backup before running another command",
                file.path.display()
            ))
        })
    }
}

/// Reads the `gc` CLI profile of `--profile` from `$HOME/.gc/config.toml`,
/// or returns `None` without the flag. A profile that cannot be read is an
/// error (exit 1), even when other sources would supply the credentials,
/// because the flag asked for it.
fn load_profile(
    global: &GlobalArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<GcProfile>, CliError> {
    global
        .profile
        .as_deref()
        .map(|name| GcProfile::load_from_home(name, env))
        .transpose()
        .map_err(|error| CliError::input(error.to_string()))
}

/// Picks the client for an org file: `--client-id` (with
/// `--client-secret-file` when given), else `GENESYSCLOUD_OAUTHCLIENT_ID`
/// (with its secret variable when set), else `GENESYS_CLIENT_ID`, else the
/// client of `--profile`, else none, which selects the first active
/// client-credentials client with a secret.
/// A client ID alone is enough; a secret, when given, must match the file's.
fn org_file_credentials(
    global: &GlobalArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Option<String>, Option<ClientSecret>, String), CliError> {
    let set = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    let profile = load_profile(global, env)?;
    if let Some(id) = &global.client_id {
        let secret = global
            .client_secret_file
            .as_deref()
            .map(read_secret_file)
            .transpose()
            .map_err(|error| CliError::input(error.to_string()))?;
        return Ok((Some(id.clone()), secret, "--client-id".to_owned()));
    }
    if global.client_secret_file.is_some() {
        return Err(CliError::usage(
            "--client-secret-file was given without --client-id; pass the client ID too",
        ));
    }
    for (id_var, secret_var) in [
        (ENV_GENESYSCLOUD_CLIENT_ID, ENV_GENESYSCLOUD_CLIENT_SECRET),
        (ENV_GENESYS_CLIENT_ID, ENV_GENESYS_CLIENT_SECRET),
    ] {
        if let Some(id) = set(id_var) {
            let secret = set(secret_var).map(|value| ClientSecret::new(value.trim()));
            return Ok((
                Some(id.trim().to_owned()),
                secret,
                format!("environment variable {id_var}"),
            ));
        }
    }
    if let Some(profile) = profile {
        let credentials = profile.credentials();
        return Ok((Some(credentials.client_id), Some(credentials.secret), profile.to_string()));
    }
    Ok((None, None, "the org file's first active client-credentials client".to_owned()))
}

fn parse_base(flag: &str, text: &str) -> Result<Url, CliError> {
    cutover_auth::parse_base_url(text).map_err(|error| CliError::input(format!("{flag}: {error}")))
}
