//! The authorization matrix (issue 13): every route the router serves, with every method it
//! answers there, for five actors, against ONE table ([`MATRIX`]) of what each may do.
//!
//! **Which routes.** `certdesk::web::route_paths()` lists every path of the router (the
//! pages, the API from the registrations that also build its OpenAPI document, and the
//! operational routes); the test checks that list against the paths the built router itself
//! holds, and that every path of the served OpenAPI document is in it. The methods of a path
//! are what the running router answers there: a `TRACE` gets 405 with `Allow` (axum answers
//! `HEAD` with the `GET` handler, so `HEAD` has no rows of its own). A route or method
//! without a row in the table fails the test, and so does a row without a route.
//!
//! **Who asks.** Anonymous (a browser that has only loaded the login page, for its CSRF
//! token), the requester who owns the resources of the seeded scenario, another requester,
//! an analyst and an admin. Pages are asked by each actor's browser (session cookie, and the
//! session's CSRF token in every form); the API and `/healthz` with the actor's Bearer token.
//! Path parameters are real ids of the scenario (see [`Scenario::fill`]): a ticket with a
//! paid receipt, an applicant with photo and signature, approved and in a closed batch, with
//! RENIEC's answer and the certificate it gave; a ticket waiting in the queue; a borrador; a
//! notice; a pending access request; and so on.
//!
//! **What a cell means** ([`Want`]):
//! - `A`, allowed: the request got past authorization. Requests carry no fields (a form
//!   with only its CSRF token, `{}` or an empty multipart form for the API), so an allowed
//!   attempt may end in 400, 409 or 422 (validation or the state machine refused it): that
//!   still counts as allowed. Anything but 401, 403, 404, 405, 5xx and a redirect to the
//!   login page (a logout's redirect, which ends the session, is allowed). On the sign-in
//!   routes a 401 (wrong password) and on rate-limited routes a 429 count as allowed too.
//! - `L`, sign in first: a page redirects to `/login`, the API answers 401.
//! - `F`, forbidden: 403 (the Spanish "Acceso denegado" page, or problem+json); never the
//!   CSRF refusal, since every form carries a valid token.
//! - `H`, hidden: 404, as for an id that does not exist. Resources of one requester are
//!   hidden from the others, so an id tells a stranger nothing.
//! - `R`, sent elsewhere: a redirect, not to the login page, that does nothing (the
//!   requester's editing pages send everyone else to the ticket's page).
//!
//! **Denied attempts change nothing.** On every row the denied actors (`L`, `F`, `H`, `R`)
//! ask first; the whole database (every row of every table) and the files directory are
//! compared before and after their attempts. Then the allowed actors ask,
//! whose attempts may change things (an analyst's `take` does take the ticket): later rows
//! see that state, which only moves an allowed answer between 2xx, 409 and 422. Routes that
//! delete what they name get a fresh resource of their own, and the actors sign in again
//! when a row ended their session (logout, closing the other sessions). The GET rows run
//! first and, all together, write nothing but the audit log's record of who looked at
//! personal files ([`READ_AUDIT`]).
//!
//! **Updating the table.** On a failure the test prints each cell that disagrees and the
//! whole observed matrix (the status each actor got on each route); a new route is reported
//! as a row to paste, with `?` for each actor.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    sync::Arc,
};

use certdesk::{app::auth, clock::FixedClock};
use domain::role::Role;
use reqwest::{Client, Method, Response};
use serde_json::{json, Value};

use crate::helpers::{
    applicant_fields, at, backend_name, csrf_token, new_browser, payment_form,
    spawn_app_with_clock, TestApp, PASSWORD, WEDNESDAY,
};

/// What an actor may do on a route; see the module comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// Allowed past authorization (2xx, 3xx, 400, 409, 422…).
    A,
    /// Sign in first: a redirect to `/login` (pages) or 401 (API).
    L,
    /// Forbidden: 403.
    F,
    /// Hidden: 404.
    H,
    /// Sent elsewhere: a redirect (not to the login) that does nothing, as the requester's
    /// editing pages do for anyone but the owner of a ticket that can still be edited.
    R,
}

use Want::{A, F, H, L, R};

/// The actors, in the order of the table's columns.
const ACTORS: [&str; 5] = ["anonymous", "owner", "other requester", "analyst", "admin"];
const OWNER: usize = 1;
const ADMIN: usize = 4;

