//! IdP metadata inputs (the corpus, a generated aggregate, a single IdP) and
//! the worker that parses them with `cutover_saml::parse_metadata`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::machine;

const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const NS_XMLDSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

/// The measurements of one parse worker, as either parser's worker prints
/// them on one line of JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParseReport {
    /// Files parsed per pass.
    pub files: usize,
    /// Bytes parsed per pass.
    pub bytes: u64,
    /// Timed passes over all files.
    pub iterations: u32,
    /// Wall time of the timed passes together, in seconds.
    pub seconds: f64,
    /// Files the parser accepted in the first pass.
    pub accepted: usize,
    /// Files the parser rejected (returned an error or raised) in the first
    /// pass.
    pub rejected: usize,
    /// Resident memory after reading the files and before parsing, in KiB.
    pub baseline_rss_kib: Option<u64>,
    /// Peak resident memory of the worker process while parsing, in KiB:
    /// since the baseline when the kernel allows resetting the peak, else
    /// since the worker started.
    pub peak_rss_kib: Option<u64>,
}

/// Lists every `.xml` file under `dir`, sorted by path.
pub fn corpus_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("cannot list corpus folder `{}`", folder.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("xml")) {
                files.push(path);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        bail!(
            "no .xml file found in corpus folder `{}`; pass the metadata corpus folder",
            dir.display()
        );
    }
    Ok(files)
}

/// Picks every fifth file, for the quick run.
pub fn quick_selection(files: &[PathBuf]) -> Vec<PathBuf> {
    files.iter().step_by(5).cloned().collect()
}

/// Generates a self-signed EC P-256 signing certificate, valid from a year
/// ago to two years ahead, and returns it as the base64 text of an
/// `X509Certificate` element.
pub fn signing_certificate_base64() -> Result<String> {
    let today = jiff::ZonedDateTime::now().date();
    let month = today.month() as u8;
    // Day 28 exists in every month, so both ends exist in their years.
    let day = today.day().min(28) as u8;
    let year = i32::from(today.year());
    let mut params = rcgen::CertificateParams::new(vec!["idp.bench.example".to_owned()])?;
    params.distinguished_name.push(rcgen::DnType::CommonName, "idp.bench.example");
    params.not_before = rcgen::date_time_ymd(year - 1, month, day);
    params.not_after = rcgen::date_time_ymd(year + 2, month, day);
    let key = rcgen::KeyPair::generate()?;
    let pem = params.self_signed(&key)?.pem();
    Ok(pem.lines().filter(|line| !line.starts_with("-----")).collect())
}

/// Returns the entity ID of entity `index` of a generated document.
pub fn entity_id(index: usize) -> String {
    format!("https://idp{index}.bench.example/saml")
}

/// Writes an `EntitiesDescriptor` of `entities` IdP entities, one per line,
/// each with an `IDPSSODescriptor`, a signing certificate and an
/// HTTP-Redirect `SingleSignOnService`.
pub fn aggregate_xml(entities: usize, certificate: &str) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<md:EntitiesDescriptor \
         xmlns:md=\"{NS_METADATA}\" xmlns:ds=\"{NS_XMLDSIG}\" Name=\"bench-federation\">\n"
    );
    for index in 0..entities {
        let _ = writeln!(
            out,
            "<md:EntityDescriptor entityID=\"{id}\"><md:IDPSSODescriptor \
             protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\
             <md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\
             {certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\
             <md:SingleSignOnService Binding=\"{BINDING_REDIRECT}\" \
             Location=\"https://idp{index}.bench.example/sso\"/>\
             </md:IDPSSODescriptor></md:EntityDescriptor>",
            id = entity_id(index),
        );
    }
    out.push_str("</md:EntitiesDescriptor>\n");
    out
}

/// Writes a single IdP's metadata with both SSO bindings, for the plan.
pub fn idp_xml(certificate: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <md:EntityDescriptor xmlns:md=\"{NS_METADATA}\" xmlns:ds=\"{NS_XMLDSIG}\" \
         entityID=\"{id}\">\n  <md:IDPSSODescriptor \
         protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n    \
         <md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\
         {certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n    \
         <md:NameIDFormat>{email}</md:NameIDFormat>\n    \
         <md:SingleSignOnService Binding=\"{BINDING_REDIRECT}\" Location=\"{sso}\"/>\n    \
         <md:SingleSignOnService Binding=\"{BINDING_POST}\" Location=\"{sso}\"/>\n  \
         </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n",
        id = entity_id(0),
        email = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        sso = "https://idp.bench.example/sso",
    )
}

