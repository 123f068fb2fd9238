//! OAuth 1.0a (HMAC-SHA1) request signing and verification.

mod sign;

pub use sign::*;
