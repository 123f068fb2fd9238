//! OAuth 1.0a (HMAC-SHA1) request signing and verification, per RFC 5849 and X's
//! "Creating a signature" guide.
//!
//! Client side: [`authorization_header`] (deterministic, for tests) and [`sign_request`]
//! (fresh nonce, current time) produce the value of the `Authorization` header.
//!
//! Server side (the emulator): [`verify`] parses an `Authorization: OAuth …` header, rebuilds the
//! signature base string from the request and checks the signature in constant time. Nonce reuse
//! and clock skew are left to the caller, which gets the nonce and timestamp in
//! [`VerifiedRequest`].
//!
//! The building blocks ([`percent_encode`], [`signature_base_string`], [`sign`],
//! [`parse_authorization_header`]) are public so that test vectors can be checked step by step.
//!
//! Secrets (consumer secret, token secret) never appear in `Debug` output or in errors.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use rand::RngCore;
use sha1::Sha1;

type HmacSha1 = Hmac<Sha1>;

/// Bytes that RFC 3986 calls "unreserved" are kept; everything else is `%XX`-encoded.
const OAUTH_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The only signature method supported (and the only one X accepts).
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";

/// The protocol version sent in `oauth_version`.
pub const OAUTH_VERSION: &str = "1.0";

/// OAuth 1.0a user-context credentials.
///
/// `Debug` never shows the secrets or the access token: it prints at most the first four
/// characters of the consumer key (and nothing of it when the key is 8 characters or shorter).
#[derive(Clone)]
pub struct Credentials {
    /// The app's API key ("consumer key"), sent as `oauth_consumer_key`.
    pub consumer_key: String,
    /// The app's API key secret ("consumer secret"). Only used to sign; never sent.
    pub consumer_secret: String,
    /// The user's access token, sent as `oauth_token` (omitted from the header when empty).
    pub access_token: String,
    /// The user's access token secret. Only used to sign; never sent.
    pub access_token_secret: String,
}

impl Credentials {
    /// Bundles the four OAuth 1.0a user-context values.
    pub fn new(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<String>,
        access_token: impl Into<String>,
        access_token_secret: impl Into<String>,
    ) -> Self {
        Credentials {
            consumer_key: consumer_key.into(),
            consumer_secret: consumer_secret.into(),
            access_token: access_token.into(),
            access_token_secret: access_token_secret.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Show a short prefix of the (non-secret) consumer key so that logs can tell apps apart,
        // but only when the key is long enough for the prefix not to reveal most of it.
        if self.consumer_key.chars().count() > 8 {
            let prefix: String = self.consumer_key.chars().take(4).collect();
            write!(f, "Credentials {{ consumer_key: \"{prefix}…\", .. }}")
        } else {
            f.write_str("Credentials { .. }")
        }
    }
}

/// Why an OAuth `Authorization` header was rejected by [`verify`] or
/// [`parse_authorization_header`].
///
/// The `Display` text is suitable for the body of a 401 response: it never contains secrets,
/// signatures or other parts of the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// The header is not a syntactically valid `OAuth key="value", …` header.
    #[error("malformed OAuth Authorization header: {0}")]
    MalformedHeader(&'static str),
    /// A required `oauth_*` parameter is absent.
    #[error("missing OAuth parameter: {0}")]
    MissingParameter(&'static str),
    /// `oauth_signature_method` is not `HMAC-SHA1`. Holds the method sent (sanitised: printable
    /// ASCII only, at most 32 characters).
    #[error("unsupported OAuth signature method: {0:?}")]
    UnsupportedSignatureMethod(String),
    /// The signature does not match the request and the secrets.
    #[error("invalid OAuth signature")]
    BadSignature,
}

/// The identity and replay-protection values of a request whose signature checked out.
///
/// The caller still has to reject reused nonces and timestamps too far from its clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRequest {
    /// `oauth_consumer_key` (the app's API key; public).
    pub consumer_key: String,
    /// `oauth_token` (the access token; public), if the header had one.
    pub token: Option<String>,
    /// `oauth_nonce`.
    pub nonce: String,
    /// `oauth_timestamp`, seconds since the Unix epoch.
    pub timestamp: u64,
}

/// Percent-encodes `s` as OAuth 1.0a requires (RFC 5849 §3.6, RFC 3986): the unreserved
/// characters `A–Z a–z 0–9 - . _ ~` are kept and every other byte of the UTF-8 encoding becomes
/// `%XX` with upper-case hex (so a space is `%20`, never `+`).
pub fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, OAUTH_ENCODE_SET).to_string()
}

