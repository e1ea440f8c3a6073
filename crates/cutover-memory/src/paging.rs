//! Pages in the API's envelope: `pageSize`, `pageNumber`, `pageCount`,
//! `total` and the `firstUri`/`selfUri`/`lastUri`/`nextUri`/`previousUri`
//! links.
//!
//! An empty collection is one page with `total: 0` and `pageCount: 0`, no
//! `nextUri`, and `firstUri`, `selfUri` and `lastUri` pointing at page 1.
//! The page walker of `cutover_api::paging` stops after the first page for
//! any `pageCount` of 1 or less, so it makes exactly one request for an
//! empty collection.
// NOTE: no API document states the empty-collection envelope; pageCount 0 is
// the choice made here and shared by both backends.

use std::ops::Range;

use cutover_api::ApiError;
use cutover_api::models::{Page, PageRequest};

use crate::ids::new_uuid;

/// Builds the path and query of page `number`: `pageSize` and `pageNumber`
/// first, then `params` in the order given.
pub fn page_uri(path: &str, params: &[(String, String)], number: u32, size: u32) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("pageSize", &size.to_string());
    query.append_pair("pageNumber", &number.to_string());
    for (key, value) in params {
        query.append_pair(key, value);
    }
    format!("{path}?{}", query.finish())
}

/// Sets a page's links from its `pageNumber`, `pageSize` and `pageCount`.
/// `params` are the other query parameters of the request, which every link
/// repeats; `pageSize` and `pageNumber` among them are ignored.
pub fn set_page_links<T>(page: &mut Page<T>, path: &str, params: &[(String, String)]) {
    let params: Vec<(String, String)> = params
        .iter()
        .filter(|(key, _)| key != "pageSize" && key != "pageNumber")
        .cloned()
        .collect();
    let number = page.page_number.unwrap_or(1);
    let size = page.page_size.unwrap_or(1);
    let count = page.page_count.unwrap_or(0);
    let uri = |n: u32| page_uri(path, &params, n, size);
    page.first_uri = Some(uri(1));
    page.self_uri = Some(uri(number));
    page.last_uri = Some(uri(count.max(1)));
    page.next_uri = (number < count).then(|| uri(number + 1));
    page.previous_uri = (number > 1).then(|| uri(number - 1));
}

/// Returns the page size the API would use: at least 1, at most `max`.
pub fn effective_page_size(requested: u32, max: u32) -> u32 {
    requested.clamp(1, max)
}

/// Builds page `request` of a collection of `total` items; `fetch` returns
/// the items of a range of positions, so only one page is ever copied.
pub(crate) fn build_page<T>(
    request: PageRequest,
    max_size: u32,
    total: usize,
    resource: &str,
    fetch: impl FnOnce(Range<usize>) -> Result<Vec<T>, ApiError>,
) -> Result<Page<T>, ApiError> {
    if request.page_number == 0 {
        return Err(ApiError::BadRequest {
            resource: resource.to_owned(),
            status: 400,
            code: "invalid.value".to_owned(),
            message: "pageNumber must be 1 or more".to_owned(),
            context_id: Some(new_uuid()),
        });
    }
    let size = effective_page_size(request.page_size, max_size);
    let start = (u64::from(request.page_number) - 1) * u64::from(size);
    let range = if start >= total as u64 {
        total..total
    } else {
        let start = start as usize;
        start..(start + size as usize).min(total)
    };
    let page_count = (total as u64).div_ceil(u64::from(size)) as u32;
    Ok(Page {
        entities: fetch(range)?,
        page_size: Some(size),
        page_number: Some(request.page_number),
        total: Some(total as u64),
        page_count: Some(page_count),
        ..Page::default()
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn numbers(request: PageRequest, total: usize) -> Page<usize> {
        build_page(request, 10, total, "GET /x", |range| Ok(range.collect())).unwrap()
    }

    #[test]
    fn pages_split_and_count() {
        let cases = [
            // (total, number, size) -> (entities, pageSize, pageCount)
            ((0, 1, 5), (vec![], 5, 0)),
            ((1, 1, 5), (vec![0], 5, 1)),
            ((5, 1, 5), (vec![0, 1, 2, 3, 4], 5, 1)),
            ((6, 2, 5), (vec![5], 5, 2)),
            ((6, 3, 5), (vec![], 5, 2)),
            ((25, 2, 50), (vec![10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 10, 3)),
            ((3, 1, 0), (vec![0], 1, 3)),
        ];
        for ((total, number, size), (entities, page_size, page_count)) in cases {
            let page = numbers(PageRequest::new(number, size), total);
            let case = format!("total {total}, page {number}, size {size}");
            assert_eq!(page.entities, entities, "{case}");
            assert_eq!(page.page_size, Some(page_size), "{case}");
            assert_eq!(page.page_count, Some(page_count), "{case}");
            assert_eq!(page.total, Some(total as u64), "{case}");
        }
    }

    #[test]
    fn page_zero_is_rejected() {
        let error =
            build_page(PageRequest::new(0, 5), 10, 3, "GET /x", |r| Ok(r.collect::<Vec<_>>()))
                .unwrap_err();
        assert_eq!(error.status(), Some(400));
    }

    #[test]
    fn links_follow_position() {
        let params = vec![("state".to_owned(), "any".to_owned())];
        let mut middle = numbers(PageRequest::new(2, 5), 12);
        set_page_links(&mut middle, "/api/v2/users", &params);
        assert_eq!(
            middle.self_uri.as_deref(),
            Some("/api/v2/users?pageSize=5&pageNumber=2&state=any")
        );
        assert_eq!(
            middle.first_uri.as_deref(),
            Some("/api/v2/users?pageSize=5&pageNumber=1&state=any")
        );
        assert_eq!(
            middle.last_uri.as_deref(),
            Some("/api/v2/users?pageSize=5&pageNumber=3&state=any")
        );
        assert_eq!(
            middle.next_uri.as_deref(),
            Some("/api/v2/users?pageSize=5&pageNumber=3&state=any")
        );
        assert_eq!(
            middle.previous_uri.as_deref(),
            Some("/api/v2/users?pageSize=5&pageNumber=1&state=any")
        );

        let mut last = numbers(PageRequest::new(3, 5), 12);
        set_page_links(&mut last, "/api/v2/users", &params);
        assert_eq!(last.next_uri, None);

        let mut empty = numbers(PageRequest::new(1, 5), 0);
        set_page_links(&mut empty, "/api/v2/users", &[]);
        assert_eq!(empty.next_uri, None);
        assert_eq!(empty.previous_uri, None);
        assert_eq!(empty.last_uri.as_deref(), Some("/api/v2/users?pageSize=5&pageNumber=1"));
    }

    proptest! {
        #[test]
        fn any_page_is_a_consistent_slice(total in 0usize..400, size in 0u32..700, number in 1u32..40) {
            let page = numbers(PageRequest::new(number, size), total);
            let effective = size.clamp(1, 10) as usize;
            let start = (number as usize - 1) * effective;
            let expected: Vec<usize> = (start..total).take(effective).collect();
            prop_assert_eq!(&page.entities, &expected);
            prop_assert_eq!(page.page_count, Some(total.div_ceil(effective) as u32));

            let mut linked = page;
            set_page_links(&mut linked, "/x", &[]);
            let count = total.div_ceil(effective) as u32;
            prop_assert_eq!(linked.next_uri.is_some(), number < count);
            prop_assert_eq!(linked.previous_uri.is_some(), number > 1);
        }
    }
}
