//! The pure parts of the `tweetstream` command line, as a library so that they can be fuzzed
//! and tested alone: durations and sizes (`units`), and the config file's format
//! (`config_file`). The command itself is the `tweetstream` binary.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config_file;
pub mod units;
