//! What the rule evaluator needs to know about a tweet.

/// Kind of an attached medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// A photo.
    Photo,
    /// A video.
    Video,
    /// An animated GIF.
    AnimatedGif,
}

/// A URL entity of a tweet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleUrl {
    /// The t.co URL as it appears in the text.
    pub url: String,
    /// The expanded URL, when known.
    pub expanded_url: Option<String>,
    /// The display URL, when known.
    pub display_url: Option<String>,
}

/// The place a tweet is tagged with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulePlace {
    /// Place id (e.g. `5a110d312052166f`).
    pub id: String,
    /// Short name (e.g. `San Francisco`).
    pub name: String,
    /// Full name (e.g. `San Francisco, CA`).
    pub full_name: String,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub country_code: Option<String>,
    /// Bounding box `[west_lon, south_lat, east_lon, north_lat]`, when known.
    pub bbox: Option<[f64; 4]>,
}

/// The content of the Post a Quote Tweet quotes: what the content operators match besides the
/// Quote Tweet's own content.
///
/// X: "operators will match on both the content from the original Post that was quoted, as
/// well as the content included in the Quote Tweet itself". The content operators are the
/// keyword, emoji, `"phrase"` and `"proximity"~N` operators, `#`, `@`, `$`, `url:`,
/// `url_contains:`, and the `has:` operators about entities and media (`has:hashtags`,
/// `has:cashtags`, `has:mentions`, `has:links`, `has:media`, `has:images`, `has:videos`).
/// Operators about the Post itself or its author (`from:`, `to:`, `is:`, `lang:`, `place:`,
/// geo, `bio:`, counts, `source:`, ids, `has:geo`) test the Quote Tweet only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleQuoted {
    /// The quoted Post's id.
    pub id: u64,
    /// Its full text (empty when the quoted Post is not known).
    pub text: String,
    /// Its hashtags, without `#`.
    pub hashtags: Vec<String>,
    /// Its cashtags, without `$`.
    pub cashtags: Vec<String>,
    /// Its mentioned usernames, without `@`.
    pub mentions: Vec<String>,
    /// Its URL entities (including media URLs).
    pub urls: Vec<RuleUrl>,
    /// Its attached media kinds.
    pub media: Vec<MediaKind>,
}

/// The content operators' view of a Post: its own part or its quoted part.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Content<'a> {
    pub(crate) text: &'a str,
    pub(crate) hashtags: &'a [String],
    pub(crate) cashtags: &'a [String],
    pub(crate) mentions: &'a [String],
    pub(crate) urls: &'a [RuleUrl],
    pub(crate) media: &'a [MediaKind],
}

impl RuleQuoted {
    pub(crate) fn content(&self) -> Content<'_> {
        Content {
            text: &self.text,
            hashtags: &self.hashtags,
            cashtags: &self.cashtags,
            mentions: &self.mentions,
            urls: &self.urls,
            media: &self.media,
        }
    }
}

impl RuleTweet {
    pub(crate) fn content(&self) -> Content<'_> {
        Content {
            text: &self.text,
            hashtags: &self.hashtags,
            cashtags: &self.cashtags,
            mentions: &self.mentions,
            urls: &self.urls,
            media: &self.media,
        }
    }
}

/// The facts about one tweet that rule operators can test.
///
/// The emulator builds one per tweet; a client may build them to test rules offline.
#[derive(Debug, Clone, Default)]
pub struct RuleTweet {
    /// Tweet id.
    pub id: u64,
    /// Full text (the `extended_tweet.full_text` / `note_tweet` text when the tweet is long).
    pub text: String,
    /// BCP-47 language code as classified by X (`und` when unknown).
    pub lang: Option<String>,
    /// Author's numeric id.
    pub author_id: u64,
    /// Author's username (screen name), without `@`.
    pub author_username: String,
    /// Author's display name.
    pub author_name: String,
    /// Author's profile description (bio).
    pub author_description: Option<String>,
    /// Author's profile location.
    pub author_location: Option<String>,
    /// Whether the author is verified.
    pub author_verified: bool,
    /// The user this tweet replies to.
    pub in_reply_to_user_id: Option<u64>,
    /// Username of the user this tweet replies to.
    pub in_reply_to_username: Option<String>,
    /// The tweet this one replies to.
    pub in_reply_to_tweet_id: Option<u64>,
    /// Conversation (thread root) id.
    pub conversation_id: Option<u64>,
    /// Hashtags, without `#`, as written.
    pub hashtags: Vec<String>,
    /// Cashtags, without `$`, as written.
    pub cashtags: Vec<String>,
    /// Mentioned usernames, without `@`.
    pub mentions: Vec<String>,
    /// URL entities (including media URLs).
    pub urls: Vec<RuleUrl>,
    /// Attached media kinds.
    pub media: Vec<MediaKind>,
    /// For a retweet: the retweeted tweet's id, author id and author username.
    pub retweet_of: Option<(u64, u64, String)>,
    /// For a Quote Tweet: the quoted Post. X's filtered stream matches the content operators
    /// on the Quote Tweet's content **and** the quoted Post's (see [`RuleQuoted`]).
    pub quoted: Option<RuleQuoted>,
    /// Exact point `[lon, lat]`, when geotagged with coordinates.
    pub coordinates: Option<[f64; 2]>,
    /// Tagged place.
    pub place: Option<RulePlace>,
    /// Source client name (e.g. `Twitter for iPhone`).
    pub source: Option<String>,
    /// Whether the tweet is a nullcast Post: created for promotion only, not shown in
    /// timelines (X's `scopes.followers` is `false`). `-is:nullcast` excludes it.
    pub nullcast: bool,
    /// Author's followers count (`public_metrics.followers_count`), for `followers_count:`
    /// and `min_followers:`; `None` (unknown) never matches.
    pub author_followers_count: Option<u64>,
    /// Author's following count (`public_metrics.following_count`), for `following_count:`
    /// (alias `friends_count:`); `None` never matches.
    pub author_following_count: Option<u64>,
    /// Author's Post count (`public_metrics.tweet_count`), for `tweets_count:` (alias
    /// `statuses_count:`); `None` never matches.
    pub author_tweet_count: Option<u64>,
    /// Number of lists the author is on (`public_metrics.listed_count`), for `listed_count:`
    /// (alias `user_in_lists_count:`); `None` never matches.
    pub author_listed_count: Option<u64>,
}
