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
//!
//! With several `--url`s (instances of one service), client i uses URL i mod n: its
//! requests, and the session it uses, which it signs in to on that URL at setup.

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
    /// The servers' base URLs, at least one: client i uses `urls[i mod n]`.
    pub urls: Vec<String>,
    /// The server processes measured (none: no RSS or CPU columns).
    pub pids: Vec<u32>,
    pub clients: Vec<usize>,
    pub limits: Limits,
    pub requester: String,
    pub requesters: usize,
    pub analyst: String,
    pub password: String,
    pub search: String,
    pub deep_pages: usize,
}

impl Settings {
    /// The URL of setup steps that need one server (every URL serves the same data).
    fn first_url(&self) -> &str {
        self.urls.first().map(String::as_str).unwrap_or_default()
    }

    /// `path` on every URL, in URL order: client i uses entry i mod n.
    fn on_each(&self, path: &str) -> Vec<String> {
        self.urls.iter().map(|u| format!("{u}{path}")).collect()
    }
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

/// `n` clients, each with its own connection and, when `jars` has any, client i with the
/// browser session `jars[i mod len]` (the one signed in on its URL).
fn clients(n: usize, jars: &[Arc<Jar>]) -> anyhow::Result<Arc<Vec<Client>>> {
    let v = (0..n.max(1))
        .map(|c| client(pick(jars, c).cloned()))
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
        let op = op_for(clients(n, &[])?);
        let m = runner::run(n, s.limits, &s.pids, op).await;
        report.row(name, &m, steps)?;
    }
    Ok(())
}

/// `email`'s bearer token on each URL, in URL order: each signed in on the URL it is used on.
async fn setup_tokens(s: &Settings, email: &str) -> anyhow::Result<Vec<String>> {
    let setup = client(None)?;
    let mut tokens = Vec::with_capacity(s.urls.len());
    for url in &s.urls {
        tokens.push(http::token(&setup, url, email, &s.password).await?);
    }
    Ok(tokens)
}

/// Ticket creation without files, emision a (no payment needed).
async fn create(s: &Settings, report: &mut Report) -> anyhow::Result<()> {
    let tokens = setup_tokens(s, &s.requester).await?;
    let urls = s.on_each("/api/v1/tickets");
    post_ticket_body(s, report, "create", "POST /api/v1/tickets", urls, tokens).await
}

