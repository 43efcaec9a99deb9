//! Write actions: opt-in (`--allow-writes`), each confirmed by a person. A write tool resolves
//! what it will change, then passes [`gate::confirm`]: asked inline (elicitation, or y/N at a
//! terminal) when possible, else a preview with a confirmation code the agent sends back.

pub mod codes;
pub mod gate;
pub mod mcp;
pub mod scopes;

use std::sync::Arc;

use futures::future::BoxFuture;

pub use codes::ConfirmCodes;

/// A person's answer to "do this?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Decline,
    /// No way to ask inline after all (e.g. the client failed the request): fall back to a code.
    Unavailable(String),
}

/// Asks a person one plain sentence (MCP elicitation, or a terminal prompt).
pub type Ask = Arc<dyn Fn(String) -> BoxFuture<'static, Answer> + Send + Sync>;

/// What a tool call knows about writes.
#[derive(Clone)]
pub struct WriteContext {
    /// Whether the operator started the server with `--allow-writes`.
    pub enabled: bool,
    pub codes: Arc<ConfirmCodes>,
    /// Inline confirmation, when this caller can be asked.
    pub ask: Option<Ask>,
    /// Who is calling (signed-in person or static token); `None` on stdio and the CLI.
    pub caller: Option<crate::caller::Caller>,
}

impl WriteContext {
    /// Writes off, codes on a random secret: what tests and read-only servers use.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            codes: Arc::new(ConfirmCodes::new(b"unused".to_vec())),
            ask: None,
            caller: None,
        }
    }

    /// The caller as bound into confirmation codes and logged ("" when anonymous).
    pub fn caller_name(&self) -> String {
        self.caller
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

/// How a write ended, for the log line and the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Previewed,
    Declined,
    Done,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Previewed => "previewed",
            Self::Declined => "declined",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
}

/// The info line every write attempt leaves on stderr: who, what, where, and how it ended. The
/// person who asked is the one who confirmed (a code is bound to its caller). Never a secret, a
/// code or a Connect link.
pub fn log(
    caller: &str,
    tool: &str,
    environment: &str,
    integration: &str,
    connections: &str,
    syncs: &[String],
    outcome: Outcome,
) {
    // No signed-in caller: stdio or `call`, so the person at this machine.
    let caller = if caller.is_empty() { "local" } else { caller };
    let confirmed_by = if outcome == Outcome::Done { caller } else { "" };
    tracing::info!(
        asked_by = caller,
        confirmed_by,
        tool,
        environment,
        integration,
        connections,
        syncs = %syncs.join(","),
        outcome = outcome.as_str(),
        "write action"
    );
}

/// After a sync write succeeds, cached connection pages may show health (sync errors) that
/// the write is about to change: the next read goes to Nango. Sync status is never cached.
pub fn invalidate_after_write(
    client: &nango_api::NangoClient,
    environment: &str,
    integration: &str,
) {
    client.invalidate(nango_api::CachedList::Connections);
    tracing::debug!(
        environment,
        integration,
        "write done: cached connection pages dropped"
    );
}
