//! HTTP handlers: extract, call the domain, map the result.

mod account;
mod email;
mod login;
mod me;
mod register;
pub mod sessions;
mod tokens;

pub use account::{AccountChange, AccountDeletion, PasswordChange, change_account, change_password, delete_account};
pub use email::{
    Accepted, ForgotPasswordRequest, PasswordReset, TokenRequest, forgot_password, resend_verification, reset_password,
    verify_email,
};
pub use login::{LoginRequest, login};
pub use me::me;
pub use register::{RegisterRequest, register};
pub use sessions::SessionList;
pub use tokens::{RefreshRequest, TokenInfo, VerifyRequest, logout, logout_all, refresh, verify};

/// The request's `User-Agent`, when it is text: what a session records of the client.
fn user_agent(headers: &http::HeaderMap) -> Option<&str> {
    headers.get(http::header::USER_AGENT).and_then(|agent| agent.to_str().ok())
}
