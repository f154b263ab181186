//! "Mis certificados" (`/certificados`): the signed-in person's certificates, their state,
//! expiry and download deadline, and links that start the wizard for each one; searched
//! and filtered like the analysts' registry, whose filters live here too.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::StatusCode,
};
use domain::{
    certificate::{download_days_left, CertificateState, DEADLINE_WARNING_DAYS},
    ids::CertificateId,
    schedule::format_date,
    ticket::Kind,
    validation::FieldErrors,
};

use super::{
    datetime, page_cursor, render, render_form, see_other, summary_of, Layout, SummaryItem,
};
use crate::{
    app::{registry, tickets as uc, AppError},
    store::certificates::Certificate,
    web::{
        error::PageResult,
        extract::{CsrfForm, Id, SignedIn},
        pages::tickets::StatusBadge,
        WebState,
    },
};

/// Certificates per page (here and in the analysts' registry).
pub(crate) const PAGE: i64 = 50;

/// One line that names a certificate (in the wizard's choice and on the ticket page).
pub(super) fn describe(c: &Certificate) -> String {
    let mut parts = vec![format!("{} (DNI {})", c.holder_name, c.dni)];
    if let Some(medium) = c.medium {
        parts.push(medium.label().to_owned());
    }
    parts.push(c.state.label().to_owned());
    if let Some(expires) = c.expires_on {
        parts.push(format!("vence el {}", format_date(expires)));
    }
    parts.join(" · ")
}

struct CertificateRow {
    holder: String,
    dni: String,
    state_code: &'static str,
    state_label: &'static str,
    medium: Option<&'static str>,
    ownership: Option<&'static str>,
    issued_on: Option<String>,
    expires_on: Option<String>,
    serial: Option<String>,
    download_deadline: Option<String>,
    /// "Quedan 3 días para descargarlo e instalarlo." when the deadline is near.
    deadline_warning: Option<String>,
    install_href: Option<String>,
    cancel_href: Option<String>,
    /// A new request this certificate calls for (renewal, or reemission after the deadline).
    renew: Option<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "certificates.html")]
struct CertificatesPage {
    layout: Layout,
    certificates: Vec<CertificateRow>,
    /// The next page's link, filters kept.
    next: Option<String>,
    first_page: bool,
    filters: FilterQuery,
    filtered: bool,
    states: Vec<FilterChoice>,
    /// Empty: requesters filter by state only.
    expiring: Vec<FilterChoice>,
    /// Where the filter form goes.
    action: &'static str,
    first_href: String,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    antes: Option<String>,
    #[serde(flatten)]
    filters: FilterQuery,
}

/// The registry's search and filters as the pages' query string carries them.
#[derive(serde::Deserialize, Default, Clone)]
pub struct FilterQuery {
    /// Words of a name, a DNI or a serial.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub estado: String,
    /// Expiring within this many days (analysts).
    #[serde(default)]
    pub vence: String,
}

/// One option of a filter's list.
pub struct FilterChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The choices of "expiring within" (days).
const EXPIRING_CHOICES: [i64; 3] = [30, 60, 90];

impl FilterQuery {
    /// The use case's query.
    pub fn registry_query(&self) -> registry::RegistryQuery {
        let given = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        registry::RegistryQuery {
            q: given(&self.q),
            state: given(&self.estado),
            expiring_within_days: given(&self.vence),
        }
    }

    pub fn is_filtered(&self) -> bool {
        [&self.q, &self.estado, &self.vence]
            .iter()
            .any(|v| !v.trim().is_empty())
    }

