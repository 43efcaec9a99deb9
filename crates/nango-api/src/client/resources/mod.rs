//! One module per group of Nango endpoints, each adding methods to [`super::NangoClient`].

mod connections;
mod credential_probe;
mod environment;
mod integrations;
mod providers;
mod read_probes;
mod records;
mod syncs;
mod writes;

pub use credential_probe::CredentialAccess;
