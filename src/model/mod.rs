//! The types every stage shares: dates, vocabularies, the records and the people.
pub mod date;
pub mod exception;
pub mod incident;
pub mod links;
pub mod person;
pub mod related;
pub mod vocab;
