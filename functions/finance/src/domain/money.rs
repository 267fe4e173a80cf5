//! Money as exact decimals. An amount is read from the text of a JSON number or a numeric
//! string (serde_json keeps a number's text with `arbitrary_precision`), checked digit by
//! digit, and held as a `rust_decimal::Decimal`; no float ever sees it. The API writes
//! amounts as strings with two decimals.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

pub const INVALID: &str = "A valid number is required.";
pub const NOT_POSITIVE: &str = "Ensure this value is greater than 0.";
pub const TOO_LARGE: &str = "Ensure this value is less than or equal to 1000000000.";
pub const TOO_PRECISE: &str = "Ensure that there are no more than 2 decimal places.";

const MAX_WHOLE_UNITS: i128 = 1_000_000_000;
const DECIMAL_PLACES: u32 = 2;

/// What a client may send as an amount: more than 0, at most 1,000,000,000, at most two
/// decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(Decimal);

impl Amount {
    /// Parses `-?digits(.digits)?([eE][+-]?digits)?` exactly. Trailing zeros do not count
    /// as decimal places (`12.500` is 12.50); `1.5e2` is 150.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
            Some((mantissa, exponent)) => (mantissa, parse_exponent(exponent)?),
            None => (unsigned, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || (mantissa.contains('.') && !all_digits(fraction)) {
            return Err(INVALID);
        }
        // value = significant * 10^-scale
        let significant = format!("{whole}{fraction}");
        let significant = significant.trim_start_matches('0');
        let mut scale = fraction.len() as i64 - exponent;
        let trimmed = significant.trim_end_matches('0');
        if trimmed.is_empty() || negative {
            return Err(NOT_POSITIVE);
        }
        let trailing_zeros = (significant.len() - trimmed.len()) as i64;
        let dropped = trailing_zeros.min(scale.max(0));
        let significant = &significant[..significant.len() - dropped as usize];
        scale -= dropped;
        if scale > i64::from(DECIMAL_PLACES) {
            return Err(TOO_PRECISE);
        }
        // Whole digits beyond ten are over the maximum whatever they are.
        let whole_digits = significant.len() as i64 - scale;
        if whole_digits > 10 {
            return Err(TOO_LARGE);
        }
        let cents_scale = i64::from(DECIMAL_PLACES) - scale;
        let cents: i128 = format!("{significant}{}", "0".repeat(cents_scale as usize)).parse().map_err(|_| INVALID)?;
        if cents > MAX_WHOLE_UNITS * 100 {
            return Err(TOO_LARGE);
        }
        Ok(Self(Decimal::from_i128_with_scale(cents, DECIMAL_PLACES)))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// Exponents beyond what could still give a valid amount saturate: `1e999999999999` is
/// simply too large, not a parse failure.
fn parse_exponent(text: &str) -> Result<i64, &'static str> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(INVALID);
    }
    let magnitude = digits.trim_start_matches('0');
    let magnitude: i64 = if magnitude.len() > 6 { 1_000_000 } else { magnitude.parse().unwrap_or(0) };
    Ok(if text.starts_with('-') { -magnitude } else { magnitude })
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Money(self.0).fmt(f)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A JSON number (its exact text) or a numeric string; anything else is not an amount.
impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let parsed = match Value::deserialize(deserializer)? {
            Value::Number(number) => Self::parse(number.as_str()),
            Value::String(text) => Self::parse(&text),
            _ => Err(INVALID),
        };
        parsed.map_err(serde::de::Error::custom)
    }
}

/// Sent as a decimal string or a JSON number; answered as a string with two decimals.
impl utoipa::PartialSchema for Amount {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::{ObjectBuilder, OneOfBuilder, Type};
        let text = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(r"^0*([1-9][0-9]{0,8}(\.[0-9]{1,2})?|1000000000(\.00?)?|0\.(0[1-9]|[1-9][0-9]?))$"))
            .examples(["12.50"]);
        let number = ObjectBuilder::new()
            .schema_type(Type::Number)
            .exclusive_minimum(Some(0))
            .maximum(Some(1_000_000_000))
            .multiple_of(Some(0.01));
        OneOfBuilder::new()
            .item(text)
            .item(number)
            .description(Some(
                "More than 0, at most 1000000000, at most two decimal places; exact. Answered as a string with two decimals.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Amount {}

/// Sums and differences are answered as strings with two decimals, negative when over.
impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        shared::schema::text(r"^-?[0-9]+\.[0-9]{2}$", "12.50").into()
    }
}

