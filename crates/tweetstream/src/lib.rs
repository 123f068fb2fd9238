//! tweetstream: consume the X (Twitter) streaming APIs.
#![deny(missing_docs)]

pub mod oauth;
pub mod rules;
