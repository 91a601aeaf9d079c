//! GBK encoding with a per-character cache.
//!
//! `encoding_rs::GBK.encode` is exact but, without encoding_rs's optional
//! `fast-gb-hanzi-encode` feature, slow for Han characters. The generated text
//! uses a few hundred distinct characters, so each is encoded once through
//! encoding_rs and then looked up in a flat table. The bytes are identical to
//! `encoding_rs::GBK.encode` of the whole text (a test checks this).

use std::io;

/// A caching GBK encoder that refuses (instead of replacing) characters GBK
/// cannot represent, so a bad character in the vocabulary is a loud error.
pub(crate) struct GbkEncoder {
    /// Indexed by BMP code point: 0 = not yet seen, else `len << 16 | bytes`.
    table: Vec<u32>,
}

impl GbkEncoder {
    pub(crate) fn new() -> Self {
        GbkEncoder {
            table: vec![0; 0x1_0000],
        }
    }

    fn lookup(&mut self, c: char) -> io::Result<u32> {
        let cp = c as u32;
        if cp > 0xFFFF {
            return Err(unmappable(c));
        }
        let slot = &mut self.table[cp as usize];
        if *slot == 0 {
            let mut buf = [0u8; 4];
            let (bytes, _, had_errors) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
            if had_errors || bytes.is_empty() || bytes.len() > 2 {
                return Err(unmappable(c));
            }
            let packed = if bytes.len() == 1 {
                bytes[0] as u32
            } else {
                ((bytes[0] as u32) << 8) | bytes[1] as u32
            };
            *slot = ((bytes.len() as u32) << 16) | packed;
        }
        Ok(*slot)
    }

    /// Appends the GBK bytes of `s` to `out`.
    pub(crate) fn encode_into(&mut self, s: &str, out: &mut Vec<u8>) -> io::Result<()> {
        out.reserve(s.len());
        for c in s.chars() {
            if c.is_ascii() {
                out.push(c as u8);
                continue;
            }
            let v = self.lookup(c)?;
            if v >> 16 == 1 {
                out.push(v as u8);
            } else {
                out.push((v >> 8) as u8);
                out.push(v as u8);
            }
        }
        Ok(())
    }
}

fn unmappable(c: char) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "sample generator produced U+{:04X} ({c}), which GBK cannot encode",
            c as u32
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_encoding_rs() {
        let s = "3棟電梯困人，請盡快處理 Ⅰ级 ＡＰＰ ３号楼 TS202610-00042 €";
        let mut enc = GbkEncoder::new();
        let mut out = Vec::new();
        enc.encode_into(s, &mut out).unwrap();
        let (want, _, err) = encoding_rs::GBK.encode(s);
        assert!(!err);
        assert_eq!(out, want.as_ref());
        assert!(enc.encode_into("😀", &mut Vec::new()).is_err());
    }
}
