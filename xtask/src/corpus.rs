//! `cargo xtask corpus DIR`: parses every metadata file of a corpus folder
//! and compares the outcome with the expectations written for it by hand in
//! `xtask/corpus-expectations.json`.
//!
//! The check fails on any difference, on a file without an expectation, on
//! an expectation whose file is missing, and on a file under `hostile/` that
//! takes longer than [`HOSTILE_LIMIT`] to parse. It then parses mutated
//! copies of every file (bytes flipped, spans deleted, duplicated or cut
//! off, from a fixed seed) and fails if any of them makes the parser panic.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use cutover_saml::{IdpMetadata, MetadataError, SigningCertificate, parse_metadata};
use serde::Deserialize;

/// Maximum parse time allowed for a file under `hostile/`.
const HOSTILE_LIMIT: Duration = Duration::from_millis(100);

/// Mutated copies parsed per file; large files get fewer.
const MUTATIONS_PER_FILE: usize = 64;
const MUTATIONS_PER_LARGE_FILE: usize = 8;
const LARGE_FILE_BYTES: usize = 100 * 1024;

/// File names in the corpus folder that are not metadata.
const NOT_METADATA: &[&str] = &["SOURCES.tsv", "README.md", "LICENSE"];

/// The expected outcome of parsing one file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectation {
    /// Explanation of the outcome, for the reader of the expectations.
    #[expect(dead_code, reason = "documentation for the reader of the JSON file")]
    note: String,
    /// `idp`, or the rule ID of the error: `metadata-unreadable`,
    /// `metadata-dtd`, `metadata-not-idp`, `metadata-multiple-idps`.
    outcome: String,
    /// The chosen entity ID (`idp` only).
    entity_id: Option<String>,
    /// Every IdP entity ID (`idp` and `metadata-multiple-idps`).
    entity_ids: Option<Vec<String>>,
    /// SSO services as `[binding, location]` (`idp` only).
    sso_services: Option<Vec<[String; 2]>>,
    /// Single-logout services as `[binding, location]` (`idp` only).
    slo_services: Option<Vec<[String; 2]>>,
    /// Each signing certificate in document order: `sha256:<hex of the DER>`,
    /// or `unreadable:<hex SHA-256 of the whitespace-free text>`.
    signing_certificates: Option<Vec<String>>,
    /// Each `validUntil` as `<element> <text>`, outermost first.
    valid_until: Option<Vec<String>>,
    /// Whether a signature sits on the chosen entity or the root.
    signed: Option<bool>,
    /// Outcomes when an entity ID is given, by entity ID.
    #[serde(default)]
    picks: BTreeMap<String, Expectation>,
}

