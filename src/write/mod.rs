//! The output folder: staging, the marker, the lock, the swap into place.
pub mod output;
