//! Project tasks, run as `cargo xtask <task>`.
//!
//! `ci` is the one command that checks everything: formatting, clippy with
//! warnings denied, every test, the docs with warnings denied, the scenario
//! tests and the fault matrix of `apply`. `.ci/run` calls it, then `corpus` over the shared SAML
//! metadata corpus.

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};
use xshell::{Shell, cmd};

mod bench;
mod corpus;
mod docs_gen;
mod sample;
mod scenarios;

#[derive(Parser)]
#[command(name = "xtask", about = "Project tasks for sso-cutover")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run formatting, clippy, tests, docs, scenario tests and the fault matrix.
    Ci,
    /// Check every metadata file of a corpus folder against its expectations.
    Corpus {
        /// The corpus folder, holding `public/` and `hostile/`.
        dir: std::path::PathBuf,
    },
    /// Write `examples/idp-metadata.xml` with a new 20-year signing certificate.
    SampleMetadata,
    /// Run the scenario tests: each folder of `tests/scenarios/` against the
    /// in-memory backend and the simulator.
    Scenarios {
        /// Run only the scenarios whose name contains TEXT.
        #[arg(long, value_name = "TEXT")]
        filter: Option<String>,
    },
    /// Run the fault matrix of `apply` and its crash tests.
    Faults {
        /// Also write the matrix to `docs/reliability.md`.
        #[arg(long)]
        write_docs: bool,
    },
    /// Write sso-cutover's completion scripts for bash, zsh, fish and PowerShell.
    Completions {
        /// The folder to write them to; created when missing.
        out_dir: std::path::PathBuf,
    },
    /// Write sso-cutover's man pages: sso-cutover.1 and one per subcommand.
    Man {
        /// The folder to write them to; created when missing.
        out_dir: std::path::PathBuf,
    },
    /// Measure inventory, metadata parsing and plan evaluation; the full run
    /// writes `docs/benchmarks.md`.
    Bench {
        /// Run small sizes only and write nothing to `docs/`.
        #[arg(long)]
        quick: bool,
        /// The SAML metadata corpus folder, relative to the workspace root.
        #[arg(long, default_value = bench::DEFAULT_CORPUS)]
        corpus: std::path::PathBuf,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let sh = Shell::new()?;
    sh.change_dir(workspace_root());
    match cli.task {
        Task::Ci => ci(&sh),
        Task::Corpus { dir } => {
            if !dir.is_dir() {
                bail!(
                    "corpus folder `{}` not found; pass the folder that holds public/ and hostile/",
                    dir.display()
                );
            }
            corpus::run(&dir, &workspace_root().join("xtask/corpus-expectations.json"))?;
            corpus_tests(&sh, &dir)
        }
        Task::SampleMetadata => {
            sample::write_metadata(&workspace_root().join("examples/idp-metadata.xml"))
        }
        Task::Scenarios { filter } => scenarios::run_scenarios(&sh, filter.as_deref()),
        Task::Faults { write_docs } => scenarios::run_faults(&sh, write_docs),
        Task::Completions { out_dir } => docs_gen::completions(&out_dir),
        Task::Man { out_dir } => docs_gen::man(&out_dir),
        Task::Bench { quick, corpus } => bench::run(&sh, &workspace_root(), quick, &corpus),
    }
}

fn workspace_root() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().expect("xtask sits one level below the workspace root").to_path_buf()
}

fn ci(sh: &Shell) -> Result<()> {
    step("format");
    cmd!(sh, "cargo fmt --all --check").run()?;
    step("clippy");
    cmd!(sh, "cargo clippy --workspace --all-targets --locked -- -D warnings").run()?;
    step("tests");
    if cmd!(sh, "cargo nextest --version").quiet().ignore_stdout().ignore_stderr().run().is_ok() {
        cmd!(sh, "cargo nextest run --workspace --locked --no-fail-fast").run()?;
        // nextest does not run doctests.
        cmd!(sh, "cargo test --workspace --locked --doc").run()?;
    } else {
        cmd!(sh, "cargo test --workspace --locked --no-fail-fast").run()?;
    }
    step("docs");
    cmd!(sh, "cargo doc --workspace --no-deps --locked")
        .env("RUSTDOCFLAGS", "-D warnings")
        .run()?;
    step("scenarios");
    scenarios::run_scenarios(sh, None)?;
    step("fault matrix");
    scenarios::run_faults(sh, false)?;
    Ok(())
}

/// Runs the tests that read the corpus folder: mutated real metadata through
/// the parser, and every hostile file through `sso-cutover metadata check`
/// under a memory limit. They sit behind the `corpus-tests` feature so that
/// `cargo xtask ci` needs nothing outside the workspace.
fn corpus_tests(sh: &Shell, dir: &std::path::Path) -> Result<()> {
    let dir = dir.canonicalize()?;
    let _corpus = sh.push_env("SSO_CUTOVER_SAML_CORPUS", &dir);
    cmd!(sh, "cargo test --locked -p cutover-saml --features corpus-tests --test it mutations")
        .run()?;
    cmd!(
        sh,
        "cargo test --locked -p cutover-cli --features corpus-tests --test security hostile_corpus"
    )
    .run()?;
    Ok(())
}

fn step(name: &str) {
    eprintln!("==> xtask ci: {name}");
}
