//! `cutover-bench run`: every benchmark in one run, each measured part in a
//! worker process, and the results rendered as Markdown.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde::de::DeserializeOwned;

use crate::inventory;
use crate::machine::{self, Machine};
use crate::metadata::{self, ParseReport};
use crate::org::OrgSpec;
use crate::plan::PlanReport;
use crate::report;
use crate::results::{MetadataResult, ParserResult, PlanResult, RateLimit, Results};
use crate::stats::Summary;

/// The python3-saml worker, written to a temporary folder at run time.
const PYTHON_WORKER: &str = include_str!("../python/parse_metadata.py");

/// Options of `cutover-bench run`.
#[derive(clap::Args)]
pub struct RunOptions {
    /// Run the small version: 1k users, a few corpus files, a 1k-entity
    /// aggregate and a small plan.
    #[arg(long)]
    quick: bool,
    /// The SAML metadata corpus folder; every `.xml` file below it is parsed.
    #[arg(long)]
    corpus: PathBuf,
    /// A Python interpreter that can import python3-saml.
    #[arg(long)]
    python: Option<PathBuf>,
    /// The reason python3-saml is unavailable, reported in place of its
    /// figures.
    #[arg(long, conflicts_with = "python")]
    python_unavailable: Option<String>,
    /// A Markdown page whose results section is replaced with the tables.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// A file for the results as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// The command recorded with the results; defaults to this process's
    /// arguments.
    #[arg(long)]
    command: Option<String>,
}

/// Sizes and repeat counts of one run.
struct Profile {
    /// Orgs read on the simulator without a rate limit, with their runs.
    inventory: Vec<(OrgSpec, u32)>,
    /// The org read with the rate limit on, its runs and the limit.
    rate_limited: (OrgSpec, u32, RateLimit),
    /// Whether only a few corpus files are parsed.
    few_corpus_files: bool,
    /// Worker runs and timed passes per run over the corpus.
    corpus_runs: (u32, u32),
    /// Entities of the generated aggregate.
    aggregate_entities: usize,
    /// Worker runs and timed passes per run over the aggregate.
    aggregate_runs: (u32, u32),
    /// The org of the plan and the evaluations timed.
    plan: (OrgSpec, u32),
}

impl Profile {
    fn full() -> Self {
        Self {
            inventory: vec![
                (OrgSpec::new(1_000, 2_000, 300), 5),
                (OrgSpec::new(10_000, 2_000, 300), 5),
                (OrgSpec::new(100_000, 2_000, 300), 3),
            ],
            rate_limited: (OrgSpec::new(10_000, 2_000, 300), 3, inventory::BENCH_RATE_LIMIT),
            few_corpus_files: false,
            corpus_runs: (5, 20),
            aggregate_entities: 10_000,
            aggregate_runs: (5, 3),
            plan: (OrgSpec::new(100_000, 2_000, 500), 7),
        }
    }

    fn quick() -> Self {
        Self {
            inventory: vec![(OrgSpec::new(1_000, 2_000, 300), 3)],
            rate_limited: (OrgSpec::new(1_000, 2_000, 300), 2, inventory::BENCH_RATE_LIMIT),
            few_corpus_files: true,
            corpus_runs: (3, 5),
            aggregate_entities: 1_000,
            aggregate_runs: (3, 3),
            plan: (OrgSpec::new(1_000, 50, 20), 5),
        }
    }
}