/// THE TABLE: `(method, path as registered, [anonymous, owner, other requester, analyst,
/// admin])`. "Owner" is the requester whose ticket, receipt, applicant, certificate, notice
/// or session the path names; on paths that name nothing of a requester's, the two
/// requester columns are simply two requesters. GET rows also cover HEAD.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, [Want; 5])] = &[
    // --- Public pages and signing in ---------------------------------------------------
    ("GET",  "/",                                        [L, A, A, A, A]),
    ("GET",  "/login",                                   [A, A, A, A, A]),
    ("POST", "/login",                                   [A, A, A, A, A]),
    ("POST", "/logout",                                  [L, A, A, A, A]),
    ("GET",  "/establecer-clave/{token}",                [A, A, A, A, A]),
    ("POST", "/establecer-clave/{token}",                [A, A, A, A, A]),
    ("POST", "/establecer-clave/{token}/nuevo",          [A, A, A, A, A]),
    ("GET",  "/solicitar-acceso",                        [A, A, A, A, A]),
    ("POST", "/solicitar-acceso",                        [A, A, A, A, A]),
    ("GET",  "/olvide-clave",                         [A, A, A, A, A]),
    ("POST", "/olvide-clave",                         [A, A, A, A, A]),
    ("GET",  "/olvide-clave/enviado",                    [A, A, A, A, A]),
    ("GET",  "/procedimiento",                           [A, A, A, A, A]),
    // --- Everyone signed in: notices, profile, own lists --------------------------------
    ("GET",  "/avisos",                                  [L, A, A, A, A]),
    ("POST", "/avisos/leer-todos",                       [L, A, A, A, A]),
    ("POST", "/avisos/preferencia",                      [L, A, A, A, A]),
    ("POST", "/avisos/{id}/abrir",                       [L, A, H, H, H]),
    ("POST", "/avisos/{id}/leido",                       [L, A, H, H, H]),
    ("GET",  "/perfil",                                  [L, A, A, A, A]),
    ("POST", "/perfil/clave",                            [L, A, A, A, A]),
    ("POST", "/perfil/sesiones/{id}/cerrar",             [L, A, H, H, H]),
    ("POST", "/perfil/sesiones/cerrar-otras",            [L, A, A, A, A]),
    ("GET",  "/certificados",                            [L, A, A, A, A]),
    ("GET",  "/certificados/{id}/renovar",               [L, A, H, A, A]),
    ("POST", "/certificados/{id}/renovar",               [L, A, H, A, A]),
    // --- A requester's tickets ----------------------------------------------------------
    ("GET",  "/tramites",                                [L, A, A, A, A]),
    ("GET",  "/tramites/nuevo",                          [L, A, A, A, A]),
    ("POST", "/tramites/nuevo",                          [L, A, A, A, A]),
    ("GET",  "/tramites/{id}",                           [L, A, H, A, A]),
    ("GET",  "/tramites/{id}/anular",                    [L, A, H, R, R]),
    ("POST", "/tramites/{id}/anular",                    [L, A, H, F, F]),
    ("GET",  "/tramites/{id}/pagos",                     [L, A, H, R, R]),
    ("POST", "/tramites/{id}/pagos",                     [L, A, H, F, F]),
    ("POST", "/tramites/{id}/pagos/{payment_id}/quitar", [L, A, H, F, F]),
    ("GET",  "/tramites/{id}/solicitantes",              [L, A, H, R, R]),
    ("POST", "/tramites/{id}/solicitantes",              [L, A, H, F, F]),
    ("POST", "/tramites/{id}/solicitantes/{applicant_id}/quitar", [L, A, H, F, F]),
    ("GET",  "/tramites/{id}/solicitantes/{applicant_id}/editar", [L, A, H, R, R]),
    ("POST", "/tramites/{id}/solicitantes/{applicant_id}/editar", [L, A, H, R, R]),
    ("GET",  "/tramites/{id}/enviar",                    [L, A, H, R, R]),
    ("POST", "/tramites/{id}/enviar",                    [L, A, H, F, F]),
    // --- Analysts' pages ----------------------------------------------------------------
    ("GET",  "/analista/cola",                           [L, F, F, A, A]),
    ("GET",  "/analista/cola.csv",                       [L, F, F, A, A]),
    ("GET",  "/analista/buscar",                         [L, F, F, A, A]),
    ("GET",  "/analista/tramites/{id}",                  [L, F, F, A, A]),
    ("POST", "/analista/tramites/{id}/atender",          [L, F, F, A, A]),
    ("POST", "/analista/tramites/{id}/observar",         [L, F, F, A, A]),
    ("POST", "/analista/tramites/{id}/aprobar",          [L, F, F, A, A]),
    ("POST", "/analista/tramites/{id}/rechazar",         [L, F, F, A, A]),
    ("POST", "/analista/tramites/{id}/cita",             [L, F, F, A, A]),
    ("POST", "/analista/tramites/{id}/completar",        [L, F, F, A, A]),
    ("POST", "/analista/tramites/{id}/devolver",         [L, F, F, A, A]),
    ("POST", "/analista/tramites/{id}/notas",            [L, F, F, A, A]),
    ("POST", "/analista/tramites/{id}/solicitantes/{applicant_id}/resultado", [L, F, F, A, A]),
    ("GET",  "/analista/lotes",                          [L, F, F, A, A]),
    ("POST", "/analista/lotes/cerrar",                   [L, F, F, A, A]),
    ("GET",  "/analista/lotes/{id}",                     [L, F, F, A, A]),
    ("POST", "/analista/lotes/{id}/solicitantes/{applicant_id}/resultado", [L, F, F, A, A]),
    ("POST", "/analista/lotes/{id}/resultados",          [L, F, F, A, A]),
    ("POST", "/analista/lotes/{id}/resultados/aplicar",  [L, F, F, A, A]),
    ("GET",  "/analista/lotes/{id}/plantilla.csv",       [L, F, F, A, A]),
    ("GET",  "/analista/lotes/{id}/plantilla.xlsx",      [L, F, F, A, A]),
    ("GET",  "/analista/certificados",                   [L, F, F, A, A]),
    ("GET",  "/analista/certificados.csv",               [L, F, F, A, A]),
    ("POST", "/analista/certificados/{id}/parte-publica", [L, F, F, A, A]),
    ("GET",  "/reportes",                                [L, F, F, A, A]),
    ("GET",  "/reportes/{file}",                         [L, F, F, A, A]),
    // --- Administration -----------------------------------------------------------------
    ("GET",  "/admin",                                   [L, F, F, F, A]),
    ("GET",  "/admin/solicitudes",                       [L, F, F, F, A]),
    ("POST", "/admin/solicitudes/{id}/aprobar",          [L, F, F, F, A]),
    ("POST", "/admin/solicitudes/{id}/rechazar",         [L, F, F, F, A]),
    ("GET",  "/admin/correos",                           [L, F, F, F, A]),
    ("GET",  "/admin/auditoria",                         [L, F, F, F, A]),
    ("GET",  "/admin/avisos",                            [L, F, F, F, A]),
    ("GET",  "/admin/avisos/{kind}",                     [L, F, F, F, A]),
    ("GET",  "/admin/observaciones",                     [L, F, F, F, A]),
    ("POST", "/admin/observaciones",                     [L, F, F, F, A]),
    ("GET",  "/admin/observaciones/{id}",                [L, F, F, F, A]),
    ("POST", "/admin/observaciones/{id}",                [L, F, F, F, A]),
    ("GET",  "/admin/usuarios",                          [L, F, F, F, A]),
    ("GET",  "/admin/usuarios/{id}",                     [L, F, F, F, A]),
    ("POST", "/admin/usuarios/{id}/rol",                 [L, F, F, F, A]),
    ("POST", "/admin/usuarios/{id}/desactivar",          [L, F, F, F, A]),
    ("POST", "/admin/usuarios/{id}/reactivar",           [L, F, F, F, A]),
    ("POST", "/admin/usuarios/{id}/enlace",              [L, F, F, F, A]),
    ("GET",  "/admin/configuracion",                     [L, F, F, F, A]),
    ("POST", "/admin/configuracion",                     [L, F, F, F, A]),
    ("GET",  "/admin/feriados",                          [L, F, F, F, A]),
    ("POST", "/admin/feriados",                          [L, F, F, F, A]),
    ("POST", "/admin/feriados/{date}/quitar",            [L, F, F, F, A]),
    // --- API: operations, sessions, accounts --------------------------------------------
    ("GET",    "/healthz",                               [A, A, A, A, A]),
    ("GET",    "/api/v1/openapi.json",                   [A, A, A, A, A]),
    ("POST",   "/api/v1/session",                        [A, A, A, A, A]),
    ("DELETE", "/api/v1/session",                        [L, A, A, A, A]),
    ("GET",    "/api/v1/me",                             [L, A, A, A, A]),
    ("PATCH",  "/api/v1/me",                             [L, A, A, A, A]),
    ("POST",   "/api/v1/password-resets",                [A, A, A, A, A]),
    ("GET",    "/api/v1/notifications",                  [L, A, A, A, A]),
    ("GET",    "/api/v1/notifications/unread",           [L, A, A, A, A]),
    ("POST",   "/api/v1/notifications/{id}/read",        [L, A, H, H, H]),
    ("POST",   "/api/v1/notifications/read-all",         [L, A, A, A, A]),
    ("POST",   "/api/v1/access-requests",                [A, A, A, A, A]),
    ("GET",    "/api/v1/access-requests",                [L, F, F, F, A]),
    ("POST",   "/api/v1/access-requests/{id}/approve",   [L, F, F, F, A]),
    ("POST",   "/api/v1/access-requests/{id}/reject",    [L, F, F, F, A]),
    ("GET",    "/api/v1/outbox",                         [L, F, F, F, A]),
    ("GET",    "/api/v1/audit",                          [L, F, F, F, A]),
    ("GET",    "/api/v1/users",                          [L, F, F, F, A]),
    ("GET",    "/api/v1/users/{id}",                     [L, F, F, F, A]),
    ("PATCH",  "/api/v1/users/{id}",                     [L, F, F, F, A]),
    ("POST",   "/api/v1/users/{id}/password-link",       [L, F, F, F, A]),
    ("GET",    "/api/v1/settings",                       [L, F, F, F, A]),
    ("PATCH",  "/api/v1/settings",                       [L, F, F, F, A]),
    ("GET",    "/api/v1/holidays",                       [L, A, A, A, A]),
    ("POST",   "/api/v1/holidays",                       [L, F, F, F, A]),
    ("DELETE", "/api/v1/holidays/{date}",                [L, F, F, F, A]),
    // --- API: tickets, their files and certificates -------------------------------------
    ("GET",    "/api/v1/catalogue",                      [A, A, A, A, A]),
    ("POST",   "/api/v1/image-checks",                   [L, A, A, A, A]),
    ("GET",    "/api/v1/tickets",                        [L, A, A, A, A]),
    ("POST",   "/api/v1/tickets",                        [L, A, A, A, A]),
    ("GET",    "/api/v1/tickets/{id}",                   [L, A, H, A, A]),
    ("POST",   "/api/v1/tickets/{id}/payments",          [L, A, H, F, F]),
    ("DELETE", "/api/v1/tickets/{id}/payments/{payment_id}", [L, A, H, F, F]),
    ("POST",   "/api/v1/tickets/{id}/applicants",        [L, A, H, F, F]),
    ("DELETE", "/api/v1/tickets/{id}/applicants/{applicant_id}", [L, A, H, F, F]),
    ("PATCH",  "/api/v1/applicants/{id}",                [L, A, H, F, F]),
    ("POST",   "/api/v1/tickets/{id}/submit",            [L, A, H, F, F]),
    ("POST",   "/api/v1/tickets/{id}/withdraw",          [L, A, H, F, F]),
    ("GET",    "/api/v1/applicants/{id}/photo",          [L, A, H, A, A]),
    ("GET",    "/api/v1/applicants/{id}/signature",      [L, A, H, A, A]),
    ("GET",    "/api/v1/payments/{id}/receipt",          [L, A, H, A, A]),
    ("GET",    "/api/v1/certificates",                   [L, A, A, A, A]),
    ("GET",    "/api/v1/certificates/{id}",              [L, A, H, A, A]),
    // --- API: analysts ------------------------------------------------------------------
    ("GET",    "/api/v1/queue",                          [L, F, F, A, A]),
    ("POST",   "/api/v1/tickets/{id}/take",              [L, F, F, A, A]),
    ("POST",   "/api/v1/tickets/{id}/observe",           [L, F, F, A, A]),
    ("POST",   "/api/v1/tickets/{id}/approve",           [L, F, F, A, A]),
    ("POST",   "/api/v1/tickets/{id}/reject",            [L, F, F, A, A]),
    ("POST",   "/api/v1/tickets/{id}/release",           [L, F, F, A, A]),
    ("GET",    "/api/v1/tickets/{id}/notes",             [L, F, F, A, A]),
    ("POST",   "/api/v1/tickets/{id}/notes",             [L, F, F, A, A]),
    ("POST",   "/api/v1/tickets/{id}/appointment",       [L, F, F, A, A]),
    ("POST",   "/api/v1/tickets/{id}/complete",          [L, F, F, A, A]),
    ("GET",    "/api/v1/batches",                        [L, F, F, A, A]),
    ("POST",   "/api/v1/batches/close",                  [L, F, F, A, A]),
    ("GET",    "/api/v1/batches/{id}",                   [L, F, F, A, A]),
    ("GET",    "/api/v1/batches/{id}/package.zip",       [L, F, F, A, A]),
    ("POST",   "/api/v1/batches/{id}/results",           [L, F, F, A, A]),
    ("POST",   "/api/v1/applicants/{id}/reniec-result",  [L, F, F, A, A]),
    ("POST",   "/api/v1/certificates/{id}/public-part",  [L, F, F, A, A]),
    ("GET",    "/api/v1/reports/{name}",                 [L, F, F, A, A]),
    // --- Operations and static files ----------------------------------------------------
    ("GET",  "/metrics",                                 [L, F, F, F, A]),
    ("GET",  "/static/{*path}",                          [A, A, A, A, A]),
    ("GET",  "/favicon.ico",                             [A, A, A, A, A]),
];

