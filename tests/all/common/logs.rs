//! Capturing `tracing` output of one test.
//!
//! A subscriber set with `set_default` for one test races with the other tests of the binary over
//! tracing's global per-callsite cache, and can miss events. Instead one global subscriber at
//! TRACE writes into a buffer of the current thread, which a test on a current-thread runtime
//! (the `#[tokio::test]` default) owns with everything it spawns.

use std::cell::RefCell;
use std::sync::OnceLock;

thread_local! {
    static BUFFER: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Where the global subscriber writes: the current thread's buffer, if it has one.
struct ThreadBuffer;

impl std::io::Write for ThreadBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        BUFFER.with(|buffer| {
            if let Some(buffer) = buffer.borrow_mut().as_mut() {
                buffer.extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The `tracing` output of the current thread from now until the value is dropped.
pub struct Captured(());

/// Starts capturing this thread's `tracing` output at TRACE level, span closings included.
pub fn capture() -> Captured {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| ThreadBuffer)
            .with_ansi(false)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        tracing::callsite::rebuild_interest_cache();
    });
    BUFFER.with(|buffer| *buffer.borrow_mut() = Some(Vec::new()));
    Captured(())
}

impl Captured {
    /// Everything captured so far.
    pub fn text(&self) -> String {
        BUFFER.with(|buffer| String::from_utf8_lossy(buffer.borrow().as_deref().unwrap_or_default()).into_owned())
    }
}

impl Drop for Captured {
    fn drop(&mut self) {
        BUFFER.with(|buffer| *buffer.borrow_mut() = None);
    }
}
