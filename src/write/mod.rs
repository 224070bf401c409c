//! The output folder: staging, the marker, the lock, the swap into place; and where any
//! command may write.
pub mod output;
pub mod sources;
