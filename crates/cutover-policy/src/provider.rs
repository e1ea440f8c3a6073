//! The provider body of stage 1, whether a configured provider already
//! matches it, and how a provider read back differs from what was sent.

use std::collections::BTreeSet;

use cutover_api::IdentityProvider;
use cutover_saml::{BINDING_HTTP_REDIRECT, IdpMetadata};
use jiff::Timestamp;
use serde_json::Value;

use crate::certificates::{decode_certificate_text, stored_certificate_set};

/// `sloBinding` value for an HTTP-Redirect single-logout service.
///
/// The API documents no values for `sloBinding` (unlike `ssoBinding`, whose
/// enum lists the SAML binding URNs). The Terraform provider that Genesys
/// maintains (terraform-provider-genesyscloud v1.84.1, `idp_generic`) accepts
/// and sends only `HTTP Redirect` and `HTTP Post`, which are also the labels
/// of the admin UI, so the body uses those words rather than the URNs.
pub const SLO_BINDING_REDIRECT: &str = "HTTP Redirect";
/// `sloBinding` value for an HTTP-POST single-logout service.
pub const SLO_BINDING_POST: &str = "HTTP Post";

/// Fields a server adds to a provider; they are never compared.
const SERVER_FIELDS: [&str; 2] = ["id", "selfUri"];

/// Builds the body of `PUT /api/v2/identityproviders/<kind>` for stage 1.
///
/// It starts from the provider as read, so every field the product does not
/// set goes back unchanged. It sets `issuerURI`, `ssoTargetURI`,
/// `ssoBinding`, `sloURI`, `sloBinding` and `disabled: false`. The
/// `certificates` are every usable certificate in metadata order, and
/// `certificate` is set only when there is exactly one. The `name` is
/// `name`, else the existing name, else the entity ID.
///
/// Fields that describe the old IdP are removed when the metadata has no
/// value for them, rather than kept:
/// - `certificate` when the provider gets other than exactly one
///   certificate, because the provider's certificates are the union of both
///   fields and a stale one would stay trusted;
/// - `sloURI` and `sloBinding` when the metadata has no HTTP-Redirect or
///   HTTP-POST logout service;
/// - `ssoTargetURI` and `ssoBinding` when it has no such sign-in service
///   (a plan built on such metadata is blocked).
pub fn provider_body(
    existing: Option<&IdentityProvider>,
    metadata: &IdpMetadata,
    name: Option<&str>,
    now: Timestamp,
) -> IdentityProvider {
    let mut body = existing.cloned().unwrap_or_default();
    let certificates = metadata.provider_certificates(now);
    let sso = metadata.chosen_sso_service();
    let slo = metadata.chosen_slo_service();

    body.name = Some(
        name.map(str::to_owned)
            .or_else(|| existing.and_then(|provider| provider.name.clone()))
            .unwrap_or_else(|| metadata.entity_id.clone()),
    );
    body.disabled = Some(false);
    body.issuer_uri = Some(metadata.entity_id.clone());
    body.sso_target_uri = sso.map(|endpoint| endpoint.location.trim().to_owned());
    body.sso_binding = sso.map(|endpoint| endpoint.binding.clone());
    body.slo_uri = slo.map(|endpoint| endpoint.location.trim().to_owned());
    body.slo_binding = slo.map(|endpoint| {
        if endpoint.binding == BINDING_HTTP_REDIRECT {
            SLO_BINDING_REDIRECT
        } else {
            SLO_BINDING_POST
        }
        .to_owned()
    });
    // NOTE: the API does not document whether a PUT clears a field left out
    // of the body. If it keeps an old `certificate`, that certificate stays
    // in the provider's set, `provider_matches` is false, and the next plan
    // shows stage 1 again (with `provider-replaced` naming it).
    body.certificate = match certificates.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    };
    body.certificates = Some(certificates);
    body
}

/// Tells whether the configured provider already matches `desired`: it
/// exists, is not disabled, has exactly the same `issuerURI` and
/// `ssoTargetURI` strings, and the same set of certificates compared as DER.
/// A stored certificate that does not decode never matches.
pub fn provider_matches(existing: Option<&IdentityProvider>, desired: &IdentityProvider) -> bool {
    let Some(existing) = existing else {
        return false;
    };
    if existing.is_disabled() {
        return false;
    }
    let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
    if !same(&existing.issuer_uri, &desired.issuer_uri)
        || !same(&existing.sso_target_uri, &desired.sso_target_uri)
    {
        return false;
    }
    match (stored_certificate_set(existing), stored_certificate_set(desired)) {
        (Some(stored), Some(wanted)) => stored == wanted,
        _ => false,
    }
}

