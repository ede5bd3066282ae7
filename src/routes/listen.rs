//! The listening socket: actix's HTTP/1 service over each TCP connection, with one change in
//! front of its parser.
//!
//! People paste links with raw Chinese into a terminal (`curl 'http://…/search/shifts?q=保洁'`),
//! and some old HTTP clients send the request target unencoded. actix-http refuses such a request
//! line before any application code runs, with a bare 400 and no body (the `http` crate's URI
//! parser accepts ASCII only). So each connection's bytes pass through [`RequestLineEncoder`],
//! which percent-encodes the bytes of a request line that are not ASCII, exactly as a browser
//! does before sending: the request then reaches the routes, and whatever it gets back (results,
//! or the JSON error shape) is what an encoded request would get. Headers and bodies pass
//! unchanged; the encoder follows message boundaries by `Content-Length` and stops touching a
//! connection at its first chunked body, which it does not track.

use std::io;
use std::net::TcpListener;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use actix_http::{HttpService, Protocol, Request, Response, body::BoxBody, body::MessageBody};
use actix_server::Server;
use actix_service::{IntoServiceFactory, ServiceFactory, ServiceFactoryExt, fn_service, map_config};
use actix_web::dev::{AppConfig, ServiceResponse};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Serves `app` (an actix-web `App` factory) on `listener` with `workers` worker threads (0: one
/// per core), letting in-flight requests finish for `shutdown_timeout_secs` on shutdown.
pub fn serve<F, I, S, B>(listener: TcpListener, workers: usize, shutdown_timeout_secs: u64, app: F) -> io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    let addr = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    let mut builder = actix_server::Server::build().shutdown_timeout(shutdown_timeout_secs);
    if workers > 0 {
        builder = builder.workers(workers);
    }
    let shutdown = builder.graceful_shutdown_signal();
    let builder = builder.listen(format!("lingong-{addr}"), listener, move || {
        let shutdown = shutdown.clone();
        let app = app().into_factory().map_err(|e: actix_web::Error| Response::<BoxBody>::from(e.error_response()));
        let http = HttpService::<EncodedRequestLine<TcpStream>, _, _>::build()
            .graceful_shutdown_signal(move || {
                let signal = shutdown.clone();
                async move { signal.notified().await }
            })
            .local_addr(addr)
            .finish(map_config(app, move |_| AppConfig::__priv_test_new(false, addr.to_string(), addr)));
        fn_service(|io: TcpStream| async move {
            // Each response goes out in one write; Nagle's delay would only add latency.
            let _ = io.set_nodelay(true);
            let peer = io.peer_addr().ok();
            Ok::<_, actix_http::error::DispatchError>((EncodedRequestLine::new(io), Protocol::Http1, peer))
        })
        .and_then(http)
    })?;
    Ok(builder.run())
}

/// A connection whose request lines reach the HTTP parser percent-encoded (see the module docs).
pub struct EncodedRequestLine<T> {
    io: T,
    encoder: RequestLineEncoder,
    /// Encoded bytes that did not fit the reader's buffer, and how many of them were handed over.
    pending: Vec<u8>,
    taken: usize,
}

