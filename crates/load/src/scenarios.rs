//! The scenarios of issue 14, each a setup (logins, cursors: not measured) and one operation
//! that the runner repeats at every client count.
//!
//! - `create`: `POST /api/v1/tickets` (emision a, no files).
//! - `a`: a complete request: ticket (emision c, a paid reason) → receipt → applicant with
//!   the fixture photo and signature → submit. Four HTTP calls, timed one by one too.
//! - `b`: the analyst's queue (API, first page and a page 100 pages deep) and the pages
//!   people read most (cola, Mis trámites, búsqueda, reportes), one row each.
//! - `c`: logins (argon2 as the server is configured), spread over the requester accounts.
//! - `d`: each client as its own requester: 90 % reads of its own tickets (list and detail,
//!   alternating), 10 % ticket creation.
//! - `hello`, `insert`: the baseline server's two routes.

use std::{
    future::Future,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Instant,
};

use anyhow::{bail, Context};
use reqwest::{cookie::Jar, multipart, Client};
use serde_json::{json, Value};

use crate::{
    baseline,
    http::{self, call, client, field, json_of, timed},
    report::Report,
    runner::{self, Limits, Outcome},
};

/// What every scenario needs to know.
pub struct Settings {
    pub base: String,
    pub pid: Option<u32>,
    pub clients: Vec<usize>,
    pub limits: Limits,
    pub requester: String,
    pub requesters: usize,
    pub analyst: String,
    pub password: String,
    pub search: String,
    pub deep_pages: usize,
}

/// The targets of scenario B, each its own row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageTarget {
    QueueApiFirst,
    QueueApiDeep,
    ColaPage,
    TramitesPage,
    BuscarPage,
    ReportesPage,
}

impl PageTarget {
    pub const ALL: [PageTarget; 6] = [
        PageTarget::QueueApiFirst,
        PageTarget::QueueApiDeep,
        PageTarget::ColaPage,
        PageTarget::TramitesPage,
        PageTarget::BuscarPage,
        PageTarget::ReportesPage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PageTarget::QueueApiFirst => "b:queue-api-first",
            PageTarget::QueueApiDeep => "b:queue-api-deep",
            PageTarget::ColaPage => "b:cola-page",
            PageTarget::TramitesPage => "b:tramites-page",
            PageTarget::BuscarPage => "b:buscar-page",
            PageTarget::ReportesPage => "b:reportes-page",
        }
    }
}

/// A scenario as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    Create,
    A,
    B(Vec<PageTarget>),
    C,
    D,
    Hello,
    Insert,
}

impl std::str::FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "create" => Ok(Scenario::Create),
            "a" => Ok(Scenario::A),
            "b" => Ok(Scenario::B(PageTarget::ALL.to_vec())),
            "c" => Ok(Scenario::C),
            "d" => Ok(Scenario::D),
            "hello" => Ok(Scenario::Hello),
            "insert" => Ok(Scenario::Insert),
            other => PageTarget::ALL
                .iter()
                .find(|t| t.name() == other)
                .map(|t| Scenario::B(vec![*t]))
                .ok_or_else(|| {
                    let targets: Vec<&str> = PageTarget::ALL.iter().map(|t| t.name()).collect();
                    format!(
                        "unknown scenario {other:?}: create, a, b, c, d, hello, insert, or one of {}",
                        targets.join(", ")
                    )
                }),
        }
    }
}

/// Runs `scenario` at every client count of `s`, one table row each.
pub async fn run(scenario: &Scenario, s: &Settings, report: &mut Report) -> anyhow::Result<()> {
    match scenario {
        Scenario::Create => create(s, report).await,
        Scenario::A => complete_requests(s, report).await,
        Scenario::B(targets) => pages(s, targets, report).await,
        Scenario::C => logins(s, report).await,
        Scenario::D => mixed(s, report).await,
        Scenario::Hello => hello(s, report).await,
        Scenario::Insert => insert(s, report).await,
    }
}

