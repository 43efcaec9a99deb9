//! Token counts with OpenAI's o200k_base (and cl100k_base) encodings (bundled in tiktoken-rs, nothing downloaded):
//! what an answer costs an agent's context window.

/// Tokens of `text` with o200k_base; special-token markers in data count as ordinary text,
/// the way an API encodes them inside a tool result.
pub fn count(text: &str) -> usize {
    tiktoken_rs::o200k_base_singleton()
        .encode_ordinary(text)
        .len()
}

/// Tokens of `text` with cl100k_base (GPT-4's encoding, which many agents' budgets still use).
pub fn count_cl100k(text: &str) -> usize {
    tiktoken_rs::cl100k_base_singleton()
        .encode_ordinary(text)
        .len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_o200k_tokens_of_fixed_texts() {
        assert_eq!(count(""), 0);
        assert_eq!(count("hello world"), 2);
        let json = r#"{"connection_id":"conn-xyz","health":["auth_error"]}"#;
        let tokens = count(json);
        // Compact JSON is several bytes per token, never more tokens than bytes.
        assert!(tokens > 5 && tokens < json.len() / 2, "{tokens}");
        assert!(
            count("<|endoftext|>") > 1,
            "a marker in data is not one special token"
        );
    }
}
