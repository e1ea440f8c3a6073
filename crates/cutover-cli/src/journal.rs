//! The journal `apply` keeps beside its backup, so that an apply that was
//! interrupted (killed, crashed, lost its network) is noticed by the next one.
//!
//! The journal of `sso-cutover-backup-X.json` is `sso-cutover-backup-X.journal`,
//! a JSON file rewritten atomically after each event. `apply` creates it
//! before its first change and marks it finished when it ends, unless its own
//! rollback failed. `rollback --backup` marks it finished after a complete
//! restore. While a journal in the backup folder is
//! unfinished, a new `apply` there is rejected.

use std::fmt;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::backup::{BACKUP_PREFIX, OrganizationRef};
use crate::files::{self, FileError};

/// `schema` of a journal file.
pub const JOURNAL_SCHEMA: &str = "sso-cutover.journal.v1";
/// Extension of journal files.
pub const JOURNAL_EXTENSION: &str = "journal";

/// The kind of a journal event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JournalEventKind {
    /// The backup was written; no change made yet.
    BackupWritten,
    /// A stage's change is about to be sent.
    StageStarted,
    /// A stage's change was sent and every check passed.
    StageVerified,
    /// A stage's change or one of its checks failed.
    StageFailed,
    /// Every change was undone from the backup.
    RolledBack,
    /// Undoing the changes failed; the org needs `rollback`.
    RollbackFailed,
    /// The run ended; nothing is left to undo.
    Finished,
}

/// One journal entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEvent {
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub event: JournalEventKind,
    /// The stage (1 or 2), for stage events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<u8>,
    /// A short explanation, such as the failed check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The content of a journal file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalRecord {
    /// Always [`JOURNAL_SCHEMA`].
    pub schema: String,
    /// The backup this journal belongs to, absolute.
    pub backup: PathBuf,
    /// The org being changed.
    pub organization: OrganizationRef,
    /// Whether the run ended with nothing left to undo.
    pub finished: bool,
    /// Events in order.
    pub events: Vec<JournalEvent>,
}

/// An error writing or reading a journal.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Reading or writing failed.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file is not a journal.
    #[error("`{}` is not a valid sso-cutover journal: {message}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The problem.
        message: String,
    },
}

/// A journal on disk, written through after every event.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    record: JournalRecord,
}

/// Returns the journal path of the backup at `backup`: the same name with the
/// extension `.journal` instead of `.json`.
pub fn journal_path(backup: &Path) -> PathBuf {
    if backup.extension().is_some_and(|ext| ext == "json") {
        backup.with_extension(JOURNAL_EXTENSION)
    } else {
        let mut name = backup.as_os_str().to_owned();
        name.push(".");
        name.push(JOURNAL_EXTENSION);
        PathBuf::from(name)
    }
}

impl Journal {
    /// Creates the journal of `backup` (a new file; an existing journal is an
    /// error) with a first `backup-written` event.
    pub fn create(
        backup: &Path,
        organization: OrganizationRef,
        now: Timestamp,
    ) -> Result<Self, JournalError> {
        let journal = Self {
            path: journal_path(backup),
            record: JournalRecord {
                schema: JOURNAL_SCHEMA.to_owned(),
                backup: backup.to_path_buf(),
                organization,
                finished: false,
                events: vec![JournalEvent {
                    at: now,
                    event: JournalEventKind::BackupWritten,
                    stage: None,
                    detail: None,
                }],
            },
        };
        files::write_new(&journal.path, &journal.to_bytes()?)?;
        Ok(journal)
    }

    /// Opens the journal of `backup`, or returns `None` when it has none. Every
    /// backup that `apply` writes has one, but a copied backup may not.
    pub fn open_for_backup(backup: &Path) -> Result<Option<Self>, JournalError> {
        let path = journal_path(backup);
        if !files::exists(&path) {
            return Ok(None);
        }
        let record = read_record(&path)?;
        Ok(Some(Self { path, record }))
    }

    /// Returns where the journal is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the content.
    pub fn record(&self) -> &JournalRecord {
        &self.record
    }

    /// Appends an event and rewrites the file.
    pub fn record_event(
        &mut self,
        event: JournalEventKind,
        stage: Option<u8>,
        detail: Option<String>,
        now: Timestamp,
    ) -> Result<(), JournalError> {
        self.record.events.push(JournalEvent { at: now, event, stage, detail });
        self.write()
    }

