//! One scenario folder under `tests/scenarios/`: its files, read and checked.
//!
//! | file | content |
//! |---|---|
//! | `org.json` | the org snapshot; `{der64:NAME}` and `{pem:NAME}` stand for a certificate of `metadata.toml` |
//! | `metadata.toml` or `metadata.xml` | the IdP metadata: described and generated, or as written |
//! | `idp-users.txt` | optional, passed as `--idp-users` |
//! | `args` | the command line after `sso-cutover`; `#` starts a comment line |
//! | `expected.json` | what the run must end with (see [`Expected`]) |

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use cutover_policy::RuleId;
use serde::Deserialize;
use serde_json::Value;

use crate::metadata_spec::{MaterialCertificate, MetadataSpec};

/// The `expected.json` of a scenario.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expected {
    /// A summary of the scenario, in a sentence or two.
    pub(crate) description: String,
    /// The OAuth client the tool signs in as; default: the first active
    /// client-credentials client with a secret.
    pub(crate) client: Option<String>,
    /// The exit code.
    pub(crate) exit_code: i32,
    /// Every finding, as `severity rule subject` with ` waived` appended for
    /// a waived one; `None` when the command ends before it evaluates rules.
    pub(crate) findings: Option<Vec<String>>,
    /// Rules this scenario is built to not fire, though it comes close.
    #[serde(default)]
    pub(crate) absent: Vec<String>,
    /// The stage numbers of the plan.
    pub(crate) stages: Option<Vec<u8>>,
    /// `result` of `apply`.
    pub(crate) result: Option<String>,
    /// The identity providers after the command; `None` means unchanged.
    /// `id` and `selfUri` are compared only where given.
    pub(crate) providers_after: Option<BTreeMap<String, Value>>,
    /// Texts stderr must contain.
    #[serde(default)]
    pub(crate) stderr_contains: Vec<String>,
}

/// A finding as the scenarios compare it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct FindingLine {
    /// `block`, `warn` or `info`.
    pub(crate) severity: String,
    /// The rule ID.
    pub(crate) rule: String,
    /// The subject.
    pub(crate) subject: String,
    /// Whether it was waived.
    pub(crate) waived: bool,
}

impl FindingLine {
    /// Parses `severity rule subject [waived]`.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let waived = match parts.get(3) {
            None => false,
            Some(&"waived") if parts.len() == 4 => true,
            _ => bail!("finding `{text}` is not `severity rule subject [waived]`"),
        };
        let [severity, rule, subject, ..] = parts.as_slice() else {
            bail!("finding `{text}` is not `severity rule subject [waived]`");
        };
        if !matches!(*severity, "block" | "warn" | "info") {
            bail!("finding `{text}`: severity `{severity}` is not block, warn or info");
        }
        parse_rule(rule)?;
        Ok(Self {
            severity: (*severity).to_owned(),
            rule: (*rule).to_owned(),
            subject: (*subject).to_owned(),
            waived,
        })
    }

    /// Reads a finding of the plan or apply JSON.
    pub(crate) fn from_json(value: &Value) -> Result<Self> {
        let field = |name: &str| {
            value[name]
                .as_str()
                .map(str::to_owned)
                .with_context(|| format!("finding without a string `{name}`: {value}"))
        };
        Ok(Self {
            severity: field("severity")?,
            rule: field("rule")?,
            subject: field("subject")?,
            waived: value["waived"].as_bool().context("finding without a boolean `waived`")?,
        })
    }

    /// Returns the sort key of the catalog: severity, rule, subject.
    pub(crate) fn sort_key(&self) -> (u8, &[u8], &[u8]) {
        let rank = match self.severity.as_str() {
            "block" => 0,
            "warn" => 1,
            _ => 2,
        };
        (rank, self.rule.as_bytes(), self.subject.as_bytes())
    }
}

impl fmt::Display for FindingLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.severity, self.rule, self.subject)?;
        if self.waived {
            f.write_str(" waived")?;
        }
        Ok(())
    }
}

/// Checks that `text` is a rule ID of the catalog.
pub(crate) fn parse_rule(text: &str) -> Result<RuleId> {
    RuleId::ALL
        .iter()
        .copied()
        .find(|rule| rule.as_str() == text)
        .with_context(|| format!("`{text}` is not a rule ID of the catalog"))
}

