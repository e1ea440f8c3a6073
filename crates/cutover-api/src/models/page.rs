use serde::{Deserialize, Serialize};

/// Largest `pageSize` that `GET /api/v2/users` accepts.
pub const MAX_PAGE_SIZE_USERS: u32 = 500;

/// Largest `pageSize` the product requests of the other paged collections (roles,
/// role members, divisions).
// NOTE: no API document at hand states these maximums; 100 is a limit that
// Genesys Cloud list endpoints commonly accept, chosen as the safe value.
pub const MAX_PAGE_SIZE_DEFAULT: u32 = 100;

/// The page to fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page_number: u32,
    /// Items per page.
    pub page_size: u32,
}

impl PageRequest {
    /// Builds a request for page `page_number` of `page_size` items.
    pub fn new(page_number: u32, page_size: u32) -> Self {
        Self { page_number, page_size }
    }
}

/// The API's paged envelope (`…EntityListing`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// Items of this page.
    #[serde(default = "Vec::new")]
    pub entities: Vec<T>,
    /// Items per page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// 1-based number of this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_number: Option<u32>,
    /// Items in the whole collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Pages in the whole collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_count: Option<u32>,
    /// Path of the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_uri: Option<String>,
    /// Path of this page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    /// Path of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_uri: Option<String>,
    /// Path of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_uri: Option<String>,
    /// Path of the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_uri: Option<String>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Self {
            entities: Vec::new(),
            page_size: None,
            page_number: None,
            total: None,
            page_count: None,
            first_uri: None,
            self_uri: None,
            next_uri: None,
            previous_uri: None,
            last_uri: None,
        }
    }
}
