use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cutover_auth::{
    AuthError, CredentialInput, CredentialSource, GcProfile, Region, ResolvedCredentials,
    resolve_credentials_with_profile, resolve_region_with_profile,
};

use crate::redaction::captured_logs;

const PROFILE_SECRET: &str = "prof-Secret-77aa";

const CONFIG: &str = r#"
[DEFAULT]
environment = "mypurecloud.com"
client_credentials = "default-id"
client_secret = "default-secret"

[prod]
environment = "mypurecloud.ie"
client_credentials = "prod-id"
client_secret = "prof-Secret-77aa"
logfilepath = "/tmp/gc.log"

[staging]
environment = "eu-central-1"
client_credentials = "staging-id"

[implicit]
environment = "mypurecloud.com"
access_token = "eyJ-stored-token"

[typed]
environment = "mypurecloud.com"
client_credentials = 42
client_secret = "  "

[elsewhere]
environment = "mars-north-1"
client_credentials = "x"
client_secret = "y"

[as_url]
environment = "https://api.usw2.pure.cloud/"
client_credentials = "url-id"
client_secret = "url-secret"
"#;

/// Writes `text` as `.gc/config.toml` below a new temporary home folder,
/// with mode 0600 on Unix.
fn home_with_config(text: &str) -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().unwrap();
    let folder = home.path().join(".gc");
    std::fs::create_dir(&folder).unwrap();
    let path = folder.join("config.toml");
    std::fs::write(&path, text).unwrap();
    set_mode(&path, 0o600);
    (home, path)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) {}

fn assert_names(error: &AuthError, parts: &[&str]) {
    let text = error.to_string();
    assert!(!text.contains('\n'), "more than one line: {text}");
    for part in parts {
        assert!(text.contains(part), "`{part}` is missing from: {text}");
    }
}

#[test]
fn named_profile_loads() {
    let (_home, path) = home_with_config(CONFIG);
    let profile = GcProfile::load(&path, "prod").unwrap();

    assert_eq!(profile.name(), "prod");
    assert_eq!(profile.path(), path);
    assert_eq!(profile.client_id(), "prod-id");
    assert_eq!(profile.region(), Region::parse("eu-west-1").unwrap());
    let credentials = profile.credentials();
    assert_eq!(credentials.client_id, "prod-id");
    assert_eq!(credentials.secret.expose(), PROFILE_SECRET);
    assert_eq!(
        profile.source(),
        CredentialSource::GcProfile { name: "prod".into(), path: path.clone() }
    );
    assert_eq!(profile.source().to_string(), format!("gc profile `prod` in `{}`", path.display()));
}

#[test]
fn default_section_by_any_case() {
    let (_home, path) = home_with_config(CONFIG);
    let exact = GcProfile::load(&path, "DEFAULT").unwrap();
    let lower = GcProfile::load(&path, "default").unwrap();

    assert_eq!(exact.client_id(), "default-id");
    assert_eq!(lower.client_id(), "default-id");
    assert_eq!(lower.name(), "DEFAULT", "the file's spelling is reported");
    assert_eq!(exact.region(), Region::US_EAST_1);
}

#[test]
fn region_name_and_base_url_accepted() {
    let (_home, path) = home_with_config(CONFIG);
    let by_url = GcProfile::load(&path, "as_url").unwrap();
    let text = CONFIG.replace("mypurecloud.ie", "eu-west-2");
    let (_other, renamed) = home_with_config(&text);
    let by_name = GcProfile::load(&renamed, "prod").unwrap();

    assert_eq!(by_url.region(), Region::parse("us-west-2").unwrap());
    assert_eq!(by_name.region(), Region::parse("euw2.pure.cloud").unwrap());
}

#[test]
fn home_folder_is_honoured() {
    let (home, path) = home_with_config(CONFIG);
    let home_text = home.path().to_str().unwrap().to_owned();
    let env = move |name: &str| (name == "HOME").then(|| home_text.clone());

    let profile = GcProfile::load_from_home("prod", &env).unwrap();
    assert_eq!(profile.path(), path);
    assert_eq!(profile.client_id(), "prod-id");

    let error = GcProfile::load_from_home("prod", &|_| None).unwrap_err();
    assert!(matches!(error, AuthError::NoHomeFolder { .. }), "{error:?}");
    assert_names(&error, &["`prod`", "HOME"]);
}

