//! How MCP messages reach the server: stdio (what MCP clients launch) and Streamable HTTP.

pub mod http;
