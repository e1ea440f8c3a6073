//! Property tests on mutated real metadata: the public documents of the SAML
//! metadata corpus that `cargo xtask corpus` checks, and the sample org's
//! metadata, with bytes flipped, spans deleted, duplicated or cut off and
//! markup inserted. Whatever the change, parsing returns the same outcome
//! twice, a document is never both read and wrong about its own entities,
//! and an error is always one of the metadata rules.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cutover_saml::{MetadataError, parse_metadata};
use proptest::prelude::*;

/// Returns the corpus folder that `SSO_CUTOVER_SAML_CORPUS` names.
fn corpus_dir() -> PathBuf {
    std::env::var_os("SSO_CUTOVER_SAML_CORPUS").map(PathBuf::from).expect(
        "SSO_CUTOVER_SAML_CORPUS names the SAML metadata corpus folder; run these tests \
         through `cargo xtask corpus DIR`",
    )
}

/// Reads every public corpus document and the sample metadata once.
fn documents() -> &'static [Vec<u8>] {
    static DOCUMENTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    DOCUMENTS.get_or_init(|| {
        let public = corpus_dir().join("public");
        let entries = std::fs::read_dir(&public).unwrap_or_else(|error| {
            panic!(
                "the public corpus `{}` cannot be listed ({error}); set SSO_CUTOVER_SAML_CORPUS",
                public.display()
            )
        });
        let mut paths: Vec<PathBuf> =
            entries.map(|entry| entry.expect("an entry").path()).collect();
        paths.sort();
        paths.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/idp-metadata.xml"));
        let documents: Vec<Vec<u8>> =
            paths.iter().map(|path| std::fs::read(path).expect("read a document")).collect();
        assert!(documents.len() >= 20, "the corpus has its public documents");
        documents
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Insert(usize, &'static [u8]),
    Truncate(usize),
}

/// Markup that changes a document's structure when inserted.
const MARKUP: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"/>",
    b"\"",
    b"<!DOCTYPE x>",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"&amp;",
    b"&#0;",
    b"\xff",
    b"\0",
    b" xmlns:md=\"urn:x\"",
    b"<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"x\">",
    b"<md:IDPSSODescriptor>",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        (any::<usize>(), 1..512usize).prop_map(|(at, length)| Mutation::Delete(at, length)),
        (any::<usize>(), 1..512usize).prop_map(|(at, length)| Mutation::Duplicate(at, length)),
        (any::<usize>(), proptest::sample::select(MARKUP))
            .prop_map(|(at, m)| Mutation::Insert(at, m)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(document: &mut Vec<u8>, mutation: &Mutation) {
    let length = document.len();
    let at = |position: usize| if length == 0 { 0 } else { position % length };
    match *mutation {
        Mutation::Flip(position, bits) if length > 0 => document[at(position)] ^= bits,
        Mutation::Flip(..) => {}
        Mutation::Delete(position, span) => {
            let start = at(position);
            document.drain(start..(start + span).min(length));
        }
        Mutation::Duplicate(position, span) => {
            let start = at(position);
            let copy = document[start..(start + span).min(length)].to_vec();
            document.splice(start..start, copy);
        }
        Mutation::Insert(position, markup) => {
            let start = at(position);
            document.splice(start..start, markup.iter().copied());
        }
        Mutation::Truncate(position) => document.truncate(at(position)),
    }
}

const RULES: [&str; 4] =
    ["metadata-unreadable", "metadata-dtd", "metadata-not-idp", "metadata-multiple-idps"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn mutated_real_metadata_keeps_invariants(
        pick in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let documents = documents();
        let mut document = documents[pick % documents.len()].clone();
        for mutation in &mutations {
            apply(&mut document, mutation);
        }

        let first = parse_metadata(&document, None);
        let second = parse_metadata(&document, None);
        prop_assert_eq!(&first, &second, "parsing is deterministic");
        match &first {
            Ok(metadata) => {
                prop_assert!(metadata.entity_ids.contains(&metadata.entity_id));
                prop_assert_eq!(metadata.entity_ids.len(), 1, "one IdP is chosen only when alone");
                let picked = parse_metadata(&document, Some(&metadata.entity_id));
                prop_assert_eq!(picked.as_ref(), Ok(metadata), "naming the IdP picks the same one");
            }
            Err(error) => {
                prop_assert!(RULES.contains(&error.kind()), "{} is a metadata rule", error.kind());
                if let MetadataError::MultipleIdps { entity_ids } = error {
                    prop_assert!(entity_ids.len() >= 2);
                    let picked = parse_metadata(&document, Some(&entity_ids[0]));
                    prop_assert!(picked.is_ok(), "each listed IdP can be picked: {:?}", picked);
                }
            }
        }
    }
}
