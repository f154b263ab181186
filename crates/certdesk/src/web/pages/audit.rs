//! `/admin/auditoria`: the audit log, searched by user, ticket, action and dates (admins).

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::validation::FieldErrors;

use super::{datetime, render, summary, Layout, SummaryItem};
use crate::{
    app::{
        audit::{self, Listed},
        AppError,
    },
    web::{error::PageResult, extract::Admin, WebState},
};

pub const PATH: &str = "/admin/auditoria";

/// The search as typed, kept in the form and in the pager's links.
#[derive(Debug, Default, serde::Deserialize)]
pub struct AuditForm {
    #[serde(default)]
    usuario: String,
    #[serde(default)]
    tramite: String,
    #[serde(default)]
    accion: String,
    #[serde(default)]
    desde: String,
    #[serde(default)]
    hasta: String,
    antes: Option<String>,
}

impl AuditForm {
    fn filtered(&self) -> bool {
        [
            &self.usuario,
            &self.tramite,
            &self.accion,
            &self.desde,
            &self.hasta,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }

    /// The query string of this search, for the next page's link.
    fn query_string(&self) -> String {
        let pairs = [
            ("usuario", &self.usuario),
            ("tramite", &self.tramite),
            ("accion", &self.accion),
            ("desde", &self.desde),
            ("hasta", &self.hasta),
        ];
        let kept: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (*k, v.trim()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        match serde_urlencoded::to_string(kept) {
            Ok(q) if !q.is_empty() => format!("{q}&"),
            _ => String::new(),
        }
    }
}

struct ActionChoice {
    value: String,
    label: String,
    selected: bool,
}

struct Row {
    seq: i64,
    at: String,
    who: String,
    who_email: String,
    action: String,
    subject: String,
    /// A link to what the entry is about, when it has a page.
    subject_href: Option<String>,
    detail: String,
    ip: String,
    hash: String,
    hash_short: String,
}

impl From<Listed> for Row {
    fn from(l: Listed) -> Self {
        let e = l.entry;
        let subject_href = e
            .subject
            .strip_prefix("ticket:")
            .map(|id| format!("/analista/tramites/{id}"));
        let hash = e.hash.unwrap_or_default();
        Row {
            seq: e.seq.unwrap_or_default(),
            at: datetime(e.at),
            who: l.actor_name.unwrap_or_else(|| {
                if e.actor_id.is_some() {
                    "(cuenta eliminada)".into()
                } else {
                    "Sistema o visitante".into()
                }
            }),
            who_email: l.actor_email.unwrap_or_default(),
            action: domain::audit::action_label(&e.action),
            subject: e.subject,
            subject_href,
            detail: if e.detail == "{}" {
                String::new()
            } else {
                e.detail
            },
            ip: e.ip.unwrap_or_default(),
            hash_short: hash.chars().take(12).collect(),
            hash,
        }
    }
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    layout: Layout,
    form: AuditForm,
    actions: Vec<ActionChoice>,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
    rows: Vec<Row>,
    next: Option<String>,
}

const LABELS: &[(&str, &str)] = &[
    ("usuario", "Usuario"),
    ("tramite", "Trámite"),
    ("accion", "Acción"),
    ("desde", "Desde"),
    ("hasta", "Hasta"),
];

/// The app's field names, as the form names them.
fn form_field(field: &str) -> &str {
    match field {
        "actor" => "usuario",
        "ticket" => "tramite",
        "action" => "accion",
        "from" => "desde",
        "to" => "hasta",
        other => other,
    }
}

pub async fn show(
    State(state): State<WebState>,
    me: Admin,
    Query(form): Query<AuditForm>,
) -> PageResult {
    let before = form
        .antes
        .as_deref()
        .and_then(|a| a.trim().parse::<i64>().ok());
    let query = audit::Query {
        actor: Some(form.usuario.clone()),
        ticket: Some(form.tramite.clone()),
        action: Some(form.accion.clone()),
        from: Some(form.desde.clone()),
        to: Some(form.hasta.clone()),
        before,
    };
    let (rows, errors) = match audit::search(&state.app, me.user(), &query, audit::PAGE).await {
        Ok(entries) => (
            entries.into_iter().map(Row::from).collect::<Vec<_>>(),
            FieldErrors::new(),
        ),
        Err(AppError::Validation(errors)) => {
            let mut renamed = FieldErrors::new();
            for (field, messages) in errors.iter() {
                for m in messages {
                    renamed.add(form_field(field), m.clone());
                }
            }
            (Vec::new(), renamed)
        }
        Err(other) => return Err(other.into()),
    };
    let next = (rows.len() as i64 == audit::PAGE)
        .then(|| {
            rows.last()
                .map(|r| format!("{}antes={}", form.query_string(), r.seq))
        })
        .flatten();
    let actions = audit::actions()
        .into_iter()
        .map(|(value, label)| ActionChoice {
            selected: value == form.accion.trim(),
            value,
            label,
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        status,
        &AuditPage {
            layout: Layout::new("Auditoría", Some(&me.viewer), PATH),
            summary: summary(&errors, LABELS),
            errors,
            actions,
            rows,
            next,
            form,
        },
    ))
}