/// Runs the corpus check over `dir`, reading expectations from `expectations`.
pub(crate) fn run(dir: &Path, expectations: &Path) -> Result<()> {
    let text = std::fs::read_to_string(expectations)
        .with_context(|| format!("cannot read the expectations `{}`", expectations.display()))?;
    let mut expected: BTreeMap<String, Expectation> = serde_json::from_str(&text)
        .with_context(|| format!("the expectations `{}` are invalid", expectations.display()))?;

    let files = corpus_files(dir)?;
    let mut failures = Vec::new();
    let mut passed = 0usize;
    for relative in &files {
        let path = dir.join(relative);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read `{}`", path.display()))?;
        let started = Instant::now();
        let result = parse_metadata(&bytes, None);
        let elapsed = started.elapsed();

        let mut problems = Vec::new();
        match expected.remove(relative) {
            Some(expectation) => {
                compare(&expectation, &result, "", &mut problems);
                for (entity_id, pick) in &expectation.picks {
                    let picked = parse_metadata(&bytes, Some(entity_id));
                    compare(
                        pick,
                        &picked,
                        &format!("with --entity-id {entity_id}: "),
                        &mut problems,
                    );
                }
            }
            None => problems.push("no expectation is written for this file".to_owned()),
        }
        if relative.starts_with("hostile/") && elapsed > HOSTILE_LIMIT {
            problems.push(format!(
                "parsing took {:.1} ms, over the {} ms limit for hostile files",
                millis(elapsed),
                HOSTILE_LIMIT.as_millis()
            ));
        }

        let summary = match &result {
            Ok(metadata) => format!("idp `{}`", metadata.entity_id),
            Err(error) => error.kind().to_owned(),
        };
        if problems.is_empty() {
            passed += 1;
            println!("ok    {:>8.1} ms  {relative}  ({summary})", millis(elapsed));
        } else {
            println!("FAIL  {:>8.1} ms  {relative}  ({summary})", millis(elapsed));
            for problem in &problems {
                println!("        {problem}");
            }
            failures.push(relative.clone());
        }
    }
    let mutated = mutate_all(dir, &files, &mut failures)?;
    println!("mutations: {mutated} mutated copies parsed");

    for missing in expected.keys() {
        println!("FAIL             {missing}  (expected, but the file is missing from the corpus)");
        failures.push(missing.clone());
    }

    println!("corpus: {passed} passed, {} failed", failures.len());
    if !failures.is_empty() {
        bail!("{} corpus file(s) do not match: {}", failures.len(), failures.join(", "));
    }
    Ok(())
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Lists every file under `dir` except the non-metadata files, as sorted
/// paths relative to `dir` with `/` separators.
fn corpus_files(dir: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let folder = dir.join(&relative);
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("cannot list `{}`", folder.display()))?;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = relative.join(&name);
            if entry.file_type()?.is_dir() {
                pending.push(child);
            } else if !(relative.as_os_str().is_empty() && NOT_METADATA.contains(&name.as_str())) {
                let parts: Vec<String> =
                    child.iter().map(|part| part.to_string_lossy().into_owned()).collect();
                files.push(parts.join("/"));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Compares one parse result with its expectation, adding a line per
/// difference to `problems`.
fn compare(
    expectation: &Expectation,
    result: &Result<IdpMetadata, MetadataError>,
    context: &str,
    problems: &mut Vec<String>,
) {
    let mut differ = |field: &str, expected: &dyn std::fmt::Debug, actual: &dyn std::fmt::Debug| {
        problems.push(format!("{context}{field}: expected {expected:?}, got {actual:?}"));
    };
    match result {
        Err(error) => {
            if expectation.outcome != error.kind() {
                differ("outcome", &expectation.outcome, &format!("{} ({error})", error.kind()));
                return;
            }
            if let (Some(expected), MetadataError::MultipleIdps { entity_ids }) =
                (&expectation.entity_ids, error)
            {
                compare_lists("entity_ids", expected, entity_ids, context, problems);
            }
        }
        Ok(metadata) => {
            if expectation.outcome != "idp" {
                differ("outcome", &expectation.outcome, &"idp");
                return;
            }
            compare_idp(expectation, metadata, context, problems);
        }
    }
}

fn compare_idp(
    expectation: &Expectation,
    metadata: &IdpMetadata,
    context: &str,
    problems: &mut Vec<String>,
) {
    let endpoints = |list: &[cutover_saml::Endpoint]| -> Vec<[String; 2]> {
        list.iter().map(|e| [e.binding.clone(), e.location.clone()]).collect()
    };
    let valid_until: Vec<String> =
        metadata.valid_until.iter().map(|v| format!("{} {}", v.element, v.text)).collect();
    let certificates: Vec<String> =
        metadata.signing_certificates.iter().map(certificate_label).collect();

    let mut missing = Vec::new();
    match &expectation.entity_id {
        Some(expected) if *expected != metadata.entity_id => problems.push(format!(
            "{context}entity_id: expected {expected:?}, got {:?}",
            metadata.entity_id
        )),
        Some(_) => {}
        None => missing.push("entity_id"),
    }
    let lists: [ListField<'_>; 5] = [
        ("entity_ids", expectation.entity_ids.clone(), metadata.entity_ids.clone()),
        (
            "sso_services",
            expectation.sso_services.as_ref().map(|l| l.iter().map(|p| p.join(" ")).collect()),
            endpoints(&metadata.sso_services).iter().map(|p| p.join(" ")).collect(),
        ),
        (
            "slo_services",
            expectation.slo_services.as_ref().map(|l| l.iter().map(|p| p.join(" ")).collect()),
            endpoints(&metadata.slo_services).iter().map(|p| p.join(" ")).collect(),
        ),
        ("signing_certificates", expectation.signing_certificates.clone(), certificates),
        ("valid_until", expectation.valid_until.clone(), valid_until),
    ];
    for (field, expected, actual) in lists {
        match expected {
            Some(expected) => compare_lists(field, &expected, &actual, context, problems),
            None => missing.push(field),
        }
    }
    match expectation.signed {
        Some(expected) if expected != metadata.signed => {
            problems.push(format!("{context}signed: expected {expected}, got {}", metadata.signed));
        }
        Some(_) => {}
        None => missing.push("signed"),
    }
    if !missing.is_empty() {
        problems
            .push(format!("{context}the expectation of an IdP must state {}", missing.join(", ")));
    }
}

/// A list field: its name, the expected items (when written) and the actual ones.
type ListField<'a> = (&'a str, Option<Vec<String>>, Vec<String>);

fn certificate_label(certificate: &SigningCertificate) -> String {
    match &certificate.parsed {
        Ok(info) => format!("sha256:{}", info.sha256),
        Err(_) => format!("unreadable:{}", certificate.text_sha256),
    }
}

/// Compares two lists item by item, naming each index that differs.
fn compare_lists(
    field: &str,
    expected: &[String],
    actual: &[String],
    context: &str,
    problems: &mut Vec<String>,
) {
    if expected == actual {
        return;
    }
    let mut message = format!("{context}{field} differ:");
    for index in 0..expected.len().max(actual.len()) {
        let want = expected.get(index);
        let got = actual.get(index);
        if want != got {
            let _ = write!(
                message,
                "\n          [{index}] expected {}, got {}",
                want.map_or("(nothing)".to_owned(), |s| format!("{s:?}")),
                got.map_or("(nothing)".to_owned(), |s| format!("{s:?}")),
            );
        }
    }
    problems.push(message);
}

/// Parses mutated copies of every file, adding each file whose copies make
/// the parser panic to `failures`. Returns how many copies were parsed.
fn mutate_all(dir: &Path, files: &[String], failures: &mut Vec<String>) -> Result<usize> {
    let mut parsed = 0;
    for (index, relative) in files.iter().enumerate() {
        let original = std::fs::read(dir.join(relative))?;
        let count = if original.len() > LARGE_FILE_BYTES {
            MUTATIONS_PER_LARGE_FILE
        } else {
            MUTATIONS_PER_FILE
        };
        let mut random = SplitMix64(index as u64 + 1);
        let mut panics = 0;
        for _ in 0..count {
            let mut copy = original.clone();
            for _ in 0..=random.below(4) {
                mutate(&mut copy, &mut random);
            }
            let outcome = std::panic::catch_unwind(|| parse_metadata(&copy, None));
            if outcome.is_err() {
                panics += 1;
            }
            parsed += 1;
        }
        if panics > 0 {
            println!("FAIL  {relative}: {panics} of {count} mutated copies made the parser panic");
            failures.push(format!("{relative} (mutated)"));
        }
    }
    Ok(parsed)
}

/// Applies one random change: flip a byte, delete a span, duplicate a span,
/// insert markup, or cut the end off.
fn mutate(bytes: &mut Vec<u8>, random: &mut SplitMix64) {
    const MARKUP: &[&[u8]] =
        &[b"<", b">", b"</", b"<!DOCTYPE x>", b"<!--", b"&amp;", b"\"", b"\xff"];
    let len = bytes.len();
    let at = random.below(len + 1);
    let span = (at + 1 + random.below(64)).min(len);
    match random.below(5) {
        0 if at < len => bytes[at] ^= 1 << random.below(8),
        1 => {
            bytes.drain(at..span.max(at));
        }
        2 => {
            let copy = bytes[at..span.max(at)].to_vec();
            bytes.splice(at..at, copy);
        }
        3 => {
            let markup = MARKUP[random.below(MARKUP.len())];
            bytes.splice(at..at, markup.iter().copied());
        }
        _ => bytes.truncate(at),
    }
}

/// A small deterministic generator (SplitMix64), so that a failing mutation
/// repeats on the next run.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Returns a number in `0..bound` (0 when `bound` is 0).
    fn below(&mut self, bound: usize) -> usize {
        if bound == 0 { 0 } else { (self.next() % bound as u64) as usize }
    }
}
