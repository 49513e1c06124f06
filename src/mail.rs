//! Mail the platform sends people (password resets, email verification),
//! over SMTP (`SMTP_URL`, e.g. `smtp://127.0.0.1:2525` or
//! `smtps://user:pass@mail.example.com`) from `MAIL_FROM`. Links in mails
//! point at `WHATSFLOW_PUBLIC_URL`. The body is plain text.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// What sending failed with.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// No `SMTP_URL`: this installation sends no mail.
    #[error("mail is not configured on this installation: set SMTP_URL")]
    NotConfigured,
    /// The address is not one mail can go to.
    #[error("`{0}` is not an email address mail can be sent to")]
    BadAddress(String),
    /// The SMTP server refused or could not be reached.
    #[error("the mail server refused or could not be reached: {0}")]
    Transport(String),
}

/// The mail configuration.
#[derive(Debug, Clone, Default)]
pub struct MailConfig {
    /// `SMTP_URL` (None: no mail).
    pub smtp_url: Option<String>,
    /// `MAIL_FROM`.
    pub from: String,
    /// `WHATSFLOW_PUBLIC_URL`: where the web app is, for links.
    pub public_url: String,
}

impl MailConfig {
    /// From the environment; `bind` is the fallback public address.
    pub fn from_env(bind: &str) -> Self {
        let env = crate::config::env_var;
        Self {
            smtp_url: env("SMTP_URL"),
            from: env("MAIL_FROM").unwrap_or_else(|| "whatsflow <no-reply@whatsflow.local>".into()),
            public_url: env("WHATSFLOW_PUBLIC_URL").unwrap_or_else(|| format!("http://{bind}")).trim_end_matches('/').to_owned(),
        }
    }
}

/// Sends mail.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Option<Mailbox>,
    /// Where links point.
    pub public_url: String,
}

impl Mailer {
    /// A mailer for `config` (an unusable `SMTP_URL` or `MAIL_FROM` is an error).
    pub fn new(config: &MailConfig) -> Result<Self, crate::config::ConfigError> {
        let transport = match &config.smtp_url {
            None => None,
            Some(url) => Some(AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map(|b| b.build()).map_err(|e| {
                crate::config::ConfigError::Invalid {
                    var: "SMTP_URL",
                    problem: format!("cannot be used ({e}); write e.g. smtp://127.0.0.1:2525"),
                }
            })?),
        };
        let from = config.from.parse::<Mailbox>().map_err(|e| crate::config::ConfigError::Invalid {
            var: "MAIL_FROM",
            problem: format!("is not a mailbox ({e}); write e.g. whatsflow <no-reply@example.com>"),
        })?;
        Ok(Self { transport, from: Some(from), public_url: config.public_url.clone() })
    }

    /// Whether mail can be sent.
    pub fn configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends a plain-text mail.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let (Some(transport), Some(from)) = (&self.transport, &self.from) else { return Err(MailError::NotConfigured) };
        let to: Mailbox = to.parse().map_err(|_| MailError::BadAddress(to.to_owned()))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Transport(e.to_string()))?;
        transport.send(message).await.map(|_| ()).map_err(|e| MailError::Transport(e.to_string()))
    }
}