/// Page forms sent as `multipart/form-data` (they take files); every other page form is
/// urlencoded. A new upload form missing here fails its allowed cells (its body cannot be
/// read), which says to add it. The API's bodies follow its OpenAPI document.
const MULTIPART_PAGES: &[&str] = &[
    "/tramites/{id}/pagos",
    "/tramites/{id}/solicitantes",
    "/tramites/{id}/solicitantes/{applicant_id}/editar",
    "/analista/lotes/{id}/resultados",
    "/analista/certificados/{id}/parte-publica",
];

/// The sign-in routes: their 401 is the answer to a wrong password, not a refusal to let
/// anyone try; it counts as allowed there.
const SIGN_IN: &[(&str, &str)] = &[("POST", "/login"), ("POST", "/api/v1/session")];

/// Routes with a rate limit, which the matrix's repeated attempts may reach: their 429 is the
/// throttle's, which is not authorization; it counts as allowed there.
const THROTTLED: &[(&str, &str)] = &[
    ("POST", "/login"),
    ("POST", "/api/v1/session"),
    ("POST", "/solicitar-acceso"),
    ("POST", "/api/v1/access-requests"),
    ("POST", "/olvide-clave"),
    ("POST", "/api/v1/password-resets"),
    ("POST", "/establecer-clave/{token}/nuevo"),
];

