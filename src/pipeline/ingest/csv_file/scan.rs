//! Cutting a plain line (no quote, no carriage return but its terminator's) into its cells in
//! one pass over its bytes.
//!
//! Nearly every line of an export is plain. The direct cut in [`super::simple_record`] found the
//! line's end with one scan and then each cell's end with a scan of its own: two passes over the
//! bytes, and a search set up again for every cell, 21 per line in the benchmark's export, most
//! of them shorter than 16 bytes. Here sixteen bytes at a time are compared with the four bytes
//! that matter at once (SSE2, which every x86-64 processor has), and the commas are read off the
//! bit mask. A line with a quote or a stray carriage return is left to the general cut.

use super::Cells;

/// Where a plain line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PlainLine {
    /// Length of its content (without the terminator).
    pub content: usize,
    /// Offset of the next line (past the terminator; the text's length for a last line
    /// without one).
    pub next: usize,
}

/// Cuts the line at the start of `rest` into `rec` if it is plain: no `"` and no `\r` except
/// one just before its `\n`. Cells are cut at every comma (a trailing comma ends with one more,
/// empty, cell; a blank line is one empty cell). `None`, with `rec` in any state, otherwise.
pub(super) fn plain_line(rest: &[u8], rec: &mut Cells) -> Option<PlainLine> {
    rec.clear();
    #[cfg(target_arch = "x86_64")]
    {
        sse2::plain_line(rest, rec)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        scalar(rest, 0, 0, rec)
    }
}

/// The same, a byte at a time from `from`, with the current cell starting at `start`.
fn scalar(rest: &[u8], from: usize, start: usize, rec: &mut Cells) -> Option<PlainLine> {
    let mut start = start;
    for (i, &b) in rest.iter().enumerate().skip(from) {
        match b {
            b',' => {
                rec.0.push_field(&rest[start..i]);
                start = i + 1;
            }
            b'"' | b'\r' | b'\n' => return end(rest, i, start, rec),
            _ => {}
        }
    }
    rec.0.push_field(&rest[start..]);
    Some(PlainLine {
        content: rest.len(),
        next: rest.len(),
    })
}

/// At `rest[at]`, the first byte after the last comma that is not an ordinary byte: the line's
/// end if it is a `\n` or a `\r\n`; `None` for a quote or a stray `\r`.
fn end(rest: &[u8], at: usize, start: usize, rec: &mut Cells) -> Option<PlainLine> {
    let next = match rest[at] {
        b'\n' => at + 1,
        b'\r' if rest.get(at + 1) == Some(&b'\n') => at + 2,
        _ => return None,
    };
    rec.0.push_field(&rest[start..at]);
    Some(PlainLine { content: at, next })
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };

    use super::{Cells, PlainLine};

    pub(super) fn plain_line(rest: &[u8], rec: &mut Cells) -> Option<PlainLine> {
        // SAFETY: SSE2 is part of x86-64, so the intrinsics are always available; every load
        // reads 16 bytes at `i` with `i + 16 <= rest.len()`.
        unsafe {
            let comma = _mm_set1_epi8(b',' as i8);
            let quote = _mm_set1_epi8(b'"' as i8);
            let cr = _mm_set1_epi8(b'\r' as i8);
            let lf = _mm_set1_epi8(b'\n' as i8);
            let mut start = 0;
            let mut i = 0;
            while i + 16 <= rest.len() {
                let v = _mm_loadu_si128(rest.as_ptr().add(i).cast::<__m128i>());
                let commas = _mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) as u32;
                let stops = _mm_movemask_epi8(_mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, cr)),
                    _mm_cmpeq_epi8(v, lf),
                )) as u32;
                // Only the commas before the first stop belong to this line.
                let before = if stops == 0 {
                    commas
                } else {
                    commas & ((1 << stops.trailing_zeros()) - 1)
                };
                let mut m = before;
                while m != 0 {
                    let k = i + m.trailing_zeros() as usize;
                    rec.0.push_field(&rest[start..k]);
                    start = k + 1;
                    m &= m - 1;
                }
                if stops != 0 {
                    return super::end(rest, i + stops.trailing_zeros() as usize, start, rec);
                }
                i += 16;
            }
            super::scalar(rest, i, start, rec)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str) -> Option<(PlainLine, Vec<String>)> {
        let mut rec = Cells::default();
        plain_line(text.as_bytes(), &mut rec).map(|p| (p, rec.iter().map(str::to_owned).collect()))
    }

    fn cut_scalar(text: &str) -> Option<(PlainLine, Vec<String>)> {
        let mut rec = Cells::default();
        scalar(text.as_bytes(), 0, 0, &mut rec)
            .map(|p| (p, rec.iter().map(str::to_owned).collect()))
    }

    #[test]
    fn plain_lines_are_cut_at_commas_and_others_left_alone() {
        let line = |content: usize, next: usize, cells: &[&str]| {
            Some((
                PlainLine { content, next },
                cells.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            ))
        };
        assert_eq!(cut("a,b\nc"), line(3, 4, &["a", "b"]));
        assert_eq!(cut("a,b\r\nc"), line(3, 5, &["a", "b"]));
        assert_eq!(cut("a,b,"), line(4, 4, &["a", "b", ""]));
        assert_eq!(cut("\n"), line(0, 1, &[""]));
        assert_eq!(cut(""), line(0, 0, &[""]));
        let long = "投诉编号,2025-01-01 00:01:49,,世茂云图,12号楼,\r\nnext";
        let cells = [
            "投诉编号",
            "2025-01-01 00:01:49",
            "",
            "世茂云图",
            "12号楼",
            "",
        ];
        assert_eq!(cut(long), line(long.len() - 6, long.len() - 4, &cells));
        for other in ["a,\"b\"\n", "a,b\rc\n", "0123456789abcdef,\"x\n", "a\r"] {
            assert_eq!(cut(other), None, "{other:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        /// Sixteen bytes at a time or one at a time, a line is cut the same, wherever its
        /// commas and stops fall against the blocks.
        #[test]
        fn the_block_cut_agrees_with_the_byte_cut(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "中", ",", ",,", "\"", "\n", "\r\n", "\r", "0123456789abcde", "报修内容",
                ]),
                0..40,
            )
        ) {
            let text = parts.concat();
            proptest::prop_assert_eq!(cut(&text), cut_scalar(&text), "{:?}", text);
        }
    }
}
