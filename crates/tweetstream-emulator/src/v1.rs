//! v1.1 endpoints: `statuses/filter` and `statuses/sample`, with OAuth 1.0a verification.

use std::sync::Arc;

use http::{Method, Response};
use hyper::body::Incoming;
use tokio::time::Instant;
use tweetstream::oauth;

use crate::data::V1Filter;
use crate::http::{self as h, EmuBody};
use crate::observe::{AuthRecord, AuthScheme};
use crate::payload::statuses::Statuses;
use crate::problems;
use crate::scenario::StreamEndpoint;
use crate::server::{
    auth_header, decode_pairs, lock, read_body, unix_now, AuthHeader, ReqCtx, Shared,
};
use crate::stream::frame::Framing;
use crate::stream::{self, StreamSpec};

/// Hosts a client may have signed for besides the emulator's own address (clients whose
/// host was redirected to the emulator usually still sign for the real one).
const SIGNED_HOSTS: [&str; 3] = [
    "https://stream.twitter.com",
    "https://stream.x.com",
    "https://api.twitter.com",
];

fn refuse(
    ctx: &mut ReqCtx,
    scheme: AuthScheme,
    identity: Option<String>,
    why: String,
    gz: Option<u32>,
) -> Response<EmuBody> {
    ctx.auth = AuthRecord {
        scheme,
        identity,
        verified: false,
        accepted: false,
        error: Some(why.clone()),
    };
    ctx.error = Some(why.clone());
    h::text(401, &format!("Unauthorized: {why}"), gz)
}

/// Check OAuth 1.0a. Ok = the credential key.
fn v1_auth(shared: &Shared, ctx: &mut ReqCtx) -> Result<String, Response<EmuBody>> {
    let gz = shared.gzip_level(ctx.gzip);
    let header = match auth_header(&ctx.headers) {
        AuthHeader::OAuth(hdr) => hdr,
        AuthHeader::Bearer(_) => return Err(refuse(
            ctx,
            AuthScheme::Bearer,
            None,
            "v1.1 streams require OAuth 1.0a user context; app-only bearer tokens are not accepted"
                .into(),
            gz,
        )),
        AuthHeader::None => {
            return Err(refuse(
                ctx,
                AuthScheme::None,
                None,
                "no Authorization header".into(),
                gz,
            ))
        }
        AuthHeader::Basic => {
            return Err(refuse(
                ctx,
                AuthScheme::Basic,
                None,
                "Basic authentication is not accepted".into(),
                gz,
            ))
        }
        AuthHeader::Other => {
            return Err(refuse(
                ctx,
                AuthScheme::Other,
                None,
                "unsupported Authorization header".into(),
                gz,
            ))
        }
    };
    let pairs = match oauth::parse_authorization_header(&header) {
        Ok(p) => p,
        Err(e) => {
            return Err(refuse(
                ctx,
                AuthScheme::OAuth1,
                None,
                format!("could not authenticate you ({e})"),
                gz,
            ))
        }
    };
    let find = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let consumer_key = find("oauth_consumer_key");
    let token = find("oauth_token");
    let identity = format!("{consumer_key}:{token}");
    let credential = format!("oauth:{identity}");
    if shared.config.oauth.is_empty() {
        // No credentials configured: accept any well-formed OAuth header, unverified.
        ctx.auth = AuthRecord {
            scheme: AuthScheme::OAuth1,
            identity: Some(identity),
            verified: false,
            accepted: true,
            error: None,
        };
        return Ok(credential);
    }
    let Some(creds) = shared
        .config
        .oauth
        .iter()
        .find(|c| c.consumer_key == consumer_key && c.access_token == token)
    else {
        return Err(refuse(
            ctx,
            AuthScheme::OAuth1,
            Some(identity),
            "could not authenticate you (unknown consumer key or access token)".into(),
            gz,
        ));
    };
    let path_and_query = match &ctx.raw_query {
        Some(q) => format!("{}?{q}", ctx.path),
        None => ctx.path.clone(),
    };
    // The URL the client signed: this server as it sees itself, the same behind a
    // TLS-terminating proxy (https), or X's own hosts.
    let mut candidates = vec![
        format!("http://{}{path_and_query}", ctx.host),
        format!("https://{}{path_and_query}", ctx.host),
    ];
    candidates.extend(SIGNED_HOSTS.iter().map(|h| format!("{h}{path_and_query}")));
    let mut result = None;
    let mut first_err = None;
    for c in candidates {
        let Ok(url) = url::Url::parse(&c) else {
            continue;
        };
        match oauth::verify(
            ctx.method.as_str(),
            &url,
            &ctx.form,
            &header,
            &creds.consumer_secret,
            &creds.access_token_secret,
        ) {
            Ok(v) => {
                result = Some(v);
                break;
            }
            Err(e) => {
                first_err.get_or_insert(e.to_string());
            }
        }
    }
    let Some(verified) = result else {
        let why = first_err.unwrap_or_else(|| "invalid signature".into());
        return Err(refuse(
            ctx,
            AuthScheme::OAuth1,
            Some(identity),
            format!("could not authenticate you ({why})"),
            gz,
        ));
    };
    let now = unix_now();
    let skew = shared.config.oauth_max_skew.as_secs();
    if now.abs_diff(verified.timestamp) > skew {
        return Err(refuse(
            ctx,
            AuthScheme::OAuth1,
            Some(identity),
            format!(
                "Timestamp out of bounds: oauth_timestamp {} is {} s away from the server's clock ({now}); at most {skew} s are allowed",
                verified.timestamp,
                now.abs_diff(verified.timestamp)
            ),
            gz,
        ));
    }
    if !lock(&shared.nonces).check_and_insert(
        &verified.consumer_key,
        &verified.nonce,
        verified.timestamp,
        now,
        skew,
    ) {
        return Err(refuse(
            ctx,
            AuthScheme::OAuth1,
            Some(identity),
            format!(
                "Nonce already used: oauth_nonce {:?} was seen before",
                verified.nonce
            ),
            gz,
        ));
    }
    ctx.auth = AuthRecord {
        scheme: AuthScheme::OAuth1,
        identity: Some(identity),
        verified: true,
        accepted: true,
        error: None,
    };
    Ok(credential)
}

