//! Time as the API shows it: RFC 3339 in UTC with milliseconds and `Z`.

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// `2026-11-23T10:15:30.123Z`
pub fn format_timestamp(at: OffsetDateTime) -> String {
    const FORMAT: &[BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(UtcOffset::UTC).format(FORMAT).unwrap_or_default()
}

/// Seconds since the Unix epoch, as JWT claims and DynamoDB TTL attributes use.
pub fn epoch_seconds(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

pub fn from_epoch_seconds(seconds: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn always_three_fraction_digits_and_z() {
        assert_eq!(format_timestamp(datetime!(2026-11-23 10:15:30.123 UTC)), "2026-11-23T10:15:30.123Z");
        assert_eq!(format_timestamp(datetime!(2026-11-23 10:15:30 UTC)), "2026-11-23T10:15:30.000Z");
        assert_eq!(format_timestamp(datetime!(2026-11-23 10:15:30.1 UTC)), "2026-11-23T10:15:30.100Z");
        assert_eq!(format_timestamp(datetime!(2026-11-23 10:15:30.123456 UTC)), "2026-11-23T10:15:30.123Z");
        assert_eq!(format_timestamp(datetime!(2026-11-23 12:15:30.5 +02:00)), "2026-11-23T10:15:30.500Z");
    }
}
