//! Admin pages: access requests and the mail outbox.

use crate::web::pages::NoticeQuery;
use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::{
    access::AccessRequestStatus,
    ids::{AccessRequestId, OutboxId},
    schedule::format_date,
};

use super::{datetime, page_cursor, render, Layout};
use crate::web::pages::see_other;
use crate::{
    app::{
        access,
        outbox::{self, DeliveryStatus},
    },
    web::{
        error::PageResult,
        extract::{Admin, CsrfForm, Id},
        WebState,
    },
};

/// The administration page: every admin page, in one list (the menu shows only this).
pub const HUB_PATH: &str = "/admin";

/// True for the pages the "Administración" menu entry stands for.
pub fn is_admin_page(path: &str) -> bool {
    path.starts_with("/admin/")
}

/// One admin page as the hub lists it.
struct HubLink {
    href: &'static str,
    title: &'static str,
    what: &'static str,
}

/// The admin pages, grouped as the hub shows them.
const HUB: &[(&str, &[HubLink])] = &[
    (
        "Personas y accesos",
        &[
            HubLink {
                href: "/admin/solicitudes",
                title: "Solicitudes de acceso",
                what: "Aprobar o rechazar a quienes piden una cuenta.",
            },
            HubLink {
                href: "/admin/usuarios",
                title: "Usuarios",
                what: "Buscar cuentas, cambiar el rol, desactivar y enviar un enlace para una nueva contraseña.",
            },
        ],
    ),
    (
        "Reglas del servicio",
        &[
            HubLink {
                href: "/admin/configuracion",
                title: "Configuración",
                what: "Tasa, código de tributo, RUC y nombre de la entidad, corte semanal, dominios de correo, controles de imagen y plazo de conservación.",
            },
            HubLink {
                href: "/admin/feriados",
                title: "Feriados",
                what: "Feriados nacionales y días no laborables decretados, que mueven el corte del lote.",
            },
            HubLink {
                href: super::observation_texts::PATH,
                title: "Observaciones frecuentes",
                what: "Los textos que los analistas eligen al observar un trámite.",
            },
        ],
    ),
    (
        "Seguimiento",
        &[
            HubLink {
                href: super::audit::PATH,
                title: "Auditoría",
                what: "Quién hizo qué y cuándo, con su dirección IP; encadenado con hash.",
            },
            HubLink {
                href: "/admin/correos",
                title: "Correos",
                what: "Los mensajes enviados y su entrega.",
            },
            HubLink {
                href: super::notices::SAMPLES_PATH,
                title: "Modelos de avisos",
                what: "Cómo se ven los avisos y correos que recibe cada persona.",
            },
            HubLink {
                href: "/reportes",
                title: "Reportes",
                what: "Trámites, lotes, tiempos, observaciones y certificados por vencer.",
            },
        ],
    ),
];

#[derive(Template)]
#[template(path = "admin_hub.html")]
struct HubPage {
    layout: Layout,
    groups: &'static [(&'static str, &'static [HubLink])],
    pending_requests: i64,
}

pub async fn hub(State(state): State<WebState>, me: Admin) -> PageResult {
    let pending_requests = access::pending_count(&state.app, me.user()).await?;
    Ok(render(
        StatusCode::OK,
        &HubPage {
            layout: Layout::new("Administración", Some(&me.viewer), HUB_PATH),
            groups: HUB,
            pending_requests,
        },
    ))
}

/// A request as the list shows it.
struct RequestRow {
    id: String,
    full_name: String,
    email: String,
    dni: String,
    position: String,
    unit: String,
    dependency: String,
    start_date: String,
    received: String,
}

#[derive(Template)]
#[template(path = "admin_access_requests.html")]
struct AccessRequestsPage {
    layout: Layout,
    requests: Vec<RequestRow>,
}

