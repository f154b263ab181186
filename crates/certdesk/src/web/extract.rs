//! Extractors: who is asking (browser session or API token), and request bodies whose
//! rejections are Spanish problem details or pages instead of axum's plain text.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Query, Request},
    http::{header, request::Parts, Method, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Json,
};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use std::sync::Arc;

use domain::{role::Role, settings::Settings, text, validation::FieldErrors};

use super::{
    error::{Answer, PageError, Problem},
    WebState,
};
use crate::{
    app::{
        auth::{self, Session},
        settings, AppError,
    },
    store::{sessions::SessionKind, users::User},
};

/// The fields (name, value) longer than [`text::ANY_FIELD`] characters, each with its
/// Spanish message: the net under every use case's own limits.
fn overlong<'a>(fields: impl IntoIterator<Item = (String, &'a str)>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for (name, value) in fields {
        if let Err(e) = text::within(value, text::ANY_FIELD) {
            errors.add(&name, e.to_string());
        }
    }
    errors
}

/// Every string of a JSON value with its path (`comment`, `items.0.reason`).
fn json_strings<'a>(value: &'a serde_json::Value, path: String, out: &mut Vec<(String, &'a str)>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        serde_json::Value::String(s) => out.push((path, s.as_str())),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                json_strings(item, join(&i.to_string()), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                json_strings(item, join(key), out);
            }
        }
        _ => {}
    }
}

/// The 422 of fields over the net's limit.
fn overlong_problem(errors: FieldErrors) -> Problem {
    Problem::from(Answer::from(AppError::Validation(errors)))
}

/// The error page of fields over the net's limit.
fn overlong_page(errors: FieldErrors) -> Response {
    let mut answer = Answer::page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Texto demasiado largo",
        format!(
            "Un campo del formulario pasa de {} caracteres. Acórtelo e intente de nuevo.",
            text::ANY_FIELD
        ),
    );
    answer.errors = errors
        .into_inner()
        .into_iter()
        .map(|(field, messages)| {
            let messages = messages
                .into_iter()
                .map(|m| format!("«{field}»: {m}"))
                .collect();
            (field, messages)
        })
        .collect();
    PageError::Show(answer).into_response()
}

pub const SESSION_COOKIE: &str = "cd_session";
pub const CSRF_COOKIE: &str = "cd_csrf";
pub const CSRF_FIELD: &str = "csrf_token";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The anonymous CSRF secret of this browser (double-submit cookie), put in the request
/// by the `csrf_cookie` middleware.
#[derive(Debug, Clone)]
pub struct AnonCsrf(pub String);

/// The client's address (through trusted proxies only), for rate limits.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(super::middleware::client_ip(&parts.extensions)))
    }
}

/// True when the request came over HTTPS (cookies are then `Secure`).
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for Https {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Https(super::middleware::came_over_https(&parts.extensions)))
    }
}

/// Where a request comes from (address and user agent), kept with a new session.
#[derive(Debug, Clone)]
pub struct ClientInfo(pub auth::Client);

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok(ClientInfo(auth::Client { ip, user_agent }))
    }
}

/// Whoever is looking at a page: maybe signed in, always with a CSRF token for forms, and
/// the settings in force (the entity's name in the header, the e-mail domains in hints).
#[derive(Debug, Clone)]
pub struct Viewer {
    pub session: Option<Session>,
    pub csrf_token: String,
    pub settings: Arc<Settings>,
    /// The signed-in user's unread notices (the bell in the header).
    pub unread: i64,
}

impl Viewer {
    pub fn user(&self) -> Option<&User> {
        self.session.as_ref().map(|s| &s.user)
    }
}

impl FromRequestParts<WebState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        if let Some(viewer) = parts.extensions.get::<Viewer>() {
            return Ok(viewer.clone());
        }
        // Failed once in this request (the database is down): fail again at once rather
        // than wait for the database a second time.
        if let Some(ViewerFailed(answer)) = parts.extensions.get::<ViewerFailed>() {
            return Err(PageError::Show(answer.clone()).into_response());
        }
        let failed = |parts: &mut Parts, err: AppError| {
            let answer = Answer::from(err);
            parts.extensions.insert(ViewerFailed(answer.clone()));
            PageError::Show(answer).into_response()
        };
        let jar = CookieJar::from_headers(&parts.headers);
        let session = match jar.get(SESSION_COOKIE) {
            Some(cookie) => {
                match auth::authenticate(&state.app, cookie.value(), SessionKind::Web).await {
                    Ok(session) => session,
                    Err(e) => return Err(failed(parts, e)),
                }
            }
            None => None,
        };
        let settings = match settings::load(&state.app).await {
            Ok(settings) => settings,
            Err(e) => return Err(failed(parts, e)),
        };
        let anon = parts
            .extensions
            .get::<AnonCsrf>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        let csrf_token = match &session {
            Some(s) => s.csrf_token.clone(),
            None => anon,
        };
        let unread = match &session {
            Some(s) => match crate::app::notifications::unread_count(&state.app, &s.user).await {
                Ok(n) => n,
                Err(e) => return Err(failed(parts, e)),
            },
            None => 0,
        };
        let viewer = Viewer {
            session,
            csrf_token,
            settings: Arc::new(settings),
            unread,
        };
        parts.extensions.insert(viewer.clone());
        Ok(viewer)
    }
}