impl<T> EncodedRequestLine<T> {
    pub fn new(io: T) -> Self {
        EncodedRequestLine { io, encoder: RequestLineEncoder::default(), pending: Vec::new(), taken: 0 }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for EncodedRequestLine<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.taken < this.pending.len() {
            let n = (this.pending.len() - this.taken).min(buf.remaining());
            buf.put_slice(&this.pending[this.taken..this.taken + n]);
            this.taken += n;
            if this.taken == this.pending.len() {
                this.pending.clear();
                this.taken = 0;
            }
            return Poll::Ready(Ok(()));
        }
        if this.encoder.is_done() {
            return Pin::new(&mut this.io).poll_read(cx, buf);
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
        if let Some(encoded) = this.encoder.feed(&buf.filled()[before..]) {
            // The encoded form is longer than what was read: hand over what fits, keep the rest.
            buf.set_filled(before);
            let n = encoded.len().min(buf.remaining());
            buf.put_slice(&encoded[..n]);
            if n < encoded.len() {
                this.pending = encoded;
                this.taken = n;
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for EncodedRequestLine<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }
    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Where in the byte stream of a connection the encoder is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum At {
    /// In a request line (or the blank lines before one, while `started` is false): non-ASCII
    /// bytes are encoded.
    RequestLine { started: bool },
    /// In the header block; `line` holds the start of the current header line.
    Headers { line: Vec<u8>, content_length: u64, chunked: bool },
    /// In a body of this many more bytes.
    Body(u64),
    /// A chunked body (or a header it could not read) was seen: the rest passes unchanged.
    Done,
}

impl Default for At {
    fn default() -> Self {
        At::RequestLine { started: false }
    }
}

/// Only a header's name and a short value are needed to follow message boundaries.
const HEADER_PREFIX: usize = 64;

/// Percent-encodes the non-ASCII bytes of every request line of one connection's byte stream.
#[derive(Debug, Default)]
pub struct RequestLineEncoder {
    at: At,
}

impl RequestLineEncoder {
    /// Nothing more on this connection will be changed.
    pub fn is_done(&self) -> bool {
        self.at == At::Done
    }

    /// Takes the next bytes read; returns their encoded form when it differs from them.
    pub fn feed(&mut self, input: &[u8]) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match &mut self.at {
                At::Done => {
                    if let Some(o) = out.as_mut() {
                        o.extend_from_slice(&input[i..]);
                    }
                    return out;
                }
                At::Body(left) => {
                    let n = (*left).min((input.len() - i) as u64) as usize;
                    if let Some(o) = out.as_mut() {
                        o.extend_from_slice(&input[i..i + n]);
                    }
                    *left -= n as u64;
                    if *left == 0 {
                        self.at = At::default();
                    }
                    i += n;
                    continue;
                }
                At::RequestLine { started } => {
                    if b >= 0x80 {
                        let o = out.get_or_insert_with(|| {
                            let mut v = Vec::with_capacity(input.len() + 16);
                            v.extend_from_slice(&input[..i]);
                            v
                        });
                        const HEX: &[u8; 16] = b"0123456789ABCDEF";
                        o.extend_from_slice(&[b'%', HEX[(b >> 4) as usize], HEX[(b & 0xF) as usize]]);
                        *started = true;
                        i += 1;
                        continue;
                    }
                    if b == b'\n' {
                        // Blank lines before a request are allowed (RFC 9112 §2.2) and stay here.
                        if *started {
                            self.at = At::Headers { line: Vec::new(), content_length: 0, chunked: false };
                        }
                    } else if b != b'\r' {
                        *started = true;
                    }
                }
                At::Headers { line, content_length, chunked } => {
                    if b == b'\n' {
                        let text = line.strip_suffix(b"\r").unwrap_or(line);
                        if text.is_empty() {
                            self.at = if *chunked {
                                At::Done
                            } else if *content_length > 0 {
                                At::Body(*content_length)
                            } else {
                                At::default()
                            };
                        } else {
                            let lower = text.to_ascii_lowercase();
                            if let Some(value) = lower.strip_prefix(b"content-length:") {
                                match std::str::from_utf8(value).ok().and_then(|v| v.trim().parse::<u64>().ok()) {
                                    Some(n) if text.len() < HEADER_PREFIX => *content_length = n,
                                    // A length it cannot read: the parser will refuse the request;
                                    // stop following this connection rather than guess.
                                    _ => *chunked = true,
                                }
                            } else if lower.starts_with(b"transfer-encoding:") {
                                *chunked = true;
                            }
                            line.clear();
                        }
                    } else if line.len() < HEADER_PREFIX {
                        line.push(b);
                    }
                }
            }
            if let Some(o) = out.as_mut() {
                o.push(b);
            }
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `step` bytes and returns what the parser would see.
    fn through(input: &[u8], step: usize) -> Vec<u8> {
        let mut enc = RequestLineEncoder::default();
        let mut seen = Vec::new();
        for piece in input.chunks(step.max(1)) {
            match enc.feed(piece) {
                Some(encoded) => seen.extend_from_slice(&encoded),
                None => seen.extend_from_slice(piece),
            }
        }
        seen
    }

    fn every_split(input: &[u8]) -> Vec<Vec<u8>> {
        (1..=input.len()).map(|step| through(input, step)).collect()
    }

    #[test]
    fn raw_chinese_in_a_request_line_is_encoded_however_the_bytes_arrive() {
        let raw = "GET /api/v1/search/shifts?q=保洁 HTTP/1.1\r\nHost: x\r\n\r\n".as_bytes();
        let want = b"GET /api/v1/search/shifts?q=%E4%BF%9D%E6%B4%81 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
        for seen in every_split(raw) {
            assert_eq!(seen, want);
        }
    }

    #[test]
    fn ascii_passes_unchanged_and_headers_and_bodies_are_never_touched() {
        let body = "{\"title\":\"保洁\"}";
        let raw =
            format!("POST /a?x=1 HTTP/1.1\r\nX-Name: 张三\r\nContent-Length: {}\r\n\r\n{body}GET /b?q=日结 HTTP/1.1\r\nReferer: /c?q=日结\r\n\r\n", body.len());
        let want = format!(
            "POST /a?x=1 HTTP/1.1\r\nX-Name: 张三\r\nContent-Length: {}\r\n\r\n{body}GET /b?q=%E6%97%A5%E7%BB%93 HTTP/1.1\r\nReferer: /c?q=日结\r\n\r\n",
            body.len()
        );
        for seen in every_split(raw.as_bytes()) {
            assert_eq!(String::from_utf8(seen).unwrap(), want);
        }
        let ascii = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        let mut enc = RequestLineEncoder::default();
        assert_eq!(enc.feed(ascii), None, "ASCII is handed over as read, with no copy");
    }

    #[test]
    fn a_chunked_body_ends_the_encoding_for_that_connection() {
        let raw = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n保\r\n0\r\n\r\nGET /q=保 HTTP/1.1\r\n\r\n";
        for seen in every_split(raw.as_bytes()) {
            assert_eq!(String::from_utf8(seen).unwrap(), raw);
        }
    }

    #[test]
    fn blank_lines_before_a_request_line_keep_it_a_request_line() {
        let raw = "\r\n\r\nGET /?q=日 HTTP/1.1\r\n\r\n".as_bytes();
        for seen in every_split(raw) {
            assert_eq!(seen, b"\r\n\r\nGET /?q=%E6%97%A5 HTTP/1.1\r\n\r\n".to_vec());
        }
    }
}
