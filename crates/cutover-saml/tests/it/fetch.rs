//! Fetching metadata over HTTP from a local mock server.

use std::time::Duration;

use cutover_saml::{FetchError, FetchOptions, fetch_metadata};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn options() -> FetchOptions {
    FetchOptions { timeout: Duration::from_secs(10), max_bytes: 1024 }
}

#[tokio::test]
async fn loopback_http_is_fetched() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/metadata"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<md/>"))
        .expect(1)
        .mount(&server)
        .await;
    let body = fetch_metadata(&format!("{}/metadata", server.uri()), options()).await.unwrap();
    assert_eq!(body, b"<md/>");
}

#[tokio::test]
async fn remote_http_is_rejected_without_a_request() {
    let result = fetch_metadata("http://idp.example.invalid/metadata", options()).await;
    let Err(FetchError::NotHttps { url }) = result else { panic!("{result:?}") };
    assert_eq!(url, "http://idp.example.invalid/metadata");
}

#[tokio::test]
async fn other_schemes_are_rejected() {
    for url in ["file:///etc/passwd", "ftp://idp.example.invalid/metadata"] {
        let result = fetch_metadata(url, options()).await;
        assert!(matches!(result, Err(FetchError::NotHttps { .. })), "{url}: {result:?}");
    }
}

#[tokio::test]
async fn invalid_url_is_named() {
    let result = fetch_metadata("not a url", options()).await;
    let Err(error @ FetchError::InvalidUrl { .. }) = result else { panic!("{result:?}") };
    assert!(error.to_string().contains("`not a url`"), "{error}");
}

#[tokio::test]
async fn body_over_limit_is_rejected() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 1025]))
        .mount(&server)
        .await;
    let url = format!("{}/big", server.uri());
    let result = fetch_metadata(&url, options()).await;
    let Err(FetchError::TooLarge { url: named, limit }) = result else { panic!("{result:?}") };
    assert_eq!(named, url);
    assert_eq!(limit, 1024);
    let text = FetchError::TooLarge { url: named, limit }.to_string();
    assert!(text.contains("1 KiB (1,024 bytes) size limit"), "{text}");
}

#[tokio::test]
async fn body_at_limit_is_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 1024]))
        .mount(&server)
        .await;
    let body = fetch_metadata(&format!("{}/exact", server.uri()), options()).await.unwrap();
    assert_eq!(body.len(), 1024);
}

#[tokio::test]
async fn slow_server_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let url = format!("{}/slow", server.uri());
    let quick = FetchOptions { timeout: Duration::from_millis(200), max_bytes: 1024 };
    let result = fetch_metadata(&url, quick).await;
    let Err(error @ FetchError::Timeout { .. }) = result else { panic!("{result:?}") };
    let text = error.to_string();
    assert!(text.contains(&url), "{text}");
    assert!(text.contains("check that the URL answers"), "{text}");
    assert!(text.contains("download the file and pass its path"), "{text}");
    assert!(!text.contains("raise the timeout"), "no option sets the timeout: {text}");
}

#[tokio::test]
async fn error_status_is_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(404)).mount(&server).await;
    let result = fetch_metadata(&format!("{}/missing", server.uri()), options()).await;
    assert!(matches!(result, Err(FetchError::Status { status: 404, .. })), "{result:?}");
    let text = result.unwrap_err().to_string();
    assert_eq!(text.matches("check the URL").count(), 1, "{text}");
    assert!(text.contains("download the file and pass its path"), "{text}");
}

#[tokio::test]
async fn redirect_to_remote_http_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/moved"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("Location", "http://idp.example.invalid/metadata"),
        )
        .mount(&server)
        .await;
    let url = format!("{}/moved", server.uri());
    let result = fetch_metadata(&url, options()).await;
    let Err(FetchError::Redirect { url: named, location, .. }) = result else {
        panic!("{result:?}")
    };
    assert_eq!(named, url);
    assert_eq!(location, "http://idp.example.invalid/metadata");
}

#[tokio::test]
async fn redirect_within_loopback_is_followed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/old"))
        .respond_with(ResponseTemplate::new(301).insert_header("Location", "/new"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/new"))
        .respond_with(ResponseTemplate::new(200).set_body_string("moved"))
        .mount(&server)
        .await;
    let body = fetch_metadata(&format!("{}/old", server.uri()), options()).await.unwrap();
    assert_eq!(body, b"moved");
}

#[tokio::test]
async fn redirect_loop_is_stopped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/loop"))
        .mount(&server)
        .await;
    let result = fetch_metadata(&format!("{}/loop", server.uri()), options()).await;
    assert!(matches!(result, Err(FetchError::Redirect { .. })), "{result:?}");
}
