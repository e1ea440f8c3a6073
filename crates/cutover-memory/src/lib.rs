//! A whole Genesys Cloud org in memory, loaded from an org snapshot
//! (`sso-cutover.org-snapshot.v1`) and served through the `OrgApi` trait.
//!
//! [`MemoryOrg`] contains the snapshot: [`MemoryOrg::load`] checks it and names
//! the JSON path of any fault, [`MemoryOrg::save`] writes it back atomically
//! with its key order, unknown fields, secrets and file mode.
//! [`MemoryOrg::session`] opens a [`MemoryApi`], which acts as one OAuth
//! client and enforces the permissions of that client's roles on every call,
//! pages like the API and answers with the API's errors. [`Faults`] injects
//! failures and latency per [`Operation`] and counts calls, for fault tests.
//! The simulator (`cutover-sim`) serves the same org over HTTP.

mod api;
mod error;
mod faults;
pub mod ids;
mod org;
pub mod paging;
mod persist;
mod snapshot;

pub use api::{DEFAULT_TOKEN_LIFETIME_SECONDS, MemoryApi};
pub use error::{SessionError, SnapshotError};
pub use faults::{
    FaultAction, FaultPhase, FaultPlan, FaultRule, Faults, Operation, ParseOperationError, Trigger,
};
pub use org::{MAX_SNAPSHOT_BYTES, MemoryOrg};
pub use snapshot::SCHEMA;

#[cfg(test)]
mod tests;
