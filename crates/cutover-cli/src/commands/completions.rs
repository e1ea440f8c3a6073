//! `completions SHELL`: prints a completion script for the shell.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::{CliError, Exit};
use crate::output::Printer;

/// Writes the completion script to stdout. `--output json` is a usage error
/// (exit 2), because a script has no JSON form.
pub fn run(args: &CompletionsArgs, printer: &Printer) -> Result<Exit, CliError> {
    if printer.is_json() {
        return Err(CliError::usage(
            "`completions` prints a shell script, not JSON; run it without `--output json`",
        ));
    }
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "sso-cutover", &mut script);
    printer.raw(&script);
    Ok(Exit::Success)
}
