//! The end-to-end benchmark of `e2e_bench` (same arguments, same report) in a binary whose
//! global allocator is mimalloc, to show what an application gains by choosing it:
//!
//! ```text
//! cargo run --release -p tweetstream --example e2e_bench_mimalloc -- v1 --messages 300000
//! ```
//!
//! The library allocates about forty small strings and vectors per v1.1 status; mimalloc's
//! thread-local free lists make those cheaper than glibc's malloc.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support_bench/mod.rs"]
mod bench;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    bench::main("mimalloc")
}
