//! Markdown tables of a run's results, printed and written into
//! `docs/benchmarks.md` between two marker comments.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use crate::results::{InventoryResult, MetadataResult, PLAN_TARGET_MS, ParserResult, Results};
use crate::stats::Summary;

/// The comment that starts the generated section of the benchmarks page.
pub const BEGIN_MARKER: &str = "<!-- cutover-bench results: begin -->";
/// The comment that ends it.
pub const END_MARKER: &str = "<!-- cutover-bench results: end -->";

/// Renders the results as Markdown: a header, one table per benchmark, the
/// raw values of every run, and the failures.
pub fn render(results: &Results) -> String {
    let mut out = String::new();
    let kind = if results.quick { "quick run" } else { "full run" };
    let _ = writeln!(out, "Date: {} ({kind})  ", results.date);
    let _ = writeln!(out, "Command: `{}`  ", results.command);
    let _ = writeln!(out, "Machine: {}  ", results.machine.describe());
    let unknown = || "unknown".to_owned();
    let _ = writeln!(
        out,
        "Load average (1, 5, 15 min): {} at the start, {} at the end",
        results.load_at_start.clone().unwrap_or_else(unknown),
        results.load_at_end.clone().unwrap_or_else(unknown),
    );
    out.push('\n');
    render_inventory(&mut out, &results.inventory);
    render_metadata(&mut out, &results.metadata);
    render_plan(&mut out, results);
    render_raw(&mut out, results);
    if results.failures.is_empty() {
        out.push_str("Failed runs: none.\n");
    } else {
        out.push_str("Failed runs:\n\n");
        for failure in &results.failures {
            let _ = writeln!(out, "- {failure}");
        }
    }
    out
}

fn render_inventory(out: &mut String, rows: &[InventoryResult]) {
    if rows.is_empty() {
        return;
    }
    out.push_str("### Inventory on the simulator\n\n");
    out.push_str(
        "`collect_state` through `HttpApi` against `cutover-sim` on 127.0.0.1, no rate limit. \
         Requests are the simulator's count; the floor is ceil(N / page size) per paged \
         collection plus the organization, 11 provider `GET`s, the OAuth client list and the \
         token request. Wall time and peak RSS are the client process's; the last column \
         compares its peak RSS with the size of the org snapshot file. Medians of the runs.\n\n",
    );
    out.push_str(
        "| users | clients | roles | runs | failed | requests | floor | requests / floor | \
         wall (ms) | wall vs. smallest org | peak RSS (MiB) | snapshot (MiB) | RSS / snapshot |\n",
    );
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    let unlimited: Vec<&InventoryResult> =
        rows.iter().filter(|row| row.rate_limit.is_none()).collect();
    let smallest = unlimited.iter().min_by_key(|row| row.users).and_then(|row| row.wall_ms.clone());
    for row in &unlimited {
        let peak_kib = row.peak_rss_kib.as_ref().map(|summary| summary.median);
        let snapshot_kib = row.snapshot_bytes as f64 / 1024.0;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.users,
            row.clients,
            row.roles,
            row.runs,
            row.failed_runs,
            median(row.requests.as_ref(), 0),
            row.request_floor,
            ratio_of(row.requests.as_ref(), Some(row.request_floor as f64)),
            median(row.wall_ms.as_ref(), 1),
            ratio_of(row.wall_ms.as_ref(), smallest.as_ref().map(|summary| summary.median)),
            mib(peak_kib),
            mib(Some(snapshot_kib)),
            peak_kib.map_or_else(|| "—".to_owned(), |kib| ratio(kib, snapshot_kib)),
        );
    }
    out.push('\n');

    let limited: Vec<&InventoryResult> =
        rows.iter().filter(|row| row.rate_limit.is_some()).collect();
    if limited.is_empty() {
        return;
    }
    out.push_str(
        "With the simulator's rate limit on. Every request over the floor is a repeat of a \
         request the limit turned away with 429, so the 429 column is requests minus floor; the \
         last column compares the wall time with the same org read without a limit.\n\n",
    );
    out.push_str(
        "| users | rate limit | runs | failed | requests | floor | 429s | wall (ms) | \
         vs. no limit | peak RSS (MiB) |\n",
    );
    out.push_str("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for row in limited {
        let limit = row.rate_limit.map_or_else(String::new, |limit| {
            format!("{} per {} s", limit.requests, limit.window_seconds)
        });
        let free = unlimited
            .iter()
            .find(|other| other.users == row.users)
            .and_then(|other| other.wall_ms.as_ref())
            .map(|summary| summary.median);
        let _ = writeln!(
            out,
            "| {} | {limit} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.users,
            row.runs,
            row.failed_runs,
            median(row.requests.as_ref(), 0),
            row.request_floor,
            median(row.rate_limited_responses.as_ref(), 0),
            median(row.wall_ms.as_ref(), 1),
            ratio_of(row.wall_ms.as_ref(), free),
            mib(row.peak_rss_kib.as_ref().map(|summary| summary.median)),
        );
    }
    out.push('\n');
}

