//! o200k's pre-tokenizer: the pieces a text is cut into before byte-pair merging, which never
//! crosses a piece. It follows tiktoken's `O200K_BASE_PAT_STR` alternative by alternative:
//!
//! 1. `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(contraction)?`
//! 2. `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(contraction)?`
//! 3. `\p{N}{1,3}`
//! 4. ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
//! 5. `\s*[\r\n]+`
//! 6. `\s+(?!\S)`
//! 7. `\s+`
//!
//! On ASCII it is exact (the tests compare it with tiktoken). Outside ASCII the classes are
//! std's (alphabetic, numeric, upper and lower case), close to but not exactly Unicode's
//! general categories; the bound therefore counts pieces near non-ASCII text by their bytes.

/// The pieces of `text`, in order; together they are the whole text.
pub fn pieces(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        let rest = text.get(start..).filter(|rest| !rest.is_empty())?;
        let end = piece_end(rest).max(first_char_len(rest));
        start += end;
        rest.get(..end)
    })
}

/// Where the piece at the start of `text` ends (in bytes).
fn piece_end(text: &str) -> usize {
    word(text)
        .or_else(|| number(text))
        .or_else(|| punctuation(text))
        .or_else(|| through_last_newline(text))
        .unwrap_or_else(|| whitespace(text))
}

fn is_letter(c: char) -> bool {
    c.is_alphabetic() && !c.is_numeric()
}

/// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`: any letter that is not lower case.
fn is_upperish(c: char) -> bool {
    is_letter(c) && !c.is_lowercase()
}

/// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`: any letter that is not upper case.
fn is_lowerish(c: char) -> bool {
    is_letter(c) && !c.is_uppercase()
}

fn is_newline(c: char) -> bool {
    c == '\r' || c == '\n'
}

/// `[^\s\p{L}\p{N}]`
fn is_other(c: char) -> bool {
    !c.is_whitespace() && !is_letter(c) && !c.is_numeric()
}

fn first_char_len(text: &str) -> usize {
    text.chars().next().map_or(0, char::len_utf8)
}

/// Byte length of the run of chars at the start of `text` that satisfy `class`.
fn run(text: &str, class: impl Fn(char) -> bool) -> usize {
    text.char_indices()
        .find(|&(_, c)| !class(c))
        .map_or(text.len(), |(at, _)| at)
}

fn char_at(text: &str, at: usize) -> Option<char> {
    text.get(at..)?.chars().next()
}

/// Alternatives 1 and 2: an optional non-letter, non-digit, non-newline lead, then letters.
fn word(text: &str) -> Option<usize> {
    let first = text.chars().next()?;
    let body = if !is_newline(first) && !is_letter(first) && !first.is_numeric() {
        first.len_utf8()
    } else {
        0
    };
    let letters = text.get(body..)?;
    let upper = run(letters, is_upperish);
    let end = match lower_run_after(letters, upper) {
        Some(end) => end,
        None if upper > 0 => upper + run(letters.get(upper..)?, is_lowerish),
        None => return None,
    };
    let end = body + end;
    Some(end + contraction(text.get(end..)?))
}

/// Alternative 1's `U*L+` after a greedy `U*` of `upper` bytes: the lower-case run starting at
/// the latest place one can start (backtracking into upper-case letters that are also lower).
fn lower_run_after(letters: &str, upper: usize) -> Option<usize> {
    if char_at(letters, upper).is_some_and(is_lowerish) {
        return Some(upper + run(letters.get(upper..)?, is_lowerish));
    }
    let (at, c) = letters
        .get(..upper)?
        .char_indices()
        .rev()
        .find(|&(_, c)| is_lowerish(c))?;
    Some(at + c.len_utf8())
}

/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)?`, first alternative that matches.
fn contraction(text: &str) -> usize {
    let Some(after) = text.strip_prefix('\'') else {
        return 0;
    };
    ["s", "t", "re", "ve", "m", "ll", "d"]
        .iter()
        .find(|suffix| {
            after
                .get(..suffix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(suffix))
        })
        .map_or(0, |suffix| 1 + suffix.len())
}

/// Alternative 3: up to three digits.
fn number(text: &str) -> Option<usize> {
    let end: usize = text
        .chars()
        .take_while(|c| c.is_numeric())
        .take(3)
        .map(char::len_utf8)
        .sum();
    (end > 0).then_some(end)
}

/// Alternative 4: an optional space, symbols, then any newlines and slashes.
fn punctuation(text: &str) -> Option<usize> {
    let lead = usize::from(text.starts_with(' '));
    let symbols = run(text.get(lead..)?, is_other);
    if symbols == 0 {
        return None;
    }
    let end = lead + symbols;
    Some(end + run(text.get(end..)?, |c| is_newline(c) || c == '/'))
}

/// Alternative 5: whitespace up to and including its last newline.
fn through_last_newline(text: &str) -> Option<usize> {
    let spaces = text.get(..run(text, char::is_whitespace))?;
    let (at, newline) = spaces.char_indices().rev().find(|&(_, c)| is_newline(c))?;
    Some(at + newline.len_utf8())
}

/// Alternatives 6 and 7: whitespace, leaving its last char to lead the word that follows.
fn whitespace(text: &str) -> usize {
    let end = run(text, char::is_whitespace);
    let Some(spaces) = text.get(..end) else {
        return end;
    };
    match spaces.chars().last() {
        Some(last) if end < text.len() && spaces.chars().nth(1).is_some() => end - last.len_utf8(),
        _ => end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        pieces(text).collect()
    }

    #[test]
    fn splits_json_words_numbers_and_spaces_the_way_o200k_does() {
        assert_eq!(
            split(r#"{"name":"HubSpot","count":12345}"#),
            [
                r#"{""#, "name", r#"":""#, "Hub", "Spot", r#"",""#, "count", r#"":"#, "123", "45",
                "}"
            ]
        );
        assert_eq!(
            split("I'm  here\n\n  now"),
            ["I'm", " ", " here", "\n\n", " ", " now"]
        );
        assert_eq!(split("ABCdef GHI_jkl"), ["ABCdef", " GHI", "_jkl"]);
        assert_eq!(split("a, b\n"), ["a", ",", " b", "\n"]);
        assert_eq!(split("x:\n  y"), ["x", ":\n", " ", " y"]);
        assert_eq!(split("  "), ["  "]);
        assert_eq!(split(" 42"), [" ", "42"]);
        assert_eq!(split("café ünï"), ["café", " ünï"]);
    }

    #[test]
    fn pieces_cover_the_text_whatever_it_is() {
        for text in [
            "",
            "\u{a0}\u{2028}x",
            "é́́",
            "日本語のテキスト",
            "🙂🙂 a",
            "'s'S'",
            "\r\n\r",
        ] {
            assert_eq!(pieces(text).collect::<String>(), text);
        }
    }
}
