//! The question asked before a change (`apply`, `rollback`,
//! `break-glass create`).
//!
//! The check comes in two parts. [`require_consent`] runs first, so a change
//! without `--yes` and without a terminal ends with exit 2 before the org is
//! read or any file is written. [`ChangeConsent::confirm`] runs right before
//! the first change, so a person at a terminal sees what will change first.

use std::io::{self, BufRead, IsTerminal, Write};

use crate::cli::GlobalArgs;
use crate::exit::CliError;

/// Permission to change the org, as far as it is known before the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeConsent {
    /// `--yes` was given: change without asking.
    Given,
    /// A terminal is there to ask on.
    Ask,
}

/// Checks, before the org is read, that a change can be confirmed: with
/// `--yes`, or with stdin and stderr on a terminal. Otherwise fails with a
/// usage error (exit 2) that names `command` and tells the user to pass
/// `--yes`.
pub fn require_consent(global: &GlobalArgs, command: &str) -> Result<ChangeConsent, CliError> {
    if global.yes {
        return Ok(ChangeConsent::Given);
    }
    if io::stdin().is_terminal() && io::stderr().is_terminal() {
        return Ok(ChangeConsent::Ask);
    }
    Err(CliError::usage(format!(
        "`{command}` changes the org and there is no terminal to ask for confirmation on; \
         pass --yes to make the change without asking"
    )))
}

impl ChangeConsent {
    /// Asks `question` on the terminal unless `--yes` was given. Any answer
    /// other than `y` or `yes` cancels the command with exit 1 and changes
    /// nothing.
    pub fn confirm(self, question: &str) -> Result<(), CliError> {
        if self == Self::Given {
            return Ok(());
        }
        let mut stderr = io::stderr().lock();
        let _ = write!(stderr, "{question} [y/N] ");
        let _ = stderr.flush();
        let mut answer = String::new();
        io::stdin().lock().read_line(&mut answer).map_err(|e| {
            CliError::input(format!("could not read the reply from the terminal: {e}"))
        })?;
        if is_yes(&answer) {
            Ok(())
        } else {
            Err(CliError::input("cancelled: nothing was changed; pass --yes to skip the question"))
        }
    }
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_flag_gives_consent() {
        let global = GlobalArgs { yes: true, ..GlobalArgs::default() };
        assert_eq!(require_consent(&global, "apply").unwrap(), ChangeConsent::Given);
    }

    #[test]
    fn answers_that_confirm() {
        for answer in ["y\n", "YES\n", " yes \r\n"] {
            assert!(is_yes(answer), "{answer:?}");
        }
        for answer in ["", "\n", "n\n", "yep\n"] {
            assert!(!is_yes(answer), "{answer:?}");
        }
    }
}