/// Formats the ratio of a summary's median to `base`, or a dash when either
/// is missing.
fn ratio_of(summary: Option<&Summary>, base: Option<f64>) -> String {
    match (summary, base) {
        (Some(summary), Some(base)) => ratio(summary.median, base),
        _ => "—".to_owned(),
    }
}

fn render_metadata(out: &mut String, rows: &[MetadataResult]) {
    if rows.is_empty() {
        return;
    }
    out.push_str("### Metadata parsing\n\n");
    out.push_str(
        "`cutover_saml::parse_metadata` (parses, checks and decodes the chosen IdP's \
         certificates) against python3-saml's `OneLogin_Saml2_IdPMetadataParser.parse`, each in \
         its own process over the same files in memory. Time per pass over all files, median \
         of the runs. Baseline is the worker's RSS with the files read; RSS added is its peak \
         while parsing minus the baseline. The last two columns are python3-saml's time and \
         added RSS divided by ours.\n\n",
    );
    out.push_str(
        "| input | files | size (KiB) | parser | runs × passes | time / pass (ms) | MB/s | \
         files/s | accepted / rejected | peak RSS (MiB) | baseline (MiB) | RSS added (MiB) | \
         speed vs. python3-saml | RSS added vs. python3-saml |\n",
    );
    out.push_str("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for row in rows {
        let python = row.python.as_ref().ok();
        let input = match &row.entity_id {
            Some(id) => format!("{} (`{id}`)", row.input),
            None => row.input.clone(),
        };
        let size = format!("{:.0}", row.bytes as f64 / 1024.0);
        for (name, parser) in [("sso-cutover", &row.rust), ("python3-saml", &row.python)] {
            let result = match parser {
                Ok(result) => result,
                Err(reason) => {
                    let reason = reason.replace('|', "\\|").replace('\n', " ");
                    let _ = writeln!(
                        out,
                        "| {input} | {} | {size} | {name} | unavailable: {reason} \
                         | | | | | | | | | |",
                        row.files,
                    );
                    continue;
                }
            };
            let seconds = result.seconds_per_pass.median;
            let (speed, memory) = match (name, python) {
                ("sso-cutover", Some(python)) => (
                    ratio(python.seconds_per_pass.median, seconds),
                    match (rss_added_kib(python), rss_added_kib(result)) {
                        (Some(theirs), Some(ours)) => ratio(theirs, ours),
                        _ => "—".to_owned(),
                    },
                ),
                ("sso-cutover", None) => ("unavailable".to_owned(), "unavailable".to_owned()),
                _ => ("1.00x".to_owned(), "1.00x".to_owned()),
            };
            let _ = writeln!(
                out,
                "| {input} | {} | {size} | {name} | {} × {} | {:.2} | {:.1} | {:.0} | {} / {} \
                 | {} | {} | {} | {speed} | {memory} |",
                row.files,
                result.runs,
                result.iterations,
                seconds * 1000.0,
                row.bytes as f64 / 1e6 / seconds,
                row.files as f64 / seconds,
                result.accepted,
                result.rejected,
                mib(result.peak_rss_kib.as_ref().map(|summary| summary.median)),
                mib(result.baseline_rss_kib.as_ref().map(|summary| summary.median)),
                mib(rss_added_kib(result)),
            );
        }
    }
    out.push('\n');
}

/// Returns the median peak RSS minus the median baseline, in KiB.
fn rss_added_kib(result: &ParserResult) -> Option<f64> {
    let peak = result.peak_rss_kib.as_ref()?.median;
    let baseline = result.baseline_rss_kib.as_ref()?.median;
    Some((peak - baseline).max(0.0))
}

fn render_plan(out: &mut String, results: &Results) {
    let Some(plan) = &results.plan else {
        return;
    };
    out.push_str("### Plan evaluation\n\n");
    out.push_str(
        "`cutover_policy::evaluate` over the org as `collect_state` reads it from the in-memory \
         backend; the change configures Okta, disables native login, names two break-glass \
         clients and brings an IdP user list. Target: under 1 s.\n\n",
    );
    out.push_str(
        "| users | clients | roles | runs | median (ms) | min (ms) | max (ms) | vs. 1 s target \
         | findings | blocked | peak RSS (MiB) | RSS before (MiB) |\n",
    );
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {} | {} |",
        plan.users,
        plan.clients,
        plan.roles,
        plan.evaluate_ms.values.len(),
        plan.evaluate_ms.median,
        plan.evaluate_ms.min,
        plan.evaluate_ms.max,
        ratio(plan.evaluate_ms.median, PLAN_TARGET_MS),
        plan.findings,
        plan.blocked,
        mib(plan.peak_rss_kib.map(|kib| kib as f64)),
        mib(plan.baseline_rss_kib.map(|kib| kib as f64)),
    );
    out.push('\n');
}

