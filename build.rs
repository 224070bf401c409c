//! `secbook init` embeds the starter handbook (handbook.yaml, content/, data/) with
//! include_dir!, which makes cargo rebuild when an embedded file changes but not when a file
//! is added or removed. Watching the folders here covers that too.

// Cargo reads a build script's stdout; if it cannot, the build should fail loudly.
#![allow(clippy::disallowed_macros)]

fn main() {
    for path in ["handbook.yaml", "content", "data"] {
        println!("cargo:rerun-if-changed={path}");
    }
}
