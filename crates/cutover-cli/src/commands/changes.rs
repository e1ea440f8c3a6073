//! The commands that change the org (`apply`, `rollback`,
//! `break-glass create`) and `verify`, wired to the change engine in
//! [`crate::apply`], [`crate::rollback`], [`crate::break_glass`] and
//! [`crate::verify`].
//!
//! Each change first checks that it may proceed ([`require_consent`]: exit 2
//! without `--yes` and without a terminal), before any file or the org is
//! read. A person at a terminal is asked after seeing what will change.

use std::fmt::Write as _;

use comfy_table::Cell;
use cutover_api::ProviderType;
use cutover_auth::{ClientCredentials, read_secret_file};
use cutover_policy::{PlanDocument, PolicyError};
use jiff::Timestamp;

use crate::apply::{
    ApplyReport, ApplyRequest, ApplyResult, ChangeEvent, ChangeHooks, Check, HookError,
    StageStatus, SystemClock, run_apply,
};
use crate::backup::{BackupError, load_backup};
use crate::break_glass::{BreakGlassReport, BreakGlassRequest, ProofRetry, create_break_glass};
use crate::cli::{ApplyArgs, BreakGlassCreateArgs, GlobalArgs, RollbackArgs, VerifyArgs};
use crate::commands::plan::{self, make_plan, prepare, write_plan};
use crate::context::Backend;
use crate::exit::{CliError, Exit};
use crate::output::Printer;
use crate::output::prompt::{ChangeConsent, require_consent};
use crate::output::table::{bool_cell, new_table};
use crate::rollback::{
    self, RestoreAction, RollbackError, RollbackOptions, RollbackReport, SignInRisk,
    assess_sign_in, preview,
};
use crate::verify::{VerifyReport, verify};

/// The CLI's side of a change: writes the org file back after each write and
/// narrates progress on stderr.
pub struct CliHooks<'a> {
    backend: &'a Backend,
    printer: &'a Printer,
}

impl<'a> CliHooks<'a> {
    /// Creates the hooks for a change made through `backend`.
    pub fn new(backend: &'a Backend, printer: &'a Printer) -> Self {
        Self { backend, printer }
    }
}

impl ChangeHooks for CliHooks<'_> {
    fn after_change(&self) -> Result<(), HookError> {
        self.backend.save_after_change().map_err(|error| Box::new(error) as HookError)
    }

    fn on_event(&self, event: ChangeEvent<'_>) {
        match event {
            ChangeEvent::BackupWritten { path } => {
                // Printed before the first change, also with `-q`: the path is
                // what `rollback --backup` needs if the run is interrupted.
                self.printer.essential(format!("backup: {}", path.display()));
            }
            ChangeEvent::StageStarted { stage, description } => {
                self.printer.step(format!("stage {stage}: {description}"));
            }
            ChangeEvent::CheckFinished { check, .. } => {
                self.printer.note(format!("    {} {}: {}", mark(check), check.name, check.detail));
            }
            ChangeEvent::UndoStarted { failed_stage } => {
                self.printer.warn(format!(
                    "stage {failed_stage} failed; undoing the changes made so far from the backup"
                ));
            }
            ChangeEvent::Restored { entry } => {
                let action = serde_json::to_value(entry.action)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_default();
                self.printer.note(format!("    {}: {action}", entry.kind));
            }
        }
    }
}

fn mark(check: &Check) -> &'static str {
    match (check.ok, check.skipped) {
        (true, true) => "-",
        (true, false) => "ok",
        (false, _) => "FAILED",
    }
}

