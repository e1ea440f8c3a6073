//! Walks a paged collection: the first page, then the rest with bounded
//! concurrency, delivering pages in order and stopping exactly at the last one.
//!
//! The cost of walking N items is ceil(N / pageSize) requests, and one request
//! when the collection is empty.

use std::future::Future;

use futures::{StreamExt, TryStreamExt, stream};

use crate::error::ApiError;
use crate::models::{Page, PageRequest};

/// How many pages after the first are requested at once.
pub const DEFAULT_PAGE_CONCURRENCY: usize = 4;

/// Fetches every page through `fetch` and hands each page's items to `sink` in
/// page order, so callers can stream a large collection without holding it
/// twice. The page count comes from the first page's `pageCount` (or, when
/// absent, from `total`); a page that is neither the last nor full, or an
/// empty page before the last, ends the walk there.
pub async fn for_each_page<T, F, Fut, S>(
    page_size: u32,
    concurrency: usize,
    fetch: F,
    mut sink: S,
) -> Result<u64, ApiError>
where
    F: Fn(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
    S: FnMut(u32, Vec<T>) -> Result<(), ApiError>,
{
    let first = fetch(PageRequest::new(1, page_size)).await?;
    let page_count = first.page_count.unwrap_or_else(|| match first.total {
        Some(total) => total.div_ceil(u64::from(page_size.max(1))) as u32,
        None if first.next_uri.is_some() => u32::MAX,
        None => 1,
    });
    let mut delivered = first.entities.len() as u64;
    sink(1, first.entities)?;
    if page_count <= 1 {
        return Ok(delivered);
    }

    let mut pages = stream::iter(2..=page_count)
        .map(|number| fetch(PageRequest::new(number, page_size)))
        .buffered(concurrency.max(1));
    while let Some(page) = pages.try_next().await? {
        let number = page.page_number.unwrap_or(0);
        let is_last = page.next_uri.is_none();
        let count = page.entities.len();
        delivered += count as u64;
        sink(number, page.entities)?;
        if count == 0 || is_last {
            break;
        }
    }
    Ok(delivered)
}

/// Fetches every page and returns all items in order.
pub async fn collect_all<T, F, Fut>(
    page_size: u32,
    concurrency: usize,
    fetch: F,
) -> Result<Vec<T>, ApiError>
where
    F: Fn(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, ApiError>>,
{
    let mut items = Vec::new();
    for_each_page(page_size, concurrency, fetch, |_, page| {
        items.extend(page);
        Ok(())
    })
    .await?;
    Ok(items)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn page_of(items: &[u32], number: u32, size: u32) -> Page<u32> {
        let total = items.len() as u64;
        let page_count = (items.len() as u32).div_ceil(size).max(1);
        let start = ((number - 1) * size) as usize;
        let entities: Vec<u32> = items.iter().skip(start).take(size as usize).copied().collect();
        Page {
            entities,
            page_size: Some(size),
            page_number: Some(number),
            total: Some(total),
            page_count: Some(page_count),
            next_uri: (number < page_count).then(|| format!("/x?pageNumber={}", number + 1)),
            ..Page::default()
        }
    }

    #[tokio::test]
    async fn walks_floor_of_requests() {
        for (count, size) in [(0u32, 10u32), (1, 10), (10, 10), (11, 10), (1000, 7)] {
            let items: Vec<u32> = (0..count).collect();
            let calls = AtomicU32::new(0);
            let all = collect_all(size, 3, |request| {
                calls.fetch_add(1, Ordering::SeqCst);
                let page = page_of(&items, request.page_number, request.page_size);
                async move { Ok(page) }
            })
            .await
            .unwrap();
            assert_eq!(all, items, "{count} items, page size {size}");
            let floor = count.div_ceil(size).max(1);
            assert_eq!(calls.load(Ordering::SeqCst), floor, "{count} items, page size {size}");
        }
    }
}
