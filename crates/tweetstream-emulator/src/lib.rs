//! A local emulator of the X (Twitter) streaming API: v2 and v1.1 streams, rules, rule matching,
//! replay and scripted faults.
//!
//! [`data`] holds the tweet sources and everything that turns a tweet into stream bytes.

pub mod data;