/// The audit entries a read writes: who looked at which personal file.
const READ_AUDIT: &[&str] = &["personal_file.viewed", "batch.package_downloaded"];

/// The DNI of the scenario's approved applicant.
const DNI: &str = "41234567";
const OWNER_EMAIL: &str = "rosa.quispe@regioncajamarca.gob.pe";
const OTHER_EMAIL: &str = "luis.chavez@regioncajamarca.gob.pe";
const ANALYST_EMAIL: &str = "ana.ramos@regioncajamarca.gob.pe";
const ADMIN_EMAIL: &str = "jefe.ti@regioncajamarca.gob.pe";
const VICTIM_EMAIL: &str = "pedro.silva@regioncajamarca.gob.pe";

/// One actor: a browser for pages (with its CSRF token) and a Bearer token for the API.
struct Actor {
    email: Option<&'static str>,
    browser: Client,
    csrf: String,
    token: Option<String>,
}

impl Actor {
    async fn anonymous(app: &TestApp) -> Actor {
        let browser = new_browser();
        let (_, html) = app.page_in(&browser, "/login").await;
        Actor {
            email: None,
            browser,
            csrf: csrf_token(&html),
            token: None,
        }
    }

    async fn signed_in(app: &TestApp, email: &'static str) -> Actor {
        let browser = new_browser();
        app.sign_in(&browser, email, PASSWORD).await;
        let (_, html) = app.page_in(&browser, "/perfil").await;
        Actor {
            email: Some(email),
            browser,
            csrf: csrf_token(&html),
            token: Some(app.login_token(email, PASSWORD).await),
        }
    }

    /// Signs in again where a row ended the session or the token (logout, closing the
    /// other sessions); the anonymous actor has nothing to lose.
    async fn keep_signed_in(&mut self, app: &TestApp) {
        let Some(email) = self.email else { return };
        let web = self
            .browser
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status();
        let api = app.get("/api/v1/me", self.token.as_deref()).await.status();
        if web == 401 || api == 401 {
            *self = Actor::signed_in(app, email).await;
        }
    }
}

/// The seeded scenario: the ids that fill the paths' parameters.
struct Scenario {
    /// The owner's emision: receipt, applicant with photo and signature, approved, in a
    /// closed batch, RENIEC's answer recorded.
    ticket: String,
    applicant: String,
    payment: String,
    /// The owner's emision waiting in the queue (for the analysts' actions).
    queued: String,
    /// The owner's borrador with a receipt and an applicant (for the requester's edits).
    draft: String,
    draft_applicant: String,
    batch: String,
    certificate: String,
    /// A notice to the owner.
    notice: String,
    access_request: String,
    /// An account the admin pages act on (not one of the actors).
    victim: String,
    observation_text: String,
    /// A set-password link's secret (the victim's).
    password_token: String,
    fresh: u32,
}

const FRIDAY_CUTOFF: &str = "2026-12-04T16:30:00-05:00";
const MONDAY: &str = "2026-12-07T09:00:00-05:00";

async fn created_id(res: Response) -> String {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body["id"].as_str().unwrap().to_owned()
}

