//! A real SMTP server (RFC 5321, the part an SMTP client such as lettre needs) for the mail tests,
//! listening on 127.0.0.1 on a free port and keeping every message it accepts in memory.
//!
//! It runs on a thread of its own with its own tokio runtime rather than on the test's runtime:
//! `#[tokio::test]` runs on one thread, and the tests block it (waiting for killed child
//! processes, taking pooled database connections), which must not freeze the server mid-exchange;
//! and a connection stalled on purpose must stay stalled whatever the test does meanwhile.

use std::net::TcpListener as StdTcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use mail_parser::{MessageParser, MimeHeaders, PartType};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::oneshot;

/// Longest command line taken (RFC 5321 allows 512 octets; a little slack for extensions).
const MAX_COMMAND_LINE: usize = 4096;
/// Largest message taken, advertised as SIZE.
const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// One message the sink accepted: the envelope, and the headers and text decoded as a reader sees
/// them (RFC 2047 words in headers, quoted-printable or base64 bodies, the text/plain part of a
/// multipart message).
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub subject: String,
    pub to: String,
    pub message_id: String,
    pub body: String,
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<Received>>,
    stalls: AtomicUsize,
}

pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl SmtpSink {
    /// Starts the server. The first `stall_first` connections stop answering at their first RCPT
    /// and never answer again, so a test can kill a client in the middle of an exchange.
    pub fn start(stall_first: usize) -> SmtpSink {
        // Bound here, before the thread starts, so the port is known and connections queue at once.
        let listener = StdTcpListener::bind("127.0.0.1:0").expect("SMTP sink binds 127.0.0.1:0");
        listener.set_nonblocking(true).expect("SMTP sink listener is non-blocking");
        let port = listener.local_addr().expect("SMTP sink has an address").port();
        let shared = Arc::new(Shared::default());
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name(format!("smtp-sink-{port}"))
            .spawn({
                let shared = shared.clone();
                move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("SMTP sink runtime");
                    runtime.block_on(serve(listener, shared, stall_first, stopped));
                    // Dropping the runtime here drops every session still open, stalled ones included.
                }
            })
            .expect("SMTP sink thread starts");
        SmtpSink { port, shared, stop: Some(stop), thread: Some(thread) }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Messages accepted so far, in the order their DATA completed.
    pub fn messages(&self) -> Vec<Received> {
        self.shared.messages.lock().unwrap().clone()
    }

    /// Whether a connection has stalled at RCPT yet.
    pub fn stalled(&self) -> bool {
        self.shared.stalls.load(Ordering::SeqCst) > 0
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(listener: StdTcpListener, shared: Arc<Shared>, stall_first: usize, mut stopped: oneshot::Receiver<()>) {
    let listener = TcpListener::from_std(listener).expect("SMTP sink listener joins the runtime");
    let mut connections = 0usize;
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let stall = connections < stall_first;
                    connections += 1;
                    let (read, write) = stream.into_split();
                    let session = Session { read: BufReader::new(read), write, shared: shared.clone(), stall, greeted: false, mail_from: None, rcpt_tos: Vec::new() };
                    tokio::spawn(session.run());
                }
                // Accepting can fail for one connection (reset before accept, out of descriptors)
                // without the listener being broken; keep serving, without spinning on it.
                Err(e) => {
                    eprintln!("smtp sink: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    }
}

struct Session {
    read: BufReader<OwnedReadHalf>,
    write: OwnedWriteHalf,
    shared: Arc<Shared>,
    stall: bool,
    greeted: bool,
    mail_from: Option<String>,
    rcpt_tos: Vec<String>,
}

enum Line {
    Complete(Vec<u8>),
    TooLong,
    Closed,
}

impl Session {
    async fn run(mut self) {
        // Any I/O error means the client went away; there is nobody left to answer.
        let _ = self.converse().await;
    }

    async fn converse(&mut self) -> std::io::Result<()> {
        self.reply("220 127.0.0.1 ESMTP lingong test sink ready").await?;
        loop {
            let line = match self.read_line(MAX_COMMAND_LINE).await? {
                Line::Complete(line) => line,
                Line::TooLong => return self.reply("500 5.5.6 Command line too long").await,
                Line::Closed => return Ok(()),
            };
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            let (verb, arg) = line.split_once(' ').unwrap_or((line, ""));
            let arg = arg.trim();
            match verb.to_ascii_uppercase().as_str() {
                "EHLO" if arg.is_empty() => self.reply("501 5.5.4 EHLO needs a domain").await?,
                "EHLO" => {
                    self.greeted = true;
                    self.reset();
                    self.reply(&format!("250-127.0.0.1 greets {arg}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-PIPELINING\r\n250 SIZE {MAX_MESSAGE}")).await?
                }
                "HELO" if arg.is_empty() => self.reply("501 5.5.4 HELO needs a domain").await?,
                "HELO" => {
                    self.greeted = true;
                    self.reset();
                    self.reply(&format!("250 127.0.0.1 greets {arg}")).await?
                }
                "MAIL" => {
                    let answer = self.mail(arg);
                    self.reply(&answer).await?
                }
                "RCPT" => {
                    let answer = self.rcpt(arg);
                    if answer.starts_with('2') && self.stall {
                        self.stall = false;
                        self.shared.stalls.fetch_add(1, Ordering::SeqCst);
                        std::future::pending::<()>().await;
                    }
                    self.reply(&answer).await?
                }
                "DATA" if !arg.is_empty() => self.reply("501 5.5.4 DATA takes no argument").await?,
                "DATA" if self.mail_from.is_none() => self.reply("503 5.5.1 MAIL first").await?,
                "DATA" if self.rcpt_tos.is_empty() => self.reply("554 5.5.1 No valid recipients").await?,
                "DATA" => self.data().await?,
                "RSET" if !arg.is_empty() => self.reply("501 5.5.4 RSET takes no argument").await?,
                "RSET" => {
                    self.reset();
                    self.reply("250 2.0.0 OK").await?
                }
                "NOOP" => self.reply("250 2.0.0 OK").await?,
                "QUIT" => return self.reply("221 2.0.0 Bye").await,
                "VRFY" | "EXPN" | "HELP" => self.reply("502 5.5.1 Command not implemented").await?,
                _ => self.reply("500 5.5.2 Command not recognised").await?,
            }
        }
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_tos.clear();
    }

    fn mail(&mut self, arg: &str) -> String {
        if !self.greeted {
            return "503 5.5.1 EHLO or HELO first".into();
        }
        if self.mail_from.is_some() {
            return "503 5.5.1 Sender already given".into();
        }
        let Some((from, params)) = strip_prefix_ignore_case(arg, "FROM:").and_then(path) else {
            return "501 5.5.4 Syntax: MAIL FROM:<address>".into();
        };
        for param in params.split_whitespace() {
            let (key, value) = param.split_once('=').map_or((param, None), |(k, v)| (k, Some(v)));
            match (key.to_ascii_uppercase().as_str(), value) {
                ("BODY", Some(v)) if v.eq_ignore_ascii_case("7BIT") || v.eq_ignore_ascii_case("8BITMIME") => {}
                ("SMTPUTF8", None) => {}
                ("SIZE", Some(v)) => match v.parse::<usize>() {
                    Ok(size) if size <= MAX_MESSAGE => {}
                    Ok(_) => return "552 5.3.4 Message too big".into(),
                    Err(_) => return "501 5.5.4 Bad SIZE".into(),
                },
                _ => return format!("555 5.5.4 Unsupported parameter {param}"),
            }
        }
        self.mail_from = Some(from);
        "250 2.1.0 OK".into()
    }

    fn rcpt(&mut self, arg: &str) -> String {
        if self.mail_from.is_none() {
            return "503 5.5.1 MAIL first".into();
        }
        let Some((to, params)) = strip_prefix_ignore_case(arg, "TO:").and_then(path) else {
            return "501 5.5.4 Syntax: RCPT TO:<address>".into();
        };
        if to.is_empty() {
            return "501 5.1.3 A recipient needs an address".into();
        }
        if let Some(param) = params.split_whitespace().next() {
            return format!("555 5.5.4 Unsupported parameter {param}");
        }
        self.rcpt_tos.push(to);
        "250 2.1.5 OK".into()
    }

    async fn data(&mut self) -> std::io::Result<()> {
        self.reply("354 End data with <CR><LF>.<CR><LF>").await?;
        let mut content = Vec::new();
        let mut too_big = false;
        // Inside a line longer than the budget: its remaining pieces are neither the end marker
        // nor content.
        let mut mid_line = false;
        loop {
            // Past the limit the rest is still read (and dropped) so the session stays in step.
            let budget = if too_big { MAX_COMMAND_LINE } else { MAX_MESSAGE + 3 - content.len() };
            match self.read_line(budget).await? {
                Line::Closed => return Ok(()),
                Line::TooLong => (too_big, mid_line) = (true, true),
                Line::Complete(_) if mid_line => mid_line = false,
                Line::Complete(line) if line == b".\r\n" || line == b".\n" => break,
                Line::Complete(_) if too_big => {}
                Line::Complete(line) => {
                    // Dot-unstuffing (RFC 5321 4.5.2): the client doubled every leading dot.
                    content.extend_from_slice(line.strip_prefix(b".").unwrap_or(&line));
                    too_big = content.len() > MAX_MESSAGE;
                }
            }
        }
        let (mail_from, rcpt_tos) = (self.mail_from.take().unwrap_or_default(), std::mem::take(&mut self.rcpt_tos));
        if too_big {
            return self.reply("552 5.3.4 Message too big").await;
        }
        let received = decode(mail_from, rcpt_tos, &content);
        self.shared.messages.lock().unwrap().push(received);
        self.reply("250 2.0.0 Message accepted for delivery").await
    }

    /// One line up to and including its LF, of at most `limit` octets.
    async fn read_line(&mut self, limit: usize) -> std::io::Result<Line> {
        let mut line = Vec::new();
        let n = (&mut self.read).take(limit as u64).read_until(b'\n', &mut line).await?;
        Ok(match n {
            0 => Line::Closed,
            _ if line.ends_with(b"\n") => Line::Complete(line),
            _ if n == limit => Line::TooLong,
            _ => Line::Closed,
        })
    }

    async fn reply(&mut self, text: &str) -> std::io::Result<()> {
        self.write.write_all(format!("{text}\r\n").as_bytes()).await?;
        self.write.flush().await
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// `<address> params` (spaces allowed after the colon) into the address and the parameters. A
/// source route (`<@relay:user@host>`, obsolete) is dropped.
fn path(s: &str) -> Option<(String, &str)> {
    let rest = s.trim_start().strip_prefix('<')?;
    let (inside, params) = rest.split_once('>')?;
    let address = if inside.starts_with('@') { inside.split_once(':')?.1 } else { inside };
    Some((address.to_string(), params))
}

fn decode(mail_from: String, rcpt_tos: Vec<String>, content: &[u8]) -> Received {
    let parsed = MessageParser::default().parse(content);
    let (subject, to, message_id, body) = match &parsed {
        Some(m) => (
            m.subject().unwrap_or_default().to_string(),
            m.to()
                .map(|to| {
                    to.iter()
                        .map(|a| match (a.name(), a.address()) {
                            (Some(name), Some(address)) => format!("{name} <{address}>"),
                            (name, address) => address.or(name).unwrap_or_default().to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            m.message_id().map(|id| format!("<{id}>")).unwrap_or_default(),
            // Only a real text/plain part: mail-parser would otherwise offer HTML turned into text.
            m.text_bodies()
                .find_map(|part| match &part.body {
                    PartType::Text(text) if part.content_type().is_none() || part.is_content_type("text", "plain") => Some(text.to_string()),
                    _ => None,
                })
                .unwrap_or_default(),
        ),
        None => Default::default(),
    };
    Received { mail_from, rcpt_tos, subject, to, message_id, body }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    use lettre::message::header::ContentType;
    use lettre::message::{Mailbox, MultiPart};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

    use super::*;

    struct Client {
        read: BufReader<TcpStream>,
        write: TcpStream,
    }

    impl Client {
        fn connect(sink: &SmtpSink) -> Client {
            let stream = TcpStream::connect(("127.0.0.1", sink.port())).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut client = Client { read: BufReader::new(stream.try_clone().unwrap()), write: stream };
            assert!(client.response().starts_with("220 "));
            client
        }

        /// The whole (possibly multi-line) response.
        fn response(&mut self) -> String {
            let mut all = String::new();
            loop {
                let mut line = String::new();
                assert!(self.read.read_line(&mut line).unwrap() > 0, "connection closed after {all:?}");
                all.push_str(&line);
                if line.as_bytes().get(3) != Some(&b'-') {
                    return all;
                }
            }
        }

        fn send(&mut self, line: &str) -> String {
            self.write.write_all(format!("{line}\r\n").as_bytes()).unwrap();
            self.response()
        }
    }

    fn code(response: &str) -> &str {
        &response[..3]
    }

    #[test]
    fn the_sink_keeps_command_order_and_answers_unknown_commands_with_5xx() {
        let sink = SmtpSink::start(0);
        let mut c = Client::connect(&sink);
        assert_eq!(code(&c.send("MAIL FROM:<a@example.com>")), "503", "EHLO comes first");
        let ehlo = c.send("EHLO client.example");
        assert!(ehlo.starts_with("250-") && ehlo.contains("8BITMIME") && ehlo.contains("SMTPUTF8"), "{ehlo}");
        assert!(c.send("FROB").starts_with('5'));
        assert!(c.send("VRFY a@example.com").starts_with('5'));
        assert_eq!(code(&c.send("NOOP")), "250");
        assert_eq!(code(&c.send("RCPT TO:<b@example.com>")), "503", "MAIL comes before RCPT");
        assert_eq!(code(&c.send("DATA")), "503", "no DATA without a sender");
        assert_eq!(code(&c.send("MAIL FROM:<a@example.com> FROB=1")), "555");
        assert_eq!(code(&c.send("MAIL FROM:a@example.com")), "501");
        assert_eq!(code(&c.send("mail from: <a@example.com> BODY=8BITMIME SMTPUTF8")), "250");
        assert_eq!(code(&c.send("MAIL FROM:<a@example.com>")), "503", "one sender per transaction");
        assert_eq!(code(&c.send("DATA")), "554", "no DATA without a recipient");
        assert_eq!(code(&c.send("RCPT TO:<b@example.com>")), "250");
        assert_eq!(code(&c.send("RSET")), "250");
        assert_eq!(code(&c.send("RCPT TO:<b@example.com>")), "503", "RSET dropped the transaction");
        assert_eq!(code(&c.send("QUIT")), "221");
        assert!(sink.messages().is_empty());
    }

    #[test]
    fn the_sink_unstuffs_dots_and_records_the_envelope() {
        let sink = SmtpSink::start(0);
        let mut c = Client::connect(&sink);
        assert_eq!(code(&c.send("HELO client.example")), "250");
        assert_eq!(code(&c.send("MAIL FROM:<>")), "250", "the null sender of bounces is allowed");
        assert_eq!(code(&c.send("RCPT TO:<b@example.com>")), "250");
        assert_eq!(code(&c.send("RCPT TO:<@relay.example:c@example.com>")), "250");
        assert_eq!(code(&c.send("DATA")), "354");
        let raw = "Subject: dots\r\nTo: b@example.com\r\nMessage-ID: <m1@example.com>\r\n\r\n..leading dot\r\n...\r\nlast\r\n.";
        assert_eq!(code(&c.send(raw)), "250");
        assert_eq!(code(&c.send("QUIT")), "221");
        let [m] = sink.messages().try_into().unwrap();
        assert_eq!(m.mail_from, "");
        assert_eq!(m.rcpt_tos, ["b@example.com", "c@example.com"]);
        assert_eq!((m.subject.as_str(), m.to.as_str(), m.message_id.as_str()), ("dots", "b@example.com", "<m1@example.com>"));
        assert_eq!(m.body, ".leading dot\r\n..\r\nlast\r\n");
    }

    #[tokio::test]
    async fn the_sink_decodes_what_lettre_sends_base64_quoted_printable_and_multipart() {
        let sink = SmtpSink::start(0);
        let mailer = AsyncSmtpTransport::<Tokio1Executor>::from_url(&sink.url()).unwrap().timeout(Some(Duration::from_secs(10))).build();
        let builder = |id: &str| {
            Message::builder()
                .from("lingong 零工市场 <no-reply@lingong.localhost>".parse::<Mailbox>().unwrap())
                .to("王经理 <wang@example.com>".parse::<Mailbox>().unwrap())
                .subject("岗位审核结果：家庭保洁员（日结）")
                .message_id(Some(id.to_string()))
        };
        // Mostly Chinese: lettre sends base64. Mostly ASCII with a few Chinese characters:
        // quoted-printable, which leaves the leading dot for the SMTP client to stuff.
        let chinese = format!("你好，{}\n", "零工市场".repeat(40));
        let ascii = "Reason: the posting asks for a deposit (押金).\n.a line that starts with a dot\n".to_string();
        let html = "<p>你好</p>".to_string();
        mailer.send(builder("<outbox-7@lingong.localhost>").multipart(MultiPart::alternative_plain_html(chinese.clone(), html)).unwrap()).await.unwrap();
        mailer.send(builder("<outbox-8@lingong.localhost>").header(ContentType::TEXT_PLAIN).body(ascii.clone()).unwrap()).await.unwrap();
        let [first, second] = sink.messages().try_into().unwrap();
        for m in [&first, &second] {
            assert_eq!(m.mail_from, "no-reply@lingong.localhost");
            assert_eq!(m.rcpt_tos, ["wang@example.com"]);
            assert_eq!(m.subject, "岗位审核结果：家庭保洁员（日结）");
            assert_eq!(m.to, "王经理 <wang@example.com>");
        }
        assert_eq!((first.message_id.as_str(), second.message_id.as_str()), ("<outbox-7@lingong.localhost>", "<outbox-8@lingong.localhost>"));
        assert_eq!(first.body.replace("\r\n", "\n"), chinese, "the text/plain part, not the HTML one");
        // lettre ends a single-part message with a line break of its own.
        assert_eq!(second.body.replace("\r\n", "\n"), format!("{ascii}\n"));
    }

    #[test]
    fn the_first_connections_stall_at_rcpt_and_later_ones_do_not() {
        let sink = SmtpSink::start(1);
        let mut stalled = Client::connect(&sink);
        assert_eq!(code(&stalled.send("EHLO client.example")), "250");
        assert_eq!(code(&stalled.send("MAIL FROM:<a@example.com>")), "250");
        stalled.write.write_all(b"RCPT TO:<b@example.com>\r\n").unwrap();
        stalled.read.get_ref().set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        let mut line = String::new();
        assert!(stalled.read.read_line(&mut line).is_err(), "no answer to RCPT: {line:?}");
        assert!(sink.stalled());
        let mut next = Client::connect(&sink);
        assert_eq!(code(&next.send("EHLO client.example")), "250");
        assert_eq!(code(&next.send("MAIL FROM:<a@example.com>")), "250");
        assert_eq!(code(&next.send("RCPT TO:<b@example.com>")), "250");
    }
}
