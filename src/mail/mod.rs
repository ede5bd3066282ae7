//! Mail: a transport enum (SMTP in production, `.eml` files by default, memory in tests) and the
//! templates. Mail is never sent inline: it goes through the transactional outbox
//! (`services::outbox`) and the outbox sender (`jobs::send_mail`).

pub mod templates;

use std::sync::{Arc, Mutex};

use lettre::message::Mailbox;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailConfig, MailTransportKind};

/// A message as the memory transport keeps it (tests read these).
#[derive(Debug, Clone)]
pub struct SentMail {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub unsubscribe_url: Option<String>,
}

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Memory(Arc<Mutex<Vec<SentMail>>>),
}

pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Stable per outbox event, so a receiving system can recognise a repeat delivery.
    pub message_id: String,
    /// For mail people subscribed to: sent as `List-Unsubscribe` with RFC 8058 one-click, so mail
    /// clients can offer their own unsubscribe button.
    pub unsubscribe_url: Option<String>,
}

/// `List-Unsubscribe` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.trim().trim_start_matches('<').trim_end_matches('>').to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

impl Mailer {
    pub fn from_config(cfg: &MailConfig) -> anyhow::Result<Mailer> {
        Ok(match cfg.transport {
            MailTransportKind::Smtp => Mailer::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.smtp_url)?.timeout(Some(std::time::Duration::from_secs(cfg.smtp_timeout_secs))).build(),
            ),
            MailTransportKind::File => {
                std::fs::create_dir_all(&cfg.dir)?;
                Mailer::File(AsyncFileTransport::<Tokio1Executor>::new(&cfg.dir))
            }
            MailTransportKind::Memory => Mailer::Memory(Arc::new(Mutex::new(Vec::new()))),
        })
    }

    /// What the memory transport has sent so far (empty for the others).
    pub fn sent(&self) -> Vec<SentMail> {
        match self {
            Mailer::Memory(m) => m.lock().expect("mail store poisoned").clone(),
            _ => Vec::new(),
        }
    }

    pub async fn send(&self, from: &str, mail: &Outgoing) -> Result<(), String> {
        if let Mailer::Memory(m) = self {
            m.lock().expect("mail store poisoned").push(SentMail {
                to: mail.to.clone(),
                subject: mail.subject.clone(),
                body: mail.body.clone(),
                message_id: mail.message_id.clone(),
                unsubscribe_url: mail.unsubscribe_url.clone(),
            });
            return Ok(());
        }
        let message = message(from, mail)?;
        match self {
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::File(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::Memory(_) => unreachable!("handled above"),
        }
    }
}

/// The message as it goes over the wire.
fn message(from: &str, mail: &Outgoing) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("bad mail.from: {e}"))?;
    let to: Mailbox = mail.to.parse().map_err(|e| format!("bad recipient {}: {e}", mail.to))?;
    let mut builder = Message::builder();
    if let Some(url) = &mail.unsubscribe_url {
        builder = builder.header(ListUnsubscribe(url.clone())).header(ListUnsubscribePost);
    }
    builder
        .from(from)
        .to(to)
        .subject(&mail.subject)
        .message_id(Some(mail.message_id.clone()))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing(unsubscribe_url: Option<&str>) -> Outgoing {
        Outgoing {
            to: "a@example.com".into(),
            subject: "职位提醒".into(),
            body: "正文".into(),
            message_id: "<outbox-1@h>".into(),
            unsubscribe_url: unsubscribe_url.map(str::to_string),
        }
    }

    #[test]
    fn alert_mails_offer_one_click_unsubscribe() {
        // As long as a real link: a 43-character token on a public origin.
        let url = "https://lingong.example.org/api/v1/alerts/unsubscribe?token=Zm9vYmFyYmF6cXV4cXV1eHh5enp5MTIzNDU2Nzg5MD-_a";
        let raw = String::from_utf8(message("lingong <no-reply@h>", &outgoing(Some(url))).unwrap().formatted()).unwrap();
        assert!(raw.contains(&format!("List-Unsubscribe: <{url}>\r\n")), "{raw}");
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), "{raw}");
        let raw = String::from_utf8(message("lingong <no-reply@h>", &outgoing(None)).unwrap().formatted()).unwrap();
        assert!(!raw.contains("List-Unsubscribe"), "{raw}");
    }
}
