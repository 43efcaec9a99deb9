//! The one door every write goes through: a valid code, or a person's inline "yes", or else
//! nothing is written and the caller gets a preview with a fresh code.

use super::{Answer, codes::CODE_TTL};
use crate::{errors::ToolError, tools::ToolContext};

/// What the tool does next.
#[derive(Debug, PartialEq, Eq)]
pub enum Gate {
    /// Write now.
    Proceed,
    /// Write nothing; show the preview and this code.
    Preview { confirmation: String },
    /// The person said no: write nothing.
    Declined,
}

/// `binding` is the change in canonical form (tool, environment and resolved targets are all in
/// it); `sentence` says in plain words exactly what will change.
pub async fn confirm(
    ctx: &ToolContext,
    binding: &str,
    sentence: &str,
    confirmation: Option<&str>,
) -> Result<Gate, ToolError> {
    if let Some(code) = confirmation.filter(|code| !code.trim().is_empty()) {
        ctx.writes
            .codes
            .redeem_by(binding, &ctx.writes.caller_name(), code)
            .await
            .map_err(|error| ToolError::invalid("confirmation", format!("this code {error}")))?;
        return Ok(Gate::Proceed);
    }
    if let Some(ask) = &ctx.writes.ask {
        match ask(sentence.to_owned()).await {
            Answer::Accept => return Ok(Gate::Proceed),
            Answer::Decline => return Ok(Gate::Declined),
            Answer::Unavailable(why) => {
                tracing::debug!(%why, "could not ask inline; answering with a confirmation code");
            }
        }
    }
    Ok(Gate::Preview {
        confirmation: ctx
            .writes
            .codes
            .issue_to(binding, &ctx.writes.caller_name()),
    })
}

/// The canonical binding of a change: the same call in the same environment always gives the
/// same text; any other target gives another.
pub fn binding(tool: &str, environment: &str, parts: &[(&str, String)]) -> String {
    let mut text = format!("{tool}\nenvironment={environment}");
    for (name, value) in parts {
        text.push('\n');
        text.push_str(name);
        text.push('=');
        text.push_str(value);
    }
    text
}

/// What a preview tells the agent to do with the code.
/// Where a write stops when the gate did not let it through: what the tool answers instead.
pub struct Halt {
    pub status: &'static str,
    pub confirmation: Option<String>,
    pub next_step: String,
}

/// Settles a gate's answer for a write tool, logging the outcome: `Ok(None)` means go on and
/// write; `Ok(Some(halt))` is the preview or the declined answer (`declined` says what did not
/// happen).
pub fn settle(
    gate: Result<Gate, ToolError>,
    declined: &str,
    log: impl Fn(super::Outcome),
) -> Result<Option<Halt>, ToolError> {
    match gate {
        Ok(Gate::Preview { confirmation }) => {
            log(super::Outcome::Previewed);
            Ok(Some(Halt {
                status: "preview",
                confirmation: Some(confirmation),
                next_step: preview_instructions(),
            }))
        }
        Ok(Gate::Declined) => {
            log(super::Outcome::Declined);
            Ok(Some(Halt {
                status: "declined",
                confirmation: None,
                next_step: format!("The person declined: {declined}."),
            }))
        }
        Ok(Gate::Proceed) => Ok(None),
        Err(error) => {
            log(super::Outcome::Failed);
            Err(error)
        }
    }
}

pub fn preview_instructions() -> String {
    format!(
        "Nothing has changed yet. Show this to the person; if they agree, call the same tool again \
         with the same arguments plus `confirmation` (valid {} minutes, once).",
        CODE_TTL.as_secs() / 60
    )
}
