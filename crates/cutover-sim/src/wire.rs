//! Responses in the API's wire format: `ErrorBody` errors, the rate-limit
//! headers, and JSON bodies.

use axum::Json;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cutover_api::{ApiError, ErrorBody};
use cutover_memory::ids::new_uuid;
use serde_json::{Map, Value, json};

/// `inin-ratelimit-count`: requests made in the current window.
pub(crate) const RATE_COUNT: HeaderName = HeaderName::from_static("inin-ratelimit-count");
/// `inin-ratelimit-allowed`: requests allowed per window.
pub(crate) const RATE_ALLOWED: HeaderName = HeaderName::from_static("inin-ratelimit-allowed");
/// `inin-ratelimit-reset`: seconds until the window ends.
pub(crate) const RATE_RESET: HeaderName = HeaderName::from_static("inin-ratelimit-reset");
/// `ININ-Correlation-Id`, which the API sends with every response.
const CORRELATION_ID: HeaderName = HeaderName::from_static("inin-correlation-id");

/// Returns the API's `code` for an HTTP status.
pub(crate) fn code_for_status(status: u16) -> &'static str {
    match status {
        401 => "bad.credentials",
        403 => "missing.permissions",
        404 => "not.found",
        415 => "unsupported.media.type",
        429 => "too.many.requests",
        503 => "service.unavailable",
        504 => "request.timeout",
        500..=599 => "internal.server.error",
        _ => "bad.request",
    }
}

/// Builds an `ErrorBody` with a fresh `contextId` unless one is given.
pub(crate) fn error_body(
    status: u16,
    code: &str,
    message: impl Into<String>,
    context_id: Option<&str>,
    message_params: Option<Map<String, Value>>,
) -> ErrorBody {
    ErrorBody {
        message: Some(message.into()),
        code: Some(code.to_owned()),
        status: Some(status),
        context_id: Some(context_id.map_or_else(new_uuid, str::to_owned)),
        message_params,
        extra: Map::new(),
    }
}

/// Sends an `ErrorBody` with its status and its `contextId` as the
/// correlation ID.
pub(crate) fn respond_error(body: ErrorBody) -> Response {
    let status = body
        .status
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    tracing::debug!(
        status = body.status,
        code = body.code.as_deref(),
        context_id = body.context_id.as_deref(),
        message = body.message.as_deref(),
        "sent an error response"
    );
    let correlation = body.context_id.as_deref().and_then(|id| HeaderValue::from_str(id).ok());
    let mut response = (status, Json(body)).into_response();
    if let Some(value) = correlation {
        response.headers_mut().insert(CORRELATION_ID, value);
    }
    response
}

/// Builds and sends an `ErrorBody` response.
pub(crate) fn error_response(
    status: u16,
    code: &str,
    message: impl Into<String>,
    context_id: Option<&str>,
    message_params: Option<Map<String, Value>>,
) -> Response {
    respond_error(error_body(status, code, message, context_id, message_params))
}

/// Builds the response of an injected status fault.
pub(crate) fn fault_response(status: u16) -> Response {
    error_response(
        status,
        code_for_status(status),
        format!("injected fault: HTTP {status}"),
        None,
        None,
    )
}

/// An `ApiError` from the in-memory org, sent the way the API sends that error.
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) ApiError);

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let error = self.0;
        let context_id = error.context_id().map(str::to_owned);
        let context_id = context_id.as_deref();
        match &error {
            ApiError::NotFound { resource, .. } => error_response(
                404,
                "not.found",
                format!("The requested resource was not found: {resource}"),
                context_id,
                None,
            ),
            ApiError::PermissionDenied { permissions, message, .. } => {
                let mut params = Map::new();
                params.insert("permissions".to_owned(), json!(permissions.join(", ")));
                error_response(403, "missing.permissions", message, context_id, Some(params))
            }
            ApiError::Unauthorized { message, .. } => {
                error_response(401, "bad.credentials", message, context_id, None)
            }
            ApiError::RateLimited { retry_after, message, .. } => {
                let mut response =
                    error_response(429, "too.many.requests", message, context_id, None);
                if let Some(wait) = retry_after {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs()));
                }
                response
            }
            ApiError::BadRequest { status, code, message, .. }
            | ApiError::Server { status, code, message, .. } => {
                error_response(*status, code, message, context_id, None)
            }
            ApiError::Transport { timed_out: true, message, .. } => {
                error_response(504, "request.timeout", message, context_id, None)
            }
            ApiError::Transport { message, .. } => {
                error_response(503, "service.unavailable", message, context_id, None)
            }
            ApiError::Auth(auth) => {
                error_response(401, "bad.credentials", auth.to_string(), context_id, None)
            }
            other => {
                error_response(500, "internal.server.error", other.to_string(), context_id, None)
            }
        }
    }
}

/// The rate-limit state of one request, sent as headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RateHeaders {
    /// Requests made in the window, this one included.
    pub(crate) count: u32,
    /// Requests allowed per window.
    pub(crate) allowed: u32,
    /// Whole seconds until the window ends, at least 1.
    pub(crate) reset_seconds: u64,
}

impl RateHeaders {
    /// Adds the `inin-ratelimit-*` headers.
    pub(crate) fn apply(self, headers: &mut HeaderMap) {
        headers.insert(RATE_COUNT, HeaderValue::from(self.count));
        headers.insert(RATE_ALLOWED, HeaderValue::from(self.allowed));
        headers.insert(RATE_RESET, HeaderValue::from(self.reset_seconds));
    }

    /// Builds the 429 response for a request over the limit.
    pub(crate) fn too_many_requests(self, window_seconds: u64) -> Response {
        let mut body = error_body(
            429,
            "too.many.requests",
            format!(
                "Rate limit exceeded the maximum [{}] requests within [{window_seconds}] seconds",
                self.allowed
            ),
            None,
            None,
        );
        body.extra.insert(
            "limit".to_owned(),
            json!({
                "key": "client.credentials.token.rate.per.minute",
                "namespace": "platform.api",
                "value": self.allowed,
            }),
        );
        let mut response = respond_error(body);
        self.apply(response.headers_mut());
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(self.reset_seconds));
        response
    }
}
