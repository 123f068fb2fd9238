//! The generator's randomness, fixed by contract: the ChaCha8 stream of `rand_chacha` (whose
//! output for a given key is part of that crate's stability promise, unlike `rand::rngs::StdRng`)
//! and sampling written here (rand's `gen_range` algorithms may change between rand versions).
//! Same seed, same numbers, whatever the versions of rand.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A seeded random number generator.
pub(super) struct Prng(ChaCha8Rng);

/// SplitMix64: expands the 64-bit seed into the 256-bit ChaCha key.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Prng {
    pub(super) fn new(seed: u64) -> Prng {
        let mut key = [0u8; 32];
        let mut state = seed;
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        }
        Prng(ChaCha8Rng::from_seed(key))
    }

    /// Uniform in `0..n` (0 when `n` is 0), without modulo bias.
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Accept the largest multiple of n values; 2^64 mod n = (2^64 - n) mod n.
        let zone = u64::MAX - n.wrapping_neg() % n;
        loop {
            let x = self.0.next_u64();
            if x <= zone {
                return x % n;
            }
        }
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A value of `range` (an empty range gives its start).
    pub(super) fn gen_range<T, R: SampleRange<T>>(&mut self, range: R) -> T {
        range.sample(self)
    }

    /// `true` with probability `p` (clamped to 0–1).
    pub(super) fn gen_bool(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// A range [`Prng::gen_range`] can sample.
pub(super) trait SampleRange<T> {
    fn sample(self, rng: &mut Prng) -> T;
}

/// The integer types ranges of which can be sampled (two's complement arithmetic via `u64`).
pub(super) trait Int: Copy + PartialOrd {
    fn to_u64(self) -> u64;
    fn from_u64(x: u64) -> Self;
}

macro_rules! int {
    ($($t:ty),*) => {$(
        impl Int for $t {
            fn to_u64(self) -> u64 {
                self as u64
            }
            fn from_u64(x: u64) -> Self {
                x as $t
            }
        }
    )*};
}

int!(i32, u32, i64, u64, usize);

impl<T: Int> SampleRange<T> for std::ops::Range<T> {
    fn sample(self, rng: &mut Prng) -> T {
        if self.end <= self.start {
            return self.start;
        }
        let (s, e) = (self.start.to_u64(), self.end.to_u64());
        T::from_u64(s.wrapping_add(rng.below(e.wrapping_sub(s))))
    }
}

impl<T: Int> SampleRange<T> for std::ops::RangeInclusive<T> {
    fn sample(self, rng: &mut Prng) -> T {
        let (start, end) = self.into_inner();
        if end < start {
            return start;
        }
        let (s, e) = (start.to_u64(), end.to_u64());
        let span = e.wrapping_sub(s).wrapping_add(1);
        let off = if span == 0 {
            rng.0.next_u64()
        } else {
            rng.below(span)
        };
        T::from_u64(s.wrapping_add(off))
    }
}

impl SampleRange<f64> for std::ops::Range<f64> {
    fn sample(self, rng: &mut Prng) -> f64 {
        if self.end.partial_cmp(&self.start) != Some(std::cmp::Ordering::Greater) {
            return self.start;
        }
        self.start + rng.unit() * (self.end - self.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_stream_and_ranges() {
        let mut a = Prng::new(7);
        let mut b = Prng::new(7);
        let xs: Vec<u64> = (0..100).map(|_| a.gen_range(0u64..1000)).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.gen_range(0u64..1000)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|&x| x < 1000));
        let mut c = Prng::new(8);
        assert_ne!(
            xs,
            (0..100)
                .map(|_| c.gen_range(0u64..1000))
                .collect::<Vec<_>>()
        );
        for _ in 0..1000 {
            let v = a.gen_range(2..=4);
            assert!((2..=4).contains(&v));
            let f = a.gen_range(0.5..17.0);
            assert!((0.5..17.0).contains(&f));
            let n = a.gen_range(-5i64..5);
            assert!((-5..5).contains(&n));
        }
        assert_eq!(a.gen_range(5u64..5), 5);
        assert!(!a.gen_bool(0.0) && a.gen_bool(1.0));
    }

    /// The stream is pinned: a change here changes every synthetic corpus.
    #[test]
    fn pinned_values() {
        let mut r = Prng::new(0);
        let v: Vec<u64> = (0..4).map(|_| r.gen_range(0u64..1_000_000)).collect();
        assert_eq!(v, PINNED);
    }

    const PINNED: [u64; 4] = [289_832, 796_865, 364_166, 487_631];
}
