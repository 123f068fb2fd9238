//! The rule language: parsing and validating arbitrary text never panics and is
//! deterministic; parse → display → parse is stable (same canonical text, same verdict on a
//! random tweet); a parsed rule evaluates random tweets without panicking.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tweetstream_rules::{Rule, RuleTweet};

#[derive(Arbitrary, Debug)]
struct Input {
    rule: String,
    id: u64,
    text: String,
    lang: Option<String>,
    author_id: u64,
    author_username: String,
    hashtags: Vec<String>,
    verified: bool,
}

fuzz_target!(|i: Input| {
    let parsed = Rule::parse(&i.rule);
    let again = Rule::parse(&i.rule);
    assert_eq!(
        format!("{parsed:?}"),
        format!("{again:?}"),
        "parsing is deterministic"
    );
    let valid = tweetstream_rules::validate(&i.rule, 1024).is_ok();
    if valid {
        assert!(parsed.is_ok(), "a valid rule parses");
    }
    if let Ok(rule) = parsed {
        assert_eq!(rule.value(), i.rule);
        let tweet = RuleTweet {
            id: i.id,
            text: i.text,
            lang: i.lang,
            author_id: i.author_id,
            author_username: i.author_username,
            author_verified: i.verified,
            hashtags: i.hashtags,
            ..RuleTweet::default()
        };
        let verdict = rule.matches(&tweet);
        let shown = rule.to_string();
        let again = Rule::parse(&shown).unwrap_or_else(|e| {
            panic!("the display {shown:?} of {:?} does not parse: {e}", i.rule)
        });
        assert_eq!(again.to_string(), shown, "display is canonical");
        assert_eq!(
            again.matches(&tweet),
            verdict,
            "same rule, same verdict: {shown:?}"
        );
    }
});
