//! Shared setup: a private copy of the sample org, hooks that save it after
//! every change, plans made the way `plan` makes them, and a backend wrapper
//! that alters what the org returns.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use cutover_api::models::IdentityProviderRef;
use cutover_api::{
    ApiError, AuthzSubject, CollectOptions, Division, IdentityProvider, OAuthClient,
    OAuthClientRequest, OrgApi, Organization, Page, PageRequest, ProviderType, Role, TokenGrant,
    TokenInfo, User, UserReference, UserStateFilter, collect_state,
};
use cutover_auth::{ClientCredentials, ClientSecret};
use cutover_cli::apply::{ApplyRequest, ChangeEvent, ChangeHooks, HookError};
use cutover_memory::{MemoryApi, MemoryOrg, Operation};
use cutover_policy::{DesiredChange, PlanDocument, PlanSource, Waiver, evaluate};
use jiff::{SignedDuration, Timestamp};

/// The sample org's tool client.
pub(crate) const ADMIN_CLIENT: &str = "9c8b7a6d-0001-4f3e-8d2c-1b0a9f8e7d6c";
/// The sample org's first break-glass client.
pub(crate) const PRIMARY_CLIENT: &str = "9c8b7a6d-0002-4f3e-8d2c-1b0a9f8e7d6c";
/// The sample org's second break-glass client.
pub(crate) const SECONDARY_CLIENT: &str = "9c8b7a6d-0003-4f3e-8d2c-1b0a9f8e7d6c";

/// Returns the path of a file of the workspace's `examples` folder.
pub(crate) fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

/// A private copy of the sample org on disk, loaded in memory.
pub(crate) struct SampleOrg {
    /// Keeps the temporary folder alive.
    pub(crate) dir: tempfile::TempDir,
    /// The org file.
    pub(crate) path: PathBuf,
    /// The loaded org.
    pub(crate) org: MemoryOrg,
    /// The file's JSON before any change.
    pub(crate) original: serde_json::Value,
}

impl SampleOrg {
    /// Copies `examples/sample-org.json` into a new temporary folder.
    pub(crate) fn copy() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("org.json");
        std::fs::copy(example("sample-org.json"), &path).unwrap();
        let org = MemoryOrg::load(&path).unwrap();
        let original = read_json(&path);
        Self { dir, path, org, original }
    }

    /// Opens a session as the tool's client.
    pub(crate) fn api(&self) -> MemoryApi {
        self.org.session(Some(ADMIN_CLIENT), None).unwrap()
    }

    /// Returns the backup folder inside the temporary folder.
    pub(crate) fn backup_dir(&self) -> PathBuf {
        self.dir.path().join("backups")
    }

    /// Returns the org file's JSON as it is on disk now.
    pub(crate) fn on_disk(&self) -> serde_json::Value {
        read_json(&self.path)
    }

    /// Returns the provider of `kind` in the org file, if configured.
    pub(crate) fn provider_on_disk(&self, kind: ProviderType) -> Option<serde_json::Value> {
        self.on_disk()["identityProviders"].get(kind.as_str()).cloned()
    }

    /// Returns the credentials of a client, with its secret from the file.
    pub(crate) fn credentials(&self, client_id: &str) -> ClientCredentials {
        ClientCredentials::new(client_id, self.org.client_secret(client_id).unwrap())
    }
}

/// Reads a JSON file.
pub(crate) fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Hooks that save the org file after every change and record the events.
pub(crate) struct SaveHooks {
    org: MemoryOrg,
    /// Each event, as a short line.
    pub(crate) events: Mutex<Vec<String>>,
}

impl SaveHooks {
    /// Hooks for `sample`.
    pub(crate) fn new(sample: &SampleOrg) -> Self {
        Self { org: sample.org.clone(), events: Mutex::new(Vec::new()) }
    }

    /// Returns the recorded events.
    pub(crate) fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }
}

impl ChangeHooks for SaveHooks {
    fn after_change(&self) -> Result<(), HookError> {
        self.events.lock().unwrap().push("saved".to_owned());
        self.org.save().map_err(|error| Box::new(error) as HookError)
    }

