//! `cutover-scenarios scenarios`: every scenario folder, run in parallel
//! with bounded concurrency, with the rule coverage check first.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use cutover_policy::RuleId;
use futures::StreamExt as _;
use jiff::Timestamp;

use crate::compare::{against_expected, between_backends, render_expected};
use crate::process::Tools;
use crate::runner::{Backend, prepare, run_once};
use crate::scenario::Scenario;

/// Options of a scenario run.
#[derive(Clone, Debug)]
pub(crate) struct SuiteOptions {
    /// The folder that contains one folder per scenario.
    pub(crate) dir: PathBuf,
    /// Run only scenarios whose name contains this text.
    pub(crate) filter: Option<String>,
    /// Scenarios run at once.
    pub(crate) jobs: usize,
}

/// Reads every scenario folder under `dir`, sorted by name.
pub(crate) fn load_all(dir: &Path) -> Result<Vec<Scenario>> {
    // Absolute paths, because the commands run in a temporary folder.
    let dir = std::path::absolute(dir)
        .with_context(|| format!("resolving the scenario folder `{}`", dir.display()))?;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading the scenario folder `{}`", dir.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("expected.json").is_file())
        .collect();
    dirs.sort();
    let mut scenarios = Vec::new();
    for path in dirs {
        scenarios
            .push(Scenario::load(&path).with_context(|| format!("scenario `{}`", path.display()))?);
    }
    Ok(scenarios)
}

/// Rules that no scenario fires, and rules that no scenario checks absent.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Coverage {
    /// Rules that no `expected.json` lists in `findings`.
    pub(crate) never_fired: Vec<&'static str>,
    /// Rules that no `expected.json` lists in `absent`.
    pub(crate) never_absent: Vec<&'static str>,
}

impl Coverage {
    /// Works out the coverage of the catalog from the expected files.
    pub(crate) fn of(scenarios: &[Scenario]) -> Self {
        let fired: BTreeSet<&str> = scenarios
            .iter()
            .flat_map(|scenario| scenario.expected_findings.iter().flatten())
            .map(|finding| finding.rule.as_str())
            .collect();
        let absent: BTreeSet<&str> = scenarios
            .iter()
            .flat_map(|scenario| scenario.expected.absent.iter())
            .map(String::as_str)
            .collect();
        let all = RuleId::ALL.iter().map(|rule| rule.as_str());
        Self {
            never_fired: all.clone().filter(|rule| !fired.contains(rule)).collect(),
            never_absent: all.filter(|rule| !absent.contains(rule)).collect(),
        }
    }

    fn is_complete(&self) -> bool {
        self.never_fired.is_empty() && self.never_absent.is_empty()
    }
}

/// The result of one scenario.
struct ScenarioResult {
    name: String,
    description: String,
    /// Every problem, each section headed by what it compares.
    report: Vec<(String, Vec<String>)>,
}

impl ScenarioResult {
    fn passed(&self) -> bool {
        self.report.iter().all(|(_, lines)| lines.is_empty())
    }
}

