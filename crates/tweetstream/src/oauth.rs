//! OAuth 1.0a (HMAC-SHA1) request signing, per RFC 5849 and X's "Creating a signature".
//!
//! STUB (emulator worktree): a minimal working implementation with the final signatures;
//! replaced by the real implementation.
#![allow(missing_docs)]

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// OAuth 1.0a user-context credentials.
#[derive(Clone)]
pub struct Credentials {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub access_token: String,
    pub access_token_secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials { .. }")
    }
}

/// Why a request could not be verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthError {
    Malformed(String),
    Missing(&'static str),
    UnsupportedSignatureMethod(String),
    BadSignature,
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OAuthError::Malformed(m) => write!(f, "malformed Authorization header: {m}"),
            OAuthError::Missing(p) => write!(f, "missing OAuth parameter {p}"),
            OAuthError::UnsupportedSignatureMethod(m) => {
                write!(f, "unsupported signature method {m}")
            }
            OAuthError::BadSignature => f.write_str("invalid signature"),
        }
    }
}

impl std::error::Error for OAuthError {}

/// What a verified request said.
#[derive(Debug, Clone)]
pub struct VerifiedRequest {
    pub consumer_key: String,
    pub token: String,
    pub nonce: String,
    pub timestamp: u64,
}

const ENCODE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, ENCODE).to_string()
}

/// Parse `OAuth k="v", …` into decoded pairs.
pub fn parse_authorization_header(header: &str) -> Result<Vec<(String, String)>, OAuthError> {
    let rest = header
        .trim()
        .strip_prefix("OAuth ")
        .ok_or_else(|| OAuthError::Malformed("not an OAuth header".into()))?;
    let mut out = Vec::new();
    for part in rest.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| OAuthError::Malformed(format!("bad parameter {part}")))?;
        let v = v.trim().trim_matches('"');
        let k = percent_encoding::percent_decode_str(k.trim())
            .decode_utf8()
            .map_err(|_| OAuthError::Malformed("bad encoding".into()))?;
        let v = percent_encoding::percent_decode_str(v)
            .decode_utf8()
            .map_err(|_| OAuthError::Malformed("bad encoding".into()))?;
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(out)
}

fn signature(
    method: &str,
    url: &url::Url,
    params: &[(String, String)],
    consumer_secret: &str,
    token_secret: &str,
) -> String {
    let mut all: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (enc(&k), enc(&v)))
        .chain(params.iter().map(|(k, v)| (enc(k), enc(v))))
        .collect();
    all.sort();
    let param_string = all
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut base_url = format!(
        "{}://{}",
        url.scheme(),
        url.host_str().unwrap_or("").to_lowercase()
    );
    if let Some(port) = url.port() {
        base_url.push_str(&format!(":{port}"));
    }
    base_url.push_str(url.path());
    let base = format!(
        "{}&{}&{}",
        method.to_uppercase(),
        enc(&base_url),
        enc(&param_string)
    );
    let key = format!("{}&{}", enc(consumer_secret), enc(token_secret));
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC accepts any key");
    mac.update(base.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Verify a signed request.
pub fn verify(
    method: &str,
    url: &url::Url,
    form_params: &[(String, String)],
    header: &str,
    consumer_secret: &str,
    token_secret: &str,
) -> Result<VerifiedRequest, OAuthError> {
    let pairs = parse_authorization_header(header)?;
    let get = |k: &'static str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .ok_or(OAuthError::Missing(k))
    };
    let sig = get("oauth_signature")?;
    let method_name = get("oauth_signature_method")?;
    if method_name != "HMAC-SHA1" {
        return Err(OAuthError::UnsupportedSignatureMethod(method_name));
    }
    let consumer_key = get("oauth_consumer_key")?;
    let nonce = get("oauth_nonce")?;
    let timestamp: u64 = get("oauth_timestamp")?
        .parse()
        .map_err(|_| OAuthError::Malformed("bad oauth_timestamp".into()))?;
    let token = get("oauth_token").unwrap_or_default();
    let mut params: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "oauth_signature" && k != "realm")
        .cloned()
        .collect();
    params.extend(form_params.iter().cloned());
    let expected = signature(method, url, &params, consumer_secret, token_secret);
    if expected != sig {
        return Err(OAuthError::BadSignature);
    }
    Ok(VerifiedRequest {
        consumer_key,
        token,
        nonce,
        timestamp,
    })
}

/// Build the `Authorization` header value for a request.
pub fn authorization_header(
    method: &str,
    url: &url::Url,
    form_params: &[(String, String)],
    creds: &Credentials,
    nonce: &str,
    timestamp: u64,
) -> String {
    let mut oauth = vec![
        ("oauth_consumer_key".to_string(), creds.consumer_key.clone()),
        ("oauth_nonce".to_string(), nonce.to_string()),
        ("oauth_signature_method".to_string(), "HMAC-SHA1".to_string()),
        ("oauth_timestamp".to_string(), timestamp.to_string()),
        ("oauth_token".to_string(), creds.access_token.clone()),
        ("oauth_version".to_string(), "1.0".to_string()),
    ];
    let mut params = oauth.clone();
    params.extend(form_params.iter().cloned());
    let sig = signature(
        method,
        url,
        &params,
        &creds.consumer_secret,
        &creds.access_token_secret,
    );
    oauth.push(("oauth_signature".to_string(), sig));
    oauth.sort();
    let parts: Vec<String> = oauth
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", enc(k), enc(v)))
        .collect();
    format!("OAuth {}", parts.join(", "))
}
