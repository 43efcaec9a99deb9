//! Whether the key can read connection credentials, asked without touching any connection.
//!
//! With `connections:read_credentials`, Nango refreshes or re-tests credentials on every
//! `GET /connections/{id}`: a read that changes state. The scope itself can only be seen through
//! that route, so the probe asks for a connection under an integration that cannot exist, with a
//! credential option set. Nango checks the option against the scope *before* it looks anything
//! up (`getConnection.ts`): a key without the scope gets 403, a key with it gets
//! `unknown_provider_config`, and no connection is ever read, refreshed or revealed.

use crate::NangoError;
use crate::client::NangoClient;
use crate::client::encode::path_segment;
use crate::client::transport::Call;

/// Prefix of the made-up integration key and connection id; a random suffix follows.
const PROBE_PREFIX: &str = "nango-mcp-scope-probe";

/// What the key may do with one connection's credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialAccess {
    /// `connections:read_credentials`: reading a connection may refresh its token.
    ReadsCredentials,
    /// `connections:read` only: reading a connection has no side effects.
    ReadOnly,
    /// Not even `connections:read`.
    NoConnectionRead,
}

impl NangoClient {
    /// Which of `connections:read` / `connections:read_credentials` the key holds, learned
    /// without reading any connection (see the module docs).
    pub async fn probe_credential_access(&self) -> Result<CredentialAccess, NangoError> {
        let nonce = fastrand::u64(..);
        let mut call = Call::new(format!(
            "/connections/{}",
            path_segment("connection id", &format!("{PROBE_PREFIX}-{nonce:x}"))?
        ));
        call.query
            .push("provider_config_key", &format!("{PROBE_PREFIX}-{nonce:x}"))
            .push("refresh_token", "true");
        match self.transport.get(&call, true).await {
            Ok(_) => Ok(CredentialAccess::ReadsCredentials),
            Err(error) if error.is_missing_scope() => {
                Ok(if error.to_string().contains("read_credentials scope") {
                    CredentialAccess::ReadOnly
                } else {
                    CredentialAccess::NoConnectionRead
                })
            }
            Err(error) if error.is_not_found() => Ok(CredentialAccess::ReadsCredentials),
            Err(error) => Err(error),
        }
    }
}