    /// Appends `event` (such as `rolled-back`), then `finished`, and marks the
    /// journal finished, in one write.
    pub fn finish(
        &mut self,
        event: Option<JournalEventKind>,
        now: Timestamp,
    ) -> Result<(), JournalError> {
        if let Some(event) = event {
            self.record.events.push(JournalEvent { at: now, event, stage: None, detail: None });
        }
        self.record.events.push(JournalEvent {
            at: now,
            event: JournalEventKind::Finished,
            stage: None,
            detail: None,
        });
        self.record.finished = true;
        self.write()
    }

    fn write(&self) -> Result<(), JournalError> {
        files::write_replacing(&self.path, &self.to_bytes()?)?;
        Ok(())
    }

    fn to_bytes(&self) -> Result<Vec<u8>, JournalError> {
        let mut bytes = serde_json::to_vec_pretty(&self.record).map_err(|error| {
            JournalError::Invalid { path: self.path.clone(), message: error.to_string() }
        })?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

fn read_record(path: &Path) -> Result<JournalRecord, JournalError> {
    let text = files::read_text(path)?;
    let record: JournalRecord = serde_json::from_str(&text).map_err(|error| {
        JournalError::Invalid { path: path.to_path_buf(), message: error.to_string() }
    })?;
    if record.schema != JOURNAL_SCHEMA {
        return Err(JournalError::Invalid {
            path: path.to_path_buf(),
            message: format!("schema `{}` is not `{JOURNAL_SCHEMA}`", record.schema),
        });
    }
    Ok(record)
}

/// A journal whose apply did not finish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnfinishedJournal {
    /// The journal file.
    pub path: PathBuf,
    /// The backup to roll back to.
    pub backup: PathBuf,
    /// The org, when the journal could be read.
    pub organization: Option<OrganizationRef>,
    /// The last event, or why the journal could not be read.
    pub last_event: String,
}

impl fmt::Display for UnfinishedJournal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` ({})", self.path.display(), self.last_event)?;
        if let Some(organization) = &self.organization {
            write!(f, ", org `{}` (`{}`)", organization.name, organization.id)?;
        }
        Ok(())
    }
}

/// Lists the unfinished journals in the backup folder `dir`, by file name. A
/// missing folder has none. A journal file that cannot be read counts as
/// unfinished, because the state of its apply is unknown.
pub fn find_unfinished(dir: &Path) -> Result<Vec<UnfinishedJournal>, JournalError> {
    crate::files::reject_non_folder(dir)?;
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(FileError::Io {
                action: "list the backup folder",
                path: dir.to_path_buf(),
                source,
            }
            .into());
        }
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| FileError::Io {
            action: "list the backup folder",
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(BACKUP_PREFIX)
            && path.extension().is_some_and(|ext| ext == JOURNAL_EXTENSION)
        {
            paths.push(path);
        }
    }
    paths.sort();

    let mut unfinished = Vec::new();
    for path in paths {
        match read_record(&path) {
            Ok(record) if record.finished => {}
            Ok(record) => {
                let last_event = record
                    .events
                    .last()
                    .map_or_else(|| "no event recorded".to_owned(), describe_event);
                unfinished.push(UnfinishedJournal {
                    path,
                    backup: record.backup,
                    organization: Some(record.organization),
                    last_event,
                });
            }
            Err(error) => {
                let backup = path.with_extension("json");
                unfinished.push(UnfinishedJournal {
                    path,
                    backup,
                    organization: None,
                    last_event: format!("unreadable: {error}"),
                });
            }
        }
    }
    Ok(unfinished)
}

fn describe_event(event: &JournalEvent) -> String {
    let what = match (event.event, event.stage) {
        (JournalEventKind::StageStarted, Some(stage)) => format!("stage {stage} started"),
        (JournalEventKind::StageVerified, Some(stage)) => format!("stage {stage} verified"),
        (JournalEventKind::StageFailed, Some(stage)) => format!("stage {stage} failed"),
        (kind, stage) => {
            let name = match kind {
                JournalEventKind::BackupWritten => "backup written",
                JournalEventKind::StageStarted => "stage started",
                JournalEventKind::StageVerified => "stage verified",
                JournalEventKind::StageFailed => "stage failed",
                JournalEventKind::RolledBack => "rolled back",
                JournalEventKind::RollbackFailed => "rollback failed",
                JournalEventKind::Finished => "finished",
            };
            match stage {
                Some(stage) => format!("{name} (stage {stage})"),
                None => name.to_owned(),
            }
        }
    };
    format!("last event: {what} at {}", event.at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn organization() -> OrganizationRef {
        OrganizationRef { id: "org-1".into(), name: "Acme".into() }
    }

    fn backup_in(dir: &Path, stamp: &str) -> PathBuf {
        dir.join(format!("{BACKUP_PREFIX}{stamp}-abc.json"))
    }

    #[test]
    fn journal_path_swaps_extension() {
        assert_eq!(
            journal_path(Path::new("/b/sso-cutover-backup-1-x.json")),
            PathBuf::from("/b/sso-cutover-backup-1-x.journal")
        );
        assert_eq!(journal_path(Path::new("/b/copy.bak")), PathBuf::from("/b/copy.bak.journal"));
    }

    #[test]
    fn unfinished_journal_found() {
        let dir = tempfile::tempdir().unwrap();
        let backup = backup_in(dir.path(), "1");
        let mut journal = Journal::create(&backup, organization(), Timestamp::UNIX_EPOCH).unwrap();
        journal
            .record_event(JournalEventKind::StageStarted, Some(2), None, Timestamp::UNIX_EPOCH)
            .unwrap();

        let found = find_unfinished(dir.path()).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].backup, backup);
        assert_eq!(found[0].path, journal.path());
        assert!(
            found[0].last_event.contains("last event: stage 2 started at"),
            "{}",
            found[0].last_event
        );
        assert_eq!(found[0].organization, Some(organization()));
    }

    #[test]
    fn finished_journal_not_listed() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal =
            Journal::create(&backup_in(dir.path(), "1"), organization(), Timestamp::UNIX_EPOCH)
                .unwrap();
        journal.finish(Some(JournalEventKind::RolledBack), Timestamp::UNIX_EPOCH).unwrap();
        assert!(find_unfinished(dir.path()).unwrap().is_empty());

        let reopened = Journal::open_for_backup(&backup_in(dir.path(), "1")).unwrap().unwrap();
        assert!(reopened.record().finished);
        let kinds: Vec<JournalEventKind> =
            reopened.record().events.iter().map(|event| event.event).collect();
        assert_eq!(
            kinds,
            [
                JournalEventKind::BackupWritten,
                JournalEventKind::RolledBack,
                JournalEventKind::Finished
            ]
        );
    }

    #[test]
    fn unreadable_journal_counts_unfinished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{BACKUP_PREFIX}2-x.journal"));
        std::fs::write(&path, "not json").unwrap();
        let found = find_unfinished(dir.path()).unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].last_event.starts_with("unreadable"), "{}", found[0].last_event);
        assert_eq!(found[0].backup, dir.path().join(format!("{BACKUP_PREFIX}2-x.json")));
    }

    #[test]
    fn missing_folder_has_no_journal() {
        let dir = tempfile::tempdir().unwrap();
        assert!(find_unfinished(&dir.path().join("absent")).unwrap().is_empty());
    }

    #[test]
    fn other_files_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.journal"), "x").unwrap();
        std::fs::write(dir.path().join(format!("{BACKUP_PREFIX}1-a.json")), "{}").unwrap();
        assert!(find_unfinished(dir.path()).unwrap().is_empty());
    }

    #[test]
    fn create_refuses_existing_journal() {
        let dir = tempfile::tempdir().unwrap();
        let backup = backup_in(dir.path(), "1");
        Journal::create(&backup, organization(), Timestamp::UNIX_EPOCH).unwrap();
        assert!(Journal::create(&backup, organization(), Timestamp::UNIX_EPOCH).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn journal_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mut journal =
            Journal::create(&backup_in(dir.path(), "1"), organization(), Timestamp::UNIX_EPOCH)
                .unwrap();
        journal
            .record_event(JournalEventKind::StageStarted, Some(1), None, Timestamp::UNIX_EPOCH)
            .unwrap();
        let mode = std::fs::metadata(journal.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
