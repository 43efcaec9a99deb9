//! `create_reconnect_link`: a Connect link the end user opens to re-authorise a connection
//! (the fix for an auth_error). A write (Nango creates a Connect session): only with
//! --allow-writes, and only once a person confirmed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Hints, NangoTool, ToolContext, Toolset, resolve::validate_id};
use crate::{
    errors::ToolError,
    writes::{self, Outcome, gate},
};

pub struct CreateReconnectLink;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Integration key (exact).
    pub integration: String,
    /// The connection to re-authorise.
    pub connection_id: String,
    /// The code from this tool's preview, sent once a person agreed.
    pub confirmation: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// preview (nothing created yet), done, or declined.
    pub status: String,
    pub written: bool,
    pub summary: String,
    pub integration: String,
    pub connection_id: String,
    /// The link to give the end user (it carries a one-session token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_link: Option<String>,
    /// When the link stops working.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<String>,
    pub next_step: String,
}

impl NangoTool for CreateReconnectLink {
    const NAME: &'static str = "create_reconnect_link";
    const TITLE: &'static str = "Create a reconnect link (write, confirmed)";
    const DESCRIPTION: &'static str = "Create a Nango Connect link for the end user to re-authorise one connection (fixes auth_error); answers the link and its expiry. A person confirms first: the first call only previews (and returns a confirmation code unless the client can ask the person).";
    const TOOLSET: Toolset = Toolset::Actions;
    const HINTS: Hints = Hints {
        read_only: false,
        destructive: false,
        idempotent: false,
    };
    const EXAMPLE: &'static str =
        r#"{"integration": "salesforce-prod", "connection_id": "conn-xyz"}"#;

    type Params = Params;
    type Output = Output;

    async fn run(ctx: ToolContext, params: Params) -> Result<Output, ToolError> {
        let integration = validate_id("integration", &params.integration)?;
        let connection_id = validate_id("connection_id", &params.connection_id)?;
        let log = |outcome| {
            writes::log(
                &ctx.writes.caller_name(),
                Self::NAME,
                &ctx.environment,
                &integration,
                &connection_id,
                &[],
                outcome,
            );
        };
        // The listing, not the detail route: with a full-access key the detail route would make
        // Nango retry the very refresh that broke this connection (and mark it again).
        let found = ctx
            .client
            .find_connection(&connection_id, Some(&integration))
            .await;
        let exists = match found {
            Ok(rows) => rows.iter().any(|row| row.connection_id == connection_id),
            Err(error) if error.status() == Some(400) || error.status() == Some(404) => false,
            Err(error) => {
                log(Outcome::Failed);
                return Err(ctx.nango_error(error));
            }
        };
        if !exists {
            log(Outcome::Failed);
            return Err(ToolError::NotFound {
                what: "connection",
                id: connection_id.clone(),
                scope: format!(" in integration {integration:?}"),
                hint: "Nothing was created. list_connections finds valid connection ids."
                    .to_owned(),
            });
        }
        let summary = format!(
            "Create a Connect link for the end user of connection {connection_id} ({integration}, environment {}) to re-authorise it; the link works for 30 minutes.",
            ctx.environment
        );
        let binding = gate::binding(
            Self::NAME,
            &ctx.environment,
            &[
                ("integration", integration.clone()),
                ("connection", connection_id.clone()),
            ],
        );
        let mut output = Output {
            status: String::new(),
            written: false,
            summary,
            integration: integration.clone(),
            connection_id: connection_id.clone(),
            connect_link: None,
            expires_at: None,
            confirmation: None,
            next_step: String::new(),
        };
        let gate = gate::confirm(
            &ctx,
            &binding,
            &output.summary,
            params.confirmation.as_deref(),
        )
        .await;
        if let Some(halt) = gate::settle(gate, "no link was created", log)? {
            output.status = halt.status.to_owned();
            output.confirmation = halt.confirmation;
            output.next_step = halt.next_step;
            return Ok(output);
        }
        match ctx
            .client
            .create_reconnect_session(&integration, &connection_id)
            .await
        {
            Ok(session) => {
                log(Outcome::Done);
                output.status = "done".to_owned();
                output.written = true;
                output.connect_link = Some(session.connect_link);
                output.expires_at = Some(session.expires_at.to_rfc3339());
                output.next_step = "Send the link to the connection's end user; once they re-authorise, get_connection shows the connection healthy again.".to_owned();
                Ok(output)
            }
            Err(error) => {
                log(Outcome::Failed);
                Err(match error.code() {
                    Some("invalid_body") => ToolError::Write(
                        "Nango refused: the connection or integration does not exist (400 invalid_body); no link was created. list_connections finds valid ids.".to_owned(),
                    ),
                    _ => ctx.nango_error(error),
                })
            }
        }
    }

    fn render(output: &Output) -> String {
        let mut lines = vec![match output.status.as_str() {
            "done" => format!(
                "Reconnect link for {} ({}): {} (expires {}).",
                output.connection_id,
                output.integration,
                output.connect_link.as_deref().unwrap_or("?"),
                output.expires_at.as_deref().unwrap_or("?")
            ),
            "declined" => format!("Declined, nothing created: {}", output.summary),
            _ => format!("Preview, nothing created yet: {}", output.summary),
        }];
        if output.confirmation.is_some() {
            lines.push("A confirmation code is in structuredContent.confirmation.".to_owned());
        }
        lines.push(output.next_step.clone());
        lines.join("\n")
    }
}
