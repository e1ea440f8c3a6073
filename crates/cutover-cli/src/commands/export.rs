//! `export terraform`: prints HCL for the org's configured identity
//! providers, so that an org cut over with this tool can be handed to
//! terraform.

use std::collections::BTreeMap;

use cutover_api::ProviderType;
use futures::future::try_join_all;

use crate::cli::ExportTerraformArgs;
use crate::context::Backend;
use crate::exit::{CliError, Exit};
use crate::output::Printer;
use crate::terraform;

/// Reads the organization and every fixed-type provider (a 404 means not
/// configured) and writes the HCL to stdout. `--output json` is a usage
/// error (exit 2), found before any request, because HCL has no JSON form.
pub async fn terraform(
    _args: &ExportTerraformArgs,
    backend: &Backend,
    printer: &Printer,
) -> Result<Exit, CliError> {
    if printer.is_json() {
        return Err(CliError::usage(
            "`export terraform` prints HCL, not JSON; run it without `--output json`",
        ));
    }
    let api = backend.api();
    tracing::info!(backend = %backend.endpoint(), "reading the identity providers");
    let organization = api
        .organization()
        .await
        .map_err(|error| CliError::from(error).context("reading the organization"))?;
    let found = try_join_all(ProviderType::ALL.iter().map(|&kind| async move {
        api.identity_provider(kind).await.map(|provider| provider.map(|found| (kind, found)))
    }))
    .await
    .map_err(|error| CliError::from(error).context("reading the identity providers"))?;
    let providers: BTreeMap<_, _> = found.into_iter().flatten().collect();

    let hcl = terraform::render(Some(&organization), &providers);
    printer.raw(hcl.as_bytes());
    Ok(Exit::Success)
}
