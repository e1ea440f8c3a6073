//! `verify`: checks that the org can be signed in to after a cutover.
//!
//! The checks are `token` (a fresh token for the tool's own client) and
//! `organization` (`GET /api/v2/organizations/me`). Each configured provider
//! other than `purecloud` gets `provider:<type>`: not disabled, an `https` SSO
//! URL, and at least one usable certificate (one that decodes, is not a CA
//! certificate and is valid now). A certificate that expires within
//! the warning window is named in the detail but fails nothing. When no such
//! provider is configured, a failed `provider` check says so, and says that
//! nobody can sign in when native login is off too.

use cutover_api::{IdentityProvider, OrgApi, ProviderType};
use cutover_saml::{CertificateInfo, certificate_info, days_left, decode_certificate_text};
use jiff::Timestamp;
use serde::Serialize;

use crate::apply::Check;
use crate::apply::checks::{check_fresh_token, check_organization, provider_check_name};

/// Name of the check that fails when no provider other than `purecloud` is
/// configured.
pub const CHECK_ANY_PROVIDER: &str = "provider";

/// The JSON output of `verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Whether every check passed.
    pub ok: bool,
    /// The checks in the order they ran.
    pub checks: Vec<Check>,
}

impl VerifyReport {
    /// Returns the exit code: 0 when every check passed, else 4.
    pub fn exit_code(&self) -> u8 {
        if self.ok { 0 } else { 4 }
    }
}

/// Runs every check against `api` at `now`. A certificate whose remaining
/// validity is `cert_warn_days` days or less is named in its provider's
/// detail; 0 turns that note off.
pub async fn verify(api: &dyn OrgApi, now: Timestamp, cert_warn_days: u32) -> VerifyReport {
    let mut checks = vec![check_fresh_token(api).await, check_organization(api, None).await];

    let mut configured = 0;
    for kind in ProviderType::ALL.into_iter().filter(|&kind| kind != ProviderType::Purecloud) {
        match api.identity_provider(kind).await {
            Ok(Some(provider)) => {
                configured += 1;
                checks.push(check_provider(kind, &provider, now, cert_warn_days));
            }
            Ok(None) => {}
            Err(error) => checks.push(Check::fail(
                provider_check_name(kind),
                format!("reading `{}` failed: {error}", kind.path()),
            )),
        }
    }
    let read_failures = checks.iter().filter(|check| check.name.starts_with("provider:")).count();
    if configured == 0 && read_failures == 0 {
        checks.push(no_provider_check(api).await);
    }

    let ok = checks.iter().all(|check| check.ok);
    VerifyReport { ok, checks }
}

/// Builds the failed check for an org with no provider other than
/// `purecloud`, saying that nobody can sign in when native login is off too.
async fn no_provider_check(api: &dyn OrgApi) -> Check {
    let native_login_off = match api.identity_provider(ProviderType::Purecloud).await {
        Ok(purecloud) => purecloud.is_some_and(|provider| provider.is_disabled()),
        Err(error) => {
            tracing::debug!("could not read native login: {error}");
            false
        }
    };
    let detail = if native_login_off {
        "nobody can sign in: Genesys Cloud login is off and no SSO provider is configured; \
         turn native login on with `sso-cutover rollback --backup PATH`, or configure a \
         provider with `sso-cutover plan` and `sso-cutover apply`"
    } else {
        "no identity provider other than `purecloud` is configured; configure one with \
         `sso-cutover plan` and `sso-cutover apply`"
    };
    Check::fail(CHECK_ANY_PROVIDER, detail)
}

/// Judges one configured provider.
pub fn check_provider(
    kind: ProviderType,
    provider: &IdentityProvider,
    now: Timestamp,
    cert_warn_days: u32,
) -> Check {
    let mut problems = Vec::new();
    let mut notes = Vec::new();

    if provider.is_disabled() {
        problems.push("the provider is disabled".to_owned());
    }
    match provider.sso_target_uri.as_deref().map(str::trim) {
        None | Some("") => problems.push("`ssoTargetURI` is missing".to_owned()),
        Some(url) if !is_https(url) => {
            problems.push(format!("the SSO URL `{url}` is not https"));
        }
        Some(url) => notes.push(format!("SSO URL `{url}`")),
    }

    let certificates = stored_certificates(provider);
    let mut usable = 0;
    for (index, result) in certificates.iter().enumerate() {
        match result {
            Err(reason) => {
                notes.push(format!("certificate {} does not decode: {reason}", index + 1));
            }
            Ok(info) if info.is_ca => {
                notes.push(format!("certificate `{}` is a CA certificate", short(&info.sha256)));
            }
            Ok(info) if info.not_before > now => notes.push(format!(
                "certificate `{}` is not valid before {}",
                short(&info.sha256),
                info.not_before
            )),
            Ok(info) if info.not_after < now => notes.push(format!(
                "certificate `{}` expired at {}",
                short(&info.sha256),
                info.not_after
            )),
            Ok(info) => {
                usable += 1;
                let days = days_left(info.not_after, now);
                if cert_warn_days > 0 && days <= i64::from(cert_warn_days) {
                    notes.push(format!(
                        "certificate `{}` expires in {days} days ({}); add its successor at the IdP \
                         and apply again",
                        short(&info.sha256),
                        info.not_after
                    ));
                }
            }
        }
    }
    if usable == 0 {
        problems.push(if certificates.is_empty() {
            "no certificate is stored".to_owned()
        } else {
            "no stored certificate is usable now".to_owned()
        });
    } else {
        notes.push(format!("{usable} of {} certificates usable", certificates.len()));
    }

    let name = provider_check_name(kind);
    if problems.is_empty() {
        Check::pass(name, notes.join("; "))
    } else {
        problems.extend(notes);
        Check::fail(name, problems.join("; "))
    }
}

/// Decodes the provider's certificates: its `certificates` list and its
/// `certificate` field, each certificate once (compared as DER), in that
/// order. A text that does not decode is kept as its error.
fn stored_certificates(provider: &IdentityProvider) -> Vec<Result<CertificateInfo, String>> {
    let texts = provider.certificates.iter().flatten().chain(provider.certificate.iter());
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut decoded = Vec::new();
    for text in texts {
        match decode_certificate_text(text).and_then(certificate_info) {
            Ok(info) => {
                if !seen.contains(&info.der) {
                    seen.push(info.der.clone());
                    decoded.push(Ok(info));
                }
            }
            Err(error) => decoded.push(Err(error.to_string())),
        }
    }
    decoded
}

fn is_https(url: &str) -> bool {
    url.get(..8).is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// Returns the first 16 hex digits of a SHA-256: enough to tell certificates apart in
/// a message.
fn short(sha256: &str) -> &str {
    sha256.get(..16).unwrap_or(sha256)
}
