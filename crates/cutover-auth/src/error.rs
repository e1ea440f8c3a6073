/// Why a token could not be obtained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The login host refused the client ID and secret.
    #[error(
        "the client ID `{client_id}` and its secret were refused by `{login_host}` ({code}); \
         check that the client exists and is active in this org's region, because a client \
         from another region fails exactly this way"
    )]
    InvalidClient {
        /// The client ID that was refused.
        client_id: String,
        /// The login host that refused it.
        login_host: String,
        /// The OAuth `error` code, such as `invalid_client`.
        code: String,
    },
    /// The login host could not be reached or did not answer in time.
    #[error("could not reach the login host `{login_host}`: {message}")]
    Network {
        /// The login host.
        login_host: String,
        /// What failed.
        message: String,
    },
    /// The login host answered with something other than a token.
    #[error("unexpected answer from `{login_host}` (HTTP {status}): {message}")]
    UnexpectedResponse {
        /// The login host.
        login_host: String,
        /// The HTTP status.
        status: u16,
        /// What was wrong with the answer.
        message: String,
    },
}
