//! Exit codes and the error every command returns, mapped to a code in one
//! place ([`Exit::of`]).
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success; a plan with no blocking finding |
//! | 1 | bad input (unreadable file, metadata fetch failure, org file that does not load, unknown `--entity-id`), API or network failure |
//! | 2 | usage error: the argument parser, a flag the command cannot use, a change without `--yes` and without a terminal |
//! | 3 | a plan or `metadata check` with a blocking finding |
//! | 4 | `verify` found a failed check |
//! | 5 | `apply` failed and everything it changed was rolled back |
//! | 6 | `apply` failed and the rollback did not complete |

use std::fmt;
use std::process::ExitCode;

use cutover_api::ApiError;

/// The outcome of a command, one variant per exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exit {
    /// 0: success, or a plan with no blocking finding.
    Success,
    /// 1: bad input, API or network failure.
    Error,
    /// 2: usage error.
    Usage,
    /// 3: a blocking finding.
    Blocked,
    /// 4: `verify` found a failed check.
    VerifyFailed,
    /// 5: `apply` failed and its changes were rolled back.
    RolledBack,
    /// 6: `apply` failed and the rollback did not complete.
    RollbackFailed,
}

impl Exit {
    /// Returns the process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Error => 1,
            Self::Usage => 2,
            Self::Blocked => 3,
            Self::VerifyFailed => 4,
            Self::RolledBack => 5,
            Self::RollbackFailed => 6,
        }
    }

    /// Maps an exit code that the change engine computed back to its
    /// variant; a code outside the contract counts as an error (1).
    pub fn from_code(code: u8) -> Exit {
        match code {
            0 => Self::Success,
            2 => Self::Usage,
            3 => Self::Blocked,
            4 => Self::VerifyFailed,
            5 => Self::RolledBack,
            6 => Self::RollbackFailed,
            _ => Self::Error,
        }
    }

    /// Maps a command's result to its exit code: the one place where errors
    /// become codes.
    pub fn of(result: &Result<Exit, CliError>) -> Exit {
        match result {
            Ok(exit) => *exit,
            Err(error) => error.exit(),
        }
    }

    /// Maps an argument-parser error: `--help` and `--version` end with 0,
    /// every other parser error with 2.
    pub fn of_clap(error: &clap::Error) -> Exit {
        if error.use_stderr() { Self::Usage } else { Self::Success }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// A failed command: the exit code it ends with and a message of one or two
/// lines that names the value at fault and the fix.
#[derive(Debug)]
pub struct CliError {
    exit: Exit,
    message: String,
}

impl CliError {
    /// Creates an error with an explicit exit code.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self { exit, message: message.into() }
    }

    /// Creates an error for bad input or a failed call (exit 1).
    pub fn input(message: impl Into<String>) -> Self {
        Self::new(Exit::Error, message)
    }

    /// Creates a usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// Returns the exit code this error ends the command with.
    pub fn exit(&self) -> Exit {
        self.exit
    }

    /// Returns the message, without the `error:` prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefixes the message with what was being done, such as
    /// "reading the org".
    pub fn context(mut self, doing: &str) -> Self {
        self.message = format!("{doing}: {}", self.message);
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<ApiError> for CliError {
    fn from(error: ApiError) -> Self {
        // The API error's message already names the resource, the fix and the
        // response's `contextId`.
        Self::input(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_contract() {
        let table = [
            (Exit::Success, 0),
            (Exit::Error, 1),
            (Exit::Usage, 2),
            (Exit::Blocked, 3),
            (Exit::VerifyFailed, 4),
            (Exit::RolledBack, 5),
            (Exit::RollbackFailed, 6),
        ];
        for (exit, code) in table {
            assert_eq!(exit.code(), code, "{exit:?}");
            assert_eq!(Exit::from_code(code), exit, "{code}");
        }
    }

    #[test]
    fn error_result_takes_error_code() {
        let result: Result<Exit, CliError> = Err(CliError::usage("bad flag"));
        assert_eq!(Exit::of(&result), Exit::Usage);
        assert_eq!(Exit::of(&Ok(Exit::Blocked)), Exit::Blocked);
    }

    #[test]
    fn api_error_keeps_context_id() {
        let error = ApiError::NotFound {
            resource: "GET /api/v2/organizations/me".into(),
            context_id: Some("ctx-42".into()),
        };
        let cli: CliError = error.into();
        assert_eq!(cli.exit(), Exit::Error);
        assert!(cli.message().contains("ctx-42"), "{}", cli.message());
    }
}