/// `POST|GET /1.1/statuses/filter.json`, `GET /1.1/statuses/sample.json`.
pub(crate) async fn stream(
    shared: &Arc<Shared>,
    ctx: &mut ReqCtx,
    endpoint: StreamEndpoint,
    body: Incoming,
) -> Response<EmuBody> {
    let gz = shared.gzip_level(ctx.gzip);
    if ctx.method == Method::POST {
        let is_form = ctx
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map_or(true, |v| {
                v.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
        match read_body(body, shared.config.max_body_bytes).await {
            Ok(b) => {
                if is_form {
                    ctx.form = decode_pairs(&b);
                } else if !b.is_empty() {
                    ctx.body_text = Some(String::from_utf8_lossy(&b).into_owned());
                }
            }
            Err(e) => {
                ctx.error = Some(format!("request body: {e}"));
                return h::text(413, problems::v1_text(413), gz);
            }
        }
    }
    let credential = match v1_auth(shared, ctx) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let params: Vec<(String, String)> = ctx
        .query
        .iter()
        .chain(ctx.form.iter())
        .filter(|(k, _)| !k.starts_with("oauth_"))
        .cloned()
        .collect();
    let param = |name: &str| {
        params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let delimited = match param("delimited") {
        None => false,
        Some("length") => true,
        Some(other) => {
            let msg = format!("Parameter delimited must be 'length', not '{other}'");
            ctx.error = Some(msg.clone());
            return h::text(406, &msg, gz);
        }
    };
    let stall_warnings = match param("stall_warnings") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            let msg = format!("Parameter stall_warnings must be 'true' or 'false', not '{other}'");
            ctx.error = Some(msg.clone());
            return h::text(406, &msg, gz);
        }
    };
    if let Some(count) = param("count") {
        let msg = format!(
            "Parameter count not allowed in role statuses/{} (count={count} needs elevated access)",
            if endpoint == StreamEndpoint::V1Filter {
                "filter"
            } else {
                "sample"
            }
        );
        ctx.error = Some(msg.clone());
        return h::text(416, &msg, gz);
    }
    let filter = match V1Filter::from_params(&params, endpoint == StreamEndpoint::V1Filter) {
        Ok(f) => f,
        Err(e) => {
            ctx.error = Some(e.message.clone());
            return h::text(e.status, &e.message, gz);
        }
    };
    // One standing connection per account across the v1.1 public endpoints.
    let rate_key = format!("{credential} v1.1");
    let (fate, rate_headers) = match stream::admit(shared, ctx, endpoint, &rate_key) {
        Ok(x) => x,
        Err(resp) => return resp,
    };
    let spec = StreamSpec {
        endpoint,
        credential: format!("{credential} v1.1"),
        payload: Box::new(Statuses::new(
            filter,
            shared.config.v1_notices,
            stall_warnings,
            endpoint == StreamEndpoint::V1Filter,
        )),
        partition: None,
        start_seq: shared.timeline.live_seq(Instant::now()),
        end_seq: None,
        fate,
        framing: if delimited {
            Framing::Length
        } else {
            Framing::Crlf
        },
        keep_alive: shared.config.keep_alive_v1,
        rate_headers,
    };
    stream::open(shared, ctx, spec)
}
