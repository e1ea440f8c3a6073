//! The `sso-cutover` binary: parse, run, exit with the command's code.

use std::process::ExitCode;

fn main() -> ExitCode {
    cutover_cli::main_with_args(std::env::args_os())
}
