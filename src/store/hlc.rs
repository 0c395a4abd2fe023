//! The hybrid logical clock that orders change-log entries across laptops.
//!
//! A reading is wall-clock milliseconds that never go back, plus a counter for entries within
//! one millisecond (or while the wall clock lags behind a reading already seen). A laptop whose
//! clock is wrong still orders its own entries correctly, and entries from other laptops fold
//! into the same total order. Stored as fixed-width text with the device id last, so that text
//! order is clock order and no two devices share a reading.

/// The largest counter written (six digits).
const MAX_COUNTER: u32 = 999_999;

/// One reading of the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Hlc {
    /// Milliseconds since 1970 (UTC), never behind any reading seen.
    pub millis: i64,
    /// Order within the same millisecond.
    pub counter: u32,
}

impl Hlc {
    /// The next reading after `self` on a laptop whose wall clock says `now_millis`.
    pub fn tick(self, now_millis: i64) -> Hlc {
        if now_millis > self.millis {
            Hlc { millis: now_millis, counter: 0 }
        } else if self.counter + 1 > MAX_COUNTER {
            // The counter keeps its six digits (text order is clock order): the next millisecond.
            Hlc { millis: self.millis + 1, counter: 0 }
        } else {
            Hlc { millis: self.millis, counter: self.counter + 1 }
        }
    }

    /// The stored form: `0001717171717171-000000-<device>`.
    pub fn encode(self, device_id: &str) -> String {
        format!("{:016}-{:06}-{device_id}", self.millis, self.counter)
    }

    /// Reads a stored form; the empty text of entries older than the clock reads as zero.
    pub fn decode(s: &str) -> Option<Hlc> {
        if s.is_empty() {
            return Some(Hlc::default());
        }
        let mut parts = s.splitn(3, '-');
        let millis = parts.next()?.parse().ok()?;
        let counter = parts.next()?.parse().ok().filter(|c| *c <= MAX_COUNTER)?;
        Some(Hlc { millis, counter })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_goes_back_and_sorts_as_text() {
        let a = Hlc { millis: 1_000, counter: 0 };
        let lagging = a.tick(500);
        assert_eq!(lagging, Hlc { millis: 1_000, counter: 1 });
        let ahead = lagging.tick(2_000);
        assert_eq!(ahead, Hlc { millis: 2_000, counter: 0 });
        let texts = [a.encode("b"), lagging.encode("a"), ahead.encode("a")];
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(sorted, texts);
        assert_eq!(Hlc::decode(&lagging.encode("dev-1")), Some(lagging));
        assert_eq!(Hlc::decode(""), Some(Hlc::default()));
        assert_eq!(Hlc::decode("x-y"), None);
        assert_eq!(Hlc { millis: 5, counter: 999_999 }.tick(1), Hlc { millis: 6, counter: 0 }, "the counter keeps six digits");
        assert_eq!(Hlc::decode("0000000000000005-1000000-a"), None);
    }
}
