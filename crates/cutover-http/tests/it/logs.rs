use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use cutover_api::{OrgApi, PageRequest, UserStateFilter};
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{SECRET, Sequence, UserPages, api, mount_tokens};

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs, once per test binary, a global subscriber that records every
/// event at every level. A thread-local subscriber (`set_default`) can miss
/// events whose callsites other test threads registered first.
fn captured_logs() -> &'static Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(buffer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buffer
    })
}

#[tokio::test]
async fn spans_name_request_without_secrets() {
    let buffer = captured_logs();
    let server = MockServer::start().await;
    mount_tokens(&server).await;
    Mock::given(path("/api/v2/organizations/me"))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(Sequence::new(vec![ResponseTemplate::new(503), ResponseTemplate::new(401)]))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organizations/me"))
        .and(header("authorization", "Bearer token-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "org-1"})))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/users")).respond_with(UserPages { total: 30 }).mount(&server).await;
    let api = api(&server);

    api.organization().await.unwrap();
    api.users_page(PageRequest::new(2, 25), UserStateFilter::Active).await.unwrap();

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("api_request{method=GET path=/api/v2/organizations/me}"), "{logs}");
    assert!(logs.contains("api_request{method=GET path=/api/v2/users page=2}"), "{logs}");
    assert!(logs.contains("repeating the request"), "{logs}");
    assert!(logs.contains("the API rejected the token"), "{logs}");
    assert!(!logs.contains("token-1"), "the log shows a token: {logs}");
    assert!(!logs.contains("token-2"), "the log shows a token: {logs}");
    assert!(!logs.contains(SECRET), "the log shows the client secret: {logs}");
    assert!(!logs.contains("Bearer"), "the log shows an Authorization header: {logs}");
}