/// Lists every field of `sent` that does not read back equal, one sentence
/// each; empty when the provider reads back as sent. `id` and `selfUri` are
/// ignored, an absent field reads as `null`, and `certificate` and
/// `certificates` compare as DER (the list as a set), so PEM armour and line
/// breaks added by the server do not count.
pub fn compare_provider(sent: &IdentityProvider, read_back: &IdentityProvider) -> Vec<String> {
    let (Value::Object(sent_fields), Value::Object(read_fields)) =
        (to_value(sent), to_value(read_back))
    else {
        return vec!["the provider does not serialize as a JSON object".to_owned()];
    };
    let mut differences = Vec::new();
    for (field, sent_value) in &sent_fields {
        if SERVER_FIELDS.contains(&field.as_str()) {
            continue;
        }
        let read_value = read_fields.get(field).unwrap_or(&Value::Null);
        let equal = match field.as_str() {
            "certificate" => certificate_texts_equal(sent_value, read_value),
            "certificates" => certificate_lists_equal(sent_value, read_value),
            _ => sent_value == read_value,
        };
        if !equal {
            let read_text = if read_fields.contains_key(field) {
                read_value.to_string()
            } else {
                "absent".into()
            };
            differences
                .push(format!("`{field}` was sent as {sent_value} but reads back as {read_text}"));
        }
    }
    differences
}

fn to_value(provider: &IdentityProvider) -> Value {
    serde_json::to_value(provider).unwrap_or(Value::Null)
}

fn certificate_texts_equal(sent: &Value, read: &Value) -> bool {
    match (sent.as_str(), read.as_str()) {
        (Some(a), Some(b)) => match (decode_certificate_text(a), decode_certificate_text(b)) {
            (Some(a), Some(b)) => a == b,
            _ => a == b,
        },
        _ => sent == read,
    }
}

fn certificate_lists_equal(sent: &Value, read: &Value) -> bool {
    let decode = |value: &Value| -> Option<BTreeSet<Vec<u8>>> {
        value.as_array()?.iter().map(|item| decode_certificate_text(item.as_str()?)).collect()
    };
    match (decode(sent), decode(read)) {
        (Some(a), Some(b)) => a == b,
        _ => sent == read,
    }
}

/// A kind of small URI difference: its label and the normalization that
/// removes it.
type UriNormalization = (&'static str, fn(&str) -> String);

/// The differences [`explain_uri_difference`] points out, in message order.
const URI_NORMALIZATIONS: [UriNormalization; 3] = [
    ("the scheme", without_scheme),
    ("letter case", str::to_lowercase),
    ("a trailing slash", without_trailing_slash),
];

fn without_scheme(uri: &str) -> String {
    uri.split_once("://").map_or(uri, |(_, rest)| rest).to_owned()
}

fn without_trailing_slash(uri: &str) -> String {
    uri.trim_end_matches('/').to_owned()
}

/// Applies every normalization except the one at index `skip`.
fn normalize_uri(uri: &str, skip: Option<usize>) -> String {
    URI_NORMALIZATIONS
        .iter()
        .enumerate()
        .filter(|(index, _)| Some(*index) != skip)
        .fold(uri.to_owned(), |text, (_, (_, apply))| apply(&text))
}

/// Explains a difference between two URIs that is easy to miss: only a
/// trailing slash, only letter case, only the scheme, or a combination of
/// those. Returns `None` when the strings are equal or differ otherwise.
pub fn explain_uri_difference(old: &str, new: &str) -> Option<String> {
    if old == new || normalize_uri(old, None) != normalize_uri(new, None) {
        return None;
    }
    // A kind of difference is present when leaving out its normalization
    // makes the two strings differ again.
    let present: Vec<&str> = (0..URI_NORMALIZATIONS.len())
        .filter(|index| normalize_uri(old, Some(*index)) != normalize_uri(new, Some(*index)))
        .map(|index| URI_NORMALIZATIONS[index].0)
        .collect();
    let list = match present.as_slice() {
        [] => return None,
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    Some(format!("differs only in {list}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_small_uri_differences() {
        let cases = [
            (
                "https://idp.example.com/sso",
                "https://idp.example.com/sso/",
                Some("a trailing slash"),
            ),
            ("https://idp.example.com/SSO", "https://idp.example.com/sso", Some("letter case")),
            ("http://idp.example.com/sso", "https://idp.example.com/sso", Some("the scheme")),
            (
                "http://IDP.example.com/sso/",
                "https://idp.example.com/sso",
                Some("the scheme, letter case and a trailing slash"),
            ),
            ("https://idp.example.com/a", "https://idp.example.com/b", None),
            ("same", "same", None),
        ];
        for (old, new, expected) in cases {
            let expected = expected.map(|list| format!("differs only in {list}"));
            assert_eq!(explain_uri_difference(old, new), expected, "{old} vs {new}");
        }
    }
}