/// Returns the flags that select the same org in a later command, for the
/// rollback command that `apply` prints. Secrets are never among them: a secret file is
/// named by its path.
pub fn backend_args(global: &GlobalArgs) -> Vec<String> {
    let mut args = Vec::new();
    let mut push = |flag: &str, value: Option<String>| {
        if let Some(value) = value {
            args.push(flag.to_owned());
            args.push(value);
        }
    };
    push("--org-file", global.org_file.as_ref().map(|path| path.display().to_string()));
    push("--client-id", global.client_id.clone());
    push(
        "--client-secret-file",
        global.client_secret_file.as_ref().map(|path| path.display().to_string()),
    );
    push("--region", global.region.clone());
    push("--api-base", global.api_base.clone());
    push("--login-base", global.login_base.clone());
    args
}

/// Runs `apply`: plans now (or reads `--plan`), shows the plan, prompts on a
/// terminal unless `--yes`, then runs the stages. Ends with 0, 1, 3, 5 or 6.
pub async fn apply(
    args: &ApplyArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> Result<Exit, CliError> {
    let consent = require_consent(global, "apply")?;
    let prepared = match (&args.plan, &args.metadata) {
        (None, Some(metadata)) => Some(prepare(metadata, &args.inputs).await?),
        _ => None,
    };
    let break_glass_secrets = read_break_glass_secrets(args)?;
    let backend = Backend::open(global)?;
    let context = ApplyContext { global, backend: &backend, consent, show_plan: true };
    apply_with(args, prepared.as_ref(), break_glass_secrets, &context, printer).await
}

/// The settings `apply` runs with besides its flags.
pub struct ApplyContext<'a> {
    /// The global flags, for the rollback command shown on failure.
    pub global: &'a GlobalArgs,
    /// The org.
    pub backend: &'a Backend,
    /// Whether to ask before the first change.
    pub consent: ChangeConsent,
    /// Whether to show the plan on stderr before the change.
    pub show_plan: bool,
}

/// Runs the part of `apply` that follows the flag checks; `demo` calls it too.
pub async fn apply_with(
    args: &ApplyArgs,
    prepared: Option<&plan::PreparedPlan>,
    break_glass_secrets: Vec<ClientCredentials>,
    context: &ApplyContext<'_>,
    printer: &Printer,
) -> Result<Exit, CliError> {
    let backend = context.backend;
    let document = match (prepared, &args.plan) {
        (Some(prepared), _) => {
            let planned = make_plan(prepared, backend, printer).await?;
            if let Some(path) = &prepared.plan_out {
                write_plan(path, &planned.document)?;
            }
            planned.document
        }
        (None, Some(path)) => read_plan(path)?,
        (None, None) => {
            return Err(CliError::usage("apply needs --metadata or --plan; pass one of them"));
        }
    };
    if context.show_plan {
        printer.note(plan::render_changes(&document));
    }
    if !document.blocked && !document.stages.is_empty() {
        let numbers: Vec<u8> = document.stages.iter().map(|stage| stage.stage).collect();
        context.consent.confirm(&apply_question(
            &numbers,
            document.inputs.provider,
            &document.organization.name,
            &document.organization.id,
        ))?;
    }

    let request = ApplyRequest {
        plan: document,
        backup_dir: args.backup_dir.clone(),
        break_glass_secrets,
        break_glass_secret_files: args
            .break_glass_secret_files
            .iter()
            .map(|entry| (entry.client_id.clone(), entry.path.clone()))
            .collect(),
        org_file: backend.org_file().map(std::path::Path::to_path_buf),
        backend_args: backend_args(context.global),
    };
    let hooks = CliHooks::new(backend, printer);
    let outcome = run_apply(backend.api(), &request, &hooks, &SystemClock).await;
    let exit = Exit::from_code(outcome.exit_code);
    match outcome.result {
        Err(error) => Err(CliError::new(exit, error.to_string())),
        Ok(report) => {
            printer.emit(&report, || render_apply(&report))?;
            if let Some(message) = &report.message {
                printer.error(&CliError::new(exit, message.clone()));
            }
            for warning in &report.warnings {
                printer.warn(warning);
            }
            Ok(exit)
        }
    }
}

