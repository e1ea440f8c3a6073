//! Rules about the change itself: replacing a configured provider, and the
//! state and timing of native login.

use cutover_api::{IdentityProvider, ProviderType};
use sha2::{Digest, Sha256};

use crate::certificates::{decode_certificate_text, stored_certificate_set};
use crate::finding::{Finding, RuleId, Severity};
use crate::provider::explain_uri_difference;

/// `provider-replaced`: the target provider exists with a different issuer,
/// SSO URL or certificate set than `desired`.
pub(crate) fn check_replaced(
    kind: ProviderType,
    existing: Option<&IdentityProvider>,
    desired: &IdentityProvider,
    findings: &mut Vec<Finding>,
) {
    let Some(existing) = existing else {
        return;
    };
    let issuer =
        compare_uri("issuer", existing.issuer_uri.as_deref(), desired.issuer_uri.as_deref());
    let sso = compare_uri(
        "SSO URL",
        existing.sso_target_uri.as_deref(),
        desired.sso_target_uri.as_deref(),
    );
    let certificates_differ =
        match (stored_certificate_set(existing), stored_certificate_set(desired)) {
            (Some(old), Some(new)) => old != new,
            _ => true,
        };
    if issuer.is_none() && sso.is_none() && !certificates_differ {
        return;
    }

    let mut parts = vec![
        issuer.unwrap_or_else(|| "issuer unchanged".to_owned()),
        sso.unwrap_or_else(|| "SSO URL unchanged".to_owned()),
    ];
    if certificates_differ {
        parts.push(format!(
            "certificates [{}] → [{}]",
            certificate_digests(existing),
            certificate_digests(desired)
        ));
    } else {
        parts.push("certificates unchanged".to_owned());
    }
    let name = existing.name.as_deref().map(|name| format!(" `{name}`")).unwrap_or_default();
    let state = if existing.is_disabled() { " (disabled)" } else { "" };
    findings.push(Finding::new(
        RuleId::ProviderReplaced,
        Severity::Warn,
        format!("identity-provider:{kind}"),
        format!(
            "the {kind} provider{name}{state} is already configured and would be replaced, old → \
             new: {}",
            parts.join("; ")
        ),
        "check that the metadata belongs to the IdP that should replace the configured one; \
         users who sign in through the old IdP must move to the new one",
    ));
}

/// Describes `old → new` for one URI field, or returns `None` when equal.
fn compare_uri(label: &str, old: Option<&str>, new: Option<&str>) -> Option<String> {
    if old == new {
        return None;
    }
    let show =
        |value: Option<&str>| value.map_or_else(|| "(none)".to_owned(), |text| format!("`{text}`"));
    let explanation = match (old, new) {
        (Some(old), Some(new)) => explain_uri_difference(old, new)
            .map(|explanation| format!(" ({explanation})"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    Some(format!("{label} {} → {}{explanation}", show(old), show(new)))
}

/// Lists the SHA-256 of each stored certificate's DER, in stored order.
fn certificate_digests(provider: &IdentityProvider) -> String {
    let texts = provider.certificates.iter().flatten().chain(provider.certificate.as_ref());
    let mut digests: Vec<String> = Vec::new();
    for text in texts {
        let digest = match decode_certificate_text(text) {
            Some(der) => format!("sha256:{}", hex::encode(Sha256::digest(der))),
            None => "(a certificate that does not decode)".to_owned(),
        };
        if !digests.contains(&digest) {
            digests.push(digest);
        }
    }
    digests.join(", ")
}

/// `native-login-already-disabled`.
pub(crate) fn check_native_login_disabled(already_disabled: bool, findings: &mut Vec<Finding>) {
    if already_disabled {
        findings.push(Finding::new(
            RuleId::NativeLoginAlreadyDisabled,
            Severity::Info,
            "identity-provider:purecloud",
            "native Genesys Cloud login (the purecloud provider) is already disabled",
            "nothing to do: the plan does not change native login",
        ));
    }
}

/// `native-login-same-run`: the plan has both stages.
pub(crate) fn check_same_run(kind: ProviderType, both_stages: bool, findings: &mut Vec<Finding>) {
    if both_stages {
        findings.push(Finding::new(
            RuleId::NativeLoginSameRun,
            Severity::Warn,
            "org",
            format!(
                "this plan configures the {kind} provider and disables native login in one run, \
                 with no chance to test an SSO sign-in in between"
            ),
            "apply without `--disable-native-login` first, sign in through the IdP as a person, \
             then plan again with it; or accept with `--accept native-login-same-run --reason \
             TEXT`",
        ));
    }
}