/// `n` clients, each with its own connection (and the browser session `jar`, if any).
fn clients(n: usize, jar: Option<&Arc<Jar>>) -> anyhow::Result<Arc<Vec<Client>>> {
    let v = (0..n.max(1))
        .map(|_| client(jar.cloned()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Arc::new(v))
}

fn pick<T>(v: &[T], i: usize) -> Option<&T> {
    if v.is_empty() {
        None
    } else {
        v.get(i % v.len())
    }
}

/// An operation of one HTTP request.
async fn single(what: &str, req: reqwest::RequestBuilder) -> Outcome {
    Outcome {
        http: 1,
        steps: Vec::new(),
        error: call(what, req).await.err(),
    }
}

/// Runs one row per client count of `op_for(clients)` and reports it as `name`.
async fn rows<F, Fut, Mk>(
    s: &Settings,
    report: &mut Report,
    name: &str,
    steps: &[&str],
    mut op_for: Mk,
) -> anyhow::Result<()>
where
    Mk: FnMut(Arc<Vec<Client>>) -> F,
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    for &n in &s.clients {
        let op = op_for(clients(n, None)?);
        let m = runner::run(n, s.limits, s.pid, op).await;
        report.row(name, &m, steps)?;
    }
    Ok(())
}

async fn setup_token(s: &Settings, email: &str) -> anyhow::Result<String> {
    http::token(&client(None)?, &s.base, email, &s.password).await
}

/// Ticket creation without files, emision a (no payment needed).
async fn create(s: &Settings, report: &mut Report) -> anyhow::Result<()> {
    let token = setup_token(s, &s.requester).await?;
    let url = format!("{}/api/v1/tickets", s.base);
    post_ticket_body(s, report, "create", "POST /api/v1/tickets", url, token).await
}

/// Rows of `POST url` with the body of ticket creation and `token`: certdesk's creation
/// and the baseline's raw insert are measured by the same requests.
async fn post_ticket_body(
    s: &Settings,
    report: &mut Report,
    scenario: &str,
    what: &'static str,
    url: String,
    token: String,
) -> anyhow::Result<()> {
    let (url, token): (Arc<str>, Arc<str>) = (url.into(), token.into());
    rows(s, report, scenario, &[], |http| {
        let (token, url) = (token.clone(), url.clone());
        move |c, _| {
            let req = pick(&http, c).map(|h| {
                h.post(&*url)
                    .bearer_auth(&*token)
                    .json(&json!({"kind": "emision", "reason": "a"}))
            });
            async move {
                match req {
                    Some(req) => single(what, req).await,
                    None => no_client(),
                }
            }
        }
    })
    .await
}

fn no_client() -> Outcome {
    Outcome {
        error: Some("no client".to_owned()),
        ..Outcome::default()
    }
}

/// Unique numbers for scenario A: receipts' operation numbers and applicants' DNIs must
/// never repeat (a unique index; a DNI may be in one open emision at a time).
struct Serials {
    next: AtomicU64,
    /// This run's prefix of operation numbers: its start time, hexadecimal.
    run: String,
    /// Where this run's DNIs start in [`DNI_SPAN`], derived from its start time, so that
    /// runs against the same database rarely overlap (a run uses a few thousand).
    dni_base: u64,
}

/// Scenario A's DNIs are 20000000 + (base + n) mod 80000000: above the range
/// `certdesk load-demo` gives its applicants (10000000 + i, i ≤ 10⁷).
const DNI_FIRST: u64 = 20_000_000;
const DNI_SPAN: u64 = 80_000_000;

impl Serials {
    fn new() -> Serials {
        let t = http::unix_secs();
        Serials {
            next: AtomicU64::new(0),
            run: format!("{t:X}"),
            dni_base: (t.wrapping_mul(2_777)) % DNI_SPAN,
        }
    }

    /// (operation number, DNI, serial).
    fn take(&self) -> (String, String, u64) {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        (
            format!("{}{n:08X}", self.run),
            format!("{:08}", DNI_FIRST + (self.dni_base + n) % DNI_SPAN),
            n,
        )
    }
}

/// What every complete request shares.
struct Complete {
    base: String,
    token: String,
    serials: Serials,
}

const A_STEPS: [&str; 4] = ["create", "payment", "applicant", "submit"];

impl Complete {
    async fn one(&self, http: &Client) -> Outcome {
        let mut out = Outcome::default();
        if let Err(e) = self.steps(http, &mut out).await {
            out.error = Some(e);
        }
        out
    }

