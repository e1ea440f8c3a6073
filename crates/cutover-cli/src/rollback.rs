//! `rollback --backup PATH`: puts the identity providers and native login back
//! exactly as a backup stores them. `apply` uses the same steps to undo its own
//! stages.
//!
//! The order protects sign-in. Native login comes back first when the backup
//! has it on, so people can sign in while the providers are restored. When the
//! backup has it off, it is turned off last, and only when every provider was
//! restored, so the org is never left with native login off and a provider
//! half restored.

use std::path::Path;

use cutover_api::{ApiError, IdentityProvider, OrgApi, ProviderType};
use jiff::Timestamp;
use serde::Serialize;

use crate::apply::compare::object_differences;
use crate::apply::{ChangeEvent, ChangeHooks, Clock};
use crate::backup::{Backup, LoadedBackup};
use crate::journal::{Journal, JournalEventKind};
use crate::verify::check_provider;

/// The action taken on one provider type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestoreAction {
    /// The backup's object was sent with `PUT` and reads back equal.
    Put,
    /// The type was absent from the backup and was deleted.
    Deleted,
    /// The current object already equals the backup's.
    Unchanged,
    /// The type could not be restored, and `error` gives the cause.
    Failed,
}

/// One entry of `restored[]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RestoredProvider {
    /// The provider type.
    #[serde(rename = "type")]
    pub kind: ProviderType,
    /// The action taken.
    pub action: RestoreAction,
    /// Why it failed, for [`RestoreAction::Failed`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RestoredProvider {
    fn done(kind: ProviderType, action: RestoreAction) -> Self {
        Self { kind, action, error: None }
    }

    fn failed(kind: ProviderType, error: impl Into<String>) -> Self {
        Self { kind, action: RestoreAction::Failed, error: Some(error.into()) }
    }

    /// Tells whether this type now matches the backup.
    pub fn is_ok(&self) -> bool {
        self.action != RestoreAction::Failed
    }
}

/// The end state of a rollback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RollbackResult {
    /// Every provider type matches the backup.
    RolledBack,
    /// At least one type could not be restored.
    RollbackFailed,
}

/// The JSON output of `rollback`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RollbackReport {
    /// Its end state.
    pub result: RollbackResult,
    /// One entry per provider type that the backup or the org has.
    pub restored: Vec<RestoredProvider>,
    /// The backup restored from, absolute.
    pub backup: String,
    /// Problems that did not stop the restore, such as a journal that could
    /// not be updated.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl RollbackReport {
    /// Returns the exit code: 0 when everything was restored, else 1.
    pub fn exit_code(&self) -> u8 {
        match self.result {
            RollbackResult::RolledBack => 0,
            RollbackResult::RollbackFailed => 1,
        }
    }

    /// Returns the message naming what could not be restored, when something
    /// could not.
    pub fn failure_message(&self) -> Option<String> {
        let failed: Vec<String> = self
            .restored
            .iter()
            .filter(|entry| !entry.is_ok())
            .map(|entry| {
                format!("`{}`: {}", entry.kind, entry.error.as_deref().unwrap_or("failed"))
            })
            .collect();
        (!failed.is_empty()).then(|| {
            format!(
                "could not restore {} from `{}`: {}; fix the cause and run rollback again",
                if failed.len() == 1 { "one provider type" } else { "some provider types" },
                self.backup,
                failed.join("; ")
            )
        })
    }
}

/// An error that stopped `rollback` before it changed anything.
#[derive(Debug, thiserror::Error)]
pub enum RollbackError {
    /// Reading the org failed.
    #[error("reading the org failed before the rollback: {0}")]
    Api(#[from] ApiError),
    /// The backup has native login off and no enabled SSO provider, so
    /// restoring it would leave nobody able to sign in.
    #[error(
        "restoring the backup `{backup}` would leave nobody able to sign in: it has Genesys \
         Cloud login disabled and no enabled SSO provider; nothing was changed. Pass \
         --allow-lockout to restore it anyway"
    )]
    Lockout {
        /// The backup's path.
        backup: String,
    },
    /// The backup is from another org.
    #[error(
        "the backup `{backup}` is of org `{backup_org}`, but the credentials reach org \
         `{current_org}`; use the credentials of org `{backup_org}`"
    )]
    WrongOrganization {
        /// The backup's path.
        backup: String,
        /// The org ID in the backup.
        backup_org: String,
        /// The org ID the backend reads.
        current_org: String,
    },
}

