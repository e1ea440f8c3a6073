//! Hostile IdP metadata through `metadata check` and `plan`. Each document
//! is rejected with the blocking finding of its rule (exit 3). The process
//! runs under a 256 MiB limit on its data segment (`ulimit -d`), so a parse
//! that needed more memory would abort instead of passing. A control run
//! under a 64 MiB limit shows that the limit takes effect.
//!
//! Parse times are not asserted here; `cargo xtask corpus` prints them per
//! file and `docs/security.md` records them.

#![cfg(unix)]

use std::fmt::Write as _;
use std::path::Path;
#[cfg(feature = "corpus-tests")]
use std::path::PathBuf;

use assert_cmd::Command;

use crate::support::{CanaryOrg, StubServer, arg, clean_environment, example, run_command};

/// The data-segment limit of every hostile run, in KiB (256 MiB).
const MEMORY_LIMIT_KIB: u32 = 256 * 1024;
/// The limit of the control run, in KiB (64 MiB): less than a parse of a
/// million nodes needs.
const SMALL_MEMORY_LIMIT_KIB: u32 = 64 * 1024;
/// The parser's size limit (10 MiB).
const SIZE_LIMIT: usize = 10 * 1024 * 1024;
const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";

/// A hostile document and the finding it must produce.
struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    rule: &'static str,
    /// Text the finding's message must contain.
    reason: &'static str,
}

fn sample() -> String {
    std::fs::read_to_string(example("idp-metadata.xml")).expect("the sample metadata")
}

fn root_with(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"e\">{inner}</md:EntityDescriptor>\n"
    )
}

