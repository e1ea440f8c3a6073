//! A backend-independent conformance suite for [`OrgApi`](crate::OrgApi).
//!
//! Each backend's tests open the same org snapshot,
//! `tests/fixtures/conformance-org.json` at the top of the workspace, and call
//! [`run_all`] with a factory that opens a backend for a given client ID, so
//! the in-memory backend and the HTTP backend against the simulator are held
//! to the same behaviour.

use std::future::Future;
use std::pin::Pin;

use crate::api::OrgApi;

/// Opens a backend over a fresh copy of the conformance org, acting as the
/// client with the given ID.
pub type Factory = Box<
    dyn Fn(&'static str) -> Pin<Box<dyn Future<Output = Box<dyn OrgApi>> + Send>> + Send + Sync,
>;

/// Runs every check of the suite, panicking with the name of the first check
/// that fails.
pub async fn run_all(factory: Factory) {
    let api = factory(ADMIN_CLIENT_ID).await;
    let organization = api.organization().await.expect("organization");
    assert!(!organization.id.is_empty(), "organization has an id");
}

/// The conformance org's client whose roles grant every permission the
/// product uses.
pub const ADMIN_CLIENT_ID: &str = "c0000000-0000-4000-8000-000000000001";
