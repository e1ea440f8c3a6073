//! The backup `apply` writes before its first change, and that `rollback`
//! restores from.
//!
//! A backup is one JSON file, `sso-cutover-backup-<UTC time>-<suffix>.json`,
//! holding every identity provider of the org exactly as `GET` returned it.
//! A provider type missing from `identityProviders` was not configured, so
//! `rollback` deletes it. Backups are written once and never replaced.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cutover_api::{IdentityProvider, Organization, ProviderType};
use jiff::Timestamp;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::files::{self, FileError};

/// `schema` of a backup file.
pub const BACKUP_SCHEMA: &str = "sso-cutover.backup.v1";
/// Start of every backup file's name.
pub const BACKUP_PREFIX: &str = "sso-cutover-backup-";
/// Folder `apply` writes backups to when `--backup-dir` is not given.
pub const DEFAULT_BACKUP_DIR: &str = "sso-cutover-backups";

/// How many random suffixes are tried before giving up on a free name.
const NAME_ATTEMPTS: usize = 8;
/// Length of the random part of a backup's name.
const SUFFIX_LEN: usize = 8;

/// The `{id, name}` of the org a backup or journal belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRef {
    /// Organization ID.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
}

impl From<&Organization> for OrganizationRef {
    fn from(organization: &Organization) -> Self {
        Self { id: organization.id.clone(), name: organization.name.clone() }
    }
}

/// A waived rule, as the plan recorded it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverRecord {
    /// The rule ID, such as `password-grant-client`.
    pub rule: String,
    /// The reason the person who ran the tool gave for accepting it.
    pub reason: String,
}

/// The content of a backup file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    /// Always [`BACKUP_SCHEMA`].
    pub schema: String,
    /// When the backup was taken, to the millisecond.
    pub created_at: Timestamp,
    /// The org the providers belong to.
    pub organization: OrganizationRef,
    /// Every configured provider by fixed type, as `GET` returned it,
    /// `purecloud` (native login) included.
    #[serde(rename = "identityProviders")]
    pub identity_providers: BTreeMap<ProviderType, IdentityProvider>,
    /// The plan document that `apply` executed, or `null`.
    #[serde(default)]
    pub plan: serde_json::Value,
    /// Waivers the plan was made with.
    #[serde(default)]
    pub waivers: Vec<WaiverRecord>,
}

impl Backup {
    /// Builds a backup of `providers` taken at `created_at` (kept to the
    /// millisecond).
    pub fn new(
        organization: &Organization,
        providers: BTreeMap<ProviderType, IdentityProvider>,
        plan: serde_json::Value,
        waivers: Vec<WaiverRecord>,
        created_at: Timestamp,
    ) -> Self {
        Self {
            schema: BACKUP_SCHEMA.to_owned(),
            created_at: truncate_to_millisecond(created_at),
            organization: organization.into(),
            identity_providers: providers,
            plan,
            waivers,
        }
    }

    /// Tells whether native login was on when the backup was taken: the
    /// `purecloud` provider is absent or not disabled.
    pub fn native_login_enabled(&self) -> bool {
        self.identity_providers.get(&ProviderType::Purecloud).is_none_or(|p| !p.is_disabled())
    }
}

/// A backup read from disk.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedBackup {
    /// The absolute path it was read from.
    pub path: PathBuf,
    /// Its content.
    pub backup: Backup,
}

/// An error writing or reading a backup.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Reading or writing the file failed.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file is not JSON of the backup's shape.
    #[error(
        "`{}` is not a valid sso-cutover backup: {message}; pass a file that `apply` wrote",
        .path.display()
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The problem, with the line and column where known.
        message: String,
    },
    /// The file is JSON with another `schema`.
    #[error(
        "`{}` has schema `{found}`, not `{BACKUP_SCHEMA}`; pass a backup file that `apply` \
         wrote (its name starts with `{BACKUP_PREFIX}`)",
        .path.display()
    )]
    WrongSchema {
        /// The file.
        path: PathBuf,
        /// The `schema` it has, or `(none)`.
        found: String,
    },
    /// Every free name was taken, which only happens when something else
    /// writes into the folder at the same moment.
    #[error("could not find a free backup file name in `{}`; run apply again", .dir.display())]
    NoFreeName {
        /// The backup folder.
        dir: PathBuf,
    },
}

