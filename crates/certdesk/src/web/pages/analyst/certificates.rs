//! Every certificate (`/analista/certificados`): state, expiry, download deadline, and per
//! certificate a form to attach its public part (.cer/.crt), from which serial, subject and
//! validity are read. Searched and filtered (`?q=&estado=&vence=`), and exported as CSV
//! with the same filters ([`csv`]).

use askama::Template;
use axum::{
    extract::{Query, State},
    http::header,
    response::IntoResponse,
};
use domain::{
    certificate::{download_deadline_near, CertificateState},
    ids::CertificateId,
    schedule::{self, format_date},
    validation::FieldErrors,
};

use super::summary_of;
use crate::web::pages::{
    certificates::{filter_label, search_page, FilterChoice, FilterQuery},
    render_form, see_other,
};
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
    /// The next page's link, filters kept.
    next: Option<String>,
    before: String,
    first_page: bool,
    summary: Vec<SummaryItem>,
    filters: FilterQuery,
    filtered: bool,
    states: Vec<FilterChoice>,
    expiring: Vec<FilterChoice>,
    /// Where the filter form goes.
    action: &'static str,
    first_href: String,
    /// The CSV export of these filters.
    csv_href: String,
    errors: FieldErrors,
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
    #[serde(flatten)]
    filters: FilterQuery,
}

/// The registry's path.
const PATH: &str = "/analista/certificados";

/// The list page; `failed` carries the upload errors of one certificate.
async fn list_page(
    state: &WebState,
    me: &Analyst,
    filters: FilterQuery,
    before: Option<CertificateId>,
    highlight: Option<CertificateId>,
    notice: Option<String>,
    failed: Option<(CertificateId, Vec<String>)>,
) -> PageResult {
    let (list, errors) = search_page(state, me.user(), uc::Scope::All, &filters, before).await?;
    let next = (list.len() as i64 == super::super::certificates::PAGE)
        .then(|| {
            list.last()
                .map(|c| filters.href(PATH, Some(&c.id.to_string())))
        })
        .flatten();
    let highlight = highlight.map(|h| h.to_string());
    let failed = failed.map(|(id, errors)| (id.to_string(), errors));
    let today = state.app.today();
    let mut summary = summary_of(&errors, filter_label);
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
        failed.is_some() || !errors.is_empty(),
        &CertificatesPage {
            layout,
            rows,
            next,
            before: before.map(|b| b.to_string()).unwrap_or_default(),
            first_page: before.is_none(),
            summary,
            filtered: filters.is_filtered(),
            states: filters.states(),
            expiring: filters.expiring(),
            action: PATH,
            first_href: filters.href(PATH, None),
            csv_href: filters.href(CSV_PATH, None),
            filters,
            errors,
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
    list_page(&state, &me, query.filters, before, highlight, notice, None).await
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
            list_page(
                &state,
                &me,
                FilterQuery::default(),
                before,
                Some(id),
                None,
                Some((id, messages)),
            )
            .await
        }
        Err(err) => Err(err.into()),
    }
}

/// The registry's CSV export.
pub const CSV_PATH: &str = "/analista/certificados.csv";

/// Column titles of the CSV export, in order.
const CSV_COLUMNS: [&str; 10] = [
    "Titular",
    "DNI",
    "Estado",
    "Medio",
    "Propiedad del medio",
    "Emitido el",
    "Caduca el",
    "Plazo de descarga",
    "N.º de serie",
    "Registrado el",
];

/// One certificate as a CSV record: Spanish words, dates dd/mm/aaaa, empty when unknown.
fn csv_record(c: &Certificate) -> [String; 10] {
    let date = |d: Option<jiff::civil::Date>| d.map(format_date).unwrap_or_default();
    let waiting = matches!(
        c.state,
        CertificateState::PendienteDescarga | CertificateState::DescargaVencida
    );
    [
        c.holder_name.clone(),
        c.dni.to_string(),
        c.state.label().to_owned(),
        c.medium.map(|m| m.label().to_owned()).unwrap_or_default(),
        c.ownership
            .map(|o| o.label().to_owned())
            .unwrap_or_default(),
        date(c.issued_on),
        date(c.expires_on),
        date(c.download_deadline.filter(|_| waiting)),
        c.serial.clone().unwrap_or_default(),
        format_date(schedule::today_in_lima(c.created_at)),
    ]
}

/// The CSV file of `list`, with a BOM and a header line.
fn csv_bytes(list: &[Certificate]) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    out.write_record(CSV_COLUMNS)?;
    for c in list {
        out.write_record(csv_record(c))?;
    }
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("writing the registry CSV: {e}"))
}

/// `GET /analista/certificados.csv`: every certificate the filters find, UTF-8 with a BOM
/// (so that Excel reads the accents), comma-separated, fields quoted as needed.
pub async fn csv(
    State(state): State<WebState>,
    me: Analyst,
    Query(filters): Query<FilterQuery>,
) -> PageResult {
    let list = registry::search_all(&state.app, me.user(), &filters.registry_query()).await?;
    let bytes = csv_bytes(&list).map_err(AppError::Internal)?;
    let name = format!(
        "certificados-{}.csv",
        state.app.today().strftime("%Y-%m-%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
