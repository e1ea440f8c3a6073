//! `plan`: reads the org, evaluates every rule and shows the exact change.
//!
//! Waivers pair `--accept RULE` with `--reason TEXT`: give one `--reason` per
//! `--accept`, in the same order, or a single `--reason` that applies to
//! every `--accept`. A waiver of a rule that cannot be waived, or without a
//! reason, is a usage error (exit 2) found before the org is read.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cutover_api::{GrantScope, OrgState};
use cutover_policy::{
    Change, DesiredChange, Evaluation, IdpUserList, PlanDocument, PlanSource, Severity, Waiver,
};
use jiff::Timestamp;
use owo_colors::OwoColorize;
use serde_json::Value;

use crate::cli::PlanInputs;
use crate::commands::metadata::{parse, read_metadata_source};
use crate::commands::{findings_table, policy_error, read_org};
use crate::context::Backend;
use crate::exit::{CliError, Exit};
use crate::output::Printer;

/// Plan inputs that were read and checked without the org: the desired
/// change and what the plan document records about its sources.
#[derive(Clone, Debug)]
pub struct PreparedPlan {
    /// The change the rules evaluate.
    pub change: DesiredChange,
    /// The metadata document's bytes, recorded in the plan.
    pub metadata: Vec<u8>,
    /// `--entity-id`, when given.
    pub entity_id: Option<String>,
    /// `--plan-out`, when given.
    pub plan_out: Option<PathBuf>,
}

/// A plan made against the org as read now.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The plan document.
    pub document: PlanDocument,
    /// The evaluation it was made from, with the provider body.
    pub evaluation: Evaluation,
    /// The org as read.
    pub state: OrgState,
}

/// Pairs `--accept` with `--reason` values (see the module docs) and checks
/// each waiver. Fails with exit 2 naming the rule.
pub fn parse_waivers(accept: &[String], reasons: &[String]) -> Result<Vec<Waiver>, CliError> {
    if accept.is_empty() {
        if reasons.is_empty() {
            return Ok(Vec::new());
        }
        return Err(CliError::usage(
            "--reason was given without --accept; name the rule to waive with --accept RULE",
        ));
    }
    let paired: Vec<(&String, Option<&String>)> = match reasons.len() {
        0 => accept.iter().map(|rule| (rule, None)).collect(),
        1 => accept.iter().map(|rule| (rule, reasons.first())).collect(),
        n if n == accept.len() => accept.iter().zip(reasons.iter().map(Some)).collect(),
        n => {
            return Err(CliError::usage(format!(
                "{} --accept flags but {n} --reason flags; give one --reason per --accept in the \
                 same order, or a single --reason for all",
                accept.len()
            )));
        }
    };
    paired
        .into_iter()
        .map(|(rule, reason)| Waiver::parse(rule, reason.map(String::as_str)).map_err(policy_error))
        .collect()
}

/// Reads and checks every plan input that needs no org: waivers first (exit
/// 2), then the metadata and the IdP user list (exit 1 when unreadable).
pub async fn prepare(metadata_source: &str, inputs: &PlanInputs) -> Result<PreparedPlan, CliError> {
    let waivers = parse_waivers(&inputs.accept, &inputs.reason)?;
    let metadata = read_metadata_source(metadata_source).await?;
    let parsed = parse(&metadata, inputs.entity_id.as_deref())?;
    let idp_users = inputs.idp_users.as_deref().map(read_idp_users).transpose()?;

    let mut change = DesiredChange::new(inputs.provider.into(), parsed);
    change.name.clone_from(&inputs.name);
    change.disable_native_login = inputs.disable_native_login;
    change.break_glass_clients.clone_from(&inputs.break_glass_clients);
    change.idp_users = idp_users;
    change.waivers = waivers;
    change.strict = inputs.strict;
    change.cert_warn_days = inputs.cert_warn_days;
    Ok(PreparedPlan {
        change,
        metadata,
        entity_id: inputs.entity_id.clone(),
        plan_out: inputs.plan_out.clone(),
    })
}

fn read_idp_users(path: &Path) -> Result<IdpUserList, CliError> {
    let bytes =
        crate::files::read_capped(path, crate::files::MAX_IDP_USERS_BYTES, "an IdP user list")
            .map_err(|error| {
                CliError::input(format!(
                    "--idp-users: {error}; check the path, and pass a text file with one email \
                     address per line"
                ))
            })?;
    IdpUserList::parse_bytes(&bytes).map_err(|error| {
        CliError::input(format!("the IdP user list `{}`: {error}", path.display()))
    })
}

