//! X-style tokenisation, shared by keyword, phrase, proximity, URL and profile matching.
//!
//! Text is split on whitespace, punctuation and symbols; letters, digits, `_` and combining
//! marks (so accented letters, decomposed or not) stay inside a token. Each emoji (with its
//! skin-tone modifiers, ZWJ sequence or flag pair) is a token of its own; each Han / kana
//! character is a token of its own, so a CJK keyword matches as a sequence of characters.
//! Variation selectors (U+FE0E, U+FE0F) are dropped, so `❤` and `❤️` are the same token.
//! Tokens are lower-cased (full Unicode lower-casing, no accent folding).
//!
//! Punctuation and other symbols are kept as one-character *punctuation tokens*: keyword
//! matching ignores them, quoted phrases and `url:` values match them.
//!
//! The parser tokenises keywords and phrases into [`Pattern`]s; matching them against a Post's
//! [`Tokens`] is in [`matching`] (feature `eval`).

#[cfg(feature = "eval")]
mod matching;

#[cfg(feature = "eval")]
pub use matching::keyword_tokens;

/// One token: a byte range of [`Tokens::buf`] plus whether it is a punctuation token.
#[derive(Debug, Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
    punct: bool,
}

/// A tokenised text: one lower-cased buffer and the token ranges inside it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tokens {
    buf: String,
    toks: Vec<Tok>,
    /// Indices (into `toks`) of the non-punctuation tokens, in order.
    #[cfg_attr(not(feature = "eval"), allow(dead_code))]
    words: Vec<usize>,
}

/// One token of a rule-side pattern (already lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PTok {
    pub(crate) text: String,
    pub(crate) punct: bool,
}

/// A rule-side token sequence: a keyword (punctuation dropped) or a quoted phrase
/// (punctuation kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    pub(crate) toks: Vec<PTok>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Ignore,
    Space,
    Zwj,
    Tag,
    Mark,
    Emoji,
    Cjk,
    Word,
    Punct,
}

fn is_mark(u: u32) -> bool {
    matches!(u,
        0x0300..=0x036F
        | 0x0483..=0x0489
        | 0x0591..=0x05BD
        | 0x05BF
        | 0x05C1..=0x05C2
        | 0x05C4..=0x05C5
        | 0x05C7
        | 0x0610..=0x061A
        | 0x064B..=0x065F
        | 0x0670
        | 0x06D6..=0x06DC
        | 0x06DF..=0x06E4
        | 0x06E7..=0x06E8
        | 0x06EA..=0x06ED
        | 0x0730..=0x074A
        | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF
        | 0x200C
        | 0x20D0..=0x20FF
        | 0x302A..=0x302F
        | 0x3099..=0x309A
        | 0xFE20..=0xFE2F)
}

/// Characters of scripts whose words contain non-alphabetic signs (viramas, vowel signs...).
fn is_complex_script_word_char(u: u32) -> bool {
    match u {
        0x0964 | 0x0965 | 0x0970 | 0x0DF4 => false, // dandas, abbreviation signs
        0x0900..=0x0DFF => true,                    // Indic scripts
        0x0E3F | 0x0E4F | 0x0E5A | 0x0E5B => false, // Thai baht sign, punctuation
        0x0E00..=0x0EFF => true,                    // Thai, Lao
        0x104A..=0x104F => false,                   // Myanmar punctuation
        0x1000..=0x109F => true,                    // Myanmar
        0x17D4..=0x17DA => false,                   // Khmer punctuation
        0x1780..=0x17FF => true,                    // Khmer
        _ => false,
    }
}

fn is_emoji(u: u32) -> bool {
    matches!(u,
        0x1F000..=0x1FAFF
        | 0x2600..=0x27BF
        | 0x2300..=0x23FF
        | 0x2B00..=0x2BFF
        | 0x2190..=0x21FF
        | 0x2900..=0x297F
        | 0x25A0..=0x25FF
        | 0x3030
        | 0x303D
        | 0x3297
        | 0x3299
        | 0x00A9
        | 0x00AE
        | 0x203C
        | 0x2049
        | 0x2122
        | 0x2139
        | 0x24C2)
}

fn is_emoji_modifier(u: u32) -> bool {
    (0x1F3FB..=0x1F3FF).contains(&u)
}

fn is_regional_indicator(u: u32) -> bool {
    (0x1F1E6..=0x1F1FF).contains(&u)
}

fn is_cjk(u: u32) -> bool {
    matches!(u,
        0x3040..=0x30FF
        | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xF900..=0xFAFF
        | 0xFF66..=0xFF9F
        | 0x20000..=0x2FA1F)
}

fn classify(c: char) -> Class {
    let u = c as u32;
    match u {
        0xFE0E | 0xFE0F => return Class::Ignore,
        0x200D => return Class::Zwj,
        0x200B | 0x2060 | 0xFEFF => return Class::Space,
        _ => {}
    }
    if c.is_whitespace() {
        Class::Space
    } else if (0xE0020..=0xE007F).contains(&u) {
        Class::Tag
    } else if is_mark(u) {
        Class::Mark
    } else if is_emoji(u) {
        Class::Emoji
    } else if is_cjk(u) {
        Class::Cjk
    } else if c.is_alphanumeric() || c == '_' || is_complex_script_word_char(u) {
        Class::Word
    } else {
        Class::Punct
    }
}

