//! Unix milliseconds to the text form of the API's times, without a date library: RFC 3339 UTC
//! (`2026-11-25T14:03:07.123Z`, the form of JavaScript's `toISOString`).

const MS_PER_DAY: i64 = 86_400_000;

/// A UTC calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32, // 1..=12
    day: u32,   // 1..=31
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
}

fn civil(unix_ms: i64) -> Civil {
    let days = unix_ms.div_euclid(MS_PER_DAY);
    let ms_of_day = unix_ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Civil { year, month, day, hour: ms_of_day / 3_600_000, minute: ms_of_day / 60_000 % 60, second: ms_of_day / 1000 % 60, millis: ms_of_day % 1000 }
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// RFC 3339 UTC with milliseconds: `2026-11-25T14:03:07.123Z`.
pub fn rfc3339_utc(unix_ms: i64) -> String {
    let c = civil(unix_ms);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_instants() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339_utc(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(rfc3339_utc(4_102_444_799_999), "2099-12-31T23:59:59.999Z");
        assert_eq!(rfc3339_utc(253_402_300_799_000), "9999-12-31T23:59:59.000Z");
    }

    #[test]
    fn before_the_epoch() {
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(rfc3339_utc(-86_400_000), "1969-12-31T00:00:00.000Z");
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        // Walk day by day from 1900 to 2300 and check the date advances like a calendar.
        let days_in = |y: i64, m: u32| match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let (mut y, mut m, mut d) = (1900i64, 1u32, 1u32);
        let start = -25_567i64; // 1900-01-01
        for days in start..start + 146_097 {
            assert_eq!(civil_from_days(days), (y, m, d), "day {days}");
            d += 1;
            if d > days_in(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        for ms in [i64::MIN, i64::MIN / 2, i64::MAX / 2, i64::MAX] {
            let _ = rfc3339_utc(ms);
        }
    }
}
