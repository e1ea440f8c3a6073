use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cutover_auth::{
    AuthError, CredentialInput, CredentialSource, Region, ResolvedCredentials, resolve_credentials,
    resolve_region,
};

fn env_of(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn resolve(
    client_id: Option<&str>,
    secret_file: Option<&Path>,
    env: &HashMap<String, String>,
) -> Result<ResolvedCredentials, AuthError> {
    let lookup = |name: &str| env.get(name).cloned();
    resolve_credentials(&CredentialInput {
        client_id,
        client_secret_file: secret_file,
        env: &lookup,
    })
}

fn secret_file(dir: &tempfile::TempDir, content: &[u8]) -> PathBuf {
    let path = dir.path().join("client-secret");
    std::fs::write(&path, content).unwrap();
    path
}

fn assert_one_line(error: &AuthError) {
    let text = error.to_string();
    assert!(!text.contains('\n'), "more than one line: {text}");
    assert!(!text.is_empty());
}

const FULL_ENV: &[(&str, &str)] = &[
    ("GENESYSCLOUD_OAUTHCLIENT_ID", "gc-id"),
    ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "gc-secret"),
    ("GENESYS_CLIENT_ID", "g-id"),
    ("GENESYS_CLIENT_SECRET", "g-secret"),
];

#[test]
fn flags_win_over_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = secret_file(&dir, b"flag-secret\n");

    let resolved = resolve(Some("flag-id"), Some(&path), &env_of(FULL_ENV)).unwrap();

    assert_eq!(resolved.credentials.client_id, "flag-id");
    assert_eq!(resolved.credentials.secret.expose(), "flag-secret");
    assert_eq!(resolved.source, CredentialSource::Flags { secret_file: path.clone() });
    assert!(resolved.source.to_string().contains(&path.display().to_string()));
}

#[test]
fn genesyscloud_variables_win_over_genesys() {
    let resolved = resolve(None, None, &env_of(FULL_ENV)).unwrap();

    assert_eq!(resolved.credentials.client_id, "gc-id");
    assert_eq!(resolved.credentials.secret.expose(), "gc-secret");
    assert_eq!(resolved.source, CredentialSource::GenesysCloudEnv);
    assert_eq!(
        resolved.source.to_string(),
        "environment variables GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET"
    );
}

#[test]
fn genesys_variables_are_last() {
    let env = env_of(&[("GENESYS_CLIENT_ID", "g-id"), ("GENESYS_CLIENT_SECRET", " g-secret\n")]);

    let resolved = resolve(None, None, &env).unwrap();

    assert_eq!(resolved.credentials.client_id, "g-id");
    assert_eq!(resolved.credentials.secret.expose(), "g-secret");
    assert_eq!(resolved.source, CredentialSource::GenesysEnv);
}

#[test]
fn empty_variables_count_as_unset() {
    let env = env_of(&[
        ("GENESYSCLOUD_OAUTHCLIENT_ID", ""),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "  "),
        ("GENESYS_CLIENT_ID", "g-id"),
        ("GENESYS_CLIENT_SECRET", "g-secret"),
    ]);

    let resolved = resolve(None, None, &env).unwrap();

    assert_eq!(resolved.source, CredentialSource::GenesysEnv);
}

#[test]
fn crlf_and_whitespace_are_stripped() {
    let dir = tempfile::tempdir().unwrap();
    for content in [&b"abc123\r\n"[..], b"  abc123  \n\n", b"\tabc123", b"abc123"] {
        let path = secret_file(&dir, content);

        let resolved = resolve(Some("id"), Some(&path), &env_of(&[])).unwrap();

        assert_eq!(resolved.credentials.secret.expose(), "abc123", "{content:?}");
    }
}

#[test]
fn byte_order_mark_is_stripped() {
    let dir = tempfile::tempdir().unwrap();
    for content in [&b"\xef\xbb\xbfabc123\r\n"[..], b"\xef\xbb\xbf  abc123"] {
        let path = secret_file(&dir, content);

        let resolved = resolve(Some("id"), Some(&path), &env_of(&[])).unwrap();

        assert_eq!(resolved.credentials.secret.expose(), "abc123", "{content:?}");
    }
}

#[test]
fn empty_secret_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    for content in [&b""[..], b"\n", b"  \r\n\t "] {
        let path = secret_file(&dir, content);

        let error = resolve(Some("id"), Some(&path), &env_of(&[])).unwrap_err();

        let text = error.to_string();
        assert!(matches!(error, AuthError::InvalidSecretFile { .. }), "{error:?}");
        assert!(text.contains(&format!("`{}`", path.display())), "{text}");
        assert!(text.contains("empty"), "{text}");
        assert!(text.contains("write the OAuth client's secret"), "{text}");
        assert_one_line(&error);
    }
}

#[test]
fn multiline_secret_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = secret_file(&dir, b"first\r\nsecond\n");

    let error = resolve(Some("id"), Some(&path), &env_of(&[])).unwrap_err();

    assert!(error.to_string().contains("more than one line"), "{error}");
    assert!(!error.to_string().contains("first"), "the secret must not be echoed: {error}");
    assert_one_line(&error);
}

