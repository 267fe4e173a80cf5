//! Enum choices (a task's status, an expense's category) read from text, such as a query
//! parameter, with the message listing every choice made from the enum itself: a new variant
//! appears in the message without anyone typing it. The enums derive `strum::EnumString` and
//! `strum::VariantNames` spelled as their serde form.

use std::str::FromStr;

use strum::VariantNames;

/// Declares an enum of choices spelled in one case (`"snake_case"`, `"SCREAMING_SNAKE_CASE"`)
/// alike by serde and strum, with an OpenAPI schema and `as_str`. The crate that uses it
/// depends on `serde`, `strum` and `utoipa`. Attributes given before `pub enum` (a doc
/// comment, `#[derive(Default)]`) are kept.
// `$case` is a `tt`, not a `literal`: utoipa's derive does not see a literal fragment inside
// `#[serde(...)]`, and would document the variants unrenamed.
#[macro_export]
macro_rules! choices {
    (
        $(#[$attribute:meta])*
        pub enum $name:ident in $case:tt { $($variants:tt)* }
    ) => {
        $(#[$attribute])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema,
            ::strum::EnumString, ::strum::VariantNames, ::strum::IntoStaticStr,
        )]
        #[serde(rename_all = $case)]
        #[strum(serialize_all = $case)]
        pub enum $name { $($variants)* }

        impl $name {
            /// The API's spelling.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    };
}

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

    crate::choices! {
        pub enum Colour in "snake_case" { Red, DeepBlue }
    }

    #[test]
    fn every_variant_is_listed_and_parsed_in_its_spelling() {
        assert_eq!(one_of::<Colour>(), "Enter one of: red, deep_blue.");
        assert_eq!(parse::<Colour>("deep_blue"), Ok(Colour::DeepBlue));
        assert_eq!(parse::<Colour>("DeepBlue"), Err("Enter one of: red, deep_blue.".to_owned()));
        assert!(parse::<Colour>("").is_err());
        let schema = serde_json::to_value(<Colour as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["enum"], serde_json::json!(["red", "deep_blue"]), "the document spells them alike");
        assert_eq!(
            (Colour::DeepBlue.as_str(), serde_json::to_string(&Colour::DeepBlue).unwrap()),
            ("deep_blue", "\"deep_blue\"".to_owned())
        );
    }
}