/// Builds the confirmation question of `apply` from the plan's stage
/// numbers, naming each stage's change and saying in capitals when Genesys
/// Cloud login gets disabled.
fn apply_question(stages: &[u8], provider: ProviderType, org_name: &str, org_id: &str) -> String {
    let steps: Vec<String> = stages
        .iter()
        .map(|&stage| match stage {
            cutover_policy::STAGE_NATIVE_LOGIN => "DISABLE Genesys Cloud login".to_owned(),
            cutover_policy::STAGE_PROVIDER => format!("configure the {provider} provider"),
            other => format!("stage {other}"),
        })
        .collect();
    format!(
        "Apply {} stage(s) to org {org_name} ({org_id}): {}?",
        stages.len(),
        steps.join(", then ")
    )
}

fn read_plan(path: &std::path::Path) -> Result<PlanDocument, CliError> {
    let text = crate::files::read_text_capped(path, crate::files::MAX_PLAN_BYTES, "a plan file")
        .map_err(|error| {
            CliError::input(format!(
                "--plan: {error}; pass a plan written by `sso-cutover plan --plan-out PATH`"
            ))
        })?;
    PlanDocument::from_json(&text).map_err(|error| {
        let fix = match error {
            // This message already says to plan again.
            PolicyError::PlanSchema { .. } => "with `sso-cutover plan --plan-out`",
            _ => "; write a new one with `sso-cutover plan --plan-out`",
        };
        CliError::input(format!("the plan `{}` cannot be used: {error}{fix}", path.display()))
    })
}

/// Reads each `--break-glass-secret-file ID=PATH`; an unreadable file is an
/// input error (exit 1) found before the org is read.
pub fn read_break_glass_secrets(args: &ApplyArgs) -> Result<Vec<ClientCredentials>, CliError> {
    args.break_glass_secret_files
        .iter()
        .map(|entry| {
            read_secret_file(&entry.path)
                .map(|secret| ClientCredentials::new(entry.client_id.clone(), secret))
                .map_err(|error| {
                    CliError::input(format!(
                        "--break-glass-secret-file for client `{}`: {error}",
                        entry.client_id
                    ))
                })
        })
        .collect()
}

fn render_apply(report: &ApplyReport) -> String {
    let mut out = String::new();
    if report.stages.is_empty() {
        out.push_str("No stage to run: the org already matches the plan.\n");
    }
    for stage in &report.stages {
        let status = serde_json::to_value(stage.status)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(out, "Stage {}: {} ({status})", stage.stage, stage.description);
        if stage.status != StageStatus::NotRun {
            let _ = writeln!(out, "{}", checks_table(&stage.checks));
        }
    }
    for entry in &report.undo {
        let action = serde_json::to_value(entry.action)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(out, "undo {}: {action}", entry.kind);
    }
    let _ = writeln!(out, "Backup: {}", report.backup);
    let verdict = match report.result {
        ApplyResult::Applied => "Applied: every stage ran and was verified.".to_owned(),
        ApplyResult::Unchanged => "Unchanged: nothing to apply.".to_owned(),
        ApplyResult::RolledBack => {
            "Rolled back: a stage failed and every change was undone.".to_owned()
        }
        ApplyResult::RollbackFailed => format!(
            "Rollback failed: restore the org with `{}`",
            report.rollback_command.as_deref().unwrap_or("sso-cutover rollback --backup PATH")
        ),
    };
    let _ = writeln!(out, "{verdict}");
    out
}

fn checks_table(checks: &[Check]) -> comfy_table::Table {
    let mut table = new_table(["check", "ok", "detail"]);
    for check in checks {
        let ok = if check.skipped { Cell::new("not run") } else { bool_cell(check.ok) };
        table.add_row(vec![Cell::new(&check.name), ok, Cell::new(&check.detail)]);
    }
    table
}