/// Writes `backup` as a new file in `dir` (created with mode 0700 when
/// missing) and returns its absolute path. An existing file is never
/// replaced: a taken name gets another random suffix.
pub fn write_backup(dir: &Path, backup: &Backup) -> Result<PathBuf, BackupError> {
    files::create_private_dir(dir)?;
    let mut text = serde_json::to_string_pretty(backup).map_err(|error| BackupError::Invalid {
        path: dir.to_path_buf(),
        message: error.to_string(),
    })?;
    text.push('\n');
    let stamp = file_time(backup.created_at);
    for _ in 0..NAME_ATTEMPTS {
        let path = dir.join(format!("{BACKUP_PREFIX}{stamp}-{}.json", random_suffix()));
        match files::write_new(&path, text.as_bytes()) {
            Ok(()) => return Ok(files::absolute(&path)?),
            Err(FileError::AlreadyExists { .. }) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Err(BackupError::NoFreeName { dir: dir.to_path_buf() })
}

/// Reads and validates the backup at `path`.
pub fn load_backup(path: &Path) -> Result<LoadedBackup, BackupError> {
    let text = files::read_text_capped(path, files::MAX_BACKUP_BYTES, "a backup file")?;
    let invalid = |message: String| BackupError::Invalid { path: path.to_path_buf(), message };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| invalid(error.to_string()))?;
    match value.get("schema").and_then(serde_json::Value::as_str) {
        Some(BACKUP_SCHEMA) => {}
        Some(other) => {
            return Err(BackupError::WrongSchema {
                path: path.to_path_buf(),
                found: other.to_owned(),
            });
        }
        None => {
            return Err(BackupError::WrongSchema {
                path: path.to_path_buf(),
                found: "(none)".to_owned(),
            });
        }
    }
    if !value.get("identityProviders").is_some_and(serde_json::Value::is_object) {
        return Err(invalid("`identityProviders` is missing or not an object".to_owned()));
    }
    let backup: Backup =
        serde_json::from_value(value).map_err(|error| invalid(error.to_string()))?;
    if backup.organization.id.is_empty() {
        return Err(invalid("`organization.id` is empty".to_owned()));
    }
    Ok(LoadedBackup { path: files::absolute(path)?, backup })
}

/// Formats `time` for a file name: basic ISO 8601 in UTC, to the millisecond,
/// without colons so the name is valid on every file system.
fn file_time(time: Timestamp) -> String {
    format!("{}.{:03}Z", time.strftime("%Y%m%dT%H%M%S"), time.subsec_millisecond().max(0))
}

fn truncate_to_millisecond(time: Timestamp) -> Timestamp {
    let millis = time.as_millisecond();
    Timestamp::from_millisecond(millis).unwrap_or(time)
}

fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..SUFFIX_LEN).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn organization() -> Organization {
        Organization { id: "org-1".into(), name: "Acme".into(), ..Organization::default() }
    }

    fn sample(created_at: Timestamp) -> Backup {
        let mut providers = BTreeMap::new();
        providers.insert(
            ProviderType::Purecloud,
            IdentityProvider {
                id: Some("pc".into()),
                name: Some("PureCloud".into()),
                disabled: Some(false),
                ..IdentityProvider::default()
            },
        );
        let mut okta: IdentityProvider = serde_json::from_value(serde_json::json!({
            "id": "ok", "name": "Okta", "issuerURI": "https://idp.example/okta",
            "ssoTargetURI": "https://idp.example/sso", "certificates": ["MIIB"],
            "relyingPartyIdentifier": "urn:acme", "selfUri": "/api/v2/identityproviders/okta"
        }))
        .unwrap();
        okta.disabled = Some(false);
        providers.insert(ProviderType::Okta, okta);
        Backup::new(
            &organization(),
            providers,
            serde_json::json!({"schema": "sso-cutover.plan.v1"}),
            vec![WaiverRecord { rule: "password-grant-client".into(), reason: "legacy".into() }],
            created_at,
        )
    }

    #[test]
    fn file_name_has_utc_milliseconds() {
        let time: Timestamp = "2026-05-14T10:15:30.123456Z".parse().unwrap();
        assert_eq!(file_time(time), "20260514T101530.123Z");
        let whole: Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        assert_eq!(file_time(whole), "20260102T030405.000Z");
    }

    #[test]
    fn round_trip_keeps_unknown_fields() {
        let dir = tempfile::tempdir().unwrap();
        let backup = sample("2026-05-14T10:15:30.123456Z".parse().unwrap());
        let path = write_backup(&dir.path().join("backups"), &backup).unwrap();
        assert!(path.is_absolute());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("sso-cutover-backup-20260514T101530.123Z-"), "{name}");
        assert_eq!(path.extension().unwrap(), "json", "{name}");

        let loaded = load_backup(&path).unwrap();
        assert_eq!(loaded.backup, backup);
        assert_eq!(loaded.backup.created_at.to_string(), "2026-05-14T10:15:30.123Z");
        let okta = &loaded.backup.identity_providers[&ProviderType::Okta];
        assert_eq!(okta.extra["relyingPartyIdentifier"], "urn:acme");
    }

    #[test]
    fn json_shape_matches_contract() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_backup(dir.path(), &sample(Timestamp::UNIX_EPOCH)).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(value["schema"], BACKUP_SCHEMA);
        assert_eq!(value["organization"], serde_json::json!({"id": "org-1", "name": "Acme"}));
        let types: Vec<&String> = value["identityProviders"].as_object().unwrap().keys().collect();
        assert_eq!(types, ["okta", "purecloud"]);
        assert_eq!(value["identityProviders"]["okta"]["issuerURI"], "https://idp.example/okta");
        assert_eq!(value["plan"]["schema"], "sso-cutover.plan.v1");
        assert_eq!(value["waivers"][0]["rule"], "password-grant-client");
        assert!(value["created_at"].is_string());
    }

    #[cfg(unix)]
    #[test]
    fn backup_and_dir_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let backups = dir.path().join("backups");
        let path = write_backup(&backups, &sample(Timestamp::UNIX_EPOCH)).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&backups), 0o700);
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn two_backups_same_millisecond_differ() {
        let dir = tempfile::tempdir().unwrap();
        let backup = sample(Timestamp::UNIX_EPOCH);
        let first = write_backup(dir.path(), &backup).unwrap();
        let second = write_backup(dir.path(), &backup).unwrap();
        assert_ne!(first, second);
        assert!(first.exists());
        assert!(second.exists());
    }

    #[test]
    fn load_rejects_plan_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json");
        std::fs::write(&path, r#"{"schema": "sso-cutover.plan.v1"}"#).unwrap();
        let error = load_backup(&path).unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, BackupError::WrongSchema { .. }), "{text}");
        assert!(text.contains("plan.json"), "{text}");
        assert!(text.contains("sso-cutover.plan.v1"), "{text}");
    }

    #[test]
    fn load_rejects_broken_json() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, "{\"schema\": ").unwrap();
        let text = load_backup(&path).unwrap_err().to_string();
        assert!(text.contains("b.json"), "{text}");
        assert!(text.contains("not a valid sso-cutover backup"), "{text}");
    }

    #[test]
    fn load_rejects_unknown_provider_type() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(
            &path,
            r#"{"schema": "sso-cutover.backup.v1", "created_at": "2026-01-01T00:00:00Z",
                "organization": {"id": "o", "name": "n"},
                "identityProviders": {"mystery": {}}, "plan": null, "waivers": []}"#,
        )
        .unwrap();
        let text = load_backup(&path).unwrap_err().to_string();
        assert!(text.contains("mystery"), "{text}");
    }

    #[test]
    fn load_missing_file_names_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.json");
        let text = load_backup(&path).unwrap_err().to_string();
        assert!(text.contains("absent.json"), "{text}");
    }

    #[test]
    fn native_login_state() {
        let mut backup = sample(Timestamp::UNIX_EPOCH);
        assert!(backup.native_login_enabled());
        backup.identity_providers.get_mut(&ProviderType::Purecloud).unwrap().disabled = Some(true);
        assert!(!backup.native_login_enabled());
        backup.identity_providers.remove(&ProviderType::Purecloud);
        assert!(backup.native_login_enabled());
    }
}
