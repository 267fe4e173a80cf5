//! Who may register: usernames, emails and passwords that pass the contract's rules.

use secrecy::{ExposeSecret, SecretString};
use shared::FieldErrors;

/// 3..150 ASCII letters, digits and `. + - _`. Unique case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 150;

    pub fn parse(raw: String) -> Result<Self, &'static str> {
        if raw.chars().count() < Self::MIN_LEN {
            return Err("Ensure this field has at least 3 characters.");
        }
        if raw.chars().count() > Self::MAX_LEN {
            return Err("Ensure this field has no more than 150 characters.");
        }
        if !raw.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '_')) {
            return Err("Enter a valid username: letters, digits and . + - _ only.");
        }
        Ok(Self(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness and login compare.
    pub fn canonical(&self) -> String {
        canonical_username(&self.0)
    }
}

/// Usernames are unique ignoring ASCII case; this is the form they are compared in.
pub fn canonical_username(username: &str) -> String {
    username.to_ascii_lowercase()
}

/// A syntactically valid email address, stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        const INVALID: &str = "Enter a valid email address.";
        let email = raw.trim().to_lowercase();
        if email.is_empty() || email.len() > Self::MAX_LEN {
            return Err(INVALID);
        }
        let Some((local, domain)) = email.rsplit_once('@') else { return Err(INVALID) };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
        if local_ok && domain_ok { Ok(Self(email)) } else { Err(INVALID) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Everything wrong with `password` for a user called `username`.
pub fn password_problems(password: &str, username: Option<&str>) -> Vec<&'static str> {
    let mut problems = Vec::new();
    let length = password.chars().count();
    if length < 8 {
        problems.push("This password is too short. It must contain at least 8 characters.");
    }
    if length > 128 {
        problems.push("This password is too long. It must contain at most 128 characters.");
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        problems.push("This password is entirely numeric.");
    }
    if username.is_some_and(|name| name.eq_ignore_ascii_case(password)) {
        problems.push("The password is too similar to the username.");
    }
    let lowered = password.to_lowercase();
    if COMMON_PASSWORDS.lines().any(|common| !common.starts_with('#') && common == lowered) {
        problems.push("This password is too common.");
    }
    problems
}

/// A registration that passed every rule.
#[derive(Debug)]
pub struct Registration {
    pub username: Username,
    pub email: Option<Email>,
    pub password: SecretString,
}

impl Registration {
    /// Validates all fields at once, adding to the problems already found in
    /// `errors`, so the client sees every problem in one answer.
    pub fn parse(
        username: Option<String>,
        email: Option<String>,
        password: Option<SecretString>,
        mut errors: FieldErrors,
    ) -> Result<Self, FieldErrors> {
        let username = username.and_then(|raw| Username::parse(raw).map_err(|e| errors.add("username", e)).ok());
        let email = email.and_then(|raw| Email::parse(&raw).map_err(|e| errors.add("email", e)).ok());
        if let Some(password) = &password {
            for problem in password_problems(password.expose_secret(), username.as_ref().map(Username::as_str)) {
                errors.add("password", problem);
            }
        }
        match (username, password) {
            (Some(username), Some(password)) if errors.is_empty() => Ok(Self { username, email, password }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for good in ["bob", "Alice.Smith", "a+b-c_d", &"x".repeat(150)] {
            assert!(Username::parse(good.to_string()).is_ok(), "{good}");
        }
        for bad in ["ab", "", &"x".repeat(151), "has space", "ann@example.com", "émile", "semi;colon"] {
            assert!(Username::parse(bad.to_string()).is_err(), "{bad}");
        }
        assert_eq!(Username::parse("BoB".into()).unwrap().canonical(), "bob");
    }

    #[test]
    fn emails() {
        assert_eq!(Email::parse("Ann.Lee+tasks@Example.COM").unwrap().as_str(), "ann.lee+tasks@example.com");
        for bad in [
            "",
            " ",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "ann@@example.com",
            "a b@example.com",
            "ann@-example.com",
            "ann@example.c",
            "ann..lee@example.com",
            ".ann@example.com",
            "ann@exa_mple.com",
            "ann@1.2.3.4",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn password_rules() {
        assert!(password_problems("correct horse battery", Some("bob")).is_empty());
        assert_eq!(
            password_problems("short1!", None),
            ["This password is too short. It must contain at least 8 characters."]
        );
        assert!(password_problems(&"x".repeat(129), None)[0].contains("too long"));
        assert!(password_problems("1234567890123", None).contains(&"This password is entirely numeric."));
        assert!(
            password_problems("Bobby.Tables", Some("bobby.tables"))
                .contains(&"The password is too similar to the username.")
        );
        assert!(password_problems("PassWord123", None).contains(&"This password is too common."));
        assert!(password_problems("QWERTYUIOP", None).contains(&"This password is too common."));
    }

    #[test]
    fn registration_collects_every_problem() {
        let errors = Registration::parse(
            Some("a".into()),
            Some("nope".into()),
            Some(SecretString::from("123")),
            FieldErrors::new(),
        )
        .unwrap_err();
        assert!(errors.get("username").is_some());
        assert!(errors.get("email").is_some());
        assert_eq!(errors.get("password").map(<[String]>::len), Some(2));
    }
}
