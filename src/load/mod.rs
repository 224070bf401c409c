//! Reading a handbook: its files, handbook.yaml, the pages, the records and the theme.
pub mod audience;
pub mod baseline;
pub mod checks;
pub mod config;
pub mod content;
pub mod disk;
pub mod git;
pub mod history;
pub mod kept_history;
pub mod markdown;
pub mod records;
pub mod reuse;
pub mod source;
pub mod theme;
pub mod todo;
pub mod tracker;
pub mod yaml;
