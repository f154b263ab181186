//! Every certificate (`/analista/certificados`): state, expiry, download deadline, and per
//! certificate a form to attach its public part (.cer/.crt), from which serial, subject and
//! validity are read.

use askama::Template;
use axum::extract::{Query, State};
use domain::{
    certificate::{download_deadline_near, CertificateState},
    ids::CertificateId,
    schedule::format_date,
};

use crate::web::pages::{render_form, see_other};
use crate::{
    app::{registry, tickets as uc, AppError},
    store::certificates::Certificate,
    web::{
        error::PageResult,
        extract::{Analyst, CsrfMultipart, Id},
        pages::{page_cursor, Layout, SummaryItem},
        WebState,
    },
};

/// Certificates per page.
const PAGE: i64 = 50;

struct Row {
    id: String,
    holder: String,
    dni: String,
    state_code: &'static str,
    state_label: &'static str,
    medium: Option<String>,
    validity: Option<String>,
    expires_on: Option<String>,
    download_deadline: Option<String>,
    deadline_near: bool,
    serial: Option<String>,
    subject: Option<String>,
    errors: Vec<String>,
    highlighted: bool,
}

#[derive(Template)]
#[template(path = "analyst_certificates.html")]
struct CertificatesPage {
    layout: Layout,
    rows: Vec<Row>,
    next: Option<String>,
    before: String,
    first_page: bool,
    summary: Vec<SummaryItem>,
}

fn row(c: Certificate, today: jiff::civil::Date) -> Row {
    let pending = c.state == CertificateState::PendienteDescarga;
    let deadline_near = download_deadline_near(today, c.state, c.download_deadline);
    Row {
        medium: c.medium.map(|m| match c.ownership {
            Some(o) => format!("{} · {}", m.label(), o.label()),
            None => m.label().to_owned(),
        }),
        validity: match (c.issued_on, c.expires_on) {
            (Some(from), Some(to)) => Some(format!("{} – {}", format_date(from), format_date(to))),
            _ => None,
        },
        expires_on: c.expires_on.map(format_date),
        download_deadline: c
            .download_deadline
            .filter(|_| pending || c.state == CertificateState::DescargaVencida)
            .map(format_date),
        deadline_near,
        state_code: c.state.as_str(),
        state_label: c.state.label(),
        holder: c.holder_name,
        dni: c.dni.to_string(),
        serial: c.serial,
        subject: c.subject,
        errors: Vec::new(),
        highlighted: false,
        id: c.id.to_string(),
    }
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    antes: Option<String>,
    aviso: Option<String>,
    certificado: Option<String>,
}

/// The list page; `failed` carries the upload errors of one certificate.
async fn list_page(
    state: &WebState,
    me: &Analyst,
    before: Option<CertificateId>,
    highlight: Option<CertificateId>,
    notice: Option<String>,
    failed: Option<(CertificateId, Vec<String>)>,
) -> PageResult {
    let list = uc::certificates(&state.app, me.user(), uc::Scope::All, before, PAGE).await?;
    let next = (list.len() as i64 == PAGE)
        .then(|| list.last().map(|c| c.id.to_string()))
        .flatten();
    let highlight = highlight.map(|h| h.to_string());
    let failed = failed.map(|(id, errors)| (id.to_string(), errors));
    let today = state.app.today();
    let mut summary = Vec::new();
    let rows = list
        .into_iter()
        .map(|c| {
            let mut r = row(c, today);
            r.highlighted = highlight.as_deref() == Some(r.id.as_str());
            if let Some((id, errors)) = &failed {
                if *id == r.id {
                    for e in errors {
                        summary.push(SummaryItem {
                            field: format!("archivo-{}", r.id),
                            label: format!("Parte pública de {}", r.holder),
                            message: e.clone(),
                        });
                    }
                    r.errors = errors.clone();
                }
            }
            r
        })
        .collect();
    let layout =
        Layout::new("Certificados", Some(&me.viewer), "/analista/certificados").with_notice(notice);
    Ok(render_form(
        failed.is_some(),
        &CertificatesPage {
            layout,
            rows,
            next,
            before: before.map(|b| b.to_string()).unwrap_or_default(),
            first_page: before.is_none(),
            summary,
        },
    ))
}

pub async fn list(
    State(state): State<WebState>,
    me: Analyst,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let before = page_cursor::<CertificateId>(query.antes.as_deref())?;
    let highlight = page_cursor::<CertificateId>(query.certificado.as_deref())?;
    let notice = match (query.aviso.as_deref(), highlight) {
        (Some("leido"), Some(id)) => match uc::certificate(&state.app, me.user(), id).await {
            Ok(c) => Some(format!(
                "Se leyó la parte pública del certificado de {}: N° de serie {}{}.",
                c.holder_name,
                c.serial.as_deref().unwrap_or("—"),
                match (c.issued_on, c.expires_on) {
                    (Some(from), Some(to)) =>
                        format!(", vigente del {} al {}", format_date(from), format_date(to)),
                    _ => String::new(),
                }
            )),
            Err(AppError::NotFound) => None,
            Err(err) => return Err(err.into()),
        },
        _ => None,
    };
    list_page(&state, &me, before, highlight, notice, None).await
}

pub async fn attach(
    State(state): State<WebState>,
    me: Analyst,
    Id(id): Id<CertificateId>,
    form: CsrfMultipart,
) -> PageResult {
    let before = form.form.optional("antes");
    match registry::attach_public_part(&state.app, me.user(), id, form.form.file("certificate"))
        .await
    {
        Ok(cert) => {
            let mut params = vec![
                ("aviso", "leido".to_owned()),
                ("certificado", cert.id.to_string()),
            ];
            if let Some(before) = &before {
                params.push(("antes", before.clone()));
            }
            let query = serde_urlencoded::to_string(&params).unwrap_or_default();
            see_other(format!(
                "/analista/certificados?{query}#certificado-{}",
                cert.id
            ))
        }
        Err(AppError::Validation(errors)) => {
            let messages: Vec<String> =
                errors.iter().flat_map(|(_, m)| m.iter().cloned()).collect();
            let before = page_cursor::<CertificateId>(before.as_deref())?;
            list_page(&state, &me, before, Some(id), None, Some((id, messages))).await
        }
        Err(err) => Err(err.into()),
    }
}
