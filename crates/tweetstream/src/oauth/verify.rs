//! Server side (feature `server`): parse an `Authorization: OAuth …` header, rebuild the
//! signature base string from the request and check the signature in constant time. The
//! emulator uses it; a streaming client never needs it.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::Mac;

use super::sign::{mac_for, signature_base_string};
use super::{OAUTH_VERSION, SIGNATURE_METHOD};

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
    use crate::oauth::test_vectors::*;
    use crate::oauth::{authorization_header, sign_request, Credentials};

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
}
