//! The [`cutover_api::OrgApi`] trait over the Genesys Cloud Platform API,
//! with reqwest.
//!
//! [`HttpApi`] sends each trait method to its `/api/v2/...` path with a
//! client-credentials token from [`cutover_auth::TokenProvider`]. Its hosts
//! come from the region in [`HttpConfig`], or from base URL overrides such as
//! a simulator on 127.0.0.1 (plain `http` is accepted only for loopback).
//! [`RetryPolicy`] documents which failures are repeated and how long the
//! backend waits: rate limits honour `Retry-After`, server failures are
//! repeated only for idempotent methods, and a rejected token is replaced
//! once. [`ConfigError`] is the error of setting the backend up; calls fail
//! with [`cutover_api::ApiError`].
//!
//! Paged collections are walked with [`cutover_api::paging`]: each page method
//! sends `pageSize` and `pageNumber`, so N items cost ceil(N / pageSize)
//! requests.

mod api;
mod client;
mod config;
mod error;
mod retry;

pub use api::HttpApi;
pub use config::HttpConfig;
pub use error::ConfigError;
pub use retry::RetryPolicy;
