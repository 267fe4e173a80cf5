//! What a write without `If-Match` does when another writer got there first: it reads the
//! newer item and applies itself again, after a short random pause that grows with each
//! loss (exponential backoff, full jitter), until it wins or its time budget runs out.
//! The client set no precondition, so a lost race is never its 412; only an exhausted
//! budget answers, as 503 `service_unavailable` with `Retry-After`.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::ApiError;

/// How long one request may keep retrying a contended write, pauses and attempts included: half
/// the functions' 10 s timeout, because on a slow database each attempt is slow too (seen: three
/// losses took 2.5 s on a loaded machine), and a lost race is never the client's fault.
pub const BUDGET: Duration = Duration::from_secs(5);
/// The longest pause the first loss may take; each further loss doubles it, up to `MAX_PAUSE`.
const FIRST_PAUSE: Duration = Duration::from_millis(4);
const MAX_PAUSE: Duration = Duration::from_millis(200);

/// The retries of one contended write.
#[derive(Debug)]
pub struct Contention {
    deadline: Instant,
    losses: u32,
}

impl Contention {
    pub fn start() -> Self {
        Self::with_budget(BUDGET)
    }

    pub fn with_budget(budget: Duration) -> Self {
        Self { deadline: Instant::now() + budget, losses: 0 }
    }

    /// The write lost a race: pause before the next attempt, or answer 503 when the pause
    /// would end past the budget.
    pub async fn lost(&mut self) -> Result<(), ApiError> {
        let pause = self.next_pause();
        if Instant::now() + pause >= self.deadline {
            tracing::warn!(losses = self.losses, "a write without If-Match kept losing races; answering 503");
            return Err(ApiError::ServiceUnavailable);
        }
        tokio::time::sleep(pause).await;
        Ok(())
    }

    /// A random pause in `[0, min(MAX_PAUSE, FIRST_PAUSE * 2^losses)]`, counting this loss.
    fn next_pause(&mut self) -> Duration {
        let ceiling = FIRST_PAUSE.saturating_mul(1 << self.losses.min(16)).min(MAX_PAUSE);
        self.losses += 1;
        let random = RandomState::new().hash_one(self.losses);
        ceiling.mul_f64(random as f64 / u64::MAX as f64)
    }

    pub fn losses(&self) -> u32 {
        self.losses
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_a_ceiling_and_vary() {
        let mut contention = Contention::start();
        let pauses: Vec<Duration> = (0..12).map(|_| contention.next_pause()).collect();
        for (loss, pause) in pauses.iter().enumerate() {
            let ceiling = FIRST_PAUSE.saturating_mul(1 << loss).min(MAX_PAUSE);
            assert!(*pause <= ceiling, "loss {loss}: {pause:?} > {ceiling:?}");
        }
        assert_eq!(contention.losses(), 12);
        let distinct: std::collections::BTreeSet<_> = pauses[6..].iter().collect();
        assert!(distinct.len() > 1, "jitter: {pauses:?}");
    }

    #[tokio::test]
    async fn an_exhausted_budget_is_503_never_412() {
        let mut contention = Contention::with_budget(Duration::from_millis(300));
        let error = loop {
            if let Err(error) = contention.lost().await {
                break error;
            }
        };
        assert_eq!(error.code(), "service_unavailable");
        assert!(contention.losses() > 2, "it retried before giving up: {}", contention.losses());
    }
}
