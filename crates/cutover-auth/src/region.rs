use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::error::AuthError;

/// A Genesys Cloud region: the AWS-style name and the DNS domain its API and
/// login hosts live under.
///
/// The API host is `api.<domain>` and the login host `login.<domain>`, the
/// same substitution the platform SDKs make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    name: &'static str,
    domain: &'static str,
}

/// Every region, in the order of the platform SDKs' region enum (Python SDK
/// 257.1.0, Go SDK 188.0.0), then `eusc-de-east-1`, which only the Terraform
/// provider (v1.84.1) lists.
const REGIONS: [Region; 18] = [
    Region { name: "us-east-1", domain: "mypurecloud.com" },
    Region { name: "eu-west-1", domain: "mypurecloud.ie" },
    Region { name: "ap-southeast-2", domain: "mypurecloud.com.au" },
    Region { name: "ap-northeast-1", domain: "mypurecloud.jp" },
    Region { name: "eu-central-1", domain: "mypurecloud.de" },
    Region { name: "us-west-2", domain: "usw2.pure.cloud" },
    Region { name: "ca-central-1", domain: "cac1.pure.cloud" },
    Region { name: "ap-northeast-2", domain: "apne2.pure.cloud" },
    Region { name: "eu-west-2", domain: "euw2.pure.cloud" },
    Region { name: "ap-south-1", domain: "aps1.pure.cloud" },
    Region { name: "us-east-2", domain: "use2.us-gov-pure.cloud" },
    Region { name: "sa-east-1", domain: "sae1.pure.cloud" },
    Region { name: "me-central-1", domain: "mec1.pure.cloud" },
    Region { name: "ap-northeast-3", domain: "apne3.pure.cloud" },
    Region { name: "eu-central-2", domain: "euc2.pure.cloud" },
    Region { name: "mx-central-1", domain: "mxc1.pure.cloud" },
    Region { name: "ap-southeast-1", domain: "apse1.pure.cloud" },
    Region { name: "eusc-de-east-1", domain: "edee1.eusc-pure.cloud" },
];

/// Edit distance up to which an unknown input gets a "did you mean"
/// suggestion. Region names differ from each other by one character
/// (`eu-west-1`, `eu-west-2`), so a larger distance would suggest a guess.
const MAX_SUGGESTION_DISTANCE: usize = 3;

impl Region {
    /// `us-east-1` (`mypurecloud.com`), the region used when none is given.
    pub const US_EAST_1: Region = REGIONS[0];

    /// Returns every known region, in table order.
    pub fn all() -> &'static [Region] {
        &REGIONS
    }

    /// Parses a region name (`eu-west-1`, or the SDK's `eu_west_1`), a domain
    /// (`mypurecloud.ie`) or a host of that domain (`api.mypurecloud.ie`,
    /// `login.mypurecloud.ie`), ignoring case and surrounding whitespace.
    pub fn parse(input: &str) -> Result<Region, AuthError> {
        let wanted = input.trim().trim_end_matches('.').to_ascii_lowercase();
        let as_name = wanted.replace('_', "-");
        let as_domain = wanted
            .strip_prefix("api.")
            .or_else(|| wanted.strip_prefix("login."))
            .unwrap_or(&wanted);
        REGIONS
            .iter()
            .find(|region| region.name == as_name || region.domain == as_domain)
            .copied()
            .ok_or_else(|| AuthError::UnknownRegion {
                input: input.trim().to_owned(),
                suggestion: Self::closest(&wanted),
            })
    }

    /// Finds the region whose API or login host is `host`, such as
    /// `api.mypurecloud.ie`.
    pub fn from_host(host: &str) -> Option<Region> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let domain = host.strip_prefix("api.").or_else(|| host.strip_prefix("login."))?;
        REGIONS.iter().find(|region| region.domain == domain).copied()
    }

    /// Returns the name or domain closest to `input`, as the name to suggest.
    fn closest(input: &str) -> Option<&'static str> {
        REGIONS
            .iter()
            .flat_map(|region| {
                [region.name, region.domain]
                    .map(|candidate| (strsim::levenshtein(input, candidate), candidate))
            })
            .filter(|(distance, _)| *distance <= MAX_SUGGESTION_DISTANCE)
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, candidate)| candidate)
    }

    /// Returns the comma-separated list of region names, for messages.
    pub fn known_names() -> String {
        REGIONS.iter().map(|region| region.name).collect::<Vec<_>>().join(", ")
    }

    /// Returns the AWS-style region name, such as `eu-west-1`.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// Returns the DNS domain, such as `mypurecloud.ie`.
    pub fn domain(self) -> &'static str {
        self.domain
    }

    /// Returns the API host, such as `api.mypurecloud.ie`.
    pub fn api_host(self) -> String {
        format!("api.{}", self.domain)
    }

    /// Returns the login host, such as `login.mypurecloud.ie`.
    pub fn login_host(self) -> String {
        format!("login.{}", self.domain)
    }

    /// Returns `https://api.<domain>/`.
    pub fn api_base(self) -> Url {
        https_base(&self.api_host())
    }

    /// Returns `https://login.<domain>/`.
    pub fn login_base(self) -> Url {
        https_base(&self.login_host())
    }
}

