//! A real SMTP server on loopback for the delivery tests: mailin's protocol state machine
//! behind a std-thread accept loop, one thread per connection. No TLS: it does not offer
//! STARTTLS, so certdesk's default (`smtp://`, STARTTLS when offered) talks plain to it.
//!
//! Every accepted mail is recorded with its envelope and raw DATA. Recipients whose local
//! part is `rechazado` are refused for good (550) and `ocupado` for now (450).

use std::{
    io::{BufRead, BufReader, Write},
    net::{IpAddr, SocketAddr, TcpListener, TcpStream},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    thread::JoinHandle,
    time::Duration,
};

use mailin::{response, Action, Handler, Response, SessionBuilder};

/// One mail as the server took it.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The DATA as sent, dot-unstuffed, without the final `.` line.
    pub data: Vec<u8>,
}

impl Received {
    /// The message parsed as a mail client would (headers decoded, MIME parts).
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.data).unwrap()
    }
}

type Inbox = Arc<Mutex<Vec<Received>>>;

pub struct SmtpServer {
    pub addr: SocketAddr,
    inbox: Inbox,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl SmtpServer {
    /// A server on a free loopback port.
    pub fn start() -> Self {
        Self::listen(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    /// A server on `port` (a port the test saw unused, to bring a server "back").
    pub fn start_on(port: u16) -> Self {
        Self::listen(TcpListener::bind(("127.0.0.1", port)).unwrap())
    }

    fn listen(listener: TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let inbox: Inbox = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let inbox = inbox.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let inbox = inbox.clone();
                    // Connection threads end when the client hangs up (or after the read
                    // timeout); nothing waits for them.
                    std::thread::spawn(move || {
                        let _ = serve_connection(stream, inbox);
                    });
                }
            })
        };
        Self {
            addr,
            inbox,
            stop,
            accept: Some(accept),
        }
    }

    /// `smtp://127.0.0.1:<port>`: certdesk's default TLS behaviour (STARTTLS if offered).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every mail taken so far, in the order the server accepted them.
    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so that the loop sees the flag and the port is freed.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// A loopback port with nothing listening on it (bound, then released).
pub fn unused_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Recorder {
    inbox: Inbox,
    current: Received,
}

impl Handler for Recorder {
    fn rcpt(&mut self, to: &str) -> Response {
        match to.split('@').next().unwrap_or_default() {
            "rechazado" => response::NO_MAILBOX,
            "ocupado" => Response::custom(450, "4.2.1 Mailbox busy, try later".to_owned()),
            _ => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Received {
            from: from.to_owned(),
            to: to.to_vec(),
            data: Vec::new(),
        };
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = std::mem::take(&mut self.current);
        self.inbox.lock().unwrap().push(mail);
        response::OK
    }
}

fn serve_connection(stream: TcpStream, inbox: Inbox) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let peer: IpAddr = stream.peer_addr()?.ip();
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let recorder = Recorder {
        inbox,
        current: Received::default(),
    };
    let mut session = SessionBuilder::new("smtp.prueba.local").build(peer, recorder);
    session.greeting().write_to(&mut writer)?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let answer = session.process(&line);
        match answer.action {
            Action::Reply => answer.write_to(&mut writer)?,
            Action::Close => {
                answer.write_to(&mut writer)?;
                return writer.flush();
            }
            Action::NoReply => {}
            // Never offered, so never asked for.
            Action::UpgradeTls => return Ok(()),
        }
    }
}
