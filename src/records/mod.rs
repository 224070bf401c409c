//! The two registers: security exceptions and security incidents.

pub mod vocab;
