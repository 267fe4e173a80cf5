//! The mailer function: the mail table's stream reports each mail the auth function puts in the
//! outbox (an INSERT of a `MAIL#` item); this function decides whether it goes out (the address
//! must still be the account's, a reset only to a verified address, at most a few mails an hour
//! to one address), issues its single-use token, composes it and sends it through SES v2, and
//! records on the outbox item what became of it. A failed attempt is retried by the event
//! source mapping; after the last one the mail is recorded as failed, never dropped silently.

pub mod compose;
pub mod config;
pub mod mailer;
pub mod ses;

pub use config::MailerConfig;
pub use mailer::Mailer;