/// Parses every file `iterations` times after one untimed pass, which also
/// counts the accepted and rejected files.
pub fn parse_files(
    files: &[PathBuf],
    entity_id: Option<&str>,
    iterations: u32,
) -> Result<ParseReport> {
    let documents = files
        .iter()
        .map(|path| {
            std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    let bytes = documents.iter().map(|document| document.len() as u64).sum();
    machine::reset_peak_rss();
    let baseline_rss_kib = machine::current_rss_kib();

    let accepted = documents
        .iter()
        .filter(|document| cutover_saml::parse_metadata(document, entity_id).is_ok())
        .count();
    let start = Instant::now();
    for _ in 0..iterations {
        for document in &documents {
            black_box(cutover_saml::parse_metadata(black_box(document), entity_id)).ok();
        }
    }
    let seconds = start.elapsed().as_secs_f64();

    Ok(ParseReport {
        files: documents.len(),
        bytes,
        iterations,
        seconds,
        accepted,
        rejected: documents.len() - accepted,
        baseline_rss_kib,
        peak_rss_kib: machine::peak_rss_kib(),
    })
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;

    #[test]
    fn aggregate_parses_with_chosen_entity() {
        let certificate = signing_certificate_base64().unwrap();
        let xml = aggregate_xml(50, &certificate);
        let chosen = entity_id(49);
        let metadata = cutover_saml::parse_metadata(xml.as_bytes(), Some(&chosen)).unwrap();
        assert_eq!(metadata.entity_id, chosen);
        assert_eq!(metadata.entity_ids.len(), 50);
        assert_eq!(metadata.signing_certificates.len(), 1);
        assert!(metadata.signing_certificates[0].parsed.is_ok());
        assert_eq!(
            metadata.chosen_sso_service().map(|service| service.location.as_str()),
            Some("https://idp49.bench.example/sso")
        );
    }

    #[test]
    fn aggregate_of_ten_thousand_fits_parser_limit() {
        let certificate = signing_certificate_base64().unwrap();
        let xml = aggregate_xml(10_000, &certificate);
        assert!(
            xml.len() <= cutover_saml::MAX_METADATA_BYTES,
            "{} bytes is over the parser's limit",
            xml.len()
        );
    }

    #[test]
    fn idp_metadata_has_usable_certificate() {
        let certificate = signing_certificate_base64().unwrap();
        let metadata =
            cutover_saml::parse_metadata(idp_xml(&certificate).as_bytes(), None).unwrap();
        let info = metadata.signing_certificates[0].parsed.as_ref().unwrap();
        assert!(info.is_usable_at(Timestamp::now()));
        assert_eq!(metadata.sso_services.len(), 2);
    }

    #[test]
    fn parse_files_counts_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.xml");
        let bad = dir.path().join("bad.xml");
        std::fs::write(&good, idp_xml(&signing_certificate_base64().unwrap())).unwrap();
        std::fs::write(&bad, "<not-metadata/>").unwrap();
        let report = parse_files(&[good, bad], None, 2).unwrap();
        assert_eq!(report.files, 2);
        assert_eq!(report.accepted, 1);
        assert_eq!(report.rejected, 1);
        assert_eq!(report.iterations, 2);
    }

    #[test]
    fn corpus_files_lists_xml_recursively() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("public")).unwrap();
        std::fs::write(dir.path().join("public/b.xml"), "").unwrap();
        std::fs::write(dir.path().join("a.xml"), "").unwrap();
        std::fs::write(dir.path().join("SOURCES.tsv"), "").unwrap();
        let files = corpus_files(dir.path()).unwrap();
        assert_eq!(files, vec![dir.path().join("a.xml"), dir.path().join("public/b.xml")]);
    }

    #[test]
    fn corpus_files_rejects_empty_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(corpus_files(dir.path()).is_err());
    }
}
