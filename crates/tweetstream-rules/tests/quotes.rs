//! Quote Tweets match on their own content and on the quoted Post's; `-is:nullcast` leaves out
//! promoted-only Posts.
#![cfg(feature = "eval")]

use tweetstream_rules::*;

mod common;
use common::B;

/// The quoted Post: text, entities and a photo.
fn quoted_post() -> RuleQuoted {
    RuleQuoted {
        id: 900,
        text: "Rust 1.80 is out! #RustLang @rustlang $RUST https://t.co/r".to_string(),
        hashtags: vec!["RustLang".to_string()],
        cashtags: vec!["RUST".to_string()],
        mentions: vec!["rustlang".to_string()],
        urls: vec![RuleUrl {
            url: "https://t.co/r".to_string(),
            expanded_url: Some("https://blog.rust-lang.org/2024/07/25/Rust-1.80.0.html".into()),
            display_url: Some("blog.rust-lang.org/2024/07/25/R…".to_string()),
        }],
        media: vec![MediaKind::Photo],
    }
}

/// A Quote Tweet with little content of its own, quoting [`quoted_post`].
fn quote() -> RuleTweet {
    let mut t = B::new(901, "So true", "carol", 44).build();
    t.quoted = Some(quoted_post());
    t
}

/// The same Quote Tweet when the quoted Post is not known (only its id).
fn quote_of_unknown() -> RuleTweet {
    let mut t = B::new(902, "So true", "carol", 44).build();
    t.quoted = Some(RuleQuoted {
        id: 899,
        ..RuleQuoted::default()
    });
    t
}

fn check(cases: &[(&str, &RuleTweet, bool)]) {
    let mut failures = Vec::new();
    for (rule, tweet, want) in cases {
        let r = match Rule::parse(rule) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{rule:?}: {e}"));
                continue;
            }
        };
        let got = r.matches(tweet);
        if got != *want {
            failures.push(format!(
                "{rule:?} on {}: got {got}, expected {want}",
                tweet.id
            ));
        }
        if r.matches_prepared(&PreparedTweet::new(tweet)) != got {
            failures.push(format!("{rule:?} on {}: prepared path disagrees", tweet.id));
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

#[test]
fn content_operators_match_the_quoted_post_too() {
    let q = quote();
    check(&[
        // The Quote Tweet's own content.
        ("true", &q, true),
        ("\"so true\"", &q, true),
        // The quoted Post's text: keywords, phrases, proximity.
        ("rust", &q, true),
        ("RUST", &q, true),
        ("\"is out\"", &q, true),
        ("\"rust out\"~3", &q, true),
        ("\"rust out\"~1", &q, false),
        // ... its entities.
        ("#rustlang", &q, true),
        ("@rustlang", &q, true),
        ("$rust", &q, true),
        ("url:\"blog.rust-lang.org\"", &q, true),
        ("url:\"https://t.co/r\"", &q, true),
        ("true url_contains:rust-lang", &q, true),
        // ... and its media: the has: operators about content.
        ("true has:images", &q, true),
        ("true has:media", &q, true),
        ("true has:links", &q, true),
        ("true has:hashtags", &q, true),
        ("true has:cashtags", &q, true),
        ("true has:mentions", &q, true),
        ("true has:videos", &q, false),
        // Negation: the quoted Post's content counts.
        ("true -rust", &q, false),
        ("true -#rustlang", &q, false),
        ("true -has:images", &q, false),
        ("true -python", &q, true),
        // Each operator matches either part; a phrase does not span the two texts.
        ("true rust", &q, true),
        ("\"true rust\"", &q, false),
        ("python", &q, false),
    ]);
}

#[test]
fn operators_about_the_post_and_its_author_test_the_quote_tweet_only() {
    let q = quote();
    let mut geo = quote();
    geo.coordinates = Some([-122.4194, 37.7749]);
    check(&[
        ("true is:quote", &q, true),
        ("from:carol", &q, true),
        ("rust lang:en", &q, true),
        ("rust lang:fr", &q, false),
        ("rust has:geo", &q, false),
        ("rust has:geo", &geo, true),
        ("rust is:retweet", &q, false),
        ("rust -is:quote", &q, false),
    ]);
}

#[test]
fn quoted_post_unknown_still_makes_a_quote() {
    let q = quote_of_unknown();
    check(&[
        ("true is:quote", &q, true),
        ("rust", &q, false),
        ("true has:images", &q, false),
        ("true -has:links", &q, true),
    ]);
}

#[test]
fn the_quoted_post_itself_matches_on_its_own_content_only() {
    let mut post = B::new(900, "Rust 1.80 is out!", "rustlang", 7)
        .hashtags(&["RustLang"])
        .build();
    post.quoted = None;
    check(&[
        ("rust", &post, true),
        ("true", &post, false),
        ("rust is:quote", &post, false),
    ]);
}

#[test]
fn nullcast_posts_are_left_out_by_negated_is_nullcast() {
    let mut promoted = B::new(1007, "Buy our product now", "promo", 47).build();
    promoted.nullcast = true;
    let organic = B::new(1008, "Buy local, buy now", "shop", 48).build();
    check(&[
        // Without the operator nullcast Posts match like any other.
        ("buy", &promoted, true),
        ("buy", &organic, true),
        ("buy -is:nullcast", &promoted, false),
        ("buy -is:nullcast", &organic, true),
        ("(buy OR sell) -is:nullcast lang:en", &promoted, false),
        ("(buy OR sell) -is:nullcast lang:en", &organic, true),
        ("(buy -is:nullcast) OR product", &promoted, true),
    ]);
    // Nullcast concerns the Post itself: a Quote Tweet quoting a promoted Post is not one.
    let mut q = B::new(1009, "lol", "u", 49).build();
    q.quoted = Some(RuleQuoted {
        id: 1007,
        text: promoted.text.clone(),
        ..RuleQuoted::default()
    });
    check(&[("buy -is:nullcast", &q, true)]);
}

#[test]
fn is_nullcast_is_only_valid_negated_and_beside_a_standalone_operator() {
    use RuleErrorKind as K;
    let kind = |rule: &str| Rule::parse(rule).map(|_| ()).map_err(|e| e.kind().clone());
    assert_eq!(
        kind("buy is:nullcast"),
        Err(K::MustBeNegated {
            operator: "is:nullcast".to_string()
        })
    );
    assert_eq!(kind("-is:nullcast"), Err(K::OnlyNegated));
    assert_eq!(kind("buy OR -is:nullcast"), Err(K::OnlyNegated));
    assert_eq!(
        kind("-is:nullcast has:links"),
        Err(K::NotStandalone {
            operator: "has:".to_string()
        })
    );
    assert_eq!(kind("#deals -is:nullcast"), Ok(()));
    assert_eq!(kind("-IS:NULLCAST deals"), Ok(()));
}