    fn on_event(&self, event: ChangeEvent<'_>) {
        let line = match event {
            ChangeEvent::BackupWritten { path } => {
                // The number of writes made so far: 0 proves the backup's path
                // was reported before the first change.
                let writes = self.org.call_count(Operation::PutIdentityProvider)
                    + self.org.call_count(Operation::DeleteIdentityProvider);
                format!("backup {} writes={writes}", path.display())
            }
            ChangeEvent::StageStarted { stage, .. } => format!("stage {stage}"),
            ChangeEvent::CheckFinished { check, .. } => {
                format!("check {} {}", check.name, check.ok)
            }
            ChangeEvent::UndoStarted { failed_stage } => format!("undo after {failed_stage}"),
            ChangeEvent::Restored { entry } => {
                format!("restored {} {:?}", entry.kind, entry.action)
            }
            _ => "other".to_owned(),
        };
        self.events.lock().unwrap().push(line);
    }
}

/// The inputs of a plan, as the `plan` flags give them.
#[derive(Clone, Debug, Default)]
pub(crate) struct PlanOptions {
    /// `--disable-native-login`.
    pub(crate) disable_native_login: bool,
    /// `--break-glass-client`.
    pub(crate) break_glass_clients: Vec<String>,
    /// `--accept RULE --reason TEXT`.
    pub(crate) waivers: Vec<(String, String)>,
    /// `--idp-users` content.
    pub(crate) idp_users: Option<String>,
    /// `--name`.
    pub(crate) name: Option<String>,
}

impl PlanOptions {
    /// Returns the options of a cutover that also disables native login, as
    /// the demo runs it: both break-glass clients named and the PASSWORD-grant client
    /// waived.
    pub(crate) fn disable_native_login() -> Self {
        Self {
            disable_native_login: true,
            break_glass_clients: vec![PRIMARY_CLIENT.to_owned(), SECONDARY_CLIENT.to_owned()],
            waivers: vec![(
                "password-grant-client".to_owned(),
                "the export moves to client credentials next week".to_owned(),
            )],
            idp_users: Some(std::fs::read_to_string(example("idp-users.txt")).unwrap()),
            name: None,
        }
    }
}

/// Returns the sample metadata's bytes.
pub(crate) fn metadata() -> Vec<u8> {
    std::fs::read(example("idp-metadata.xml")).unwrap()
}

/// Returns a time at which the sample metadata's certificate is valid: 30 days after
/// it became valid, so the tests follow the file when it is regenerated.
pub(crate) fn now() -> Timestamp {
    let parsed = cutover_saml::parse_metadata(&metadata(), None).unwrap();
    let info = parsed.signing_certificates[0].parsed.as_ref().unwrap();
    info.not_before + SignedDuration::from_hours(30 * 24)
}

/// Makes a plan of the sample metadata against the org behind `api`, as
/// `plan` does.
pub(crate) async fn make_plan(api: &dyn OrgApi, options: &PlanOptions) -> PlanDocument {
    let state = collect_state(api, CollectOptions::default()).await.unwrap();
    let bytes = metadata();
    let parsed = cutover_saml::parse_metadata(&bytes, None);
    let mut change = DesiredChange::new(ProviderType::Generic, parsed);
    change.disable_native_login = options.disable_native_login;
    change.break_glass_clients.clone_from(&options.break_glass_clients);
    change.name.clone_from(&options.name);
    change.idp_users = options.idp_users.as_deref().map(cutover_policy::IdpUserList::parse);
    change.waivers = options
        .waivers
        .iter()
        .map(|(rule, reason)| Waiver::parse(rule, Some(reason)).unwrap())
        .collect();
    let evaluation = evaluate(&state, &change, now()).unwrap();
    let source =
        PlanSource { created_at: now(), region: "us-east-1", entity_id: None, metadata: &bytes };
    PlanDocument::new(&evaluation, &state, &change, &source)
}

/// Builds an apply request for `plan` into the sample's backup folder.
pub(crate) fn request(sample: &SampleOrg, plan: PlanDocument) -> ApplyRequest {
    ApplyRequest {
        plan,
        backup_dir: sample.backup_dir(),
        break_glass_secrets: Vec::new(),
        break_glass_secret_files: std::collections::BTreeMap::new(),
        org_file: None,
        backend_args: vec!["--org-file".to_owned(), sample.path.display().to_string()],
    }
}

