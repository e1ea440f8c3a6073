//! Regions, credential sources, secret types and client-credentials tokens for
//! Genesys Cloud.
//!
//! The main types: [`ClientSecret`] and [`AccessToken`] hold secrets whose
//! `Debug` and `Display` print stars; [`ClientCredentials`] pairs a client ID
//! with its secret; [`AuthError`] says why a token could not be had.

mod error;
mod secret;

pub use error::AuthError;
pub use secret::{AccessToken, ClientCredentials, ClientSecret};
