use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The API's error body (`ErrorBody`), as far as the product reads it; other
/// fields are kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Machine-readable code such as `missing.permissions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The HTTP status repeated in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The request's correlation ID, which Genesys support requests in a case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    /// Parameters of `message`; a 403 names the missing permissions here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_params: Option<serde_json::Map<String, serde_json::Value>>,
    /// Fields this model does not name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn context(context_id: Option<&String>) -> String {
    context_id.map(|id| format!(" (contextId `{id}`)")).unwrap_or_default()
}

/// An API call failure. Each message ends with what to do next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The resource does not exist (HTTP 404).
    #[error("{resource} was not found{}", context(.context_id.as_ref()))]
    NotFound {
        /// The method and path, or the object, that was not found.
        resource: String,
        /// The response's `contextId`.
        context_id: Option<String>,
    },
    /// The token lacks a permission (HTTP 403).
    #[error(
        "permission denied for {resource}: the client's roles lack {}; add it to a role of \
         the OAuth client{}",
        if .permissions.is_empty() { "a permission the API did not name".to_owned() }
        else { .permissions.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ") },
        context(.context_id.as_ref())
    )]
    PermissionDenied {
        /// The method and path that was refused.
        resource: String,
        /// The permissions the API named as missing.
        permissions: Vec<String>,
        /// The API's message.
        message: String,
        /// The response's `contextId`.
        context_id: Option<String>,
    },
    /// The token was refused (HTTP 401).
    #[error(
        "the access token was refused for {resource}: {message}; check that the OAuth client \
         is active{}",
        context(.context_id.as_ref())
    )]
    Unauthorized {
        /// The method and path.
        resource: String,
        /// The API's message.
        message: String,
        /// The response's `contextId`.
        context_id: Option<String>,
    },
    /// Too many requests (HTTP 429), after the retry budget was spent.
    #[error(
        "rate limited on {resource}{}: {message}; wait and run the command again{}",
        .retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default(),
        context(.context_id.as_ref())
    )]
    RateLimited {
        /// The method and path.
        resource: String,
        /// The wait the API requested, when it named one.
        retry_after: Option<Duration>,
        /// The API's message.
        message: String,
        /// The response's `contextId`.
        context_id: Option<String>,
    },
    /// The API rejected the request (HTTP 400 and other 4xx).
    #[error(
        "the API rejected {resource} (HTTP {status}, `{code}`): {message}{}",
        context(.context_id.as_ref())
    )]
    BadRequest {
        /// The method and path.
        resource: String,
        /// The HTTP status.
        status: u16,
        /// The API's `code`.
        code: String,
        /// The API's message.
        message: String,
        /// The response's `contextId`.
        context_id: Option<String>,
    },
    /// The API failed (HTTP 5xx), after retries where the call is retried.
    #[error(
        "the API failed on {resource} (HTTP {status}, `{code}`): {message}; run the command \
         again later{}",
        context(.context_id.as_ref())
    )]
    Server {
        /// The method and path.
        resource: String,
        /// The HTTP status.
        status: u16,
        /// The API's `code`.
        code: String,
        /// The API's message.
        message: String,
        /// The response's `contextId`.
        context_id: Option<String>,
    },
    /// The connection failed, dropped or timed out.
    #[error(
        "{} {resource}: {message}; check the network and run the command again",
        if *.timed_out { "timed out on" } else { "connection failed on" }
    )]
    Transport {
        /// The method and path, or the host.
        resource: String,
        /// What failed.
        message: String,
        /// Whether the failure was a timeout.
        timed_out: bool,
    },
    /// The API returned a body the product cannot read.
    #[error("invalid response from {resource}: {message}")]
    InvalidResponse {
        /// The method and path.
        resource: String,
        /// The problem with the body.
        message: String,
    },
    /// No token could be obtained.
    #[error(transparent)]
    Auth(#[from] cutover_auth::AuthError),
}