/// Reads the org and evaluates the prepared change against it.
pub async fn make_plan(
    prepared: &PreparedPlan,
    backend: &Backend,
    printer: &Printer,
) -> Result<Planned, CliError> {
    let state = read_org(backend, printer, GrantScope::IdpAdminRoles).await?;
    let now = Timestamp::now();
    let evaluation =
        cutover_policy::evaluate(&state, &prepared.change, now).map_err(policy_error)?;
    let source = PlanSource {
        created_at: now,
        region: backend.region(),
        entity_id: prepared.entity_id.as_deref(),
        metadata: &prepared.metadata,
    };
    let document = PlanDocument::new(&evaluation, &state, &prepared.change, &source);
    Ok(Planned { document, evaluation, state })
}

/// Runs `plan`: exit 3 when the plan is blocked, else 0.
pub async fn run(
    prepared: &PreparedPlan,
    backend: &Backend,
    printer: &Printer,
) -> Result<Exit, CliError> {
    let planned = make_plan(prepared, backend, printer).await?;
    if let Some(path) = &prepared.plan_out {
        write_plan(path, &planned.document)?;
        printer.note(format!("wrote the plan to {}", path.display()));
    }
    printer.emit(&planned.document, || render(&planned.document))?;
    Ok(if planned.document.blocked { Exit::Blocked } else { Exit::Success })
}

/// Writes a plan document with mode 0600 through a temporary file.
pub fn write_plan(path: &Path, document: &PlanDocument) -> Result<(), CliError> {
    let mut text = document.to_json_pretty();
    text.push('\n');
    crate::files::write_replacing(path, text.as_bytes()).map_err(|error| {
        CliError::input(format!(
            "could not write the plan to `{}`: {error}; choose a path in a writable folder",
            path.display()
        ))
    })
}

/// Renders a plan for people: the findings, then each stage's calls with a
/// field-by-field diff of the provider body, then the verdict and next step.
pub fn render(document: &PlanDocument) -> String {
    let mut out = render_changes(document);
    out.push_str(&render_verdict(document));
    out
}

/// Renders the findings and each stage's calls, without the verdict.
pub fn render_changes(document: &PlanDocument) -> String {
    let mut out = format!(
        "Plan for {} ({}) in {}\nState fingerprint: {}\n",
        document.organization.name,
        document.organization.id,
        document.region,
        document.state_fingerprint
    );

    let count = |severity: Severity| {
        document.findings.iter().filter(|finding| finding.severity == severity).count()
    };
    let waived = document.findings.iter().filter(|finding| finding.waived).count();
    if document.findings.is_empty() {
        out.push_str("\nNo findings.\n");
    } else {
        let _ = writeln!(
            out,
            "\nFindings: {} block, {} warn{}, {} info, {waived} waived\n{}",
            count(Severity::Block),
            count(Severity::Warn),
            if document.inputs.strict { " (warnings block under --strict)" } else { "" },
            count(Severity::Info),
            findings_table(&document.findings)
        );
    }

    if document.stages.is_empty() {
        out.push_str("\nNo changes: the org already matches the requested configuration.\n");
    } else {
        out.push_str("\nChanges\n");
        for stage in &document.stages {
            let _ = writeln!(out, "Stage {}: {}", stage.stage, stage.description);
            for change in &stage.changes {
                out.push_str(&render_change(change));
            }
        }
    }

    out
}

fn render_verdict(document: &PlanDocument) -> String {
    let mut out = String::new();
    let warnings = document
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Warn && !finding.waived)
        .count();
    let blocking = document.findings.iter().filter(|finding| finding.blocks(false)).count();
    if document.blocked {
        let reason = if document.inputs.strict && warnings > 0 && blocking == 0 {
            format!("{warnings} warning(s), which block because --strict makes warnings block")
        } else if document.inputs.strict && warnings > 0 {
            format!(
                "{blocking} blocking finding(s) and {warnings} warning(s), which block because \
                 --strict makes warnings block"
            )
        } else {
            format!("{blocking} blocking finding(s)")
        };
        let _ = write!(
            out,
            "\n{} {reason}; fix them, or waive a waivable rule with --accept RULE --reason \
             TEXT, then plan again\n",
            "Blocked:".bold().red(),
        );
    } else if document.stages.is_empty() {
        let _ = writeln!(out, "\n{} nothing to apply", "Ready:".bold().green());
    } else {
        let _ = write!(
            out,
            "\n{} run `sso-cutover apply` with the same flags, or `sso-cutover apply --plan \
             PATH` with a plan written by --plan-out\n",
            "Ready:".bold().green()
        );
    }
    out
}

