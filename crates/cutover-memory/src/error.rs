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
    /// The file is larger than the size limit of an org snapshot.
    #[error(
        "the org snapshot `{}` is larger than the {} size limit (a snapshot of 100,000 users \
         is about 36 MiB); check that the path names an org snapshot",
        path.display(),
        format_size(*limit)
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
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

/// Formats a byte count for people, such as `11.5 MiB (12,058,624 bytes)`.
pub(crate) fn format_size(bytes: u64) -> String {
    let mut digits = bytes.to_string();
    let mut grouped = String::new();
    while digits.len() > 3 {
        let tail = digits.split_off(digits.len() - 3);
        grouped = format!(",{tail}{grouped}");
    }
    grouped = format!("{digits}{grouped}");
    if bytes < 1024 {
        return format!("{grouped} bytes");
    }
    #[expect(clippy::cast_precision_loss, reason = "one decimal is shown")]
    let mut value = bytes as f64 / 1024.0;
    let mut unit = "KiB";
    for next in ["MiB", "GiB", "TiB"] {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    let number = format!("{value:.1}");
    let number = number.strip_suffix(".0").unwrap_or(&number);
    format!("{number} {unit} ({grouped} bytes)")
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
        "the org snapshot has no active CLIENT-CREDENTIALS OAuth client with a `secret`, so no \
         client can get a token; a snapshot written by `inventory --snapshot` has no secrets: \
         add the `secret` of a client-credentials client to its entry in `oauthClients`"
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
