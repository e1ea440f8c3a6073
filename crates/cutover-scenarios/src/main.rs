//! `cutover-scenarios`: end-to-end checks of the `sso-cutover` binary.
//!
//! - `scenarios` runs every folder of `tests/scenarios/` against the
//!   in-memory backend and the simulator and compares both runs with the
//!   folder's `expected.json` and with each other (see `scenario` for the
//!   folder layout and `metadata_spec` for `metadata.toml`).
//! - `faults` runs `apply` with a fault on each of its API calls on both
//!   backends, and stops it at each stage boundary, and checks that the org
//!   never ends locked out and that `rollback` restores it (see `faults`).
//! - `new-org` prints a realistic org snapshot, the starting point of a new
//!   scenario's `org.json`.
//!
//! `cargo xtask scenarios` and `cargo xtask faults` build the binaries and run
//! the first two.

mod compare;
mod faults;
mod metadata_spec;
mod orggen;
mod process;
mod runner;
mod scenario;
mod suite;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cutover-scenarios", about = "End-to-end checks of the sso-cutover binary")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the scenario folders against both backends.
    Scenarios {
        /// The folder that contains one folder per scenario.
        #[arg(long, default_value = "tests/scenarios")]
        dir: PathBuf,
        /// Run only the scenarios whose name contains TEXT.
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
        /// Scenarios run at once (default: twice the number of CPUs, because
        /// the runs mostly wait on child processes).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
    },
    /// Run the fault matrix of `apply` and its crash tests.
    Faults {
        /// Also write the matrix as a Markdown page to PATH.
        #[arg(long, value_name = "PATH")]
        write_docs: Option<PathBuf>,
        /// Run only the calls whose row label contains TEXT, and skip the
        /// crash tests.
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
        /// Runs at once (default: four times the number of CPUs, because
        /// the runs mostly wait on timers and child processes).
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
    },
    /// Print a generated org snapshot on stdout.
    NewOrg {
        /// The org's display name.
        #[arg(long, default_value = "Acme Support")]
        name: String,
        /// Seed of every ID and choice; the same seed gives the same org.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of users.
        #[arg(long, default_value_t = 40)]
        users: usize,
        /// Region name.
        #[arg(long, default_value = "us-east-1")]
        region: String,
        /// Extra OAuth clients (repeatable): password, saml2-bearer, token,
        /// second-break-glass.
        #[arg(long = "with", value_name = "KIND")]
        extra_clients: Vec<String>,
    },
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from) * 2
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Scenarios { dir, filter, jobs } => {
            let tools = process::Tools::beside_current_exe()?;
            let options =
                suite::SuiteOptions { dir, filter, jobs: jobs.unwrap_or_else(default_jobs) };
            runtime()?.block_on(suite::run(&options, &tools))
        }
        Command::Faults { write_docs, filter, jobs } => {
            let tools = process::Tools::beside_current_exe()?;
            let options = faults::FaultOptions {
                write_docs,
                filter,
                jobs: jobs.unwrap_or_else(|| default_jobs() * 2),
            };
            runtime()?.block_on(faults::run(&options, &tools))
        }
        Command::NewOrg { name, seed, users, region, extra_clients } => {
            for kind in &extra_clients {
                if !orggen::EXTRA_CLIENTS.contains(&kind.as_str()) {
                    bail!(
                        "unknown client kind `{kind}`; use one of {}",
                        orggen::EXTRA_CLIENTS.join(", ")
                    );
                }
            }
            let options = orggen::OrgOptions { name, seed, users, region, extra_clients };
            println!("{}", serde_json::to_string_pretty(&orggen::generate(&options))?);
            Ok(())
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
