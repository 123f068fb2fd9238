//! The config file's format (`config.toml`): what it holds, and reading it without ever
//! quoting its content in an error (a line could hold a secret).

use serde::{Deserialize, Serialize};

/// The config file's content.
#[derive(Default, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// v2 bearer token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<String>,
    /// v1.1 consumer key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_key: Option<String>,
    /// v1.1 consumer secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_secret: Option<String>,
    /// v1.1 access token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// v1.1 access token secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token_secret: Option<String>,
    /// API base URL used when neither `--api-base` nor `X_API_BASE` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_base: Option<String>,
}

impl std::fmt::Debug for FileConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| if v.is_some() { "set" } else { "unset" };
        f.debug_struct("FileConfig")
            .field("bearer_token", &set(&self.bearer_token))
            .field("consumer_key", &set(&self.consumer_key))
            .field("consumer_secret", &set(&self.consumer_secret))
            .field("access_token", &set(&self.access_token))
            .field("access_token_secret", &set(&self.access_token_secret))
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// Why a config file could not be read: only the line, never the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The line of the problem (1-based), when known.
    pub line: Option<usize>,
}

/// Parse a config file's text.
pub fn parse(text: &str) -> Result<FileConfig, ParseError> {
    toml::from_str::<FileConfig>(text).map_err(|e| ParseError {
        line: e.span().map(|s| {
            // Count lines in bytes: the offset need not fall on a character boundary.
            let end = s.start.min(text.len());
            text.as_bytes()[..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1
        }),
    })
}

/// What can still be read from a malformed file: each line that is on its own a valid
/// `key = "value"` line, and the numbers (1-based) of the lines that are not (blank lines and
/// comments aside). `tweetstream configure` uses it to repair a file without losing the values
/// that were fine.
pub fn salvage(text: &str) -> (FileConfig, Vec<usize>) {
    let mut cfg = FileConfig::default();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        match parse(t) {
            Ok(one) => {
                let take = |into: &mut Option<String>, from: Option<String>| {
                    if from.is_some() {
                        *into = from;
                    }
                };
                take(&mut cfg.bearer_token, one.bearer_token);
                take(&mut cfg.consumer_key, one.consumer_key);
                take(&mut cfg.consumer_secret, one.consumer_secret);
                take(&mut cfg.access_token, one.access_token);
                take(&mut cfg.access_token_secret, one.access_token_secret);
                take(&mut cfg.api_base, one.api_base);
            }
            Err(_) => bad.push(i + 1),
        }
    }
    (cfg, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salvage_keeps_the_lines_that_are_fine() {
        let text =
            "consumer_key = \"ck\"\nbearer_token = \"abc\n\n# note\nwat\naccess_token = \"at\"\n";
        assert!(parse(text).is_err());
        let (cfg, bad) = salvage(text);
        assert_eq!(bad, [2, 5]);
        assert_eq!(cfg.consumer_key.as_deref(), Some("ck"));
        assert_eq!(cfg.access_token.as_deref(), Some("at"));
        assert!(cfg.bearer_token.is_none());
    }
}