impl RollbackError {
    /// Returns the exit code: always 1.
    pub fn exit_code(&self) -> u8 {
        1
    }
}

/// How the state stored in a backup lets people sign in once restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInRisk {
    /// Native login stays on, or at least one SSO provider passes the checks
    /// of `verify`.
    None,
    /// Native login ends disabled and no SSO provider of the backup is
    /// enabled: nobody could sign in.
    NoEnabledProvider,
    /// Native login ends disabled and every enabled SSO provider of the
    /// backup fails the checks of `verify`; the text names each failure.
    NoUsableProvider(String),
}

impl SignInRisk {
    /// Returns the warning to show for this risk, naming `backup`, or `None`
    /// when there is no risk.
    pub fn warning(&self, backup: &str) -> Option<String> {
        match self {
            Self::None => None,
            Self::NoEnabledProvider => Some(format!(
                "restoring `{backup}` leaves nobody able to sign in: Genesys Cloud login ends \
                 disabled and the backup has no enabled SSO provider"
            )),
            Self::NoUsableProvider(problems) => Some(format!(
                "restoring `{backup}` may leave nobody able to sign in: Genesys Cloud login ends \
                 disabled and no SSO provider of the backup passes the checks of `verify` \
                 ({problems}); after the rollback, fix the provider or turn native login on"
            )),
        }
    }
}

/// Judges the state that restoring `backup` leads to at `now`, with the
/// provider checks of `verify` (enabled, https SSO URL, a usable certificate).
pub fn assess_sign_in(backup: &Backup, now: Timestamp) -> SignInRisk {
    if backup.native_login_enabled() {
        return SignInRisk::None;
    }
    let providers: Vec<(ProviderType, &IdentityProvider)> = backup
        .identity_providers
        .iter()
        .filter(|(kind, provider)| **kind != ProviderType::Purecloud && !provider.is_disabled())
        .map(|(kind, provider)| (*kind, provider))
        .collect();
    if providers.is_empty() {
        return SignInRisk::NoEnabledProvider;
    }
    let mut problems = Vec::new();
    for (kind, provider) in providers {
        let check = check_provider(kind, provider, now, 0);
        if check.ok {
            return SignInRisk::None;
        }
        problems.push(format!("{}: {}", check.name, check.detail));
    }
    SignInRisk::NoUsableProvider(problems.join("; "))
}

/// What `rollback` is allowed to do besides restoring exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RollbackOptions {
    /// Restore a backup that has native login off and no enabled SSO
    /// provider (`--allow-lockout`).
    pub allow_lockout: bool,
}

/// Returns what restoring `backup` would do to each provider type of the org
/// behind `api`, without changing anything: `put`, `deleted` or
/// `unchanged`, in the order `rollback` takes them.
pub async fn preview(
    api: &dyn OrgApi,
    backup: &Backup,
) -> Result<Vec<(ProviderType, RestoreAction)>, ApiError> {
    let mut order: Vec<ProviderType> =
        ProviderType::ALL.into_iter().filter(|&kind| kind != ProviderType::Purecloud).collect();
    if backup.native_login_enabled() {
        order.insert(0, ProviderType::Purecloud);
    } else {
        order.push(ProviderType::Purecloud);
    }
    let mut actions = Vec::new();
    for kind in order {
        let current = api.identity_provider(kind).await?;
        let action = match (backup.identity_providers.get(&kind), current) {
            (None, None) => continue,
            (Some(wanted), Some(current)) if object_differences(wanted, &current).is_empty() => {
                RestoreAction::Unchanged
            }
            (Some(_), _) => RestoreAction::Put,
            (None, Some(_)) => RestoreAction::Deleted,
        };
        actions.push((kind, action));
    }
    Ok(actions)
}

/// Restores every provider type to the state in `loaded`, in the safe order
/// (see the module documentation), and marks the backup's journal finished
/// when everything was restored. A backup that would leave nobody able to
/// sign in is rejected; see [`rollback_with_options`].
pub async fn rollback(
    api: &dyn OrgApi,
    loaded: &LoadedBackup,
    hooks: &dyn ChangeHooks,
    clock: &dyn Clock,
) -> Result<RollbackReport, RollbackError> {
    rollback_with_options(api, loaded, hooks, clock, RollbackOptions::default()).await
}

