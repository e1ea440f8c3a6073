//! `break-glass create`: a client-credentials OAuth client that can edit
//! identity providers, so native login can be turned back on through the API
//! when SAML sign-in fails.
//!
//! The client gets `--role`, or else the first role by name that grants
//! `sso:provider:edit`, in the home division. Its secret goes to a new file
//! with mode 0600 and is never printed. The client is proven by requesting a
//! token with it; when that fails, the client and the file are deleted.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cutover_api::models::{GRANT_CLIENT_CREDENTIALS, MAX_PAGE_SIZE_DEFAULT};
use cutover_api::paging::{DEFAULT_PAGE_CONCURRENCY, collect_all};
use cutover_api::permissions::{SSO_PROVIDER_EDIT, role_grants, role_grants_idp_admin};
use cutover_api::{ApiError, OAuthClient, OAuthClientRequest, OrgApi, Role, RoleDivision};
use cutover_auth::{ClientCredentials, ClientSecret};
use jiff::Timestamp;
use serde::Serialize;

use crate::apply::ChangeHooks;
use crate::files::{self, FileError};

/// The retry policy of the new client's first token request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProofRetry {
    /// Token requests made at most.
    pub attempts: u32,
    /// Wait between two requests.
    pub delay: Duration,
}

impl Default for ProofRetry {
    /// Three requests two seconds apart, because a client that was just
    /// created may take a moment to be accepted by the login service.
    // NOTE: the delay is an estimate; no API document states how soon a new
    // client can get a token.
    fn default() -> Self {
        Self { attempts: 3, delay: Duration::from_secs(2) }
    }
}

/// The inputs of `break-glass create`.
#[derive(Clone, Debug)]
pub struct BreakGlassRequest {
    /// The client's name; a dated default when `None`.
    pub name: Option<String>,
    /// The role to give it; when `None`, the first role by name that grants
    /// `sso:provider:edit`.
    pub role_id: Option<String>,
    /// The new file that receives the secret.
    pub secret_out: PathBuf,
    /// The retry policy of the proof.
    pub proof: ProofRetry,
}

/// The created client, as the JSON output shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreatedClient {
    /// Client ID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its roles.
    pub role_ids: Vec<String>,
}

/// The JSON output of `break-glass create`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BreakGlassReport {
    /// The client.
    pub client: CreatedClient,
    /// The absolute path of the secret file.
    pub secret_file: String,
}

/// An error of `break-glass create`. Every one exits 1.
#[derive(Debug, thiserror::Error)]
pub enum BreakGlassError {
    /// The secret file exists already; nothing was changed.
    #[error(
        "the secret file `{}` already exists and is never replaced; pass a new path to \
         --secret-out",
        .0.display()
    )]
    SecretFileExists(PathBuf),
    /// The secret file's folder does not exist; nothing was changed.
    #[error(
        "the folder of the secret file `{}` does not exist; create it or pass another path to \
         --secret-out",
        .0.display()
    )]
    SecretFolderMissing(PathBuf),
    /// The secret file's path could not be resolved; nothing was changed.
    #[error(transparent)]
    SecretPath(#[from] FileError),
    /// An API call failed before the client was created.
    #[error("{action} failed: {source}")]
    Api {
        /// The action that failed.
        action: &'static str,
        /// The API's error.
        source: Box<ApiError>,
    },
    /// `--role` names no role of the org.
    #[error("no role with ID `{0}` exists in the org; pass the ID of an existing role to --role")]
    RoleNotFound(String),
    /// `--role` grants neither identity-provider admin permission.
    #[error(
        "role `{name}` (`{id}`) grants neither `sso:provider:edit` nor `sso:provider:add`, so \
         its client could not turn native login back on; pass a role that grants one of them"
    )]
    RoleLacksPermission {
        /// Role ID.
        id: String,
        /// Role name.
        name: String,
    },
    /// No role grants `sso:provider:edit`.
    #[error(
        "no role in the org grants `sso:provider:edit`; create one (for example with the \
         permission `sso:provider:*`) or pass --role"
    )]
    NoEditorRole,
    /// The org has no home division.
    #[error("no division of the org is marked `homeDivision: true`; the client needs one")]
    NoHomeDivision,
    /// The client was created, then had to be removed again.
    #[error("{cause}; {cleanup}")]
    Undone {
        /// The failure after the client was created.
        cause: String,
        /// The cleanup of the client and the file.
        cleanup: String,
    },
}

