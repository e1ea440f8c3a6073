//! Everything the tool shows: the [`Printer`] (the one writer of stdout),
//! tables, logging setup, the progress bar and the prompt before a change.
//!
//! Results go to stdout: a table or text for people, or with `--output json`
//! one JSON document and nothing else. Narration, warnings, errors, logs and
//! progress go to stderr. Colours are off with `--no-color`, with `NO_COLOR`
//! set, or when the stream is not a terminal. `anstream` strips the styling in
//! those cases, so the code below styles unconditionally.

pub mod logging;
pub mod progress;
pub mod prompt;
pub mod table;

use std::fmt::Display;
use std::io::{self, IsTerminal, Write};

use anstream::{AutoStream, ColorChoice};
use owo_colors::OwoColorize;
use serde::Serialize;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::exit::CliError;

/// The destination of results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResultTarget {
    /// The process's stdout.
    Stdout,
    /// Nowhere: the results of commands that `demo` runs with `--output json`,
    /// whose own JSON is the only thing on stdout.
    Discard,
}

/// The one writer of user-facing output.
#[derive(Clone, Debug)]
pub struct Printer {
    format: OutputFormat,
    quiet: bool,
    color: ColorChoice,
    target: ResultTarget,
}

impl Printer {
    /// Builds the printer for the global flags.
    pub fn new(global: &GlobalArgs) -> Self {
        Self {
            format: global.output,
            quiet: global.quiet,
            color: if global.no_color { ColorChoice::Never } else { ColorChoice::Auto },
            target: ResultTarget::Stdout,
        }
    }

    /// Returns the printer for a command run inside another (`demo`): with
    /// `--output json` its results are dropped so that stdout contains only the
    /// outer command's JSON; tables and narration pass through.
    pub fn nested(&self) -> Self {
        let target = match self.format {
            OutputFormat::Json => ResultTarget::Discard,
            OutputFormat::Table => self.target,
        };
        Self { target, ..self.clone() }
    }

    /// Tells whether `--output json` is set.
    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Tells whether `-q` is set.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Tells whether stderr shows colours.
    pub fn stderr_has_color(&self) -> bool {
        AutoStream::choice(&io::stderr()) != ColorChoice::Never && self.color != ColorChoice::Never
    }

    /// Tells whether stderr is a terminal, where progress bars are drawn.
    pub fn stderr_is_terminal(&self) -> bool {
        io::stderr().is_terminal()
    }

    /// Writes a command's result: `value` as JSON with `--output json`, else
    /// the text that `human` renders.
    pub fn emit<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce() -> String,
    ) -> Result<(), CliError> {
        if self.is_json() {
            let mut text = serde_json::to_string_pretty(value)
                .map_err(|e| CliError::input(format!("could not serialize the result: {e}")))?;
            text.push('\n');
            self.write_result(text.as_bytes());
        } else {
            let mut text = human();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            self.write_result(text.as_bytes());
        }
        Ok(())
    }

    /// Writes text that is the result itself in every format, such as a
    /// completion script.
    pub fn raw(&self, bytes: &[u8]) {
        self.write_result(bytes);
    }

    fn write_result(&self, bytes: &[u8]) {
        if self.target == ResultTarget::Discard {
            return;
        }
        let mut out = AutoStream::new(io::stdout(), self.color).lock();
        // A closed pipe (`sso-cutover inventory | head`) is not an error
        // worth reporting: the reader has what it wanted.
        let _ = out.write_all(bytes).and_then(|()| out.flush());
    }

    /// Narrates a step on stderr, unless `-q` is set.
    pub fn step(&self, text: impl Display) {
        if !self.quiet {
            self.write_stderr(&format!("{} {text}\n", "==>".bold().cyan()));
        }
    }

    /// Writes an informational line on stderr, unless `-q` is set.
    pub fn note(&self, text: impl Display) {
        if !self.quiet {
            self.write_stderr(&format!("{text}\n"));
        }
    }

    /// Writes a line on stderr even with `-q`, for what a person needs to
    /// recover from a failure, such as the backup's path.
    pub fn essential(&self, text: impl Display) {
        self.write_stderr(&format!("{text}\n"));
    }

    /// Writes a warning on stderr, unless `-q` is set.
    pub fn warn(&self, text: impl Display) {
        if !self.quiet {
            self.write_stderr(&format!("{} {text}\n", "warning:".bold().yellow()));
        }
    }

    /// Writes an error on stderr, always.
    pub fn error(&self, error: &CliError) {
        self.write_stderr(&format!("{} {}\n", "error:".bold().red(), error.message()));
    }

    fn write_stderr(&self, text: &str) {
        let mut err = AutoStream::new(io::stderr(), self.color).lock();
        let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
    }
}