/// The source of the metadata.
#[derive(Debug)]
pub(crate) enum MetadataSource {
    /// `metadata.toml`.
    Spec(MetadataSpec),
    /// `metadata.xml`, as written.
    File(PathBuf),
    /// No metadata file.
    None,
}

/// A scenario as read from its folder.
#[derive(Debug)]
pub(crate) struct Scenario {
    /// The folder name.
    pub(crate) name: String,
    /// The folder.
    pub(crate) dir: PathBuf,
    /// `org.json`, before its placeholders are filled in.
    pub(crate) org_template: String,
    /// The metadata.
    pub(crate) metadata: MetadataSource,
    /// `idp-users.txt`, when present.
    pub(crate) idp_users: Option<PathBuf>,
    /// The command line, split into arguments.
    pub(crate) args: Vec<String>,
    /// `expected.json`.
    pub(crate) expected: Expected,
    /// `expected.findings`, parsed.
    pub(crate) expected_findings: Option<Vec<FindingLine>>,
}

impl Scenario {
    /// Reads the scenario in `dir`.
    pub(crate) fn load(dir: &Path) -> Result<Self> {
        let name = dir
            .file_name()
            .and_then(|name| name.to_str())
            .context("scenario folder without a UTF-8 name")?
            .to_owned();
        let read = |file: &str| {
            std::fs::read_to_string(dir.join(file))
                .with_context(|| format!("reading `{}`", dir.join(file).display()))
        };
        let org_template = read("org.json")?;
        let args = split_args(&read("args")?)?;
        if args.is_empty() {
            bail!("`args` is empty; write the command line after `sso-cutover`");
        }
        let expected: Expected = serde_json::from_str(&read("expected.json")?)
            .with_context(|| format!("invalid `{}`", dir.join("expected.json").display()))?;
        let expected_findings = expected
            .findings
            .as_ref()
            .map(|lines| lines.iter().map(|line| FindingLine::parse(line)).collect())
            .transpose()?;
        for rule in &expected.absent {
            parse_rule(rule)?;
            let fires = expected_findings
                .iter()
                .flatten()
                .any(|finding: &FindingLine| finding.rule == *rule);
            if fires {
                bail!("rule `{rule}` is listed both in `findings` and in `absent`");
            }
            if expected_findings.is_none() {
                bail!("`absent` needs `findings`: rule `{rule}` cannot be checked absent");
            }
        }

        let toml_path = dir.join("metadata.toml");
        let xml_path = dir.join("metadata.xml");
        let metadata = match (toml_path.is_file(), xml_path.is_file()) {
            (true, true) => bail!("give metadata.toml or metadata.xml, not both"),
            (true, false) => MetadataSource::Spec(MetadataSpec::parse(&read("metadata.toml")?)?),
            (false, true) => MetadataSource::File(xml_path),
            (false, false) => MetadataSource::None,
        };
        let users_path = dir.join("idp-users.txt");
        let idp_users = users_path.is_file().then_some(users_path);
        Ok(Self {
            name,
            dir: dir.to_owned(),
            org_template,
            metadata,
            idp_users,
            args,
            expected,
            expected_findings,
        })
    }

    /// Returns the command: `plan`, `apply`, ...
    pub(crate) fn command(&self) -> &str {
        &self.args[0]
    }
}

/// Splits a command line the way a POSIX shell splits words, without
/// expansions: whitespace separates, single and double quotes group, a
/// backslash escapes the next character outside single quotes. Lines
/// starting with `#` are comments.
pub(crate) fn split_args(text: &str) -> Result<Vec<String>> {
    let mut args = Vec::new();
    for line in text.lines().filter(|line| !line.trim_start().starts_with('#')) {
        let mut current: Option<String> = None;
        let mut chars = line.chars();
        while let Some(ch) = chars.next() {
            match ch {
                ' ' | '\t' => {
                    if let Some(word) = current.take() {
                        args.push(word);
                    }
                }
                '\'' => {
                    let word = current.get_or_insert_with(String::new);
                    loop {
                        match chars.next() {
                            Some('\'') => break,
                            Some(inner) => word.push(inner),
                            None => bail!("unclosed single quote in `{line}`"),
                        }
                    }
                }
                '"' => {
                    let word = current.get_or_insert_with(String::new);
                    loop {
                        match chars.next() {
                            Some('"') => break,
                            Some('\\') => {
                                word.push(chars.next().context("a trailing backslash")?);
                            }
                            Some(inner) => word.push(inner),
                            None => bail!("unclosed double quote in `{line}`"),
                        }
                    }
                }
                '\\' => {
                    let next = chars.next().context("a trailing backslash")?;
                    current.get_or_insert_with(String::new).push(next);
                }
                other => current.get_or_insert_with(String::new).push(other),
            }
        }
        if let Some(word) = current.take() {
            args.push(word);
        }
    }
    Ok(args)
}

