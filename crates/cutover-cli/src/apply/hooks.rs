//! The caller's hooks into a running change, and the clock it uses.

use std::path::Path;

use jiff::Timestamp;

use super::checks::Check;
use crate::rollback::RestoredProvider;

/// Error returned by [`ChangeHooks::after_change`], such as a failed save of
/// the org file.
pub type HookError = Box<dyn std::error::Error + Send + Sync>;

/// A step of `apply`, `rollback` or `break-glass create`, for progress output.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum ChangeEvent<'a> {
    /// The backup was written; no change has been made yet.
    BackupWritten {
        /// The backup's absolute path.
        path: &'a Path,
    },
    /// A stage is about to send its change.
    StageStarted {
        /// 1 or 2.
        stage: u8,
        /// The stage's description.
        description: &'a str,
    },
    /// A check of a stage finished.
    CheckFinished {
        /// 1 or 2.
        stage: u8,
        /// The check's result.
        check: &'a Check,
    },
    /// A stage failed and the stages done so far are being undone.
    UndoStarted {
        /// The stage that failed.
        failed_stage: u8,
    },
    /// One provider type was restored (or found unchanged) from a backup.
    Restored {
        /// The action taken.
        entry: &'a RestoredProvider,
    },
}

/// The caller's side of a change: persistence after each write, and progress.
pub trait ChangeHooks: Send + Sync {
    /// Runs after every write to the org that succeeded. The in-memory backend
    /// saves the org file here, so a sequence of commands behaves like a real
    /// org. An error counts as a failure of the write.
    fn after_change(&self) -> Result<(), HookError> {
        Ok(())
    }

    /// Reports progress. The default ignores it.
    fn on_event(&self, event: ChangeEvent<'_>) {
        let _ = event;
    }
}

/// Hooks that do nothing: for the HTTP backend, whose writes are already
/// durable, in a run without progress output.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoHooks;

impl ChangeHooks for NoHooks {}

/// The source of the current time, so tests can fix it.
pub trait Clock: Send + Sync {
    /// Returns the current time.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock fixed at one instant.
impl Clock for Timestamp {
    fn now(&self) -> Timestamp {
        *self
    }
}
