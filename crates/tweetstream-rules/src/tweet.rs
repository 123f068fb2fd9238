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
    /// For a quote tweet: the quoted tweet's text (quote tweets match on it too).
    pub quoted_text: Option<String>,
    /// For a quote tweet: the quoted tweet's id.
    pub quoted_tweet_id: Option<u64>,
    /// Exact point `[lon, lat]`, when geotagged with coordinates.
    pub coordinates: Option<[f64; 2]>,
    /// Tagged place.
    pub place: Option<RulePlace>,
    /// Source client name (e.g. `Twitter for iPhone`).
    pub source: Option<String>,
    /// Whether the tweet is a nullcast (promoted-only) tweet.
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