impl Scenario {
    async fn seed(app: &TestApp, clock: &FixedClock) -> Scenario {
        let owner = app.login_token(OWNER_EMAIL, PASSWORD).await;
        let analyst = app.login_token(ANALYST_EMAIL, PASSWORD).await;

        // The full journey of one ticket, to a certificate.
        let ticket = app.open_ticket(&owner, "emision", Some("c")).await;
        let ticket = ticket["id"].as_str().unwrap().to_owned();
        let payment = created_id(
            app.post_multipart(
                &format!("/api/v1/tickets/{ticket}/payments"),
                &owner,
                payment_form("73318211"),
            )
            .await,
        )
        .await;
        let mut fields = applicant_fields(DNI);
        fields.push(("payment_id", payment.clone()));
        let applicant = app.add_applicant(&owner, &ticket, &fields).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.submit_ticket(&owner, &ticket).await;
        crate::helpers::approved(app, &analyst, &ticket).await;
        clock.set(at(FRIDAY_CUTOFF));
        let batch = created_id(
            app.post_json("/api/v1/batches/close", Some(&analyst), &json!({}))
                .await,
        )
        .await;
        clock.set(at(MONDAY));
        let res = app
            .post_json(
                &format!("/api/v1/applicants/{applicant}/reniec-result"),
                Some(&analyst),
                &json!({"approved": true, "delivery_sent_on": "2026-12-07"}),
            )
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
        let certificates: Value = app
            .get("/api/v1/certificates", Some(&owner))
            .await
            .json()
            .await
            .unwrap();
        let certificate = certificates["items"][0]["id"].as_str().unwrap().to_owned();
        let notices: Value = app
            .get("/api/v1/notifications", Some(&owner))
            .await
            .json()
            .await
            .unwrap();
        let notice = notices["items"][0]["id"].as_str().unwrap().to_owned();

        // One waiting in the queue, and a borrador.
        let queued = crate::helpers::submitted(app, &owner, "42345678").await.0;
        let draft = app.open_ticket(&owner, "emision", Some("c")).await;
        let draft = draft["id"].as_str().unwrap().to_owned();
        let draft_payment = created_id(
            app.post_multipart(
                &format!("/api/v1/tickets/{draft}/payments"),
                &owner,
                payment_form("73318299"),
            )
            .await,
        )
        .await;
        let mut fields = applicant_fields("43456789");
        fields.push(("payment_id", draft_payment));
        let draft_applicant = app.add_applicant(&owner, &draft, &fields).await["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let access_request = created_id(
            app.post_json(
                "/api/v1/access-requests",
                None,
                &crate::helpers::access_request("nuevo.ingreso@regioncajamarca.gob.pe"),
            )
            .await,
        )
        .await;
        let victim = app.user(VICTIM_EMAIL, Role::Solicitante, PASSWORD).await.id;
        // A set-password link as its mail's delivery mints it (only its hash is stored).
        let password_token = auth::random_token();
        let now = app.app.now();
        let mut conn = app.app.store.conn().await.unwrap();
        certdesk::store::password_tokens::insert(
            &mut conn,
            &auth::token_hash(&password_token),
            victim,
            now,
            now.checked_add(auth::PASSWORD_LINK_TTL).unwrap(),
        )
        .await
        .unwrap();
        drop(conn);
        let observation_text: String =
            sqlx::query_scalar("SELECT id FROM observation_texts ORDER BY id LIMIT 1")
                .fetch_one(app.app.store.pool())
                .await
                .unwrap();
        Scenario {
            ticket,
            applicant,
            payment,
            queued,
            draft,
            draft_applicant,
            batch,
            certificate,
            notice,
            access_request,
            victim: victim.to_string(),
            observation_text,
            password_token,
            fresh: 0,
        }
    }