fn https_base(host: &str) -> Url {
    Url::parse(&format!("https://{host}/")).expect("every region domain is a valid host name")
}

impl Default for Region {
    fn default() -> Self {
        Self::US_EAST_1
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl FromStr for Region {
    type Err = AuthError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_eighteen_unique_rows() {
        let mut names: Vec<_> = REGIONS.iter().map(|region| region.name).collect();
        let mut domains: Vec<_> = REGIONS.iter().map(|region| region.domain).collect();
        names.sort_unstable();
        names.dedup();
        domains.sort_unstable();
        domains.dedup();
        assert_eq!(names.len(), 18);
        assert_eq!(domains.len(), 18);
    }

    #[test]
    fn every_row_round_trips() {
        for region in Region::all() {
            let by_name = Region::parse(region.name()).unwrap();
            let by_domain = Region::parse(region.domain()).unwrap();
            let by_upper = Region::parse(&format!("  {}\n", region.name().to_uppercase())).unwrap();
            let by_sdk_name = Region::parse(&region.name().replace('-', "_")).unwrap();
            assert_eq!(by_name, *region);
            assert_eq!(by_domain, *region);
            assert_eq!(by_upper, *region);
            assert_eq!(by_sdk_name, *region);

            let api = region.api_base();
            let login = region.login_base();
            assert_eq!(api.scheme(), "https");
            assert_eq!(login.scheme(), "https");
            assert_eq!(api.host_str(), Some(format!("api.{}", region.domain()).as_str()));
            assert_eq!(login.host_str(), Some(format!("login.{}", region.domain()).as_str()));
            assert_eq!(api.path(), "/");
            assert_eq!(Region::from_host(api.host_str().unwrap()), Some(*region));
            assert_eq!(Region::from_host(login.host_str().unwrap()), Some(*region));
            assert_eq!(Region::parse(api.host_str().unwrap()).unwrap(), *region);
            assert_eq!(region.to_string(), region.name());
        }
    }

    #[test]
    fn known_rows_match_published_hosts() {
        let cases = [
            ("us-east-1", "api.mypurecloud.com", "login.mypurecloud.com"),
            ("eu-west-1", "api.mypurecloud.ie", "login.mypurecloud.ie"),
            ("us-east-2", "api.use2.us-gov-pure.cloud", "login.use2.us-gov-pure.cloud"),
            ("eusc-de-east-1", "api.edee1.eusc-pure.cloud", "login.edee1.eusc-pure.cloud"),
            ("ap-southeast-2", "api.mypurecloud.com.au", "login.mypurecloud.com.au"),
        ];
        for (name, api, login) in cases {
            let region = Region::parse(name).unwrap();
            assert_eq!(region.api_host(), api);
            assert_eq!(region.login_host(), login);
        }
    }

    #[test]
    fn default_is_us_east_1() {
        assert_eq!(Region::default().name(), "us-east-1");
        assert_eq!(Region::default().domain(), "mypurecloud.com");
    }

    #[test]
    fn unknown_region_lists_known_names() {
        let error = Region::parse("mars-north-9").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("`mars-north-9`"), "{text}");
        for region in Region::all() {
            assert!(text.contains(region.name()), "{text} lacks {}", region.name());
        }
        assert!(!text.contains("did you mean"), "{text}");
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn typo_suggests_closest_name() {
        let cases = [
            ("eu-wset-1", "eu-west-1"),
            ("us-est-1", "us-east-1"),
            ("mypurecloud.i", "mypurecloud.ie"),
            ("EU-CENTRAL-3", "eu-central-1"),
        ];
        for (typo, expected) in cases {
            match Region::parse(typo).unwrap_err() {
                AuthError::UnknownRegion { suggestion, .. } => {
                    assert_eq!(suggestion, Some(expected), "for `{typo}`");
                }
                other => panic!("expected UnknownRegion for `{typo}`, got {other:?}"),
            }
        }
        let text = Region::parse("eu-wset-1").unwrap_err().to_string();
        assert!(text.contains("did you mean `eu-west-1`"), "{text}");
    }

    #[test]
    fn empty_input_is_unknown() {
        assert!(matches!(Region::parse("   "), Err(AuthError::UnknownRegion { .. })));
    }

    #[test]
    fn from_host_rejects_other_hosts() {
        assert_eq!(Region::from_host("127.0.0.1"), None);
        assert_eq!(Region::from_host("mypurecloud.com"), None);
        assert_eq!(Region::from_host("api.example.com"), None);
    }
}
