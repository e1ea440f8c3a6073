//! Regions, credential sources, secret types and client-credentials tokens for
//! Genesys Cloud.
//!
//! - [`Region`] maps a region name (`eu-west-1`) or domain (`mypurecloud.ie`)
//!   to the API and login hosts.
//! - [`resolve_credentials`] picks the client ID and secret from the flags or
//!   the environment and records the [`CredentialSource`];
//!   [`resolve_region`] picks the region. Their `_with_profile` forms add a
//!   [`GcProfile`] of the `gc` CLI's `~/.gc/config.toml` as the last source.
//! - [`ClientSecret`] and [`AccessToken`] hold secrets whose `Debug` and
//!   `Display` print stars; [`ClientCredentials`] pairs a client ID with its
//!   secret.
//! - [`TokenProvider`] gets and caches client-credentials tokens from
//!   `POST {login_base}/oauth/token`.
//! - [`require_https_or_loopback`] is the one check that a URL may carry
//!   credentials: `https`, or plain `http` to a loopback address.
//! - [`AuthError`] is the error of each of these, naming the value and the fix.

mod base_url;
mod credentials;
mod error;
mod profile;
mod region;
mod retry_after;
mod secret;
mod token;
mod transport;

pub use base_url::{
    is_loopback, join_path, normalize_base_url, parse_base_url, require_https_or_loopback,
};
pub use credentials::{
    CredentialInput, CredentialSource, ENV_GENESYS_CLIENT_ID, ENV_GENESYS_CLIENT_SECRET,
    ENV_GENESYSCLOUD_CLIENT_ID, ENV_GENESYSCLOUD_CLIENT_SECRET, ENV_GENESYSCLOUD_REGION,
    ResolvedCredentials, process_env, read_secret_file, resolve_credentials,
    resolve_credentials_with_profile, resolve_region, resolve_region_with_profile,
};
pub use error::AuthError;
pub use profile::{GC_CONFIG_FILE, GcProfile, gc_config_path};
pub use region::Region;
pub use retry_after::{parse_retry_after, parse_seconds};
pub use secret::{AccessToken, ClientCredentials, ClientSecret};
pub use token::{IssuedToken, TokenProvider, TokenProviderBuilder, TokenRetry};
pub use transport::{
    DEFAULT_TIMEOUT, USER_AGENT, build_http_client, describe_error, host_of, with_proxy_rule,
};
