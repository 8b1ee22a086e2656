//! X.509's two time types as Unix seconds, in the one DER form RFC 5280 §4.1.2.5 allows:
//! UTCTime `YYMMDDHHMMSSZ` (years 50-99 are 1950-1999, 00-49 are 2000-2049) and
//! GeneralizedTime `YYYYMMDDHHMMSSZ` (no fractional seconds, no time zone offset). Calendar
//! dates only; no leap second.

use super::reader::{Error, Result, Tag, Tlv};

const BAD_TIME: Error = Error::new("time is not a valid DER UTCTime or GeneralizedTime");

/// A `Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }`.
pub fn time(tlv: &Tlv<'_>) -> Result<i64> {
    match tlv.tag {
        Tag::UTC_TIME => utc_time(tlv.value),
        Tag::GENERALIZED_TIME => generalized_time(tlv.value),
        _ => Err(BAD_TIME),
    }
}

/// UTCTime content `YYMMDDHHMMSSZ`.
pub fn utc_time(content: &[u8]) -> Result<i64> {
    let [digits @ .., b'Z'] = content else { return Err(BAD_TIME) };
    let [y1, y2, rest @ ..] = digits else { return Err(BAD_TIME) };
    let year = decimal(*y1, *y2)?;
    let year = if year >= 50 { 1900 + year } else { 2000 + year };
    date_time(year, rest)
}

/// GeneralizedTime content `YYYYMMDDHHMMSSZ`.
pub fn generalized_time(content: &[u8]) -> Result<i64> {
    let [digits @ .., b'Z'] = content else { return Err(BAD_TIME) };
    let [y1, y2, y3, y4, rest @ ..] = digits else { return Err(BAD_TIME) };
    date_time(decimal(*y1, *y2)? * 100 + decimal(*y3, *y4)?, rest)
}

/// Seconds since 1970-01-01T00:00:00Z of `year` and the digits `MMDDHHMMSS`.
fn date_time(year: i64, digits: &[u8]) -> Result<i64> {
    let [m1, m2, d1, d2, h1, h2, n1, n2, s1, s2] = *digits else { return Err(BAD_TIME) };
    let (month, day) = (decimal(m1, m2)?, decimal(d1, d2)?);
    let (hour, minute, second) = (decimal(h1, h2)?, decimal(n1, n2)?, decimal(s1, s2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        _ => return Err(BAD_TIME),
    };
    if !(1..=month_days).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return Err(BAD_TIME);
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Two ASCII digits as a number.
fn decimal(tens: u8, ones: u8) -> Result<i64> {
    match (tens, ones) {
        (b'0'..=b'9', b'0'..=b'9') => Ok(i64::from(tens - b'0') * 10 + i64::from(ones - b'0')),
        _ => Err(BAD_TIME),
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_time_century_rule() {
        assert_eq!(utc_time(b"700101000000Z"), Ok(0));
        assert_eq!(utc_time(b"491231235959Z"), Ok(2_524_607_999)); // 2049-12-31T23:59:59Z
        assert_eq!(utc_time(b"500101000000Z"), Ok(-631_152_000)); // 1950-01-01
        assert_eq!(utc_time(b"000229000000Z"), Ok(951_782_400)); // 2000 is a leap year
        assert_eq!(utc_time(b"270115080000Z"), Ok(1_800_000_000));
    }

    #[test]
    fn generalized_time_forms() {
        assert_eq!(generalized_time(b"19700101000000Z"), Ok(0));
        assert_eq!(generalized_time(b"20500101000000Z"), Ok(2_524_608_000));
        assert_eq!(generalized_time(b"99991231235959Z"), Ok(253_402_300_799));
        assert_eq!(generalized_time(b"21000228235959Z").map(|t| t + 1), generalized_time(b"21000301000000Z"), "2100 is not a leap year");
        // DER (RFC 5280): seconds present, no fraction, `Z` only.
        for bad in [&b"20500101000000.5Z"[..], b"20500101000000.0Z", b"205001010000Z", b"20500101000000", b"20500101000000+0100", b"2050010100000Z"] {
            assert_eq!(generalized_time(bad), Err(BAD_TIME), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn rejects_invalid_dates_and_forms() {
        for bad in [
            &b"491301000000Z"[..], // month 13
            b"490100000000Z",      // month 0
            b"490132000000Z",
            b"490431000000Z",
            b"490229000000Z", // 2049 is not a leap year
            b"490101240000Z",
            b"490101006000Z",
            b"490101000060Z", // no leap second
            b"4901010000Z",   // no seconds
            b"490101000000",
            b"490101000000+0000",
            b"49010100000 Z",
            b"4901010000-1Z",
            b"",
            b"Z",
        ] {
            assert_eq!(utc_time(bad), Err(BAD_TIME), "{}", String::from_utf8_lossy(bad));
        }
        assert!(utc_time(b"960229000000Z").is_ok());
        let tlv = Tlv { tag: Tag::OCTET_STRING, value: b"490101000000Z", raw: &[] };
        assert_eq!(time(&tlv), Err(BAD_TIME));
    }
}