#[test]
fn binary_secret_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = secret_file(&dir, &[0xff, 0xfe, 0x00, 0x41]);

    let error = resolve(Some("id"), Some(&path), &env_of(&[])).unwrap_err();

    assert!(error.to_string().contains("not UTF-8"), "{error}");
}

#[test]
fn oversized_secret_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = secret_file(&dir, &vec![b'a'; 70 * 1024]);

    let error = resolve(Some("id"), Some(&path), &env_of(&[])).unwrap_err();

    assert!(error.to_string().contains("64 KiB (65,536 bytes)"), "{error}");
}

#[test]
fn missing_secret_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("does-not-exist");

    let error = resolve(Some("id"), Some(&path), &env_of(&[])).unwrap_err();

    let text = error.to_string();
    assert!(matches!(error, AuthError::SecretFileUnreadable { .. }), "{error:?}");
    assert!(text.contains(&format!("`{}`", path.display())), "{text}");
    assert!(text.contains("check the path"), "{text}");
    assert_one_line(&error);
}

#[test]
fn client_id_without_secret_file_says_fix() {
    let error = resolve(Some("lonely-id"), None, &env_of(FULL_ENV)).unwrap_err();

    let text = error.to_string();
    assert!(matches!(error, AuthError::MissingSecret { .. }), "{error:?}");
    assert!(text.contains("`lonely-id`"), "{text}");
    assert!(text.contains("`--client-id`"), "{text}");
    assert!(text.contains("--client-secret-file PATH"), "{text}");
    assert_one_line(&error);
}

#[test]
fn secret_file_without_client_id_says_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = secret_file(&dir, b"secret");

    let error = resolve(None, Some(&path), &env_of(FULL_ENV)).unwrap_err();

    let text = error.to_string();
    assert!(matches!(error, AuthError::MissingClientId { .. }), "{error:?}");
    assert!(text.contains("--client-id ID"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert_one_line(&error);
}

#[test]
fn blank_client_id_flag_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let path = secret_file(&dir, b"secret");

    let error = resolve(Some("  "), Some(&path), &env_of(&[])).unwrap_err();

    assert!(matches!(error, AuthError::MissingClientId { .. }), "{error:?}");
}

#[test]
fn half_set_environment_is_an_error() {
    let env = env_of(&[
        ("GENESYSCLOUD_OAUTHCLIENT_ID", "gc-id"),
        ("GENESYS_CLIENT_ID", "g-id"),
        ("GENESYS_CLIENT_SECRET", "g-secret"),
    ]);

    let error = resolve(None, None, &env).unwrap_err();

    let text = error.to_string();
    assert!(matches!(error, AuthError::MissingSecret { .. }), "{error:?}");
    assert!(text.contains("`gc-id`"), "{text}");
    assert!(text.contains("GENESYSCLOUD_OAUTHCLIENT_SECRET"), "{text}");
    assert_one_line(&error);
}

#[test]
fn secret_variable_without_id_is_an_error() {
    let env = env_of(&[("GENESYS_CLIENT_SECRET", "g-secret")]);

    let error = resolve(None, None, &env).unwrap_err();

    let text = error.to_string();
    assert!(matches!(error, AuthError::MissingClientId { .. }), "{error:?}");
    assert!(text.contains("`GENESYS_CLIENT_ID`"), "{text}");
    assert!(!text.contains("g-secret"), "{text}");
}

#[test]
fn no_credentials_names_every_source() {
    let error = resolve(None, None, &env_of(&[])).unwrap_err();

    let text = error.to_string();
    assert!(matches!(error, AuthError::NoCredentials), "{error:?}");
    assert!(text.contains("--client-id"), "{text}");
    assert!(text.contains("--client-secret-file"), "{text}");
    assert!(text.contains("GENESYSCLOUD_OAUTHCLIENT_ID"), "{text}");
    assert_one_line(&error);
}

#[test]
fn region_flag_wins_over_variable() {
    let env = env_of(&[("GENESYSCLOUD_REGION", "mypurecloud.de")]);
    let lookup = |name: &str| env.get(name).cloned();

    let from_flag = resolve_region(Some("eu-west-1"), &lookup).unwrap();
    let from_env = resolve_region(None, &lookup).unwrap();
    let from_default = resolve_region(Some(""), &|_| None).unwrap();

    assert_eq!(from_flag, Region::parse("mypurecloud.ie").unwrap());
    assert_eq!(from_env.name(), "eu-central-1");
    assert_eq!(from_default.name(), "us-east-1");
}

#[test]
fn region_typo_suggests_and_lists() {
    let error = resolve_region(Some("eu-wset-1"), &|_| None).unwrap_err();

    let text = error.to_string();
    assert!(text.contains("`eu-wset-1`"), "{text}");
    assert!(text.contains("did you mean `eu-west-1`"), "{text}");
    assert!(text.contains("ap-southeast-1"), "{text}");
    assert_one_line(&error);
}
