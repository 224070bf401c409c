//! The types every stage shares: dates, vocabularies, the records and the people.
pub mod audience;
pub mod date;
pub mod exception;
pub mod finding;
pub mod history;
pub mod incident;
pub mod links;
pub mod person;
pub mod redact;
pub mod related;
pub mod reserved;
pub mod site_files;
pub mod text;
pub mod vocab;
