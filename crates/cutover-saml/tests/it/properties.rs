//! Property tests: no input makes the parser panic.

use cutover_saml::testing::{CertificateBuilder, MetadataBuilder};
use cutover_saml::{decode_certificate_text, parse_metadata};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_metadata(&bytes, None);
    }

    #[test]
    fn xml_like_text_never_panics(
        text in "(<|>|/|=|\"|md:|ds:|xmlns|EntityDescriptor|IDPSSODescriptor|KeyDescriptor|\
                  X509Certificate|<!DOCTYPE|<!--|-->|<!\\[CDATA\\[|\\]\\]>|&amp;|&#x|[ a-zA-Z0-9])*"
    ) {
        let _ = parse_metadata(text.as_bytes(), Some("x"));
    }

    #[test]
    fn certificate_text_never_panics(text in "[A-Za-z0-9+/=\\s-]{0,400}") {
        let _ = decode_certificate_text(&text);
    }
}

/// Builds a realistic document to mutate: rollover certificates, an aggregate, a
/// signature and several services.
fn sample_document() -> Vec<u8> {
    let a = CertificateBuilder::new("mutation-a").build();
    let b = CertificateBuilder::new("mutation-b").build();
    MetadataBuilder::new("https://idp.example.test/mutation")
        .signing_certificate(&a)
        .signing_chain(&[&b, &a])
        .entities_valid_until("2030-01-01T00:00:00Z")
        .signed()
        .build()
        .into_bytes()
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 0..64usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, bytes)| Mutation::Insert(i, bytes)),
        (any::<usize>(), 0..256usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(document: &mut Vec<u8>, mutation: &Mutation) {
    let len = document.len().max(1);
    match mutation {
        Mutation::Flip(i, b) => {
            if !document.is_empty() {
                document[i % len] ^= b | 1;
            }
        }
        Mutation::Delete(i, n) => {
            let start = (i % len).min(document.len());
            let end = (start + n).min(document.len());
            document.drain(start..end);
        }
        Mutation::Insert(i, bytes) => {
            let at = (i % len).min(document.len());
            document.splice(at..at, bytes.iter().copied());
        }
        Mutation::Duplicate(i, n) => {
            let start = (i % len).min(document.len());
            let end = (start + n).min(document.len());
            let copy = document[start..end].to_vec();
            document.splice(end..end, copy);
        }
        Mutation::Truncate(i) => document.truncate(i % len),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn mutated_metadata_never_panics(mutations in proptest::collection::vec(mutation(), 1..8)) {
        let mut document = sample_document();
        for mutation in &mutations {
            apply(&mut document, mutation);
        }
        let _ = parse_metadata(&document, None);
    }
}
