//! The mails' text: plain text and HTML, the product's name, and the link to the frontend page
//! that takes the token.

use auth::domain::{MailKind, MailToken};

/// A mail ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What a mail says, and where its link goes.
pub struct Letter<'a> {
    pub kind: MailKind,
    pub product: &'a str,
    pub frontend_url: &'a str,
    pub username: &'a str,
    pub token: &'a MailToken,
}

impl Letter<'_> {
    /// `<frontend><page>?token=<token>`; the token is URL-safe base64, so it needs no escaping.
    pub fn link(&self) -> String {
        format!("{}{}?token={}", self.frontend_url, self.kind.page(), self.token.as_str())
    }

    pub fn compose(&self) -> Composed {
        let link = self.link();
        let (subject, lead, action, lifetime, otherwise) = match self.kind {
            MailKind::EmailVerification => (
                format!("Confirm your email address for {}", self.product),
                format!("Please confirm that this is the email address of your {} account.", self.product),
                "Confirm my email address",
                "24 hours",
                "If you did not sign up or change your email, you can ignore this mail: nothing changes.",
            ),
            MailKind::PasswordReset => (
                format!("Reset your {} password", self.product),
                format!("Someone asked to reset the password of your {} account.", self.product),
                "Choose a new password",
                "30 minutes",
                "If it was not you, ignore this mail: your password stays as it is.",
            ),
        };
        let greeting = format!("Hello {},", self.username);
        let validity = format!("The link works once, within {lifetime}.");
        let text =
            format!("{greeting}\n\n{lead}\n\n{action}:\n{link}\n\n{validity}\n{otherwise}\n\n{}\n", self.product);
        let html = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
             <body style=\"font-family:sans-serif;line-height:1.5;color:#222\">\
             <p>{greeting}</p><p>{lead}</p>\
             <p><a href=\"{href}\" style=\"display:inline-block;padding:10px 16px;background:#2563eb;color:#fff;\
             text-decoration:none;border-radius:6px\">{action}</a></p>\
             <p style=\"font-size:90%\">Or open this address: <a href=\"{href}\">{href}</a></p>\
             <p style=\"font-size:90%\">{validity} {otherwise}</p><p>{product}</p></body></html>\n",
            title = escape(&subject),
            greeting = escape(&greeting),
            lead = escape(&lead),
            href = escape(&link),
            action = escape(action),
            validity = escape(&validity),
            otherwise = escape(otherwise),
            product = escape(self.product),
        );
        Composed { subject, text, html }
    }
}

/// Escapes text for HTML content and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ids::UserId;

    fn letter<'a>(kind: MailKind, username: &'a str, token: &'a MailToken) -> Letter<'a> {
        Letter { kind, product: "taskmoney", frontend_url: "https://app.example.com", username, token }
    }

    #[test]
    fn each_kind_links_its_page_with_the_token_in_both_bodies() {
        let token = MailToken::generate(&UserId::generate()).unwrap();
        for (kind, page) in [(MailKind::EmailVerification, "verify-email"), (MailKind::PasswordReset, "reset-password")]
        {
            let mail = letter(kind, "alice", &token).compose();
            let link = format!("https://app.example.com/{page}?token={}", token.as_str());
            assert!(mail.text.contains(&link), "{}", mail.text);
            assert!(mail.html.contains(&format!("href=\"{link}\"")), "{}", mail.html);
            assert!(mail.subject.contains("taskmoney"));
            assert!(mail.text.starts_with("Hello alice,"));
        }
    }

    #[test]
    fn what_comes_from_users_is_escaped_in_html() {
        let token = MailToken::generate(&UserId::generate()).unwrap();
        let mail = letter(MailKind::PasswordReset, "a<b>&\"c'", &token).compose();
        assert!(mail.html.contains("Hello a&lt;b&gt;&amp;&quot;c&#39;,"), "{}", mail.html);
        assert!(!mail.html.contains("a<b>"));
    }
}
