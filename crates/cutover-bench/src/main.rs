//! The `cutover-bench` command; see the library's documentation.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use cutover_auth::ClientSecret;
use serde::Serialize;
use url::Url;

use cutover_bench::{collect, metadata, org, plan, run};

#[derive(Parser)]
#[command(name = "cutover-bench", about = "Benchmarks of sso-cutover")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every benchmark and print the results as Markdown tables.
    Run(run::RunOptions),
    /// Worker: read the org at a simulator with `collect_state` (the client
    /// secret comes from `CUTOVER_BENCH_CLIENT_SECRET`).
    #[command(hide = true)]
    Collect {
        /// The simulator's base URL.
        #[arg(long)]
        base_url: Url,
        /// The OAuth client to sign in as.
        #[arg(long)]
        client_id: String,
    },
    /// Worker: parse metadata files with `cutover_saml::parse_metadata`.
    #[command(hide = true)]
    Parse {
        /// Timed passes over all files.
        #[arg(long)]
        iterations: u32,
        /// The IdP entity to choose in each file.
        #[arg(long)]
        entity_id: Option<String>,
        /// The metadata files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Worker: time `cutover_policy::evaluate` over a generated org.
    #[command(hide = true)]
    Plan {
        /// Users in the org.
        #[arg(long)]
        users: usize,
        /// OAuth clients in the org.
        #[arg(long)]
        clients: usize,
        /// Roles in the org.
        #[arg(long)]
        roles: usize,
        /// Evaluations to time.
        #[arg(long)]
        runs: u32,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(options) => {
            let failed = run::run(&options)?;
            if failed > 0 {
                anyhow::bail!("{failed} benchmark runs failed; see the failures listed above");
            }
            Ok(())
        }
        Command::Collect { base_url, client_id } => {
            let secret = std::env::var(collect::SECRET_VARIABLE).with_context(|| {
                format!("set `{}` to the client secret", collect::SECRET_VARIABLE)
            })?;
            let report = runtime()?.block_on(collect::run(
                base_url,
                client_id,
                ClientSecret::new(secret),
            ))?;
            print_json(&report)
        }
        Command::Parse { iterations, entity_id, files } => {
            print_json(&metadata::parse_files(&files, entity_id.as_deref(), iterations)?)
        }
        Command::Plan { users, clients, roles, runs } => {
            let spec = org::OrgSpec::new(users, clients, roles);
            print_json(&runtime()?.block_on(plan::run(spec, runs))?)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn print_json(report: &impl Serialize) -> Result<()> {
    println!("{}", serde_json::to_string(report)?);
    Ok(())
}
