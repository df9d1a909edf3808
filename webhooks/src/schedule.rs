//! When a failed delivery is tried again.

use std::time::Duration;

/// The delays between attempts: after attempt `n` fails, the next one waits the `n`th
/// delay; once the list is used up the delivery is exhausted. `attempts = delays + 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid retry schedule entry {entry:?}: expected a number with unit ms, s, m, h or d")]
pub struct ScheduleError {
    pub entry: String,
}

impl Default for RetrySchedule {
    /// 5s, 30s, 2m, 10m, 30m, 2h, 6h, 12h, 24h: ten attempts over about 45 hours.
    fn default() -> Self {
        let s = |n| Duration::from_secs(n);
        Self {
            delays: vec![
                s(5),
                s(30),
                s(120),
                s(600),
                s(1800),
                s(7200),
                s(21600),
                s(43200),
                s(86400),
            ],
        }
    }
}

impl RetrySchedule {
    pub fn new(delays: Vec<Duration>) -> Self {
        Self { delays }
    }

    /// Parses `"5s,30s,2m"` (units `ms`, `s`, `m`, `h`, `d`). An empty string means "never
    /// retry" (one attempt).
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let mut delays = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            delays.push(parse_duration(entry).ok_or_else(|| ScheduleError {
                entry: entry.to_owned(),
            })?);
        }
        Ok(Self { delays })
    }

    /// How long to wait after attempt `attempt` (1-based) failed; `None` when it was the
    /// last one.
    pub fn delay_after(&self, attempt: u32) -> Option<Duration> {
        let index = usize::try_from(attempt).ok()?.checked_sub(1)?;
        self.delays.get(index).copied()
    }

    /// Attempts made before a delivery is exhausted.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.delays.len() + 1).unwrap_or(u32::MAX)
    }

    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }
}

fn parse_duration(entry: &str) -> Option<Duration> {
    let split = entry.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = entry.split_at(split);
    let n: u64 = number.parse().ok()?;
    let ms = match unit {
        "ms" => n,
        "s" => n.checked_mul(1_000)?,
        "m" => n.checked_mul(60_000)?,
        "h" => n.checked_mul(3_600_000)?,
        "d" => n.checked_mul(86_400_000)?,
        _ => return None,
    };
    Some(Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_runs_out() {
        let s = RetrySchedule::parse("1s, 2m,500ms").unwrap();
        assert_eq!(s.delay_after(1), Some(Duration::from_secs(1)));
        assert_eq!(s.delay_after(2), Some(Duration::from_secs(120)));
        assert_eq!(s.delay_after(3), Some(Duration::from_millis(500)));
        assert_eq!(s.delay_after(4), None);
        assert_eq!(s.delay_after(0), None);
        assert_eq!(s.max_attempts(), 4);
        assert!(RetrySchedule::parse("5x").is_err());
        assert!(RetrySchedule::parse("s").is_err());
        assert_eq!(RetrySchedule::default().max_attempts(), 10);
    }
}
