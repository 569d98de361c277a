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
            self.add(short_word(rest));
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

/// 1 to 7 bytes as a little-endian word, zero-extended, without a call to `memcpy`
/// (overlapping loads).
#[inline]
pub(crate) fn short_word(r: &[u8]) -> u64 {
    let n = r.len();
    if n >= 4 {
        let lo = u64::from(u32::from_le_bytes([r[0], r[1], r[2], r[3]]));
        let hi = u64::from(u32::from_le_bytes([r[n - 4], r[n - 3], r[n - 2], r[n - 1]]));
        lo | (hi << ((n - 4) * 8))
    } else {
        let (a, b, c) = (u64::from(r[0]), u64::from(r[n / 2]), u64::from(r[n - 1]));
        a | (b << (n / 2 * 8)) | (c << ((n - 1) * 8))
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
    id_hash_of(time_text, name_hash(from), to.map(name_hash))
}

/// A name's part in [`id_hash`] (computed once per name by who reads many entries).
pub fn name_hash(name: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(name.as_bytes());
    h.finish()
}

/// [`id_hash`] from the timestamp and the names' [`name_hash`]es.
pub fn id_hash_of(time_text: &str, from: u64, to: impl Iterator<Item = u64>) -> u64 {
    let mut h = FxHasher::default();
    h.write(time_text.as_bytes());
    h.write_u8(0xff);
    h.write_u64(from);
    for t in to {
        h.write_u8(0xfe);
        h.write_u64(t);
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
    let t = super::parse::trim(re);
    super::parse::trim_start(t.strip_prefix("## ").unwrap_or(t))
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

#[cfg(test)]
mod tests {
    use super::short_word;

    #[test]
    fn short_words_are_the_bytes_zero_extended() {
        let bytes = [0x11u8, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77];
        for n in 1..=7 {
            let mut w = [0u8; 8];
            w[..n].copy_from_slice(&bytes[..n]);
            assert_eq!(short_word(&bytes[..n]), u64::from_le_bytes(w), "{n} bytes");
        }
    }
}
