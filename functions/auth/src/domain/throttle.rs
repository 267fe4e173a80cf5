//! Login throttling: after `max_failures` wrong passwords for one login name within a
//! window, further attempts are refused until the window ends.

use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub max_failures: u32,
    pub window: Duration,
}

/// The failures counted for one login name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureWindow {
    pub failures: u32,
    /// Epoch seconds when the count resets.
    pub window_ends: i64,
}

impl ThrottlePolicy {
    /// Seconds until another attempt is allowed, or `None` when it is allowed now.
    pub fn retry_after(&self, window: Option<FailureWindow>, now: i64) -> Option<u64> {
        let window = window?;
        (window.window_ends > now && window.failures >= self.max_failures).then(|| (window.window_ends - now) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_until_the_window_ends() {
        let policy = ThrottlePolicy { max_failures: 5, window: Duration::from_secs(900) };
        let window = |failures| Some(FailureWindow { failures, window_ends: 1_000 });
        assert_eq!(policy.retry_after(None, 100), None);
        assert_eq!(policy.retry_after(window(4), 100), None);
        assert_eq!(policy.retry_after(window(5), 100), Some(900));
        assert_eq!(policy.retry_after(window(9), 999), Some(1));
        assert_eq!(policy.retry_after(window(9), 1_000), None);
    }
}