impl ApiError {
    /// Returns the HTTP status this error stands for, when it came from one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::NotFound { .. } => Some(404),
            Self::PermissionDenied { .. } => Some(403),
            Self::Unauthorized { .. } => Some(401),
            Self::RateLimited { .. } => Some(429),
            Self::BadRequest { status, .. } | Self::Server { status, .. } => Some(*status),
            Self::Transport { .. } | Self::InvalidResponse { .. } | Self::Auth(_) => None,
        }
    }

    /// Returns the response's `contextId`, when there was one.
    pub fn context_id(&self) -> Option<&str> {
        match self {
            Self::NotFound { context_id, .. }
            | Self::PermissionDenied { context_id, .. }
            | Self::Unauthorized { context_id, .. }
            | Self::RateLimited { context_id, .. }
            | Self::BadRequest { context_id, .. }
            | Self::Server { context_id, .. } => context_id.as_deref(),
            _ => None,
        }
    }

    /// Builds the error for an HTTP status and the API's error body, as both
    /// backends report it.
    pub fn from_status(resource: impl Into<String>, status: u16, body: &ErrorBody) -> Self {
        let resource = resource.into();
        let message = body.message.clone().unwrap_or_else(|| format!("HTTP {status}"));
        let code = body.code.clone().unwrap_or_default();
        let context_id = body.context_id.clone();
        match status {
            404 => Self::NotFound { resource, context_id },
            401 => Self::Unauthorized { resource, message, context_id },
            403 => Self::PermissionDenied {
                resource,
                permissions: missing_permissions(body),
                message,
                context_id,
            },
            429 => Self::RateLimited { resource, retry_after: None, message, context_id },
            500..=599 => Self::Server { resource, status, code, message, context_id },
            _ => Self::BadRequest { resource, status, code, message, context_id },
        }
    }
}

/// Reads the permissions a 403 body names, from `messageParams` values or,
/// failing that, from words of the form `a:b:c` in the message.
fn missing_permissions(body: &ErrorBody) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    if let Some(params) = &body.message_params {
        for value in params.values() {
            if let Some(text) = value.as_str() {
                found
                    .extend(text.split([',', ' ']).filter(|w| is_permission(w)).map(str::to_owned));
            }
        }
    }
    if found.is_empty()
        && let Some(message) = &body.message
    {
        found.extend(
            message
                .split(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '(' | ')'))
                .map(|w| w.trim_end_matches('.'))
                .filter(|w| is_permission(w))
                .map(str::to_owned),
        );
    }
    found.dedup();
    found
}

fn is_permission(word: &str) -> bool {
    let parts: Vec<&str> = word.split(':').collect();
    parts.len() == 3 && parts.iter().all(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_names_permission_from_params() {
        let body: ErrorBody = serde_json::from_value(serde_json::json!({
            "message": "Unable to perform the requested action. You are missing the following permission(s): [sso:provider:edit]",
            "code": "missing.permissions",
            "status": 403,
            "contextId": "ctx-1",
            "messageParams": {"permissions": "sso:provider:edit"}
        }))
        .unwrap();
        let error = ApiError::from_status("PUT /api/v2/identityproviders/generic", 403, &body);
        let text = error.to_string();
        assert!(text.contains("`sso:provider:edit`"), "{text}");
        assert!(text.contains("ctx-1"), "{text}");
        assert_eq!(error.status(), Some(403));
    }

    #[test]
    fn forbidden_names_permission_from_message() {
        let body = ErrorBody {
            message: Some("missing permission(s): [oauth:client:view]".into()),
            ..ErrorBody::default()
        };
        match ApiError::from_status("GET /api/v2/oauth/clients", 403, &body) {
            ApiError::PermissionDenied { permissions, .. } => {
                assert_eq!(permissions, vec!["oauth:client:view".to_owned()]);
            }
            other => panic!("expected PermissionDenied, got {other:?}"),
        }
    }

    #[test]
    fn status_maps_to_variant() {
        let body = ErrorBody::default();
        assert!(matches!(ApiError::from_status("x", 404, &body), ApiError::NotFound { .. }));
        assert!(matches!(ApiError::from_status("x", 429, &body), ApiError::RateLimited { .. }));
        assert!(matches!(ApiError::from_status("x", 503, &body), ApiError::Server { .. }));
        assert!(matches!(ApiError::from_status("x", 400, &body), ApiError::BadRequest { .. }));
        assert!(matches!(ApiError::from_status("x", 401, &body), ApiError::Unauthorized { .. }));
    }
}
