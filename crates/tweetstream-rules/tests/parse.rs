//! Table-driven tests of the parser and validator: what is rejected, with which message,
//! position and kind.

use tweetstream_rules::*;

/// (rule, expected substring of the error)
const INVALID_CASES: &[(&str, &str)] = &[
    ("", "Rule must not be empty (at position 1)"),
    ("   ", "must not be empty"),
    ("has:media", "is/has/lang cannot be used as a standalone operator (at position 1)"),
    ("has:links OR is:retweet", "is/has/lang cannot be used as a standalone operator"),
    ("lang:en", "is/has/lang cannot be used as a standalone operator"),
    ("cat OR has:images", "standalone operator (at position 8)"),
    ("has:images -cat", "standalone operator (at position 1)"),
    ("sample:10", "sample: cannot be used as a standalone operator"),
    ("source:web", "source: cannot be used as a standalone operator"),
    ("in_reply_to_tweet_id:1001", "cannot be used as a standalone operator"),
    ("url_contains:foo", "cannot be used as a standalone operator"),
    ("followers_count:10", "cannot be used as a standalone operator"),
    ("-is:nullcast", "Rules must contain a non-negation term (at position 1)"),
    ("-cat", "Rules must contain a non-negation term (at position 1)"),
    ("--b", "Rules must contain at least one positive, non-stopword clause (at position 1)"),
    ("-cat -dog", "non-negation term"),
    ("cat OR -dog", "non-negation term (at position 8)"),
    ("cat is:nullcast", "'is:nullcast' must always be negated"),
    ("cat -sample:10", "'sample:' cannot be negated"),
    ("cat sample:0", "1 to 100"),
    ("cat sample:101", "1 to 100"),
    ("cat sample:abc", "1 to 100"),
    ("skiing -(snow OR day)", "Negating a parenthesised group"),
    ("(cat", "this '(' is never closed (at position 1)"),
    ("cat (", "this '(' is never closed (at position 5)"),
    ("cat (dog OR", "a clause is missing after OR"),
    ("cat)", "')' has no matching '(' (at position 4)"),
    ("()", "Empty parentheses"),
    ("cat ()", "Empty parentheses (at position 5)"),
    ("\"cat", "Unbalanced quotes"),
    ("cat \"dog", "(at position 5)"),
    ("mobile games\" -is:nullcast", "Unbalanced quotes"),
    ("foo:bar", "Reference to invalid operator 'foo' (at position 1)"),
    ("cat Foo:bar", "Reference to invalid operator 'Foo' (at position 5)"),
    ("http://example.com", "Reference to invalid operator 'http'"),
    ("cat has:polls", "Reference to invalid operator 'has:polls'"),
    ("has:polls", "Reference to invalid operator 'has:polls'"),
    ("cat is:bot", "Reference to invalid operator 'is:bot'"),
    (
        "streaming AND lang:en",
        "Ambiguous use of and as a keyword. Use a space to logically join two clauses, or \"and\" to find occurrences of and in text (at position 11)",
    ),
    ("OR cat", "Unexpected OR"),
    ("cat OR", "Unexpected end of rule"),
    ("cat OR OR dog", "OR must stand between two clauses (at position 8)"),
    ("(OR cat)", "Unexpected OR"),
    ("context:10.799022225751871488", "operator `context:` is not supported by tweetstream's evaluator"),
    ("entity:\"Michael Jordan\"", "operator `entity:` is not supported"),
    ("embedding:\"cute cats\"", "operator `embedding:` is not supported"),
    ("cat embedding_threshold:0.5", "operator `embedding_threshold:` is not supported"),
    ("cat url_title:snow", "operator `url_title:` is not supported"),
    ("cat within_url_description:x", "operator `within_url_description:` is not supported"),
    ("from_affiliate_of:xdevelopers", "operator `from_affiliate_of:` is not supported"),
    ("from:", "Operator 'from:' needs a value"),
    ("from:\"\"", "needs a value"),
    ("from:foo.bar", "username"),
    ("from:a,b", "username"),
    ("from:[1 2]", "does not take a [bracketed] value"),
    ("conversation_id:abc", "numeric Post id"),
    ("conversation_id:99999999999999999999999", "numeric Post id"),
    ("cat lang:english", "language code"),
    ("place_country:USA", "alpha-2"),
    ("point_radius:[2.35 48.86 30mi]", "less than 25 miles"),
    ("point_radius:[2.35 48.86 41km]", "less than 25 miles"),
    ("point_radius:[2.35 48.86 10]", "unit"),
    ("point_radius:[2.35 48.86 -1km]", "positive"),
    ("point_radius:[2.35 10km]", "expects [longitude latitude radius]"),
    ("point_radius:[200 48 1km]", "longitude must be within"),
    ("point_radius:[NaN 48 1km]", "longitude must be within"),
    ("point_radius:2.35", "expects [longitude latitude radius]"),
    ("point_radius:[2.35 48.86 10km", "Unbalanced brackets"),
    ("bounding_box:[-105.3 39.9 -104.0 40.1]", "less than 25 miles"),
    ("bounding_box:[1 2 3]", "expects [west_long"),
    ("bounding_box:[3 2 1 4]", "west must not exceed east"),
    ("\"a b\"~7", "at most 6"),
    ("\"a b\"~", "whole number after '~'"),
    ("\"a b\"~x", "whole number after '~'"),
    ("#", "Invalid hashtag"),
    ("#foo.bar", "Invalid hashtag"),
    ("@", "Invalid mention"),
    ("@foo-bar", "Invalid mention"),
    ("$ab-c", "Invalid cashtag"),
    ("!!!", "quote it"),
    ("cat -", "quote it"),
    ("\"\"", "Empty quoted phrase"),
    ("cat followers_count:10..5", "range a..b"),
    ("cat min_followers:1..5", "N (at least N)"),
    ("cat source:", "needs a value"),
    ("url:", "needs a value"),
    ("bio:...", "needs letters"),
];

