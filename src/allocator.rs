//! The allocator of the binary: jemalloc, but the system allocator for large blocks.
//!
//! Rendering makes and drops millions of small template values across threads. jemalloc
//! does that with a tenth less CPU time than the system allocator on a 25,000-record
//! register, without mimalloc's third more memory on plain pages (benches/bench.py).
//!
//! A block that grows to hundreds of megabytes, such as the parse tree of a 10 MB page or
//! its HTML, is another matter: at each doubling jemalloc moves it to new pages, copying
//! it, and hands the old ones back to the system at once, while the system allocator
//! extends a large block where it is (`mremap`). On a page of a million links that was
//! half of the check's time in the kernel (benches/large_inputs.py).

use std::alloc::{GlobalAlloc, Layout, System};

use tikv_jemallocator::Jemalloc;

/// Blocks of this size and more come from the system allocator. A handbook without huge
/// files has few: the 25,000-record register keeps its peak memory; with jemalloc's own
/// bound for huge blocks, 8 MB, it took a tenth more.
const LARGE: usize = 32 << 20;

pub struct Allocator;

// SAFETY: a block is made and freed by the system allocator when its size is at least
// `LARGE`, by jemalloc otherwise, and both calls are given its size (GlobalAlloc's
// contract); a block whose size crosses `LARGE` when resized is copied from one to the
// other.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= LARGE {
            unsafe { System.alloc(layout) }
        } else {
            unsafe { Jemalloc.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= LARGE {
            unsafe { System.alloc_zeroed(layout) }
        } else {
            unsafe { Jemalloc.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() >= LARGE {
            unsafe { System.dealloc(ptr, layout) }
        } else {
            unsafe { Jemalloc.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match (layout.size() >= LARGE, new_size >= LARGE) {
            (true, true) => unsafe { System.realloc(ptr, layout, new_size) },
            (false, false) => unsafe { Jemalloc.realloc(ptr, layout, new_size) },
            _ => {
                // SAFETY: `new_size` rounded up to the alignment does not overflow
                // (GlobalAlloc::realloc's contract).
                let new_layout =
                    unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                let new = unsafe { self.alloc(new_layout) };
                if !new.is_null() {
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                new
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A block keeps its bytes when it grows from jemalloc's to the system's and shrinks
    /// back, and a large zeroed block is zeroed.
    #[test]
    fn a_block_keeps_its_bytes_across_both_allocators() {
        let small = Layout::from_size_align(1024, 16).unwrap();
        let large = Layout::from_size_align(2 * LARGE, 16).unwrap();
        unsafe {
            let block = Allocator.alloc(small);
            assert!(!block.is_null());
            for i in 0..small.size() {
                *block.add(i) = i as u8;
            }
            let block = Allocator.realloc(block, small, large.size());
            assert!(!block.is_null());
            *block.add(large.size() - 1) = 7;
            let block = Allocator.realloc(block, large, 512);
            assert!(!block.is_null());
            assert!((0..512).all(|i| *block.add(i) == i as u8));
            Allocator.dealloc(block, Layout::from_size_align(512, 16).unwrap());
            let zeroed = Allocator.alloc_zeroed(large);
            assert!(!zeroed.is_null());
            assert!((0..large.size()).step_by(4096).all(|i| *zeroed.add(i) == 0));
            Allocator.dealloc(zeroed, large);
        }
    }
}