fn render_raw(out: &mut String, results: &Results) {
    out.push_str("### Raw values per run\n\n");
    for row in &results.inventory {
        let label = match row.rate_limit {
            Some(limit) => format!(
                "inventory {} users, {} per {} s",
                row.users, limit.requests, limit.window_seconds
            ),
            None => format!("inventory {} users", row.users),
        };
        raw_line(out, &format!("{label}: wall ms"), row.wall_ms.as_ref(), 1);
        raw_line(out, &format!("{label}: requests"), row.requests.as_ref(), 0);
        raw_line(out, &format!("{label}: 429s"), row.rate_limited_responses.as_ref(), 0);
        raw_line(out, &format!("{label}: peak RSS KiB"), row.peak_rss_kib.as_ref(), 0);
    }
    for row in &results.metadata {
        for (name, parser) in [("sso-cutover", &row.rust), ("python3-saml", &row.python)] {
            if let Ok(result) = parser {
                let seconds = scaled(&result.seconds_per_pass, 1000.0);
                raw_line(out, &format!("{} {name}: ms per pass", row.input), Some(&seconds), 3);
                raw_line(
                    out,
                    &format!("{} {name}: peak RSS KiB", row.input),
                    result.peak_rss_kib.as_ref(),
                    0,
                );
            }
        }
    }
    if let Some(plan) = &results.plan {
        raw_line(out, "plan evaluate ms", Some(&plan.evaluate_ms), 2);
    }
    out.push('\n');
}

fn raw_line(out: &mut String, label: &str, summary: Option<&Summary>, decimals: usize) {
    let Some(summary) = summary else {
        return;
    };
    let values: Vec<String> =
        summary.values.iter().map(|value| format!("{value:.decimals$}")).collect();
    let _ = writeln!(out, "- {label}: {}", values.join(", "));
}

fn scaled(summary: &Summary, factor: f64) -> Summary {
    let values: Vec<f64> = summary.values.iter().map(|value| value * factor).collect();
    Summary::of(&values).unwrap_or_default()
}

fn median(summary: Option<&Summary>, decimals: usize) -> String {
    summary.map_or_else(|| "—".to_owned(), |s| format!("{:.decimals$}", s.median))
}

fn mib(kib: Option<f64>) -> String {
    kib.map_or_else(|| "—".to_owned(), |kib| format!("{:.1}", kib / 1024.0))
}

/// Formats `value / base` as a ratio such as `2.50x`, with at least two
/// significant digits for ratios under 0.1.
fn ratio(value: f64, base: f64) -> String {
    if base <= 0.0 {
        return "—".to_owned();
    }
    let ratio = value / base;
    let decimals = if ratio > 0.0 && ratio < 0.1 {
        (1.0 - ratio.log10().floor()).min(9.0) as usize
    } else {
        2
    };
    format!("{ratio:.decimals$}x")
}

/// Replaces the section between [`BEGIN_MARKER`] and [`END_MARKER`] of
/// `page` with `section`, or appends a marked section when there is none.
pub fn replace_section(page: &str, section: &str) -> String {
    let marked = format!("{BEGIN_MARKER}\n\n{}\n{END_MARKER}", section.trim_end());
    match (page.find(BEGIN_MARKER), page.find(END_MARKER)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{marked}{}", &page[..begin], &page[end + END_MARKER.len()..])
        }
        _ => format!("{}\n\n{marked}\n", page.trim_end()),
    }
}

