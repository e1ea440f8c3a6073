use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use cutover_api::models::{GRANT_CLIENT_CREDENTIALS, OAuthClient};
use cutover_auth::{ClientSecret, Region};
use serde_json::{Map, Value};

use crate::api::MemoryApi;
use crate::error::{SessionError, SnapshotError};
use crate::faults::{Faults, Operation};
use crate::persist::{Layout, write_atomic};
use crate::snapshot::{self, OrgData};

/// A whole Genesys Cloud org held in memory, loaded from an org snapshot.
///
/// Clones share one org: a change made through any [`MemoryApi`] of any clone
/// is seen by all of them. Changes stay in memory until [`MemoryOrg::save`].
#[derive(Clone)]
pub struct MemoryOrg {
    inner: Arc<Inner>,
}

struct Inner {
    data: RwLock<OrgData>,
    file: Option<PathBuf>,
    layout: Layout,
    /// Whether the file started with a UTF-8 byte-order mark, which a save
    /// writes back.
    byte_order_mark: bool,
    faults: Faults,
    /// Serializes saves, so two concurrent saves cannot interleave renames.
    save_lock: Mutex<()>,
}

impl fmt::Debug for MemoryOrg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryOrg").field("file", &self.inner.file).finish_non_exhaustive()
    }
}

