//! How a client authenticates its requests: [`Bearer`] (app-only, the v2 streams) or [`OAuth1`]
//! (user context, HMAC-SHA1, the v1.1 streams). An [`Endpoint`](crate::endpoint::Endpoint)
//! builds requests without credentials; the client's `Auth` signs each one.

use std::fmt;

use bytes::Bytes;
use http::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};

use crate::oauth::Credentials;
use crate::settings::Secret;
use crate::Error;

/// Signs requests. Implementations never put a credential into an error, a log or `Debug`.
pub trait Auth: Send + Sync + fmt::Debug + 'static {
    /// Add the `Authorization` header to `request`.
    fn authorize(&self, request: &mut http::Request<Bytes>) -> Result<(), Error>;

    /// The API base these credentials are for, unless the builder sets another
    /// (`https://api.x.com` for a bearer token, `https://stream.twitter.com` for OAuth 1.0a).
    fn default_api_base(&self) -> &'static str;
}

/// An app-only bearer token (`Authorization: Bearer …`), for the v2 streams and rules.
#[derive(Clone)]
pub struct Bearer {
    header: HeaderValue,
}

impl Bearer {
    /// Check the token once (it must fit in an HTTP header) and keep the header value, marked
    /// sensitive so the HTTP stack never logs it.
    pub fn new(token: impl Into<Secret>) -> Result<Bearer, Error> {
        let token = token.into();
        let mut header =
            HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                Error::invalid(
                    "bearer_token",
                    "contains characters not allowed in an HTTP header",
                )
            })?;
        header.set_sensitive(true);
        Ok(Bearer { header })
    }
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer(***)")
    }
}

impl Auth for Bearer {
    fn authorize(&self, request: &mut http::Request<Bytes>) -> Result<(), Error> {
        request
            .headers_mut()
            .insert(AUTHORIZATION, self.header.clone());
        Ok(())
    }

    fn default_api_base(&self) -> &'static str {
        crate::DEFAULT_API_BASE
    }
}

/// OAuth 1.0a user context: each request gets a fresh nonce, timestamp and HMAC-SHA1
/// signature over its method, URL, query and form body.
#[derive(Clone)]
pub struct OAuth1 {
    credentials: Credentials,
}

impl OAuth1 {
    /// Check that the credentials can sign a request (see [`Credentials::check`]).
    pub fn new(credentials: Credentials) -> Result<OAuth1, Error> {
        credentials.check()?;
        let auth = OAuth1 { credentials };
        // A header these credentials make must be a valid header value.
        let url = url::Url::parse("https://stream.twitter.com/1.1/statuses/sample.json")
            .map_err(|_| Error::Config("internal: static URL".into()))?;
        auth.header("GET", &url, &[])?;
        Ok(auth)
    }

    fn header(
        &self,
        method: &str,
        url: &url::Url,
        form: &[(String, String)],
    ) -> Result<HeaderValue, Error> {
        let text = crate::oauth::sign_request(method, url, form, &self.credentials);
        let mut value = HeaderValue::from_str(&text).map_err(|_| {
            Error::invalid(
                "credentials",
                "the OAuth 1.0a credentials make an invalid Authorization header",
            )
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for OAuth1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OAuth1").field(&self.credentials).finish()
    }
}

impl Auth for OAuth1 {
    fn authorize(&self, request: &mut http::Request<Bytes>) -> Result<(), Error> {
        let url = url::Url::parse(&request.uri().to_string())
            .map_err(|_| Error::invalid("api_base", "not a valid URL"))?;
        let is_form = request.headers().get(CONTENT_TYPE).is_some_and(|v| {
            v.as_bytes()
                .starts_with(b"application/x-www-form-urlencoded")
        });
        let form: Vec<(String, String)> = if is_form {
            url::form_urlencoded::parse(request.body())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        } else {
            Vec::new()
        };
        let value = self.header(request.method().as_str(), &url, &form)?;
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }

    fn default_api_base(&self) -> &'static str {
        crate::v1::DEFAULT_STREAM_BASE
    }
}