#[test]
fn missing_key_names_file_section_key() {
    let cases = [
        ("environment", "client_credentials = \"a\"\nclient_secret = \"b\"\n"),
        ("client_credentials", "environment = \"mypurecloud.com\"\nclient_secret = \"b\"\n"),
        ("client_secret", "environment = \"mypurecloud.com\"\nclient_credentials = \"a\"\n"),
    ];
    for (key, body) in cases {
        let (_home, path) = home_with_config(&format!("[ops]\n{body}"));
        let error = GcProfile::load(&path, "ops").unwrap_err();

        match &error {
            AuthError::ProfileKeyMissing { key: missing, profile, .. } => {
                assert_eq!(*missing, key);
                assert_eq!(profile, "ops");
            }
            other => panic!("expected a missing key `{key}`, got {other:?}"),
        }
        let path_text = path.display().to_string();
        assert_names(&error, &[&path_text, "`[ops]`", &format!("`{key}`"), "add"]);
    }
}

#[test]
fn half_pair_in_profile_is_error() {
    let (_home, path) = home_with_config(CONFIG);
    let error = GcProfile::load(&path, "staging").unwrap_err();
    assert!(
        matches!(&error, AuthError::ProfileKeyMissing { key: "client_secret", .. }),
        "{error:?}"
    );
}

#[test]
fn token_profile_explains_grant() {
    let (_home, path) = home_with_config(CONFIG);
    let error = GcProfile::load(&path, "implicit").unwrap_err();
    assert!(
        matches!(&error, AuthError::ProfileKeyMissing { key: "client_credentials", .. }),
        "{error:?}"
    );
    assert_names(&error, &["access_token", "client-credentials", "client_secret"]);
    assert!(!error.to_string().contains("eyJ-stored-token"), "{error}");
}

#[test]
fn wrong_value_types_are_errors() {
    let (_home, path) = home_with_config(CONFIG);
    let error = GcProfile::load(&path, "typed").unwrap_err();
    assert!(
        matches!(&error, AuthError::ProfileKeyInvalid { key: "client_credentials", .. }),
        "{error:?}"
    );
    assert_names(&error, &["`[typed]`", "integer", "double quotes"]);

    let text = CONFIG.replace("client_credentials = 42", "client_credentials = \"ok\"");
    let (_other, fixed) = home_with_config(&text);
    let error = GcProfile::load(&fixed, "typed").unwrap_err();
    assert!(
        matches!(&error, AuthError::ProfileKeyInvalid { key: "client_secret", .. }),
        "{error:?}"
    );
    assert_names(&error, &["is empty", "`client_secret`"]);
}

#[test]
fn unknown_environment_lists_regions() {
    let (_home, path) = home_with_config(CONFIG);
    let error = GcProfile::load(&path, "elsewhere").unwrap_err();
    assert!(matches!(&error, AuthError::ProfileKeyInvalid { key: "environment", .. }), "{error:?}");
    assert_names(&error, &["`mars-north-1`", "`[elsewhere]`", "eu-west-1", "us-east-1"]);
}

#[test]
fn missing_section_lists_sections() {
    let (_home, path) = home_with_config(CONFIG);
    let error = GcProfile::load(&path, "qa").unwrap_err();
    assert!(matches!(&error, AuthError::ProfileNotFound { .. }), "{error:?}");
    let path_text = path.display().to_string();
    assert_names(&error, &[&path_text, "`[qa]`", "`DEFAULT`", "`prod`", "--profile"]);
}

#[test]
fn unreadable_file_names_path() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join(".gc/config.toml");
    let error = GcProfile::load(&path, "prod").unwrap_err();
    assert!(matches!(&error, AuthError::ProfileFileUnreadable { .. }), "{error:?}");
    let path_text = path.display().to_string();
    assert_names(&error, &[&path_text, "`prod`", "gc profiles new"]);

    let folder = home.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    let error = GcProfile::load(&folder, "prod").unwrap_err();
    assert!(matches!(&error, AuthError::ProfileFileUnreadable { .. }), "{error:?}");
}

#[test]
fn syntax_error_hides_the_line() {
    let text = format!(
        "[prod]\nenvironment = \"mypurecloud.ie\"\nclient_secret = \"{PROFILE_SECRET}\nx = 1\n"
    );
    let (_home, path) = home_with_config(&text);
    let error = GcProfile::load(&path, "prod").unwrap_err();

    match &error {
        AuthError::ProfileFileInvalid { line, .. } => assert_eq!(*line, 3),
        other => panic!("expected a TOML error, got {other:?}"),
    }
    assert_names(&error, &["not valid TOML", "line 3"]);
    assert!(!error.to_string().contains(PROFILE_SECRET), "{error}");
    assert!(!format!("{error:?}").contains(PROFILE_SECRET), "{error:?}");
}

#[test]
fn profile_debug_hides_secret() {
    let (_home, path) = home_with_config(CONFIG);
    let profile = GcProfile::load(&path, "prod").unwrap();
    let debug = format!("{profile:?}");
    assert!(debug.contains("prod-id"), "{debug}");
    assert!(!debug.contains(PROFILE_SECRET), "{debug}");
}

