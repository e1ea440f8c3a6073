use std::path::PathBuf;

/// Failure to load or write an org snapshot.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The file could not be read.
    #[error("cannot read the org snapshot `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not valid JSON.
    #[error(
        "{}invalid JSON at line {line}, column {column}: {message}",
        file_prefix(path.as_ref())
    )]
    Syntax {
        /// The file, when the snapshot came from one.
        path: Option<PathBuf>,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The JSON parser's message.
        message: String,
    },
    /// The JSON is valid but is not a usable org snapshot.
    #[error("{}{location}: {message}", file_prefix(path.as_ref()))]
    Invalid {
        /// The file, when the snapshot came from one.
        path: Option<PathBuf>,
        /// JSON path of the offending value, such as
        /// `oauthClients[3].roleDivisions[0].roleId`.
        location: String,
        /// The fault and how to fix it.
        message: String,
    },
    /// The org was not loaded from a file, so there is nowhere to save it.
    #[error("the org was not loaded from a file; use `save_to` with a path")]
    NoFile,
    /// Writing the file failed; the previous file is unchanged.
    #[error("cannot write the org snapshot `{}`: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn file_prefix(path: Option<&PathBuf>) -> String {
    path.map(|path| format!("`{}`: ", path.display())).unwrap_or_default()
}

impl SnapshotError {
    /// Returns the JSON path of an invalid value, when the error is about one.
    pub fn location(&self) -> Option<&str> {
        match self {
            Self::Invalid { location, .. } => Some(location),
            _ => None,
        }
    }
}

/// Rejection of a session, that is of a token for one OAuth client of the org.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// No client ID was given and no client can get a token.
    #[error(
        "the org has no active CLIENT-CREDENTIALS OAuth client with a `secret`; add one to \
         `oauthClients` or give a client ID"
    )]
    NoUsableClient,
    /// The client ID is not in the snapshot.
    #[error(
        "OAuth client `{client_id}` is not in the org snapshot; use the `id` of one of its \
         `oauthClients`"
    )]
    UnknownClient {
        /// The client ID that was given.
        client_id: String,
    },
    /// The client exists but cannot get a token.
    #[error("OAuth client `{client_id}` was refused a token: {reason}")]
    TokenRefused {
        /// The client ID.
        client_id: String,
        /// Why, and what to change.
        reason: String,
    },
}
