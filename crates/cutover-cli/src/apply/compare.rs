//! How a provider object is compared with another: as JSON objects, field by
//! field, ignoring the fields the server adds (`id`, `selfUri`). A field that
//! is `null` counts as absent.

use cutover_api::IdentityProvider;
use serde_json::{Map, Value};

/// Fields the server adds to a provider; they never count as a difference.
pub const SERVER_FIELDS: [&str; 2] = ["id", "selfUri"];

fn fields(provider: &IdentityProvider) -> Map<String, Value> {
    match serde_json::to_value(provider) {
        Ok(Value::Object(map)) => {
            map.into_iter().filter(|(key, value)| !value.is_null() && !ignored(key)).collect()
        }
        // NOTE: a struct with a flattened map always serializes to an object.
        _ => Map::new(),
    }
}

fn ignored(key: &str) -> bool {
    SERVER_FIELDS.contains(&key)
}

fn show(value: Option<&Value>) -> String {
    match value {
        None => "(absent)".to_owned(),
        Some(value) => {
            let text = value.to_string();
            if text.chars().count() > 80 {
                let cut: String = text.chars().take(77).collect();
                format!("{cut}...")
            } else {
                text
            }
        }
    }
}

/// Lists the fields of `sent` that do not read back equal in `read_back`,
/// each as "`field`: sent X, read back Y". Fields only `read_back` has are
/// not differences: this is the check that a `PUT` took effect.
pub fn sent_differences(sent: &IdentityProvider, read_back: &IdentityProvider) -> Vec<String> {
    let sent = fields(sent);
    let read = fields(read_back);
    sent.iter()
        .filter(|(key, value)| read.get(*key) != Some(value))
        .map(|(key, value)| {
            format!("`{key}`: sent {}, read back {}", show(Some(value)), show(read.get(key)))
        })
        .collect()
}

/// Lists every field that differs between `expected` and `current`, in
/// either direction, each as "`field`: expected X, found Y". This is the
/// check that an object is exactly as a backup holds it: a field added since
/// the backup is a difference too.
pub fn object_differences(expected: &IdentityProvider, current: &IdentityProvider) -> Vec<String> {
    let expected = fields(expected);
    let current = fields(current);
    let mut keys: Vec<&String> = expected.keys().chain(current.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|key| expected.get(*key) != current.get(*key))
        .map(|key| {
            format!(
                "`{key}`: expected {}, found {}",
                show(expected.get(key)),
                show(current.get(key))
            )
        })
        .collect()
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
        let sent = provider(json!({"issuerURI": "https://i", "certificates": ["A", "B"]}));
        let read = provider(json!({"issuerURI": "https://i/", "certificates": ["A"]}));
        let differences = sent_differences(&sent, &read);
        assert_eq!(differences.len(), 2, "{differences:?}");
        assert!(differences.iter().any(|d| d.starts_with("`certificates`")), "{differences:?}");
        assert!(
            differences.iter().any(|d| d.contains("read back \"https://i/\"")),
            "{differences:?}"
        );
    }

    #[test]
    fn sent_field_missing_reported() {
        let sent = provider(json!({"sloURI": "https://s", "disabled": false}));
        let read = provider(json!({"disabled": false}));
        assert_eq!(
            sent_differences(&sent, &read),
            ["`sloURI`: sent \"https://s\", read back (absent)"]
        );
    }

    #[test]
    fn extra_read_back_field_not_a_sent_difference() {
        let sent = provider(json!({"disabled": true}));
        let read = provider(json!({"disabled": true, "displayOnLogin": false}));
        assert!(sent_differences(&sent, &read).is_empty());
        assert_eq!(object_differences(&sent, &read).len(), 1);
    }

    #[test]
    fn null_equals_absent() {
        let a = provider(json!({"name": "x", "logoImageData": null}));
        let b = provider(json!({"name": "x"}));
        assert!(object_differences(&a, &b).is_empty());
    }

    #[test]
    fn long_values_shortened() {
        let long = "A".repeat(500);
        let sent = provider(json!({"certificate": long}));
        let read = provider(json!({}));
        let difference = &sent_differences(&sent, &read)[0];
        assert!(difference.len() < 140, "{difference}");
    }
}
