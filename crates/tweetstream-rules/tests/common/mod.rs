//! A small builder of test Posts, shared by the evaluator tests.
#![allow(dead_code)]

use tweetstream_rules::*;

/// Small builder for test tweets.
pub struct B(pub RuleTweet);

impl B {
    pub fn new(id: u64, text: &str, author: &str, author_id: u64) -> B {
        B(RuleTweet {
            id,
            text: text.to_string(),
            lang: Some("en".to_string()),
            author_id,
            author_username: author.to_string(),
            author_name: author.to_string(),
            ..RuleTweet::default()
        })
    }
    pub fn lang(mut self, l: Option<&str>) -> B {
        self.0.lang = l.map(str::to_string);
        self
    }
    pub fn hashtags(mut self, v: &[&str]) -> B {
        self.0.hashtags = v.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn mentions(mut self, v: &[&str]) -> B {
        self.0.mentions = v.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn cashtags(mut self, v: &[&str]) -> B {
        self.0.cashtags = v.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn url(mut self, url: &str, expanded: &str, display: &str) -> B {
        self.0.urls.push(RuleUrl {
            url: url.to_string(),
            expanded_url: Some(expanded.to_string()),
            display_url: Some(display.to_string()),
        });
        self
    }
    pub fn media(mut self, m: MediaKind) -> B {
        self.0.media.push(m);
        self
    }
    pub fn reply_to(mut self, user_id: u64, username: &str, tweet_id: u64) -> B {
        self.0.in_reply_to_user_id = Some(user_id);
        self.0.in_reply_to_username = Some(username.to_string());
        self.0.in_reply_to_tweet_id = Some(tweet_id);
        self.0.conversation_id = Some(tweet_id);
        self
    }
    pub fn retweet_of(mut self, tweet_id: u64, user_id: u64, username: &str) -> B {
        self.0.retweet_of = Some((tweet_id, user_id, username.to_string()));
        self
    }
    pub fn quote(mut self, tweet_id: u64, text: &str) -> B {
        self.0.quoted = Some(RuleQuoted {
            id: tweet_id,
            text: text.to_string(),
            ..RuleQuoted::default()
        });
        self
    }
    pub fn point(mut self, lon: f64, lat: f64) -> B {
        self.0.coordinates = Some([lon, lat]);
        self
    }
    pub fn place(mut self, id: &str, name: &str, full: &str, cc: &str, bbox: [f64; 4]) -> B {
        self.0.place = Some(RulePlace {
            id: id.to_string(),
            name: name.to_string(),
            full_name: full.to_string(),
            country_code: Some(cc.to_string()),
            bbox: Some(bbox),
        });
        self
    }
    pub fn build(self) -> RuleTweet {
        self.0
    }
}