/// Builds the project's own hostile documents. `dtd_url` is a loopback URL
/// that counts connections, named by the documents that point at an
/// external DTD or entity.
fn cases(dtd_url: &str) -> Vec<Case> {
    let sample = sample();
    let mut cases = Vec::new();
    let mut add = |name, bytes: Vec<u8>, rule, reason| {
        cases.push(Case { name, bytes, rule, reason });
    };

    let mut laughs = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE md:EntityDescriptor [\n");
    laughs.push_str("<!ENTITY lol0 \"lol\">\n");
    for level in 1..10 {
        let previous = format!("&lol{};", level - 1).repeat(10);
        let _ = writeln!(laughs, "<!ENTITY lol{level} \"{previous}\">");
    }
    let _ = writeln!(laughs, "]>\n<md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"&lol9;\"/>");
    add("entity expansion", laughs.into_bytes(), "metadata-dtd", "DOCTYPE");

    let external = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE md:EntityDescriptor [\n\
         <!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n\
         <md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"&xxe;\"/>\n"
    );
    add("external file entity", external.into_bytes(), "metadata-dtd", "DOCTYPE");

    let remote = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE md:EntityDescriptor SYSTEM \"{dtd_url}/evil.dtd\">\n\
         <md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"e\"/>\n"
    );
    add("external DTD", remote.into_bytes(), "metadata-dtd", "DOCTYPE");

    let parameter = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY % p SYSTEM \"{dtd_url}/p.dtd\"> %p;]>\n\
         <md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"e\"/>\n"
    );
    add("parameter entity", parameter.into_bytes(), "metadata-dtd", "DOCTYPE");

    let depth = 10_000;
    let nested = root_with(&format!("{}{}", "<x>".repeat(depth), "</x>".repeat(depth)));
    add("deep nesting", nested.into_bytes(), "metadata-unreadable", "nested more than 256");

    // A 9 MiB attribute on metadata that is otherwise usable, except for a
    // plain-http sign-on URL: the rule still finds it.
    let padding = "a".repeat(9 * 1024 * 1024);
    let huge = sample
        .replace(
            "Location=\"https://idp.northwind.example/saml2/sso/",
            "Location=\"http://idp.northwind.example/saml2/sso/",
        )
        .replacen(
            "<md:EntityDescriptor ",
            &format!("<md:EntityDescriptor x-padding=\"{padding}\" "),
            1,
        );
    add("9 MiB attribute", huge.into_bytes(), "metadata-sso-not-https", "http://");

    let broken = sample.replacen(
        "<md:EntityDescriptor ",
        &format!("<md:EntityDescriptor x-padding=\"{padding}<\" "),
        1,
    );
    add("9 MiB attribute with `<`", broken.into_bytes(), "metadata-unreadable", "not well-formed");

    let mut latin1 = sample.clone().into_bytes();
    let at = sample.find("Northwind Contact Center</md:OrganizationName>").expect("name");
    latin1[at + 1] = 0xE9;
    add("non-UTF-8 byte", latin1, "metadata-unreadable", "not valid UTF-8");

    let truncated = sample.as_bytes()[..sample.len() / 2].to_vec();
    add("truncated", truncated, "metadata-unreadable", "not well-formed");

    let mut oversized = sample.clone().into_bytes();
    let filler = SIZE_LIMIT + 1 - oversized.len();
    oversized.extend(format!("<!--{}-->", "x".repeat(filler - 7)).into_bytes());
    assert_eq!(oversized.len(), SIZE_LIMIT + 1);
    add("10 MiB + 1 byte", oversized, "metadata-unreadable", "over the limit");

    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(sample.encode_utf16().flat_map(u16::to_le_bytes));
    add("UTF-16 with byte-order mark", utf16, "metadata-unreadable", "UTF-16");

    let utf16_bare: Vec<u8> = sample.encode_utf16().flat_map(u16::to_le_bytes).collect();
    add("UTF-16 without byte-order mark", utf16_bare, "metadata-unreadable", "not well-formed");

    let with_nul = sample.replacen("Northwind Contact", "Northwind\0Contact", 1);
    add("NUL byte", with_nul.into_bytes(), "metadata-unreadable", "not well-formed");

    add("empty", Vec::new(), "metadata-unreadable", "empty");

    let garbage: Vec<u8> =
        (0..4096_u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    add("binary garbage", garbage, "metadata-unreadable", "unreadable");

    let nodes = root_with(&"<a/>".repeat((SIZE_LIMIT - 200) / 4));
    add(
        "a million nodes",
        nodes.into_bytes(),
        "metadata-unreadable",
        "more than 1000000 XML nodes",
    );

    let mut wide = String::from("<md:EntityDescriptor");
    for i in 0..60_000 {
        let _ = write!(wide, " xmlns:p{i}=\"urn:p{i}\"");
    }
    let _ = write!(wide, " xmlns:md=\"{MD}\" entityID=\"e\">");
    wide.push_str(&"<c xmlns:z=\"urn:z\"/>".repeat(2_000));
    wide.push_str("</md:EntityDescriptor>");
    add(
        "namespace scope",
        wide.into_bytes(),
        "metadata-unreadable",
        "namespace prefixes are in scope",
    );

    let mut many = root_with("");
    many.truncate(many.len() - "</md:EntityDescriptor>\n".len());
    for group in 0..200 {
        many.push_str("<c");
        for i in 0..32 {
            let _ = write!(many, " xmlns:g{group}n{i}=\"urn:g{group}n{i}\"");
        }
        many.push_str("/>");
    }
    many.push_str("</md:EntityDescriptor>\n");
    add("distinct namespaces", many.into_bytes(), "metadata-unreadable", "distinct namespaces");

    // The maximum memory a document can take that passes the namespace
    // limits: 62 declarations in scope, copied by every child that declares
    // one more.
    let mut scoped = String::from("<md:EntityDescriptor");
    for i in 0..62 {
        let _ = write!(scoped, " xmlns:p{i}=\"urn:p{i}\"");
    }
    let _ = write!(scoped, " xmlns:md=\"{MD}\" entityID=\"e\">");
    let child = "<c xmlns:q=\"urn:q\"/>";
    scoped.push_str(&child.repeat((SIZE_LIMIT - scoped.len() - 40) / child.len()));
    scoped.push_str("</md:EntityDescriptor>");
    add("copied namespace scopes", scoped.into_bytes(), "metadata-not-idp", "IDPSSODescriptor");

    cases
}

/// Runs the binary through `sh` with a data-segment limit of `limit_kib`.
fn limited(limit_kib: u32, args: &[&str]) -> Command {
    let binary = assert_cmd::cargo::cargo_bin("sso-cutover");
    let mut command = Command::new("sh");
    clean_environment(&mut command);
    command
        .args(["-c", &format!("ulimit -d {limit_kib} && exec \"$0\" \"$@\""), &arg(&binary)])
        .args(args);
    command
}

/// Runs `metadata check` on `path` under the limit and returns the finding
/// of `rule`, failing unless it blocks and the run exits with 3.
fn check_blocks(label: &str, path: &Path, rule: &str) -> serde_json::Value {
    let mut command =
        limited(MEMORY_LIMIT_KIB, &["metadata", "check", &arg(path), "--output", "json"]);
    let run = run_command(label, &mut command);
    run.assert_code(3);
    let report = run.json();
    let findings = report["findings"].as_array().expect("findings");
    let finding = findings
        .iter()
        .find(|finding| finding["rule"] == rule)
        .unwrap_or_else(|| panic!("{label}: no `{rule}` finding in {findings:?}"));
    assert_eq!(finding["severity"], "block", "{label}");
    assert_eq!(finding["subject"], "metadata", "{label}");
    finding.clone()
}

