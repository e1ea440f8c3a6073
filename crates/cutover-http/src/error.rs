use cutover_auth::AuthError;

/// Failure to set up an [`HttpApi`](crate::HttpApi) from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The API base URL is invalid, or uses plain `http` to a host that is
    /// not loopback.
    #[error("invalid API base URL: {0}")]
    ApiBase(#[source] AuthError),
    /// The login base URL is invalid, or uses plain `http` to a host that is
    /// not loopback.
    #[error("invalid login base URL: {0}")]
    LoginBase(#[source] AuthError),
    /// The HTTP client or token provider could not be built.
    #[error(transparent)]
    Client(#[from] AuthError),
}
