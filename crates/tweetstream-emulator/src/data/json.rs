//! Compact JSON writing with tweet-id slots.
//!
//! A [`Template`] is the bytes of a rendered JSON document with "holes" where a tweet id of the
//! corpus goes. Rendering the same base tweet in another loop only copies the byte segments and
//! writes the renumbered ids into the holes.

use std::collections::HashMap;

use serde_json::Value;

use super::ids::Renumber;

/// Append the decimal digits of `n`.
pub(crate) fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    while i > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(i..).unwrap_or_default());
}

/// Append `s` as a JSON string literal (quotes included).
pub(crate) fn push_json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => {
                out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

/// A hole in a [`Template`]: the renumbered form of `orig` goes at byte `pos`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pos: usize,
    orig: u64,
    rank: u32,
}

/// Rendered bytes plus id holes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Template {
    bytes: Vec<u8>,
    slots: Vec<Slot>,
}

impl Template {
    /// Append the template with the ids of loop `lp`.
    pub(crate) fn write(&self, ren: &Renumber, lp: u64, out: &mut Vec<u8>) {
        let mut prev = 0;
        for s in &self.slots {
            out.extend_from_slice(self.bytes.get(prev..s.pos).unwrap_or_default());
            push_u64(out, ren.map(s.orig, s.rank, lp));
            prev = s.pos;
        }
        out.extend_from_slice(self.bytes.get(prev..).unwrap_or_default());
    }

    /// Upper bound of the rendered length (ids are at most 20 digits).
    pub(crate) fn len_hint(&self) -> usize {
        self.bytes.len() + 20 * self.slots.len()
    }
}

/// A streaming JSON writer producing a [`Template`].
///
/// Commas are inserted automatically: call [`W::key`] before each object member and
/// [`W::item`] before each array element.
pub(crate) struct W<'a> {
    t: Template,
    stack: Vec<bool>,
    ranks: &'a HashMap<u64, u32>,
}

impl<'a> W<'a> {
    pub(crate) fn new(ranks: &'a HashMap<u64, u32>) -> Self {
        W {
            t: Template::default(),
            stack: Vec::with_capacity(8),
            ranks,
        }
    }

    pub(crate) fn finish(self) -> Template {
        self.t
    }

    /// Raw bytes (caller guarantees they are valid JSON in context).
    pub(crate) fn raw(&mut self, b: &[u8]) {
        self.t.bytes.extend_from_slice(b);
    }

    fn sep(&mut self) {
        if let Some(top) = self.stack.last_mut() {
            if *top {
                self.t.bytes.push(b',');
            }
            *top = true;
        }
    }

    pub(crate) fn begin_obj(&mut self) {
        self.t.bytes.push(b'{');
        self.stack.push(false);
    }

    pub(crate) fn end_obj(&mut self) {
        self.stack.pop();
        self.t.bytes.push(b'}');
    }

    pub(crate) fn begin_arr(&mut self) {
        self.t.bytes.push(b'[');
        self.stack.push(false);
    }

    pub(crate) fn end_arr(&mut self) {
        self.stack.pop();
        self.t.bytes.push(b']');
    }

    /// Start an object member.
    pub(crate) fn key(&mut self, k: &str) {
        self.sep();
        push_json_str(&mut self.t.bytes, k);
        self.t.bytes.push(b':');
    }

    /// Start an array element.
    pub(crate) fn item(&mut self) {
        self.sep();
    }

    pub(crate) fn str(&mut self, s: &str) {
        push_json_str(&mut self.t.bytes, s);
    }

    pub(crate) fn u64(&mut self, n: u64) {
        push_u64(&mut self.t.bytes, n);
    }

    /// A finite float (non-finite values are written as 0).
    pub(crate) fn f64(&mut self, x: f64) {
        let x = if x.is_finite() { x } else { 0.0 };
        if serde_json::to_writer(&mut self.t.bytes, &x).is_err() {
            self.t.bytes.push(b'0');
        }
    }

    pub(crate) fn bool(&mut self, b: bool) {
        self.t
            .bytes
            .extend_from_slice(if b { b"true" } else { b"false" });
    }

    fn slot(&mut self, id: u64) -> bool {
        match self.ranks.get(&id) {
            Some(&rank) => {
                self.t.slots.push(Slot {
                    pos: self.t.bytes.len(),
                    orig: id,
                    rank,
                });
                true
            }
            None => false,
        }
    }

    /// A tweet id as a JSON string; renumbered per loop when the tweet is in the corpus.
    pub(crate) fn tid_str(&mut self, id: u64) {
        self.t.bytes.push(b'"');
        if !self.slot(id) {
            push_u64(&mut self.t.bytes, id);
        }
        self.t.bytes.push(b'"');
    }

    /// A tweet id as a JSON number; renumbered per loop when the tweet is in the corpus.
    pub(crate) fn tid_num(&mut self, id: u64) {
        if !self.slot(id) {
            push_u64(&mut self.t.bytes, id);
        }
    }

    /// Any JSON value, verbatim.
    pub(crate) fn value(&mut self, v: &Value) {
        if serde_json::to_writer(&mut self.t.bytes, v).is_err() {
            self.t.bytes.extend_from_slice(b"null");
        }
    }

    // Convenience members.

    pub(crate) fn kv_str(&mut self, k: &str, v: &str) {
        self.key(k);
        self.str(v);
    }

    pub(crate) fn kv_u64(&mut self, k: &str, v: u64) {
        self.key(k);
        self.u64(v);
    }

    pub(crate) fn kv_bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.bool(v);
    }

    pub(crate) fn kv_value(&mut self, k: &str, v: &Value) {
        self.key(k);
        self.value(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings() {
        let mut v = Vec::new();
        push_u64(&mut v, 0);
        v.push(b' ');
        push_u64(&mut v, u64::MAX);
        assert_eq!(v, b"0 18446744073709551615");
        let mut s = Vec::new();
        push_json_str(&mut s, "a\"b\\c\n\u{1}é😀\r");
        let back: String = serde_json::from_slice(&s).unwrap();
        assert_eq!(back, "a\"b\\c\n\u{1}é😀\r");
    }

    #[test]
    fn template_slots() {
        let mut ranks = HashMap::new();
        ranks.insert(100u64, 0u32);
        let ren = Renumber::new(&[100]);
        let mut w = W::new(&ranks);
        w.begin_obj();
        w.key("id");
        w.tid_str(100);
        w.key("other");
        w.tid_num(7);
        w.key("n");
        w.tid_num(100);
        w.end_obj();
        let t = w.finish();
        let mut out = Vec::new();
        t.write(&ren, 0, &mut out);
        assert_eq!(out, br#"{"id":"100","other":7,"n":100}"#);
        out.clear();
        t.write(&ren, 2, &mut out);
        assert_eq!(out, br#"{"id":"102","other":7,"n":102}"#);
    }
}