/// Fills in `{der64:NAME}`, `{pem:NAME}` and `{sha256:NAME}` with the
/// certificates of the scenario's metadata. An unknown name is an error, so
/// a typo cannot silently compare against the placeholder itself.
pub(crate) fn fill_placeholders(
    text: &str,
    certificates: &BTreeMap<String, MaterialCertificate>,
) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find('}') else {
            out.push_str(after);
            return Ok(out);
        };
        let inner = &after[1..end];
        let replacement = match inner.split_once(':') {
            Some((kind @ ("der64" | "pem" | "sha256"), name)) => {
                let certificate = certificates.get(name).with_context(|| {
                    format!("placeholder `{{{inner}}}` names no certificate of metadata.toml")
                })?;
                Some(
                    certificate_text(kind, certificate)
                        .with_context(|| format!("placeholder `{{{inner}}}`"))?,
                )
            }
            _ => None,
        };
        if let Some(text) = replacement {
            out.push_str(&text);
            rest = &after[end + 1..];
        } else {
            // Not a placeholder: keep the brace and look again after it,
            // because a placeholder may follow inside, as in a JSON object
            // `{"certificates": ["{der64:x}"]}`.
            out.push('{');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn certificate_text(kind: &str, certificate: &MaterialCertificate) -> Result<String> {
    if kind == "sha256" {
        return Ok(certificate.sha256());
    }
    let MaterialCertificate::Built(built) = certificate else {
        bail!("a `text` certificate has no DER; use {{sha256:NAME}}");
    };
    Ok(match kind {
        "der64" => built.base64(),
        _ => built.pem().replace('\n', "\\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_args_handles_quotes() {
        let args = split_args(
            "# comment\nplan --name \"Acme Okta\" --accept x\n  --reason 'it is \"fine\"' a\\ b\n",
        )
        .unwrap();
        assert_eq!(
            args,
            ["plan", "--name", "Acme Okta", "--accept", "x", "--reason", "it is \"fine\"", "a b"]
        );
    }

    #[test]
    fn split_args_rejects_unclosed_quote() {
        assert!(split_args("plan --name \"Acme").is_err());
    }

    #[test]
    fn finding_line_round_trips() {
        let line =
            FindingLine::parse("warn password-grant-client oauth-client:abc waived").unwrap();
        assert!(line.waived);
        assert_eq!(line.to_string(), "warn password-grant-client oauth-client:abc waived");
        assert!(FindingLine::parse("warn no-such-rule org").is_err());
        assert!(FindingLine::parse("fatal break-glass-missing org").is_err());
        assert!(FindingLine::parse("warn break-glass-missing org extra").is_err());
    }

    #[test]
    fn placeholders_are_filled() {
        let mut certificates = BTreeMap::new();
        certificates.insert("bad".to_owned(), MaterialCertificate::Text("abc".into()));
        let filled = fill_placeholders("x {sha256:bad} {other} {", &certificates).unwrap();
        assert!(filled.starts_with("x ba7816bf"), "{filled}");
        assert!(filled.ends_with(" {other} {"), "{filled}");
        let nested = fill_placeholders(r#"{"a":["{sha256:bad}"]}"#, &certificates).unwrap();
        assert!(nested.starts_with(r#"{"a":["ba7816bf"#), "{nested}");
        assert!(fill_placeholders("{sha256:missing}", &certificates).is_err());
        assert!(fill_placeholders("{der64:bad}", &certificates).is_err());
    }
}
