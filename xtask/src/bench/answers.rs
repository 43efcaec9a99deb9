//! What answers cost an agent: o200k tokens of `tools/list` and of each tool's answer to fixed
//! questions, text content and structuredContent counted separately (clients may send either).

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::{Value, json};

use super::server::{StdioServer, text_of};
use crate::tokens;

/// One fixed question: a tool and its arguments.
struct Question {
    label: &'static str,
    tool: &'static str,
    arguments: Value,
}

fn questions() -> Vec<Question> {
    vec![
        Question {
            label: "broken connections (auth_error)",
            tool: "list_connections",
            arguments: json!({"health": ["auth_error"]}),
        },
        Question {
            label: "50 Contact records of conn-456",
            tool: "list_records",
            arguments: json!({"connection_id": "conn-456", "model": "Contact", "limit": 50}),
        },
        Question {
            label: "connection conn-xyz",
            tool: "get_connection",
            arguments: json!({"connection_id": "conn-xyz"}),
        },
        Question {
            label: "syncs of conn-abc",
            tool: "list_syncs",
            arguments: json!({"connection_id": "conn-abc"}),
        },
        Question {
            label: "environment",
            tool: "get_environment",
            arguments: json!({}),
        },
        Question {
            label: "audit of every connection",
            tool: "audit_connections",
            arguments: json!({}),
        },
        Question {
            label: "integrations",
            tool: "list_integrations",
            arguments: json!({}),
        },
    ]
}

/// Size of one answer.
#[derive(Debug, Serialize)]
pub struct AnswerSize {
    /// What was asked.
    pub question: &'static str,
    /// Tool called.
    pub tool: &'static str,
    /// Its arguments.
    pub arguments: Value,
    /// o200k tokens of the text content blocks, joined by newlines.
    pub text_tokens: usize,
    /// o200k tokens of structuredContent as compact JSON.
    pub structured_tokens: usize,
    /// cl100k tokens of the text content blocks.
    pub text_tokens_cl100k: usize,
    /// cl100k tokens of structuredContent as compact JSON.
    pub structured_tokens_cl100k: usize,
    /// Bytes of the text content.
    pub text_bytes: usize,
    /// Bytes of structuredContent as compact JSON.
    pub structured_bytes: usize,
    /// Whether the tool answered with `isError` (then the sizes are of the error).
    pub is_error: bool,
}

/// Sizes of the tool surface and of the fixed answers.
#[derive(Debug, Serialize)]
pub struct Sizes {
    /// Number of tools listed.
    pub tools: usize,
    /// o200k tokens of the `tools/list` result (`{"tools":[…]}`, compact JSON).
    pub tools_list_tokens: usize,
    /// cl100k tokens of the same JSON.
    pub tools_list_tokens_cl100k: usize,
    /// Bytes of the same JSON.
    pub tools_list_bytes: usize,
    /// One row per fixed question.
    pub answers: Vec<AnswerSize>,
}

/// Asks every fixed question once.
pub async fn measure(server: &StdioServer) -> Result<Sizes> {
    let tools = server.client.list_all_tools().await.context("tools/list")?;
    let listing = serde_json::to_string(&json!({ "tools": tools }))?;
    let mut answers = Vec::new();
    for question in questions() {
        let result = server.call(question.tool, &question.arguments).await?;
        let text = text_of(&result);
        let structured = result
            .structured_content
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?
            .unwrap_or_default();
        let is_error = result.is_error == Some(true);
        if is_error {
            tracing::warn!(tool = question.tool, %text, "a fixed question failed");
        }
        answers.push(AnswerSize {
            question: question.label,
            tool: question.tool,
            arguments: question.arguments,
            text_tokens: tokens::count(&text),
            structured_tokens: tokens::count(&structured),
            text_tokens_cl100k: tokens::count_cl100k(&text),
            structured_tokens_cl100k: tokens::count_cl100k(&structured),
            text_bytes: text.len(),
            structured_bytes: structured.len(),
            is_error,
        });
    }
    Ok(Sizes {
        tools: tools.len(),
        tools_list_tokens: tokens::count(&listing),
        tools_list_tokens_cl100k: tokens::count_cl100k(&listing),
        tools_list_bytes: listing.len(),
        answers,
    })
}