    /// The query string of these filters (and a cursor), for links that keep them.
    pub fn query_string(&self, before: Option<&str>) -> String {
        let mut params: Vec<(&str, &str)> = [
            ("q", &self.q),
            ("estado", &self.estado),
            ("vence", &self.vence),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
        if let Some(before) = before {
            params.push(("antes", before));
        }
        serde_urlencoded::to_string(&params).unwrap_or_default()
    }

    /// `path` with these filters (and a cursor).
    pub fn href(&self, path: &str, before: Option<&str>) -> String {
        match self.query_string(before) {
            q if q.is_empty() => path.to_owned(),
            q => format!("{path}?{q}"),
        }
    }

    pub fn states(&self) -> Vec<FilterChoice> {
        CertificateState::ALL
            .iter()
            .map(|s| FilterChoice {
                value: s.as_str().to_owned(),
                label: s.label().to_owned(),
                selected: self.estado.trim() == s.as_str(),
            })
            .collect()
    }

    pub fn expiring(&self) -> Vec<FilterChoice> {
        EXPIRING_CHOICES
            .iter()
            .map(|d| FilterChoice {
                value: d.to_string(),
                label: format!("En los próximos {d} días"),
                selected: self.vence.trim() == d.to_string(),
            })
            .collect()
    }
}

/// The use case's field errors placed on the filters' elements (`q`, `estado`, `vence`).
pub fn filter_errors(errors: &FieldErrors) -> FieldErrors {
    let mut placed = FieldErrors::new();
    for (field, messages) in errors.iter() {
        let element = match field {
            "state" => "estado",
            "expiring_within_days" => "vence",
            _ => "q",
        };
        for m in messages {
            placed.add(element, m.clone());
        }
    }
    placed
}

/// The label of a filter element in an error summary.
pub fn filter_label(element: &str) -> String {
    match element {
        "estado" => "Estado",
        "vence" => "Caduca",
        _ => "Buscar",
    }
    .to_owned()
}

/// A page of the registry for `scope`, or the filters' errors (and no rows).
pub async fn search_page(
    state: &WebState,
    me: &crate::store::users::User,
    scope: uc::Scope,
    filters: &FilterQuery,
    before: Option<CertificateId>,
) -> PageResult<(Vec<Certificate>, FieldErrors)> {
    match registry::search(
        &state.app,
        me,
        scope,
        &filters.registry_query(),
        before,
        PAGE,
    )
    .await
    {
        Ok(list) => Ok((list, FieldErrors::new())),
        Err(AppError::Validation(errors)) => Ok((Vec::new(), filter_errors(&errors))),
        Err(err) => Err(err.into()),
    }
}

/// The wizard's first step for a ticket of `kind` about this certificate, when the domain
/// says the certificate is one such a ticket may name.
fn ticket_href(kind: Kind, c: &Certificate) -> Option<String> {
    kind.accepts_certificate_in(c.state).then(|| {
        format!(
            "/tramites/nuevo?tipo={}&certificado={}",
            kind.as_str(),
            c.id
        )
    })
}

fn row(c: Certificate, today: jiff::civil::Date) -> CertificateRow {
    let deadline_warning = match download_days_left(today, c.state, c.download_deadline) {
        Some(0) => Some(
            "Hoy vence el plazo para descargarlo e instalarlo: solicite la instalación ya."
                .to_owned(),
        ),
        Some(1) => Some(
            "Queda 1 día para descargarlo e instalarlo: solicite la instalación ya.".to_owned(),
        ),
        Some(n) if n <= DEADLINE_WARNING_DAYS => Some(format!(
            "Quedan {n} días para descargarlo e instalarlo: solicite la instalación ya."
        )),
        _ => None,
    };
    let renew = match c.state {
        CertificateState::DescargaVencida => Some((
            "/tramites/nuevo?tipo=reemision&motivo=g".to_owned(),
            "Solicitar reemisión (plazo de descarga vencido, con pago)",
        )),
        CertificateState::Instalado => Some((
            format!("/certificados/{}/renovar", c.id),
            "Solicitar renovación",
        )),
        _ => None,
    };
    CertificateRow {
        install_href: ticket_href(Kind::Instalacion, &c),
        cancel_href: ticket_href(Kind::Cancelacion, &c),
        renew,
        holder: c.holder_name,
        dni: c.dni.to_string(),
        state_code: c.state.as_str(),
        state_label: c.state.label(),
        medium: c.medium.map(|m| m.label()),
        ownership: c.ownership.map(|o| o.label()),
        issued_on: c.issued_on.map(format_date),
        expires_on: c.expires_on.map(format_date),
        serial: c.serial,
        // A deadline to download only matters until the certificate is installed.
        download_deadline: c
            .download_deadline
            .filter(|_| {
                matches!(
                    c.state,
                    CertificateState::PendienteDescarga | CertificateState::DescargaVencida
                )
            })
            .map(format_date),
        deadline_warning,
    }
}

pub async fn list(
    State(state): State<WebState>,
    me: SignedIn,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let before = page_cursor::<CertificateId>(query.antes.as_deref())?;
    let filters = query.filters;
    let (list, errors) = search_page(&state, me.user(), uc::Scope::Own, &filters, before).await?;
    let next = (list.len() as i64 == PAGE)
        .then(|| {
            list.last()
                .map(|c| filters.href("/certificados", Some(&c.id.to_string())))
        })
        .flatten();
    let today = state.app.today();
    let summary = summary_of(&errors, filter_label);
    Ok(render_form(
        !errors.is_empty(),
        &CertificatesPage {
            layout: Layout::new("Mis certificados", Some(&me.viewer), "/certificados"),
            certificates: list.into_iter().map(|c| row(c, today)).collect(),
            next,
            first_page: before.is_none(),
            filtered: filters.is_filtered(),
            states: filters.states(),
            expiring: Vec::new(),
            action: "/certificados",
            first_href: filters.href("/certificados", None),
            filters,
            errors,
            summary,
        },
    ))
}

// ---------------------------------------------------------------------------------------
// "Solicitar renovación": `/certificados/{id}/renovar`. The GET says what will happen (a
// reemisión a) with the holder's data filled in) or why not; its POST opens the ticket and
// goes to the applicant form, pre-filled. A GET never writes.

/// An open renewal the viewer may open.
struct OpenRenewal {
    id: String,
    number: String,
    status: StatusBadge,
    created: String,
    /// Where to go on with it: the applicants step of a ticket still being written.
    continue_href: String,
}

#[derive(Template)]
#[template(path = "certificate_renew.html")]
struct RenewPage {
    layout: Layout,
    cert_id: String,
    certificate: String,
    holder: String,
    dni: String,
    expires_on: Option<String>,
    refusal: Option<&'static str>,
    open: Vec<OpenRenewal>,
    others_open: usize,
    reason: String,
}

async fn renew_page(
    state: &WebState,
    me: &SignedIn,
    id: CertificateId,
    status: StatusCode,
    notice: Option<String>,
) -> PageResult {
    let offer = uc::renewal_offer(&state.app, me.user(), id).await?;
    let c = &offer.certificate;
    let reason = domain::ticket::Reason::parse(Kind::Reemision, Some("a"))
        .map(|r| r.label())
        .unwrap_or_default();
    let page = RenewPage {
        layout: Layout::new("Solicitar renovación", Some(&me.viewer), "/certificados")
            .with_notice(notice),
        cert_id: c.id.to_string(),
        certificate: describe(c),
        holder: c.holder_name.clone(),
        dni: c.dni.to_string(),
        expires_on: c.expires_on.map(format_date),
        refusal: offer.refusal,
        open: offer
            .open
            .iter()
            .map(|t| OpenRenewal {
                id: t.id.to_string(),
                number: t.number.to_string(),
                status: t.status.into(),
                created: datetime(t.created_at),
                continue_href: if t.status.is_editable() && t.requester_id == me.user().id {
                    format!("/tramites/{}/solicitantes", t.id)
                } else {
                    format!("/tramites/{}", t.id)
                },
            })
            .collect(),
        others_open: offer.others_open,
        reason,
    };
    Ok(render(status, &page))
}

pub async fn renew_form(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<CertificateId>,
) -> PageResult {
    renew_page(&state, &me, id, StatusCode::OK, None).await
}

pub async fn renew(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<CertificateId>,
    _form: CsrfForm<super::wizard::Empty>,
) -> PageResult {
    match uc::renew(&state.app, me.user(), id).await {
        Ok(ticket) => see_other(format!("/tramites/{ticket}/solicitantes?aviso=renovacion")),
        // Already open, or not renewable: the page says which, with the way on.
        Err(AppError::Conflict(why)) => {
            renew_page(&state, &me, id, StatusCode::CONFLICT, Some(why)).await
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const CERT: &str = "0192f0c4-7e2a-7cc0-8a7e-6c1f0f6f2b11";

    fn pending(deadline: jiff::civil::Date) -> Certificate {
        Certificate {
            id: CERT.parse().unwrap(),
            owner_id: "0192f0c4-7e2a-7cc0-8a7e-6c1f0f6f2b22".parse().unwrap(),
            holder_name: "TELLO VÁSQUEZ, Carmen Rosa".into(),
            dni: "10117410".parse().unwrap(),
            applicant_id: None,
            medium: None,
            ownership: None,
            issued_on: None,
            expires_on: None,
            serial: None,
            subject: None,
            state: CertificateState::PendienteDescarga,
            delivery_sent_on: None,
            download_deadline: Some(deadline),
            public_part_sha256: None,
            created_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_download_deadline_warns_only_in_its_last_seven_days() {
        let today = date(2026, 11, 26);
        let warning = |d| row(pending(d), today).deadline_warning;
        assert_eq!(warning(date(2026, 12, 4)), None);
        assert!(warning(date(2026, 12, 3))
            .unwrap()
            .contains("Quedan 7 días"));
        assert!(warning(date(2026, 11, 27)).unwrap().contains("Queda 1 día"));
        assert!(warning(date(2026, 11, 26)).unwrap().contains("Hoy vence"));
        assert_eq!(warning(date(2026, 11, 25)), None);
        let row = row(pending(date(2026, 12, 3)), today);
        assert_eq!(row.download_deadline.as_deref(), Some("03/12/2026"));
        assert!(row
            .install_href
            .unwrap()
            .ends_with(&format!("certificado={CERT}")));
    }

    #[test]
    fn an_installed_certificate_offers_renewal_and_cancellation_but_no_warning() {
        let today = date(2026, 11, 26);
        let mut c = pending(date(2026, 11, 30));
        c.state = CertificateState::Instalado;
        let row = row(c, today);
        assert_eq!(row.deadline_warning, None);
        assert_eq!(row.download_deadline, None, "no deadline once installed");
        assert_eq!(row.install_href, None);
        assert!(row.cancel_href.is_some());
        assert_eq!(
            row.renew.unwrap().0,
            format!("/certificados/{CERT}/renovar")
        );
    }

    #[test]
    fn only_certificates_the_domain_accepts_are_offered_for_cancellation_or_installation() {
        let today = date(2026, 11, 26);
        for &state in CertificateState::ALL {
            let mut c = pending(date(2026, 12, 20));
            c.state = state;
            let row = row(c, today);
            assert_eq!(
                row.cancel_href.is_some(),
                Kind::Cancelacion.accepts_certificate_in(state),
                "{state}"
            );
            assert_eq!(
                row.install_href.is_some(),
                Kind::Instalacion.accepts_certificate_in(state),
                "{state}"
            );
        }
        let mut overdue = pending(date(2026, 11, 1));
        overdue.state = CertificateState::DescargaVencida;
        let row = row(overdue, today);
        assert_eq!(row.cancel_href, None);
        assert!(row.renew.unwrap().0.contains("motivo=g"));
    }
}
