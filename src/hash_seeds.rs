//! Where the hash tables' seeds come from: a counter of each thread's own.
//!
//! Tera makes a hash table for every map value it builds, millions on a large register,
//! and ahash's default seed source is one counter that every thread adds to. On two
//! cores the counter's cache line went back and forth between them with each table.
//! Each table still hashes with the process's random keys (ahash mixes them with the
//! seed), so the seed only has to differ from table to table: copying a table in its own
//! order into another hashed alike crowds the keys together, and can take quadratic time.

use std::cell::Cell;

use ahash::random_state::{RandomSource, set_random_source};

struct PerThread;

impl RandomSource for PerThread {
    fn gen_hasher_seed(&self) -> usize {
        thread_local! {
            static NEXT: Cell<usize> = const { Cell::new(0) };
        }
        NEXT.with(|next| {
            // The cell's address differs between threads, so their seeds do too.
            let seed = next.get().wrapping_add(next as *const _ as usize);
            next.set(seed);
            seed
        })
    }
}

/// Makes every hash table after this call take its seed from [`PerThread`]. Called first
/// thing in `main`: it has no effect once a table was made.
pub fn install() {
    let _ = set_random_source(PerThread);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_seed_differs_from_the_last_and_from_another_threads() {
        let here: Vec<usize> = (0..3).map(|_| PerThread.gen_hasher_seed()).collect();
        let there = std::thread::spawn(|| PerThread.gen_hasher_seed())
            .join()
            .unwrap();
        assert!(here[0] != here[1] && here[1] != here[2]);
        // Each thread's first seed is its own cell's address.
        assert_ne!(here[0], there);
    }
}
