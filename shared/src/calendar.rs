//! Calendar dates (`2026-11-23`) and months (`2026-11`) as the API writes them, in UTC.
//! Both sort as text in calendar order, which is what makes them usable as the start of a
//! DynamoDB sort key.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use crate::clock;
use crate::schema::text;

const DATE_FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");
pub const DATE_MESSAGE: &str = "Enter a valid date in the form YYYY-MM-DD.";
pub const MONTH_MESSAGE: &str = "Enter a valid month in the form YYYY-MM.";

/// A day that exists (no 2026-02-30), years 0001 to 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate(time::Date);

impl CalendarDate {
    pub fn today() -> Self {
        Self(clock::now().date())
    }

    pub fn month(self) -> Month {
        Month { year: self.0.year(), month: self.0.month() as u8 }
    }
}

impl FromStr for CalendarDate {
    type Err = &'static str;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        // `time` accepts signed and six-digit years; the API speaks exactly `YYYY-MM-DD`.
        if raw.len() != 10 || !raw.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(DATE_MESSAGE);
        }
        match time::Date::parse(raw, DATE_FORMAT) {
            Ok(date) if date.year() >= 1 => Ok(Self(date)),
            _ => Err(DATE_MESSAGE),
        }
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.0.year(), self.0.month() as u8, self.0.day())
    }
}

/// A calendar month, years 0001 to 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u8,
}

impl Month {
    pub fn current() -> Self {
        CalendarDate::today().month()
    }
}

impl FromStr for Month {
    type Err = &'static str;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let (year, month) = raw.split_once('-').ok_or(MONTH_MESSAGE)?;
        let digits = |text: &str, len: usize| text.len() == len && text.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(MONTH_MESSAGE);
        }
        let (year, month) = (year.parse().map_err(|_| MONTH_MESSAGE)?, month.parse().map_err(|_| MONTH_MESSAGE)?);
        if year >= 1 && (1..=12).contains(&month) { Ok(Self { year, month }) } else { Err(MONTH_MESSAGE) }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Serialized as the API writes them; deserialized with the same strict rules, so a body
/// field of these types reports the API's message.
macro_rules! text_serde {
    ($type:ty) => {
        impl Serialize for $type {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                raw.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

text_serde!(CalendarDate);
text_serde!(Month);

/// Years 0001 to 9999 as a regular expression (no lookahead, so generators can use it).
macro_rules! year_pattern {
    () => {
        "([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
    };
}

impl utoipa::PartialSchema for CalendarDate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        let date = utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Date);
        text(concat!("^", year_pattern!(), r"-[0-9]{2}-[0-9]{2}$"), "2026-11-23").format(Some(date)).into()
    }
}

impl utoipa::ToSchema for CalendarDate {}

impl utoipa::PartialSchema for Month {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        text(concat!("^", year_pattern!(), "-(0[1-9]|1[0-2])$"), "2026-11").into()
    }
}

impl utoipa::ToSchema for Month {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_exist_and_round_trip() {
        for good in ["2028-02-29", "2026-11-23", "0001-01-01", "9999-12-31"] {
            assert_eq!(good.parse::<CalendarDate>().unwrap().to_string(), good);
        }
        for bad in [
            "2026-02-30",
            "2027-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "26-01-01",
            "2026/01/01",
            "2026-01-01T00:00:00Z",
            "+02026-01-01",
            "0000-01-01",
            "",
            "２０２６-01-01",
        ] {
            assert_eq!(bad.parse::<CalendarDate>(), Err(DATE_MESSAGE), "{bad}");
        }
    }

    #[test]
    fn months_are_strict_and_round_trip() {
        for good in ["2026-11", "2026-01", "0001-12", "9999-12"] {
            assert_eq!(good.parse::<Month>().unwrap().to_string(), good);
        }
        for bad in ["2026-13", "2026-00", "2026-1", "26-11", "2026-11-01", "2026", "", "-2026-11", "2026-+1", "0000-05"]
        {
            assert_eq!(bad.parse::<Month>(), Err(MONTH_MESSAGE), "{bad}");
        }
    }

    #[test]
    fn text_order_is_calendar_order() {
        let dates = ["2025-12-31", "2026-01-01", "2026-01-10", "2026-10-01"];
        for pair in dates.windows(2) {
            assert!(pair[0].parse::<CalendarDate>().unwrap() < pair[1].parse().unwrap());
            assert!(pair[0] < pair[1]);
        }
        assert_eq!("2026-02-28".parse::<CalendarDate>().unwrap().month().to_string(), "2026-02");
    }

    #[test]
    fn serde_uses_the_api_form() {
        let date: CalendarDate = serde_json::from_str("\"2026-11-23\"").unwrap();
        assert_eq!(serde_json::to_string(&date).unwrap(), "\"2026-11-23\"");
        let err = serde_json::from_str::<Month>("\"2026-13\"").unwrap_err().to_string();
        assert!(err.starts_with(MONTH_MESSAGE), "{err}");
    }
}
