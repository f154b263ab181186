//! Bounds on free text. Everything a person types has a most-characters limit, checked with
//! [`within`] and refused with one Spanish message that names the limit ([`TooLong`]).
//! Characters are Unicode scalar values (what a person counts: «ñ» is one).
//!
//! The limits by kind of text (a field with a rule of its own, such as a person's name or
//! an observation text, keeps it):
//! - [`COMMENT`]: comments, reasons, observations and notes: a paragraph or two.
//! - [`LINE`]: one line: a position, a unit, a note of an appointment, a serial number.
//! - [`ANY_FIELD`]: the net under everything: no single field of any form, JSON body or
//!   multipart text is longer, whatever it is (the web layer refuses it before any use case).
//!
//! Pure: no I/O.

/// Comments, reasons, observations and notes.
pub const COMMENT: usize = 2000;
/// One line of text.
pub const LINE: usize = 200;
/// No field of any request is longer than this.
pub const ANY_FIELD: usize = 10_000;

/// A text over its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Como máximo {max} caracteres; el texto tiene {got}.")]
pub struct TooLong {
    /// The limit.
    pub max: usize,
    /// How many characters were sent.
    pub got: usize,
}

/// `text` when it has at most `max` characters. Counting stops just past the limit, so a
/// huge text costs no more than a long one.
pub fn within(text: &str, max: usize) -> Result<&str, TooLong> {
    if text.len() <= max {
        return Ok(text); // at most `max` bytes: at most `max` characters
    }
    let got = text.chars().count();
    if got > max {
        Err(TooLong { max, got })
    } else {
        Ok(text)
    }
}

/// [`within`] for an optional text.
pub fn within_opt(text: Option<&str>, max: usize) -> Result<Option<&str>, TooLong> {
    text.map(|t| within(t, max)).transpose()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_limit_counts_characters_not_bytes() {
        let enes = "ñ".repeat(LINE);
        assert_eq!(within(&enes, LINE), Ok(enes.as_str()));
        let err = within(&"ñ".repeat(LINE + 1), LINE).unwrap_err();
        assert_eq!(
            err,
            TooLong {
                max: LINE,
                got: LINE + 1
            }
        );
        assert_eq!(
            err.to_string(),
            "Como máximo 200 caracteres; el texto tiene 201."
        );
        assert_eq!(within_opt(None, 1), Ok(None));
        assert!(within_opt(Some("ab"), 1).is_err());
        assert!(within("", 0).is_ok());
    }
}
