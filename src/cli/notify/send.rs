//! Sending over SMTP with lettre: STARTTLS for `smtp://`, TLS from the first byte for
//! `smtps://`, and no TLS only to a server on this machine that offers none. Certificates
//! are checked against the system's store and, for a private CA, the PEM file that
//! SECBOOK_SMTP_CA_FILE names. Each step with the server (a connect with its greeting and
//! EHLO, STARTTLS, the login, a message) ends within the timeout, however the server
//! drips its bytes.
//!
//! One connection carries the messages one after the other; a message the server refuses
//! or that breaks the connection fails alone, and the next one opens a new connection. A
//! message that finds the kept connection closed, or ended with a 421 (a server that takes
//! so many messages a session), is sent once more on a new one.
//! When no connection can be opened (the server is down, TLS fails, the login is refused),
//! or a message gets no answer within the timeout, the messages not sent yet fail with
//! that reason rather than each waiting for it again.

use std::error::Error as _;
use std::path::Path;
use std::time::Duration;

use lettre::transport::smtp;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::runtime::Runtime;

use super::compose::Mail;
use crate::diagnostics::Error;
use crate::load::config::SmtpUrl;

/// The user name and password, read from the environment only.
pub const USERNAME_VAR: &str = "SECBOOK_SMTP_USERNAME";
pub const PASSWORD_VAR: &str = "SECBOOK_SMTP_PASSWORD";
/// A PEM file of certificate authorities to trust besides the system's.
pub const CA_FILE_VAR: &str = "SECBOOK_SMTP_CA_FILE";

pub struct Server<'a> {
    url: &'a SmtpUrl,
    timeout: Duration,
    credentials: Option<Credentials>,
    tls: TlsParameters,
    hello: ClientId,
    /// Runs lettre's asynchronous client, whose every step can be given a deadline.
    runtime: Runtime,
}

