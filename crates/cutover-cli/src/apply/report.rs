//! The JSON output of `apply` and the errors that stop it before any change.

use std::path::PathBuf;

use cutover_api::ApiError;
use cutover_policy::{Finding, PolicyError};
use serde::Serialize;

use super::checks::Check;
use crate::backup::BackupError;
use crate::journal::{JournalError, UnfinishedJournal};
use crate::rollback::RestoredProvider;

/// The end state of an `apply`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplyResult {
    /// Every stage ran and was verified.
    Applied,
    /// The plan has no stage: the org already is as planned.
    Unchanged,
    /// A stage failed and everything changed was undone.
    RolledBack,
    /// A stage failed and undoing it failed too: manual action needed.
    RollbackFailed,
}

impl ApplyResult {
    /// Returns the exit code of this result: 0, 0, 5 or 6.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Applied | Self::Unchanged => 0,
            Self::RolledBack => 5,
            Self::RollbackFailed => 6,
        }
    }
}

/// The end state of a stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageStatus {
    /// The change was made and every check passed; it is still in place.
    Verified,
    /// The change or one of its checks failed (see `checks`).
    Failed,
    /// The stage was verified, then undone because a later stage failed.
    RolledBack,
    /// The stage did not run because an earlier one failed.
    NotRun,
}

/// One entry of `stages[]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StageReport {
    /// 1 (configure the provider) or 2 (disable native login).
    pub stage: u8,
    /// The stage's description.
    pub description: String,
    /// Its end state.
    pub status: StageStatus,
    /// The checks in the order they ran; the `put:<type>` check is the
    /// change itself.
    pub checks: Vec<Check>,
}

/// The JSON output of `apply`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApplyReport {
    /// Its end state.
    pub result: ApplyResult,
    /// The stages of the plan, in order.
    pub stages: Vec<StageReport>,
    /// The backup's absolute path.
    pub backup: String,
    /// The findings of the evaluation made just before the change.
    pub findings: Vec<Finding>,
    /// The undo's action on each provider type, when a stage failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undo: Vec<RestoredProvider>,
    /// The command that restores the org from the backup, when a stage
    /// failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_command: Option<String>,
    /// The cause and the next step, when a stage failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Problems that changed nothing, such as a journal that could not be
    /// updated after the run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl ApplyReport {
    /// Returns the exit code: 0, 5 or 6.
    pub fn exit_code(&self) -> u8 {
        self.result.exit_code()
    }
}

/// An error that stopped `apply` before it changed anything.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// An earlier apply in the same backup folder did not finish.
    #[error(
        "an earlier apply did not finish: {}; restore the org with `{command}`, then run apply \
         again",
        .journals.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    UnfinishedJournal {
        /// The unfinished journals.
        journals: Vec<UnfinishedJournal>,
        /// The rollback command for the first of them.
        command: String,
    },
    /// The plan or the evaluation just before the change has a blocking
    /// finding.
    #[error(
        "the plan is blocked by {} finding(s){}: {}; fix them (or waive a waivable rule with \
         --accept RULE --reason TEXT) and plan again",
        .findings.iter().filter(|f| f.blocks(*.strict)).count(),
        if *.strict { ", warnings included because of --strict" } else { "" },
        .findings.iter().filter(|f| f.blocks(*.strict))
            .map(|f| format!("`{}` on `{}`", f.rule.as_str(), f.subject))
            .collect::<Vec<_>>().join(", ")
    )]
    Blocked {
        /// Every finding of the evaluation.
        findings: Vec<Finding>,
        /// Whether warnings block (`--strict`).
        strict: bool,
    },
    /// The plan was made for another org.
    #[error(
        "the plan was made for org `{plan_org}`, but the credentials reach org `{current_org}`; \
         plan again against org `{current_org}`, or use the credentials of org `{plan_org}`"
    )]
    OtherOrganization {
        /// The org ID in the plan.
        plan_org: String,
        /// The org ID the backend reads.
        current_org: String,
    },
    /// The org changed since the plan.
    #[error(
        "the org changed since the plan was made (state fingerprint `{current}`, the plan has \
         `{planned}`); plan again"
    )]
    StalePlan {
        /// The plan's fingerprint.
        planned: String,
        /// The fingerprint of the org as read now.
        current: String,
    },
    /// The evaluation just before the change gives other stages than the
    /// plan, for example because a certificate expired since.
    #[error("{0}; plan again")]
    PlanMismatch(String),
    /// Reading the org failed.
    #[error("reading the org before the change failed: {0}")]
    Api(#[from] ApiError),
    /// The plan's inputs cannot be evaluated.
    #[error("the plan cannot be evaluated again: {0}")]
    Policy(#[from] PolicyError),
    /// The backup could not be written.
    #[error("the backup could not be written, so nothing was changed: {0}")]
    Backup(#[from] BackupError),
    /// The journal could not be written.
    #[error("the journal could not be written, so nothing was changed: {0}")]
    Journal(#[from] JournalError),
    /// The backup folder could not be searched for unfinished journals.
    #[error("could not look for unfinished applies in `{}`: {source}", .dir.display())]
    JournalScan {
        /// The backup folder.
        dir: PathBuf,
        /// The cause.
        source: JournalError,
    },
}

impl ApplyError {
    /// Returns the exit code: 3 when blocked, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Blocked { .. } => 3,
            _ => 1,
        }
    }
}