/// Runs the suite and fails when a scenario fails or the coverage is
/// incomplete.
pub(crate) async fn run(options: &SuiteOptions, tools: &Tools) -> Result<()> {
    let started = Instant::now();
    let all = load_all(&options.dir)?;
    if all.is_empty() {
        bail!("no scenario found under `{}`", options.dir.display());
    }
    let coverage = Coverage::of(&all);
    let selected: Vec<&Scenario> = all
        .iter()
        .filter(|scenario| options.filter.as_ref().is_none_or(|text| scenario.name.contains(text)))
        .collect();
    eprintln!(
        "running {} of {} scenarios, {} at a time, each against the in-memory backend and the \
         simulator",
        selected.len(),
        all.len(),
        options.jobs
    );

    let results: Vec<ScenarioResult> = futures::stream::iter(selected)
        .map(|scenario| run_scenario(scenario, tools))
        .buffer_unordered(options.jobs.max(1))
        .inspect(|result| {
            let mark = if result.passed() { "ok  " } else { "FAIL" };
            eprintln!("{mark} {}", result.name);
        })
        .collect()
        .await;

    let mut failed: Vec<&ScenarioResult> = results.iter().filter(|r| !r.passed()).collect();
    failed.sort_by(|a, b| a.name.cmp(&b.name));
    for result in &failed {
        eprintln!("{}", render_failure(result));
    }
    let fired = RuleId::ALL.len() - coverage.never_fired.len();
    let absent = RuleId::ALL.len() - coverage.never_absent.len();
    eprintln!(
        "{} scenarios, {} passed, {} failed; rules fired {fired}/{total}, checked absent \
         {absent}/{total}; {:.1} s",
        results.len(),
        results.len() - failed.len(),
        failed.len(),
        started.elapsed().as_secs_f64(),
        total = RuleId::ALL.len(),
    );
    if !coverage.is_complete() {
        if !coverage.never_fired.is_empty() {
            eprintln!("rules no scenario fires: {}", coverage.never_fired.join(", "));
        }
        if !coverage.never_absent.is_empty() {
            eprintln!("rules no scenario checks absent: {}", coverage.never_absent.join(", "));
        }
    }
    if !failed.is_empty() {
        bail!("{} scenario(s) failed", failed.len());
    }
    if !coverage.is_complete() {
        bail!(
            "the scenarios do not cover every rule of the catalog; add scenarios for the rules above"
        );
    }
    Ok(())
}

async fn run_scenario(scenario: &Scenario, tools: &Tools) -> ScenarioResult {
    let mut report = Vec::new();
    match run_both(scenario, tools).await {
        Ok(sections) => report.extend(sections),
        Err(error) => report.push(("could not run".to_owned(), vec![format!("{error:#}")])),
    }
    ScenarioResult {
        name: scenario.name.clone(),
        description: scenario.expected.description.clone(),
        report,
    }
}

async fn run_both(scenario: &Scenario, tools: &Tools) -> Result<Vec<(String, Vec<String>)>> {
    let prepared = prepare(scenario, Timestamp::now())?;
    let expected = render_expected(scenario, &prepared.certificates)?;
    let memory = run_once(scenario, &prepared, tools, Backend::Memory).await?;
    let simulator = run_once(scenario, &prepared, tools, Backend::Simulator).await?;

    let mut sections = Vec::new();
    for outcome in [&memory, &simulator] {
        let mut lines = against_expected(scenario, &expected, &prepared.providers_before, outcome);
        if !lines.is_empty() {
            lines.push(format!("command: {}", outcome.command_line));
            lines.extend(stderr_tail(&outcome.stderr));
        }
        sections.push((format!("{} vs expected.json", outcome.backend.name()), lines));
    }
    sections.push(("in-memory vs simulator".to_owned(), between_backends(&memory, &simulator)));
    Ok(sections)
}

fn stderr_tail(stderr: &str) -> Vec<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    if lines.is_empty() {
        return vec!["stderr: empty".to_owned()];
    }
    let start = lines.len().saturating_sub(15);
    let mut tail = vec![format!("stderr (last {} lines):", lines.len() - start)];
    tail.extend(lines[start..].iter().map(|line| format!("  | {line}")));
    tail
}

fn render_failure(result: &ScenarioResult) -> String {
    let mut out = format!("\n=== FAIL {} ===\n{}\n", result.name, result.description);
    for (title, lines) in result.report.iter().filter(|(_, lines)| !lines.is_empty()) {
        let _ = writeln!(out, "{title}:");
        for line in lines {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_scenarios_load_and_cover_the_catalog() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
        let scenarios = load_all(&dir).unwrap();
        assert!(scenarios.len() >= 30, "only {} scenarios", scenarios.len());
        let coverage = Coverage::of(&scenarios);
        assert_eq!(coverage, Coverage::default());
    }
}
