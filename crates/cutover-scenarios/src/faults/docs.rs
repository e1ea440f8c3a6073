//! The matrix as Markdown: the tables printed by `faults` and the page
//! `docs/reliability.md` that `faults --write-docs` writes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::calls::CallSite;
use super::crash::CrashResult;
use super::matrix::{CellResult, EndState, Fault, HTTP_RETRIES, HTTP_TIMEOUT, Side, TIMEOUT_DELAY};

/// Counts over every cell that ran.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    /// Cells that ran.
    pub(crate) cells: usize,
    /// Cells with a broken promise.
    pub(crate) failed: usize,
    /// Cells that ended in a lockout.
    pub(crate) lockouts: usize,
    /// Cells by exit code.
    pub(crate) by_exit: BTreeMap<u8, usize>,
    /// Cells by end state.
    pub(crate) by_state: BTreeMap<&'static str, usize>,
}

impl Totals {
    /// Counts the cells and crash tests.
    pub(crate) fn of(cells: &[CellResult], crashes: &[CrashResult]) -> Self {
        let mut totals = Self::default();
        for outcome in cells.iter().filter_map(|cell| cell.outcome.as_ref()) {
            totals.cells += 1;
            if !outcome.problems.is_empty() {
                totals.failed += 1;
            }
            if matches!(outcome.end_state, EndState::Lockout(_)) {
                totals.lockouts += 1;
            }
            *totals.by_exit.entry(outcome.exit_code).or_default() += 1;
            *totals.by_state.entry(outcome.end_state.name()).or_default() += 1;
        }
        for crash in crashes {
            if matches!(crash.end_state, Some(EndState::Lockout(_))) {
                totals.lockouts += 1;
            }
        }
        totals
    }
}

fn cell_text(cell: Option<&CellResult>) -> String {
    match cell.and_then(|cell| cell.outcome.as_ref()) {
        None => "n/a".to_owned(),
        Some(outcome) => {
            let mark = if outcome.problems.is_empty() { "" } else { " ✗" };
            format!("{} {}{mark}", outcome.exit_code, outcome.end_state.name())
        }
    }
}

/// Renders the table of one backend: a row per call, a column per fault.
pub(crate) fn matrix_table(sites: &[CallSite], cells: &[CellResult], side: Side) -> String {
    let mut out = String::from("| call |");
    for fault in Fault::ALL {
        let _ = write!(out, " {} |", fault.name());
    }
    out.push_str("\n|---|");
    for _ in Fault::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for (index, site) in sites.iter().enumerate() {
        let _ = write!(out, "| {} |", site.label);
        for fault in Fault::ALL {
            let cell = cells
                .iter()
                .find(|cell| cell.site == index && cell.fault == fault && cell.side == side);
            let _ = write!(out, " {} |", cell_text(cell));
        }
        out.push('\n');
    }
    out
}

/// Renders the crash tests as a table.
pub(crate) fn crash_table(crashes: &[CrashResult]) -> String {
    let mut out = String::from(
        "| stopped when | in-memory (task aborted) | simulator (process killed) |\n|---|---|---|\n",
    );
    let mut names: Vec<&str> = Vec::new();
    for crash in crashes {
        if !names.contains(&crash.boundary) {
            names.push(crash.boundary);
        }
    }
    for name in names {
        let text = |side: Side| {
            crashes.iter().find(|crash| crash.boundary == name && crash.side == side).map_or(
                "n/a".to_owned(),
                |crash| {
                    let state = crash.end_state.as_ref().map_or("not run", EndState::name);
                    if crash.problems.is_empty() {
                        format!("{state}; recovered")
                    } else {
                        format!("{state}; ✗ {}", crash.problems.join("; "))
                    }
                },
            )
        };
        let _ = writeln!(out, "| {name} | {} | {} |", text(Side::Memory), text(Side::Simulator));
    }
    out
}

