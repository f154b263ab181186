//! `/admin/auditoria`: the audit log, searched by user, ticket, action and dates (admins).

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::validation::FieldErrors;

use super::{datetime, found_or_errors, render, summary, Layout, SummaryItem};
use crate::{
    app::audit::{self, Listed},
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
    /// What the entry is about, in words: «Trámite CD-2026-000012», «Cuenta de Ana Quispe».
    subject_text: String,
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
        let subject_href = if let Some(id) = e.subject.strip_prefix("ticket:") {
            Some(format!("/analista/tramites/{id}"))
        } else {
            e.subject
                .strip_prefix("user:")
                .filter(|_| l.subject_user_name.is_some())
                .map(|id| format!("/admin/usuarios/{id}"))
        };
        let subject_text = match (&l.ticket_number, &l.subject_user_name) {
            (Some(number), _) => format!("Trámite {number}"),
            (None, Some(name)) => format!("Cuenta de {name}"),
            (None, None) => e.subject.clone(),
        };
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
            subject_text,
            subject_href,
            detail: detail_text(&e.detail),
            ip: e.ip.unwrap_or_default(),
            hash_short: hash.chars().take(12).collect(),
            hash,
        }
    }
}

/// An entry's details as people read them: `fee: 8.10 → 8.50` for changes, `clave: valor`
/// for the rest; text that is not JSON as it is.
fn detail_text(raw: &str) -> String {
    use serde_json::Value;
    fn scalar(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Null => "—".into(),
            Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
            other => other.to_string(),
        }
    }
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(raw) else {
        return raw.to_owned();
    };
    let status = |v: &Value| {
        let code = scalar(v);
        code.parse::<domain::ticket::Status>()
            .map(|s| s.label().to_owned())
            .unwrap_or(code)
    };
    let mut parts = Vec::new();
    if let Some(to) = fields.get("status") {
        parts.push(match fields.get("from") {
            Some(from) => format!("Estado: {} → {}", status(from), status(to)),
            None => format!("Estado: {}", status(to)),
        });
    }
    for (key, value) in &fields {
        let word = match key.as_str() {
            "kind" => "vía",
            "file" => "archivo",
            "reason" => "motivo",
            "items" => "solicitantes",
            "tickets" => "trámites",
            other => other,
        };
        match (key.as_str(), value) {
            ("status" | "from", _) => {}
            // Ids are in the subject's page; they say nothing here.
            ("applicant" | "payment" | "user", _) => {}
            ("file", Value::String(f)) => parts.push(format!(
                "archivo: {}",
                match f.as_str() {
                    "photo" => "foto",
                    "signature" => "firma",
                    "receipt" => "constancia de pago",
                    other => other,
                }
            )),
            ("changes", Value::Array(changes)) => {
                for change in changes {
                    let name = change.get("key").map(scalar).unwrap_or_default();
                    let old = change.get("old").map(scalar).unwrap_or_default();
                    let new = change.get("new").map(scalar).unwrap_or_default();
                    parts.push(format!("{name}: {old} → {new}"));
                }
            }
            // The changed keys are already named by the changes.
            ("keys", _) if fields.contains_key("changes") => {}
            _ => parts.push(format!("{word}: {}", scalar(value))),
        }
    }
    parts.join(" · ")
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
    let (entries, errors) = found_or_errors(
        audit::search(&state.app, me.user(), &query, audit::PAGE).await,
        form_field,
    )?;
    let rows: Vec<Row> = entries.into_iter().map(Row::from).collect();
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

#[cfg(test)]
mod tests {
    use super::detail_text;

    #[test]
    fn details_read_as_words_not_json() {
        assert_eq!(
            detail_text(r#"{"changes":[{"key":"fee","new":"8.50","old":"8.10"}],"keys":["fee"]}"#),
            "fee: 8.10 → 8.50"
        );
        assert_eq!(
            detail_text(r#"{"file":"photo","applicant":"a1"}"#),
            "archivo: foto"
        );
        assert_eq!(
            detail_text(r#"{"from":"borrador","status":"enviado"}"#),
            "Estado: Borrador → Enviado"
        );
        assert_eq!(detail_text(r#"{"kind":"web"}"#), "vía: web");
        assert_eq!(detail_text("{}"), "");
        assert_eq!(detail_text("not json"), "not json");
    }
}
