//! Logging to stderr with `tracing-subscriber`: `-q` errors only, no flag
//! warnings, `-v` info, `-vv` debug, `-vvv` trace.
//!
//! The chosen level applies to the product's own crates only. Other crates
//! (HTTP and TLS libraries) stay at warnings, because at debug and trace
//! levels they can print request headers, and the `Authorization` header
//! contains a token.

use tracing_subscriber::EnvFilter;

use crate::cli::GlobalArgs;

/// The product's crates, by their `tracing` target prefix.
const OWN_TARGETS: [&str; 8] = [
    "cutover_cli",
    "cutover_api",
    "cutover_auth",
    "cutover_http",
    "cutover_memory",
    "cutover_sim",
    "cutover_saml",
    "cutover_policy",
];

/// Returns the filter directives for the global flags.
pub fn filter_directives(global: &GlobalArgs) -> String {
    let own = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let base = if global.quiet { "error" } else { "warn" };
    let mut directives = vec![base.to_owned()];
    directives.extend(OWN_TARGETS.iter().map(|target| format!("{target}={own}")));
    directives.join(",")
}

/// Installs the stderr subscriber; a second call (as in tests) is ignored.
pub fn init(global: &GlobalArgs, color: bool) {
    let filter = EnvFilter::new(filter_directives(global));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(global.verbose >= 2)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_sets_own_level_only() {
        let global = GlobalArgs { verbose: 3, ..GlobalArgs::default() };
        let directives = filter_directives(&global);
        assert!(directives.starts_with("warn,"), "{directives}");
        assert!(directives.contains("cutover_http=trace"), "{directives}");
        assert!(!directives.contains("reqwest"), "{directives}");
    }

    #[test]
    fn quiet_means_errors() {
        let global = GlobalArgs { quiet: true, ..GlobalArgs::default() };
        assert!(filter_directives(&global).contains("cutover_cli=error"));
    }
}
