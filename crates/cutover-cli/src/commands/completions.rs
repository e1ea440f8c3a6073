//! `completions SHELL`: prints a completion script for the shell.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::{CliError, Exit};
use crate::output::Printer;

/// Writes the completion script to stdout, in every output format.
pub fn run(args: &CompletionsArgs, printer: &Printer) -> Result<Exit, CliError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "sso-cutover", &mut script);
    printer.raw(&script);
    Ok(Exit::Success)
}