/// Rows of `POST url` with the body of ticket creation and a bearer token (client i: the
/// URL and token i mod n): certdesk's creation and the baseline's raw insert are measured
/// by the same requests.
async fn post_ticket_body(
    s: &Settings,
    report: &mut Report,
    scenario: &str,
    what: &'static str,
    urls: Vec<String>,
    tokens: Vec<String>,
) -> anyhow::Result<()> {
    let (urls, tokens) = (Arc::new(urls), Arc::new(tokens));
    rows(s, report, scenario, &[], |http| {
        let (tokens, urls) = (tokens.clone(), urls.clone());
        move |c, _| {
            let req = match (pick(&http, c), pick(&urls, c), pick(&tokens, c)) {
                (Some(h), Some(url), Some(token)) => Some(
                    h.post(url)
                        .bearer_auth(token)
                        .json(&json!({"kind": "emision", "reason": "a"})),
                ),
                _ => None,
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
    /// The URLs, and the requester's token on each (client i: entry i mod n).
    bases: Vec<String>,
    tokens: Vec<String>,
    serials: Serials,
}

const A_STEPS: [&str; 4] = ["create", "payment", "applicant", "submit"];

impl Complete {
    /// One complete request by client `c`.
    async fn one(&self, http: &Client, c: usize) -> Outcome {
        let mut out = Outcome::default();
        if let Err(e) = self.steps(http, c, &mut out).await {
            out.error = Some(e);
        }
        out
    }

    async fn steps(&self, http: &Client, c: usize, out: &mut Outcome) -> Result<(), String> {
        let (Some(base), Some(token)) = (pick(&self.bases, c), pick(&self.tokens, c)) else {
            return Err("no URL".to_owned());
        };
        let (operation_number, dni, serial) = self.serials.take();

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
        bases: s.urls.clone(),
        tokens: setup_tokens(s, &s.requester).await?,
        serials: Serials::new(),
    });
    rows(s, report, "a", &A_STEPS, |http| {
        let shared = shared.clone();
        move |c, _| {
            let shared = shared.clone();
            let http = pick(&http, c).cloned();
            async move {
                match http {
                    Some(http) => shared.one(&http, c).await,
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
    let analyst_tokens = setup_tokens(s, &s.analyst).await?;
    // The deepest cursor, walked on one server: a keyset cursor is data, valid on any.
    let mut deep_urls = Vec::new();
    if targets.contains(&PageTarget::QueueApiDeep) {
        let first_token = analyst_tokens.first().context("no URL")?;
        let (cursor, depth) = deep_cursor(&setup, s.first_url(), first_token, s.deep_pages).await?;
        if depth < s.deep_pages {
            eprintln!(
                "warning: the queue has only {} pages; the deep row reads page {}",
                depth + 1,
                depth + 1
            );
        }
        for base in &s.urls {
            let mut url =
                reqwest::Url::parse(&format!("{base}/api/v1/queue")).context("the server URL")?;
            if let Some(c) = &cursor {
                url.query_pairs_mut().append_pair("after", c);
            }
            deep_urls.push(url.to_string());
        }
    }
    let needs = |t: PageTarget| targets.contains(&t);
    // Browser sessions, one per URL: a cookie belongs to its host.
    let sessions = |email: &str| {
        let email = email.to_owned();
        async move {
            let mut jars = Vec::with_capacity(s.urls.len());
            for base in &s.urls {
                jars.push(http::browser_session(base, &email, &s.password).await?);
            }
            anyhow::Ok(jars)
        }
    };
    let analyst_jars = if needs(PageTarget::ColaPage)
        || needs(PageTarget::BuscarPage)
        || needs(PageTarget::ReportesPage)
    {
        sessions(&s.analyst).await?
    } else {
        Vec::new()
    };
    let requester_jars = if needs(PageTarget::TramitesPage) {
        sessions(&s.requester).await?
    } else {
        Vec::new()
    };
    for &target in targets {
        // Per URL, in URL order: the page, and the browser sessions or bearer tokens.
        let (urls, jars, bearers) = match target {
            PageTarget::QueueApiFirst => (
                s.on_each("/api/v1/queue"),
                Vec::new(),
                analyst_tokens.clone(),
            ),
            PageTarget::QueueApiDeep => {
                if deep_urls.is_empty() {
                    bail!("no deep cursor");
                }
                (deep_urls.clone(), Vec::new(), analyst_tokens.clone())
            }
            PageTarget::ColaPage => (
                s.on_each("/analista/cola"),
                analyst_jars.clone(),
                Vec::new(),
            ),
            PageTarget::TramitesPage => {
                (s.on_each("/tramites"), requester_jars.clone(), Vec::new())
            }
            PageTarget::BuscarPage => {
                let mut urls = Vec::with_capacity(s.urls.len());
                for base in &s.urls {
                    let mut url = reqwest::Url::parse(&format!("{base}/analista/buscar"))
                        .context("the server URL")?;
                    url.query_pairs_mut().append_pair("q", &s.search);
                    urls.push(url.to_string());
                }
                (urls, analyst_jars.clone(), Vec::new())
            }
            PageTarget::ReportesPage => (s.on_each("/reportes"), analyst_jars.clone(), Vec::new()),
        };
        let (urls, bearers) = (Arc::new(urls), Arc::new(bearers));
        let what: Arc<str> = format!("GET {}", target.name()).into();
        for &n in &s.clients {
            let http = clients(n, &jars)?;
            let (urls, what, bearers) = (urls.clone(), what.clone(), bearers.clone());
            let op = move |c: usize, _| {
                let req = match (pick(&http, c), pick(&urls, c)) {
                    (Some(h), Some(url)) => {
                        let req = h.get(url);
                        Some(match pick(&bearers, c) {
                            Some(t) => req.bearer_auth(t),
                            None => req,
                        })
                    }
                    _ => None,
                };
                let what = what.clone();
                async move {
                    match req {
                        Some(req) => single(&what, req).await,
                        None => no_client(),
                    }
                }
            };
            let m = runner::run(n, s.limits, &s.pids, op).await;
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
        http::token(&setup, s.first_url(), e, &s.password).await?;
    }
    let urls = Arc::new(s.on_each("/api/v1/session"));
    let password: Arc<str> = s.password.clone().into();
    let next = Arc::new(AtomicU64::new(0));
    rows(s, report, "c", &[], |http| {
        let (emails, urls, password, next) =
            (emails.clone(), urls.clone(), password.clone(), next.clone());
        move |c, _| {
            let k = next.fetch_add(1, Ordering::Relaxed) as usize;
            let req = match (pick(&http, c), pick(&urls, c), pick(&emails, k)) {
                (Some(h), Some(url), Some(email)) => Some(
                    h.post(url)
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

/// One requester of scenario D: its token on each URL (URL order) and some of its tickets.
struct Requester {
    tokens: Vec<String>,
    tickets: Vec<String>,
}

async fn mixed(s: &Settings, report: &mut Report) -> anyhow::Result<()> {
    let max_clients = s.clients.iter().copied().max().unwrap_or(1);
    let emails = http::requester_emails(&s.requester, s.requesters.min(max_clients));
    let setup = client(None)?;
    let mut requesters = Vec::new();
    let first = s.first_url();
    for email in &emails {
        let tokens = setup_tokens(s, email).await?;
        let token = tokens.first().context("no URL")?.clone();
        let list = call(
            "GET /api/v1/tickets",
            setup
                .get(format!("{first}/api/v1/tickets"))
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
                    .post(format!("{first}/api/v1/tickets"))
                    .bearer_auth(&token)
                    .json(&json!({"kind": "emision", "reason": "a"})),
            )
            .await
            .map_err(anyhow::Error::msg)?;
            let v = json_of("create", &body).map_err(anyhow::Error::msg)?;
            tickets.push(field("create", &v, "id").map_err(anyhow::Error::msg)?);
        }
        requesters.push(Requester { tokens, tickets });
    }
    if requesters.is_empty() {
        bail!("no requester accounts");
    }
    let requesters = Arc::new(requesters);
    let bases = Arc::new(s.urls.clone());
    rows(s, report, "d", &[], |http| {
        let (requesters, bases) = (requesters.clone(), bases.clone());
        move |c, seq| {
            let found = match (pick(&http, c), pick(&requesters, c), pick(&bases, c)) {
                (Some(h), Some(r), Some(base)) => pick(&r.tokens, c).map(|t| (h, r, base, t)),
                _ => None,
            };
            let (what, req) = match found {
                Some((h, r, base, token)) => {
                    if seq % 10 == 9 {
                        (
                            "POST /api/v1/tickets",
                            Some(
                                h.post(format!("{base}/api/v1/tickets"))
                                    .bearer_auth(token)
                                    .json(&json!({"kind": "emision", "reason": "a"})),
                            ),
                        )
                    } else if seq % 2 == 0 {
                        (
                            "GET /api/v1/tickets",
                            Some(h.get(format!("{base}/api/v1/tickets")).bearer_auth(token)),
                        )
                    } else {
                        let id = pick(&r.tickets, (seq / 2) as usize)
                            .cloned()
                            .unwrap_or_default();
                        (
                            "GET /api/v1/tickets/{id}",
                            Some(
                                h.get(format!("{base}/api/v1/tickets/{id}"))
                                    .bearer_auth(token),
                            ),
                        )
                    }
                }
                None => ("", None),
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
    let urls = Arc::new(s.on_each("/hello"));
    for url in urls.iter() {
        call("GET /hello", client(None)?.get(url))
            .await
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("is the baseline server running at {url}?"))?;
    }
    rows(s, report, "hello", &[], |http| {
        let urls = urls.clone();
        move |c, _| {
            let req = match (pick(&http, c), pick(&urls, c)) {
                (Some(h), Some(url)) => Some(h.get(url)),
                _ => None,
            };
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
    let urls = s.on_each("/insert");
    let tokens = vec![baseline::TOKEN.to_owned(); s.urls.len()];
    post_ticket_body(s, report, "insert", "POST /insert", urls, tokens).await
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
