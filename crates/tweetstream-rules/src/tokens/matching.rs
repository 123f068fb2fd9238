//! Matching rule-side [`Pattern`]s against a Post's [`Tokens`]: phrases and proximity.

use super::{tokenize, PTok, Pattern, Tokens};

/// The lower-cased non-punctuation tokens of `text`, as X's keyword matching sees them.
///
/// Useful to preview how a Post body or a keyword is tokenised: `"I like Coca-Cola!"` gives
/// `["i", "like", "coca", "cola"]`.
pub fn keyword_tokens(text: &str) -> Vec<String> {
    let t = tokenize(text);
    t.words
        .iter()
        .filter_map(|&i| t.toks.get(i))
        .map(|tok| t.slice(*tok).to_string())
        .collect()
}

impl Tokens {
    fn tok_eq(&self, k: usize, p: &PTok) -> bool {
        match self.toks.get(k) {
            Some(tok) => tok.punct == p.punct && self.slice(*tok) == p.text,
            None => false,
        }
    }

    /// Phrase match: `pat` must appear as consecutive tokens, except that punctuation tokens of
    /// the text that the pattern does not ask for may be skipped between pattern tokens.
    pub(crate) fn phrase(&self, pat: &Pattern) -> bool {
        let Some(first) = pat.toks.first() else {
            return false;
        };
        let n = self.toks.len();
        for start in 0..n {
            if !self.tok_eq(start, first) {
                continue;
            }
            let (mut j, mut k) = (1, start + 1);
            let ok = loop {
                let Some(p) = pat.toks.get(j) else {
                    break true;
                };
                if k >= n {
                    break false;
                }
                if self.tok_eq(k, p) {
                    j += 1;
                    k += 1;
                } else if self.toks.get(k).is_some_and(|t| t.punct) {
                    k += 1;
                } else {
                    break false;
                }
            };
            if ok {
                return true;
            }
        }
        false
    }

    /// Proximity match (Lucene-style slop): the pattern's words must all occur, at distinct
    /// positions, such that moving them into phrase order needs at most `slop` moves. In order,
    /// up to `slop` other words may sit between two keywords; in reverse order, `slop - 2`.
    pub(crate) fn near(&self, words: &[String], slop: usize) -> bool {
        if words.is_empty() {
            return false;
        }
        // positions (in the word sequence) of each rule word
        let mut pos: Vec<Vec<usize>> = Vec::with_capacity(words.len());
        for w in words {
            let p: Vec<usize> = self
                .words
                .iter()
                .enumerate()
                .filter(|(_, &ti)| self.toks.get(ti).is_some_and(|t| self.slice(*t) == w))
                .map(|(wi, _)| wi)
                .collect();
            if p.is_empty() {
                return false;
            }
            pos.push(p);
        }
        let slop = slop as i64;
        for (i, ps) in pos.iter().enumerate() {
            for &p in ps {
                let base = p as i64 - i as i64;
                if window_matches(&pos, base, slop) {
                    return true;
                }
            }
        }
        false
    }
}

/// Whether every term `i` can take a distinct position `p` with `base <= p - i <= base + slop`.
fn window_matches(pos: &[Vec<usize>], base: i64, slop: i64) -> bool {
    let allowed: Vec<Vec<usize>> = pos
        .iter()
        .enumerate()
        .map(|(i, ps)| {
            ps.iter()
                .copied()
                .filter(|&p| {
                    let q = p as i64 - i as i64;
                    q >= base && q <= base + slop
                })
                .collect()
        })
        .collect();
    if allowed.iter().any(Vec::is_empty) {
        return false;
    }
    // Bipartite matching terms -> positions (Kuhn); `owner` maps a position to its term.
    let mut owner: Vec<(usize, usize)> = Vec::new();
    for term in 0..allowed.len() {
        let mut seen: Vec<usize> = Vec::new();
        if !augment(term, &allowed, &mut owner, &mut seen) {
            return false;
        }
    }
    true
}

fn augment(
    term: usize,
    allowed: &[Vec<usize>],
    owner: &mut Vec<(usize, usize)>,
    seen: &mut Vec<usize>,
) -> bool {
    let Some(cands) = allowed.get(term) else {
        return false;
    };
    for &p in cands {
        if seen.contains(&p) {
            continue;
        }
        seen.push(p);
        match owner.iter().position(|&(pp, _)| pp == p) {
            None => {
                owner.push((p, term));
                return true;
            }
            Some(idx) => {
                let other = owner.get(idx).map(|&(_, t)| t).unwrap_or(term);
                if augment(other, allowed, owner, seen) {
                    if let Some(slot) = owner.get_mut(idx) {
                        *slot = (p, term);
                    }
                    return true;
                }
            }
        }
    }
    false
}
