//! The findings: rules checked over the loaded and derived handbook.
pub mod findings;
