//! Memory per call, SDK against bare reqwest (no harness):
//!
//! - heap allocations and bytes allocated per call, counted on the calling thread (a
//!   current-thread runtime; the server's own allocations, on its threads, are not counted):
//!   exact and independent of machine load; and how many of them are larger than glibc's
//!   per-thread cache serves (1,032 bytes), which take a lock shared with the other threads;
//! - peak resident memory of 100,000 calls.
//!
//! The bench starts the loopback server, then runs itself twice per client as a child process
//! (`--child sdk|bare URL`), so the two never share a heap; each child makes the calls with 64
//! concurrent callers and reports its peak resident set (`VmHWM` in `/proc/self/status`).
//!
//! ```text
//! cargo bench --bench memory
//! ```

#[path = "common/mod.rs"]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::Server;

/// The system allocator, counting allocations made by the current thread.
struct Counting;

/// The largest block glibc's allocator serves from a thread's own cache (its `tcache`) on
/// 64-bit Linux. A larger block is taken from and given back to an arena under its lock, which
/// the other threads contend for.
const THREAD_CACHE_MAX: usize = 1032;

thread_local! {
    /// Allocations, bytes, and allocations larger than [`THREAD_CACHE_MAX`].
    static ALLOCATIONS: Cell<(u64, u64, u64)> = const { Cell::new((0, 0, 0)) };
}

// SAFETY: every call is passed to the system allocator unchanged; the counter is a plain
// thread-local that allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn count(bytes: usize) {
    // `try_with`: a thread being torn down has no counter left; its allocations don't matter.
    let _ = ALLOCATIONS.try_with(|counter| {
        let (n, total, large) = counter.get();
        counter.set((n + 1, total + bytes as u64, large + u64::from(bytes > THREAD_CACHE_MAX)));
    });
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Allocations and bytes per call of `GET /balance` and `GET /instances` for one client.
fn allocations_per_call(server: &Server) {
    const N: u64 = 2_000;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sdk = common::sdk(&server.base_url);
        let bare = common::bare(&server.base_url);
        common::sdk_balance(&sdk).await; // the token, the connection
        bare.balance().await;
        let measure = async |label: &str, sdk_call: bool, instances: bool| {
            let before = ALLOCATIONS.with(Cell::get);
            for _ in 0..N {
                match (sdk_call, instances) {
                    (true, false) => drop(common::sdk_balance(&sdk).await),
                    (true, true) => drop(common::sdk_instances(&sdk).await),
                    (false, false) => drop(bare.balance().await),
                    (false, true) => drop(bare.instances().await),
                }
            }
            let after = ALLOCATIONS.with(Cell::get);
            let (n, bytes, large) = (
                (after.0 - before.0) as f64 / N as f64,
                (after.1 - before.1) as f64 / N as f64,
                (after.2 - before.2) as f64 / N as f64,
            );
            println!("{label:<34} {n:>7.1} allocations {bytes:>9.0} bytes {large:>5.1} over 1 KiB per call");
            n
        };
        // What a caller's task holds while a call runs: copied whole as the call starts.
        println!(
            "{:<34} sdk {} bytes, bare {} bytes",
            "size of a GET /balance future",
            std::mem::size_of_val(&common::sdk_balance(&sdk)),
            std::mem::size_of_val(&bare.balance()),
        );
        for (name, instances) in [("GET /balance", false), ("GET /instances (20)", true)] {
            let sdk_n = measure(&format!("{name}, sdk"), true, instances).await;
            let bare_n = measure(&format!("{name}, bare"), false, instances).await;
            println!("{:<34} {:>+7.1} allocations per call", "  sdk - bare", sdk_n - bare_n);
        }
    });
}

const CALLS: usize = 100_000;
const CALLERS: usize = 64;

/// A line of `/proc/self/status` in KiB (`VmHWM`, `VmRSS`).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux)");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// In the child: `CALLS` calls of `GET /instances` (20 instances) with one client.
fn child(mode: &str, base_url: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let before = status_kib("VmRSS");
    runtime.block_on(async {
        let sdk = common::sdk(base_url);
        let bare = common::bare(base_url);
        let left = Arc::new(AtomicUsize::new(CALLS));
        let tasks: Vec<_> = (0..CALLERS)
            .map(|_| {
                let (sdk, bare, left) = (sdk.clone(), bare.clone(), left.clone());
                let sdk_mode = mode == "sdk";
                tokio::spawn(async move {
                    while left
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                        .is_ok()
                    {
                        let list = if sdk_mode {
                            common::sdk_instances(&sdk).await
                        } else {
                            bare.instances().await
                        };
                        assert_eq!(list.len(), common::LISTED_INSTANCES);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("a caller task");
        }
    });
    println!("{before} {}", status_kib("VmHWM"));
}

/// Runs one child and returns (resident before the calls, peak) in KiB.
fn run_child(mode: &str, server: &Server) -> (u64, u64) {
    let exe = std::env::current_exe().expect("the bench's own path");
    let output = Command::new(exe)
        .args(["--child", mode, &server.base_url])
        .output()
        .expect("the bench runs itself");
    assert!(
        output.status.success(),
        "{mode} child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let mut numbers = text.split_whitespace().map(|n| n.parse().expect("KiB figures"));
    (numbers.next().expect("before"), numbers.next().expect("peak"))
}

fn main() {
    common::serve_if_asked();
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "--child") {
        return child(&args[at + 1], &args[at + 2]);
    }
    let server = Server::start(2);
    println!("== heap allocations per call, on the calling thread");
    allocations_per_call(&server);
    println!("\n== peak resident memory of {CALLS} calls of GET /instances (20), {CALLERS} callers");
    let mut peaks = [Vec::new(), Vec::new()];
    for _ in 0..2 {
        for (slot, mode) in ["sdk", "bare"].into_iter().enumerate() {
            let (before, peak) = run_child(mode, &server);
            println!("{mode:<5} before calls {before:>7} KiB   peak {peak:>7} KiB");
            peaks[slot].push(peak);
        }
    }
    let [sdk, bare] = peaks.map(|p| p.into_iter().min().expect("two runs"));
    println!(
        "peak sdk {sdk} KiB, bare {bare} KiB: ratio sdk/bare {:.3}",
        sdk as f64 / bare as f64
    );
}
