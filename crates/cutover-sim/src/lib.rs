//! A Genesys Cloud simulator: serves an org snapshot on 127.0.0.1 in the
//! API's wire format.
//!
//! [`start`] serves a [`SimOrg`] with a [`SimConfig`] and returns a
//! [`SimHandle`] with the base URL, request counters and
//! [`SimHandle::shutdown`]. One base URL serves both the login service's
//! `POST /oauth/token` (client-credentials grant with HTTP Basic, secrets from
//! the snapshot) and every `/api/v2/...` path of the `OrgApi` trait.
//!
//! The org itself, with its permission checks, paging and errors, is a
//! `cutover_memory::MemoryOrg`. The simulator adds tokens and their expiry,
//! per-token rate limiting with the `inin-ratelimit-*` headers, and fault
//! injection per path ([`SimFault`]). It writes changes back to the org file.
//! The `sso-cutover-sim` binary runs it from the command line.

mod config;
mod error;
mod oauth;
mod routes;
mod server;
mod state;
mod wire;

pub use config::{RateLimit, SimConfig, SimFault, SimFaultAction};
pub use cutover_memory::Trigger;
pub use error::SimError;
pub use server::{SimHandle, SimOrg, start};