#[cfg(unix)]
#[test]
fn shared_config_warns() {
    let logs = captured_logs();
    let (_home, shared) = home_with_config(CONFIG);
    set_mode(&shared, 0o644);
    let (_other, private) = home_with_config(CONFIG);

    GcProfile::load(&shared, "prod").unwrap();
    GcProfile::load(&private, "prod").unwrap();

    let text = logs.text();
    let warnings: Vec<&str> = text.lines().filter(|line| line.contains("WARN")).collect();
    let shared_text = shared.display().to_string();
    let private_text = private.display().to_string();
    assert!(
        warnings.iter().any(|line| line.contains(&shared_text) && line.contains("chmod 600")),
        "no warning for the 0644 file: {text}"
    );
    assert!(
        !warnings.iter().any(|line| line.contains(&private_text)),
        "a warning for the 0600 file: {text}"
    );
    assert!(!text.contains(PROFILE_SECRET), "the log shows the secret: {text}");
}

fn env_of(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn resolve(
    client_id: Option<&str>,
    secret_file: Option<&Path>,
    env: &HashMap<String, String>,
    profile: Option<&GcProfile>,
) -> Result<ResolvedCredentials, AuthError> {
    let lookup = |name: &str| env.get(name).cloned();
    resolve_credentials_with_profile(
        &CredentialInput { client_id, client_secret_file: secret_file, env: &lookup },
        profile,
    )
}

#[test]
fn flags_then_env_then_profile() {
    let (home, path) = home_with_config(CONFIG);
    let profile = GcProfile::load(&path, "prod").unwrap();
    let secret_path = home.path().join("secret");
    std::fs::write(&secret_path, "flag-secret\n").unwrap();
    let gc_env = env_of(&[
        ("GENESYSCLOUD_OAUTHCLIENT_ID", "gc-id"),
        ("GENESYSCLOUD_OAUTHCLIENT_SECRET", "gc-secret"),
    ]);
    let tutorial_env =
        env_of(&[("GENESYS_CLIENT_ID", "t-id"), ("GENESYS_CLIENT_SECRET", "t-secret")]);
    let empty = HashMap::new();

    let flags = resolve(Some("flag-id"), Some(&secret_path), &gc_env, Some(&profile)).unwrap();
    let env = resolve(None, None, &gc_env, Some(&profile)).unwrap();
    let tutorial = resolve(None, None, &tutorial_env, Some(&profile)).unwrap();
    let from_profile = resolve(None, None, &empty, Some(&profile)).unwrap();
    let none = resolve(None, None, &empty, None).unwrap_err();

    assert_eq!(flags.credentials.client_id, "flag-id");
    assert!(matches!(flags.source, CredentialSource::Flags { .. }), "{:?}", flags.source);
    assert_eq!(env.credentials.client_id, "gc-id");
    assert_eq!(env.source, CredentialSource::GenesysCloudEnv);
    assert_eq!(tutorial.credentials.client_id, "t-id");
    assert_eq!(tutorial.source, CredentialSource::GenesysEnv);
    assert_eq!(from_profile.credentials.client_id, "prod-id");
    assert_eq!(from_profile.credentials.secret.expose(), PROFILE_SECRET);
    assert_eq!(from_profile.source, profile.source());
    assert!(matches!(none, AuthError::NoCredentials), "{none:?}");
    assert!(none.to_string().contains("--profile"), "{none}");
}

#[test]
fn half_env_pair_still_fails_with_profile() {
    let (_home, path) = home_with_config(CONFIG);
    let profile = GcProfile::load(&path, "prod").unwrap();
    let env = env_of(&[("GENESYSCLOUD_OAUTHCLIENT_ID", "gc-id")]);
    let error = resolve(None, None, &env, Some(&profile)).unwrap_err();
    assert!(matches!(error, AuthError::MissingSecret { .. }), "{error:?}");
}

#[test]
fn region_flag_env_profile_default() {
    let (_home, path) = home_with_config(CONFIG);
    let profile = GcProfile::load(&path, "prod").unwrap();
    let env = env_of(&[("GENESYSCLOUD_REGION", "ap-south-1")]);
    let env_lookup = |name: &str| env.get(name).cloned();

    let flag = resolve_region_with_profile(Some("ca-central-1"), &env_lookup, Some(&profile));
    let from_env = resolve_region_with_profile(None, &env_lookup, Some(&profile));
    let from_profile = resolve_region_with_profile(None, &|_| None, Some(&profile));
    let default = resolve_region_with_profile(None, &|_| None, None);

    assert_eq!(flag.unwrap().name(), "ca-central-1");
    assert_eq!(from_env.unwrap().name(), "ap-south-1");
    assert_eq!(from_profile.unwrap().name(), "eu-west-1");
    assert_eq!(default.unwrap().name(), "us-east-1");
}
