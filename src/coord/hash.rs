//! A small, fast, stable hash for names and ids (the rules hash every entry's id; SipHash
//! would cost more than reading the file).

use std::hash::{BuildHasherDefault, Hasher};

use super::parse::{parse_header, recipients};

/// An Fx-style hasher (multiply-rotate over 8-byte words), with the length mixed in.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, x: u64) {
        let h = (self.0.rotate_left(5) ^ x).wrapping_mul(K);
        self.0 = h ^ (h >> 29);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.add(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// For `HashMap`s keyed by names and hashes.
pub type Fx = BuildHasherDefault<FxHasher>;

/// Spread the bits (MurmurHash3's finalizer), so ids hash well even though Fx is simple.
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The hash of an id in its normalized form (see [`super::normalize_id`]): timestamp as
/// written, sender, recipients.
pub fn id_hash<'a>(time_text: &str, from: &str, to: impl Iterator<Item = &'a str>) -> u64 {
    let mut h = FxHasher::default();
    h.write(time_text.as_bytes());
    h.write_u8(0xff);
    h.write(from.as_bytes());
    for t in to {
        h.write_u8(0xfe);
        h.write(t.as_bytes());
    }
    fmix(h.finish())
}

/// The hash of the id a `Re:` value names, if it names one (a header's text, with or
/// without its `## `).
pub fn re_hash(re: &str) -> Option<u64> {
    let h = parse_header(strip_re(re)).ok()?;
    Some(id_hash(h.time_text, h.from, recipients(h.to_text)))
}

/// A `Re:` value as a header text: trimmed, a leading `## ` dropped.
pub fn strip_re(re: &str) -> &str {
    let t = re.trim();
    t.strip_prefix("## ").unwrap_or(t).trim_start()
}

/// Whether two ids (header texts) name the same entry once normalized (what the rules
/// decide by comparing [`id_hash`]es).
pub fn same_id(a: &str, b: &str) -> bool {
    match (parse_header(strip_re(a)), parse_header(strip_re(b))) {
        (Ok(x), Ok(y)) => {
            x.time_text == y.time_text
                && x.from == y.from
                && recipients(x.to_text).eq(recipients(y.to_text))
        }
        _ => false,
    }
}
