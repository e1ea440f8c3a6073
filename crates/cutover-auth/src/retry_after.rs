use std::time::{Duration, SystemTime};

use jiff::fmt::rfc2822::DateTimeParser;

static HTTP_DATE: DateTimeParser = DateTimeParser::new();

/// Parses a `Retry-After` header value: whole seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2026 07:28:00 GMT`), as RFC 9110 §10.2.3 allows. A date in
/// the past means no wait. Returns `None` for a value that is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Some(seconds) = parse_seconds(value) {
        return Some(seconds);
    }
    let timestamp = HTTP_DATE.parse_timestamp(value).ok()?;
    let at = SystemTime::try_from(timestamp).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses a header value of whole, non-negative seconds, such as Genesys
/// Cloud's `inin-ratelimit-reset`.
pub fn parse_seconds(value: &str) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // A number too large for u64 is still a request to wait very long.
    Some(Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(second)
    }

    #[test]
    fn seconds_are_read() {
        assert_eq!(parse_retry_after("120", at(0)), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", at(0)), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", at(0)),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn http_date_is_relative_to_now() {
        // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
        let value = "Wed, 21 Oct 2015 07:28:00 GMT";
        assert_eq!(parse_retry_after(value, at(1_445_412_480 - 90)), Some(Duration::from_secs(90)));
        assert_eq!(parse_retry_after(value, at(1_445_412_480 + 5)), Some(Duration::ZERO));
    }

    #[test]
    fn garbage_is_none() {
        for value in ["", "-5", "1.5", "soon", "Wed, 99 Oct 2015 07:28:00 GMT"] {
            assert_eq!(parse_retry_after(value, at(0)), None, "{value:?}");
        }
    }
}
