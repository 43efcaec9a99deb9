//! Colours for a person at a terminal: health words stand out. Only used when stdout is a TTY.

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const RESET: &str = "\x1b[0m";

pub fn colourise(text: &str) -> String {
    let mut out = text.to_owned();
    for (word, colour) in [
        ("auth_error", RED),
        ("FAILING", RED),
        ("EXPIRED", RED),
        ("sync_error", YELLOW),
        ("STALE", YELLOW),
        ("NEVER_RAN", YELLOW),
        ("ok", GREEN),
        ("OK", GREEN),
    ] {
        out = colour_word(&out, word, colour);
    }
    out
}

/// Colours whole-word occurrences only ("ok" inside "token" stays as it is).
fn colour_word(text: &str, word: &str, colour: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find(word) {
        let (before, after) = rest.split_at(found);
        let after_word = after.get(word.len()..).unwrap_or_default();
        let boundary_before = before
            .chars()
            .last()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_');
        let boundary_after = after_word
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_');
        out.push_str(before);
        if boundary_before && boundary_after {
            out.push_str(colour);
            out.push_str(word);
            out.push_str(RESET);
        } else {
            out.push_str(word);
        }
        rest = after_word;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_whole_words_only() {
        let coloured = colourise("ok token auth_error");
        assert!(coloured.starts_with("\x1b[32mok\x1b[0m token "));
        assert!(coloured.contains("\x1b[31mauth_error\x1b[0m"));
    }
}