pub async fn access_requests(
    State(state): State<WebState>,
    me: Admin,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let list = access::list(
        &state.app,
        me.user(),
        Some(AccessRequestStatus::Pendiente),
        None,
        200,
    )
    .await?;
    let requests = list
        .into_iter()
        .map(|r| RequestRow {
            received: datetime(r.created_at),
            start_date: format_date(r.start_date),
            id: r.id.to_string(),
            full_name: r.full_name,
            email: r.email,
            dni: r.dni.to_string(),
            position: r.position,
            unit: r.unit,
            dependency: r.dependency,
        })
        .collect();
    let notice = match query.aviso.as_deref() {
        Some("aprobada") => Some(
            "Solicitud aprobada: se creó la cuenta y se envió el enlace para elegir la contraseña.",
        ),
        Some("rechazada") => Some("Solicitud rechazada: se envió el motivo a la persona."),
        _ => None,
    };
    let layout = Layout::new(
        "Solicitudes de acceso",
        Some(&me.viewer),
        "/admin/solicitudes",
    )
    .with_notice(notice);
    Ok(render(
        StatusCode::OK,
        &AccessRequestsPage { layout, requests },
    ))
}

#[derive(serde::Deserialize)]
pub struct Empty {}

pub async fn approve(
    State(state): State<WebState>,
    me: Admin,
    Id(id): Id<AccessRequestId>,
    _form: CsrfForm<Empty>,
) -> PageResult {
    access::approve(&state.app, me.user(), id).await?;
    see_other("/admin/solicitudes?aviso=aprobada")
}

#[derive(serde::Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    reason: String,
}

pub async fn reject(
    State(state): State<WebState>,
    me: Admin,
    Id(id): Id<AccessRequestId>,
    form: CsrfForm<RejectForm>,
) -> PageResult {
    access::reject(&state.app, me.user(), id, &form.data.reason).await?;
    see_other("/admin/solicitudes?aviso=rechazada")
}

struct MailRow {
    to: String,
    subject: String,
    body: String,
    created: String,
    /// What the mail says, for people ("Trámite observado"); empty for old mail.
    kind: String,
    message_id: String,
    /// `pendiente`, `enviado`, `reintentando`, `fallido` (the CSS class) and its label.
    status_code: &'static str,
    status_label: &'static str,
    /// When it was sent, refused for good, or will be tried again, as the state says.
    when: Option<String>,
    attempts: i64,
    last_error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
struct OutboxPage {
    layout: Layout,
    mails: Vec<MailRow>,
    next: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct OutboxQuery {
    antes: Option<String>,
}

const OUTBOX_PAGE: i64 = 50;

pub async fn outbox(
    State(state): State<WebState>,
    me: Admin,
    Query(query): Query<OutboxQuery>,
) -> PageResult {
    let before = page_cursor::<OutboxId>(query.antes.as_deref())?;
    let mails = outbox::list(&state.app, me.user(), before, OUTBOX_PAGE).await?;
    let next = if mails.len() as i64 == OUTBOX_PAGE {
        mails.last().map(|m| m.id.to_string())
    } else {
        None
    };
    let mails = mails
        .into_iter()
        .map(|m| {
            let status = DeliveryStatus::of(&m);
            let when = match status {
                DeliveryStatus::Pendiente => None,
                DeliveryStatus::Enviado => m.sent_at.map(|t| format!("el {}", datetime(t))),
                DeliveryStatus::Reintentando => {
                    Some(format!("próximo intento: {}", datetime(m.next_attempt_at)))
                }
                DeliveryStatus::Fallido => m.failed_at.map(|t| format!("el {}", datetime(t))),
            };
            MailRow {
                created: datetime(m.created_at),
                kind: m.kind.map(|k| k.label().to_owned()).unwrap_or_default(),
                message_id: m.message_id.unwrap_or_default(),
                status_code: status.as_str(),
                status_label: status.label(),
                when,
                attempts: m.attempts,
                last_error: m.last_error,
                to: m.to,
                subject: m.subject,
                body: m.body_text,
            }
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &OutboxPage {
            layout: Layout::new("Correos", Some(&me.viewer), "/admin/correos"),
            mails,
            next,
        },
    ))
}
