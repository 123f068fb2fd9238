//! X-shaped error bodies.

use serde_json::{json, Value};

use crate::scenario::StatusVariant;

const PROBLEMS: &str = "https://api.twitter.com/2/problems/";

/// `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`.
pub(crate) fn unauthorized() -> Value {
    json!({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"})
}

/// 403 for OAuth 1.0a on an app-only endpoint.
pub(crate) fn unsupported_authentication() -> Value {
    json!({
        "title": "Unsupported Authentication",
        "detail": "Authenticating with OAuth 1.0a User Context is forbidden for this endpoint.  Supported authentication types are [OAuth 2.0 Application-Only].",
        "type": format!("{PROBLEMS}unsupported-authentication"),
        "status": 403
    })
}

/// The real 403 client-forbidden body.
pub(crate) fn client_forbidden() -> Value {
    json!({
        "client_id": "1",
        "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.",
        "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
        "title": "Client Forbidden",
        "required_enrollment": "Appropriate Level of API Access",
        "reason": "client-not-enrolled",
        "type": format!("{PROBLEMS}client-forbidden")
    })
}

/// The observed 429 TooManyConnections body (byte-for-byte the file in shared/data).
pub(crate) const TOO_MANY_CONNECTIONS: &str = r#"{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","connection_issue":"TooManyConnections","type":"https://api.twitter.com/2/problems/streaming-connection"}"#;

/// 429 connect rate limit.
pub(crate) fn rate_limited() -> Value {
    json!({"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429})
}

/// 429 usage cap.
pub(crate) fn usage_capped() -> Value {
    json!({
        "account_id": 1,
        "product_name": "standard-basic",
        "title": "UsageCapExceeded",
        "period": "Monthly",
        "scope": "Product",
        "detail": "Usage cap exceeded: Monthly product cap",
        "type": format!("{PROBLEMS}usage-capped")
    })
}

/// 409 no rules.
pub(crate) fn rule_configuration_issue() -> Value {
    json!({
        "title": "ConnectionException",
        "detail": "Your connection was not established because there are no rules. Add rules to your stream first.",
        "connection_issue": "RuleConfigurationIssue",
        "type": format!("{PROBLEMS}streaming-connection")
    })
}

/// 503 ProvisioningSubscription.
pub(crate) fn provisioning_subscription() -> Value {
    json!({
        "title": "ConnectionException",
        "detail": "Your subscription change is currently being provisioned, please try again in a minute.",
        "connection_issue": "ProvisioningSubscription",
        "type": format!("{PROBLEMS}streaming-connection")
    })
}

/// A generic `about:blank` problem.
pub(crate) fn generic(status: u16) -> Value {
    let title = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(str::to_string)
        .unwrap_or_else(|| match status {
            420 => "Enhance Your Calm".to_string(),
            _ => format!("Error {status}"),
        });
    json!({"title": title, "detail": title, "type": "about:blank", "status": status})
}

/// 400 invalid-request with one error entry per `(parameter, values, message)`.
pub(crate) fn invalid_request(errors: &[(String, Vec<String>, String)]) -> Value {
    let errs: Vec<Value> = errors
        .iter()
        .map(|(p, v, m)| {
            let mut params = serde_json::Map::new();
            params.insert(p.clone(), json!(v));
            json!({"parameters": params, "message": m})
        })
        .collect();
    json!({
        "errors": errs,
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": format!("{PROBLEMS}invalid-request")
    })
}

/// 400 for a request body that is not the expected JSON; `param` names the offending
/// top-level member (`{"delete":{}}` → the real body with `"parameters":{"delete":[]}`).
pub(crate) fn schema_mismatch(param: Option<&str>) -> Value {
    let mut params = serde_json::Map::new();
    if let Some(p) = param {
        params.insert(p.to_string(), json!([]));
    }
    json!({
        "errors": [{"parameters": params, "message": "JSON doesn't match expected schema"}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": format!("{PROBLEMS}invalid-request")
    })
}

/// A v2 path that does not exist: a problem like X's `Not Found Error` (`resource-not-found`,
/// with the path as the parameter's value; there is no `resource_type` for a path).
pub(crate) fn not_found_v2(path: &str) -> Value {
    json!({
        "title": "Not Found Error",
        "detail": format!("Sorry, that page does not exist: {path}"),
        "type": format!("{PROBLEMS}resource-not-found"),
        "status": 404,
        "parameter": "path",
        "value": path,
        "resource_id": path,
    })
}

/// The `{"errors":[{"message":"Sorry, that page does not exist","code":34}]}` body of unknown
/// v1.1 routes.
pub(crate) fn not_found() -> Value {
    json!({"errors":[{"message":"Sorry, that page does not exist","code":34}]})
}

/// One v2 operational-disconnect line (without CRLF).
pub(crate) fn operational_disconnect_line(disconnect_type: &str) -> Vec<u8> {
    let detail = match disconnect_type {
        "UpstreamOperationalDisconnect" => {
            "This stream has been disconnected upstream for operational reasons."
        }
        "ForceDisconnect" => "This stream has been disconnected by force.",
        "SlowReader" => "This stream has been disconnected because your client was too slow.",
        _ => "This stream has been disconnected for operational reasons.",
    };
    let v = json!({"errors":[{
        "title": "operational-disconnect",
        "disconnect_type": disconnect_type,
        "detail": detail,
        "type": format!("{PROBLEMS}operational-disconnect")
    }]});
    serde_json::to_vec(&v).unwrap_or_default()
}

/// v1.1 text bodies.
pub(crate) fn v1_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        406 => "Not Acceptable",
        413 => "Request Entity Too Large",
        416 => "Requested Range Not Satisfiable",
        420 => "Easy there, Turbo. Too many requests recently. Enhance your calm.",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

/// X's v2 body for a scripted status on `path`.
pub(crate) fn v2_status_body(status: u16, variant: Option<StatusVariant>, path: &str) -> String {
    let v = match (status, variant) {
        (_, Some(StatusVariant::TooManyConnections)) | (429, None) => {
            return TOO_MANY_CONNECTIONS.to_string()
        }
        (_, Some(StatusVariant::UsageCapped)) => usage_capped(),
        (_, Some(StatusVariant::RateLimit)) => rate_limited(),
        (_, Some(StatusVariant::RuleConfigurationIssue)) | (409, None) => {
            rule_configuration_issue()
        }
        (_, Some(StatusVariant::ProvisioningSubscription)) | (503, None) => {
            provisioning_subscription()
        }
        (_, Some(StatusVariant::ClientForbidden)) | (403, None) => client_forbidden(),
        (400, None) => invalid_request(&[(
            "query".to_string(),
            Vec::new(),
            "The request was rejected by the emulator's scenario".to_string(),
        )]),
        (401, None) => unauthorized(),
        (404, None) => not_found_v2(path),
        (420, None) => return v1_text(420).to_string(),
        (s, None) => generic(s),
    };
    v.to_string()
}
