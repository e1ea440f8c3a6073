//! Profiles of the Genesys Cloud CLI (`gc`), read from its `~/.gc/config.toml`.
//!
//! The file is TOML with one table per profile: `[DEFAULT]` and named ones
//! such as `[prod]`. A client-credentials profile contains the keys `environment`
//! (a region's domain such as `mypurecloud.ie`, or its name such as
//! `eu-west-1`), `client_credentials` (the OAuth client ID) and
//! `client_secret`. Other keys (`access_token`, `redirect_uri`, logging and
//! paging settings) belong to the `gc` CLI and are ignored here.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::AuthError;
use crate::region::Region;
use crate::secret::{ClientCredentials, ClientSecret};

/// Path of the `gc` CLI's config file below the home folder.
pub const GC_CONFIG_FILE: &str = ".gc/config.toml";

/// Key of the region's domain or name.
const KEY_ENVIRONMENT: &str = "environment";
/// Key of the OAuth client ID. The `gc` CLI names it after the grant.
const KEY_CLIENT_ID: &str = "client_credentials";
/// Key of the OAuth client secret.
const KEY_CLIENT_SECRET: &str = "client_secret";
/// Key of a stored access token, which some `gc` profiles store instead of
/// client credentials.
const KEY_ACCESS_TOKEN: &str = "access_token";

/// Largest config file read. A config with a few dozen profiles is a few
/// KiB, so a larger file is the wrong file.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A client-credentials profile of the `gc` CLI.
///
/// `Debug` prints the secret as stars, like [`ClientSecret`] itself.
#[derive(Clone, Debug)]
pub struct GcProfile {
    name: String,
    path: PathBuf,
    client_id: String,
    secret: ClientSecret,
    region: Region,
}

impl GcProfile {
    /// Reads the profile `name` from the `gc` config at `$HOME/.gc/config.toml`
    /// (`%USERPROFILE%` when `HOME` is unset), looking variables up with `env`.
    pub fn load_from_home(
        name: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<GcProfile, AuthError> {
        let path = gc_config_path(env)
            .ok_or_else(|| AuthError::NoHomeFolder { profile: name.to_owned() })?;
        Self::load(&path, name)
    }

    /// Reads the profile `name` from the `gc` config file at `path`.
    ///
    /// The section is matched exactly, else ignoring case when exactly one
    /// section matches that way (`--profile default` finds `[DEFAULT]`). All
    /// three keys must be present, non-empty strings, and `environment` must
    /// name a known region. Warns when the file can be read by other users,
    /// because it contains a secret.
    pub fn load(path: &Path, name: &str) -> Result<GcProfile, AuthError> {
        let text = read_config(path, name)?;
        let table: toml::Table = text.parse().map_err(|error: toml::de::Error| {
            let (line, column) = error.span().map_or((0, 0), |span| line_column(&text, span.start));
            // Only the parser's message goes into the error, never the
            // source line it points at, because that line may hold the secret.
            AuthError::ProfileFileInvalid {
                path: path.to_owned(),
                line,
                column,
                message: error.message().trim().to_owned(),
            }
        })?;

        let (section_name, section) =
            find_section(&table, name).ok_or_else(|| AuthError::ProfileNotFound {
                path: path.to_owned(),
                profile: name.to_owned(),
                available: section_names(&table),
            })?;
        let section = SectionReader { path, profile: section_name, table: section };

        let environment = section.string(KEY_ENVIRONMENT)?;
        let region = Region::parse(strip_url_parts(&environment)).map_err(|_| {
            section.invalid(
                KEY_ENVIRONMENT,
                format!("`{environment}` is not a known region"),
                format!("set it to a region name or its domain, one of: {}", Region::known_names()),
            )
        })?;
        let client_id = section.string(KEY_CLIENT_ID)?;
        let secret = section.string(KEY_CLIENT_SECRET)?;
        if secret.contains(['\n', '\r']) {
            return Err(section.invalid(
                KEY_CLIENT_SECRET,
                "contains a line break".to_owned(),
                "set it to the client secret alone, on one line".to_owned(),
            ));
        }

        let profile = GcProfile {
            name: section_name.to_owned(),
            path: path.to_owned(),
            client_id,
            secret: ClientSecret::new(secret),
            region,
        };
        tracing::debug!(
            profile = %profile.name,
            path = %profile.path.display(),
            client_id = %profile.client_id,
            region = %profile.region,
            "read gc CLI profile"
        );
        Ok(profile)
    }

    /// Returns the section name as the file spells it, such as `DEFAULT`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the config file the profile was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the OAuth client ID (`client_credentials`).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Returns the region of `environment`.
    pub fn region(&self) -> Region {
        self.region
    }

    /// Returns the client ID and secret.
    pub fn credentials(&self) -> ClientCredentials {
        ClientCredentials::new(self.client_id.clone(), self.secret.clone())
    }

    /// Returns the credential source naming this profile and its file.
    pub fn source(&self) -> crate::credentials::CredentialSource {
        crate::credentials::CredentialSource::GcProfile {
            name: self.name.clone(),
            path: self.path.clone(),
        }
    }
}

impl fmt::Display for GcProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gc profile `{}` in `{}`", self.name, self.path.display())
    }
}

