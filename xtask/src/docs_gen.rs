//! Shell completion scripts and man pages for `sso-cutover`, generated from
//! the CLI's own clap command so they never drift from the parser.
//!
//! `cargo xtask completions OUT_DIR` writes one script per shell (bash, zsh,
//! fish, PowerShell). `cargo xtask man OUT_DIR` writes `sso-cutover.1`, with
//! an EXIT STATUS and an ENVIRONMENT section added to what clap_mangen
//! renders, and one page per subcommand, such as `sso-cutover-plan.1`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap_complete::Shell;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

/// The program name that completions register and man pages document.
const BIN_NAME: &str = "sso-cutover";

/// The shells that `completions` writes a script for.
pub(crate) const SHELLS: [Shell; 4] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell];

/// The exit codes of `sso-cutover` and their meaning, in code order.
pub(crate) const EXIT_CODES: [(u8, &str); 7] = [
    (0, "Success, or a plan with no blocking finding."),
    (
        1,
        "Error: bad input (a file that cannot be read, a metadata URL that cannot be fetched, an \
         org file that does not load, an unknown --entity-id), or an API or network failure.",
    ),
    (
        2,
        "Usage error: from the argument parser, a flag the command cannot use, or a change \
         without --yes and without a terminal to ask on.",
    ),
    (3, "Blocked: the plan or metadata check has a blocking finding."),
    (4, "verify found a failed check."),
    (5, "apply failed and everything it changed was rolled back."),
    (6, "apply failed and the rollback did not complete: manual action is needed."),
];

/// Environment variables the program reads, and what each sets.
const ENVIRONMENT: [(&str, &str); 7] = [
    ("SSO_CUTOVER_ORG_FILE", "The org snapshot to use instead of the API, as --org-file."),
    ("GENESYSCLOUD_OAUTHCLIENT_ID", "OAuth client ID, when --client-id is not given."),
    ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "The secret of that client."),
    ("GENESYS_CLIENT_ID", "OAuth client ID, read after the GENESYSCLOUD_ variables."),
    ("GENESYS_CLIENT_SECRET", "The secret of that client."),
    ("GENESYSCLOUD_REGION", "Region name or domain, when --region is not given."),
    ("NO_COLOR", "Turns colours off, as --no-color."),
];

/// Runs `cargo xtask completions OUT_DIR`: writes the scripts and lists them
/// on stderr.
pub(crate) fn completions(out_dir: &Path) -> Result<()> {
    report(&write_completions(out_dir)?);
    Ok(())
}

/// Runs `cargo xtask man OUT_DIR`: writes the pages and lists them on
/// stderr.
pub(crate) fn man(out_dir: &Path) -> Result<()> {
    report(&write_man_pages(out_dir)?);
    Ok(())
}

fn report(paths: &[PathBuf]) {
    for path in paths {
        eprintln!("wrote {}", path.display());
    }
}

/// Writes a completion script for every shell of [`SHELLS`] into `out_dir`
/// (created when missing) and returns the files written.
pub(crate) fn write_completions(out_dir: &Path) -> Result<Vec<PathBuf>> {
    create_dir(out_dir)?;
    let mut command = cutover_cli::cli::command();
    SHELLS
        .iter()
        .map(|&shell| {
            clap_complete::generate_to(shell, &mut command, BIN_NAME, out_dir).with_context(|| {
                format!("writing the {shell} completion script to `{}`", out_dir.display())
            })
        })
        .collect()
}

/// Writes `sso-cutover.1` and one page per visible subcommand into `out_dir`
/// (created when missing) and returns the files written.
pub(crate) fn write_man_pages(out_dir: &Path) -> Result<Vec<PathBuf>> {
    create_dir(out_dir)?;
    let mut command = cutover_cli::cli::command().disable_help_subcommand(true);
    // `build` gives each subcommand its display name (`sso-cutover-plan`),
    // which names its page.
    command.build();

    let mut written = Vec::new();
    let main_page = out_dir.join(format!("{BIN_NAME}.1"));
    fs::write(&main_page, render_main_page(command.clone())?)
        .with_context(|| format!("writing `{}`", main_page.display()))?;
    written.push(main_page);
    write_subcommand_pages(&command, out_dir, &mut written)?;
    Ok(written)
}

/// Renders the main page: what clap_mangen renders, with EXIT STATUS and
/// ENVIRONMENT inserted before the VERSION section.
pub(crate) fn render_main_page(command: clap::Command) -> Result<Vec<u8>> {
    let man = Man::new(command);
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    render_exit_status(&mut page)?;
    render_environment(&mut page)?;
    man.render_version_section(&mut page)?;
    Ok(page)
}

fn render_exit_status(out: &mut Vec<u8>) -> Result<()> {
    let mut roff = Roff::default();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in EXIT_CODES {
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(meaning)]);
    }
    roff.to_writer(out)?;
    Ok(())
}

fn render_environment(out: &mut Vec<u8>) -> Result<()> {
    let mut roff = Roff::default();
    roff.control("SH", ["ENVIRONMENT"]);
    for (name, meaning) in ENVIRONMENT {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(meaning)]);
    }
    roff.to_writer(out)?;
    Ok(())
}