#[test]
fn invalid_table() {
    let mut failures = Vec::new();
    for (rule, want) in INVALID_CASES {
        match Rule::parse(rule) {
            Ok(_) => failures.push(format!(
                "{rule:?}: parsed, expected error containing {want:?}"
            )),
            Err(e) => {
                let s = e.to_string();
                if !s.contains(want) {
                    failures.push(format!("{rule:?}: error {s:?} lacks {want:?}"));
                }
                if e.position.is_none() || e.details.is_empty() {
                    failures.push(format!("{rule:?}: no position/details"));
                }
                if !e.details.iter().all(|d| d.contains("(at position ")) {
                    failures.push(format!("{rule:?}: detail without position: {s}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

const VALID_RULES: &[&str] = &[
    "cat",
    "\"X data\" has:mentions (has:media OR has:links)",
    "(grumpy cat) OR (#meme has:images)",
    "skiing -snow -day -noschool",
    "place:\"new york city\" OR place:seattle OR place:fd70c22040963ac7",
    "conversation_id:1334987486343299072 (from:twitterdev OR from:twitterapi)",
    "from:TwitterDev url:\"https://t.co\"",
    "#nowplaying is:verified",
    "apple OR iphone ipad",
    "cat sample:10",
    "(cat OR dog) sample:50",
    "recommend #paris has:geo -bakery",
    "\"happy birthday\"~3",
    "🍕 OR pizza",
    "cat -is:nullcast",
    "-is:retweet cat",
    "(happy OR happiness) place_country:GB -birthday -is:retweet",
    "thankunext #fanart OR @arianagrande",
    "to:twitterdev OR to:twitterapi -to:twitter",
    "retweets_of:twitterdev OR retweets_of:twitterapi",
    "#stonks has:cashtags",
    "$twtr OR @XDevelopers -$fb",
    "cat OR dog OR (bird has:images)",
    "point_radius:[2.355128 48.861118 16km]",
    "bounding_box:[-105.301758 39.964069 -105.178505 40.09455]",
    "cat\tdog\nbird",
    "12:30",
    "cat's",
    "FROM:XDevelopers",
];

#[test]
fn valid_rules_parse() {
    for rule in VALID_RULES {
        if let Err(e) = Rule::parse(rule) {
            panic!("{rule:?} should parse: {e}");
        }
    }
}

#[test]
fn error_shape_and_positions() {
    let e = Rule::parse("--b").unwrap_err();
    assert_eq!(
        e.details,
        vec![
            "Rules must contain a non-negation term (at position 1)".to_string(),
            "Rules must contain at least one positive, non-stopword clause (at position 1)"
                .to_string(),
        ]
    );
    assert_eq!(e.position, Some(1));
    assert_eq!(
        e.to_string(),
        "Rules must contain a non-negation term (at position 1); Rules must contain at least one positive, non-stopword clause (at position 1)"
    );
    assert_eq!(Rule::parse("cat \"dog").unwrap_err().position, Some(5));
    assert_eq!(
        Rule::parse("streaming AND lang:en").unwrap_err().position,
        Some(11)
    );
    // Positions count characters, not bytes.
    assert_eq!(Rule::parse("été foo:bar").unwrap_err().position, Some(5));
    // X reports both the standalone problem and the invalid operator.
    let e = Rule::parse("has:polls").unwrap_err();
    assert_eq!(e.details.len(), 2, "{e}");
    // Several problems are all reported, first position wins.
    let e = Rule::parse("cat foo:1 bar:2").unwrap_err();
    assert_eq!(e.details.len(), 2);
    assert_eq!(e.position, Some(5));
}

#[test]
fn validate_length_in_chars() {
    // X's pay-per-use and Pro tiers: 1,024 characters.
    assert_eq!(DEFAULT_MAX_RULE_LENGTH, 1024);
    assert!(validate(&"a".repeat(1024), DEFAULT_MAX_RULE_LENGTH).is_ok());
    let e = validate(&"a".repeat(1025), DEFAULT_MAX_RULE_LENGTH).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Rule is too long: 1025 characters, the limit is 1024"
    );
    // Characters, not bytes.
    assert!(validate(&"é".repeat(1024), DEFAULT_MAX_RULE_LENGTH).is_ok());
    // The old Essential limit still works when asked for.
    assert!(validate(&"a".repeat(513), 512).is_err());
    assert!(validate("has:media", 512).is_err());
    assert!(validate(&format!("{} cat", "x ".repeat(400)), 1024).is_ok());
}

#[test]
fn value_is_kept_verbatim() {
    let r = Rule::parse("  Cat  OR dog ").unwrap();
    assert_eq!(r.value(), "  Cat  OR dog ");
    let r: Rule = "cat".parse().unwrap();
    assert_eq!(r.value(), "cat");
}

#[test]
fn operator_lists_are_consistent() {
    for (name, reason) in UNSUPPORTED_OPERATORS {
        let e = Rule::parse(&format!("cat {name}x")).unwrap_err();
        assert!(e.to_string().contains(name), "{e}");
        assert!(!reason.is_empty());
        assert!(!SUPPORTED_OPERATORS.contains(name));
    }
    // every supported `name:` operator is recognised (it may still reject the value "x")
    for op in SUPPORTED_OPERATORS {
        if let Some(stripped) = op.strip_suffix(':') {
            let e = Rule::parse(&format!("cat {stripped}:x"));
            if let Err(e) = e {
                assert!(!e.to_string().contains("invalid operator"), "{op}: {e}");
            }
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let ok = format!("{}a{}", "(".repeat(64), ")".repeat(64));
    assert!(Rule::parse(&ok).is_ok());
    let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
    let e = Rule::parse(&deep).unwrap_err();
    assert!(e.to_string().contains("nested too deeply"), "{e}");
}

#[test]
fn rule_and_error_are_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Rule>();
    assert_send_sync::<RuleError>();
}

fn op(name: &str) -> String {
    name.to_string()
}

#[test]
fn error_kinds() {
    use RuleErrorKind as K;
    let deep = "(".repeat(100);
    let cases: Vec<(&str, RuleErrorKind)> = vec![
        ("", K::Empty),
        ("  \t", K::Empty),
        ("\"cat", K::UnbalancedQuotes),
        ("point_radius:[2.35 48.86 10km", K::UnbalancedBrackets),
        ("(cat", K::UnbalancedParens),
        ("cat)", K::UnbalancedParens),
        (&deep, K::TooDeep { max: 64 }),
        ("cat OR", K::Syntax),
        ("OR cat", K::Syntax),
        ("()", K::Syntax),
        ("streaming AND lang:en", K::Syntax),
        ("\"a b\"~x", K::Syntax),
        ("skiing -(snow OR day)", K::NegatedGroup),
        ("-cat", K::OnlyNegated),
        ("cat OR -dog", K::OnlyNegated),
        ("-is:nullcast", K::OnlyNegated),
        (
            "has:media",
            K::NotStandalone {
                operator: op("has:"),
            },
        ),
        (
            "sample:10",
            K::NotStandalone {
                operator: op("sample:"),
            },
        ),
        (
            "url_contains:foo",
            K::NotStandalone {
                operator: op("url_contains:"),
            },
        ),
        (
            "cat is:nullcast",
            K::MustBeNegated {
                operator: op("is:nullcast"),
            },
        ),
        (
            "cat -sample:10",
            K::CannotBeNegated {
                operator: op("sample:"),
            },
        ),
        (
            "foo:bar",
            K::UnknownOperator {
                operator: op("foo"),
            },
        ),
        (
            "cat Foo:bar",
            K::UnknownOperator {
                operator: op("Foo"),
            },
        ),
        (
            "cat is:bot",
            K::UnknownOperator {
                operator: op("is:bot"),
            },
        ),
        (
            "cat has:polls",
            K::UnknownOperator {
                operator: op("has:polls"),
            },
        ),
        (
            "context:10.799022225751871488",
            K::UnsupportedOperator {
                operator: op("context:"),
            },
        ),
        (
            "cat url_title:snow",
            K::UnsupportedOperator {
                operator: op("url_title:"),
            },
        ),
        (
            "from:foo.bar",
            K::InvalidValue {
                operator: op("from:"),
            },
        ),
        (
            "point_radius:[2.35 48.86 30mi]",
            K::InvalidValue {
                operator: op("point_radius:"),
            },
        ),
        (
            "\"a b\"~7",
            K::InvalidValue {
                operator: op("\"phrase\"~N"),
            },
        ),
        ("#foo.bar", K::InvalidValue { operator: op("#") }),
        (
            "!!!",
            K::InvalidValue {
                operator: op("keyword"),
            },
        ),
        (
            "cat lang:english",
            K::InvalidValue {
                operator: op("lang:"),
            },
        ),
    ];
    let mut failures = Vec::new();
    for (rule, want) in &cases {
        match Rule::parse(rule) {
            Ok(_) => failures.push(format!("{rule:?} parsed")),
            Err(e) => {
                if e.kind() != want {
                    failures.push(format!("{rule:?}: kind {:?}, expected {want:?}", e.kind()));
                }
                if e.kinds().len() != e.details.len() {
                    failures.push(format!(
                        "{rule:?}: {} kinds for {} details",
                        e.kinds().len(),
                        e.details.len()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));

    let e = validate(&"a".repeat(1025), 1024).unwrap_err();
    assert_eq!(
        e.kind(),
        &K::TooLong {
            len: 1025,
            max: 1024
        }
    );
    assert_eq!(e.position, None);
    // Two problems, two kinds; the first one is the kind.
    let e = Rule::parse("has:polls").unwrap_err();
    assert_eq!(
        e.kinds(),
        [
            K::NotStandalone {
                operator: op("has:")
            },
            K::UnknownOperator {
                operator: op("has:polls")
            }
        ]
    );
}

#[test]
fn unsupported_operators_pass_the_client_check_only_when_alone() {
    // Valid for X, not evaluable here: the client sends it.
    for rule in [
        "cat context:10.799022225751871488",
        "entity:\"Michael Jordan\"",
        "cat url_title:snow",
    ] {
        let e = Rule::parse(rule).unwrap_err();
        assert!(e.is_unsupported_operator(), "{rule}: {e}");
        assert!(
            check_before_sending(rule, DEFAULT_MAX_RULE_LENGTH).is_ok(),
            "{rule}"
        );
    }
    // An unsupported operator beside a real error: the real error is the kind, and it counts.
    let e = Rule::parse("context:10.799022225751871488 #").unwrap_err();
    assert_eq!(e.details.len(), 2);
    assert_eq!(e.kind(), &RuleErrorKind::InvalidValue { operator: op("#") });
    assert!(!e.is_unsupported_operator());
    assert!(check_before_sending("context:10.799022225751871488 #", 1024).is_err());
    // Conjunction-required unsupported operators alone are still not standalone, and the
    // message names the operator.
    let e = Rule::parse("url_title:snow").unwrap_err();
    assert_eq!(
        e.kind(),
        &RuleErrorKind::NotStandalone {
            operator: op("url_title:")
        }
    );
    assert_eq!(
        e.details[0],
        "url_title: cannot be used as a standalone operator (at position 1)"
    );
    assert!(check_before_sending("url_title:snow", 1024).is_err());
    // Too long beats everything.
    let long = format!("cat url_title:{}", "x".repeat(1024));
    assert!(matches!(
        check_before_sending(&long, 1024).unwrap_err().kind(),
        RuleErrorKind::TooLong { .. }
    ));
}

#[test]
fn rule_error_is_a_std_error() {
    let e: Box<dyn std::error::Error + Send + Sync> = Box::new(Rule::parse("(cat").unwrap_err());
    assert_eq!(
        e.to_string(),
        "Unbalanced parentheses: this '(' is never closed (at position 1)"
    );
    assert!(e.source().is_none());
}

/// `Display` gives a canonical form that parses to a rule displaying the same: the round
/// trip the `rules` fuzz target checks on arbitrary text.
#[test]
fn display_is_canonical_and_round_trips() {
    for (given, canonical) in [
        ("cat", "cat"),
        ("  cat   has:images  ", "cat has:images"),
        ("(cat OR dog) -is:retweet", "(cat OR dog) -is:retweet"),
        ("((cat dog)) lang:en", "cat dog lang:en"),
        ("cat OR (dog OR bird)", "cat OR dog OR bird"),
        ("\"happy cat\"~3 OR #pets", "\"happy cat\"~3 OR #pets"),
        ("a (b OR (c d)) e", "a (b OR c d) e"),
        ("from:XDevelopers -has:links", "from:XDevelopers -has:links"),
    ] {
        let rule = Rule::parse(given).unwrap();
        assert_eq!(rule.to_string(), canonical, "{given:?}");
        assert_eq!(rule.value(), given, "the value is kept verbatim");
        let again = Rule::parse(&rule.to_string()).unwrap();
        assert_eq!(again.to_string(), canonical, "{given:?}");
    }
}