/// Returns `$HOME/.gc/config.toml`, or `%USERPROFILE%\.gc\config.toml` when
/// `HOME` is unset, or `None` when neither is set. Empty values count as
/// unset.
pub fn gc_config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    ["HOME", "USERPROFILE"]
        .into_iter()
        .filter_map(env)
        .find(|value| !value.trim().is_empty())
        .map(|home| Path::new(&home).join(GC_CONFIG_FILE))
}

fn read_config(path: &Path, profile: &str) -> Result<String, AuthError> {
    let unreadable = |message: String| AuthError::ProfileFileUnreadable {
        path: path.to_owned(),
        profile: profile.to_owned(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|error| unreadable(error.to_string()))?;
    warn_if_shared(path, &file);
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| unreadable(error.to_string()))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(unreadable("it is larger than 1 MiB, so it is not a gc CLI config".to_owned()));
    }
    String::from_utf8(bytes).map_err(|_| unreadable("it is not UTF-8 text".to_owned()))
}

#[cfg(unix)]
fn warn_if_shared(path: &Path, file: &std::fs::File) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(metadata) = file.metadata()
        && metadata.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{:o}", metadata.permissions().mode() & 0o777),
            "the gc CLI config contains client secrets and can be read by other users; restrict \
             it with `chmod 600`"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path, _file: &std::fs::File) {}

/// Finds the section `name`: the exact name, else the one section whose
/// name matches ignoring ASCII case.
fn find_section<'a>(table: &'a toml::Table, name: &str) -> Option<(&'a str, &'a toml::Table)> {
    let sections =
        || table.iter().filter_map(|(key, value)| value.as_table().map(|t| (key.as_str(), t)));
    if let Some(found) = sections().find(|(key, _)| *key == name) {
        return Some(found);
    }
    let mut folded = sections().filter(|(key, _)| key.eq_ignore_ascii_case(name));
    match (folded.next(), folded.next()) {
        (Some(found), None) => Some(found),
        _ => None,
    }
}

/// Lists the section names for a message, such as "`DEFAULT`, `prod`", or
/// "no sections".
fn section_names(table: &toml::Table) -> String {
    let names: Vec<String> = table
        .iter()
        .filter(|(_, value)| value.is_table())
        .map(|(key, _)| format!("`{key}`"))
        .collect();
    if names.is_empty() { "no sections".to_owned() } else { names.join(", ") }
}

/// Reads keys of one section and builds errors that name the file, the
/// section and the key.
struct SectionReader<'a> {
    path: &'a Path,
    profile: &'a str,
    table: &'a toml::Table,
}

