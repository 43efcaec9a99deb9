//! The shapes Nango's API returns, parsed leniently: unknown fields are ignored and fields the
//! server omits are optional. Secret-bearing shapes keep facts only (see `credentials`).

mod connection;
mod credentials;
mod environment;
mod integration;
mod lenient;
mod provider;
mod records;
mod sync;
mod timestamp;
mod writes;

pub use connection::{
    Connection, ConnectionDetail, ConnectionError, ConnectionErrorKind, EndUser,
    EndUserOrganization,
};
pub use credentials::{AppCredentials, ConnectionCredentials};
pub use environment::{EnvironmentVariable, IntegrationScripts, Script, ScriptEndpoint};
pub use integration::{
    AppCredentialsField, Function, FunctionKind, FunctionsPage, Integration, IntegrationDetail,
    Pagination,
};
pub use lenient::Lenient;
pub use provider::{Provider, ProviderField, ProviderProxy, UrlTemplate};
pub use records::{Record, RecordAction, RecordMetadata, RecordsPage};
pub use sync::{ModelResult, SyncSelector, SyncState, SyncStatus, SyncStatusList};
pub use timestamp::Timestamp;
pub use writes::{
    CONNECT_SESSIONS_WRITE_SCOPE, ConnectSession, SYNCS_EXECUTE_SCOPE, ScopeProbe, SyncMode,
    SyncTarget, WriteAck,
};

use serde::Deserialize;

/// The `{"data": …}` wrapper most endpoints use.
#[derive(Clone, Debug, Deserialize)]
pub struct DataEnvelope<T> {
    pub data: T,
}

/// `GET /connections` body.
#[derive(Clone, Debug, Deserialize)]
pub struct ConnectionList {
    pub connections: Lenient<Connection>,
}
