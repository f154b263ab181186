//! "Mis certificados" (`/certificados`): the signed-in person's certificates, their state,
//! expiry and download deadline, and links that start the wizard for each one.

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
};

use super::{datetime, page_cursor, render, see_other, Layout};
use crate::{
    app::{tickets as uc, AppError},
    store::certificates::Certificate,
    web::{
        error::PageResult,
        extract::{CsrfForm, Id, SignedIn},
        pages::tickets::StatusBadge,
        WebState,
    },
};

/// Certificates per page.
const PAGE: i64 = 50;

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
    next: Option<String>,
    first_page: bool,
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    antes: Option<String>,
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
        download_deadline: c.download_deadline.map(format_date),
        deadline_warning,
    }
}

pub async fn list(
    State(state): State<WebState>,
    me: SignedIn,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let before = page_cursor::<CertificateId>(query.antes.as_deref())?;
    let list = uc::certificates(&state.app, me.user(), uc::Scope::Own, before, PAGE).await?;
    let next = if list.len() as i64 == PAGE {
        list.last().map(|c| c.id.to_string())
    } else {
        None
    };
    let today = state.app.today();
    Ok(render(
        StatusCode::OK,
        &CertificatesPage {
            layout: Layout::new("Mis certificados", Some(&me.viewer), "/certificados"),
            certificates: list.into_iter().map(|c| row(c, today)).collect(),
            next,
            first_page: before.is_none(),
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
