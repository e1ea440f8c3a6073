//! Comparing a run with `expected.json`, and the two runs of a scenario with
//! each other, as readable lines: `- ` for what was expected and is
//! missing, `+ ` for what came and was not expected.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context as _, Result};
use serde_json::Value;

use crate::metadata_spec::MaterialCertificate;
use crate::runner::Outcome;
use crate::scenario::{FindingLine, Scenario, fill_placeholders};

/// `expected.json` with the certificate placeholders filled in.
pub(crate) struct RenderedExpected {
    findings: Option<Vec<FindingLine>>,
    providers_after: Option<BTreeMap<String, Value>>,
}

/// Fills in the placeholders of the expected findings and providers.
pub(crate) fn render_expected(
    scenario: &Scenario,
    certificates: &BTreeMap<String, MaterialCertificate>,
) -> Result<RenderedExpected> {
    let findings = scenario
        .expected_findings
        .as_ref()
        .map(|lines| {
            lines
                .iter()
                .map(|line| {
                    let subject = fill_placeholders(&line.subject, certificates)?;
                    Ok(FindingLine { subject, ..line.clone() })
                })
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;
    let providers_after = scenario
        .expected
        .providers_after
        .as_ref()
        .map(|providers| {
            let text = serde_json::to_string(providers)?;
            let filled = fill_placeholders(&text, certificates)?;
            serde_json::from_str(&filled).context("providers_after after filling placeholders")
        })
        .transpose()?;
    Ok(RenderedExpected { findings, providers_after })
}

/// Lists every difference between `outcome` and the expectation.
pub(crate) fn against_expected(
    scenario: &Scenario,
    expected: &RenderedExpected,
    providers_before: &BTreeMap<String, Value>,
    outcome: &Outcome,
) -> Vec<String> {
    let mut lines = outcome.problems.clone();
    let spec = &scenario.expected;
    if outcome.exit_code != Some(spec.exit_code) {
        lines.push(format!(
            "exit code: expected {}, got {}",
            spec.exit_code,
            outcome.exit_code.map_or_else(|| "a signal".to_owned(), |code| code.to_string())
        ));
    }

    if let Some(expected_findings) = &expected.findings {
        match &outcome.findings {
            None => lines.push("findings: expected some, but the command wrote none".to_owned()),
            Some(actual) => lines.extend(finding_differences(expected_findings, actual)),
        }
    }
    if let Some(actual) = &outcome.findings {
        lines.extend(order_problems(actual));
        for rule in &spec.absent {
            for finding in actual.iter().filter(|finding| finding.rule == *rule) {
                lines.push(format!("+ {finding}   (rule `{rule}` must not fire here)"));
            }
        }
    }

    if let Some(stages) = &spec.stages
        && outcome.stages.as_ref() != Some(stages)
    {
        lines.push(format!("stages: expected {stages:?}, got {:?}", outcome.stages));
    }
    if let Some(result) = &spec.result
        && outcome.result.as_ref() != Some(result)
    {
        lines.push(format!("result: expected `{result}`, got {:?}", outcome.result));
    }

    if let Some(providers) = &expected.providers_after {
        lines.extend(provider_differences(providers, &outcome.providers));
    } else {
        let changed = provider_differences(providers_before, &outcome.providers);
        if !changed.is_empty() {
            lines.push("identity providers changed, but the scenario expects none:".into());
            lines.extend(changed.into_iter().map(|line| format!("  {line}")));
        }
    }

    for text in &spec.stderr_contains {
        if !outcome.stderr.contains(text.as_str()) {
            lines.push(format!("stderr does not contain `{text}`"));
        }
    }
    lines
}

/// Lists the findings missing from `actual` and the unexpected ones.
pub(crate) fn finding_differences(expected: &[FindingLine], actual: &[FindingLine]) -> Vec<String> {
    let expected_set: BTreeSet<&FindingLine> = expected.iter().collect();
    let actual_set: BTreeSet<&FindingLine> = actual.iter().collect();
    let mut lines = Vec::new();
    for missing in expected_set.difference(&actual_set) {
        lines.push(format!("- {missing}   (missing)"));
    }
    for extra in actual_set.difference(&expected_set) {
        lines.push(format!("+ {extra}   (unexpected)"));
    }
    lines
}

/// Checks the catalog's order (severity, rule, subject) and that no finding
/// appears twice.
fn order_problems(actual: &[FindingLine]) -> Vec<String> {
    let mut lines = Vec::new();
    for pair in actual.windows(2) {
        if pair[0].sort_key() > pair[1].sort_key() {
            lines.push(format!("findings out of order: `{}` before `{}`", pair[0], pair[1]));
        }
        if pair[0] == pair[1] {
            lines.push(format!("finding listed twice: `{}`", pair[0]));
        }
    }
    lines
}

/// Compares providers: the same types, and in each, every field of
/// `expected` equal. `id` and `selfUri` of `actual` are ignored unless
/// `expected` gives them, because the server assigns them.
pub(crate) fn provider_differences(
    expected: &BTreeMap<String, Value>,
    actual: &BTreeMap<String, Value>,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (kind, wanted) in expected {
        let Some(got) = actual.get(kind) else {
            lines.push(format!("- provider `{kind}`   (missing)"));
            continue;
        };
        let (Some(wanted), Some(got)) = (wanted.as_object(), got.as_object()) else {
            if wanted != got {
                lines.push(format!("provider `{kind}`: expected {wanted}, got {got}"));
            }
            continue;
        };
        for (field, value) in wanted {
            match got.get(field) {
                None => lines.push(format!("- {kind}.{field} = {value}   (missing)")),
                Some(other) if other != value => {
                    lines.push(format!("- {kind}.{field} = {value}"));
                    lines.push(format!("+ {kind}.{field} = {other}"));
                }
                Some(_) => {}
            }
        }
        for (field, value) in got {
            if !wanted.contains_key(field) && field != "id" && field != "selfUri" {
                lines.push(format!("+ {kind}.{field} = {value}   (unexpected)"));
            }
        }
    }
    for kind in actual.keys().filter(|kind| !expected.contains_key(*kind)) {
        lines.push(format!("+ provider `{kind}`   (unexpected)"));
    }
    lines
}

/// Lists the differences between the in-memory run and the simulator run.
pub(crate) fn between_backends(memory: &Outcome, simulator: &Outcome) -> Vec<String> {
    let mut lines = Vec::new();
    if memory.exit_code != simulator.exit_code {
        lines.push(format!(
            "exit code: {:?} in memory, {:?} over the simulator",
            memory.exit_code, simulator.exit_code
        ));
    }
    match (&memory.findings, &simulator.findings) {
        (Some(a), Some(b)) if a != b => {
            lines.push("findings differ (- in memory only, + over the simulator only):".into());
            let differences = finding_differences(a, b);
            if differences.is_empty() {
                lines.push("  the same findings in another order".into());
            }
            lines.extend(differences.into_iter().map(|line| format!("  {line}")));
        }
        (Some(_), None) | (None, Some(_)) => {
            lines.push("findings: only one of the runs wrote findings".into());
        }
        _ => {}
    }
    if memory.stages != simulator.stages {
        lines.push(format!(
            "stages: {:?} in memory, {:?} over the simulator",
            memory.stages, simulator.stages
        ));
    }
    if memory.result != simulator.result {
        lines.push(format!(
            "result: {:?} in memory, {:?} over the simulator",
            memory.result, simulator.result
        ));
    }
    let strip = |providers: &BTreeMap<String, Value>| -> BTreeMap<String, Value> {
        providers
            .iter()
            .map(|(kind, value)| {
                let mut value = value.clone();
                if let Some(object) = value.as_object_mut() {
                    object.remove("id");
                    object.remove("selfUri");
                }
                (kind.clone(), value)
            })
            .collect()
    };
    let differences = provider_differences(&strip(&memory.providers), &strip(&simulator.providers));
    if !differences.is_empty() {
        lines.push("providers afterwards differ (- in memory, + over the simulator):".into());
        lines.extend(differences.into_iter().map(|line| format!("  {line}")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(text: &str) -> FindingLine {
        FindingLine::parse(text).unwrap()
    }

    #[test]
    fn finding_diff_names_missing_and_unexpected() {
        let expected =
            [line("block break-glass-missing org"), line("info user-login-client oauth-client:a")];
        let actual =
            [line("info user-login-client oauth-client:a"), line("warn idp-users-unknown org")];
        let diff = finding_differences(&expected, &actual);
        assert_eq!(
            diff,
            [
                "- block break-glass-missing org   (missing)",
                "+ warn idp-users-unknown org   (unexpected)"
            ]
        );
    }

    #[test]
    fn order_problems_catch_wrong_order_and_repeats() {
        let findings = [
            line("warn idp-users-unknown org"),
            line("block break-glass-missing org"),
            line("block break-glass-missing org"),
        ];
        let problems = order_problems(&findings);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn provider_diff_ignores_server_fields() {
        let expected =
            BTreeMap::from([("generic".to_owned(), json!({"issuerURI": "a", "disabled": false}))]);
        let actual = BTreeMap::from([(
            "generic".to_owned(),
            json!({"issuerURI": "b", "disabled": false, "id": "x", "selfUri": "/y", "name": "n"}),
        )]);
        let diff = provider_differences(&expected, &actual);
        assert_eq!(
            diff,
            [
                "- generic.issuerURI = \"a\"",
                "+ generic.issuerURI = \"b\"",
                "+ generic.name = \"n\"   (unexpected)"
            ]
        );
    }

    #[test]
    fn provider_diff_names_missing_types() {
        let expected = BTreeMap::from([("okta".to_owned(), json!({}))]);
        let actual = BTreeMap::from([("generic".to_owned(), json!({}))]);
        let diff = provider_differences(&expected, &actual);
        assert_eq!(diff, ["- provider `okta`   (missing)", "+ provider `generic`   (unexpected)"]);
    }
}