#[test]
fn hostile_metadata_is_blocked_in_bounded_memory() {
    let dtd_server = StubServer::counting();
    let folder = tempfile::tempdir().expect("temporary folder");
    let cases = cases(&dtd_server.url());
    assert_eq!(cases.len(), 19, "every hostile shape is built");
    for (index, case) in cases.iter().enumerate() {
        let path = folder.path().join(format!("case-{index}.xml"));
        std::fs::write(&path, &case.bytes).expect("write the case");
        let finding = check_blocks(case.name, &path, case.rule);
        let message = finding["message"].as_str().expect("a message");
        assert!(message.contains(case.reason), "{}: {message}", case.name);
        assert!(!message.contains("root:x:0:0"), "{}: no file was read", case.name);
    }
    assert_eq!(dtd_server.connections(), 0, "no external DTD or entity was fetched");
}

#[test]
fn huge_sparse_file_is_read_up_to_the_limit() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("huge.xml");
    let file = std::fs::File::create(&path).expect("create");
    // A sparse gigabyte: reading it whole would need four times the limit.
    file.set_len(1024 * 1024 * 1024).expect("extend the file");
    let finding = check_blocks("a 1 GiB file", &path, "metadata-unreadable");
    let message = finding["message"].as_str().expect("a message");
    assert!(message.contains("10485761 bytes, over the limit"), "{message}");
}

#[test]
fn hostile_metadata_blocks_plan() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let org = CanaryOrg::write(&folder.path().join("org.json"), "CANARY-hostile");
    let path = folder.path().join("laughs.xml");
    std::fs::write(&path, &cases("http://127.0.0.1:9")[0].bytes).expect("write");
    let mut command = limited(
        MEMORY_LIMIT_KIB,
        &["--org-file", &arg(&org.path), "plan", "--metadata", &arg(&path), "--output", "json"],
    );
    let run = run_command("plan", &mut command);
    run.assert_code(3);
    let plan = run.json();
    assert_eq!(plan["blocked"], true);
    let rules: Vec<&str> = plan["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"metadata-dtd"), "{rules:?}");
}

#[test]
fn memory_limit_stops_a_larger_parse() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let path = folder.path().join("nodes.xml");
    std::fs::write(&path, root_with(&"<a/>".repeat((SIZE_LIMIT - 200) / 4))).expect("write");
    let output = limited(SMALL_MEMORY_LIMIT_KIB, &["metadata", "check", &arg(&path)])
        .output()
        .expect("the shell runs");
    assert_ne!(output.status.code(), Some(3), "a million nodes do not fit in 64 MiB");
    assert!(!output.status.success());
}

/// Returns the SAML metadata corpus folder that `SSO_CUTOVER_SAML_CORPUS`
/// names.
#[cfg(feature = "corpus-tests")]
fn corpus_dir() -> PathBuf {
    std::env::var_os("SSO_CUTOVER_SAML_CORPUS").map(PathBuf::from).expect(
        "SSO_CUTOVER_SAML_CORPUS names the SAML metadata corpus folder; run this test \
         through `cargo xtask corpus DIR`",
    )
}

#[cfg(feature = "corpus-tests")]
#[test]
fn hostile_corpus_is_blocked_in_bounded_memory() {
    let hostile = corpus_dir().join("hostile");
    let expectations_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../xtask/corpus-expectations.json");
    let text = std::fs::read_to_string(&expectations_path).expect("the corpus expectations");
    let expectations: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let entries = std::fs::read_dir(&hostile).unwrap_or_else(|error| {
        panic!(
            "the hostile corpus `{}` cannot be listed ({error}); set SSO_CUTOVER_SAML_CORPUS",
            hostile.display()
        )
    });
    let mut checked = 0;
    for entry in entries {
        let path = entry.expect("an entry").path();
        let name = path.file_name().expect("a name").to_string_lossy().into_owned();
        let rule = expectations[format!("hostile/{name}")]["outcome"]
            .as_str()
            .unwrap_or_else(|| panic!("no expectation for hostile/{name}"));
        check_blocks(&name, &path, rule);
        checked += 1;
    }
    assert!(checked >= 6, "every hostile corpus file was checked: {checked}");
}
