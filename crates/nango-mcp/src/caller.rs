//! Who made a call: the person (and client) an OAuth token names, or which static token was shown.
//! Transport-agnostic so tools and write logs can name the caller without knowing HTTP.

use std::fmt;

/// The identity a request authenticated as. Never holds a secret: a static token is named by its
/// position in the configuration, not by anything derived from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    /// The token's `sub`, or `token-N` for the N-th static token.
    pub subject: String,
    /// The OAuth client (`client_id`, else `azp`) the person used, when the token says.
    pub client_id: Option<String>,
}

impl Caller {
    /// The caller of the `position`-th (1-based) static bearer token.
    pub fn static_token(position: usize) -> Self {
        Self {
            subject: format!("token-{position}"),
            client_id: None,
        }
    }
}

impl fmt::Display for Caller {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.client_id {
            Some(client) => write!(formatter, "{} via {client}", self.subject),
            None => formatter.write_str(&self.subject),
        }
    }
}
