use std::path::PathBuf;
use std::time::Duration;

use crate::region::Region;

fn region_note(region: Option<&String>) -> String {
    match region {
        Some(name) => format!(", region `{name}`"),
        None => String::new(),
    }
}

fn suggestion_note(suggestion: Option<&'static str>) -> String {
    suggestion.map(|name| format!("did you mean `{name}`? ")).unwrap_or_default()
}

fn retry_after_note(retry_after: Option<&Duration>) -> String {
    retry_after.map(|wait| format!(" (it asked to wait {} s)", wait.as_secs())).unwrap_or_default()
}

/// Failure to resolve credentials, a region or a URL, or to get a token. Each
/// message is one line that names the value at fault and the fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The login host refused the client ID and secret.
    #[error(
        "the client ID `{client_id}` and its secret were refused by `{login_host}` \
         (`{code}`{}); check that the client exists and is active in this org's region, \
         because a client from another region fails exactly this way",
        region_note(.region.as_ref())
    )]
    InvalidClient {
        /// The client ID that was refused.
        client_id: String,
        /// The login host that refused it.
        login_host: String,
        /// The region the login host belongs to, when it is a known one.
        region: Option<String>,
        /// The OAuth `error` code, such as `invalid_client`.
        code: String,
    },
    /// The login host rejected the token request for another reason than the
    /// client credentials, such as a client whose grant type is not client
    /// credentials.
    #[error(
        "`{login_host}` rejected the token request for client `{client_id}` (HTTP {status}, \
         `{code}`): {description}; check that the client's grant type is client credentials"
    )]
    Rejected {
        /// The client ID.
        client_id: String,
        /// The login host.
        login_host: String,
        /// The HTTP status.
        status: u16,
        /// The OAuth `error` code.
        code: String,
        /// The OAuth `error_description`.
        description: String,
    },
    /// The login host could not be reached or timed out.
    #[error(
        "{} the login host `{login_host}`: {message}; check the network and the region",
        if *.timed_out { "timed out waiting for" } else { "could not reach" }
    )]
    Network {
        /// The login host.
        login_host: String,
        /// What failed.
        message: String,
        /// Whether the request timed out.
        timed_out: bool,
    },
    /// The login host kept returning 429 Too Many Requests.
    #[error(
        "the login host `{login_host}` rate-limited the token request{}: {message}; wait and \
         run the command again",
        retry_after_note(.retry_after.as_ref())
    )]
    RateLimited {
        /// The login host.
        login_host: String,
        /// The wait the last response requested, when it named one.
        retry_after: Option<Duration>,
        /// The reason for giving up: the attempt limit or a wait over the cap.
        message: String,
    },
    /// The login host returned something other than a token.
    #[error("unexpected response from `{login_host}` (HTTP {status}): {message}")]
    UnexpectedResponse {
        /// The login host.
        login_host: String,
        /// The HTTP status.
        status: u16,
        /// The problem with the response.
        message: String,
    },
    /// The region name or domain is not one of the known regions.
    #[error(
        "unknown region `{input}`; {}use a region name or its domain, one of: {}",
        suggestion_note(*.suggestion),
        Region::known_names()
    )]
    UnknownRegion {
        /// The input.
        input: String,
        /// The known name or domain closest to the input, when one is close.
        suggestion: Option<&'static str>,
    },
    /// No source supplied client credentials.
    #[error(
        "no OAuth client credentials were given; pass `--client-id ID` and \
         `--client-secret-file PATH`, or set `GENESYSCLOUD_OAUTHCLIENT_ID` and \
         `GENESYSCLOUD_OAUTHCLIENT_SECRET`, or pass `--profile NAME` to use a profile of the gc \
         CLI"
    )]
    NoCredentials,
    /// A client ID was given without a secret to go with it.
    #[error("the client ID `{client_id}` from {given} has no secret; {fix}")]
    MissingSecret {
        /// The client ID.
        client_id: String,
        /// The source of the client ID.
        given: String,
        /// How to supply the secret.
        fix: String,
    },
    /// A secret was given without a client ID to go with it.
    #[error("{given} was given without a client ID; {fix}")]
    MissingClientId {
        /// The source of the secret.
        given: String,
        /// How to supply the client ID.
        fix: String,
    },
    /// The client secret file could not be read.
    #[error(
        "could not read the client secret file `{}`: {message}; check the path and its \
         permissions",
        .path.display()
    )]
    SecretFileUnreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// The client secret file contains no usable secret.
    #[error("the client secret file `{}` {problem}; {fix}", .path.display())]
    InvalidSecretFile {
        /// The file.
        path: PathBuf,
        /// The problem with its content.
        problem: &'static str,
        /// How to fix the file.
        fix: &'static str,
    },
    /// A URL that would carry credentials or tokens uses plain `http` to a
    /// host that is not loopback.
    #[error(
        "`{url}` uses plain http, which is allowed only for loopback addresses \
         (127.0.0.0/8, ::1, localhost); use an `https://` URL"
    )]
    InsecureUrl {
        /// The URL.
        url: String,
    },
    /// A URL could not be used as a base URL.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// The problem with it.
        reason: String,
    },
    /// `--profile` was given, but no home folder is known to find the `gc`
    /// CLI's config in.
    #[error(
        "cannot find the gc CLI config for profile `{profile}`, because neither `HOME` nor \
         `USERPROFILE` is set; set `HOME` to the folder that contains `.gc/config.toml`"
    )]
    NoHomeFolder {
        /// The profile name.
        profile: String,
    },
    /// The `gc` CLI's config file could not be read.
    #[error(
        "could not read the gc CLI config `{}` for profile `{profile}`: {message}; create the \
         profile with `gc profiles new`, or check the file's path and permissions",
        .path.display()
    )]
    ProfileFileUnreadable {
        /// The config file.
        path: PathBuf,
        /// The profile name.
        profile: String,
        /// What failed.
        message: String,
    },
    /// The `gc` CLI's config file is not valid TOML.
    #[error(
        "the gc CLI config `{}` is not valid TOML at line {line}, column {column}: {message}; \
         correct the file, or write the profile again with `gc profiles new`",
        .path.display()
    )]
    ProfileFileInvalid {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the error, 0 when unknown.
        line: usize,
        /// 1-based column of the error, 0 when unknown.
        column: usize,
        /// The parser's message, without the source line (which may hold a
        /// secret).
        message: String,
    },
    /// The `gc` CLI's config file has no section for the profile.
    #[error(
        "the gc CLI config `{}` has no section `[{profile}]` (it has {available}); pass one of \
         those to `--profile`, or add the profile with `gc profiles new`",
        .path.display()
    )]
    ProfileNotFound {
        /// The config file.
        path: PathBuf,
        /// The profile name.
        profile: String,
        /// The sections the file has, for the message.
        available: String,
    },
    /// A profile lacks a key.
    #[error(
        "section `[{profile}]` of the gc CLI config `{}` has no `{key}`; {fix}",
        .path.display()
    )]
    ProfileKeyMissing {
        /// The config file.
        path: PathBuf,
        /// The section name.
        profile: String,
        /// The missing key.
        key: &'static str,
        /// How to add it.
        fix: String,
    },
    /// A profile's key has an unusable value.
    #[error(
        "`{key}` in section `[{profile}]` of the gc CLI config `{}` {problem}; {fix}",
        .path.display()
    )]
    ProfileKeyInvalid {
        /// The config file.
        path: PathBuf,
        /// The section name.
        profile: String,
        /// The key.
        key: &'static str,
        /// The problem with its value; never the value of `client_secret`.
        problem: String,
        /// How to correct it.
        fix: String,
    },
    /// The HTTP client could not be built.
    #[error("could not set up the HTTP client: {message}")]
    Client {
        /// What failed.
        message: String,
    },
}