/// Runs [`rollback`] with `options`. Before any change, the backup's end
/// state is judged with [`assess_sign_in`]: a backup with native login off
/// and no enabled SSO provider is rejected unless
/// [`RollbackOptions::allow_lockout`] is set, and one whose SSO providers all
/// fail the checks is restored with a warning in the report.
pub async fn rollback_with_options(
    api: &dyn OrgApi,
    loaded: &LoadedBackup,
    hooks: &dyn ChangeHooks,
    clock: &dyn Clock,
    options: RollbackOptions,
) -> Result<RollbackReport, RollbackError> {
    let backup = &loaded.backup;
    let backup_path = loaded.path.display().to_string();
    let risk = assess_sign_in(backup, clock.now());
    if risk == SignInRisk::NoEnabledProvider && !options.allow_lockout {
        return Err(RollbackError::Lockout { backup: backup_path });
    }
    let organization = api.organization().await?;
    if organization.id != backup.organization.id {
        return Err(RollbackError::WrongOrganization {
            backup: loaded.path.display().to_string(),
            backup_org: backup.organization.id.clone(),
            current_org: organization.id,
        });
    }

    let restored = restore_all(api, backup, hooks).await;
    let result = if restored.iter().all(RestoredProvider::is_ok) {
        RollbackResult::RolledBack
    } else {
        RollbackResult::RollbackFailed
    };
    let mut report = RollbackReport {
        result,
        restored,
        backup: loaded.path.display().to_string(),
        warnings: Vec::new(),
    };
    if let Some(warning) = risk.warning(&backup_path) {
        tracing::warn!(backup = %backup_path, "{warning}");
        report.warnings.push(warning);
    }
    if let Err(warning) = update_journal(&loaded.path, result, clock) {
        tracing::warn!(backup = %loaded.path.display(), "{warning}");
        report.warnings.push(warning);
    }
    Ok(report)
}

fn update_journal(backup: &Path, result: RollbackResult, clock: &dyn Clock) -> Result<(), String> {
    let describe = |error: crate::journal::JournalError| {
        format!("the journal of the backup could not be updated: {error}")
    };
    let Some(mut journal) = Journal::open_for_backup(backup).map_err(describe)? else {
        return Ok(());
    };
    match result {
        RollbackResult::RolledBack => {
            journal.finish(Some(JournalEventKind::RolledBack), clock.now()).map_err(describe)
        }
        RollbackResult::RollbackFailed => journal
            .record_event(JournalEventKind::RollbackFailed, None, None, clock.now())
            .map_err(describe),
    }
}

/// Restores every type, native login first or last as the backup requires.
/// Returns one entry per type that the backup or the org has.
async fn restore_all(
    api: &dyn OrgApi,
    backup: &Backup,
    hooks: &dyn ChangeHooks,
) -> Vec<RestoredProvider> {
    let native_login_on = backup.native_login_enabled();
    let wanted = |kind: ProviderType| backup.identity_providers.get(&kind);
    let mut restored = Vec::new();

    if native_login_on
        && let Some(entry) =
            restore_provider(api, ProviderType::Purecloud, wanted(ProviderType::Purecloud), hooks)
                .await
    {
        restored.push(entry);
    }

    for kind in ProviderType::ALL.into_iter().filter(|&kind| kind != ProviderType::Purecloud) {
        if let Some(entry) = restore_provider(api, kind, wanted(kind), hooks).await {
            restored.push(entry);
        }
    }

    if !native_login_on {
        let failed: Vec<String> = restored
            .iter()
            .filter(|entry| !entry.is_ok())
            .map(|entry| format!("`{}`", entry.kind))
            .collect();
        if failed.is_empty() {
            if let Some(entry) = restore_provider(
                api,
                ProviderType::Purecloud,
                wanted(ProviderType::Purecloud),
                hooks,
            )
            .await
            {
                restored.push(entry);
            }
        } else {
            let entry = RestoredProvider::failed(
                ProviderType::Purecloud,
                format!(
                    "native login was not turned off because {} could not be restored; it stays \
                     on until every provider is restored",
                    failed.join(", ")
                ),
            );
            hooks.on_event(ChangeEvent::Restored { entry: &entry });
            restored.push(entry);
        }
    }
    restored
}

/// Puts one provider type back to `wanted` (the backup's object, or `None`
/// when the backup has no such type). Returns `None` when the type is absent
/// both from the backup and from the org. A `PUT` is read back and compared
/// both ways, so a field added since the backup counts as a difference.
pub async fn restore_provider(
    api: &dyn OrgApi,
    kind: ProviderType,
    wanted: Option<&IdentityProvider>,
    hooks: &dyn ChangeHooks,
) -> Option<RestoredProvider> {
    let entry = restore_one(api, kind, wanted, hooks).await?;
    hooks.on_event(ChangeEvent::Restored { entry: &entry });
    Some(entry)
}