    async fn steps(&self, http: &Client, out: &mut Outcome) -> Result<(), String> {
        let (operation_number, dni, serial) = self.serials.take();
        let base = &self.base;
        let token = &self.token;

        out.http += 1;
        let (us, body) = timed(
            "create",
            http.post(format!("{base}/api/v1/tickets"))
                .bearer_auth(token)
                .json(&json!({"kind": "emision", "reason": "c"})),
        )
        .await;
        out.steps.push(us);
        let ticket = field("create", &json_of("create", &body?)?, "id")?;

        let receipt = multipart::Part::bytes(http::RECEIPT)
            .file_name("constancia.pdf")
            .mime_str("application/pdf")
            .map_err(|e| e.to_string())?;
        let form = multipart::Form::new()
            .text("operation_number", operation_number)
            .text("paid_on", http::lima_today())
            .text("amount", "8.10")
            .text("tribute_code", "00529")
            .text("payer_dni", "10117410")
            .text("channel", "ventanilla")
            .part("receipt", receipt);
        out.http += 1;
        let (us, body) = timed(
            "payment",
            http.post(format!("{base}/api/v1/tickets/{ticket}/payments"))
                .bearer_auth(token)
                .multipart(form),
        )
        .await;
        out.steps.push(us);
        let payment = field("payment", &json_of("payment", &body?)?, "id")?;

        let photo = multipart::Part::bytes(http::PHOTO)
            .file_name("foto.jpg")
            .mime_str("image/jpeg")
            .map_err(|e| e.to_string())?;
        let signature = multipart::Part::bytes(http::SIGNATURE)
            .file_name("firma.png")
            .mime_str("image/png")
            .map_err(|e| e.to_string())?;
        let form = multipart::Form::new()
            .text("paternal_surname", "Tello")
            .text("maternal_surname", "Vásquez")
            .text("given_names", "Carmen Rosa")
            .text("dni", dni)
            .text("dni_issued_on", "2019-05-14")
            .text("email", format!("carga.{serial}@regioncajamarca.gob.pe"))
            .text("position", "Asistente administrativo")
            .text("unit", "Oficina de Recursos Humanos")
            .text("payment_id", payment)
            .part("photo", photo)
            .part("signature", signature);
        out.http += 1;
        let (us, body) = timed(
            "applicant",
            http.post(format!("{base}/api/v1/tickets/{ticket}/applicants"))
                .bearer_auth(token)
                .multipart(form),
        )
        .await;
        out.steps.push(us);
        body?;

        out.http += 1;
        let (us, body) = timed(
            "submit",
            http.post(format!("{base}/api/v1/tickets/{ticket}/submit"))
                .bearer_auth(token)
                .json(&json!({})),
        )
        .await;
        out.steps.push(us);
        body?;
        Ok(())
    }
}

async fn complete_requests(s: &Settings, report: &mut Report) -> anyhow::Result<()> {
    let shared = Arc::new(Complete {
        base: s.base.clone(),
        token: setup_token(s, &s.requester).await?,
        serials: Serials::new(),
    });
    rows(s, report, "a", &A_STEPS, |http| {
        let shared = shared.clone();
        move |c, _| {
            let shared = shared.clone();
            let http = pick(&http, c).cloned();
            async move {
                match http {
                    Some(http) => shared.one(&http).await,
                    None => no_client(),
                }
            }
        }
    })
    .await
}

