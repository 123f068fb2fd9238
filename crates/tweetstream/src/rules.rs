//! Offline rule checks: the validator of the v2 rule language, re-exported from
//! [`tweetstream_rules`].
//!
//! [`AsyncStreamingClient::add_rules`](crate::AsyncStreamingClient::add_rules) runs
//! [`check_before_sending`] on every rule, so a typo fails before any request. Call
//! [`validate`] yourself to check rules offline (in a form, a config file, a CI job).
//!
//! Matching rules against Posts (what X does server-side) is not part of the client: it is the
//! `eval` feature of the `tweetstream-rules` crate, which the local emulator uses.
//!
//! ```
//! use tweetstream::rules::{validate, DEFAULT_MAX_RULE_LENGTH};
//!
//! assert!(validate("cat has:images", DEFAULT_MAX_RULE_LENGTH).is_ok());
//! assert!(validate("has:images", DEFAULT_MAX_RULE_LENGTH).is_err());
//! ```

pub use tweetstream_rules::{
    check_before_sending, validate, Rule, RuleError, RuleErrorKind, DEFAULT_MAX_RULE_LENGTH,
    SUPPORTED_OPERATORS, UNSUPPORTED_OPERATORS,
};
