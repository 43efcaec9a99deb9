//! `xtask token-table`: writes the o200k vocabulary's ASCII tokens, which the server's token
//! bound (`nango_mcp::output::tokens`) looks pieces up in instead of loading tiktoken (about
//! 50 MB resident). The test `token_bound::the_table_is_o200k_ascii_vocabulary` fails when the
//! committed file and tiktoken-rs disagree.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct TokenTableOptions {
    /// Where to write the table.
    #[arg(long, default_value = "crates/nango-mcp/data/o200k-ascii.bin")]
    out: PathBuf,
}

pub fn run(options: &TokenTableOptions) -> anyhow::Result<()> {
    let table = build()?;
    std::fs::write(&options.out, &table)
        .with_context(|| format!("writing {}", options.out.display()))?;
    tracing::info!(bytes = table.len(), out = %options.out.display(), "token table written");
    Ok(())
}

/// The table: for each token length from 2 up, `[length: u8][count: u32 LE]`, then that many
/// tokens of that length, sorted, back to back (fixed stride, so no offsets are stored), then
/// their ranks in the same order (`u32 LE` each): byte-pair merging joins the lowest rank first.
/// Every single ASCII byte is a token, so length 1 is not stored.
pub fn build() -> anyhow::Result<Vec<u8>> {
    let encoder = tiktoken_rs::o200k_base_singleton();
    let mut by_length: std::collections::BTreeMap<usize, Vec<(Vec<u8>, u32)>> = Default::default();
    for rank in 0..200_000u32 {
        let Ok(bytes) = encoder.decode_bytes(&[rank]) else {
            continue;
        };
        if bytes.len() >= 2 && bytes.is_ascii() {
            by_length
                .entry(bytes.len())
                .or_default()
                .push((bytes, rank));
        }
    }
    let mut table = Vec::new();
    for (length, mut tokens) in by_length {
        tokens.sort();
        table.push(u8::try_from(length).context("an ASCII token longer than 255 bytes")?);
        table.extend_from_slice(&u32::try_from(tokens.len())?.to_le_bytes());
        for (token, _) in &tokens {
            table.extend_from_slice(token);
        }
        for (_, rank) in &tokens {
            table.extend_from_slice(&rank.to_le_bytes());
        }
    }
    Ok(table)
}