/// Runs every benchmark, prints the tables, writes the requested files, and
/// returns how many runs failed.
pub fn run(options: &RunOptions) -> Result<usize> {
    let profile = if options.quick { Profile::quick() } else { Profile::full() };
    let command =
        options.command.clone().unwrap_or_else(|| std::env::args().collect::<Vec<_>>().join(" "));
    let corpus = metadata::corpus_files(&options.corpus)?;
    let corpus = if profile.few_corpus_files { metadata::quick_selection(&corpus) } else { corpus };
    let work = tempfile::tempdir().context("cannot create a temporary folder")?;

    let mut results = Results {
        date: jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        command,
        quick: options.quick,
        machine: Machine::detect(),
        load_at_start: machine::load_average(),
        load_at_end: None,
        inventory: Vec::new(),
        metadata: Vec::new(),
        plan: None,
        failures: Vec::new(),
    };
    progress(&format!("machine: {}", results.machine.describe()));

    for (spec, runs) in &profile.inventory {
        let row = inventory::measure(*spec, *runs, None, work.path(), &mut results.failures)?;
        results.inventory.push(row);
    }
    let (spec, runs, limit) = profile.rate_limited;
    let row = inventory::measure(spec, runs, Some(limit), work.path(), &mut results.failures)?;
    results.inventory.push(row);

    let python = python_worker(options, work.path());
    let (runs, iterations) = profile.corpus_runs;
    results.metadata.push(measure_metadata(
        "corpus",
        &corpus,
        None,
        (runs, iterations),
        &python,
        &mut results.failures,
    ));
    let aggregate = work.path().join("aggregate.xml");
    let certificate = metadata::signing_certificate_base64()?;
    std::fs::write(&aggregate, metadata::aggregate_xml(profile.aggregate_entities, &certificate))?;
    let chosen = metadata::entity_id(profile.aggregate_entities - 1);
    results.metadata.push(measure_metadata(
        &format!("aggregate of {} entities", profile.aggregate_entities),
        &[aggregate],
        Some(&chosen),
        profile.aggregate_runs,
        &python,
        &mut results.failures,
    ));

    let (spec, runs) = profile.plan;
    results.plan = measure_plan(spec, runs, &mut results.failures);

    results.load_at_end = machine::load_average();
    let section = report::render(&results);
    print_section(&section);
    if let Some(path) = &options.json {
        std::fs::write(path, serde_json::to_string_pretty(&results)?)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    if let Some(path) = &options.markdown {
        report::write_into_page(path, &section)?;
        progress(&format!("wrote the results into {}", path.display()));
    }
    Ok(results.failures.len())
}

/// The Python interpreter and worker script, or why there is none.
type PythonWorker = Result<(PathBuf, PathBuf), String>;

fn python_worker(options: &RunOptions, dir: &Path) -> PythonWorker {
    let Some(python) = &options.python else {
        return Err(options
            .python_unavailable
            .clone()
            .unwrap_or_else(|| "no Python interpreter was given (`--python`)".to_owned()));
    };
    let script = dir.join("parse_metadata.py");
    std::fs::write(&script, PYTHON_WORKER)
        .map_err(|error| format!("cannot write the Python worker: {error}"))?;
    Ok((python.clone(), script))
}

fn measure_metadata(
    input: &str,
    files: &[PathBuf],
    entity_id: Option<&str>,
    (runs, iterations): (u32, u32),
    python: &PythonWorker,
    failures: &mut Vec<String>,
) -> MetadataResult {
    let bytes = files.iter().filter_map(|path| std::fs::metadata(path).ok()).map(|m| m.len()).sum();
    let mut arguments = vec!["--iterations".to_owned(), iterations.to_string()];
    if let Some(id) = entity_id {
        arguments.extend(["--entity-id".to_owned(), id.to_owned()]);
    }
    arguments.extend(files.iter().map(|path| path.display().to_string()));

    progress(&format!("metadata: {input}, sso-cutover, {runs} runs × {iterations} passes"));
    let rust = measure_parser(runs, iterations, || {
        let mut command = self_command("parse");
        command.args(&arguments);
        command
    });
    if let Err(reason) = &rust {
        failures.push(format!("metadata {input} with sso-cutover: {reason}"));
    }

    let python = match python {
        Ok((interpreter, script)) => {
            progress(&format!(
                "metadata: {input}, python3-saml, {runs} runs × {iterations} passes"
            ));
            measure_parser(runs, iterations, || {
                let mut command = Command::new(interpreter);
                command.arg(script).args(&arguments);
                command
            })
        }
        Err(reason) => Err(reason.clone()),
    };

    MetadataResult {
        input: input.to_owned(),
        entity_id: entity_id.map(str::to_owned),
        files: files.len(),
        bytes,
        rust,
        python,
    }
}

fn measure_parser(
    runs: u32,
    iterations: u32,
    command: impl Fn() -> Command,
) -> Result<ParserResult, String> {
    let mut reports = Vec::new();
    for _ in 0..runs {
        let report: ParseReport = run_worker(command()).map_err(|error| format!("{error:#}"))?;
        reports.push(report);
    }
    let first = reports.first().ok_or("no runs were made")?;
    if let Some(other) = reports.iter().find(|report| report.accepted != first.accepted) {
        return Err(format!(
            "accepted {} files in one run and {} in another",
            first.accepted, other.accepted
        ));
    }
    let per_pass: Vec<f64> =
        reports.iter().map(|report| report.seconds / f64::from(report.iterations.max(1))).collect();
    let kib = |field: fn(&ParseReport) -> Option<u64>| {
        let values: Option<Vec<f64>> =
            reports.iter().map(|report| field(report).map(|kib| kib as f64)).collect();
        values.and_then(|values| Summary::of(&values))
    };
    Ok(ParserResult {
        runs,
        iterations,
        seconds_per_pass: Summary::of(&per_pass).ok_or("a run reported no time")?,
        accepted: first.accepted,
        rejected: first.rejected,
        baseline_rss_kib: kib(|report| report.baseline_rss_kib),
        peak_rss_kib: kib(|report| report.peak_rss_kib),
    })
}

fn measure_plan(spec: OrgSpec, runs: u32, failures: &mut Vec<String>) -> Option<PlanResult> {
    progress(&format!(
        "plan: {} users, {} clients, {} roles, {runs} evaluations",
        spec.users, spec.clients, spec.roles
    ));
    let mut command = self_command("plan");
    command.args([
        "--users".to_owned(),
        spec.users.to_string(),
        "--clients".to_owned(),
        spec.clients.to_string(),
        "--roles".to_owned(),
        spec.roles.to_string(),
        "--runs".to_owned(),
        runs.to_string(),
    ]);
    let report: PlanReport = match run_worker(command) {
        Ok(report) => report,
        Err(error) => {
            failures.push(format!("plan evaluation: {error:#}"));
            return None;
        }
    };
    if report.users != spec.users || report.clients != spec.clients || report.roles != spec.roles {
        failures.push(format!(
            "plan evaluation read {} users, {} clients and {} roles, expected {}, {} and {}",
            report.users, report.clients, report.roles, spec.users, spec.clients, spec.roles
        ));
        return None;
    }
    let Some(evaluate_ms) = Summary::of(&report.evaluate_ms) else {
        failures.push("plan evaluation reported no times".to_owned());
        return None;
    };
    Some(PlanResult {
        users: report.users,
        clients: report.clients,
        roles: report.roles,
        evaluate_ms,
        findings: report.findings,
        blocked: report.blocked,
        baseline_rss_kib: report.baseline_rss_kib,
        peak_rss_kib: report.peak_rss_kib,
    })
}

/// Builds a command that runs this binary with a worker command.
pub fn self_command(worker: &str) -> Command {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("cutover-bench"));
    let mut command = Command::new(exe);
    command.arg(worker);
    command
}

/// Runs a worker to its end and reads the JSON report on its last line of
/// standard output.
pub fn run_worker<T: DeserializeOwned>(mut command: Command) -> Result<T> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot start worker `{program}`"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!("worker `{program}` failed ({}): {}", output.status, tail.join(" / "));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .with_context(|| format!("worker `{program}` printed no report"))?;
    serde_json::from_str(line)
        .with_context(|| format!("worker `{program}` printed an invalid report: {line}"))
}

/// Prints a progress line to standard error.
pub fn progress(message: &str) {
    eprintln!("==> cutover-bench: {message}");
}

fn print_section(section: &str) {
    println!("{section}");
}