/// Writes `section` into the page at `path`, creating the page if needed.
pub fn write_into_page(path: &Path, section: &str) -> Result<()> {
    let page = match std::fs::read_to_string(path) {
        Ok(page) => page,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read `{}`", path.display()));
        }
    };
    std::fs::write(path, replace_section(&page, section))
        .with_context(|| format!("cannot write `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::RateLimit;

    #[test]
    fn section_replaced_between_markers() {
        let page = format!("# Title\n\nintro\n\n{BEGIN_MARKER}\nold\n{END_MARKER}\n\nafter\n");
        let updated = replace_section(&page, "new table\n");
        assert!(updated.contains("intro"));
        assert!(updated.contains("after"));
        assert!(updated.contains("new table"));
        assert!(!updated.contains("old"));
        assert_eq!(updated.matches(BEGIN_MARKER).count(), 1);
    }

    #[test]
    fn section_appended_without_markers() {
        let updated = replace_section("# Title\n", "table");
        assert!(updated.starts_with("# Title\n\n"));
        assert!(updated.contains(&format!("{BEGIN_MARKER}\n\ntable\n{END_MARKER}")));
    }

    #[test]
    fn ratio_formats_two_decimals() {
        assert_eq!(ratio(3.0, 2.0), "1.50x");
        assert_eq!(ratio(1.0, 0.0), "—");
    }

    #[test]
    fn ratio_keeps_small_values_readable() {
        assert_eq!(ratio(0.145, 1000.0), "0.00015x");
        assert_eq!(ratio(45.0, 1000.0), "0.045x");
        assert_eq!(ratio(0.0, 1000.0), "0.00x");
    }

    fn inventory_row(
        rate_limit: Option<RateLimit>,
        wall_ms: f64,
        requests: f64,
    ) -> InventoryResult {
        InventoryResult {
            users: 1000,
            clients: 2000,
            roles: 300,
            snapshot_bytes: 1024 * 1024,
            rate_limit,
            runs: 1,
            failed_runs: 0,
            request_floor: 24,
            requests: Summary::of(&[requests]),
            rate_limited_responses: rate_limit.and_then(|_| Summary::of(&[requests - 24.0])),
            wall_ms: Summary::of(&[wall_ms]),
            peak_rss_kib: Summary::of(&[2048.0]),
        }
    }

    #[test]
    fn inventory_tables_compare_rows() {
        let limit = RateLimit { requests: 10, window_seconds: 1 };
        let rows = [inventory_row(None, 20.0, 24.0), inventory_row(Some(limit), 2000.0, 27.0)];
        let mut text = String::new();
        render_inventory(&mut text, &rows);
        assert!(
            text.contains(
                "| 1000 | 2000 | 300 | 1 | 0 | 24 | 24 | 1.00x | 20.0 | 1.00x | 2.0 | 1.0 | 2.00x |"
            ),
            "{text}"
        );
        assert!(
            text.contains("| 1000 | 10 per 1 s | 1 | 0 | 27 | 24 | 3 | 2000.0 | 100.00x | 2.0 |"),
            "{text}"
        );
    }

    fn parser_result(seconds: f64, baseline_kib: f64, peak_kib: f64) -> ParserResult {
        ParserResult {
            runs: 1,
            iterations: 2,
            seconds_per_pass: Summary::of(&[seconds]).unwrap(),
            accepted: 1,
            rejected: 0,
            baseline_rss_kib: Summary::of(&[baseline_kib]),
            peak_rss_kib: Summary::of(&[peak_kib]),
        }
    }

    #[test]
    fn metadata_rows_compare_with_python() {
        let row = MetadataResult {
            input: "aggregate".into(),
            entity_id: Some("https://idp.example/".into()),
            files: 1,
            bytes: 1_000_000,
            rust: Ok(parser_result(0.002, 4096.0, 5120.0)),
            python: Ok(parser_result(0.020, 20480.0, 24576.0)),
        };
        let mut text = String::new();
        render_metadata(&mut text, &[row]);
        assert!(
            text.contains(
                "| sso-cutover | 1 × 2 | 2.00 | 500.0 | 500 | 1 / 0 | 5.0 | 4.0 | 1.0 | 10.00x \
                 | 4.00x |"
            ),
            "{text}"
        );
        assert!(text.contains("| python3-saml | 1 × 2 | 20.00 | 50.0 | 50 |"), "{text}");
    }

    #[test]
    fn unavailable_python_rendered_with_reason() {
        let results = Results {
            date: "2026-01-01T00:00:00Z".into(),
            command: "cargo xtask bench --quick".into(),
            quick: true,
            machine: crate::machine::Machine {
                cores: 2,
                memory_kib: Some(2 * 1024 * 1024),
                cpu_model: None,
                kernel: None,
            },
            load_at_start: Some("0.10 0.20 0.30".into()),
            load_at_end: None,
            inventory: Vec::new(),
            metadata: vec![MetadataResult {
                input: "corpus".into(),
                entity_id: None,
                files: 2,
                bytes: 2048,
                rust: Ok(ParserResult {
                    runs: 1,
                    iterations: 1,
                    seconds_per_pass: Summary::of(&[0.002]).unwrap(),
                    accepted: 1,
                    rejected: 1,
                    baseline_rss_kib: None,
                    peak_rss_kib: None,
                }),
                python: Err("python3 not found".into()),
            }],
            plan: None,
            failures: Vec::new(),
        };
        let text = render(&results);
        assert!(text.contains("2 cores, 2.0 GiB memory"), "{text}");
        assert!(text.contains("0.10 0.20 0.30 at the start, unknown at the end"), "{text}");
        assert!(text.contains("| python3-saml | unavailable: python3 not found |"), "{text}");
        assert!(text.contains("| sso-cutover | 1 × 1 | 2.00 |"), "{text}");
        assert!(text.contains("| unavailable | unavailable |"), "{text}");
        assert!(text.contains("Failed runs: none."), "{text}");
    }
}