/// Marks a request whose [`Viewer`] could not be read, with the answer it got.
#[derive(Debug, Clone)]
struct ViewerFailed(Answer);

/// A signed-in person on a page; anyone else is sent to the login page.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Session,
    pub viewer: Viewer,
}

impl SignedIn {
    pub fn user(&self) -> &User {
        &self.session.user
    }
}

impl FromRequestParts<WebState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        match viewer.session.clone() {
            Some(session) => Ok(SignedIn { session, viewer }),
            None => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// Extractors for a signed-in person whose role may use a page: anyone else signed in gets
/// the Spanish 403 page, the same on every such page and form (and the signed-out, the
/// login page). They deref to [`SignedIn`].
macro_rules! role_guard {
    ($(#[$doc:meta])* $name:ident, $allowed:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub SignedIn);

        impl FromRequestParts<WebState> for $name {
            type Rejection = Response;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &WebState,
            ) -> Result<Self, Response> {
                let me = SignedIn::from_request_parts(parts, state).await?;
                let allowed: fn(&Role) -> bool = $allowed;
                if allowed(&me.user().role) {
                    Ok($name(me))
                } else {
                    Err(PageError::from(AppError::Forbidden).into_response())
                }
            }
        }

        impl std::ops::Deref for $name {
            type Target = SignedIn;
            fn deref(&self) -> &SignedIn {
                &self.0
            }
        }
    };
}

role_guard!(
    /// A signed-in analyst or admin on a page (the analysts' pages).
    Analyst,
    Role::is_analyst
);

role_guard!(
    /// A signed-in admin on a page (administration).
    Admin,
    Role::is_admin
);

/// Ids in the path (`/tramites/{id}`), typed. An id that does not parse names nothing:
/// it answers 404 like any id nobody may see (problem+json under `/api/`, the Spanish page
/// elsewhere), never axum's plain-text 400.
#[derive(Debug, Clone, Copy)]
pub struct Id<T>(pub T);

impl<T, S> FromRequestParts<S> for Id<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(ids)) => Ok(Id(ids)),
            Err(_) => {
                // Nested routers see their path without the prefix: ask for the original.
                let path = parts
                    .extensions
                    .get::<axum::extract::OriginalUri>()
                    .map_or(parts.uri.path(), |o| o.0.path());
                if path.starts_with("/api/") {
                    Err(Problem::not_found().into_response())
                } else {
                    Err(PageError::from(AppError::NotFound).into_response())
                }
            }
        }
    }
}

/// The page for a form whose CSRF token is missing or wrong.
fn form_expired() -> PageError {
    PageError::new(
        StatusCode::FORBIDDEN,
        "El formulario caducó",
        "El formulario caducó o no es válido. Vuelva a cargar la página e intente de nuevo.",
    )
}

pub(crate) fn tokens_match(given: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

#[derive(serde::Deserialize, Default)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

/// A form post whose CSRF token was checked; `T` is read from the same body.
pub struct CsrfForm<T> {
    pub viewer: Viewer,
    pub data: T,
}

impl<T: DeserializeOwned> FromRequest<WebState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                let answer = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    PageError::new(
                        status,
                        "Formulario demasiado grande",
                        "El formulario pesa más de 1 MB: acorte los textos e intente de nuevo.",
                    )
                } else {
                    PageError::new(
                        StatusCode::BAD_REQUEST,
                        "Formulario inválido",
                        "No pudimos leer el formulario. Vuelva a cargar la página e intente de nuevo.",
                    )
                };
                answer.into_response()
            })?;
        let field: CsrfField = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        if !tokens_match(&field.csrf_token, &viewer.csrf_token) {
            tracing::warn!("form refused: missing or wrong CSRF token");
            return Err(form_expired().into_response());
        }
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let errors = overlong(pairs.iter().map(|(k, v)| (k.clone(), v.as_str())));
        if !errors.is_empty() {
            return Err(overlong_page(errors));
        }
        let data = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                "Formulario inválido",
                "No pudimos leer el formulario. Vuelva a cargar la página e intente de nuevo.",
            )
            .into_response()
        })?;
        Ok(CsrfForm { viewer, data })
    }
}

