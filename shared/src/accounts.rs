//! The users table's key of an account: the one layout fact of that table shared. The auth
//! function writes the items; the purge function reads their deletions off the table's stream.

use crate::ids::UserId;

/// The key attribute of the users table.
pub const KEY: &str = "pk";
const USER_PREFIX: &str = "USER#";

/// The key of a user's item: `USER#<id>`.
pub fn user_key(id: &UserId) -> String {
    format!("{USER_PREFIX}{id}")
}

/// What every user item's key starts with.
pub fn user_key_prefix() -> &'static str {
    USER_PREFIX
}

/// The user a key names, if it is a user item's key (not a guard item's).
pub fn user_of_key(key: &str) -> Option<UserId> {
    key.strip_prefix(USER_PREFIX)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_key_names_its_user_and_nothing_else_does() {
        let id = UserId::generate();
        assert_eq!(user_of_key(&user_key(&id)), Some(id));
        assert_eq!(user_of_key(&format!("USERNAME#{id}")), None);
        assert_eq!(user_of_key("EMAIL#someone@example.com"), None);
        assert_eq!(user_of_key("USER#not-an-id"), None);
    }
}
