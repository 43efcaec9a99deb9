//! nango-mcp: an MCP server that lets an AI agent audit a Nango instance.
//!
//! Data flow: MCP call → [`server::NangoMcp`] → a tool in [`tools`] → the typed client
//! (`nango-api`) → HTTP. Tools know nothing of HTTP; the client knows nothing of MCP.

pub mod app;
pub mod args;
pub mod caller;
pub mod catalog;
pub mod cli;
pub mod cli_http;
pub mod cli_oauth;
pub mod commands;
pub mod completion;
pub mod config;
pub mod dashboard;
pub mod errors;
pub mod health;
pub mod history;
pub mod instructions;
pub mod log_filter;
pub mod memory;
pub mod output;
pub mod prompts;
pub mod report;
pub mod resources;
pub mod sandbox;
pub mod schema;
pub mod server;
pub mod sync_health;
pub mod telemetry;
pub mod terminal;
pub mod tools;
pub mod transport;
pub mod writes;