/// Returns the files of a folder, by name.
pub(crate) fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => {
            entries.map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned()).collect()
        }
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// Returns a client secret that the sample org does not know.
pub(crate) fn wrong_secret() -> ClientSecret {
    ClientSecret::new("not-the-secret")
}

/// How [`Tamper`] alters a provider read with `GET`: given the type, the
/// number of this `GET` of that type (from 1) and the provider as stored.
pub(crate) type ProviderEdit = Box<dyn Fn(ProviderType, u64, &mut IdentityProvider) + Send + Sync>;

/// A backend that passes every call to the in-memory org, but alters the
/// providers that `GET` returns, as a server that stores something else than
/// it was sent would.
pub(crate) struct Tamper {
    inner: MemoryApi,
    edit: ProviderEdit,
    reads: Mutex<std::collections::BTreeMap<ProviderType, u64>>,
}

impl Tamper {
    /// Wraps `inner`.
    pub(crate) fn new(inner: MemoryApi, edit: ProviderEdit) -> Self {
        Self { inner, edit, reads: Mutex::new(std::collections::BTreeMap::new()) }
    }
}

#[async_trait]
impl OrgApi for Tamper {
    async fn organization(&self) -> Result<Organization, ApiError> {
        self.inner.organization().await
    }
    async fn token_info(&self) -> Result<TokenInfo, ApiError> {
        self.inner.token_info().await
    }
    async fn identity_providers(&self) -> Result<Vec<IdentityProvider>, ApiError> {
        self.inner.identity_providers().await
    }
    async fn identity_provider(
        &self,
        kind: ProviderType,
    ) -> Result<Option<IdentityProvider>, ApiError> {
        let mut found = self.inner.identity_provider(kind).await?;
        let call = {
            let mut reads = self.reads.lock().unwrap();
            let count = reads.entry(kind).or_insert(0);
            *count += 1;
            *count
        };
        if let Some(provider) = &mut found {
            (self.edit)(kind, call, provider);
        }
        Ok(found)
    }
    async fn put_identity_provider(
        &self,
        kind: ProviderType,
        body: &IdentityProvider,
    ) -> Result<IdentityProviderRef, ApiError> {
        self.inner.put_identity_provider(kind, body).await
    }
    async fn delete_identity_provider(&self, kind: ProviderType) -> Result<(), ApiError> {
        self.inner.delete_identity_provider(kind).await
    }
    async fn oauth_clients(&self) -> Result<Vec<OAuthClient>, ApiError> {
        self.inner.oauth_clients().await
    }
    async fn oauth_client(&self, client_id: &str) -> Result<OAuthClient, ApiError> {
        self.inner.oauth_client(client_id).await
    }
    async fn create_oauth_client(
        &self,
        request: &OAuthClientRequest,
    ) -> Result<OAuthClient, ApiError> {
        self.inner.create_oauth_client(request).await
    }
    async fn delete_oauth_client(&self, client_id: &str) -> Result<(), ApiError> {
        self.inner.delete_oauth_client(client_id).await
    }
    async fn roles_page(&self, page: PageRequest) -> Result<Page<Role>, ApiError> {
        self.inner.roles_page(page).await
    }
    async fn role_users_page(
        &self,
        role_id: &str,
        page: PageRequest,
    ) -> Result<Page<UserReference>, ApiError> {
        self.inner.role_users_page(role_id, page).await
    }
    async fn users_page(
        &self,
        page: PageRequest,
        state: UserStateFilter,
    ) -> Result<Page<User>, ApiError> {
        self.inner.users_page(page, state).await
    }
    async fn divisions_page(&self, page: PageRequest) -> Result<Page<Division>, ApiError> {
        self.inner.divisions_page(page).await
    }
    async fn subject(&self, subject_id: &str) -> Result<AuthzSubject, ApiError> {
        self.inner.subject(subject_id).await
    }
    async fn fresh_token(&self) -> Result<TokenGrant, ApiError> {
        self.inner.fresh_token().await
    }
    async fn request_token(&self, credentials: &ClientCredentials) -> Result<TokenGrant, ApiError> {
        self.inner.request_token(credentials).await
    }
}
