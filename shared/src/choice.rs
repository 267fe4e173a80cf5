//! Enum choices (a task's status, an expense's category) read from text, such as a query
//! parameter, with the message listing every choice made from the enum itself: a new variant
//! appears in the message without anyone typing it. The enums derive `strum::EnumString` and
//! `strum::VariantNames` spelled as their serde form.

use std::str::FromStr;

use strum::VariantNames;

/// "Enter one of: pending, in_progress, completed." for `T`'s variants, in declaration order.
pub fn one_of<T: VariantNames>() -> String {
    format!("Enter one of: {}.", T::VARIANTS.join(", "))
}

/// `raw` as one of `T`'s choices, spelled exactly as the API spells them, or [`one_of`].
pub fn parse<T: FromStr + VariantNames>(raw: &str) -> Result<T, String> {
    raw.parse().map_err(|_| one_of::<T>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, strum::EnumString, strum::VariantNames)]
    #[strum(serialize_all = "snake_case")]
    enum Colour {
        Red,
        DeepBlue,
    }

    #[test]
    fn every_variant_is_listed_and_parsed_in_its_spelling() {
        assert_eq!(one_of::<Colour>(), "Enter one of: red, deep_blue.");
        assert_eq!(parse::<Colour>("deep_blue"), Ok(Colour::DeepBlue));
        assert_eq!(parse::<Colour>("DeepBlue"), Err("Enter one of: red, deep_blue.".to_owned()));
        assert!(parse::<Colour>("").is_err());
    }
}
