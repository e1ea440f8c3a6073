//! The `sso-cutover` command as a library: the command-line front end and
//! the safe-change engine (backup, journal, staged apply, rollback, verify,
//! break-glass clients) behind it.
//!
//! [`main_with_args`] is the whole program. It parses the command line
//! ([`cli::Cli`]) and opens the org ([`context::Backend`]: an org snapshot
//! file or the real API). Then it runs the command (`commands`), prints
//! through the one [`output::Printer`], and maps the result to an exit code in
//! one place ([`exit::Exit::of`]).

pub mod apply;
pub mod backup;
pub mod break_glass;
pub mod cli;
pub mod commands;
pub mod context;
pub mod exit;
pub mod files;
pub mod journal;
pub mod output;
pub mod rollback;
pub mod terraform;
pub mod verify;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::exit::{CliError, Exit};
use crate::output::Printer;

/// Runs the program with `args` (the first being the program name) and
/// returns its exit code.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints usage errors to stderr and help or version to stdout.
            let _ = error.print();
            return Exit::of_clap(&error).into();
        }
    };
    let printer = Printer::new(&cli.global);
    output::logging::init(&cli.global, printer.stderr_has_color());

    let result = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(commands::run(&cli, &printer)),
        Err(error) => Err(CliError::input(format!("could not start the async runtime: {error}"))),
    };
    if let Err(error) = &result {
        printer.error(error);
    }
    Exit::of(&result).into()
}