/// Whether `c` may appear inside a hashtag or other "word" (letters, digits, `_`, marks).
pub(crate) fn is_word_char(c: char) -> bool {
    matches!(classify(c), Class::Word | Class::Mark | Class::Cjk)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cur {
    None,
    Word,
    Emoji { ri_open: bool, zwj: bool },
}

struct Builder {
    t: Tokens,
    cur: Cur,
    start: usize,
}

impl Builder {
    fn close(&mut self) {
        if self.cur != Cur::None {
            let idx = self.t.toks.len();
            self.t.toks.push(Tok {
                start: self.start,
                end: self.t.buf.len(),
                punct: false,
            });
            self.t.words.push(idx);
            self.cur = Cur::None;
        }
    }

    fn begin(&mut self, cur: Cur) {
        self.close();
        self.cur = cur;
        self.start = self.t.buf.len();
    }

    fn push_lower(&mut self, c: char) {
        for l in c.to_lowercase() {
            self.t.buf.push(l);
        }
    }

    fn single(&mut self, c: char, punct: bool) {
        self.close();
        let start = self.t.buf.len();
        self.push_lower(c);
        let idx = self.t.toks.len();
        self.t.toks.push(Tok {
            start,
            end: self.t.buf.len(),
            punct,
        });
        if !punct {
            self.t.words.push(idx);
        }
    }
}

/// Tokenise `s` the way X tokenises a Post body (see the module documentation).
pub(crate) fn tokenize(s: &str) -> Tokens {
    let mut b = Builder {
        t: Tokens {
            buf: String::with_capacity(s.len()),
            toks: Vec::new(),
            words: Vec::new(),
        },
        cur: Cur::None,
        start: 0,
    };
    for c in s.chars() {
        let class = classify(c);
        if class == Class::Ignore {
            continue;
        }
        // A pending ZWJ only joins an emoji to the emoji token before it.
        if let Cur::Emoji { zwj: true, ri_open } = b.cur {
            if class != Class::Emoji {
                b.cur = Cur::Emoji {
                    zwj: false,
                    ri_open,
                };
            }
        }
        match class {
            Class::Ignore => {}
            Class::Space => b.close(),
            Class::Zwj => match b.cur {
                Cur::Word => b.t.buf.push(c),
                Cur::Emoji { .. } => {
                    b.cur = Cur::Emoji {
                        ri_open: false,
                        zwj: true,
                    }
                }
                Cur::None => {}
            },
            Class::Tag => {
                if let Cur::Emoji { .. } = b.cur {
                    b.t.buf.push(c);
                }
            }
            Class::Mark => {
                if b.cur == Cur::None {
                    b.begin(Cur::Word);
                }
                b.t.buf.push(c);
            }
            Class::Emoji => {
                let u = c as u32;
                match b.cur {
                    Cur::Emoji { zwj: true, .. } => {
                        b.t.buf.push('\u{200D}');
                        b.t.buf.push(c);
                        b.cur = Cur::Emoji {
                            ri_open: false,
                            zwj: false,
                        };
                    }
                    Cur::Emoji { ri_open: true, .. } if is_regional_indicator(u) => {
                        b.t.buf.push(c);
                        b.cur = Cur::Emoji {
                            ri_open: false,
                            zwj: false,
                        };
                    }
                    Cur::Emoji { .. } if is_emoji_modifier(u) => b.t.buf.push(c),
                    _ => {
                        b.begin(Cur::Emoji {
                            ri_open: is_regional_indicator(u),
                            zwj: false,
                        });
                        b.t.buf.push(c);
                    }
                }
            }
            Class::Cjk => b.single(c, false),
            Class::Word => {
                if b.cur != Cur::Word {
                    b.begin(Cur::Word);
                }
                b.push_lower(c);
            }
            Class::Punct => b.single(c, true),
        }
    }
    b.close();
    b.t
}

impl Tokens {
    fn slice(&self, tok: Tok) -> &str {
        self.buf.get(tok.start..tok.end).unwrap_or("")
    }
}

impl Pattern {
    /// Tokenise a rule-side string; `keep_punct` keeps punctuation tokens (quoted phrases).
    pub(crate) fn new(s: &str, keep_punct: bool) -> Pattern {
        let t = tokenize(s);
        let toks = t
            .toks
            .iter()
            .filter(|tok| keep_punct || !tok.punct)
            .map(|tok| PTok {
                text: t.slice(*tok).to_string(),
                punct: tok.punct,
            })
            .collect();
        Pattern { toks }
    }

    /// Whether the pattern has no tokens at all.
    pub(crate) fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }

    /// Whether the pattern has at least one non-punctuation token.
    pub(crate) fn has_word(&self) -> bool {
        self.toks.iter().any(|t| !t.punct)
    }

    /// The non-punctuation tokens.
    pub(crate) fn words(&self) -> Vec<String> {
        self.toks
            .iter()
            .filter(|t| !t.punct)
            .map(|t| t.text.clone())
            .collect()
    }
}
