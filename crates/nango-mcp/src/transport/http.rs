//! Streamable HTTP transport (being written).