impl utoipa::ToSchema for Money {}

/// A sum or difference of amounts: zero or negative too (a budget's remaining money).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Self = Self(Decimal::ZERO);

    /// Exact; `None` only past Decimal's 28 digits, which sums of amounts of at most
    /// 10^9 cannot reach before a month holds 10^19 expenses.
    pub fn checked_add(self, amount: impl Into<Money>) -> Option<Self> {
        self.0.checked_add(amount.into().0).map(Self)
    }

    pub fn checked_sub(self, amount: impl Into<Money>) -> Option<Self> {
        self.0.checked_sub(amount.into().0).map(Self)
    }
}

impl From<Amount> for Money {
    fn from(amount: Amount) -> Self {
        Self(amount.0)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut value = self.0;
        value.rescale(DECIMAL_PLACES);
        write!(f, "{value}")
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> String {
        Amount::parse(text).unwrap_or_else(|e| panic!("{text}: {e}")).to_string()
    }

    #[test]
    fn accepted_forms_are_exact() {
        for (text, shown) in [
            ("12.5", "12.50"),
            ("12.50", "12.50"),
            ("12.500", "12.50"),
            ("0.01", "0.01"),
            ("7", "7.00"),
            ("007", "7.00"),
            ("1000000000", "1000000000.00"),
            ("1000000000.00", "1000000000.00"),
            ("999999999.99", "999999999.99"),
            ("1e3", "1000.00"),
            ("1.5E2", "150.00"),
            ("125e-2", "1.25"),
            ("1e+2", "100.00"),
            ("0.10", "0.10"),
        ] {
            assert_eq!(parsed(text), shown, "{text}");
        }
    }

    #[test]
    fn each_rule_has_its_message() {
        for (text, message) in [
            ("0", NOT_POSITIVE),
            ("0.00", NOT_POSITIVE),
            ("-0", NOT_POSITIVE),
            ("-0.0", NOT_POSITIVE),
            ("-5", NOT_POSITIVE),
            ("0e5", NOT_POSITIVE),
            ("1000000000.01", TOO_LARGE),
            ("1e10", TOO_LARGE),
            ("1e999999999999999999", TOO_LARGE),
            (&"9".repeat(400), TOO_LARGE),
            ("12.345", TOO_PRECISE),
            ("0.001", TOO_PRECISE),
            ("1e-3", TOO_PRECISE),
            ("1e-999999999999", TOO_PRECISE),
            ("", INVALID),
            ("abc", INVALID),
            (" 12", INVALID),
            ("12 ", INVALID),
            ("+12", INVALID),
            ("12.", INVALID),
            (".5", INVALID),
            ("1_000", INVALID),
            ("1,5", INVALID),
            ("NaN", INVALID),
            ("Infinity", INVALID),
            ("0x10", INVALID),
            ("1e", INVALID),
            ("1e+", INVALID),
            ("--1", INVALID),
            ("١٢", INVALID),
        ] {
            assert_eq!(Amount::parse(text), Err(message), "{text:?}");
        }
    }

    #[test]
    fn json_numbers_keep_their_text() {
        let amount: Amount = serde_json::from_str("0.1").unwrap();
        assert_eq!(amount.to_string(), "0.10");
        let amount: Amount = serde_json::from_str("\"19.99\"").unwrap();
        assert_eq!(amount.to_string(), "19.99");
        // 999999999.99 is not representable as f64 exactly; it survives here.
        let amount: Amount = serde_json::from_str("999999999.99").unwrap();
        assert_eq!(amount.value().to_string(), "999999999.99");
        for not_amounts in ["true", "null", "[1]", "{\"a\":1}"] {
            assert!(serde_json::from_str::<Amount>(not_amounts).is_err(), "{not_amounts}");
        }
    }

    #[test]
    fn sums_are_exact() {
        let sum = Money::ZERO
            .checked_add(Amount::parse("0.10").unwrap())
            .and_then(|sum| sum.checked_add(Amount::parse("0.20").unwrap()))
            .unwrap();
        assert_eq!(sum.to_string(), "0.30");
        let remaining = Money::from(Amount::parse("10").unwrap()).checked_sub(Amount::parse("12.5").unwrap()).unwrap();
        assert_eq!(remaining.to_string(), "-2.50");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        let mut many = Money::ZERO;
        for _ in 0..1000 {
            many = many.checked_add(Amount::parse("0.01").unwrap()).unwrap();
        }
        assert_eq!(many.to_string(), "10.00");
    }
}
