//! Facts computed once from what was loaded: the content tree, exception states, metrics.
pub mod handbook;
pub mod history;
pub mod incident;
pub mod metrics;
pub mod policy;
pub mod recipients;
pub mod site;
pub mod view;