/// The base string URI (RFC 5849 §3.4.1.2): lower-case scheme and host, the port only when it is
/// not the scheme's default, and the path; no user info, query or fragment.
fn base_string_uri(url: &url::Url) -> String {
    // `url::Url` already lower-cases scheme and host and drops default ports (`port()` is `None`).
    let mut out = String::with_capacity(url.as_str().len());
    out.push_str(url.scheme());
    out.push_str("://");
    if let Some(host) = url.host_str() {
        out.push_str(host);
    }
    if let Some(port) = url.port() {
        out.push(':');
        out.push_str(&port.to_string());
    }
    out.push_str(url.path());
    out
}

/// Builds the signature base string (RFC 5849 §3.4.1):
/// `METHOD&enc(base URI)&enc(normalised parameters)`.
///
/// * `method` is upper-cased.
/// * The parameters are the URL's query pairs (form-decoded: `+` is a space), `extra_params`
///   (the *decoded* pairs of an `application/x-www-form-urlencoded` body; pass nothing for other
///   bodies) and `oauth_params` (the protocol parameters). Any `oauth_signature` is skipped, and
///   so is a `realm` in `oauth_params`.
/// * Each key and value is [`percent_encode`]d, the pairs are sorted by encoded key, then by
///   encoded value, and joined as `k=v` with `&`.
pub fn signature_base_string(
    method: &str,
    url: &url::Url,
    extra_params: &[(String, String)],
    oauth_params: &[(String, String)],
) -> String {
    let mut pairs: Vec<(String, String)> =
        Vec::with_capacity(extra_params.len() + oauth_params.len() + url.query().map_or(0, |_| 4));
    for (k, v) in url.query_pairs() {
        if k != "oauth_signature" {
            pairs.push((percent_encode(&k), percent_encode(&v)));
        }
    }
    for (k, v) in extra_params {
        if k != "oauth_signature" {
            pairs.push((percent_encode(k), percent_encode(v)));
        }
    }
    for (k, v) in oauth_params {
        if k != "oauth_signature" && k != "realm" {
            pairs.push((percent_encode(k), percent_encode(v)));
        }
    }
    pairs.sort_unstable();

    let mut params = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            params.push('&');
        }
        params.push_str(k);
        params.push('=');
        params.push_str(v);
    }

    let mut out = method.to_ascii_uppercase();
    out.push('&');
    out.push_str(&percent_encode(&base_string_uri(url)));
    out.push('&');
    out.push_str(&percent_encode(&params));
    out
}

/// The HMAC-SHA1 of `base_string` keyed with `enc(consumer_secret)&enc(token_secret)`.
fn mac_for(base_string: &str, consumer_secret: &str, token_secret: &str) -> Option<HmacSha1> {
    let mut key = percent_encode(consumer_secret);
    key.push('&');
    key.push_str(&percent_encode(token_secret));
    // HMAC accepts keys of any length, so this never fails in practice.
    let mut mac = HmacSha1::new_from_slice(key.as_bytes()).ok()?;
    mac.update(base_string.as_bytes());
    Some(mac)
}

/// Signs a signature base string: base64 of HMAC-SHA1 with the key
/// `enc(consumer_secret)&enc(token_secret)` (the key ends with `&` when there is no token
/// secret). The result still has to be percent-encoded when placed in a header.
pub fn sign(base_string: &str, consumer_secret: &str, token_secret: &str) -> String {
    match mac_for(base_string, consumer_secret, token_secret) {
        Some(mac) => BASE64.encode(mac.finalize().into_bytes()),
        // Unreachable (HMAC takes any key length); an empty signature never verifies.
        None => String::new(),
    }
}

/// The protocol parameters (without the signature) for a request signed with `creds`.
fn protocol_params(creds: &Credentials, nonce: &str, timestamp: u64) -> Vec<(String, String)> {
    let mut params = vec![
        ("oauth_consumer_key".to_owned(), creds.consumer_key.clone()),
        ("oauth_nonce".to_owned(), nonce.to_owned()),
        (
            "oauth_signature_method".to_owned(),
            SIGNATURE_METHOD.to_owned(),
        ),
        ("oauth_timestamp".to_owned(), timestamp.to_string()),
    ];
    if !creds.access_token.is_empty() {
        params.push(("oauth_token".to_owned(), creds.access_token.clone()));
    }
    params.push(("oauth_version".to_owned(), OAUTH_VERSION.to_owned()));
    params
}

