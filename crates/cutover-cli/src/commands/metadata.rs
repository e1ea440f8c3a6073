//! `metadata check SOURCE`: parses IdP metadata and evaluates the metadata
//! and certificate rules. Needs no org and no credentials.

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use comfy_table::Cell;
use cutover_policy::MetadataReport;
use cutover_saml::{FetchOptions, IdpMetadata, MAX_METADATA_BYTES, MetadataError};
use jiff::Timestamp;

use crate::cli::MetadataCheckArgs;
use crate::commands::{findings_table, policy_error};
use crate::exit::{CliError, Exit};
use crate::output::Printer;
use crate::output::table::new_table;

/// Runs `metadata check`.
pub async fn check(args: &MetadataCheckArgs, printer: &Printer) -> Result<Exit, CliError> {
    let bytes = read_metadata_source(&args.source).await?;
    let parsed = parse(&bytes, args.entity_id.as_deref())?;
    let report = MetadataReport::new(&parsed, Timestamp::now(), args.cert_warn_days)
        .map_err(policy_error)?;
    let blocked = report.findings.iter().any(|finding| finding.blocks(false));

    printer.emit(&report, || render(&report, &args.source, blocked))?;
    Ok(if blocked { Exit::Blocked } else { Exit::Success })
}

/// Parses metadata, turning an `--entity-id` that names no IdP into an input
/// error (exit 1) that lists the IdP entity IDs.
pub fn parse(
    bytes: &[u8],
    entity_id: Option<&str>,
) -> Result<Result<IdpMetadata, MetadataError>, CliError> {
    match cutover_saml::parse_metadata(bytes, entity_id) {
        Err(MetadataError::UnknownEntityId { requested, available }) => {
            let listed = if available.is_empty() {
                "it describes no identity provider".to_owned()
            } else {
                format!("pass one of: {}", available.join(", "))
            };
            Err(CliError::input(format!(
                "--entity-id `{requested}` names no identity provider in the metadata; {listed}"
            )))
        }
        other => Ok(other),
    }
}

/// Reads metadata from a file path, or downloads it from an `https://` URL
/// (plain `http://` only from a loopback host). Fails with exit 1 naming the
/// path or URL.
pub async fn read_metadata_source(source: &str) -> Result<Vec<u8>, CliError> {
    let lower = source.trim_start().to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        // Each fetch error names the URL and its own fix.
        return cutover_saml::fetch_metadata(source.trim(), FetchOptions::default())
            .await
            .map_err(|error| CliError::input(error.to_string()));
    }
    read_capped(Path::new(source)).map_err(|error| {
        CliError::input(format!(
            "could not read the metadata file `{source}`: {error}; check the path and its \
             permissions"
        ))
    })
}

/// Reads at most one byte more than the metadata size limit, so a huge file
/// is reported as too large by the parser without being read whole.
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_METADATA_BYTES as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Returns the name a key type has in the JSON output, such as `RSA`.
fn key_type_name(key_type: cutover_saml::KeyType) -> String {
    match serde_json::to_value(key_type) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{key_type:?}"),
    }
}

/// Returns the last part of a binding URN, such as `HTTP-Redirect`.
pub fn binding_name(binding: &str) -> &str {
    binding.rsplit(':').next().unwrap_or(binding)
}

fn render(report: &MetadataReport, source: &str, blocked: bool) -> String {
    let mut out = format!("Metadata {source}\n");
    match &report.entity_id {
        Some(id) => {
            let _ = writeln!(out, "Identity provider: {id}");
        }
        None if report.entity_ids.is_empty() => out.push_str("Identity provider: none found\n"),
        None => {
            let _ = writeln!(
                out,
                "Identity provider: none chosen among {}",
                report.entity_ids.join(", ")
            );
        }
    }
    for service in &report.sso_services {
        let _ = writeln!(
            out,
            "Sign-on service ({}): {}",
            binding_name(&service.binding),
            service.location
        );
    }
    for service in &report.slo_services {
        let _ = writeln!(
            out,
            "Logout service ({}): {}",
            binding_name(&service.binding),
            service.location
        );
    }

    if !report.certificates.is_empty() {
        let mut table = new_table([
            "certificate (SHA-256)",
            "subject",
            "valid until",
            "days left",
            "key",
            "used",
        ]);
        for certificate in &report.certificates {
            let used = report.provider_certificates.contains(&certificate.sha256);
            table.add_row(vec![
                Cell::new(&certificate.sha256),
                Cell::new(&certificate.subject),
                Cell::new(certificate.not_after),
                Cell::new(certificate.days_left),
                Cell::new(format!(
                    "{} {}",
                    key_type_name(certificate.key_type),
                    certificate.key_bits
                )),
                crate::output::table::bool_cell(used),
            ]);
        }
        let _ = writeln!(out, "\nSigning certificates\n{table}");
    }

    if report.findings.is_empty() {
        out.push_str("\nNo findings.\n");
    } else {
        let _ = writeln!(out, "\nFindings\n{}", findings_table(&report.findings));
    }
    out.push_str(if blocked {
        "\nBlocked: fix the findings marked block before using this metadata.\n"
    } else {
        "\nThe metadata can be used.\n"
    });
    out
}
