use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::AuthError;
use crate::profile::GcProfile;
use crate::region::Region;
use crate::secret::{ClientCredentials, ClientSecret};

/// Client ID variable of the Genesys Cloud CLI and Terraform provider.
pub const ENV_GENESYSCLOUD_CLIENT_ID: &str = "GENESYSCLOUD_OAUTHCLIENT_ID";
/// Client secret variable of the Genesys Cloud CLI and Terraform provider.
pub const ENV_GENESYSCLOUD_CLIENT_SECRET: &str = "GENESYSCLOUD_OAUTHCLIENT_SECRET";
/// Region variable of the Genesys Cloud CLI and Terraform provider.
pub const ENV_GENESYSCLOUD_REGION: &str = "GENESYSCLOUD_REGION";
/// Client ID variable common in tutorials.
pub const ENV_GENESYS_CLIENT_ID: &str = "GENESYS_CLIENT_ID";
/// Client secret variable common in tutorials.
pub const ENV_GENESYS_CLIENT_SECRET: &str = "GENESYS_CLIENT_SECRET";

/// Largest client secret file read. A secret is well under 100 bytes, so a
/// larger file is the wrong file.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// The source of the client credentials; variants are in the order they are
/// tried.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// `--client-id` and `--client-secret-file`.
    Flags {
        /// The file the secret was read from.
        secret_file: PathBuf,
    },
    /// `GENESYSCLOUD_OAUTHCLIENT_ID` and `GENESYSCLOUD_OAUTHCLIENT_SECRET`.
    GenesysCloudEnv,
    /// `GENESYS_CLIENT_ID` and `GENESYS_CLIENT_SECRET`.
    GenesysEnv,
    /// A profile of the `gc` CLI's config file (`--profile`).
    GcProfile {
        /// The section name, such as `prod`.
        name: String,
        /// The config file, such as `/root/.gc/config.toml`.
        path: PathBuf,
    },
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flags { secret_file } => {
                write!(f, "--client-id and --client-secret-file `{}`", secret_file.display())
            }
            Self::GenesysCloudEnv => write!(
                f,
                "environment variables {ENV_GENESYSCLOUD_CLIENT_ID} and \
                 {ENV_GENESYSCLOUD_CLIENT_SECRET}"
            ),
            Self::GenesysEnv => write!(
                f,
                "environment variables {ENV_GENESYS_CLIENT_ID} and {ENV_GENESYS_CLIENT_SECRET}"
            ),
            Self::GcProfile { name, path } => {
                write!(f, "gc profile `{name}` in `{}`", path.display())
            }
        }
    }
}

/// The inputs credential resolution reads: the flag values and a lookup of
/// environment variables. Tests pass a map lookup instead of the process
/// environment.
pub struct CredentialInput<'a> {
    /// `--client-id`.
    pub client_id: Option<&'a str>,
    /// `--client-secret-file`.
    pub client_secret_file: Option<&'a Path>,
    /// Returns an environment variable's value, `None` when unset.
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

/// Credentials and the source they came from.
#[derive(Clone, Debug)]
pub struct ResolvedCredentials {
    /// The client ID and secret.
    pub credentials: ClientCredentials,
    /// Their source.
    pub source: CredentialSource,
}

/// Looks a variable up in the process environment, for [`CredentialInput::env`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Picks the client credentials from the first source that has any: the
/// flags, then the `GENESYSCLOUD_OAUTHCLIENT_*` variables, then the
/// `GENESYS_CLIENT_*` variables.
///
/// A source that has only half of the pair is an error rather than a reason
/// to try the next source, because pairing an ID from one place with a secret
/// from another would sign in as the wrong client. Empty values count as
/// unset. The secret file's surrounding whitespace (a trailing newline or
/// CRLF) is removed.
pub fn resolve_credentials(input: &CredentialInput<'_>) -> Result<ResolvedCredentials, AuthError> {
    resolve_credentials_with_profile(input, None)
}

/// Picks the client credentials like [`resolve_credentials`], with a `gc`
/// CLI profile (`--profile`) as the last source: the flags and the
/// environment variables take precedence over it, and a warning names the
/// source that did.
pub fn resolve_credentials_with_profile(
    input: &CredentialInput<'_>,
    profile: Option<&GcProfile>,
) -> Result<ResolvedCredentials, AuthError> {
    let earlier = match from_flags(input)? {
        Some(found) => Some(found),
        None => match from_env(input.env, EnvPair::GENESYSCLOUD)? {
            Some(found) => Some(found),
            None => from_env(input.env, EnvPair::GENESYS)?,
        },
    };
    let resolved = match (earlier, profile) {
        (Some(found), Some(profile)) => {
            tracing::warn!(
                profile = %profile.name(),
                source = %found.source,
                "credentials from {} take precedence over the gc profile; unset them to \
                 use the profile",
                found.source
            );
            found
        }
        (Some(found), None) => found,
        (None, Some(profile)) => {
            ResolvedCredentials { credentials: profile.credentials(), source: profile.source() }
        }
        (None, None) => return Err(AuthError::NoCredentials),
    };
    tracing::debug!(
        client_id = %resolved.credentials.client_id,
        source = %resolved.source,
        "resolved client credentials"
    );
    Ok(resolved)
}

