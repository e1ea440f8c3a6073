//! The commands, and the dispatch from the parsed command line to them.
//!
//! Each command is an async function that takes its flags, the opened
//! [`Backend`] when it needs an org, and the [`Printer`], and returns the
//! exit code it ends with. Checks that need no org (flag combinations,
//! waivers, the prompt before a change) run before the org is opened.

pub mod auth_check;
pub mod changes;
pub mod completions;
pub mod demo;
pub mod export;
pub mod inventory;
pub mod metadata;
pub mod plan;

use comfy_table::{Cell, Table};
use cutover_api::{CollectOptions, GrantScope, OrgState, collect_state};
use cutover_policy::{Finding, PolicyError};

use crate::cli::{AuthCommand, BreakGlassCommand, Cli, Command, ExportCommand, MetadataCommand};
use crate::context::Backend;
use crate::exit::{CliError, Exit};
use crate::output::Printer;
use crate::output::progress::ProgressApi;
use crate::output::table::{new_table, severity_cell};

/// Runs the parsed command line.
pub async fn run(cli: &Cli, printer: &Printer) -> Result<Exit, CliError> {
    let global = &cli.global;
    match &cli.command {
        Command::Completions(args) => completions::run(args, printer),
        Command::Metadata(MetadataCommand::Check(args)) => metadata::check(args, printer).await,
        Command::Demo(args) => demo::run(args, global, printer).await,
        Command::Auth(AuthCommand::Check) => {
            let backend = Backend::open(global)?;
            auth_check::run(&backend, printer).await
        }
        Command::Inventory(args) => {
            let backend = Backend::open(global)?;
            inventory::run(args, &backend, printer).await
        }
        Command::Plan(args) => {
            let inputs = plan::prepare(&args.metadata, &args.inputs).await?;
            let backend = Backend::open(global)?;
            plan::run(&inputs, &backend, printer).await
        }
        Command::Apply(args) => changes::apply(args, global, printer).await,
        Command::Rollback(args) => changes::run_rollback(args, global, printer).await,
        Command::BreakGlass(BreakGlassCommand::Create(args)) => {
            changes::run_break_glass(args, global, printer).await
        }
        Command::Verify(args) => {
            let backend = Backend::open(global)?;
            changes::run_verify(args, &backend, printer).await
        }
        Command::Export(ExportCommand::Terraform(args)) => {
            let backend = Backend::open(global)?;
            export::terraform(args, &backend, printer).await
        }
    }
}

/// Reads the org through the backend, with a progress bar on a terminal.
pub async fn read_org(
    backend: &Backend,
    printer: &Printer,
    grants: GrantScope,
) -> Result<OrgState, CliError> {
    tracing::info!(backend = %backend.endpoint(), "reading the org");
    let api = ProgressApi::new(backend.api(), printer);
    let options = CollectOptions { grants, ..CollectOptions::default() };
    let state = collect_state(&api, options)
        .await
        .map_err(|error| CliError::from(error).context("reading the org"))?;
    api.finish();
    Ok(state)
}

/// Maps a policy input error to its exit code: a waiver that cannot be made
/// is a usage error (2), anything else bad input (1).
pub fn policy_error(error: PolicyError) -> CliError {
    match error {
        PolicyError::UnknownRule { .. }
        | PolicyError::NotWaivable { .. }
        | PolicyError::MissingReason { .. } => CliError::usage(error.to_string()),
        other => CliError::input(other.to_string()),
    }
}

/// Renders findings as a table: severity, rule, subject, then what is wrong
/// and the fix.
pub fn findings_table(findings: &[Finding]) -> Table {
    let mut table = new_table(["severity", "rule", "subject", "finding"]);
    for finding in findings {
        table.add_row(vec![
            severity_cell(finding.severity.as_str(), finding.waived),
            Cell::new(finding.rule.as_str()),
            Cell::new(&finding.subject),
            Cell::new(format!("{}\nfix: {}", finding.message, finding.fix)),
        ]);
    }
    table
}
