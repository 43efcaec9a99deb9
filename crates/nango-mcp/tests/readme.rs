//! The README's tool table is generated from the code; this fails when it is stale.
//! Regenerate with `UPDATE_README=1 cargo test -p nango-mcp --test readme`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use nango_mcp::tools::Registry;

const START: &str = "<!-- tools:start";
const END: &str = "<!-- tools:end -->";

fn table() -> String {
    let mut lines = vec![
        "| tool | what it answers |".to_owned(),
        "| --- | --- |".to_owned(),
    ];
    for tool in Registry::with_writes().definitions() {
        let description = tool
            .description
            .as_deref()
            .unwrap_or_default()
            .replace('|', "\\|")
            .replace('\n', " ");
        lines.push(format!("| `{}` | {} |", tool.name, description));
    }
    lines.join("\n")
}

#[test]
fn readme_tool_table_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let start = readme.find(START).expect("tools:start marker");
    let start_end = start + readme[start..].find("-->").unwrap() + 3;
    let end = readme.find(END).expect("tools:end marker");
    let expected = format!("\n{}\n", table());
    let current = &readme[start_end..end];
    if current != expected {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{}{}", &readme[..start_end], expected, &readme[end..]);
            std::fs::write(path, updated).unwrap();
        } else {
            panic!(
                "README tool table is stale; run UPDATE_README=1 cargo test -p nango-mcp --test readme"
            );
        }
    }
}
