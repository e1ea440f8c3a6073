//! `sso-cutover-sim`: serves an org snapshot as a Genesys Cloud org on
//! 127.0.0.1 until SIGINT or SIGTERM.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use cutover_sim::{RateLimit, SimConfig, SimOrg};
use tracing_subscriber::EnvFilter;

/// Serves an org snapshot over HTTP on 127.0.0.1: `POST /oauth/token` and the
/// `/api/v2/...` paths sso-cutover uses. Changes are written back to the
/// file. The first line on stdout is `listening on http://127.0.0.1:<port>`.
#[derive(Debug, Parser)]
#[command(name = "sso-cutover-sim", version)]
struct Args {
    /// The org snapshot (`sso-cutover.org-snapshot.v1`) to serve.
    #[arg(long, value_name = "PATH")]
    org_file: PathBuf,
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, value_name = "N", default_value_t = 0)]
    port: u16,
    /// Lifetime of issued tokens in seconds [default: each client's
    /// `accessTokenValiditySeconds`, else 86400].
    #[arg(long, value_name = "SECONDS")]
    token_lifetime: Option<u64>,
    /// Requests allowed per token in each rate-limit window [default: no
    /// limit].
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
    /// Length of a rate-limit window in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, requires = "rate_limit")]
    rate_window: u64,
    /// Keep changes in memory instead of writing them to the org file.
    #[arg(long)]
    no_write_back: bool,
    /// Log more to stderr: -v for info, -vv for debug.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let level = match args.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level)),
        )
        .init();

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let org = match SimOrg::load(&args.org_file) {
        Ok(org) => org,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let config = SimConfig {
        port: args.port,
        token_lifetime: args.token_lifetime.map(Duration::from_secs),
        rate_limit: args
            .rate_limit
            .map(|requests| RateLimit { requests, window: Duration::from_secs(args.rate_window) }),
        faults: Vec::new(),
        write_back: !args.no_write_back,
    };
    let handle = match cutover_sim::start(org, config).await {
        Ok(handle) => handle,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };

    let base = handle.base_url();
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "listening on {}", base.as_str().trim_end_matches('/'))
        .and_then(|()| stdout.flush())
        .is_err()
    {
        eprintln!("error: cannot write to stdout");
        return ExitCode::FAILURE;
    }
    drop(stdout);

    let signal = wait_for_signal().await;
    tracing::info!(signal, "stopping");
    handle.shutdown().await;
    ExitCode::SUCCESS
}

/// Waits for SIGINT or SIGTERM (Ctrl-C elsewhere) and returns its name.
async fn wait_for_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            },
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; stop with Ctrl-C");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
