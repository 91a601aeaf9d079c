//! How a long stage reports how far it has got. The stages take a [`Progress`] and tick the
//! [`Meter`]s it hands out; the command line (`ui`) implements it with progress bars, and
//! everything else (tests, `check`, `-q`) uses [`Silent`]. A leaf, so that no stage depends on
//! the terminal.

use std::sync::Arc;

/// What a stage counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Bytes of input, out of a total.
    Bytes(u64),
    /// Items (`unit`: "complaints"), out of a total.
    Count(u64, &'static str),
    /// Nothing countable: a spinner with a message.
    Spinner,
}

/// Hands out one meter per stage.
pub trait Progress: Sync {
    /// Starts the meter of `stage`.
    fn begin(&self, stage: &str, measure: Measure) -> Meter;
    /// Ends the block of meters, so that what is printed next starts on a line of its own.
    fn done(&self) {}
}

/// What a drawn meter does; [`Meter`] wraps it.
pub trait Ticker: Send + Sync {
    /// Advances by `n`.
    fn inc(&self, n: u64);
    /// Sets the text after the meter.
    fn message(&self, msg: &str);
    /// Completes the meter, leaving its final count on screen.
    fn finish(&self);
}

/// One stage's meter; a no-op when nothing draws it. Cloning shares it (rayon workers tick the
/// same meter).
#[derive(Clone, Default)]
pub struct Meter(Option<Arc<dyn Ticker>>);

impl Meter {
    /// A meter that draws nothing.
    pub fn hidden() -> Meter {
        Meter(None)
    }

    /// A meter that `ticker` draws.
    pub fn drawn(ticker: Arc<dyn Ticker>) -> Meter {
        Meter(Some(ticker))
    }

    /// True when something draws it.
    pub fn is_drawn(&self) -> bool {
        self.0.is_some()
    }

    /// Advances by `n`.
    pub fn inc(&self, n: u64) {
        if let Some(t) = &self.0 {
            t.inc(n);
        }
    }

    /// Sets the text after the meter.
    pub fn message(&self, msg: &str) {
        if let Some(t) = &self.0 {
            t.message(msg);
        }
    }

    /// Completes the meter.
    pub fn finish(&self) {
        if let Some(t) = &self.0 {
            t.finish();
        }
    }
}

impl std::fmt::Debug for Meter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Meter(drawn)"
        } else {
            "Meter(hidden)"
        })
    }
}

/// Progress that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn begin(&self, _: &str, _: Measure) -> Meter {
        Meter::hidden()
    }
}