/// Renders the whole page.
pub(crate) fn page(
    sites: &[CallSite],
    cells: &[CellResult],
    crashes: &[CrashResult],
    totals: &Totals,
) -> String {
    let mut out = String::new();
    let exits: Vec<String> =
        totals.by_exit.iter().map(|(code, count)| format!("exit {code}: {count}")).collect();
    let states: Vec<String> =
        totals.by_state.iter().map(|(state, count)| format!("{state}: {count}")).collect();
    let survived = survived_rows(sites, cells);
    let crash_failures = crashes.iter().filter(|crash| !crash.problems.is_empty()).count();

    let _ = write!(
        out,
        "\
# Reliability of `apply`

This page is written by `cargo xtask faults --write-docs`; edit the generator
in `crates/cutover-scenarios/src/faults/docs.rs`, not the page.

`apply` changes an org in two stages: stage 1 configures the SAML provider,
stage 2 disables native login. Each stage is verified, and a failure undoes
the stages done so far from the backup written before the first change. The
fault matrix makes every API call of a whole cutover fail in every way a
network and an API fail, one call at a time, on both backends, and checks
where the org ends.

## Summary

- Cells run: {cells} ({failed} with a broken promise).
- **Lockout end states: {lockouts}** (native login off while the new provider
  is missing or does not match the metadata). The goal is zero.
- By exit code: {exits}.
- By end state: {states}.
- Crash tests: {crash_count} ({crash_failures} with a broken promise).

## How the matrix is made

- **The org**: a generated contact-center org of 40 users (roles, grants,
  OAuth clients of two grant types, a disabled Okta trial provider), and a
  plan that creates the `generic` provider from metadata with one signing
  certificate and a logout service, then disables native login. A
  break-glass client's secret is passed, so stage 2 proves its token.
- **The calls**: recorded from a run without faults, in order. Each row is
  one call; the first token request exists only over HTTP, because the
  in-memory backend needs no token.
- **The faults**, each on the one call of its row:
  - `500`, `503`, `400`, `403`: the API's error response with that status.
  - `429 storm`: 429 with `Retry-After: 1` on the request and every repeat,
    so the storm outlasts the retry budget.
  - `dropped`: over HTTP, the simulator closes the connection without an
    answer before it handles the request. The in-memory backend has no
    connection, so it makes the change and then fails the call, as when the
    answer is lost on the way back.
  - `timeout`: over HTTP, the simulator holds the request {delay} ms and the
    client gives up after {timeout} ms; the simulator may still handle the
    request afterwards, and the org is judged after that. The in-memory
    backend fails the call at once without running it.
- **HTTP retries in this mode**: {retries} repeats with 1-5 ms backoff and a
  {timeout} ms request timeout, token requests likewise, so that a cell
  takes seconds, not minutes. A fault the backend repeats (`500`, `503`,
  `429`, dropped, timeout) lasts for every attempt; `400` and `403` are not
  repeated.
- **Checks of every cell**:
  - exit 1 only when a read before any change failed and the org is
    unchanged; exit 5 only with the org unchanged; exit 6 with any state but
    a lockout; exit 0 only with the org at the target (a fault the run
    survived);
  - never a lockout;
  - after every run that reached the backup: the backup on disk, its journal
    finished unless the exit code is 6, and `sso-cutover rollback --backup`
    exiting 0 and restoring every provider object exactly as it was.

The **end state** column is where the org ended: `unchanged` (every
provider as before), `target` (the new provider configured and native login
off, the rest as before), `partial` (anything else in which people can still
sign in, only after exit 6 or a crash) or `LOCKOUT`. A cell reads `exit-code end-state`;
`✗` marks a broken promise.

## In-memory backend

{memory}
## Simulator over HTTP

{simulator}
",
        cells = totals.cells,
        failed = totals.failed,
        lockouts = totals.lockouts,
        exits = exits.join(", "),
        states = states.join(", "),
        crash_count = crashes.len(),
        delay = TIMEOUT_DELAY.as_millis(),
        timeout = HTTP_TIMEOUT.as_millis(),
        retries = HTTP_RETRIES,
        memory = matrix_table(sites, cells, Side::Memory),
        simulator = matrix_table(sites, cells, Side::Simulator),
    );

    let _ = write!(
        out,
        "\
## Reading the matrix

- A fault in the reads before the backup ends the run with exit 1 and the
  org untouched: nothing was changed, so there is nothing to undo and no
  backup.
",
    );
    if timeouts_match_errors(cells) {
        out.push_str(&wrap_bullet(
            "Over HTTP every timeout ended like a 500 on the same call, so no request that \
             the simulator held took effect after the client gave up. A real server may \
             still handle such a request later, even after the undo; the matrix does not \
             cover that case.",
        ));
    }
    if !survived.is_empty() {
        let mut text = format!(
            "Calls whose failure `apply` survives on every backend and with every fault, \
             ending at the target with exit 0: {}.",
            survived.join(", ")
        );
        if survived.iter().any(|label| label.contains("token info")) {
            text.push_str(
                " `GET /api/v2/tokens/me` only tells `apply` which client it runs as, so \
                 that its own client is not listed as an unproven break-glass client; \
                 without it `apply` carries on.",
            );
        }
        out.push_str(&wrap_bullet(&text));
    }
    let _ = write!(
        out,
        "\
- A failed stage is undone from the backup with exit 5. Exit 6 means the
  undo itself failed; `apply` then keeps the provider of stage 1 in place
  when native login could not be turned back on, so that somebody can still
  sign in, and names the exact `rollback` command.

## Crash safety

`apply` keeps a journal beside its backup. Here the run is stopped dead at
each stage boundary: on the simulator the `sso-cutover` process is killed
while a request of the boundary is held, on the in-memory backend the engine
is aborted while a call waits. Then a new `apply` in the same backup folder
must refuse to start (exit 1, naming the rollback), `rollback --backup` must
exit 0 and restore every provider, and `apply` of the same plan must then
run to the end. The column shows the org's state just after the stop.

{crashes}",
        crashes = crash_table(crashes),
    );
    out
}