/// The user behind an API call: a bearer token, or the browser session (then unsafe
/// methods must also send the session's CSRF token in `X-CSRF-Token`).
#[derive(Debug, Clone)]
pub struct ApiUser(pub User);

impl FromRequestParts<WebState> for ApiUser {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Problem> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(|| {
                    Problem::unauthorized("Use la cabecera Authorization: Bearer <token>.")
                })?;
            return match auth::authenticate(&state.app, token, SessionKind::Api).await? {
                Some(session) => Ok(ApiUser(session.user)),
                None => Err(Problem::unauthorized(
                    "El token no es válido o venció. Pida uno nuevo con POST /api/v1/session.",
                )),
            };
        }
        let jar = CookieJar::from_headers(&parts.headers);
        if let Some(cookie) = jar.get(SESSION_COOKIE) {
            if let Some(session) =
                auth::authenticate(&state.app, cookie.value(), SessionKind::Web).await?
            {
                let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
                let given = parts
                    .headers
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                if !safe && !tokens_match(given, &session.csrf_token) {
                    return Err(Problem::forbidden(
                        "Falta la cabecera X-CSRF-Token de su sesión.",
                    ));
                }
                return Ok(ApiUser(session.user));
            }
        }
        Err(Problem::unauthorized(
            "Inicie sesión: envíe Authorization: Bearer <token> (POST /api/v1/session).",
        ))
    }
}

/// JSON body whose rejections are Spanish problem details.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        use axum::extract::rejection::JsonRejection;
        let headers = req.headers().clone();
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "demasiado-grande",
                    "Solicitud demasiado grande",
                    "El cuerpo de la solicitud pesa más de 1 MB.",
                )
            } else {
                Problem::bad_request("No pudimos leer el cuerpo de la solicitud.")
            }
        })?;
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            let mut strings = Vec::new();
            json_strings(&value, String::new(), &mut strings);
            let errors = overlong(strings);
            if !errors.is_empty() {
                return Err(overlong_problem(errors));
            }
        }
        let mut req = Request::new(axum::body::Body::from(bytes));
        *req.headers_mut() = headers;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "tipo-no-soportado",
                "Tipo de contenido no soportado",
                "Envíe el cuerpo como JSON, con la cabecera Content-Type: application/json.",
            )),
            Err(JsonRejection::JsonSyntaxError(_)) => Err(Problem::bad_request(
                "El cuerpo de la solicitud no es JSON válido. Revise comillas, comas y llaves.",
            )),
            Err(JsonRejection::JsonDataError(err)) => {
                let mut problem = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validacion",
                    "Datos inválidos",
                    "El JSON no tiene la forma esperada: revise los nombres y tipos de los campos.",
                );
                if let Some(field) = serde_field(&err.body_text()) {
                    problem.errors.insert(
                        field,
                        vec!["Falta este campo o su valor no es del tipo esperado.".into()],
                    );
                }
                Err(problem)
            }
            Err(other) if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "demasiado-grande",
                "Solicitud demasiado grande",
                "El cuerpo de la solicitud pesa más de 1 MB.",
            )),
            Err(other) => Err(Problem::bad_request(format!(
                "No pudimos leer el cuerpo de la solicitud ({}).",
                other.status()
            ))),
        }
    }
}

/// The field a JSON data error is about. axum reports the path first
/// (`…target type: email: invalid type…`); a missing field is named in backticks.
fn serde_field(message: &str) -> Option<String> {
    let plausible = |field: &str| {
        !field.is_empty()
            && field
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    };
    if let Some(rest) = message.split("target type: ").nth(1) {
        if let Some((path, _)) = rest.split_once(": ") {
            if plausible(path) && path != "." {
                return Some(path.to_owned());
            }
        }
    }
    let start = message.find("missing field `")? + "missing field `".len();
    let len = message[start..].find('`')?;
    let field = &message[start..start + len];
    plausible(field).then(|| field.to_owned())
}