impl SectionReader<'_> {
    /// Returns the key's value, trimmed. A missing, empty or non-string value
    /// is an error.
    fn string(&self, key: &'static str) -> Result<String, AuthError> {
        let Some(value) = self.table.get(key) else {
            return Err(AuthError::ProfileKeyMissing {
                path: self.path.to_owned(),
                profile: self.profile.to_owned(),
                key,
                fix: self.missing_fix(key),
            });
        };
        let Some(text) = value.as_str() else {
            return Err(self.invalid(
                key,
                format!("is a {}, not a string", value.type_str()),
                format!("write its value in double quotes, such as {}", example(key)),
            ));
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(self.invalid(
                key,
                "is empty".to_owned(),
                format!("set it, such as {}", example(key)),
            ));
        }
        Ok(text.to_owned())
    }

    fn missing_fix(&self, key: &'static str) -> String {
        let has_token = self.table.contains_key(KEY_ACCESS_TOKEN);
        if has_token && key != KEY_ENVIRONMENT {
            return format!(
                "the profile contains an `{KEY_ACCESS_TOKEN}`, but sso-cutover signs in with a \
                 client-credentials grant, so add `{KEY_CLIENT_ID}` and `{KEY_CLIENT_SECRET}` of \
                 a client-credentials OAuth client, or pick another profile"
            );
        }
        format!("add {} to it, or run `gc profiles new` to write the profile again", example(key))
    }

    fn invalid(&self, key: &'static str, problem: String, fix: String) -> AuthError {
        AuthError::ProfileKeyInvalid {
            path: self.path.to_owned(),
            profile: self.profile.to_owned(),
            key,
            problem,
            fix,
        }
    }
}

/// Returns an example line for a key, for messages. The secret example is a
/// placeholder, never a value from the file.
fn example(key: &str) -> String {
    let value = match key {
        KEY_ENVIRONMENT => "mypurecloud.com",
        KEY_CLIENT_ID => "<OAuth client ID>",
        _ => "<OAuth client secret>",
    };
    format!("`{key} = \"{value}\"`")
}

/// Reduces `https://api.mypurecloud.ie/` to `api.mypurecloud.ie`, so that an
/// environment written as a base URL still names its region.
fn strip_url_parts(environment: &str) -> &str {
    let trimmed = environment.trim();
    let without_scheme = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .unwrap_or(trimmed);
    without_scheme.trim_end_matches('/')
}

/// Converts a byte offset into a 1-based line and column (in characters).
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let text = "a = 1\nbé = \"x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // `é` is two bytes but one column.
        assert_eq!(line_column(text, 9), (2, 3));
        assert_eq!(line_column(text, 1000), (3, 1));
    }

    #[test]
    fn url_parts_are_stripped() {
        assert_eq!(strip_url_parts("https://api.mypurecloud.ie/"), "api.mypurecloud.ie");
        assert_eq!(strip_url_parts(" eu-west-1 "), "eu-west-1");
        assert_eq!(strip_url_parts("mypurecloud.com"), "mypurecloud.com");
    }

    #[test]
    fn home_then_userprofile() {
        let both = |name: &str| match name {
            "HOME" => Some("/home/ana".to_owned()),
            "USERPROFILE" => Some("C:\\Users\\ana".to_owned()),
            _ => None,
        };
        let windows = |name: &str| match name {
            "HOME" => Some(String::new()),
            "USERPROFILE" => Some("C:\\Users\\ana".to_owned()),
            _ => None,
        };
        assert_eq!(gc_config_path(&both), Some(PathBuf::from("/home/ana/.gc/config.toml")));
        assert_eq!(
            gc_config_path(&windows),
            Some(Path::new("C:\\Users\\ana").join(".gc/config.toml"))
        );
        assert_eq!(gc_config_path(&|_| None), None);
    }

    #[test]
    fn section_case_is_folded_only_when_unique() {
        let table: toml::Table =
            "[DEFAULT]\na = 1\n[Prod]\nb = 1\n[prod]\nc = 1\n".parse().unwrap();
        assert_eq!(find_section(&table, "default").map(|(name, _)| name), Some("DEFAULT"));
        assert_eq!(find_section(&table, "prod").map(|(name, _)| name), Some("prod"));
        assert_eq!(find_section(&table, "PROD").map(|(name, _)| name), None);
        assert_eq!(section_names(&table), "`DEFAULT`, `Prod`, `prod`");
    }
}