/// The value of the `Authorization` header for a request, with a given nonce and timestamp.
///
/// `form_params` are the decoded pairs of an `application/x-www-form-urlencoded` body (empty for
/// a GET or a JSON body); the URL's query is taken from `url`. The result looks like
/// `OAuth oauth_consumer_key="…", oauth_nonce="…", oauth_signature="…",
/// oauth_signature_method="HMAC-SHA1", oauth_timestamp="…", oauth_token="…",
/// oauth_version="1.0"` (keys in this order; values percent-encoded; `oauth_token` is left out
/// when `creds.access_token` is empty).
pub fn authorization_header(
    method: &str,
    url: &url::Url,
    form_params: &[(String, String)],
    creds: &Credentials,
    nonce: &str,
    timestamp: u64,
) -> String {
    let mut params = protocol_params(creds, nonce, timestamp);
    let base = signature_base_string(method, url, form_params, &params);
    let signature = sign(&base, &creds.consumer_secret, &creds.access_token_secret);
    // Keep the alphabetical order of X's example: the signature goes after the nonce.
    params.insert(2, ("oauth_signature".to_owned(), signature));

    let mut out = String::from("OAuth ");
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&percent_encode(k));
        out.push_str("=\"");
        out.push_str(&percent_encode(v));
        out.push('"');
    }
    out
}

/// A fresh `oauth_nonce`: 32 random bytes, base64-encoded, with the non-alphanumeric
/// characters removed (what X's own examples use). Typically 40–43 characters.
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    BASE64
        .encode(bytes)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// Seconds since the Unix epoch (0 if the clock is before 1970).
fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The value of the `Authorization` header for a request, signed now with a fresh nonce.
///
/// See [`authorization_header`] for the arguments.
pub fn sign_request(
    method: &str,
    url: &url::Url,
    form_params: &[(String, String)],
    creds: &Credentials,
) -> String {
    authorization_header(method, url, form_params, creds, &new_nonce(), now_unix())
}

/// Percent-decodes a header key or value strictly: every `%` must start a two-digit hex escape
/// and the result must be UTF-8.
fn strict_percent_decode(s: &str) -> Result<String, OAuthError> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let ok = matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit()
            );
            if !ok {
                return Err(OAuthError::MalformedHeader("invalid percent-encoding"));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| OAuthError::MalformedHeader("parameter is not UTF-8"))
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t')
}

fn is_token_char(c: char) -> bool {
    // RFC 7230 `tchar`.
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Parses the value of an `Authorization: OAuth …` header into its decoded key/value pairs, in
/// header order.
///
/// Accepted: the scheme `OAuth` in any case; `key="value"` pairs separated by commas with optional
/// spaces or tabs around keys, `=`, values and commas; empty list elements (e.g. a trailing comma);
/// a `realm` parameter (returned like the others; [`verify`] ignores it). Keys and values are
/// percent-decoded. Rejected with [`OAuthError::MalformedHeader`]: another scheme, an unquoted or
/// unterminated value, a missing `=`, invalid percent-encoding, non-UTF-8 values, or no
/// parameters at all. Duplicate keys are returned as they are.
pub fn parse_authorization_header(h: &str) -> Result<Vec<(String, String)>, OAuthError> {
    let h = h.trim_matches(is_ws);
    let scheme_end = h.find(is_ws).unwrap_or(h.len());
    let (scheme, mut rest) = h.split_at(scheme_end);
    if !scheme.eq_ignore_ascii_case("OAuth") {
        return Err(OAuthError::MalformedHeader("scheme is not OAuth"));
    }

    let mut out = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c| is_ws(c) || c == ',');
        if rest.is_empty() {
            break;
        }
        let key_end = rest.find(|c| !is_token_char(c)).unwrap_or(rest.len());
        if key_end == 0 {
            return Err(OAuthError::MalformedHeader("expected a parameter name"));
        }
        let (key, after_key) = rest.split_at(key_end);
        let after_key = after_key.trim_start_matches(is_ws);
        let Some(after_eq) = after_key.strip_prefix('=') else {
            return Err(OAuthError::MalformedHeader(
                "expected '=' after a parameter name",
            ));
        };
        let after_eq = after_eq.trim_start_matches(is_ws);
        let Some(quoted) = after_eq.strip_prefix('"') else {
            return Err(OAuthError::MalformedHeader("parameter value is not quoted"));
        };
        let Some(close) = quoted.find('"') else {
            return Err(OAuthError::MalformedHeader("unterminated quoted value"));
        };
        let (value, after_value) = quoted.split_at(close);
        let after_value = after_value.get(1..).unwrap_or("").trim_start_matches(is_ws);
        if !(after_value.is_empty() || after_value.starts_with(',')) {
            return Err(OAuthError::MalformedHeader(
                "expected ',' between parameters",
            ));
        }
        out.push((strict_percent_decode(key)?, strict_percent_decode(value)?));
        rest = after_value;
    }
    if out.is_empty() {
        return Err(OAuthError::MalformedHeader("no parameters"));
    }
    Ok(out)
}

/// Keeps printable ASCII only and at most 32 characters, for echoing client input in errors.
fn sanitise(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(32)
        .collect()
}

