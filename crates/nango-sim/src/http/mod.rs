//! HTTP plumbing shared by the routes: JSON envelopes, strict queries, auth, rate limit, faults.

pub mod auth;
pub mod faults;
pub mod json;
pub mod query;
pub mod ratelimit;
