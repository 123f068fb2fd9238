//! Recursive-descent parser (OR of ANDs of terms and groups) and the semantic checks.

use super::ast::{Leaf, Node, Pred};
use super::lexer::Item;
use super::operators::build_leaf;
use crate::error::{Problem, RuleErrorKind};

/// Deepest parenthesis nesting accepted (keeps recursion bounded on hostile input).
pub(crate) const MAX_DEPTH: usize = 64;

fn unclosed(pos: usize) -> Problem {
    Problem::new(
        RuleErrorKind::UnbalancedParens,
        "Unbalanced parentheses: this '(' is never closed".to_string(),
        pos,
    )
}

struct Parser {
    items: std::vec::IntoIter<Item>,
    peeked: Option<Item>,
    /// Position just past the end of the rule (for "unexpected end" messages).
    end_pos: usize,
    problems: Vec<Problem>,
}

impl Parser {
    fn peek(&mut self) -> Option<&Item> {
        if self.peeked.is_none() {
            self.peeked = self.items.next();
        }
        self.peeked.as_ref()
    }

    fn next(&mut self) -> Option<Item> {
        match self.peeked.take() {
            Some(it) => Some(it),
            None => self.items.next(),
        }
    }

    fn parse_or(&mut self, depth: usize) -> Result<Node, Problem> {
        let first = self.parse_and(depth)?;
        let pos = first.pos();
        let mut branches = vec![first];
        while let Some(Item::Or { .. }) = self.peek() {
            self.next();
            let b = self.parse_and(depth)?;
            branches.push(b);
        }
        if branches.len() == 1 {
            return Ok(branches.pop().unwrap_or(Node::And(Vec::new(), pos)));
        }
        let mut flat = Vec::with_capacity(branches.len());
        for b in branches {
            match b {
                Node::Or(inner, _) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        Ok(Node::Or(flat, pos))
    }

    fn parse_and(&mut self, depth: usize) -> Result<Node, Problem> {
        let mut items: Vec<Node> = Vec::new();
        loop {
            match self.peek() {
                None | Some(Item::RParen { .. }) | Some(Item::Or { .. }) => break,
                Some(Item::LParen { .. }) => {
                    let Some(Item::LParen { pos, negated }) = self.next() else {
                        break;
                    };
                    if negated {
                        return Err(Problem::new(
                            RuleErrorKind::NegatedGroup,
                            "Negating a parenthesised group is not supported: negate each term instead (write skiing -snow -day, not skiing -(snow OR day))".to_string(),
                            pos,
                        ));
                    }
                    if depth + 1 > MAX_DEPTH {
                        return Err(Problem::new(
                            RuleErrorKind::TooDeep { max: MAX_DEPTH },
                            format!(
                                "Parentheses are nested too deeply (more than {MAX_DEPTH} levels)"
                            ),
                            pos,
                        ));
                    }
                    match self.peek() {
                        Some(Item::RParen { .. }) => {
                            return Err(Problem::new(
                                RuleErrorKind::Syntax,
                                "Empty parentheses".to_string(),
                                pos,
                            ))
                        }
                        None => return Err(unclosed(pos)),
                        _ => {}
                    }
                    let inner = self.parse_or(depth + 1)?;
                    match self.next() {
                        Some(Item::RParen { .. }) => {}
                        _ => return Err(unclosed(pos)),
                    }
                    match inner {
                        Node::And(v, _) => items.extend(v),
                        other => items.push(other),
                    }
                }
                Some(Item::Term(_)) => {
                    let Some(Item::Term(t)) = self.next() else {
                        break;
                    };
                    let leaf = build_leaf(t, &mut self.problems);
                    items.push(Node::Leaf(leaf));
                }
            }
        }
        if items.is_empty() {
            return Err(match self.peek() {
                Some(Item::Or { pos }) => Problem::new(
                    RuleErrorKind::Syntax,
                    "Unexpected OR: OR must stand between two clauses".to_string(),
                    *pos,
                ),
                Some(Item::RParen { pos }) => Problem::new(
                    RuleErrorKind::Syntax,
                    "Unexpected ')': no clause before it".to_string(),
                    *pos,
                ),
                _ => Problem::new(
                    RuleErrorKind::Syntax,
                    "Unexpected end of rule: a clause is missing after OR".to_string(),
                    self.end_pos,
                ),
            });
        }
        if items.len() == 1 {
            if let Some(only) = items.pop() {
                return Ok(only);
            }
        }
        let pos = items.iter().map(Node::pos).min().unwrap_or(1);
        Ok(Node::And(items, pos))
    }
}

/// Parse lexed items; returns the tree and the non-fatal problems found in terms.
pub(crate) fn parse(items: Vec<Item>, end_pos: usize) -> Result<(Node, Vec<Problem>), Problem> {
    let mut p = Parser {
        items: items.into_iter(),
        peeked: None,
        end_pos,
        problems: Vec::new(),
    };
    let root = p.parse_or(0)?;
    if let Some(Item::RParen { pos }) = p.peek() {
        let pos = *pos;
        return Err(Problem::new(
            RuleErrorKind::UnbalancedParens,
            "Unbalanced parentheses: ')' has no matching '('".to_string(),
            pos,
        ));
    }
    Ok((root, p.problems))
}

/// If the node has no non-negated term where one is required, the position to blame.
/// AND needs one positive conjunct; OR needs every branch to have one.
fn negation_only(node: &Node) -> Option<usize> {
    match node {
        Node::Leaf(l) => l.negated.then_some(l.pos),
        Node::And(items, pos) => items
            .iter()
            .all(|n| negation_only(n).is_some())
            .then_some(*pos),
        Node::Or(items, _) => items.iter().find_map(negation_only),
    }
}

/// If the node has no positive standalone operator where one is required, the first
/// positive conjunction-required leaf to blame.
fn not_standalone(node: &Node) -> Option<&Leaf> {
    match node {
        Node::Leaf(l) => (l.negated || !l.standalone).then_some(l),
        Node::And(items, _) => {
            let blames: Vec<&Leaf> = items.iter().map(not_standalone).collect::<Option<_>>()?;
            blames
                .iter()
                .find(|l| !l.negated)
                .or(blames.first())
                .copied()
        }
        Node::Or(items, _) => items.iter().find_map(not_standalone),
    }
}

/// Structural checks X applies to a whole rule.
pub(crate) fn check(root: &Node) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Some(pos) = negation_only(root) {
        out.push(Problem::new(
            RuleErrorKind::OnlyNegated,
            "Rules must contain a non-negation term".to_string(),
            pos,
        ));
        out.push(Problem::new(
            RuleErrorKind::OnlyNegated,
            "Rules must contain at least one positive, non-stopword clause".to_string(),
            pos,
        ));
        return out;
    }
    if let Some(leaf) = not_standalone(root) {
        let msg = match leaf.family {
            "is:" | "has:" | "lang:" => {
                "is/has/lang cannot be used as a standalone operator".to_string()
            }
            f => format!("{f} cannot be used as a standalone operator"),
        };
        let operator = leaf.family.to_string();
        out.push(Problem::new(
            RuleErrorKind::NotStandalone { operator },
            msg,
            leaf.pos,
        ));
    }
    out
}

/// The smallest `sample:` percentage of the rule, if any (sampling applies to the whole rule).
pub(crate) fn sample_of(node: &Node) -> Option<u8> {
    match node {
        Node::Leaf(Leaf {
            pred: Pred::Sample(n),
            negated: false,
            ..
        }) => Some(*n),
        Node::Leaf(_) => None,
        Node::And(items, _) | Node::Or(items, _) => items.iter().filter_map(sample_of).min(),
    }
}
