//! OAuth 1.0a (HMAC-SHA1) request signing, per RFC 5849 and X's "Creating a signature".
//!
//! STUB: replaced by the real implementation.
#![allow(missing_docs, unused_variables)]

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
