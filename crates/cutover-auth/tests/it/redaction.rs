use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use cutover_auth::{CredentialInput, resolve_credentials};
use tracing_subscriber::fmt::MakeWriter;
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{CLIENT_ID, SECRET, Sequence, basic_header, provider, token_body};

const TOKEN: &str = "eyJ-access-token-Zx81";

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
pub(crate) struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

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
/// event at every level into a buffer. A global subscriber is used because a
/// thread-local one (`set_default`) can miss events whose callsites other
/// test threads registered first.
pub(crate) fn captured_logs() -> &'static Buffer {
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

fn assert_no_secret(what: &str, text: &str) {
    let basic = basic_header(CLIENT_ID, SECRET);
    let encoded = basic.trim_start_matches("Basic ");
    assert!(!text.contains(SECRET), "{what} shows the client secret: {text}");
    assert!(!text.contains(encoded), "{what} shows the Basic credentials: {text}");
    assert!(!text.contains(TOKEN), "{what} shows the access token: {text}");
}

#[tokio::test]
async fn secrets_stay_out_of_logs_and_formatting() {
    let buffer = captured_logs();

    let dir = tempfile::tempdir().unwrap();
    let secret_path = dir.path().join("secret");
    std::fs::write(&secret_path, format!("{SECRET}\n")).unwrap();
    let resolved = resolve_credentials(&CredentialInput {
        client_id: Some(CLIENT_ID),
        client_secret_file: Some(&secret_path),
        env: &|_| None,
    })
    .unwrap();

    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .and(header("authorization", basic_header(CLIENT_ID, SECRET).as_str()))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(200).set_body_json(token_body(TOKEN, 3600)),
            ResponseTemplate::new(401)
                .set_body_json(serde_json::json!({"error": "invalid_client"})),
        ]))
        .mount(&server)
        .await;
    let provider = provider(&server.uri());
    let issued = provider.issued().await.unwrap();
    let refused = provider.fresh().await.unwrap_err();

    assert_eq!(issued.access_token.expose(), TOKEN);
    let logs = buffer.text();
    assert!(logs.contains("resolved client credentials"), "capture is not working: {logs}");
    assert!(logs.contains("retrying the token request"), "capture is not working: {logs}");
    assert!(logs.contains("received a token"), "capture is not working: {logs}");
    assert_no_secret("the log", &logs);

    let formatted = [
        ("ResolvedCredentials Debug", format!("{resolved:?}")),
        ("ClientSecret Display", format!("{}", resolved.credentials.secret)),
        ("IssuedToken Debug", format!("{issued:?}")),
        ("AccessToken Display", format!("{}", issued.access_token)),
        ("TokenProvider Debug", format!("{provider:?}")),
        ("AuthError Debug", format!("{refused:?}")),
        ("AuthError Display", format!("{refused}")),
    ];
    for (what, text) in formatted {
        assert!(!text.is_empty(), "{what} is empty");
        assert_no_secret(what, &text);
    }
}