impl MemoryOrg {
    /// Loads and checks the snapshot at `path`, which [`MemoryOrg::save`]
    /// writes back to. A file larger than [`MAX_SNAPSHOT_BYTES`] is rejected.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SnapshotError> {
        Self::load_with_limit(path, MAX_SNAPSHOT_BYTES)
    }

    /// Loads and checks the snapshot at `path`, rejecting a file larger than
    /// `limit` bytes. Reading stops one byte past the limit, so a device such
    /// as `/dev/zero` costs at most `limit` bytes of memory.
    pub fn load_with_limit(path: impl AsRef<Path>, limit: u64) -> Result<Self, SnapshotError> {
        let path = path.as_ref();
        let read_error = |source| SnapshotError::Read { path: path.to_path_buf(), source };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|file| file.take(limit.saturating_add(1)).read_to_end(&mut bytes))
            .map_err(read_error)?;
        if bytes.len() as u64 > limit {
            return Err(SnapshotError::TooLarge { path: path.to_path_buf(), limit });
        }
        let text = String::from_utf8(bytes).map_err(|error| {
            read_error(std::io::Error::new(std::io::ErrorKind::InvalidData, error))
        })?;
        let (text, byte_order_mark) = strip_byte_order_mark(&text);
        let data = snapshot::parse(text).map_err(|error| with_path(error, path))?;
        Ok(Self::new(data, Some(path.to_path_buf()), Layout::detect(text), byte_order_mark))
    }

    /// Loads and checks a snapshot from its JSON text. The org has no file,
    /// so [`MemoryOrg::save`] fails and [`MemoryOrg::save_to`] must be used.
    /// A leading UTF-8 byte-order mark is skipped.
    pub fn from_json(text: &str) -> Result<Self, SnapshotError> {
        let (text, byte_order_mark) = strip_byte_order_mark(text);
        let data = snapshot::parse(text)?;
        Ok(Self::new(data, None, Layout::detect(text), byte_order_mark))
    }

    fn new(data: OrgData, file: Option<PathBuf>, layout: Layout, byte_order_mark: bool) -> Self {
        Self {
            inner: Arc::new(Inner {
                data: RwLock::new(data),
                file,
                layout,
                byte_order_mark,
                faults: Faults::default(),
                save_lock: Mutex::new(()),
            }),
        }
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, OrgData> {
        self.inner.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, OrgData> {
        self.inner.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Returns the file the org was loaded from.
    pub fn path(&self) -> Option<&Path> {
        self.inner.file.as_deref()
    }

    /// Returns the snapshot's region.
    pub fn region(&self) -> Region {
        self.read().region
    }

    /// Returns the login host of the snapshot's region, such as
    /// `login.mypurecloud.ie`.
    pub fn login_host(&self) -> String {
        self.read().region.login_host()
    }

    /// Tells whether the org changed since it was loaded or last saved.
    pub fn has_changes(&self) -> bool {
        let data = self.read();
        data.generation != data.saved_generation
    }

    /// Returns the whole snapshot, secrets included, as a JSON value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.read().doc.clone())
    }

    /// Returns the snapshot text in the layout of the text it was loaded from.
    pub fn to_json(&self) -> String {
        let data = self.read();
        String::from_utf8(self.inner.layout.render(&data.doc)).expect("JSON output is UTF-8")
    }

    /// Writes the org back to the file it was loaded from, atomically and in
    /// the file's layout, keeping key order, unknown fields, secrets and the
    /// file mode. Writes nothing when the org has not changed since it was
    /// loaded or last saved, so an unchanged file stays byte for byte as it
    /// was.
    pub fn save(&self) -> Result<(), SnapshotError> {
        let file = self.inner.file.as_deref().ok_or(SnapshotError::NoFile)?;
        let _saving = self.inner.save_lock.lock().unwrap_or_else(PoisonError::into_inner);
        if !self.has_changes() {
            return Ok(());
        }
        self.write_file(file)
    }

    /// Writes the org to `path`, atomically and in the layout of the text it
    /// was loaded from, whether or not it changed.
    pub fn save_to(&self, path: impl AsRef<Path>) -> Result<(), SnapshotError> {
        let _saving = self.inner.save_lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.write_file(path.as_ref())
    }

    fn write_file(&self, path: &Path) -> Result<(), SnapshotError> {
        let (bytes, generation) = {
            let data = self.read();
            let mut bytes = Vec::new();
            if self.inner.byte_order_mark {
                bytes.extend_from_slice(BYTE_ORDER_MARK.as_bytes());
            }
            bytes.extend(self.inner.layout.render(&data.doc));
            (bytes, data.generation)
        };
        write_atomic(path, &bytes)
            .map_err(|source| SnapshotError::Write { path: path.to_path_buf(), source })?;
        if Some(path) == self.inner.file.as_deref() {
            self.write().saved_generation = generation;
        }
        tracing::debug!(path = %path.display(), bytes = bytes.len(), "wrote the org snapshot");
        Ok(())
    }

    /// Returns the fault rules and call counters of this org.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// Returns how many calls of `operation` were made on this org through
    /// any session, failed ones included.
    pub fn call_count(&self, operation: Operation) -> u64 {
        self.inner.faults.call_count(operation)
    }

    /// Opens a session as one OAuth client, as if it had got a token with the
    /// client-credentials grant.
    ///
    /// With `client_id`, that client; without, the first active
    /// `CLIENT-CREDENTIALS` client that has a `secret`. The client must be
    /// active, of the client-credentials grant type and have a `secret` in the
    /// snapshot, and `secret`, when given, must equal it.
    pub fn session(
        &self,
        client_id: Option<&str>,
        secret: Option<&ClientSecret>,
    ) -> Result<MemoryApi, SessionError> {
        let client = {
            let data = self.read();
            match client_id {
                Some(id) => data
                    .client(id)
                    .map(|(_, client)| client)
                    .ok_or_else(|| SessionError::UnknownClient { client_id: id.to_owned() })?,
                None => data
                    .clients()
                    .into_iter()
                    .find(|client| {
                        client.is_active()
                            && client.has_grant(GRANT_CLIENT_CREDENTIALS)
                            && client.secret.is_some()
                    })
                    .ok_or(SessionError::NoUsableClient)?,
            }
        };
        check_token_request(&client, secret.map(ClientSecret::expose))?;
        Ok(MemoryApi::new(self.clone(), client.id, secret.cloned()))
    }

    /// Opens a session as a client that already has a token, checking only
    /// that the client exists. The simulator uses this for the tokens it
    /// issued.
    pub fn act_as(&self, client_id: &str) -> Result<MemoryApi, SessionError> {
        if self.read().client(client_id).is_none() {
            return Err(SessionError::UnknownClient { client_id: client_id.to_owned() });
        }
        Ok(MemoryApi::new(self.clone(), client_id.to_owned(), None))
    }

    /// Checks a client-credentials token request and returns the client,
    /// without its secret.
    pub fn authenticate(&self, client_id: &str, secret: &str) -> Result<OAuthClient, SessionError> {
        let (_, mut client) = self
            .read()
            .client(client_id)
            .ok_or_else(|| SessionError::UnknownClient { client_id: client_id.to_owned() })?;
        check_token_request(&client, Some(secret))?;
        client.secret = None;
        Ok(client)
    }

    /// Returns a client's secret from the snapshot.
    pub fn client_secret(&self, client_id: &str) -> Option<ClientSecret> {
        self.read().client(client_id).and_then(|(_, client)| client.secret).map(ClientSecret::new)
    }

    /// Returns the snapshot's `organization` object.
    pub fn organization_value(&self) -> Map<String, Value> {
        self.read().doc.get("organization").and_then(Value::as_object).cloned().unwrap_or_default()
    }
}

/// Size limit of an org snapshot file. A snapshot of an org with 100,000
/// users is about 36 MiB.
pub const MAX_SNAPSHOT_BYTES: u64 = 512 * 1024 * 1024;

const BYTE_ORDER_MARK: &str = "\u{feff}";

/// Returns `text` without a leading UTF-8 byte-order mark, and whether it had
/// one. Editors on Windows often add the mark, and JSON parsers reject it.
fn strip_byte_order_mark(text: &str) -> (&str, bool) {
    match text.strip_prefix(BYTE_ORDER_MARK) {
        Some(rest) => (rest, true),
        None => (text, false),
    }
}

fn with_path(error: SnapshotError, file: &Path) -> SnapshotError {
    match error {
        SnapshotError::Syntax { line, column, message, .. } => {
            SnapshotError::Syntax { path: Some(file.to_path_buf()), line, column, message }
        }
        SnapshotError::Invalid { location, message, .. } => {
            SnapshotError::Invalid { path: Some(file.to_path_buf()), location, message }
        }
        other => other,
    }
}

/// Checks that `client` may get a client-credentials token with `secret`
/// (`None`: the snapshot's own secret).
pub(crate) fn check_token_request(
    client: &OAuthClient,
    secret: Option<&str>,
) -> Result<(), SessionError> {
    let reject =
        |reason: String| SessionError::TokenRefused { client_id: client.id.clone(), reason };
    if !client.is_active() {
        return Err(reject(format!(
            "its state is `{}`; only an `active` client gets tokens",
            client.state.as_deref().unwrap_or_default()
        )));
    }
    if !client.has_grant(GRANT_CLIENT_CREDENTIALS) {
        return Err(reject(format!(
            "its grant type is `{}`; the client-credentials grant needs a `{GRANT_CLIENT_CREDENTIALS}` client",
            client.authorized_grant_type.as_deref().unwrap_or("none")
        )));
    }
    let Some(stored) = client.secret.as_deref() else {
        return Err(reject(
            "it has no `secret` in the org snapshot, and a client without one cannot get a \
             token from it (a snapshot written by `inventory --snapshot` has no secrets); add \
             the client's `secret` to its entry in `oauthClients`"
                .to_owned(),
        ));
    };
    if secret.is_some_and(|given| given != stored) {
        return Err(reject("the secret does not match the one in the org snapshot".to_owned()));
    }
    Ok(())
}