impl BreakGlassError {
    /// Returns the exit code: always 1.
    pub fn exit_code(&self) -> u8 {
        1
    }
}

/// Creates, stores and proves a break-glass client. The secret file is
/// checked before any change: an existing path is rejected.
pub async fn create_break_glass(
    api: &dyn OrgApi,
    request: &BreakGlassRequest,
    hooks: &dyn ChangeHooks,
    now: Timestamp,
) -> Result<BreakGlassReport, BreakGlassError> {
    let secret_path = files::absolute(&request.secret_out)?;
    check_secret_path(&secret_path)?;

    let role = choose_role(api, request.role_id.as_deref()).await?;
    let divisions = collect_all(MAX_PAGE_SIZE_DEFAULT, DEFAULT_PAGE_CONCURRENCY, |page| {
        api.divisions_page(page)
    })
    .await
    .map_err(|source| BreakGlassError::Api {
        action: "listing divisions",
        source: source.into(),
    })?;
    let home = divisions
        .into_iter()
        .find(|division| division.home_division == Some(true))
        .ok_or(BreakGlassError::NoHomeDivision)?;

    let name = request.name.clone().unwrap_or_else(|| default_name(now));
    let client_request = OAuthClientRequest {
        name: name.clone(),
        authorized_grant_type: GRANT_CLIENT_CREDENTIALS.to_owned(),
        role_divisions: Some(vec![RoleDivision {
            role_id: role.id.clone(),
            division_id: home.id.clone(),
        }]),
        description: Some(
            "Break-glass client created by sso-cutover: turns native login back on through the \
             API when SAML sign-in fails. Keep its secret offline."
                .to_owned(),
        ),
        ..OAuthClientRequest::default()
    };
    let created = api.create_oauth_client(&client_request).await.map_err(|source| {
        BreakGlassError::Api { action: "creating the OAuth client", source: source.into() }
    })?;
    let client_id = created.id.clone();

    if let Err(failure) = store_and_prove(api, &created, &secret_path, request.proof, hooks).await {
        let file = failure.file_written.then_some(secret_path.as_path());
        let cleanup = remove_client_and_file(api, &client_id, file, hooks).await;
        return Err(BreakGlassError::Undone { cause: failure.cause, cleanup });
    }

    Ok(BreakGlassReport {
        client: CreatedClient {
            id: client_id,
            name: created.name.clone(),
            role_ids: if created.role_ids().is_empty() {
                vec![role.id]
            } else {
                created.role_ids().into_iter().map(str::to_owned).collect()
            },
        },
        secret_file: secret_path.display().to_string(),
    })
}

/// The reason a created client has to be removed again.
struct Failure {
    cause: String,
    file_written: bool,
}

/// Saves the new client, writes its secret to `secret_path` and proves it.
async fn store_and_prove(
    api: &dyn OrgApi,
    created: &OAuthClient,
    secret_path: &Path,
    proof: ProofRetry,
    hooks: &dyn ChangeHooks,
) -> Result<(), Failure> {
    let client_id = &created.id;
    hooks.after_change().map_err(|error| Failure {
        cause: format!("saving the new client `{client_id}` failed: {error}"),
        file_written: false,
    })?;
    let secret = created.secret.clone().map(ClientSecret::new).ok_or_else(|| Failure {
        cause: format!("the API returned no secret for the new client `{client_id}`"),
        file_written: false,
    })?;

    let mut contents = secret.expose().to_owned();
    contents.push('\n');
    files::write_new(secret_path, contents.as_bytes()).map_err(|error| Failure {
        cause: format!("writing the secret file failed: {error}"),
        file_written: false,
    })?;

    let credentials = ClientCredentials::new(client_id.clone(), secret);
    prove(api, &credentials, proof).await.map_err(|error| Failure {
        cause: format!("the new client `{client_id}` could not get a token: {error}"),
        file_written: true,
    })
}

