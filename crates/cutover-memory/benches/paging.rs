//! Loading and paging a 100,000-user org snapshot.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use cutover_api::OrgApi;
use cutover_api::models::{PageRequest, UserStateFilter};
use cutover_api::paging::collect_all;
use cutover_memory::MemoryOrg;
use serde_json::{Value, json};

const USERS: usize = 100_000;

/// Builds a snapshot with one client-credentials client and `count` users,
/// every tenth of them inactive.
fn snapshot(count: usize) -> String {
    let users: Vec<Value> = (0..count)
        .map(|n| {
            json!({
                "id": format!("00000000-0000-4000-8000-{n:012}"),
                "name": format!("User {n}"),
                "email": format!("user{n}@example.com"),
                "username": format!("user{n}@example.com"),
                "state": if n % 10 == 0 { "inactive" } else { "active" },
                "version": 1,
            })
        })
        .collect();
    json!({
        "schema": "sso-cutover.org-snapshot.v1",
        "region": "us-east-1",
        "organization": {"id": "org", "name": "Bench", "state": "active", "version": 1},
        "oauthClients": [{"id": "client", "name": "bench", "authorizedGrantType": "CLIENT-CREDENTIALS",
                          "state": "active", "secret": "s"}],
        "users": users,
    })
    .to_string()
}

fn paging(c: &mut Criterion) {
    let text = snapshot(USERS);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let mut group = c.benchmark_group("memory_100k_users");
    group.sample_size(10);

    group.bench_function("load_snapshot", |b| {
        b.iter(|| MemoryOrg::from_json(black_box(&text)).unwrap());
    });

    let org = MemoryOrg::from_json(&text).unwrap();
    let api = org.session(None, None).unwrap();
    group.bench_function("walk_all_pages_of_500", |b| {
        b.iter(|| {
            let users = runtime
                .block_on(collect_all(500, 4, |page| api.users_page(page, UserStateFilter::Any)))
                .unwrap();
            assert_eq!(users.len(), USERS);
        });
    });
    group.bench_function("first_page_of_500", |b| {
        b.iter(|| {
            runtime
                .block_on(api.users_page(PageRequest::new(1, 500), UserStateFilter::Any))
                .unwrap()
        });
    });
    group.bench_function("last_page_of_500", |b| {
        b.iter(|| {
            runtime
                .block_on(api.users_page(PageRequest::new(200, 500), UserStateFilter::Any))
                .unwrap()
        });
    });
    group.finish();
}

criterion_group!(benches, paging);
criterion_main!(benches);