/// Query string whose rejections are Spanish problem details.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or_default()).unwrap_or_default();
        let errors = overlong(pairs.iter().map(|(k, v)| (k.clone(), v.as_str())));
        if !errors.is_empty() {
            return Err(overlong_problem(errors));
        }
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(_) => Err(Problem::bad_request(
                "Los parámetros de la consulta no son válidos (por ejemplo, limit debe ser un número).",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_serde_message_names_its_field() {
        assert_eq!(
            serde_field("missing field `email` at line 1 column 2").as_deref(),
            Some("email")
        );
        assert_eq!(
            serde_field("Failed to deserialize the JSON body into the target type: email: invalid type: integer `5`, expected a string at line 1 column 11").as_deref(),
            Some("email")
        );
        assert_eq!(serde_field("expected value at line 1"), None);
    }

    #[test]
    fn empty_expected_tokens_never_match() {
        assert!(!tokens_match("", ""));
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abd", "abc"));
    }
}

/// A multipart form read whole: text fields and files. Each file keeps at most
/// `MAX_UPLOAD_BYTES + 1` bytes (enough for the use case to say it is too big) and the rest
/// is discarded as it streams, so memory stays bounded whatever is sent.
#[derive(Debug, Default)]
pub struct MultipartForm {
    pub fields: std::collections::HashMap<String, String>,
    pub files: std::collections::HashMap<String, crate::app::tickets::Upload>,
}

/// Largest text field kept from a multipart form: a field cut here is over the net's
/// limit ([`text::ANY_FIELD`] characters of at most 4 bytes) and refused as too long.
const MAX_TEXT_FIELD: usize = text::ANY_FIELD * 4 + 4;

impl MultipartForm {
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    pub fn optional(&self, name: &str) -> Option<String> {
        self.fields
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub fn file(&self, name: &str) -> Option<&crate::app::tickets::Upload> {
        self.files.get(name).filter(|f| !f.bytes.is_empty())
    }

    /// Reads the whole form of a request; every refusal is a 4xx problem. Public for the
    /// multipart fuzz target (fuzz/fuzz_targets/multipart.rs).
    pub async fn read(req: Request) -> Result<Self, Problem> {
        let mut multipart = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|_| {
                Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "tipo-no-soportado",
                    "Tipo de contenido no soportado",
                    "Envíe el formulario como multipart/form-data.",
                )
            })?;
        let mut form = MultipartForm::default();
        let too_big = || {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "demasiado-grande",
                "Solicitud demasiado grande",
                "Los archivos enviados pesan demasiado. Cada archivo puede pesar hasta 10 MB.",
            )
        };
        // The body's limit gives 413; anything else is a malformed body, a 400.
        let unreadable = |err: axum::extract::multipart::MultipartError| {
            if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_big()
            } else {
                Problem::bad_request(
                    "El formulario multipart está mal formado: no pudimos leer sus campos. \
                     Envíelo de nuevo como multipart/form-data.",
                )
            }
        };
        while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let is_file = file_name.is_some();
            let cap = if is_file {
                crate::images::MAX_UPLOAD_BYTES + 1
            } else {
                MAX_TEXT_FIELD
            };
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                let room = cap.saturating_sub(bytes.len());
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            if is_file {
                form.files
                    .insert(name, crate::app::tickets::Upload { file_name, bytes });
            } else {
                form.fields
                    .insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        let errors = overlong(form.fields.iter().map(|(k, v)| (k.clone(), v.as_str())));
        if !errors.is_empty() {
            return Err(overlong_problem(errors));
        }
        Ok(form)
    }
}

impl<S: Send + Sync> FromRequest<S> for MultipartForm {
    type Rejection = Problem;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Problem> {
        MultipartForm::read(req).await
    }
}

/// A multipart form post from a page, with its CSRF token checked.
pub struct CsrfMultipart {
    pub viewer: Viewer,
    pub form: MultipartForm,
}

impl FromRequest<WebState> for CsrfMultipart {
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, state).await?;
        let form = MultipartForm::read(Request::from_parts(parts, body))
            .await
            .map_err(|problem| {
                if !problem.errors.is_empty() {
                    return overlong_page(FieldErrors::from_map(problem.errors));
                }
                PageError::new(
                    StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST),
                    "No pudimos leer el formulario",
                    problem.detail,
                )
                .into_response()
            })?;
        if !tokens_match(&form.text(CSRF_FIELD), &viewer.csrf_token) {
            return Err(form_expired().into_response());
        }
        Ok(CsrfMultipart { viewer, form })
    }
}
