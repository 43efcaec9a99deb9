//! nango-mcp: an MCP server that lets an AI agent audit a Nango instance.

pub mod transport;