/// Verifies an OAuth 1.0a HMAC-SHA1 signed request (server side).
///
/// `header` is the value of the `Authorization` header; `form_params` the decoded pairs of an
/// `application/x-www-form-urlencoded` body (empty otherwise); the query is taken from `url`,
/// which must be the URL the client signed (scheme, host, port and path as the client saw them).
///
/// Checks, in order: header syntax; no duplicate `oauth_*` parameter; presence of
/// `oauth_consumer_key`, `oauth_signature_method`, `oauth_timestamp`, `oauth_nonce` and
/// `oauth_signature`; the method is `HMAC-SHA1`; `oauth_version`, if present, is `1.0`; the
/// timestamp is a decimal number; and finally the signature, compared in constant time.
/// `oauth_token` is optional (it is absent in the temporary-credentials step); pass an empty
/// `token_secret` in that case.
///
/// Nonce reuse and clock skew are **not** checked: use the returned [`VerifiedRequest`].
pub fn verify(
    method: &str,
    url: &url::Url,
    form_params: &[(String, String)],
    header: &str,
    consumer_secret: &str,
    token_secret: &str,
) -> Result<VerifiedRequest, OAuthError> {
    let params = parse_authorization_header(header)?;

    let mut consumer_key = None;
    let mut token = None;
    let mut nonce = None;
    let mut timestamp = None;
    let mut method_param = None;
    let mut signature = None;
    let mut version = None;
    for (k, v) in &params {
        let slot = match k.as_str() {
            "oauth_consumer_key" => &mut consumer_key,
            "oauth_token" => &mut token,
            "oauth_nonce" => &mut nonce,
            "oauth_timestamp" => &mut timestamp,
            "oauth_signature_method" => &mut method_param,
            "oauth_signature" => &mut signature,
            "oauth_version" => &mut version,
            _ => continue,
        };
        if slot.replace(v.as_str()).is_some() {
            return Err(OAuthError::MalformedHeader("duplicate oauth_* parameter"));
        }
    }

    let consumer_key = consumer_key.ok_or(OAuthError::MissingParameter("oauth_consumer_key"))?;
    let method_param =
        method_param.ok_or(OAuthError::MissingParameter("oauth_signature_method"))?;
    let timestamp = timestamp.ok_or(OAuthError::MissingParameter("oauth_timestamp"))?;
    let nonce = nonce.ok_or(OAuthError::MissingParameter("oauth_nonce"))?;
    let signature = signature.ok_or(OAuthError::MissingParameter("oauth_signature"))?;

    if method_param != SIGNATURE_METHOD {
        return Err(OAuthError::UnsupportedSignatureMethod(sanitise(
            method_param,
        )));
    }
    if version.is_some_and(|v| v != OAUTH_VERSION) {
        return Err(OAuthError::MalformedHeader("unsupported oauth_version"));
    }
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(OAuthError::MalformedHeader(
            "oauth_timestamp is not a number",
        ));
    }
    let timestamp_value: u64 = timestamp
        .parse()
        .map_err(|_| OAuthError::MalformedHeader("oauth_timestamp is out of range"))?;

    let provided = BASE64
        .decode(signature)
        .map_err(|_| OAuthError::BadSignature)?;
    let base = signature_base_string(method, url, form_params, &params);
    let mac = mac_for(&base, consumer_secret, token_secret).ok_or(OAuthError::BadSignature)?;
    // `verify_slice` compares in constant time.
    mac.verify_slice(&provided)
        .map_err(|_| OAuthError::BadSignature)?;

    Ok(VerifiedRequest {
        consumer_key: consumer_key.to_owned(),
        token: token.map(str::to_owned),
        nonce: nonce.to_owned(),
        timestamp: timestamp_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).expect("test URL parses")
    }

    // ---- Test vector A (X's "Creating a signature" page) ----

    const A_CONSUMER_KEY: &str = "xvz1evFS4wEEPTGEFPHBog";
    const A_CONSUMER_SECRET: &str = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
    const A_TOKEN: &str = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb";
    const A_TOKEN_SECRET: &str = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";
    const A_NONCE: &str = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg";
    const A_TIMESTAMP: u64 = 1318622958;
    const A_STATUS: &str = "Hello Ladies + Gentlemen, a signed OAuth request!";

    fn a_creds() -> Credentials {
        Credentials::new(A_CONSUMER_KEY, A_CONSUMER_SECRET, A_TOKEN, A_TOKEN_SECRET)
    }

    fn a_oauth_params() -> Vec<(String, String)> {
        pairs(&[
            ("oauth_consumer_key", A_CONSUMER_KEY),
            ("oauth_nonce", A_NONCE),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1318622958"),
            ("oauth_token", A_TOKEN),
            ("oauth_version", "1.0"),
        ])
    }

    const A1_BASE: &str = "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521";

    fn a_header(signature_encoded: &str) -> String {
        format!(
            "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", oauth_signature=\"{signature_encoded}\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1318622958\", oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", oauth_version=\"1.0\""
        )
    }

    fn a_vector(u: &str) -> (String, String, String) {
        let u = url(u);
        let form = pairs(&[("status", A_STATUS)]);
        let base = signature_base_string("POST", &u, &form, &a_oauth_params());
        let sig = sign(&base, A_CONSUMER_SECRET, A_TOKEN_SECRET);
        let header = authorization_header("POST", &u, &form, &a_creds(), A_NONCE, A_TIMESTAMP);
        (base, sig, header)
    }

    #[test]
    fn vector_a1_developer_twitter_com() {
        let (base, sig, header) =
            a_vector("https://api.twitter.com/1.1/statuses/update.json?include_entities=true");
        assert_eq!(base, A1_BASE);
        assert_eq!(base.matches('&').count(), 2);
        assert_eq!(sig, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
        assert_eq!(header, a_header("hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"));
    }

    #[test]
    fn vector_a2_docs_x_com() {
        let (base, sig, header) =
            a_vector("https://api.x.com/1.1/statuses/update.json?include_entities=true");
        assert_eq!(base, A1_BASE.replace("api.twitter.com", "api.x.com"));
        assert_eq!(sig, "Ls93hJiZbQ3akF3HF3x1Bz8/zU4=");
        assert_eq!(header, a_header("Ls93hJiZbQ3akF3HF3x1Bz8%2FzU4%3D"));
    }

    #[test]
    fn vector_a3_api_v1_path() {
        let (base, sig, header) =
            a_vector("https://api.twitter.com/1/statuses/update.json?include_entities=true");
        assert_eq!(base, A1_BASE.replace("%2F1.1%2F", "%2F1%2F"));
        assert_eq!(sig, "tnnArxj06cWHq44gCs1OSKk/jLY=");
        assert_eq!(header, a_header("tnnArxj06cWHq44gCs1OSKk%2FjLY%3D"));
    }

    #[test]
    fn vector_a_signing_key_and_parameter_string() {
        // The parameter string is the third component, decoded once.
        let third = A1_BASE.rsplit('&').next().unwrap_or("");
        let decoded = percent_encoding::percent_decode_str(third)
            .decode_utf8()
            .map(|c| c.into_owned())
            .unwrap_or_default();
        assert!(decoded.starts_with("include_entities=true&oauth_consumer_key="));
        assert!(decoded.ends_with(
            "&status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21"
        ));
        // Signing key composition: enc(consumer secret) & enc(token secret); "secret&" without
        // a token secret.
        let raw_hmac = |key: &str, msg: &str| {
            let mut mac = HmacSha1::new_from_slice(key.as_bytes()).expect("any key length");
            mac.update(msg.as_bytes());
            BASE64.encode(mac.finalize().into_bytes())
        };
        assert_eq!(
            sign("x", A_CONSUMER_SECRET, ""),
            raw_hmac(&format!("{A_CONSUMER_SECRET}&"), "x")
        );
        assert_eq!(sign("x", "a b", "c&d"), raw_hmac("a%20b&c%26d", "x"));
        assert_eq!(
            sign(A1_BASE, A_CONSUMER_SECRET, A_TOKEN_SECRET),
            raw_hmac(&format!("{A_CONSUMER_SECRET}&{A_TOKEN_SECRET}"), A1_BASE)
        );
    }

    // ---- Test vector B (RFC 5849) ----

    #[test]
    fn rfc5849_temporary_credentials() {
        let u = url("https://photos.example.net/initiate");
        let oauth = pairs(&[
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131200"),
            ("oauth_nonce", "wIjqoS"),
            ("oauth_callback", "http://printer.example.com/ready"),
            ("realm", "Photos"),
        ]);
        let base = signature_base_string("post", &u, &[], &oauth);
        assert!(!base.contains("realm"));
        assert_eq!(
            sign(&base, "kd94hf93k423kf44", ""),
            "74KNZJeDHnMBp0EMJ9ZHt/XKycU="
        );
    }

    #[test]
    fn rfc5849_token_request() {
        let u = url("https://photos.example.net/token");
        let oauth = pairs(&[
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "hh5s93j4hdidpola"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "walatlh"),
            ("oauth_verifier", "hfdp7dh39dks9884"),
        ]);
        let base = signature_base_string("POST", &u, &[], &oauth);
        assert_eq!(
            sign(&base, "kd94hf93k423kf44", "hdhd0244k9j7ao03"),
            "gKgrFCywp7rO0OXSjdot/IHF7IU="
        );
    }

    fn rfc_resource(scheme: &str) -> (String, String) {
        let u = url(&format!(
            "{scheme}://photos.example.net/photos?file=vacation.jpg&size=original"
        ));
        let oauth = pairs(&[
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131202"),
            ("oauth_nonce", "chapoH"),
        ]);
        let base = signature_base_string("GET", &u, &[], &oauth);
        let sig = sign(&base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00");
        (base, sig)
    }

    #[test]
    fn rfc5849_resource_request_http() {
        let (base, sig) = rfc_resource("http");
        assert_eq!(base, "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal");
        assert_eq!(sig, "MdpQcU8iPSUjWoN/UDMsK2sui9I=");
        // The RFC prints the request as https, but its signature only reproduces with http.
        let (_, sig_https) = rfc_resource("https");
        assert_eq!(sig_https, "91yh92rtXzicpezVYjTDNzieVps=");
    }

    #[test]
    fn rfc5849_base_string_example() {
        let u = url("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b");
        // Body `c2&a3=2+q`, decoded.
        let form = pairs(&[("c2", ""), ("a3", "2 q")]);
        let oauth = pairs(&[
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("oauth_signature", "ignored"),
        ]);
        let base = signature_base_string("POST", &u, &form, &oauth);
        assert_eq!(base, "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7");
        // The RFC prints bYT5CMsGcbgUdFHObYMEfcx6bsw=, which does not match its own inputs.
        assert_eq!(
            sign(&base, "j49sk3j29djd", "dh893hdasih9"),
            "r6/TJjbCOr97/+UU0NsvSne7s5g="
        );
    }

    #[test]
    fn base_uri_normalisation() {
        let oauth = pairs(&[("a", "b")]);
        let b = signature_base_string(
            "get",
            &url("HTTPS://API.Twitter.COM:443/1.1/x#frag"),
            &[],
            &oauth,
        );
        assert_eq!(b, "GET&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fx&a%3Db");
        let b = signature_base_string("GET", &url("http://user:pw@Example.com:80/p"), &[], &[]);
        assert_eq!(b, "GET&http%3A%2F%2Fexample.com%2Fp&");
        let b = signature_base_string("GET", &url("http://example.com:8080/p?x=1"), &[], &[]);
        assert_eq!(b, "GET&http%3A%2F%2Fexample.com%3A8080%2Fp&x%3D1");
        let b = signature_base_string("GET", &url("https://example.com"), &[], &[]);
        assert_eq!(b, "GET&https%3A%2F%2Fexample.com%2F&");
    }

    #[test]
    fn percent_encoding_examples() {
        assert_eq!(
            percent_encode("Ladies + Gentlemen"),
            "Ladies%20%2B%20Gentlemen"
        );
        assert_eq!(
            percent_encode("An encoded string!"),
            "An%20encoded%20string%21"
        );
        assert_eq!(
            percent_encode("Dogs, Cats & Mice"),
            "Dogs%2C%20Cats%20%26%20Mice"
        );
        assert_eq!(percent_encode("☃"), "%E2%98%83");
        assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(percent_encode("/?=%+*"), "%2F%3F%3D%25%2B%2A");
        assert_eq!(percent_encode(""), "");
    }

    // ---- Header parsing ----

    #[test]
    fn parse_header_variants() {
        let parsed = parse_authorization_header(&a_header("hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"))
            .expect("A1 header parses");
        assert_eq!(parsed.len(), 7);
        assert_eq!(
            parsed[2],
            (
                "oauth_signature".into(),
                "hCtSmYh+iHYCEqBWrE7C7hYmtUk=".into()
            )
        );

        let parsed = parse_authorization_header(
            "oauth  realm=\"Photos\",oauth_consumer_key = \"a%20b\" ,\toauth_nonce=\"\",",
        )
        .expect("lenient spacing parses");
        assert_eq!(
            parsed,
            pairs(&[
                ("realm", "Photos"),
                ("oauth_consumer_key", "a b"),
                ("oauth_nonce", "")
            ])
        );

        for bad in [
            "",
            "OAuth",
            "OAuth ",
            "Bearer abc",
            "OAuthoauth_nonce=\"x\"",
            "OAuth oauth_nonce=x",
            "OAuth oauth_nonce=\"x",
            "OAuth oauth_nonce",
            "OAuth oauth_nonce=\"x\" oauth_token=\"y\"",
            "OAuth =\"x\"",
            "OAuth oauth_nonce=\"%zz\"",
            "OAuth oauth_nonce=\"%4\"",
            "OAuth oauth_nonce=\"%FF\"",
            "OAuth \"x\"",
        ] {
            assert!(
                matches!(
                    parse_authorization_header(bad),
                    Err(OAuthError::MalformedHeader(_))
                ),
                "{bad:?} should be rejected"
            );
        }
    }

    // ---- verify() ----

    fn stream_request() -> (url::Url, Vec<(String, String)>) {
        (
            url("https://stream.twitter.com/1.1/statuses/filter.json?delimited=length"),
            pairs(&[("track", "rust lang,☃"), ("stall_warnings", "true")]),
        )
    }

    #[test]
    fn verify_accepts_a1_and_fresh_signatures() {
        let u = url("https://api.twitter.com/1.1/statuses/update.json?include_entities=true");
        let form = pairs(&[("status", A_STATUS)]);
        let ok = verify(
            "POST",
            &u,
            &form,
            &a_header("hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"),
            A_CONSUMER_SECRET,
            A_TOKEN_SECRET,
        )
        .expect("A1 verifies");
        assert_eq!(
            ok,
            VerifiedRequest {
                consumer_key: A_CONSUMER_KEY.into(),
                token: Some(A_TOKEN.into()),
                nonce: A_NONCE.into(),
                timestamp: A_TIMESTAMP,
            }
        );

        let (u, form) = stream_request();
        let creds = a_creds();
        let header = sign_request("POST", &u, &form, &creds);
        let ok = verify(
            "POST",
            &u,
            &form,
            &header,
            A_CONSUMER_SECRET,
            A_TOKEN_SECRET,
        )
        .expect("fresh signature verifies");
        assert_eq!(ok.consumer_key, A_CONSUMER_KEY);
        assert!(ok.timestamp > 1_600_000_000);
        // Form parameters in another order verify too (they are sorted).
        let mut reversed = form.clone();
        reversed.reverse();
        assert!(verify(
            "POST",
            &u,
            &reversed,
            &header,
            A_CONSUMER_SECRET,
            A_TOKEN_SECRET
        )
        .is_ok());
        // A realm parameter is not signed and is tolerated.
        let with_realm = header.replacen("OAuth ", "OAuth realm=\"Stream\", ", 1);
        assert!(verify(
            "POST",
            &u,
            &form,
            &with_realm,
            A_CONSUMER_SECRET,
            A_TOKEN_SECRET
        )
        .is_ok());
    }

    #[test]
    fn verify_without_token() {
        let (u, form) = stream_request();
        let creds = Credentials::new(A_CONSUMER_KEY, A_CONSUMER_SECRET, "", "");
        let header = sign_request("GET", &u, &form, &creds);
        assert!(!header.contains("oauth_token"));
        let ok = verify("GET", &u, &form, &header, A_CONSUMER_SECRET, "").expect("verifies");
        assert_eq!(ok.token, None);
    }

    #[test]
    fn verify_rejects_tampering() {
        let (u, form) = stream_request();
        let header = sign_request("POST", &u, &form, &a_creds());
        let check = |method: &str,
                     u: &url::Url,
                     form: &[(String, String)],
                     header: &str,
                     cs: &str,
                     ts: &str| { verify(method, u, form, header, cs, ts) };

        // Tampered body parameter.
        let mut tampered = form.clone();
        tampered[0].1.push('x');
        assert_eq!(
            check(
                "POST",
                &u,
                &tampered,
                &header,
                A_CONSUMER_SECRET,
                A_TOKEN_SECRET
            ),
            Err(OAuthError::BadSignature)
        );
        // Extra parameter.
        let mut extra = form.clone();
        extra.push(("follow".into(), "1".into()));
        assert_eq!(
            check(
                "POST",
                &u,
                &extra,
                &header,
                A_CONSUMER_SECRET,
                A_TOKEN_SECRET
            ),
            Err(OAuthError::BadSignature)
        );
        // Tampered query, method, host.
        let q = url("https://stream.twitter.com/1.1/statuses/filter.json?delimited=no");
        assert_eq!(
            check(
                "POST",
                &q,
                &form,
                &header,
                A_CONSUMER_SECRET,
                A_TOKEN_SECRET
            ),
            Err(OAuthError::BadSignature)
        );
        assert_eq!(
            check("GET", &u, &form, &header, A_CONSUMER_SECRET, A_TOKEN_SECRET),
            Err(OAuthError::BadSignature)
        );
        let h = url("https://stream.x.com/1.1/statuses/filter.json?delimited=length");
        assert_eq!(
            check(
                "POST",
                &h,
                &form,
                &header,
                A_CONSUMER_SECRET,
                A_TOKEN_SECRET
            ),
            Err(OAuthError::BadSignature)
        );
        // Wrong secrets.
        assert_eq!(
            check("POST", &u, &form, &header, "wrong", A_TOKEN_SECRET),
            Err(OAuthError::BadSignature)
        );
        assert_eq!(
            check("POST", &u, &form, &header, A_CONSUMER_SECRET, "wrong"),
            Err(OAuthError::BadSignature)
        );
        // Tampered protocol parameter (timestamp).
        let parsed = parse_authorization_header(&header).expect("parses");
        let ts = &parsed
            .iter()
            .find(|(k, _)| k == "oauth_timestamp")
            .expect("has ts")
            .1;
        let bumped = header.replace(
            &format!("oauth_timestamp=\"{ts}\""),
            &format!("oauth_timestamp=\"{}\"", ts.parse::<u64>().unwrap_or(0) + 1),
        );
        assert_ne!(bumped, header);
        assert_eq!(
            check(
                "POST",
                &u,
                &form,
                &bumped,
                A_CONSUMER_SECRET,
                A_TOKEN_SECRET
            ),
            Err(OAuthError::BadSignature)
        );
        // Garbage signature.
        let a1 = a_header("not%20base64%21");
        let a1_url = url("https://api.twitter.com/1.1/statuses/update.json?include_entities=true");
        let a1_form = pairs(&[("status", A_STATUS)]);
        assert_eq!(
            check(
                "POST",
                &a1_url,
                &a1_form,
                &a1,
                A_CONSUMER_SECRET,
                A_TOKEN_SECRET
            ),
            Err(OAuthError::BadSignature)
        );
    }

    #[test]
    fn verify_reports_structural_errors() {
        let u = url("https://api.twitter.com/1.1/statuses/update.json?include_entities=true");
        let form = pairs(&[("status", A_STATUS)]);
        let good = a_header("hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D");
        let run = |h: &str| verify("POST", &u, &form, h, A_CONSUMER_SECRET, A_TOKEN_SECRET);

        for (name, _) in a_oauth_params() {
            if name == "oauth_token" || name == "oauth_version" {
                continue;
            }
            let h = good.replace(&format!("{name}="), "x_dropped=");
            assert!(
                matches!(run(&h), Err(OAuthError::MissingParameter(n)) if n == name),
                "{name}"
            );
        }
        let h = good.replace("oauth_signature=", "x_dropped=");
        assert_eq!(
            run(&h),
            Err(OAuthError::MissingParameter("oauth_signature"))
        );

        let h = good.replace("HMAC-SHA1", "RSA-SHA1");
        assert_eq!(
            run(&h),
            Err(OAuthError::UnsupportedSignatureMethod("RSA-SHA1".into()))
        );
        let h = good.replace("HMAC-SHA1", "PLAINTEXT%0A%1B");
        assert_eq!(
            run(&h),
            Err(OAuthError::UnsupportedSignatureMethod("PLAINTEXT".into()))
        );
        let h = good.replace("oauth_version=\"1.0\"", "oauth_version=\"2.0\"");
        assert!(matches!(run(&h), Err(OAuthError::MalformedHeader(_))));
        let h = good.replace("1318622958", "13186x2958");
        assert!(matches!(run(&h), Err(OAuthError::MalformedHeader(_))));
        let h = good.replace("1318622958", "99999999999999999999999");
        assert!(matches!(run(&h), Err(OAuthError::MalformedHeader(_))));
        let h = format!("{good}, oauth_nonce=\"again\"");
        assert!(matches!(run(&h), Err(OAuthError::MalformedHeader(_))));
        assert!(matches!(
            run("Basic Zm9vOmJhcg=="),
            Err(OAuthError::MalformedHeader(_))
        ));
    }

    #[test]
    fn errors_do_not_leak() {
        let u = url("https://api.twitter.com/1.1/statuses/update.json");
        let header = authorization_header("GET", &u, &[], &a_creds(), A_NONCE, A_TIMESTAMP);
        for err in [
            verify("GET", &u, &[], &header, "wrong", A_TOKEN_SECRET).err(),
            verify(
                "GET",
                &u,
                &[],
                &header.replace("OAuth", "Bearer"),
                A_CONSUMER_SECRET,
                A_TOKEN_SECRET,
            )
            .err(),
        ] {
            let err = err.expect("is an error");
            for text in [err.to_string(), format!("{err:?}")] {
                assert!(!text.contains(A_CONSUMER_SECRET));
                assert!(!text.contains(A_TOKEN_SECRET));
                assert!(!text.contains("oauth_signature="));
            }
        }
    }

    #[test]
    fn nonces_are_unique_and_alphanumeric() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let n = new_nonce();
            assert!(n.len() >= 32, "{n}");
            assert!(n.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(seen.insert(n));
        }
    }

    #[test]
    fn debug_redacts_secrets() {
        let creds = a_creds();
        let shown = format!("{creds:?} {creds:#?}");
        assert!(shown.contains("xvz1"));
        for secret in [A_CONSUMER_SECRET, A_TOKEN_SECRET, A_TOKEN, A_CONSUMER_KEY] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let short = Credentials::new("abcdefgh", "s1", "t", "s2");
        assert_eq!(format!("{short:?}"), "Credentials { .. }");
        let unicode = Credentials::new("☃☃☃☃☃☃☃☃☃", "s", "t", "s");
        assert_eq!(
            format!("{unicode:?}"),
            "Credentials { consumer_key: \"☃☃☃☃…\", .. }"
        );
    }
}
