//! `cargo xtask scenarios` and `cargo xtask faults`: build the binaries the
//! checks run, then run the `cutover-scenarios` checker.
//!
//! The checks live in the `cutover-scenarios` crate rather than in xtask,
//! so that xtask stays quick to build for `fmt` and `clippy`: the checker
//! needs every layer of the product.

use anyhow::Result;
use xshell::{Shell, cmd};

/// Builds `sso-cutover`, `sso-cutover-sim` and the checker, in one cargo
/// call so that they share one build.
fn build(sh: &Shell) -> Result<()> {
    cmd!(sh, "cargo build --locked -p cutover-cli -p cutover-sim -p cutover-scenarios").run()?;
    Ok(())
}

/// Runs every scenario of `tests/scenarios/` (or those whose name contains
/// `filter`) against the in-memory backend and the simulator.
pub(crate) fn run_scenarios(sh: &Shell, filter: Option<&str>) -> Result<()> {
    build(sh)?;
    let filter_args: Vec<&str> = filter.map(|text| vec!["--filter", text]).unwrap_or_default();
    cmd!(sh, "target/debug/cutover-scenarios scenarios --dir tests/scenarios {filter_args...}")
        .run()?;
    Ok(())
}

/// Runs the fault matrix of `apply` and its crash tests; with `write_docs`,
/// also writes `docs/reliability.md` from the results.
pub(crate) fn run_faults(sh: &Shell, write_docs: bool) -> Result<()> {
    build(sh)?;
    let docs_args: Vec<&str> =
        if write_docs { vec!["--write-docs", "docs/reliability.md"] } else { Vec::new() };
    cmd!(sh, "target/debug/cutover-scenarios faults {docs_args...}").run()?;
    Ok(())
}
