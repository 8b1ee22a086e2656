//! When a failed delivery is tried again: exponential backoff after each failed attempt, by
//! default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (the schedule of Standard Webhooks' reference
//! implementation), then the message goes to the dead-letter queue. The queue's `max_retries`
//! (wrangler.toml) is the number of retries; an operator may set other delays with
//! `AUTHAZ_WEBHOOK_RETRY_SECONDS` (comma separated; the last one repeats).

/// The delays, in seconds, after the 1st, 2nd, ... failed attempt.
pub const DEFAULT_DELAYS: [u32; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
/// Queues refuse a delay over 12 hours.
pub const MAX_DELAY_SECONDS: u32 = 43_200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<u32>);

impl Default for RetrySchedule {
    fn default() -> Self {
        Self(DEFAULT_DELAYS.to_vec())
    }
}

impl RetrySchedule {
    /// From `AUTHAZ_WEBHOOK_RETRY_SECONDS`; the default when it is not a list of numbers.
    pub fn parse(text: &str) -> Self {
        let delays: Option<Vec<u32>> = text.split(',').map(|d| d.trim().parse::<u32>().ok().map(|d| d.min(MAX_DELAY_SECONDS))).collect();
        match delays {
            Some(delays) if !delays.is_empty() && delays.len() <= 100 => Self(delays),
            _ => Self::default(),
        }
    }

    /// The delay before the next attempt once attempt `attempt` (1 for the first) failed.
    pub fn delay_after(&self, attempt: u32) -> u32 {
        let i = (attempt.max(1) - 1) as usize;
        self.0.get(i).or(self.0.last()).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_and_repeats_the_last_delay() {
        let s = RetrySchedule::default();
        assert_eq!(s.delay_after(1), 5);
        assert_eq!(s.delay_after(2), 300);
        assert_eq!(s.delay_after(7), 36_000);
        assert_eq!(s.delay_after(50), 36_000);
        assert_eq!(s.delay_after(0), 5);
    }

    #[test]
    fn an_operator_schedule_or_the_default() {
        assert_eq!(RetrySchedule::parse("1, 2,3").delay_after(3), 3);
        assert_eq!(RetrySchedule::parse("1,2,3").delay_after(9), 3);
        assert_eq!(RetrySchedule::parse("99999").delay_after(1), MAX_DELAY_SECONDS);
        for bad in ["", "a", "1,,2", "-1", "1.5"] {
            assert_eq!(RetrySchedule::parse(bad), RetrySchedule::default(), "{bad:?}");
        }
    }
}