/// Tells whether every simulator cell with the timeout fault ended with the
/// exit code and end state of the 500 cell of the same call.
fn timeouts_match_errors(cells: &[CellResult]) -> bool {
    let outcome = |site: usize, fault: Fault| {
        cells
            .iter()
            .find(|cell| cell.site == site && cell.fault == fault && cell.side == Side::Simulator)
            .and_then(|cell| cell.outcome.as_ref())
            .map(|outcome| (outcome.exit_code, outcome.end_state.clone()))
    };
    cells
        .iter()
        .filter(|cell| cell.side == Side::Simulator && cell.fault == Fault::Timeout)
        .all(|cell| outcome(cell.site, Fault::Timeout) == outcome(cell.site, Fault::Status500))
}

/// Lists the rows in which every cell that ran ended with exit 0.
fn survived_rows(sites: &[CallSite], cells: &[CellResult]) -> Vec<String> {
    sites
        .iter()
        .enumerate()
        .filter(|(index, _)| {
            let mut ran = cells
                .iter()
                .filter(|cell| cell.site == *index)
                .filter_map(|cell| cell.outcome.as_ref())
                .peekable();
            ran.peek().is_some() && ran.all(|outcome| outcome.exit_code == 0)
        })
        .map(|(_, site)| format!("`{}`", site.label))
        .collect()
}

/// Wraps `text` as a Markdown bullet at 80 columns, never inside a code
/// span.
fn wrap_bullet(text: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut open_span = false;
    for word in text.split_whitespace() {
        match words.last_mut() {
            Some(last) if open_span => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_owned()),
        }
        if word.matches('`').count() % 2 == 1 {
            open_span = !open_span;
        }
    }
    let mut out = String::new();
    let mut line = String::from("-");
    for word in &words {
        if line.len() + 1 + word.len() > 80 && line.len() > 2 {
            out.push_str(&line);
            out.push('\n');
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_bullet_keeps_lines_short() {
        let text = "word ".repeat(60);
        let wrapped = wrap_bullet(&text);
        assert!(wrapped.starts_with("- word"));
        assert!(wrapped.lines().all(|line| line.len() <= 80), "{wrapped}");
        assert!(wrapped.lines().skip(1).all(|line| line.starts_with("  word")), "{wrapped}");
        assert_eq!(wrapped.split_whitespace().filter(|w| *w == "word").count(), 60);
    }

    #[test]
    fn wrap_bullet_keeps_code_spans_whole() {
        let text = format!("{} `GET /api/v2/tokens/me` only", "word ".repeat(13));
        let wrapped = wrap_bullet(&text);
        assert!(wrapped.contains("`GET /api/v2/tokens/me`"), "{wrapped}");
    }
}
