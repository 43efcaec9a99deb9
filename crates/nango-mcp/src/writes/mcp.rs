//! Asking the person through the MCP client (elicitation, form mode): inline on sessions before
//! protocol 2026-07-28, and as an input-required result (MRTR) from 2026-07-28 on, where
//! server-to-client requests are gone and the code rides in `requestState`.

use std::sync::Arc;

use rmcp::{
    model::{
        CallToolRequestParams, ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction,
        ElicitationSchema, InputRequest, InputRequests, InputRequiredResult, ProtocolVersion,
    },
    service::{ElicitationError, ElicitationMode, RequestContext, RoleServer},
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::{Answer, Ask};

/// The form a person answers: one checkbox.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Confirm {
    /// Yes, make this change.
    pub confirm: bool,
}

rmcp::elicit_safe!(Confirm);

/// The key of the confirmation in `inputRequests` / `inputResponses`.
pub const INPUT_KEY: &str = "confirm";

fn declares_form_elicitation(context: &RequestContext<RoleServer>) -> bool {
    context
        .client_capabilities()
        .and_then(|capabilities| capabilities.elicitation)
        .is_some_and(|elicitation| elicitation.form.is_some() || elicitation.url.is_none())
}

fn is_mrtr(context: &RequestContext<RoleServer>) -> bool {
    context
        .protocol_version()
        .is_some_and(|version| version >= ProtocolVersion::V_2026_07_28)
}

/// Inline elicitation, for a client that declared it on a pre-2026-07-28 session.
pub fn inline_ask(context: &RequestContext<RoleServer>) -> Option<Ask> {
    if is_mrtr(context)
        || !context
            .peer
            .supported_elicitation_modes()
            .contains(&ElicitationMode::Form)
    {
        return None;
    }
    let peer = context.peer.clone();
    Some(Arc::new(move |message: String| {
        let peer = peer.clone();
        Box::pin(async move {
            match peer.elicit::<Confirm>(message).await {
                Ok(Some(Confirm { confirm: true })) => Answer::Accept,
                Ok(_) | Err(ElicitationError::UserDeclined | ElicitationError::UserCancelled) => {
                    Answer::Decline
                }
                Err(other) => Answer::Unavailable(other.to_string()),
            }
        })
    }))
}

/// Whether this call should go the input-required way (2026-07-28 client with elicitation).
pub fn wants_input_required(context: &RequestContext<RoleServer>) -> bool {
    is_mrtr(context) && declares_form_elicitation(context)
}

/// The input-required result asking `sentence`, carrying the (single-use, bound) code.
pub fn input_required(sentence: &str, code: &str) -> Option<InputRequiredResult> {
    let schema = ElicitationSchema::from_type::<Confirm>().ok()?;
    let request = ElicitRequest::new(ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: sentence.to_owned(),
        requested_schema: schema,
    });
    let mut requests = InputRequests::new();
    requests.insert(INPUT_KEY.to_owned(), InputRequest::Elicitation(request));
    Some(InputRequiredResult::new(
        Some(requests),
        Some(code.to_owned()),
    ))
}

/// On the retry: the code to redeem if the person accepted, `Err(())` if they did not.
pub fn answered(request: &CallToolRequestParams) -> Option<Result<String, ()>> {
    let responses = request.input_responses.as_ref()?;
    let code = request.request_state.clone()?;
    let accepted = responses
        .get(INPUT_KEY)
        .cloned()
        .and_then(|value| serde_json::from_value::<ElicitResult>(value).ok())
        .is_some_and(|result| {
            result.action == ElicitationAction::Accept
                && result
                    .content
                    .as_ref()
                    .and_then(|content| content.get("confirm"))
                    .and_then(Value::as_bool)
                    == Some(true)
        });
    Some(if accepted { Ok(code) } else { Err(()) })
}
