//! Splits a rule string into items: parentheses, `OR`, and (possibly negated) terms.

use crate::error::{Problem, RuleErrorKind};

/// How an operator value was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OpValue {
    /// `op:value`
    Bare(String),
    /// `op:"value"`
    Quoted(String),
    /// `op:[a b c]` (contents between the brackets)
    Bracket(String),
}

/// What a term looks like before it is interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawKind {
    /// An unquoted word: keyword, emoji, `#tag`, `@user`, `$cash`.
    Word(String),
    /// `"phrase"`, optionally `"phrase"~N` (N as written, saturated).
    Quoted {
        text: String,
        proximity: Option<u64>,
    },
    /// `name:value`
    Operator { name: String, value: OpValue },
}

/// A term with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawTerm {
    /// 1-based position of the term (of its `-` when negated).
    pub(crate) pos: usize,
    pub(crate) negated: bool,
    pub(crate) kind: RawKind,
    /// The term's text as written (with its `-`), for [`Rule`](crate::Rule)'s `Display`.
    pub(crate) src: String,
}

/// One lexical item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    LParen { pos: usize, negated: bool },
    RParen { pos: usize },
    Or { pos: usize },
    Term(RawTerm),
}

fn is_delim(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')' || c == '"'
}

struct Lexer<'a> {
    chars: &'a [char],
    i: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    /// Reads a quoted string starting at the opening quote; `\"` and `\\` are escapes.
    fn quoted(&mut self) -> Result<String, Problem> {
        let open = self.i;
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(Problem::new(
                        RuleErrorKind::UnbalancedQuotes,
                        "Unbalanced quotes: this '\"' is never closed".to_string(),
                        open + 1,
                    ))
                }
                Some('\\') if matches!(self.peek_at(1), Some('"') | Some('\\')) => {
                    if let Some(c) = self.peek_at(1) {
                        out.push(c);
                    }
                    self.i += 2;
                }
                Some('"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    /// Reads `[ ... ]` starting at the opening bracket; returns the contents.
    fn bracket(&mut self) -> Result<String, Problem> {
        let open = self.i;
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(Problem::new(
                        RuleErrorKind::UnbalancedBrackets,
                        "Unbalanced brackets: this '[' is never closed".to_string(),
                        open + 1,
                    ))
                }
                Some(']') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    /// Reads characters up to the next delimiter.
    fn bare(&mut self) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if is_delim(c) {
                break;
            }
            out.push(c);
            self.i += 1;
        }
        out
    }

    /// After a closing quote: `~N`.
    fn proximity(&mut self) -> Result<Option<u64>, Problem> {
        if self.peek() != Some('~') {
            return Ok(None);
        }
        let tilde = self.i;
        self.i += 1;
        let mut n: u64 = 0;
        let mut digits = 0usize;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            n = n.saturating_mul(10).saturating_add(u64::from(d));
            digits += 1;
            self.i += 1;
        }
        let followed_ok = ends_word(self.peek());
        if digits == 0 || !followed_ok {
            return Err(Problem::new(
                RuleErrorKind::Syntax,
                "Expected a whole number after '~' (proximity: \"kw1 kw2\"~N)".to_string(),
                tilde + 1,
            ));
        }
        Ok(Some(n))
    }
}

/// Whether a word may end before `c` (end of input or a delimiter).
fn ends_word(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => is_delim(c),
    }
}

/// Whether `name` may be an operator name (`[A-Za-z][A-Za-z_]*`).
fn is_op_name(name: &[char]) -> bool {
    match name.first() {
        Some(c) if c.is_ascii_alphabetic() => {
            name.iter().all(|c| c.is_ascii_alphabetic() || *c == '_')
        }
        _ => false,
    }
}

/// Split `chars` into items. Fails on unbalanced quotes/brackets, a bad `~N`, or `AND`.
pub(crate) fn lex(chars: &[char]) -> Result<Vec<Item>, Problem> {
    let mut lx = Lexer { chars, i: 0 };
    let mut items = Vec::new();
    while let Some(c) = lx.peek() {
        if c.is_whitespace() {
            lx.i += 1;
            continue;
        }
        let pos = lx.i + 1;
        if c == '(' {
            items.push(Item::LParen {
                pos,
                negated: false,
            });
            lx.i += 1;
            continue;
        }
        if c == ')' {
            items.push(Item::RParen { pos });
            lx.i += 1;
            continue;
        }
        let mut negated = false;
        if c == '-'
            && lx
                .peek_at(1)
                .is_some_and(|n| !n.is_whitespace() && n != ')')
        {
            negated = true;
            lx.i += 1;
        }
        match lx.peek() {
            Some('(') => {
                items.push(Item::LParen { pos, negated });
                lx.i += 1;
            }
            Some('"') => {
                let text = lx.quoted()?;
                let proximity = lx.proximity()?;
                items.push(Item::Term(RawTerm {
                    pos,
                    negated,
                    kind: RawKind::Quoted { text, proximity },
                    src: String::new(),
                }));
            }
            Some(_) => {
                let word_start = lx.i;
                // Scan a word; an operator name ends at the first ':'.
                let mut j = lx.i;
                let mut colon = None;
                while let Some(&ch) = chars.get(j) {
                    if is_delim(ch) {
                        break;
                    }
                    if ch == ':' {
                        colon = Some(j);
                        break;
                    }
                    j += 1;
                }
                let name = colon.and_then(|k| chars.get(word_start..k));
                match (colon, name) {
                    (Some(k), Some(name)) if is_op_name(name) => {
                        lx.i = k + 1;
                        let value = match lx.peek() {
                            Some('"') => OpValue::Quoted(lx.quoted()?),
                            Some('[') => {
                                let v = lx.bracket()?;
                                OpValue::Bracket(v)
                            }
                            _ => OpValue::Bare(lx.bare()),
                        };
                        items.push(Item::Term(RawTerm {
                            pos,
                            negated,
                            kind: RawKind::Operator {
                                name: name.iter().collect(),
                                value,
                            },
                            src: String::new(),
                        }));
                    }
                    _ => {
                        let word = lx.bare();
                        if !negated && word == "OR" {
                            items.push(Item::Or { pos });
                        } else if !negated && word == "AND" {
                            return Err(Problem::new(
                                RuleErrorKind::Syntax,
                                "Ambiguous use of and as a keyword. Use a space to logically join two clauses, or \"and\" to find occurrences of and in text".to_string(),
                                pos,
                            ));
                        } else {
                            items.push(Item::Term(RawTerm {
                                pos,
                                negated,
                                kind: RawKind::Word(word),
                                src: String::new(),
                            }));
                        }
                    }
                }
            }
            None => {}
        }
        if let Some(Item::Term(t)) = items.last_mut() {
            if t.pos == pos && t.src.is_empty() {
                t.src = chars
                    .get(pos - 1..lx.i)
                    .unwrap_or_default()
                    .iter()
                    .collect();
            }
        }
    }
    Ok(items)
}
