//! Random identifiers in the shapes the API uses.

use rand::Rng;
use rand::distr::Alphanumeric;

/// Returns a random version-4 UUID in its lowercase hyphenated form, the shape
/// of every Genesys Cloud object ID and `contextId`.
pub fn new_uuid() -> String {
    let mut bytes: [u8; 16] = rand::rng().random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Returns `length` random ASCII letters and digits, used for client secrets
/// and access tokens.
pub fn random_text(length: usize) -> String {
    rand::rng().sample_iter(Alphanumeric).take(length).map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_has_v4_shape() {
        let id = new_uuid();
        let groups: Vec<&str> = id.split('-').collect();
        assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        assert!(groups[2].starts_with('4'), "{id}");
        assert!(matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'), "{id}");
        assert_ne!(new_uuid(), id);
    }

    #[test]
    fn random_text_is_alphanumeric() {
        let text = random_text(40);
        assert_eq!(text.len(), 40);
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric()), "{text}");
    }
}
