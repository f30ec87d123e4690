//! A line index over a text, built once in linear time, that turns byte
//! offsets into 1-based line and column (columns count characters, as people
//! and the rest of Lapis do).
//!
//! Minified workflow files are one line of many megabytes: counting the
//! characters from the start of the line for every position asked about is
//! quadratic there. The index keeps where each line starts and, every
//! [`BLOCK`] bytes, how many characters precede that point, so one lookup
//! costs a binary search plus at most `BLOCK` bytes of counting.

/// Distance in bytes between two character-count checkpoints.
const BLOCK: usize = 4096;

/// Byte offset → (line, column) for one text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset where each line starts (the first is 0).
    starts: Vec<usize>,
    /// `chars[k]` = number of characters in `text[..k * BLOCK]`.
    chars: Vec<usize>,
    /// Length of the indexed text. The index keeps no copy of the text (that
    /// would double the memory); [`LineIndex::line_col`] is given it again.
    len: usize,
}

/// Whether a byte starts a character (is not a UTF-8 continuation byte).
fn starts_char(b: u8) -> bool {
    !(0x80..=0xBF).contains(&b)
}

impl LineIndex {
    /// Scans the text once.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(memchr_all(bytes, b'\n').map(|i| i + 1));
        let mut chars = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let mut total = 0usize;
        chars.push(0);
        for block in bytes.chunks(BLOCK) {
            total += block.iter().filter(|&&b| starts_char(b)).count();
            chars.push(total);
        }
        LineIndex {
            starts,
            chars,
            len: bytes.len(),
        }
    }

    /// Number of lines (a text with no newline has one).
    pub fn lines(&self) -> usize {
        self.starts.len()
    }

    /// Characters in `text[..offset]`; `text` must be the indexed text.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let block = offset / BLOCK;
        let from = block * BLOCK;
        let base = self.chars.get(block).copied().unwrap_or(0);
        base + text.as_bytes()[from..offset]
            .iter()
            .filter(|&&b| starts_char(b))
            .count()
    }

    /// 1-based line and column of the byte `offset` in `text` (the text the
    /// index was built from). Offsets past the end give the end's position.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        debug_assert_eq!(text.len(), self.len, "the index belongs to another text");
        let offset = offset.min(self.len).min(text.len());
        // The last line starting at or before the offset.
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self.chars_before(text, offset) - self.chars_before(text, start) + 1;
        (line, column)
    }
}

/// Positions of every `needle` byte.
fn memchr_all(bytes: &[u8], needle: u8) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(move |(_, &b)| b == needle)
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The obvious quadratic answer, to compare with.
    fn naive(text: &str, offset: usize) -> (usize, usize) {
        let prefix = &text[..offset];
        let line = prefix.matches('\n').count() + 1;
        let col = prefix.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        (line, col)
    }

    #[test]
    fn agrees_with_counting_from_the_start() {
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(match i % 5 {
                0 => "ab",
                1 => "é",
                2 => "\n",
                3 => "漢字",
                _ => "😀x",
            });
        }
        let idx = LineIndex::new(&text);
        for (off, _) in text.char_indices().step_by(7).chain([(text.len(), ' ')]) {
            assert_eq!(idx.line_col(&text, off), naive(&text, off), "offset {off}");
        }
    }

    #[test]
    fn one_long_line() {
        let text = "é".repeat(10_000);
        let idx = LineIndex::new(&text);
        assert_eq!(idx.lines(), 1);
        assert_eq!(idx.line_col(&text, 2 * 9_000), (1, 9_001));
        assert_eq!(idx.line_col(&text, text.len() + 5), (1, 10_001));
    }
}