    /// `template` with each parameter replaced by a real id. Routes that delete what they
    /// name get a fresh one (a new borrador with its receipt or applicant, a new holiday,
    /// a new session of the owner), so that they never take another row's id away.
    async fn fill(&mut self, app: &TestApp, actors: &[Actor], template: &str) -> String {
        let deletes = template.ends_with("/quitar")
            || template.ends_with("/cerrar")
            || template.contains("{payment_id}")
            || (template.contains("{applicant_id}") && template.starts_with("/api/"))
            || template.contains("{date}");
        let mut fresh: BTreeMap<&str, String> = BTreeMap::new();
        if deletes {
            self.fresh += 1;
            fresh = self.fresh_for(app, actors, template).await;
        }
        let segments: Vec<&str> = template.split('/').collect();
        let mut out = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                out.push((*segment).to_owned());
                continue;
            };
            let before = if i > 0 { segments[i - 1] } else { "" };
            let value = if let Some(value) = fresh.get(param) {
                value.clone()
            } else {
                self.value(template, before, param)
            };
            out.push(value);
        }
        out.join("/")
    }

    /// The seeded id for `param`, which follows the segment `before` in `template`.
    fn value(&self, template: &str, before: &str, param: &str) -> String {
        let last = template.rsplit('/').next().unwrap_or_default();
        match (before, param) {
            (_, "token") => self.password_token.clone(),
            (_, "kind") => "ticket_approved".into(),
            (_, "file") => "tramites_por_estado.csv".into(),
            (_, "name") => "tramites_por_estado".into(),
            (_, "*path") => certdesk::web::assets::url("app.css")
                .trim_start_matches("/static/")
                .to_owned(),
            // The applicant in the closed batch, on the ticket of the journey.
            (_, "applicant_id") if template.contains("/resultado") => self.applicant.clone(),
            (_, "applicant_id") => self.draft_applicant.clone(),
            (_, "payment_id") => self.payment.clone(),
            ("tramites" | "tickets", "id") => {
                if template.contains("/resultado") {
                    self.ticket.clone()
                } else if template.starts_with("/analista/")
                    || [
                        "take",
                        "observe",
                        "approve",
                        "reject",
                        "release",
                        "notes",
                        "appointment",
                        "complete",
                    ]
                    .contains(&last)
                {
                    self.queued.clone()
                } else if template.contains("/pagos")
                    || template.contains("/solicitantes")
                    || [
                        "enviar",
                        "anular",
                        "payments",
                        "applicants",
                        "submit",
                        "withdraw",
                    ]
                    .contains(&last)
                {
                    self.draft.clone()
                } else {
                    self.ticket.clone()
                }
            }
            ("applicants", "id") if last == "{id}" => self.draft_applicant.clone(),
            ("applicants", "id") => self.applicant.clone(),
            ("payments", "id") => self.payment.clone(),
            ("certificados" | "certificates", "id") => self.certificate.clone(),
            ("lotes" | "batches", "id") => self.batch.clone(),
            ("avisos" | "notifications", "id") => self.notice.clone(),
            ("solicitudes" | "access-requests", "id") => self.access_request.clone(),
            ("usuarios" | "users", "id") => self.victim.clone(),
            ("observaciones", "id") => self.observation_text.clone(),
            _ => panic!("no value for {{{param}}} after {before:?} in {template}: add one to Scenario::value"),
        }
    }

    /// Fresh resources for a route that deletes what it names.
    async fn fresh_for(
        &mut self,
        app: &TestApp,
        actors: &[Actor],
        template: &str,
    ) -> BTreeMap<&'static str, String> {
        let owner_browser = &actors[OWNER].browser;
        let owner = actors[OWNER].token.clone().unwrap();
        let admin = actors[ADMIN].token.clone().unwrap();
        let mut out = BTreeMap::new();
        if template.contains("{date}") {
            // A new decreed holiday, one a row.
            let date = format!("2027-03-{:02}", self.fresh);
            let res = app
                .post_json(
                    "/api/v1/holidays",
                    Some(&admin),
                    &json!({"date": date, "name": "Feriado de prueba"}),
                )
                .await;
            assert!(res.status().is_success(), "{}", res.text().await.unwrap());
            out.insert("date", date);
        } else if template.starts_with("/perfil/sesiones/") {
            // A new session of the owner, found on the profile page by its close form.
            let before = session_handles(app, owner_browser).await;
            app.sign_in(&new_browser(), OWNER_EMAIL, PASSWORD).await;
            let after = session_handles(app, owner_browser).await;
            let new: Vec<_> = after.difference(&before).cloned().collect();
            assert_eq!(new.len(), 1, "{before:?} {after:?}");
            out.insert("id", new[0].clone());
        } else {
            // Reason c is paid (it takes receipts), reason a is free.
            let paid = template.contains("{payment_id}");
            let reason = if paid { "c" } else { "a" };
            let draft = app.open_ticket(&owner, "emision", Some(reason)).await;
            let draft = draft["id"].as_str().unwrap().to_owned();
            if paid {
                let payment = created_id(
                    app.post_multipart(
                        &format!("/api/v1/tickets/{draft}/payments"),
                        &owner,
                        payment_form(&format!("7400{:04}", self.fresh)),
                    )
                    .await,
                )
                .await;
                out.insert("payment_id", payment);
            } else {
                let applicant = app
                    .add_applicant(
                        &owner,
                        &draft,
                        &applicant_fields(&format!("445566{:02}", self.fresh)),
                    )
                    .await;
                out.insert("applicant_id", applicant["id"].as_str().unwrap().to_owned());
            }
            out.insert("id", draft);
        }
        out
    }
}

/// The session handles on the profile page of `browser`'s account (its close forms).
async fn session_handles(app: &TestApp, browser: &Client) -> BTreeSet<String> {
    let (_, html) = app.page_in(browser, "/perfil").await;
    crate::helpers::attrs(&html, "form[action^='/perfil/sesiones/']", "action")
        .into_iter()
        .filter_map(|a| {
            a.strip_prefix("/perfil/sesiones/")
                .and_then(|r| r.strip_suffix("/cerrar"))
                .map(str::to_owned)
        })
        .collect()
}

/// What an answer was, in the table's terms, with what it said.
#[derive(Debug)]
struct Got {
    want: Option<Want>,
    /// A redirect, not to the login page (which `R` cells expect).
    elsewhere: bool,
    status: u16,
    note: String,
}

impl Got {
    fn is(&self, want: Want) -> bool {
        self.want == Some(want) || (want == R && self.elsewhere)
    }
}

impl fmt::Display for Got {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.note)
    }
}

/// Reads an answer into the table's terms; `None` for answers no cell may have (405, 5xx,
/// a 403 that is the CSRF check's and not authorization's).
async fn classify(res: Response, method: &Method, template: &str) -> Got {
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let ends_session = res.headers().get_all("set-cookie").iter().any(|c| {
        let c = c.to_str().unwrap_or_default();
        c.starts_with("cd_session=") && (c.contains("Max-Age=0") || c.contains("max-age=0"))
    });
    let body = res.text().await.unwrap_or_default();
    let title = if body.starts_with('{') {
        serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["title"].as_str().map(str::to_owned))
            .unwrap_or_default()
    } else {
        crate::helpers::texts(&body, "h1")
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let redirect = (300..400).contains(&status);
    let route = (method.as_str(), template);
    let want = match status {
        _ if redirect && location.starts_with("/login") && !ends_session => Some(L),
        401 if SIGN_IN.contains(&route) => Some(A),
        429 if THROTTLED.contains(&route) => Some(A),
        401 => Some(L),
        403 if body.contains("caducó") || body.contains("X-CSRF-Token") => None,
        403 => Some(F),
        404 => Some(H),
        405 => None,
        s if s >= 500 => None,
        _ => Some(A),
    };
    let note = if redirect {
        format!("→ {location}")
    } else {
        title
    };
    Got {
        want,
        elsewhere: redirect && !location.starts_with("/login"),
        status,
        note,
    }
}