/// Runs `verify`: exit 4 when a check fails.
pub async fn run_verify(
    args: &VerifyArgs,
    backend: &Backend,
    printer: &Printer,
) -> Result<Exit, CliError> {
    let report = verify(backend.api(), Timestamp::now(), args.cert_warn_days).await;
    printer.emit(&report, || render_verify(&report))?;
    Ok(Exit::from_code(report.exit_code()))
}

fn render_verify(report: &VerifyReport) -> String {
    let verdict =
        if report.ok { "Verified: every check passed." } else { "Failed: see the checks above." };
    format!("{}\n{verdict}\n", checks_table(&report.checks))
}

/// Runs `rollback --backup PATH`: exit 0, or 1 naming what could not be
/// restored.
pub async fn run_rollback(
    args: &RollbackArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> Result<Exit, CliError> {
    let consent = require_consent(global, "rollback")?;
    let loaded = load_backup(&args.backup).map_err(|error| match error {
        BackupError::File(_) => {
            CliError::input(format!("--backup: {error}; pass a backup file that `apply` wrote"))
        }
        // The other errors already say to pass a file that `apply` wrote.
        _ => CliError::input(format!("--backup: {error}")),
    })?;
    let backend = Backend::open(global)?;
    let options = RollbackOptions { allow_lockout: args.allow_lockout };
    let backup_name = loaded.path.display().to_string();
    let risk = assess_sign_in(&loaded.backup, Timestamp::now());
    if risk == SignInRisk::NoEnabledProvider && !options.allow_lockout {
        return Err(CliError::input(RollbackError::Lockout { backup: backup_name }.to_string()));
    }
    if consent == ChangeConsent::Ask {
        let actions = preview(backend.api(), &loaded.backup).await.map_err(|error| {
            CliError::from(error).context("reading the org before the rollback")
        })?;
        let mut question = String::new();
        if let Some(warning) = risk.warning(&backup_name) {
            let _ = writeln!(question, "WARNING: {warning}");
        }
        let _ = write!(
            question,
            "Restore org {} from {}: {}?",
            loaded.backup.organization.id,
            args.backup.display(),
            describe_restore(&actions, loaded.backup.native_login_enabled())
        );
        consent.confirm(&question)?;
    }
    rollback_with_options(&loaded, &backend, printer, options).await
}

/// Describes the planned restore in one line for the confirmation prompt,
/// such as `delete generic, put back okta, turn Genesys Cloud login OFF`.
fn describe_restore(actions: &[(ProviderType, RestoreAction)], native_login_on: bool) -> String {
    let mut parts = Vec::new();
    let mut native_login_changes = false;
    for &(kind, action) in actions {
        match (kind, action) {
            (_, RestoreAction::Unchanged | RestoreAction::Failed) => {}
            (ProviderType::Purecloud, _) => {
                native_login_changes = true;
                let state = if native_login_on { "ON" } else { "OFF" };
                parts.push(format!("turn Genesys Cloud login {state}"));
            }
            (_, RestoreAction::Put) => parts.push(format!("put back {kind}")),
            (_, RestoreAction::Deleted) => parts.push(format!("delete {kind}")),
        }
    }
    if parts.is_empty() {
        return "nothing differs from the backup".to_owned();
    }
    if !native_login_changes {
        let state = if native_login_on { "on" } else { "off" };
        parts.push(format!("Genesys Cloud login stays {state}"));
    }
    parts.join(", ")
}

/// Runs the part of `rollback` that follows reading the backup; `demo` calls it
/// too.
pub async fn rollback_with(
    loaded: &crate::backup::LoadedBackup,
    backend: &Backend,
    printer: &Printer,
) -> Result<Exit, CliError> {
    rollback_with_options(loaded, backend, printer, RollbackOptions::default()).await
}

async fn rollback_with_options(
    loaded: &crate::backup::LoadedBackup,
    backend: &Backend,
    printer: &Printer,
    options: RollbackOptions,
) -> Result<Exit, CliError> {
    let hooks = CliHooks::new(backend, printer);
    let report =
        rollback::rollback_with_options(backend.api(), loaded, &hooks, &SystemClock, options)
            .await
            .map_err(|error| CliError::input(error.to_string()))?;
    printer.emit(&report, || render_rollback(&report))?;
    // Shown also with `-q`: a warning here may mean that nobody can sign in.
    for warning in &report.warnings {
        printer.essential(format!("warning: {warning}"));
    }
    let exit = Exit::from_code(report.exit_code());
    if let Some(message) = report.failure_message() {
        return Err(CliError::new(exit, message));
    }
    Ok(exit)
}

fn render_rollback(report: &RollbackReport) -> String {
    let mut table = new_table(["type", "action", "error"]);
    for entry in &report.restored {
        let action = serde_json::to_value(entry.action)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        table.add_row(vec![
            Cell::new(entry.kind),
            Cell::new(action),
            Cell::new(entry.error.clone().unwrap_or_default()),
        ]);
    }
    format!("Restored from {}\n{table}\n", report.backup)
}

/// Runs `break-glass create`.
pub async fn run_break_glass(
    args: &BreakGlassCreateArgs,
    global: &GlobalArgs,
    printer: &Printer,
) -> Result<Exit, CliError> {
    let consent = require_consent(global, "break-glass create")?;
    let backend = Backend::open(global)?;
    consent.confirm("Create a break-glass OAuth client that can edit identity providers?")?;
    let request = BreakGlassRequest {
        name: args.name.clone(),
        role_id: args.role.clone(),
        secret_out: args.secret_out.clone(),
        proof: ProofRetry::default(),
    };
    let hooks = CliHooks::new(&backend, printer);
    let report = create_break_glass(backend.api(), &request, &hooks, Timestamp::now())
        .await
        .map_err(|error| CliError::new(Exit::from_code(error.exit_code()), error.to_string()))?;
    printer.emit(&report, || render_break_glass(&report))?;
    Ok(Exit::Success)
}

fn render_break_glass(report: &BreakGlassReport) -> String {
    format!(
        "Created break-glass client {} ({}) with role(s) {}\nIts secret is in {} (mode 0600); \
         move it to a vault and delete the file.\n",
        report.client.name,
        report.client.id,
        report.client.role_ids.join(", "),
        report.secret_file
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_question_names_native_login() {
        let question = apply_question(&[1, 2], ProviderType::Generic, "Northwind", "org-1");
        assert!(question.starts_with("Apply 2 stage(s) to org Northwind (org-1): "), "{question}");
        assert!(
            question
                .ends_with(": configure the generic provider, then DISABLE Genesys Cloud login?"),
            "{question}"
        );
    }

    #[test]
    fn apply_question_provider_only() {
        let question = apply_question(&[1], ProviderType::Generic, "Northwind", "org-1");
        assert!(question.ends_with(": configure the generic provider?"), "{question}");
        assert!(!question.contains("DISABLE"), "{question}");
    }

    #[test]
    fn restore_description_names_each_action() {
        let actions = [
            (ProviderType::Generic, RestoreAction::Deleted),
            (ProviderType::Okta, RestoreAction::Put),
            (ProviderType::Onelogin, RestoreAction::Unchanged),
            (ProviderType::Purecloud, RestoreAction::Put),
        ];
        let text = describe_restore(&actions, false);
        assert_eq!(text, "delete generic, put back okta, turn Genesys Cloud login OFF");
    }

    #[test]
    fn restore_description_native_login_unchanged() {
        let actions = [
            (ProviderType::Purecloud, RestoreAction::Unchanged),
            (ProviderType::Generic, RestoreAction::Deleted),
        ];
        assert_eq!(
            describe_restore(&actions, true),
            "delete generic, Genesys Cloud login stays on"
        );
    }

    #[test]
    fn restore_description_without_difference() {
        let actions = [(ProviderType::Purecloud, RestoreAction::Unchanged)];
        assert_eq!(describe_restore(&actions, true), "nothing differs from the backup");
    }
}
