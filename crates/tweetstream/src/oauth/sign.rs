//! Client side: percent-encoding, the signature base string, HMAC-SHA1 signing and the
//! `Authorization` header value (RFC 5849, X's "Creating a signature" guide).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use rand::RngCore;
use sha1::Sha1;

use super::{Credentials, OAUTH_VERSION, SIGNATURE_METHOD};

pub(super) type HmacSha1 = Hmac<Sha1>;

/// Bytes that RFC 3986 calls "unreserved" are kept; everything else is `%XX`-encoded.
const OAUTH_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

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
pub(super) fn mac_for(
    base_string: &str,
    consumer_secret: &str,
    token_secret: &str,
) -> Option<HmacSha1> {
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
        (
            "oauth_consumer_key".to_owned(),
            creds.consumer_key().to_owned(),
        ),
        ("oauth_nonce".to_owned(), nonce.to_owned()),
        (
            "oauth_signature_method".to_owned(),
            SIGNATURE_METHOD.to_owned(),
        ),
        ("oauth_timestamp".to_owned(), timestamp.to_string()),
    ];
    if !creds.access_token().is_empty() {
        params.push(("oauth_token".to_owned(), creds.access_token().to_owned()));
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
/// when `creds.access_token()` is empty).
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
    let signature = sign(&base, creds.consumer_secret(), creds.access_token_secret());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::test_vectors::*;

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
}
