//! The token count (`nango_mcp::output::tokens`) against the real o200k tokenizer: its table is
//! the vocabulary's ASCII part with the same ranks, its pieces are tiktoken's, its count is
//! tiktoken's on ASCII text, and never lower on Nango's real answers or text made to be hard.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::o200k_tokens as real_tokens;
use nango_mcp::output::tokens::{pieces, rank, stored_tokens, upper_bound};
use proptest::prelude::*;

fn real_pieces(text: &str) -> Vec<String> {
    static REGEX: std::sync::OnceLock<fancy_regex::Regex> = std::sync::OnceLock::new();
    REGEX
        .get_or_init(|| fancy_regex::Regex::new(tiktoken_rs::O200K_BASE_PAT_STR).unwrap())
        .find_iter(text)
        .map(|piece| piece.unwrap().as_str().to_owned())
        .collect()
}

#[test]
fn the_table_is_o200k_ascii_vocabulary() {
    let encoder = tiktoken_rs::o200k_base_singleton();
    let mut ascii = 0;
    for rank_of in 0..200_000u32 {
        let Ok(bytes) = encoder.decode_bytes(&[rank_of]) else {
            continue;
        };
        if bytes.is_ascii() && bytes.len() >= 2 {
            assert_eq!(
                rank(&bytes),
                Some(rank_of),
                "{:?}",
                String::from_utf8_lossy(&bytes)
            );
            ascii += 1;
        }
    }
    assert_eq!(
        stored_tokens(),
        ascii,
        "the table holds tokens o200k does not: run `cargo run -p xtask -- token-table`"
    );
}

/// Nango's captured answers, compact as they came and pretty-printed.
fn real_samples() -> Vec<String> {
    common::real_sample_bodies()
        .iter()
        .flat_map(|body| {
            [
                common::body_text(body),
                serde_json::to_string_pretty(body).unwrap(),
            ]
        })
        .collect()
}

#[test]
fn pieces_are_tiktoken_pieces_on_ascii_text() {
    let samples = real_samples();
    let mut compared = 0;
    for text in samples.iter().filter(|text| text.is_ascii()) {
        let ours: Vec<&str> = pieces(text).collect();
        assert_eq!(ours, real_pieces(text), "{text:.300}");
        compared += 1;
    }
    assert!(compared > 100, "{compared}");
}

#[test]
fn counts_nango_real_answers_exactly_when_ascii_and_never_fewer() {
    let (mut bound, mut real) = (0, 0);
    for text in real_samples() {
        let (ours, theirs) = (upper_bound(&text), real_tokens(&text));
        assert!(ours >= theirs, "{ours} < {theirs}: {text:.300}");
        if text.is_ascii() {
            assert_eq!(ours, theirs, "{text:.300}");
        }
        bound += ours;
        real += theirs;
    }
    println!("real samples: bound {bound}, o200k {real}");
    assert!(bound * 100 <= real * 102, "bound {bound} vs o200k {real}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn counts_ascii_exactly(text in "[ -~\\t\\n\\r]{0,200}") {
        prop_assert_eq!(pieces(&text).collect::<Vec<_>>(), real_pieces(&text));
        prop_assert_eq!(upper_bound(&text), real_tokens(&text));
    }

    #[test]
    fn counts_letters_and_ids_exactly(text in "[a-zA-Z0-9_\\-. @:/\"']{0,120}") {
        prop_assert_eq!(upper_bound(&text), real_tokens(&text));
    }

    #[test]
    fn never_under_counts_any_unicode(text in "\\PC{0,80}") {
        prop_assert!(upper_bound(&text) >= real_tokens(&text), "{:?}", text);
    }

    #[test]
    fn never_under_counts_mixed_scripts(
        text in "([a-zA-Z]{1,6}|[éüßñçøå]{1,3}|[日本語テキ]{1,3}|[🙂🚀]|[ \\n'’\"]|[0-9²½]{1,4}|\u{301}){0,40}"
    ) {
        prop_assert!(upper_bound(&text) >= real_tokens(&text), "{:?}", text);
    }
}
