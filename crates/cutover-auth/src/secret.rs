use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// An OAuth client secret. `Debug` and `Display` print a fixed mask; the value
/// is only reachable through [`ClientSecret::expose`], which the code that
/// builds a token request calls.
#[derive(Clone)]
pub struct ClientSecret(SecretString);

impl ClientSecret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// Returns the secret value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(********)")
    }
}

impl fmt::Display for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// A bearer access token. `Debug` and `Display` print a fixed mask.
#[derive(Clone)]
pub struct AccessToken(SecretString);

impl AccessToken {
    /// Wraps a token value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// Returns the token value, for the one place that builds the
    /// `Authorization` header.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(********)")
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// A client ID and its secret: what the client-credentials grant sends.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    /// The OAuth client ID; not a secret.
    pub client_id: String,
    /// The client secret.
    pub secret: ClientSecret,
}

impl ClientCredentials {
    /// Pairs a client ID with its secret.
    pub fn new(client_id: impl Into<String>, secret: ClientSecret) -> Self {
        Self { client_id: client_id.into(), secret }
    }
}