/// Sends `method template` as the actor would.
async fn ask(
    app: &TestApp,
    doc: &Value,
    actor: &Actor,
    method: &Method,
    template: &str,
    url: &str,
) -> Response {
    let api = template.starts_with("/api/") || template == "/healthz";
    let req = if api {
        let mut req = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .request(method.clone(), app.url(url));
        if let Some(token) = &actor.token {
            req = req.bearer_auth(token);
        }
        if *method != Method::GET && *method != Method::DELETE {
            let content =
                &doc["paths"][template][method.as_str().to_lowercase()]["requestBody"]["content"];
            if content.get("multipart/form-data").is_some() {
                req = req.multipart(reqwest::multipart::Form::new().text("nada", ""));
            } else if content.get("application/json").is_some() {
                req = req.json(&json!({}));
            }
        }
        req
    } else {
        let req = actor.browser.request(method.clone(), app.url(url));
        if *method == Method::GET {
            req
        } else if MULTIPART_PAGES.contains(&template) {
            req.multipart(reqwest::multipart::Form::new().text("csrf_token", actor.csrf.clone()))
        } else {
            req.form(&[("csrf_token", actor.csrf.as_str())])
        }
    };
    req.send().await.unwrap()
}

/// One query that reads every row of every table as text, one `(table, row)` pair a row:
/// what [`fingerprint`] compares. Built once (the tables do not change during the test).
async fn snapshot_query(app: &TestApp) -> String {
    let pool = app.app.store.pool();
    let postgres = backend_name() == "postgres";
    let tables: Vec<String> = if postgres {
        sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
    } else {
        sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
    }
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(tables.len() > 20, "{tables:?}");
    let mut selects = Vec::new();
    for table in tables {
        let columns: Vec<String> = if postgres {
            sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 \
                 ORDER BY ordinal_position",
            )
        } else {
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
        }
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        // Every value as a quoted literal ('text', NULL), never NULL itself: SQLite's
        // `quote` also spells out blobs (X'…').
        let values: Vec<String> = columns
            .iter()
            .map(|c| {
                if postgres {
                    format!("quote_nullable(CAST(\"{c}\" AS TEXT))")
                } else {
                    format!("quote(\"{c}\")")
                }
            })
            .collect();
        let row = if postgres {
            format!("concat_ws(' | ', {})", values.join(", "))
        } else {
            values.join(" || ' | ' || ")
        };
        selects.push(format!("SELECT '{table}', {row} FROM \"{table}\""));
    }
    selects.join(" UNION ALL ")
}

/// Every row of every table (read by `query`, from [`snapshot_query`]), and every file
/// under the data directory's `files`: what a denied request must leave as it was.
async fn fingerprint(app: &TestApp, query: &str) -> BTreeMap<String, Vec<String>> {
    // Audit entries are written unsealed and numbered afterwards (by the jobs and by every
    // reader of the log): seal first, so that only what a request wrote shows as a change.
    certdesk::app::audit::seal(&app.app).await.unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as(query)
        .fetch_all(app.app.store.pool())
        .await
        .unwrap();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, row) in rows {
        out.entry(table).or_default().push(row);
    }
    for rows in out.values_mut() {
        rows.sort();
    }
    let mut files = app.app.blobs.stored().await.unwrap();
    files.sort();
    out.insert("<files>".into(), files);
    out
}

/// What changed between two fingerprints, table by table.
fn changes(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let tables: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut out = Vec::new();
    for table in tables {
        let empty = Vec::new();
        let b: BTreeSet<&String> = before.get(table).unwrap_or(&empty).iter().collect();
        let a: BTreeSet<&String> = after.get(table).unwrap_or(&empty).iter().collect();
        for gone in b.difference(&a) {
            out.push(format!("{table}: - {gone}"));
        }
        for new in a.difference(&b) {
            out.push(format!("{table}: + {new}"));
        }
    }
    out
}