/// Walks the analyst queue's keyset cursor up to `pages` pages: the cursor of the deepest
/// page reached, and how many pages that is.
async fn deep_cursor(
    http: &Client,
    base: &str,
    token: &str,
    pages: usize,
) -> anyhow::Result<(Option<String>, usize)> {
    let mut cursor: Option<String> = None;
    let mut depth = 0;
    let started = Instant::now();
    for _ in 0..pages {
        let mut req = http.get(format!("{base}/api/v1/queue")).bearer_auth(token);
        if let Some(c) = &cursor {
            req = req.query(&[("after", c)]);
        }
        let body = call("GET /api/v1/queue", req)
            .await
            .map_err(anyhow::Error::msg)?;
        let v: Value = serde_json::from_slice(&body).context("the queue is not JSON")?;
        match v.get("next").and_then(Value::as_str) {
            Some(next) => {
                cursor = Some(next.to_owned());
                depth += 1;
            }
            None => break,
        }
    }
    eprintln!(
        "queue: walked {depth} pages in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok((cursor, depth))
}

async fn pages(s: &Settings, targets: &[PageTarget], report: &mut Report) -> anyhow::Result<()> {
    let setup = client(None)?;
    let analyst_token: Arc<str> = http::token(&setup, &s.base, &s.analyst, &s.password)
        .await?
        .into();
    let mut deep_url = None;
    if targets.contains(&PageTarget::QueueApiDeep) {
        let (cursor, depth) = deep_cursor(&setup, &s.base, &analyst_token, s.deep_pages).await?;
        if depth < s.deep_pages {
            eprintln!(
                "warning: the queue has only {} pages; the deep row reads page {}",
                depth + 1,
                depth + 1
            );
        }
        let mut url =
            reqwest::Url::parse(&format!("{}/api/v1/queue", s.base)).context("the server URL")?;
        if let Some(c) = cursor {
            url.query_pairs_mut().append_pair("after", &c);
        }
        deep_url = Some(url.to_string());
    }
    let needs = |t: PageTarget| targets.contains(&t);
    let analyst_jar = if needs(PageTarget::ColaPage)
        || needs(PageTarget::BuscarPage)
        || needs(PageTarget::ReportesPage)
    {
        Some(http::browser_session(&s.base, &s.analyst, &s.password).await?)
    } else {
        None
    };
    let requester_jar = if needs(PageTarget::TramitesPage) {
        Some(http::browser_session(&s.base, &s.requester, &s.password).await?)
    } else {
        None
    };
    for &target in targets {
        let (url, jar, bearer) = match target {
            PageTarget::QueueApiFirst => (
                format!("{}/api/v1/queue", s.base),
                None,
                Some(analyst_token.clone()),
            ),
            PageTarget::QueueApiDeep => (
                deep_url.clone().context("no deep cursor")?,
                None,
                Some(analyst_token.clone()),
            ),
            PageTarget::ColaPage => (
                format!("{}/analista/cola", s.base),
                analyst_jar.clone(),
                None,
            ),
            PageTarget::TramitesPage => {
                (format!("{}/tramites", s.base), requester_jar.clone(), None)
            }
            PageTarget::BuscarPage => {
                let mut url = reqwest::Url::parse(&format!("{}/analista/buscar", s.base))
                    .context("the server URL")?;
                url.query_pairs_mut().append_pair("q", &s.search);
                (url.to_string(), analyst_jar.clone(), None)
            }
            PageTarget::ReportesPage => (format!("{}/reportes", s.base), analyst_jar.clone(), None),
        };
        let url: Arc<str> = url.into();
        let what: Arc<str> = format!("GET {}", target.name()).into();
        for &n in &s.clients {
            let http = clients(n, jar.as_ref())?;
            let (url, what, bearer) = (url.clone(), what.clone(), bearer.clone());
            let op = move |c: usize, _| {
                let req = pick(&http, c).map(|h| {
                    let req = h.get(&*url);
                    match &bearer {
                        Some(t) => req.bearer_auth(&**t),
                        None => req,
                    }
                });
                let what = what.clone();
                async move {
                    match req {
                        Some(req) => single(&what, req).await,
                        None => no_client(),
                    }
                }
            };
            let m = runner::run(n, s.limits, s.pid, op).await;
            report.row(target.name(), &m, &[])?;
        }
    }
    Ok(())
}

/// Login bursts, spread over the requester accounts.
async fn logins(s: &Settings, report: &mut Report) -> anyhow::Result<()> {
    let emails = Arc::new(http::requester_emails(&s.requester, s.requesters));
    // Every account must log in before the row counts its failures as the server's.
    let setup = client(None)?;
    for e in emails.iter() {
        http::token(&setup, &s.base, e, &s.password).await?;
    }
    let url: Arc<str> = format!("{}/api/v1/session", s.base).into();
    let password: Arc<str> = s.password.clone().into();
    let next = Arc::new(AtomicU64::new(0));
    rows(s, report, "c", &[], |http| {
        let (emails, url, password, next) =
            (emails.clone(), url.clone(), password.clone(), next.clone());
        move |c, _| {
            let k = next.fetch_add(1, Ordering::Relaxed) as usize;
            let req = match (pick(&http, c), pick(&emails, k)) {
                (Some(h), Some(email)) => Some(
                    h.post(&*url)
                        .json(&json!({"email": email, "password": &*password})),
                ),
                _ => None,
            };
            async move {
                match req {
                    Some(req) => single("POST /api/v1/session", req).await,
                    None => no_client(),
                }
            }
        }
    })
    .await
}

/// One requester of scenario D: its token and some of its tickets.
struct Requester {
    token: String,
    tickets: Vec<String>,
}

async fn mixed(s: &Settings, report: &mut Report) -> anyhow::Result<()> {
    let max_clients = s.clients.iter().copied().max().unwrap_or(1);
    let emails = http::requester_emails(&s.requester, s.requesters.min(max_clients));
    let setup = client(None)?;
    let mut requesters = Vec::new();
    for email in &emails {
        let token = http::token(&setup, &s.base, email, &s.password).await?;
        let list = call(
            "GET /api/v1/tickets",
            setup
                .get(format!("{}/api/v1/tickets", s.base))
                .bearer_auth(&token),
        )
        .await
        .map_err(anyhow::Error::msg)?;
        let v: Value = serde_json::from_slice(&list).context("the ticket list is not JSON")?;
        let mut tickets: Vec<String> = v
            .get("items")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|t| t.get("id").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if tickets.is_empty() {
            let body = call(
                "POST /api/v1/tickets",
                setup
                    .post(format!("{}/api/v1/tickets", s.base))
                    .bearer_auth(&token)
                    .json(&json!({"kind": "emision", "reason": "a"})),
            )
            .await
            .map_err(anyhow::Error::msg)?;
            let v = json_of("create", &body).map_err(anyhow::Error::msg)?;
            tickets.push(field("create", &v, "id").map_err(anyhow::Error::msg)?);
        }
        requesters.push(Requester { token, tickets });
    }
    if requesters.is_empty() {
        bail!("no requester accounts");
    }
    let requesters = Arc::new(requesters);
    let base: Arc<str> = s.base.clone().into();
    rows(s, report, "d", &[], |http| {
        let (requesters, base) = (requesters.clone(), base.clone());
        move |c, seq| {
            let (what, req) = match (pick(&http, c), pick(&requesters, c)) {
                (Some(h), Some(r)) => {
                    if seq % 10 == 9 {
                        (
                            "POST /api/v1/tickets",
                            Some(
                                h.post(format!("{base}/api/v1/tickets"))
                                    .bearer_auth(&r.token)
                                    .json(&json!({"kind": "emision", "reason": "a"})),
                            ),
                        )
                    } else if seq % 2 == 0 {
                        (
                            "GET /api/v1/tickets",
                            Some(
                                h.get(format!("{base}/api/v1/tickets"))
                                    .bearer_auth(&r.token),
                            ),
                        )
                    } else {
                        let id = pick(&r.tickets, (seq / 2) as usize)
                            .cloned()
                            .unwrap_or_default();
                        (
                            "GET /api/v1/tickets/{id}",
                            Some(
                                h.get(format!("{base}/api/v1/tickets/{id}"))
                                    .bearer_auth(&r.token),
                            ),
                        )
                    }
                }
                _ => ("", None),
            };
            async move {
                match req {
                    Some(req) => single(what, req).await,
                    None => no_client(),
                }
            }
        }
    })
    .await
}

/// The baseline's `GET /hello`.
async fn hello(s: &Settings, report: &mut Report) -> anyhow::Result<()> {
    let url: Arc<str> = format!("{}/hello", s.base).into();
    call("GET /hello", client(None)?.get(&*url))
        .await
        .map_err(anyhow::Error::msg)
        .context("is the baseline server running at --url?")?;
    rows(s, report, "hello", &[], |http| {
        let url = url.clone();
        move |c, _| {
            let req = pick(&http, c).map(|h| h.get(&*url));
            async move {
                match req {
                    Some(req) => single("GET /hello", req).await,
                    None => no_client(),
                }
            }
        }
    })
    .await
}

/// The baseline's `POST /insert`, with the body of ticket creation.
async fn insert(s: &Settings, report: &mut Report) -> anyhow::Result<()> {
    let url = format!("{}/insert", s.base);
    let token = baseline::TOKEN.to_owned();
    post_ticket_body(s, report, "insert", "POST /insert", url, token).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn scenarios_parse_by_name() {
        assert_eq!("a".parse::<Scenario>().unwrap(), Scenario::A);
        assert_eq!(
            "b".parse::<Scenario>().unwrap(),
            Scenario::B(PageTarget::ALL.to_vec())
        );
        assert_eq!(
            "b:cola-page".parse::<Scenario>().unwrap(),
            Scenario::B(vec![PageTarget::ColaPage])
        );
        assert!("z".parse::<Scenario>().is_err());
    }

    #[test]
    fn serials_never_repeat_and_dnis_have_eight_digits() {
        let s = Serials::new();
        let (op1, dni1, _) = s.take();
        let (op2, dni2, _) = s.take();
        assert_ne!(op1, op2);
        assert_ne!(dni1, dni2);
        assert_eq!(dni1.len(), 8);
        assert!(dni1.as_str() >= "20000000");
        assert!(op1.len() <= 20 && op1.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