fn check_secret_path(path: &Path) -> Result<(), BreakGlassError> {
    if files::exists(path) {
        return Err(BreakGlassError::SecretFileExists(path.to_path_buf()));
    }
    let parent = path.parent().unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(BreakGlassError::SecretFolderMissing(path.to_path_buf()));
    }
    Ok(())
}

async fn choose_role(api: &dyn OrgApi, role_id: Option<&str>) -> Result<Role, BreakGlassError> {
    let mut roles =
        collect_all(MAX_PAGE_SIZE_DEFAULT, DEFAULT_PAGE_CONCURRENCY, |page| api.roles_page(page))
            .await
            .map_err(|source| BreakGlassError::Api {
                action: "listing roles",
                source: source.into(),
            })?;
    if let Some(role_id) = role_id {
        let role = roles
            .into_iter()
            .find(|role| role.id == role_id)
            .ok_or_else(|| BreakGlassError::RoleNotFound(role_id.to_owned()))?;
        if !role_grants_idp_admin(&role) {
            return Err(BreakGlassError::RoleLacksPermission { id: role.id, name: role.name });
        }
        return Ok(role);
    }
    // Names compare as bytes, then IDs, so the choice is the same on every run.
    roles.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    roles
        .into_iter()
        .find(|role| role_grants(role, SSO_PROVIDER_EDIT))
        .ok_or(BreakGlassError::NoEditorRole)
}

async fn prove(
    api: &dyn OrgApi,
    credentials: &ClientCredentials,
    retry: ProofRetry,
) -> Result<(), ApiError> {
    let attempts = retry.attempts.max(1);
    let mut attempt = 1;
    loop {
        match api.request_token(credentials).await {
            Ok(_) => return Ok(()),
            Err(error) if attempt >= attempts => return Err(error),
            Err(error) => {
                tracing::info!(
                    client_id = %credentials.client_id,
                    attempt,
                    "the new client got no token yet, trying again: {error}"
                );
                tokio::time::sleep(retry.delay).await;
                attempt += 1;
            }
        }
    }
}

/// Deletes the client and the secret file, and returns a sentence saying what
/// was done, naming what must be removed by hand when a step failed.
async fn remove_client_and_file(
    api: &dyn OrgApi,
    client_id: &str,
    file: Option<&Path>,
    hooks: &dyn ChangeHooks,
) -> String {
    let mut done = Vec::new();
    let mut failed = Vec::new();
    match api.delete_oauth_client(client_id).await {
        Ok(()) => match hooks.after_change() {
            Ok(()) => done.push(format!("the client `{client_id}` was deleted")),
            Err(error) => {
                failed.push(format!("saving the deletion of `{client_id}` failed: {error}"));
            }
        },
        Err(error) => failed
            .push(format!("deleting the client `{client_id}` failed ({error}); delete it by hand")),
    }
    if let Some(file) = file {
        match files::remove_file(file) {
            Ok(()) => done.push(format!("the secret file `{}` was removed", file.display())),
            Err(error) => failed.push(format!("{error}; remove the file by hand")),
        }
    }
    let mut parts = done;
    parts.extend(failed);
    parts.join("; ")
}

fn default_name(now: Timestamp) -> String {
    format!("sso-cutover break-glass {}", now.strftime("%Y-%m-%d"))
}
