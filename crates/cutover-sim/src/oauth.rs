//! `POST /oauth/token`: the client-credentials grant of the login service.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cutover_memory::DEFAULT_TOKEN_LIFETIME_SECONDS;
use serde_json::json;

use crate::state::Shared;

/// Builds an OAuth error response: `error`, and the same text as `description`
/// and `error_description`, the way the login service sends it.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({
        "error": error,
        "description": description,
        "error_description": description,
    });
    (status, Json(body)).into_response()
}

/// Reads `client_id:secret` from an `Authorization: Basic` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (client_id, secret) = decoded.split_once(':')?;
    Some((client_id.to_owned(), secret.to_owned()))
}

pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((client_id, secret)) = basic_credentials(&headers) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed: send the client ID and secret with HTTP Basic",
        );
    };
    let grant_type = url::form_urlencoded::parse(&body)
        .find(|(key, _)| key == "grant_type")
        .map(|(_, value)| value.into_owned());
    match grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant type `{other}` is not supported; use client_credentials"),
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is missing",
            );
        }
    }

    let client = match shared.org.authenticate(&client_id, &secret) {
        Ok(client) => client,
        Err(error) => {
            tracing::info!(client_id, %error, "rejected a token request");
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "authentication failed",
            );
        }
    };
    let lifetime = shared.token_lifetime.unwrap_or_else(|| {
        let seconds = client
            .access_token_validity_seconds
            .and_then(|seconds| u64::try_from(seconds).ok())
            .unwrap_or(DEFAULT_TOKEN_LIFETIME_SECONDS);
        Duration::from_secs(seconds)
    });
    let access_token = shared.issue_token(&client.id, lifetime);
    tracing::info!(client_id = client.id, lifetime_seconds = lifetime.as_secs(), "issued a token");
    Json(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": lifetime.as_secs(),
    }))
    .into_response()
}