async fn restore_one(
    api: &dyn OrgApi,
    kind: ProviderType,
    wanted: Option<&IdentityProvider>,
    hooks: &dyn ChangeHooks,
) -> Option<RestoredProvider> {
    let current = match api.identity_provider(kind).await {
        Ok(current) => current,
        Err(error) => {
            return Some(RestoredProvider::failed(kind, format!("reading it failed: {error}")));
        }
    };
    let entry = match (wanted, current) {
        (None, None) => return None,
        (Some(wanted), Some(current)) if object_differences(wanted, &current).is_empty() => {
            RestoredProvider::done(kind, RestoreAction::Unchanged)
        }
        (Some(wanted), _) => put_back(api, kind, wanted, hooks).await,
        (None, Some(_)) => delete(api, kind, hooks).await,
    };
    Some(entry)
}

async fn put_back(
    api: &dyn OrgApi,
    kind: ProviderType,
    wanted: &IdentityProvider,
    hooks: &dyn ChangeHooks,
) -> RestoredProvider {
    // The backup's object goes back whole, `id` and `selfUri` included, so a
    // backend that stores the body as sent keeps the provider's original ID.
    if let Err(error) = api.put_identity_provider(kind, wanted).await {
        return RestoredProvider::failed(kind, format!("`PUT {}` failed: {error}", kind.path()));
    }
    if let Err(error) = hooks.after_change() {
        return RestoredProvider::failed(kind, format!("saving the change failed: {error}"));
    }
    match api.identity_provider(kind).await {
        Ok(Some(read_back)) => {
            let differences = object_differences(wanted, &read_back);
            if differences.is_empty() {
                RestoredProvider::done(kind, RestoreAction::Put)
            } else {
                RestoredProvider::failed(
                    kind,
                    format!("put back, but it reads back different: {}", differences.join("; ")),
                )
            }
        }
        Ok(None) => RestoredProvider::failed(kind, "put back, but it reads back as not configured"),
        Err(error) => {
            RestoredProvider::failed(kind, format!("put back, but reading it back failed: {error}"))
        }
    }
}

async fn delete(api: &dyn OrgApi, kind: ProviderType, hooks: &dyn ChangeHooks) -> RestoredProvider {
    // NOTE: the deletion is trusted once the API accepts it. The real API may
    // show a deleted provider for some seconds afterwards, so reading it back
    // at once could report a false failure.
    if let Err(error) = api.delete_identity_provider(kind).await {
        return RestoredProvider::failed(kind, format!("`DELETE {}` failed: {error}", kind.path()));
    }
    if let Err(error) = hooks.after_change() {
        return RestoredProvider::failed(kind, format!("saving the change failed: {error}"));
    }
    RestoredProvider::done(kind, RestoreAction::Deleted)
}

/// Builds the exact command that restores the org from `backup`, with the
/// arguments that select the same org (such as `--org-file PATH`), quoted for
/// a POSIX shell.
pub fn rollback_command(backup: &Path, backend_args: &[String]) -> String {
    let mut words = vec![
        "sso-cutover".to_owned(),
        "rollback".to_owned(),
        "--backup".to_owned(),
        shell_quote(&backup.display().to_string()),
    ];
    words.extend(backend_args.iter().map(|arg| shell_quote(arg)));
    words.join(" ")
}

fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if plain { word.to_owned() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_quotes_spaces() {
        let command = rollback_command(
            Path::new("/tmp/my backups/b.json"),
            &["--org-file".to_owned(), "/tmp/org's.json".to_owned()],
        );
        assert_eq!(
            command,
            r"sso-cutover rollback --backup '/tmp/my backups/b.json' --org-file '/tmp/org'\''s.json'"
        );
    }

    #[test]
    fn command_plain_path_unquoted() {
        let command = rollback_command(Path::new("/b/sso-cutover-backup-1.json"), &[]);
        assert_eq!(command, "sso-cutover rollback --backup /b/sso-cutover-backup-1.json");
    }

    #[test]
    fn restored_entry_json() {
        let entry = RestoredProvider::done(ProviderType::Generic, RestoreAction::Deleted);
        assert_eq!(
            serde_json::to_value(&entry).unwrap(),
            serde_json::json!({"type": "generic", "action": "deleted"})
        );
    }
}
