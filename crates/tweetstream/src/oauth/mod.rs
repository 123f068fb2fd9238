//! OAuth 1.0a (HMAC-SHA1) request signing, per RFC 5849 and X's "Creating a signature" guide.
//!
//! Client side: [`authorization_header`] (deterministic, for tests) and [`sign_request`]
//! (fresh nonce, current time) produce the value of the `Authorization` header from
//! [`Credentials`].
//!
//! Server side, behind the cargo feature `server` (off by default; the emulator turns it on):
//! `verify` parses an `Authorization: OAuth …` header, rebuilds the signature base string from
//! the request and checks the signature in constant time. Nonce reuse and clock skew are left
//! to the caller, which gets the nonce and timestamp in `VerifiedRequest`.
//!
//! The building blocks ([`percent_encode`], [`signature_base_string`], [`sign`], and with
//! `server` `parse_authorization_header`) are public so that test vectors can be checked step
//! by step.
//!
//! Credentials never appear in `Debug` output or in errors.

use std::fmt;

use crate::{Error, Secret};

mod sign;
#[cfg(test)]
mod test_vectors;
#[cfg(feature = "server")]
mod verify;

pub use sign::{
    authorization_header, new_nonce, percent_encode, sign, sign_request, signature_base_string,
};
#[cfg(feature = "server")]
pub use verify::{parse_authorization_header, verify, OAuthError, VerifiedRequest};

/// The only signature method supported (and the only one X accepts).
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";

/// The protocol version sent in `oauth_version`.
pub const OAUTH_VERSION: &str = "1.0";

/// OAuth 1.0a user-context credentials: the app's consumer key and secret, the user's access
/// token and secret.
///
/// Each is held as a [`Secret`]: `Debug` shows none of them, not even the consumer key or the
/// access token, which are sent in the clear (inside the signed header) but still identify the
/// app and the user.
#[derive(Clone)]
pub struct Credentials {
    consumer_key: Secret,
    consumer_secret: Secret,
    access_token: Secret,
    access_token_secret: Secret,
}

impl Credentials {
    /// Bundles the four OAuth 1.0a user-context values. See [`Credentials::check`] to reject
    /// empty or mangled values before any request.
    pub fn new(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<String>,
        access_token: impl Into<String>,
        access_token_secret: impl Into<String>,
    ) -> Self {
        Credentials {
            consumer_key: Secret::new(consumer_key),
            consumer_secret: Secret::new(consumer_secret),
            access_token: Secret::new(access_token),
            access_token_secret: Secret::new(access_token_secret),
        }
    }

    /// The app's API key ("consumer key"), sent as `oauth_consumer_key`. Never log it.
    pub fn consumer_key(&self) -> &str {
        self.consumer_key.expose()
    }

    /// The app's API key secret ("consumer secret"). Only used to sign; never sent. Never log
    /// it.
    pub fn consumer_secret(&self) -> &str {
        self.consumer_secret.expose()
    }

    /// The user's access token, sent as `oauth_token` (left out of the header when empty).
    /// Never log it.
    pub fn access_token(&self) -> &str {
        self.access_token.expose()
    }

    /// The user's access token secret. Only used to sign; never sent. Never log it.
    pub fn access_token_secret(&self) -> &str {
        self.access_token_secret.expose()
    }

    /// Checks that the four values can sign a request: each must be non-empty, without
    /// control characters (a newline, a tab, …) and without white space at either end (what a
    /// value copied with its line break or indentation has). X's keys and tokens are printable
    /// ASCII.
    ///
    /// The error is [`Error::InvalidParameter`] naming the credential (`consumer_key`,
    /// `consumer_secret`, `access_token` or `access_token_secret`) and the problem, never its
    /// value.
    pub fn check(&self) -> Result<(), Error> {
        for (name, value) in self.named() {
            let value = value.expose();
            if value.is_empty() {
                return Err(Error::invalid(name, "is empty"));
            }
            if let Some(i) = value.chars().position(char::is_control) {
                return Err(Error::invalid(
                    name,
                    format!(
                        "has a control character (such as a newline or a tab) at character {}; \
                         X's credentials are printable ASCII",
                        i + 1
                    ),
                ));
            }
            if value.trim() != value {
                return Err(Error::invalid(
                    name,
                    "starts or ends with white space; X's credentials have none",
                ));
            }
        }
        Ok(())
    }

    /// The four values with their parameter names, in `new`'s order.
    fn named(&self) -> [(&'static str, &Secret); 4] {
        [
            ("consumer_key", &self.consumer_key),
            ("consumer_secret", &self.consumer_secret),
            ("access_token", &self.access_token),
            ("access_token_secret", &self.access_token_secret),
        ]
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Credentials");
        for (name, value) in self.named() {
            s.field(name, value);
        }
        s.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::test_vectors::*;
    use super::*;

    #[test]
    fn accessors_return_the_values() {
        let c = a_creds();
        assert_eq!(c.consumer_key(), A_CONSUMER_KEY);
        assert_eq!(c.consumer_secret(), A_CONSUMER_SECRET);
        assert_eq!(c.access_token(), A_TOKEN);
        assert_eq!(c.access_token_secret(), A_TOKEN_SECRET);
    }

    #[test]
    fn debug_redacts_every_credential() {
        let creds = a_creds();
        let shown = format!("{creds:?} {creds:#?}");
        for value in [A_CONSUMER_KEY, A_CONSUMER_SECRET, A_TOKEN, A_TOKEN_SECRET] {
            assert!(!shown.contains(value), "{shown}");
            // Not even a prefix.
            assert!(!shown.contains(&value[..4]), "{shown}");
        }
        assert_eq!(
            format!("{creds:?}"),
            "Credentials { consumer_key: Secret(***), consumer_secret: Secret(***), \
             access_token: Secret(***), access_token_secret: Secret(***) }"
        );
    }

    #[test]
    fn check_accepts_real_looking_credentials() {
        assert!(a_creds().check().is_ok());
        assert!(Credentials::new("ck", "cs", "at", "ats").check().is_ok());
    }

    #[test]
    fn check_names_the_bad_credential_without_showing_it() {
        let good = ["key-ABC", "secret-DEF", "token-GHI", "tsecret-JKL"];
        let names = [
            "consumer_key",
            "consumer_secret",
            "access_token",
            "access_token_secret",
        ];
        for (i, name) in names.iter().enumerate() {
            for (bad, problem) in [
                (String::new(), "is empty"),
                (format!("{}\n", good[i]), "control character"),
                (format!("{}\r\nX-Injected: 1", good[i]), "control character"),
                (format!("{}\u{0}", good[i]), "control character"),
                (format!(" {}", good[i]), "white space"),
                (format!("{}\u{a0}", good[i]), "white space"),
            ] {
                let mut values = good.map(str::to_string);
                values[i] = bad.clone();
                let [ck, cs, at, ats] = values;
                let err = Credentials::new(ck, cs, at, ats).check().unwrap_err();
                match &err {
                    Error::InvalidParameter { name: n, message } => {
                        assert_eq!(n, name);
                        assert!(message.contains(problem), "{message}");
                    }
                    other => panic!("{other:?}"),
                }
                for text in [err.to_string(), format!("{err:?}")] {
                    for value in good {
                        assert!(!text.contains(value), "{text}");
                    }
                }
            }
        }
    }
}
