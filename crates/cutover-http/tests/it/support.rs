use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use cutover_auth::{ClientCredentials, ClientSecret, TokenRetry};
use cutover_http::{HttpApi, HttpConfig, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub(crate) const CLIENT_ID: &str = "7d1c9a00-http-client";
pub(crate) const SECRET: &str = "http-secret-4f3e";

pub(crate) fn credentials() -> ClientCredentials {
    ClientCredentials::new(CLIENT_ID, ClientSecret::new(SECRET))
}

/// Builds a client without pooling or timeouts, because pooled connections
/// and request timeouts start tokio timers that paused test time would fire
/// early.
pub(crate) fn test_client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap()
}

/// Returns settings for a loopback server with millisecond backoff.
pub(crate) fn config(base: &str) -> HttpConfig {
    HttpConfig {
        http_client: Some(test_client()),
        retry: RetryPolicy::fast(),
        token_retry: TokenRetry {
            first_backoff: std::time::Duration::from_millis(1),
            ..TokenRetry::default()
        },
        ..HttpConfig::for_base(Url::parse(base).unwrap())
    }
}

pub(crate) fn api(server: &MockServer) -> HttpApi {
    HttpApi::new(credentials(), config(&server.uri())).unwrap()
}

pub(crate) fn api_with(server: &MockServer, retry: RetryPolicy) -> HttpApi {
    HttpApi::new(credentials(), HttpConfig { retry, ..config(&server.uri()) }).unwrap()
}

/// Responds to each token request with a new token, `token-1`, `token-2`, ….
#[derive(Clone)]
pub(crate) struct NumberedTokens {
    pub(crate) count: Arc<AtomicUsize>,
    expires_in: u64,
}

impl NumberedTokens {
    pub(crate) fn new(expires_in: u64) -> Self {
        Self { count: Arc::default(), expires_in }
    }

    pub(crate) fn issued(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

impl Respond for NumberedTokens {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let number = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": format!("token-{number}"),
            "token_type": "bearer",
            "expires_in": self.expires_in,
        }))
    }
}

/// Mounts a token endpoint that issues `token-1`, `token-2`, … living one
/// hour.
pub(crate) async fn mount_tokens(server: &MockServer) -> NumberedTokens {
    let tokens = NumberedTokens::new(3600);
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(tokens.clone())
        .mount(server)
        .await;
    tokens
}

/// Returns the listed responses in order, then repeats the last one.
pub(crate) struct Sequence {
    responses: Vec<ResponseTemplate>,
    next: AtomicUsize,
}

impl Sequence {
    pub(crate) fn new(responses: Vec<ResponseTemplate>) -> Self {
        Self { responses, next: AtomicUsize::new(0) }
    }
}

impl Respond for Sequence {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let index = self.next.fetch_add(1, Ordering::SeqCst).min(self.responses.len() - 1);
        self.responses[index].clone()
    }
}

/// Counts the requests the mock server received on `request_path`.
pub(crate) async fn count(server: &MockServer, request_path: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|request| request.url.path() == request_path)
        .count()
}

pub(crate) fn query_of(url: &Url) -> HashMap<String, String> {
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// Builds page `number` of a `total`-user collection as `GET /api/v2/users`
/// returns it, users named `user-1` … `user-<total>`.
pub(crate) fn users_page(total: u64, number: u64, size: u64) -> serde_json::Value {
    let page_count = total.div_ceil(size).max(1);
    let first = (number - 1) * size + 1;
    let last = (number * size).min(total);
    let entities: Vec<serde_json::Value> = (first..=last)
        .map(|index| {
            serde_json::json!({
                "id": format!("user-{index}"),
                "name": format!("User {index}"),
                "email": format!("user{index}@example.com"),
                "state": "active",
                "version": 1,
            })
        })
        .collect();
    let mut page = serde_json::json!({
        "entities": entities,
        "pageSize": size,
        "pageNumber": number,
        "total": total,
        "pageCount": page_count,
        "firstUri": format!("/api/v2/users?pageSize={size}&pageNumber=1"),
        "selfUri": format!("/api/v2/users?pageSize={size}&pageNumber={number}"),
        "lastUri": format!("/api/v2/users?pageSize={size}&pageNumber={page_count}"),
    });
    if number < page_count {
        page["nextUri"] =
            serde_json::json!(format!("/api/v2/users?pageSize={size}&pageNumber={}", number + 1));
    }
    page
}

/// Serves `GET /api/v2/users` pages of a `total`-user collection, reading
/// `pageSize` and `pageNumber` from the query.
pub(crate) struct UserPages {
    pub(crate) total: u64,
}

impl Respond for UserPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = query_of(&request.url);
        let size: u64 = query.get("pageSize").and_then(|v| v.parse().ok()).unwrap_or(25);
        let number: u64 = query.get("pageNumber").and_then(|v| v.parse().ok()).unwrap_or(1);
        ResponseTemplate::new(200).set_body_json(users_page(self.total, number, size))
    }
}

/// A request as the raw server read it.
#[derive(Clone, Debug)]
pub(crate) struct RawRequest {
    pub(crate) method: String,
    pub(crate) target: String,
}

impl RawRequest {
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub(crate) fn query(&self) -> HashMap<String, String> {
        query_of(&Url::parse(&format!("http://localhost{}", self.target)).unwrap())
    }
}

/// What the raw server does with a request: respond with a status and JSON
/// body, or close the connection without a response.
pub(crate) enum RawReply {
    Json(u16, serde_json::Value),
    Drop,
}

type Handler = dyn Fn(&RawRequest) -> RawReply + Send + Sync;

/// A minimal HTTP/1.1 server on 127.0.0.1, one request per connection. It
/// exists because a mock server cannot drop a connection mid-request.
pub(crate) struct RawServer {
    pub(crate) address: SocketAddr,
    pub(crate) requests: Arc<Mutex<Vec<RawRequest>>>,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl RawServer {
    pub(crate) async fn start(
        handler: impl Fn(&RawRequest) -> RawReply + Send + Sync + 'static,
    ) -> Self {
        Self::start_at("127.0.0.1:0".parse().unwrap(), handler).await
    }

    /// Starts the server on a given address, such as a port that refused
    /// connections a moment ago.
    pub(crate) async fn start_at(
        address: SocketAddr,
        handler: impl Fn(&RawRequest) -> RawReply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind(address).await.unwrap();
        let address = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = Arc::clone(&requests);
        let accept_loop = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = Arc::clone(&handler);
                let seen = Arc::clone(&seen);
                tokio::spawn(serve_one(stream, handler, seen));
            }
        });
        Self { address, requests, accept_loop }
    }

    pub(crate) fn base(&self) -> String {
        format!("http://{}", self.address)
    }

    pub(crate) fn requests_to(&self, request_path: &str) -> Vec<RawRequest> {
        let requests = self.requests.lock().unwrap();
        requests.iter().filter(|request| request.path() == request_path).cloned().collect()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

async fn serve_one(
    mut stream: TcpStream,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<RawRequest>>>,
) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    seen.lock().unwrap().push(request.clone());
    match handler(&request) {
        RawReply::Drop => drop(stream),
        RawReply::Json(status, body) => {
            let body = body.to_string();
            let head = format!(
                "HTTP/1.1 {status} Status\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    }
}

/// Reads the request line, the headers and a `Content-Length` body.
async fn read_request(stream: &mut TcpStream) -> Option<RawRequest> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(position) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break position + 4;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let content_length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + content_length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let mut parts = head.lines().next()?.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    Some(RawRequest { method, target })
}
