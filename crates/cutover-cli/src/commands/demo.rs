//! `demo`: a whole cutover against a simulated copy of the sample org.

use crate::cli::{DemoArgs, GlobalArgs};
use crate::exit::{CliError, Exit};
use crate::output::Printer;

/// Runs `demo`.
pub async fn run(
    _args: &DemoArgs,
    _global: &GlobalArgs,
    _printer: &Printer,
) -> Result<Exit, CliError> {
    Err(CliError::input("FIXME: the demo needs the simulator"))
}
