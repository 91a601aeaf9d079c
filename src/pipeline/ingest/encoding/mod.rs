//! Text encodings of CSV exports. Chinese exports arrive as UTF-8 (with or without a BOM, the
//! BOM being what Excel writes for "CSV UTF-8"), as GBK/GB18030 (what Excel on Chinese Windows
//! writes for plain "CSV"), and occasionally as UTF-16 with a BOM ("Unicode text").

use std::path::Path;

use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};

use crate::config::EncodingChoice;
use crate::error::{Error, Result};

/// A decoded file.
pub struct Decoded {
    /// The text, BOM removed.
    pub text: String,
    /// What was read: `utf-8`, `utf-8-bom`, `utf-16le`, `utf-16be` or `gb18030`.
    pub encoding: &'static str,
    /// True when some bytes were invalid and replaced by U+FFFD (those records are rejected).
    pub had_errors: bool,
}

/// Decodes a CSV file's bytes. With `Auto`: a BOM decides; else valid UTF-8 is UTF-8; else
/// GB18030 if the whole file is valid GB18030; else UTF-8 with the bad bytes replaced (and the
/// records holding them rejected).
pub fn decode(path: &Path, mut bytes: Vec<u8>, choice: EncodingChoice) -> Result<Decoded> {
    // UTF-8 is taken over in place: an export of hundreds of megabytes is validated, not copied.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
        return Ok(utf8(bytes, "utf-8-bom"));
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let enc = if bytes[0] == 0xFF { UTF_16LE } else { UTF_16BE };
        let (text, _, had_errors) = enc.decode(&bytes);
        return Ok(Decoded {
            text: text.into_owned(),
            encoding: if bytes[0] == 0xFF {
                "utf-16le"
            } else {
                "utf-16be"
            },
            had_errors,
        });
    }
    match choice {
        EncodingChoice::Utf8 => Ok(utf8(bytes, "utf-8")),
        EncodingChoice::Gb18030 => {
            let (text, had_errors) = GB18030.decode_without_bom_handling(&bytes);
            Ok(Decoded {
                text: text.into_owned(),
                encoding: "gb18030",
                had_errors,
            })
        }
        EncodingChoice::Auto => {
            if std::str::from_utf8(&bytes).is_ok() {
                return Ok(utf8(bytes, "utf-8"));
            }
            if let Some(text) = GB18030.decode_without_bom_handling_and_without_replacement(&bytes)
            {
                return Ok(Decoded {
                    text: text.into_owned(),
                    encoding: "gb18030",
                    had_errors: false,
                });
            }
            // Neither decodes cleanly. Mostly-UTF-8 with a few broken bytes is the usual case
            // (a file concatenated from two sources): keep the good rows, reject the bad.
            let d = utf8(bytes, "utf-8");
            if d.text.chars().filter(|c| *c == '\u{fffd}').count() * 20 > d.text.chars().count() {
                return Err(Error::Input {
                    path: path.to_path_buf(),
                    message: "cannot detect the encoding (neither UTF-8 nor GB18030); declare it with `[ingest] encoding = \"...\"`".into(),
                });
            }
            Ok(d)
        }
    }
}

fn utf8(bytes: Vec<u8>, name: &'static str) -> Decoded {
    match String::from_utf8(bytes) {
        Ok(text) => Decoded {
            text,
            encoding: name,
            had_errors: false,
        },
        Err(e) => Decoded {
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            encoding: name,
            had_errors: true,
        },
    }
}

#[cfg(test)]
mod tests;