/// Renders one API call: `+` marks a new field, `~` a changed one and `-` a
/// removed one. Unchanged fields are only counted.
fn render_change(change: &Change) -> String {
    let empty = serde_json::Map::new();
    let before = change.before.as_ref().and_then(Value::as_object);
    let after = change.after.as_object().unwrap_or(&empty);
    let verb = if before.is_some() { "update" } else { "create" };
    let marker = if before.is_some() { "~".yellow().to_string() } else { "+".green().to_string() };
    let method = serde_json::to_value(change.action)
        .ok()
        .and_then(|value| value.as_str().map(str::to_uppercase))
        .unwrap_or_else(|| "PUT".to_owned());
    let mut out = format!("  {marker} {method} {} ({verb})\n", change.resource);

    let before = before.unwrap_or(&empty);
    let width = after.keys().chain(before.keys()).map(String::len).max().unwrap_or(0);
    let mut unchanged = 0;
    for (key, new) in after {
        match before.get(key) {
            None => {
                let _ = writeln!(out, "      {} {key:width$} = {}", "+".green(), show_value(new));
            }
            Some(old) if old == new => unchanged += 1,
            Some(old) => {
                let _ = writeln!(
                    out,
                    "      {} {key:width$} = {} -> {}",
                    "~".yellow(),
                    show_value(old),
                    show_value(new)
                );
            }
        }
    }
    for (key, old) in before {
        if !after.contains_key(key) {
            let _ = writeln!(out, "      {} {key:width$} = {}", "-".red(), show_value(old));
        }
    }
    if unchanged > 0 {
        let _ = writeln!(out, "      ({unchanged} unchanged field(s) not shown)");
    }
    out
}

/// Maximum length of a string shown whole; certificates are far longer.
const MAX_SHOWN_CHARS: usize = 72;

fn show_value(value: &Value) -> String {
    match value {
        Value::String(text) => show_string(text),
        Value::Array(items) => {
            let shown: Vec<String> = items.iter().map(show_value).collect();
            format!("[{}]", shown.join(", "))
        }
        other => other.to_string(),
    }
}

fn show_string(text: &str) -> String {
    let length = text.chars().count();
    if length <= MAX_SHOWN_CHARS {
        return format!("{text:?}");
    }
    let head: String = text.chars().take(24).collect();
    format!("\"{head}...\" ({length} characters)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|value| (*value).to_owned()).collect()
    }

    #[test]
    fn waivers_pair_in_order() {
        let waivers = parse_waivers(
            &strings(&["password-grant-client", "users-not-in-idp"]),
            &strings(&["first", "second"]),
        )
        .unwrap();
        assert_eq!(waivers.len(), 2);
        assert_eq!(waivers[0].reason, "first");
        assert_eq!(waivers[1].reason, "second");
    }

    #[test]
    fn single_reason_applies_to_all() {
        let waivers = parse_waivers(
            &strings(&["password-grant-client", "saml2bearer-client"]),
            &strings(&["one reason"]),
        )
        .unwrap();
        assert!(waivers.iter().all(|waiver| waiver.reason == "one reason"));
    }

    #[test]
    fn waiver_errors_are_usage_errors() {
        let cases: [(&[&str], &[&str], &str); 4] = [
            (&["break-glass-missing"], &["x"], "break-glass-missing"),
            (&["password-grant-client"], &[], "password-grant-client"),
            (&[], &["orphan"], "--accept"),
            (
                &["password-grant-client", "users-not-in-idp", "saml2bearer-client"],
                &["a", "b"],
                "--reason",
            ),
        ];
        for (accept, reasons, named) in cases {
            let error = parse_waivers(&strings(accept), &strings(reasons)).unwrap_err();
            assert_eq!(error.exit(), Exit::Usage, "{accept:?} {reasons:?}");
            assert!(error.message().contains(named), "{}", error.message());
        }
    }

    #[test]
    fn long_strings_are_shortened() {
        let certificate = "M".repeat(500);
        let shown = show_string(&certificate);
        assert!(shown.contains("500 characters"), "{shown}");
        assert!(shown.len() < 80, "{shown}");
        assert_eq!(show_string("short"), "\"short\"");
    }
}