/// The methods of a 405 answer's `Allow` header.
fn allowed_methods(res: &Response) -> BTreeSet<String> {
    res.headers()
        .get_all("allow")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

/// The paths the built router holds, read from its `Debug` output (axum lists each path
/// router's paths there): a check, independent of `route_paths()`, that nothing was
/// routed around the route list.
fn paths_in_router_debug(debug: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = debug;
    while let Some(start) = rest.find("paths: {") {
        rest = &rest[start + "paths: {".len()..];
        // `RouteId(3): "/login", RouteId(4): "/tramites/{id}", … }`
        loop {
            rest = rest.trim_start_matches([',', ' ']);
            if rest.starts_with('}') || rest.is_empty() {
                break;
            }
            let Some(quote) = rest.find('"') else { break };
            let after = &rest[quote + 1..];
            let Some(end) = after.find('"') else { break };
            out.insert(after[..end].to_owned());
            rest = &after[end + 1..];
        }
    }
    out.into_iter()
        .filter(|p| !p.contains("__private__axum"))
        .collect()
}

#[tokio::test]
async fn every_route_answers_every_actor_as_the_authorization_matrix_says() {
    let clock = FixedClock::new(at(WEDNESDAY));
    let app = spawn_app_with_clock(Arc::new(clock.clone())).await;
    for (email, role) in [
        (OWNER_EMAIL, Role::Solicitante),
        (OTHER_EMAIL, Role::Solicitante),
        (ANALYST_EMAIL, Role::Analista),
        (ADMIN_EMAIL, Role::Admin),
    ] {
        app.user(email, role, PASSWORD).await;
    }
    let mut scenario = Scenario::seed(&app, &clock).await;
    // Signed in after the seeding, whose clock moved past a browser session's life.
    let mut actors = vec![
        Actor::anonymous(&app).await,
        Actor::signed_in(&app, OWNER_EMAIL).await,
        Actor::signed_in(&app, OTHER_EMAIL).await,
        Actor::signed_in(&app, ANALYST_EMAIL).await,
        Actor::signed_in(&app, ADMIN_EMAIL).await,
    ];
    let doc: Value = app
        .get(certdesk::web::api::OPENAPI_PATH, None)
        .await
        .json()
        .await
        .unwrap();

    // Every path of the router: the route list, checked against the router's own listing
    // and the OpenAPI document.
    let paths = certdesk::web::route_paths();
    let listed: BTreeSet<String> = paths.iter().cloned().collect();
    assert_eq!(
        listed.len(),
        paths.len(),
        "a path registered twice: {paths:?}"
    );
    let in_router = paths_in_router_debug(&format!("{:?}", certdesk::web::router(app.app.clone())));
    assert_eq!(
        in_router, listed,
        "the router serves other paths than route_paths() lists"
    );
    for documented in doc["paths"].as_object().unwrap().keys() {
        assert!(listed.contains(documented), "{documented} is not listed");
    }

    // Every method of every path, as the running router answers them.
    let mut routes: BTreeSet<(String, String)> = BTreeSet::new();
    for path in &paths {
        let url = scenario.probe_url(path);
        let res = Client::new()
            .request(Method::TRACE, app.url(&url))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405, "TRACE {path} ({url})");
        for method in allowed_methods(&res) {
            if method != "HEAD" {
                routes.insert((method, path.to_string()));
            }
        }
    }
    let table: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(table.len(), MATRIX.len(), "a route has two rows");
    let missing: Vec<String> = routes
        .difference(&table)
        .map(|(m, p)| format!("    (\"{m}\", \"{p}\", [?, ?, ?, ?, ?]),"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a row in MATRIX: add what each actor may do\n{}",
        missing.join("\n")
    );
    let stale: Vec<String> = table
        .difference(&routes)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        stale.is_empty(),
        "rows of MATRIX that the router does not serve:\n{}",
        stale.join("\n")
    );

    // Reads first (together they must write nothing), then the writes, each in the table's
    // order.
    let snapshot = snapshot_query(&app).await;
    let reads_before = fingerprint(&app, &snapshot).await;
    let mut wrong = Vec::new();
    let mut observed = Vec::new();
    let mut cells = 0;
    // Denied attempts checked to change nothing: writes, reads.
    let mut denied_checked = [0; 2];
    for pass in ["reads", "writes"] {
        for (method, template, want) in MATRIX {
            let is_read = *method == "GET";
            if is_read != (pass == "reads") {
                continue;
            }
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let url = scenario.fill(&app, &actors, template).await;
            // Denied actors first; for writes, the database before and after their attempts.
            let mut order: Vec<usize> = (0..ACTORS.len()).filter(|&i| want[i] != A).collect();
            let denied = order.len();
            order.extend((0..ACTORS.len()).filter(|&i| want[i] == A));
            let mut before = None;
            let mut got_row: Vec<Option<Got>> = (0..ACTORS.len()).map(|_| None).collect();
            for (n, &i) in order.iter().enumerate() {
                if n == 0 && denied > 0 {
                    before = Some(fingerprint(&app, &snapshot).await);
                }
                if n == denied {
                    if let Some(before) = before.take() {
                        let after = fingerprint(&app, &snapshot).await;
                        let changed = changes(&before, &after);
                        if !changed.is_empty() {
                            wrong.push(format!(
                                "{method} {template}: a denied attempt changed the data:\n  {}",
                                changed.join("\n  ")
                            ));
                        }
                        denied_checked[usize::from(is_read)] += denied;
                    }
                }
                let res = ask(&app, &doc, &actors[i], &method, template, &url).await;
                let got = classify(res, &method, template).await;
                cells += 1;
                if !got.is(want[i]) {
                    wrong.push(format!(
                        "{method} {template} as {}: want {:?}, got {got}",
                        ACTORS[i], want[i]
                    ));
                }
                got_row[i] = Some(got);
            }
            if denied == ACTORS.len() {
                if let Some(before) = before.take() {
                    let changed = changes(&before, &fingerprint(&app, &snapshot).await);
                    assert!(changed.is_empty(), "{method} {template}: {changed:?}");
                    denied_checked[usize::from(is_read)] += denied;
                }
            }
            observed.push(format!(
                "{method:6} {template:60} {}",
                got_row
                    .iter()
                    .map(|g| g.as_ref().map(|g| g.status.to_string()).unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
            if !is_read {
                for actor in actors.iter_mut() {
                    actor.keep_signed_in(&app).await;
                }
            }
        }
        if pass == "reads" {
            // Reads write nothing but the audit log's record of who looked at personal
            // files (photos, signatures, receipts, the batch package).
            let changed: Vec<String> = changes(&reads_before, &fingerprint(&app, &snapshot).await)
                .into_iter()
                .filter(|c| {
                    !(c.starts_with("audit_log: + ")
                        && READ_AUDIT.iter().any(|a| c.contains(&format!("'{a}'"))))
                })
                .collect();
            assert!(
                changed.is_empty(),
                "the GET rows wrote to the database:\n{}",
                changed.join("\n")
            );
        }
    }
    println!(
        "authorization matrix: {} routes (method and path) x {} actors = {cells} cells; \
         {} denied writes and {} denied reads checked to change nothing ({})",
        MATRIX.len(),
        ACTORS.len(),
        denied_checked[0],
        denied_checked[1],
        backend_name()
    );
    assert!(
        wrong.is_empty(),
        "{} cells disagree with MATRIX:\n{}\n\nobserved (status per actor: {}):\n{}",
        wrong.len(),
        wrong.join("\n"),
        ACTORS.join(", "),
        observed.join("\n")
    );
}

impl Scenario {
    /// A concrete URL of `template` for probing its methods: ids that exist, without
    /// creating anything.
    fn probe_url(&self, template: &str) -> String {
        let segments: Vec<&str> = template.split('/').collect();
        segments
            .iter()
            .enumerate()
            .map(
                |(i, segment)| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some("date") => "2027-03-01".to_owned(),
                    Some("id") if segments.get(i - 1) == Some(&"sesiones") => "0".repeat(32),
                    Some(param) => self.value(template, segments[i - 1], param),
                    None => (*segment).to_owned(),
                },
            )
            .collect::<Vec<_>>()
            .join("/")
    }
}
