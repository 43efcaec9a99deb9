//! The output contract (see docs/tool-responses.md): structured result + compact text, token budget,
//! field projection, opaque cursors, untrusted-data marking.

pub mod budget;
pub mod cursor;
pub mod fields;
pub mod paging;
pub mod text;
pub mod tokens;
pub mod tsv;

pub use budget::TokenBudget;
pub use fields::FieldSelection;
pub use paging::OffsetPage;