fn write_subcommand_pages(
    command: &clap::Command,
    out_dir: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<()> {
    for subcommand in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let path = Man::new(subcommand.clone())
            .generate_to(out_dir)
            .with_context(|| format!("writing the man page of `{}`", subcommand.get_name()))?;
        written.push(path);
        write_subcommand_pages(subcommand, out_dir, written)?;
    }
    Ok(())
}

fn create_dir(out_dir: &Path) -> Result<()> {
    fs::create_dir_all(out_dir)
        .with_context(|| format!("creating the output folder `{}`", out_dir.display()))
}

#[cfg(test)]
mod tests {
    use cutover_cli::exit::Exit;

    use super::*;

    /// Returns the name of every visible subcommand, nested ones included,
    /// such as `auth`, `check`, `export`, `terraform`.
    fn subcommand_names(command: &clap::Command) -> Vec<String> {
        let mut names = Vec::new();
        for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
            names.push(sub.get_name().to_owned());
            names.extend(subcommand_names(sub));
        }
        names
    }

    #[test]
    fn bash_completion_names_every_subcommand() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_completions(dir.path()).unwrap();

        assert_eq!(written.len(), SHELLS.len());
        let bash = fs::read_to_string(dir.path().join("sso-cutover.bash")).unwrap();
        let names = subcommand_names(&cutover_cli::cli::command());
        assert!(names.len() >= 14, "too few subcommands found: {names:?}");
        for name in &names {
            assert!(bash.contains(name.as_str()), "bash completion lacks `{name}`");
        }
        assert!(bash.contains("--profile"), "bash completion lacks --profile");
    }

    #[test]
    fn every_shell_gets_a_script() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_completions(&dir.path().join("new/folder")).unwrap();

        for path in &written {
            let text = fs::read_to_string(path).unwrap();
            assert!(text.contains(BIN_NAME), "`{}` does not name the program", path.display());
        }
        let file_names: Vec<String> = written
            .iter()
            .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for expected in ["sso-cutover.bash", "_sso-cutover", "sso-cutover.fish", "_sso-cutover.ps1"]
        {
            assert!(
                file_names.iter().any(|name| name == expected),
                "no {expected}: {file_names:?}"
            );
        }
    }

    /// Returns the page names of every visible subcommand, nested ones
    /// included, such as `sso-cutover-export-terraform.1`.
    fn page_names(command: &clap::Command, prefix: &str) -> Vec<String> {
        let mut names = Vec::new();
        for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
            let name = format!("{prefix}-{}", sub.get_name());
            names.push(format!("{name}.1"));
            names.extend(page_names(sub, &name));
        }
        names
    }

    /// Reads a roff page with the `\-` escapes of hyphens undone.
    fn read_page(path: &Path) -> String {
        fs::read_to_string(path).unwrap().replace("\\-", "-")
    }

    #[test]
    fn man_page_lists_subcommands_and_exits() {
        let dir = tempfile::tempdir().unwrap();
        write_man_pages(dir.path()).unwrap();

        let page = read_page(&dir.path().join("sso-cutover.1"));
        let command = cutover_cli::cli::command();
        for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
            let name = sub.get_name();
            assert!(
                page.contains(&format!("sso-cutover-{name}(1)")),
                "the man page lacks `{name}`"
            );
        }
        assert!(page.contains(".SH \"EXIT STATUS\""), "no EXIT STATUS section");
        for (code, _) in EXIT_CODES {
            assert!(page.contains(&format!("\\fB{code}\\fR")), "exit code {code} is missing");
        }
        assert!(page.contains(".SH ENVIRONMENT"), "no ENVIRONMENT section");
        assert!(page.contains("GENESYSCLOUD_OAUTHCLIENT_ID"));
        let version = page.find(".SH VERSION").expect("a VERSION section");
        let exits = page.find(".SH \"EXIT STATUS\"").unwrap();
        assert!(exits < version, "EXIT STATUS comes after VERSION");
    }

    #[test]
    fn every_subcommand_gets_a_page() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_man_pages(dir.path()).unwrap();

        let expected = page_names(&cutover_cli::cli::command(), BIN_NAME);
        assert!(expected.contains(&"sso-cutover-export-terraform.1".to_owned()), "{expected:?}");
        assert_eq!(written.len(), expected.len() + 1, "one page per subcommand and the main page");
        for name in &expected {
            let path = dir.path().join(name);
            assert!(path.is_file(), "no {name}");
            let leaf = name.trim_end_matches(".1").rsplit('-').next().unwrap();
            assert!(read_page(&path).contains(leaf), "{name} does not name `{leaf}`");
        }
    }

    #[test]
    fn exit_table_matches_the_cli() {
        for (index, (code, meaning)) in EXIT_CODES.iter().enumerate() {
            assert_eq!(usize::from(*code), index, "codes are listed in order");
            assert_eq!(Exit::from_code(*code).code(), *code, "{code} is not a CLI exit code");
            assert!(!meaning.is_empty());
        }
        let past_the_table = EXIT_CODES.len() as u8;
        assert_eq!(
            Exit::from_code(past_the_table),
            Exit::Error,
            "the CLI has exit code {past_the_table}, which the man page does not list"
        );
    }
}
