//! Comparison of one provider object with another.
//!
//! Both comparisons follow `cutover_policy::compare_provider`: `id` and
//! `selfUri` are ignored (the server adds them), an absent field equals
//! `null`, and certificates compare as DER, so PEM armour and line breaks do
//! not count.

use cutover_api::IdentityProvider;
use cutover_policy::compare_provider;
use serde_json::{Map, Value};

/// Fields the server adds to a provider; they never count as a difference.
pub const SERVER_FIELDS: [&str; 2] = ["id", "selfUri"];

/// Lists the fields of `sent` that do not read back equal in `read_back`.
/// Fields only `read_back` has are not differences: this is the check that
/// a `PUT` took effect.
pub fn sent_differences(sent: &IdentityProvider, read_back: &IdentityProvider) -> Vec<String> {
    compare_provider(sent, read_back)
}

/// Lists every field that differs between `expected` and `current`, in
/// either direction: the fields of `expected` as [`sent_differences`]
/// compares them, and the fields that only `current` has. This is the check
/// that an object is exactly as stored in a backup.
pub fn object_differences(expected: &IdentityProvider, current: &IdentityProvider) -> Vec<String> {
    let mut differences = compare_provider(expected, current);
    let expected_fields = fields(expected);
    for (key, value) in fields(current) {
        if !expected_fields.contains_key(&key) {
            differences.push(format!("`{key}` is {value} now but absent from the backup"));
        }
    }
    differences
}

/// Returns the provider's fields that are neither `null` nor added by the
/// server.
fn fields(provider: &IdentityProvider) -> Map<String, Value> {
    match serde_json::to_value(provider) {
        Ok(Value::Object(map)) => map
            .into_iter()
            .filter(|(key, value)| !value.is_null() && !SERVER_FIELDS.contains(&key.as_str()))
            .collect(),
        // A struct with a flattened map always serializes to an object.
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn provider(value: Value) -> IdentityProvider {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn server_fields_ignored() {
        let sent = provider(json!({"name": "Okta", "issuerURI": "https://i"}));
        let read = provider(json!({"id": "1", "selfUri": "/x", "name": "Okta",
                                   "issuerURI": "https://i"}));
        assert!(sent_differences(&sent, &read).is_empty());
        assert!(object_differences(&sent, &read).is_empty());
    }

    #[test]
    fn sent_field_changed_reported() {
        let sent = provider(json!({"issuerURI": "https://i", "name": "A"}));
        let read = provider(json!({"issuerURI": "https://i/", "name": "B"}));
        let differences = sent_differences(&sent, &read);
        assert_eq!(differences.len(), 2, "{differences:?}");
        assert!(differences.iter().any(|d| d.contains("`issuerURI`")), "{differences:?}");
        assert!(differences.iter().any(|d| d.contains("`name`")), "{differences:?}");
    }

    #[test]
    fn sent_field_missing_reported() {
        let sent = provider(json!({"sloURI": "https://s", "disabled": false}));
        let read = provider(json!({"disabled": false}));
        let differences = sent_differences(&sent, &read);
        assert_eq!(differences.len(), 1, "{differences:?}");
        assert!(differences[0].contains("`sloURI`"), "{differences:?}");
    }

    #[test]
    fn added_field_only_object_difference() {
        let sent = provider(json!({"disabled": true}));
        let read = provider(json!({"disabled": true, "displayOnLogin": false}));
        assert!(sent_differences(&sent, &read).is_empty());
        let differences = object_differences(&sent, &read);
        assert_eq!(differences.len(), 1, "{differences:?}");
        assert!(differences[0].contains("`displayOnLogin`"), "{differences:?}");
    }

    #[test]
    fn null_equals_absent() {
        let with_null = provider(json!({"name": "x", "logoImageData": null}));
        let without = provider(json!({"name": "x"}));
        assert!(object_differences(&with_null, &without).is_empty());
        assert!(object_differences(&without, &with_null).is_empty());
    }
}