impl<'a> Server<'a> {
    /// The server at `url`, with the credentials and certificate authorities the
    /// environment gives.
    pub fn new(url: &'a SmtpUrl, timeout: Duration) -> Result<Self, Error> {
        let username = std::env::var(USERNAME_VAR).ok().filter(|v| !v.is_empty());
        let password = std::env::var(PASSWORD_VAR).ok().filter(|v| !v.is_empty());
        let credentials = match (username, password) {
            (Some(user), Some(password)) => Some(Credentials::new(user, password)),
            (None, None) => None,
            _ => {
                return Err(Error::Usage(format!(
                    "set both {USERNAME_VAR} and {PASSWORD_VAR} for a server that wants a \
                     login, or neither"
                )));
            }
        };
        let mut tls = TlsParameters::builder(url.host.clone());
        if let Some(path) = std::env::var_os(CA_FILE_VAR).filter(|p| !p.is_empty()) {
            let path = Path::new(&path);
            let pem = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let bad = || {
                Error::Usage(format!(
                    "{} ({CA_FILE_VAR}) holds no PEM certificate",
                    path.display()
                ))
            };
            if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                return Err(bad());
            }
            tls = tls.add_root_certificate(Certificate::from_pem(&pem).map_err(|_| bad())?);
        }
        let tls = tls
            .build_rustls()
            .map_err(|e| Error::Usage(format!("TLS for {url} could not be set up: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Usage(format!("no runtime to send mail in: {e}")))?;
        Ok(Server {
            url,
            timeout,
            credentials,
            tls,
            hello: ClientId::default(),
            runtime,
        })
    }

    /// Sends each message, calling `done` with how it went, in order.
    pub fn send_all(&self, mails: &[Mail], mut done: impl FnMut(&Mail, Result<(), String>)) {
        self.runtime.block_on(async {
            let mut connection: Option<AsyncSmtpConnection> = None;
            let mut unreachable: Option<String> = None;
            for mail in mails {
                if let Some(why) = &unreachable {
                    done(mail, Err(format!("not tried: {why}")));
                    continue;
                }
                let formatted = mail.message.formatted();
                // lettre ends the data with CRLF . CRLF, whose CRLF would be a line more
                // after the message's own: the server gets what --outbox writes.
                let formatted = formatted.strip_suffix(b"\r\n").unwrap_or(&formatted);
                let mut kept = connection.take().filter(|c| !c.has_broken());
                let opened = loop {
                    let reused = kept.is_some();
                    let mut conn = match kept.take() {
                        Some(conn) => conn,
                        None => match self.open().await {
                            Ok(conn) => conn,
                            Err(why) => break Err(why),
                        },
                    };
                    let sent = (self.within(conn.send(mail.message.envelope(), formatted))).await;
                    // A connection kept from the message before, which the server has
                    // closed since or now closes (421: too many messages in one session, a
                    // restart), is no fault of this message: once more, on a new one.
                    if !(reused && sent.as_ref().is_err_and(ends_connection)) {
                        break Ok((conn, sent));
                    }
                };
                let (conn, sent) = match opened {
                    Ok(sent) => sent,
                    Err(why) => {
                        done(mail, Err(why.clone()));
                        unreachable = Some(why);
                        continue;
                    }
                };
                let ended = sent.as_ref().is_err_and(ends_connection);
                let sent = sent.map(|_| ()).map_err(|e| match e {
                    Failure::Late => {
                        // A server that let one message wait out the timeout would let
                        // each of the others wait too.
                        unreachable = Some(format!(
                            "{} gave no answer within {}",
                            self.url,
                            self.waited()
                        ));
                        // The wait may have been for the reply to the message itself,
                        // which the server may take after all.
                        format!(
                            "no answer within {}, so whether the server took the message is \
                             not known: look in its log or the mailbox before sending it again",
                            self.waited()
                        )
                    }
                    e => format!("the server did not take the message: {}", self.describe(&e)),
                });
                done(mail, sent);
                // One cut in the middle of a step, or that the server ended, is dropped.
                if unreachable.is_none() && !ended {
                    connection = Some(conn);
                }
            }
            if let Some(mut conn) = connection.filter(|c| !c.has_broken()) {
                let _ = self.within(conn.quit()).await;
            }
        });
    }

    /// A connection ready for messages: encrypted unless the server is this machine and
    /// offers no TLS, and logged in when there are credentials.
    async fn open(&self) -> Result<AsyncSmtpConnection, String> {
        let url = self.url;
        let wrapped = url.implicit_tls.then(|| self.tls.clone());
        let connect = AsyncSmtpConnection::connect_tokio1(
            (url.host.as_str(), url.port),
            None,
            &self.hello,
            wrapped,
            None,
        );
        let mut conn = (self.within(connect).await)
            .map_err(|e| format!("could not connect to {url}: {}", self.describe(&e)))?;
        if !url.implicit_tls {
            if conn.can_starttls() {
                (self
                    .within(conn.starttls(self.tls.clone(), &self.hello))
                    .await)
                    .map_err(|e| format!("STARTTLS with {url} failed: {}", self.describe(&e)))?;
            } else if !url.is_loopback() {
                return Err(format!(
                    "{url} does not offer STARTTLS, and secbook sends mail unencrypted only to \
                     a server on this machine; use smtps:// if the server speaks TLS from the \
                     first byte"
                ));
            }
        }
        if let Some(credentials) = &self.credentials {
            let login = conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials);
            (self.within(login).await)
                .map_err(|e| format!("{url} refused the login: {}", self.describe(&e)))?;
        }
        Ok(conn)
    }

    /// `step` (a connect, a command, a message) unless it takes longer than the timeout.
    /// The deadline is the step's, not each read's: a server that sends a byte a second and
    /// never ends its line would otherwise hold the run forever.
    async fn within<T>(
        &self,
        step: impl Future<Output = Result<T, smtp::Error>>,
    ) -> Result<T, Failure> {
        match tokio::time::timeout(self.timeout, step).await {
            Ok(result) => result.map_err(Failure::Smtp),
            Err(_) => Err(Failure::Late),
        }
    }

    /// The timeout, as a message says it: "1 second", "30 seconds".
    fn waited(&self) -> String {
        let seconds = usize::try_from(self.timeout.as_secs()).unwrap_or(usize::MAX);
        super::compose::plural(seconds, "second")
    }

    /// What went wrong, with the server's reply when it gave one.
    fn describe(&self, e: &Failure) -> String {
        let text = self.reason(e);
        if let Some(problem) = certificate_problem(&text, &self.url.host) {
            return problem;
        }
        if text.contains("certificate") {
            format!(
                "{text} (when a private certificate authority signed the server's \
                 certificate, name its PEM file in {CA_FILE_VAR})"
            )
        } else {
            text
        }
    }

    fn reason(&self, e: &Failure) -> String {
        let e = match e {
            Failure::Late => return format!("no answer within {}", self.waited()),
            Failure::Smtp(e) => e,
        };
        match (e.status(), e.source()) {
            (Some(code), Some(reply)) => format!("the server replied {code} {reply}"),
            (Some(code), None) => format!("the server replied {code}"),
            // lettre's word for a connection that ended where a reply was due.
            _ if e.is_response() && e.to_string().ends_with("incomplete response") => {
                "the server closed the connection before it replied".into()
            }
            // lettre names a failed connection twice: "Connection error: Connection error:".
            _ => {
                let text = e.to_string();
                let twice = "Connection error: Connection error: ";
                match text.strip_prefix(twice) {
                    Some(rest) => format!("Connection error: {rest}"),
                    None => text,
                }
            }
        }
    }
}

/// What is wrong with the server's certificate, in words, and what makes it right, from
/// rustls's reason in lettre's `text` (`invalid peer certificate: UnknownIssuer`), which
/// names it as Rust code would.
fn certificate_problem(text: &str, host: &str) -> Option<String> {
    let (problem, fix) = if text.contains("CaUsedAsEndEntity") {
        (
            format!(
                "is marked as a certificate authority's (CA:TRUE), which TLS does not take as \
                 a server's own, even named in {CA_FILE_VAR}"
            ),
            format!(
                "reissue it as a server's (with OpenSSL, `-addext \
                 basicConstraints=critical,CA:FALSE`), or have an authority sign it and name \
                 the authority's PEM file in {CA_FILE_VAR}"
            ),
        )
    } else if text.contains("UnknownIssuer") {
        (
            "is signed by an authority this machine does not trust".into(),
            format!(
                "name the PEM file of the authority that signed it in {CA_FILE_VAR}, or, for \
                 a certificate that signed itself, the certificate's"
            ),
        )
    } else if text.contains("BadSignature") {
        (
            format!(
                "is not signed by the authority of its issuer's name in {CA_FILE_VAR}, but by \
                 another that took that name"
            ),
            format!("name the PEM file of the authority that signed it in {CA_FILE_VAR}"),
        )
    } else if text.contains("NotValidForName") {
        (
            format!("is not for {host}"),
            "connect by a name the certificate is for".into(),
        )
    } else if text.contains("Expired") {
        ("has expired".into(), "renew it".into())
    } else if text.contains("NotValidYet") {
        (
            "is not valid yet".into(),
            "check this machine's clock and the certificate's dates".into(),
        )
    } else {
        return None;
    };
    Some(format!("the server's certificate {problem}; {fix}"))
}

/// Whether `e` ended the connection rather than refused a message: a 421 reply (the
/// server closes the session) or a connection closed under the client. A reply that
/// refuses the message (4xx, 5xx), TLS and a step that waited out the timeout do not.
fn ends_connection(e: &Failure) -> bool {
    let Failure::Smtp(e) = e else {
        return false;
    };
    match e.status() {
        Some(code) => code.to_string() == "421",
        None => !e.is_client() && !e.is_tls() && !e.is_timeout(),
    }
}

/// How a step with the server failed.
enum Failure {
    /// It did not end within the timeout.
    Late,
    /// lettre's error: the server's reply, the network's or TLS's.
    Smtp(smtp::Error),
}
