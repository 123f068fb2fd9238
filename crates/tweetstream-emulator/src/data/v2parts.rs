//! Pieces of v2 payloads for the streams whose events embed tweets and users (likes, activity)
//! or speak of them (compliance, labels).

use super::json::W;
use super::model::UserRec;
use super::shape::Shape;
use super::source::{Source, Tweet};
use super::v2out::{write_tweet, write_user};

impl Source {
    /// User `i` (any index: taken modulo the user count), if the source has users.
    pub(crate) fn user(&self, i: u64) -> Option<&UserRec> {
        let users = &self.inner().corpus.users;
        users.get((i % users.len().max(1) as u64) as usize)
    }

    /// Append `u` as a v2 User object with the user fields of `shape`.
    pub(crate) fn write_user(&self, u: &UserRec, shape: &Shape, out: &mut Vec<u8>) {
        let mut w = W::new(&self.inner().ranks);
        write_user(&mut w, u, shape);
        w.finish().write(&self.inner().ren, 0, out);
    }
}

impl<'a> Tweet<'a> {
    /// The tweet's language (BCP 47), when known.
    pub fn lang(&self) -> Option<&'a str> {
        self.rec()?.lang.as_deref()
    }

    /// The tweet's text.
    pub(crate) fn text(&self) -> &'a str {
        self.rec().map_or("", |t| t.text.as_str())
    }

    /// The first hashtag of the text (without `#`).
    pub(crate) fn first_hashtag(&self) -> Option<&'a str> {
        Some(self.rec()?.entities.hashtags.first()?.tag.as_str())
    }

    /// The author, when the source knows the user.
    pub(crate) fn author(&self) -> Option<&'a UserRec> {
        self.inner().corpus.user(self.author_id())
    }

    /// Append the tweet as a v2 Tweet object (with the ids of its loop) and the tweet fields of
    /// `shape`.
    pub(crate) fn write_v2_object(&self, shape: &Shape, out: &mut Vec<u8>) {
        let Some(t) = self.rec() else { return };
        let inner = self.inner();
        let mut w = W::new(&inner.ranks);
        write_tweet(&mut w, t, shape);
        w.finish().write(&inner.ren, self.loop_index(), out);
    }
}
