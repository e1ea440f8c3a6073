//! `cargo xtask bench`: builds `cutover-bench` in release mode, prepares
//! python3-saml in a virtual environment for the metadata comparison, and
//! runs every benchmark.
//!
//! The full run writes its tables into `docs/benchmarks.md`; `--quick` runs
//! small sizes and only prints, so `cargo xtask ci` can run it without
//! changing the checkout. Both write the results as JSON under
//! `target/bench/`.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use xshell::{Shell, cmd};

mod python;

/// The metadata corpus, relative to the workspace root.
pub(crate) const DEFAULT_CORPUS: &str = "../shared/corpus/saml-metadata";

/// Runs the benchmarks. A relative `corpus` is taken from the workspace root.
pub(crate) fn run(sh: &Shell, root: &Path, quick: bool, corpus: &Path) -> Result<()> {
    let corpus = if corpus.is_absolute() { corpus.to_path_buf() } else { root.join(corpus) };
    if !corpus.is_dir() {
        bail!(
            "metadata corpus folder `{}` not found; pass the folder with --corpus",
            corpus.display()
        );
    }
    let target = target_dir(root);

    step("build cutover-bench (release)");
    cmd!(sh, "cargo build --release --locked --package cutover-bench").run()?;

    step("python3-saml");
    let python = python::prepare(sh, &target.join("bench-venv"));
    match &python {
        Ok(interpreter) => eprintln!("python3-saml ready at {}", interpreter.display()),
        Err(reason) => eprintln!("python3-saml comparison unavailable: {reason}"),
    }

    let results = target.join("bench");
    std::fs::create_dir_all(&results)?;
    let kind = if quick { "quick" } else { "full" };
    let mut args: Vec<String> = vec!["run".into(), "--corpus".into(), corpus.display().to_string()];
    args.push("--json".into());
    args.push(results.join(format!("results-{kind}.json")).display().to_string());
    if quick {
        args.push("--quick".into());
        args.extend(["--command".into(), "cargo xtask bench --quick".into()]);
    } else {
        args.extend(["--command".into(), "cargo xtask bench".into()]);
        args.push("--markdown".into());
        args.push(root.join("docs/benchmarks.md").display().to_string());
    }
    match python {
        Ok(interpreter) => args.extend(["--python".into(), interpreter.display().to_string()]),
        Err(reason) => args.extend(["--python-unavailable".into(), reason]),
    }

    step(&format!("{kind} run"));
    let bench = target.join("release/cutover-bench");
    cmd!(sh, "{bench} {args...}").run()?;
    Ok(())
}

/// Returns the Cargo target folder: `CARGO_TARGET_DIR` when set, else
/// `target/`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

fn step(name: &str) {
    eprintln!("==> xtask bench: {name}");
}