fn from_flags(input: &CredentialInput<'_>) -> Result<Option<ResolvedCredentials>, AuthError> {
    let client_id = input.client_id.map(str::trim).filter(|id| !id.is_empty());
    match (client_id, input.client_secret_file) {
        (None, None) => Ok(None),
        (Some(client_id), None) => Err(AuthError::MissingSecret {
            client_id: client_id.to_owned(),
            given: "`--client-id`".to_owned(),
            fix:
                "pass `--client-secret-file PATH` naming a file that contains the secret (no flag \
                  takes the secret itself)"
                    .to_owned(),
        }),
        (None, Some(path)) => Err(AuthError::MissingClientId {
            given: format!("`--client-secret-file {}`", path.display()),
            fix: "pass `--client-id ID` with the OAuth client's ID".to_owned(),
        }),
        (Some(client_id), Some(path)) => {
            let secret = read_secret_file(path)?;
            Ok(Some(ResolvedCredentials {
                credentials: ClientCredentials::new(client_id, secret),
                source: CredentialSource::Flags { secret_file: path.to_owned() },
            }))
        }
    }
}

/// A pair of environment variables and the source they stand for.
struct EnvPair {
    id: &'static str,
    secret: &'static str,
    source: CredentialSource,
}

impl EnvPair {
    const GENESYSCLOUD: EnvPair = EnvPair {
        id: ENV_GENESYSCLOUD_CLIENT_ID,
        secret: ENV_GENESYSCLOUD_CLIENT_SECRET,
        source: CredentialSource::GenesysCloudEnv,
    };
    const GENESYS: EnvPair = EnvPair {
        id: ENV_GENESYS_CLIENT_ID,
        secret: ENV_GENESYS_CLIENT_SECRET,
        source: CredentialSource::GenesysEnv,
    };
}

fn from_env(
    env: &dyn Fn(&str) -> Option<String>,
    pair: EnvPair,
) -> Result<Option<ResolvedCredentials>, AuthError> {
    let read =
        |name: &str| env(name).map(|value| value.trim().to_owned()).filter(|v| !v.is_empty());
    match (read(pair.id), read(pair.secret)) {
        (None, None) => Ok(None),
        (Some(client_id), None) => Err(AuthError::MissingSecret {
            client_id,
            given: format!("`{}`", pair.id),
            fix: format!("set `{}` as well, or unset `{}`", pair.secret, pair.id),
        }),
        (None, Some(_)) => Err(AuthError::MissingClientId {
            given: format!("`{}`", pair.secret),
            fix: format!("set `{}` to the OAuth client's ID as well", pair.id),
        }),
        (Some(client_id), Some(secret)) => Ok(Some(ResolvedCredentials {
            credentials: ClientCredentials::new(client_id, ClientSecret::new(secret)),
            source: pair.source,
        })),
    }
}

/// Reads a client secret from a file: one line, surrounding whitespace and a
/// leading UTF-8 byte-order mark removed.
pub fn read_secret_file(path: &Path) -> Result<ClientSecret, AuthError> {
    let unreadable = |error: std::io::Error| AuthError::SecretFileUnreadable {
        path: path.to_owned(),
        message: error.to_string(),
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    warn_if_shared(path, &file);
    let mut bytes = Vec::new();
    file.take(MAX_SECRET_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(unreadable)?;

    let invalid =
        |problem, fix| AuthError::InvalidSecretFile { path: path.to_owned(), problem, fix };
    if bytes.len() as u64 > MAX_SECRET_FILE_BYTES {
        return Err(invalid(
            "is larger than 64 KiB (65,536 bytes)",
            "point `--client-secret-file` at a file that contains only the client secret",
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        invalid("is not UTF-8 text", "write the client secret into it as plain text")
    })?;
    // Notepad on Windows starts UTF-8 files with a byte-order mark, which is
    // not whitespace to `trim`, and would become part of the secret.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            tracing::debug!(
                path = %path.display(),
                "the secret file starts with a UTF-8 byte-order mark; it was removed"
            );
            rest
        }
        None => text.as_str(),
    };
    let secret = text.trim();
    if secret.is_empty() {
        return Err(invalid(
            "is empty or contains only whitespace",
            "write the OAuth client's secret into it",
        ));
    }
    if secret.contains(['\n', '\r']) {
        return Err(invalid(
            "contains more than one line",
            "leave only the client secret in it, on one line",
        ));
    }
    Ok(ClientSecret::new(secret))
}

#[cfg(unix)]
fn warn_if_shared(path: &Path, file: &std::fs::File) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(metadata) = file.metadata()
        && metadata.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            "the client secret file can be read by other users; restrict it with `chmod 600`"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path, _file: &std::fs::File) {}

/// Picks the region: `--region`, else `GENESYSCLOUD_REGION`, else
/// `us-east-1`. An empty value counts as unset.
pub fn resolve_region(
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Region, AuthError> {
    resolve_region_with_profile(flag, env, None)
}

/// Picks the region like [`resolve_region`], with the `environment` of a
/// `gc` CLI profile after `GENESYSCLOUD_REGION` and before the default.
pub fn resolve_region_with_profile(
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    profile: Option<&GcProfile>,
) -> Result<Region, AuthError> {
    let flag = flag.map(str::trim).filter(|value| !value.is_empty());
    let (region, source) = if let Some(value) = flag {
        (Region::parse(value)?, "--region")
    } else if let Some(value) =
        env(ENV_GENESYSCLOUD_REGION).filter(|value| !value.trim().is_empty())
    {
        (Region::parse(&value)?, ENV_GENESYSCLOUD_REGION)
    } else if let Some(profile) = profile {
        (profile.region(), "gc profile")
    } else {
        (Region::default(), "default")
    };
    tracing::debug!(region = %region, source, "resolved region");
    Ok(region)
}
