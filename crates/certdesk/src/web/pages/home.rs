//! The start page after login (`/`): what each person has to do, each item linking where
//! to do it. The lists come from `app::home`; here they are only put into words.

use askama::Template;
use axum::{extract::State, http::StatusCode};
use domain::schedule::{self, format_date};

use super::{analyst::waited, datetime, render, Layout};
use crate::{
    app::{
        home::{self, Deadline},
        job_runs::Job,
        outbox::DeliveryStatus,
    },
    web::{error::PageResult, extract::SignedIn, WebState},
};

/// "hoy es el último día", "queda 1 día", "quedan 5 días".
pub fn days_left(days: i64) -> String {
    match days {
        ..=0 => "hoy es el último día".to_owned(),
        1 => "queda 1 día".to_owned(),
        n => format!("quedan {n} días"),
    }
}

/// A ticket named in a list: number, kind and reason.
struct TicketItem {
    href: String,
    number: String,
    kind: &'static str,
    reason: String,
    /// When it was created or last changed, in words.
    when: String,
    /// The service desk's observation, for an observed ticket.
    observation: Option<String>,
}

/// A certificate whose deadline runs.
struct DeadlineItem {
    holder: String,
    /// "descárguelo e instálelo hasta el" or "caduca el".
    what: &'static str,
    date: String,
    days_left: String,
    urgent: bool,
    /// The action: where and its words.
    action_href: String,
    action: String,
}

struct RequesterView {
    observed: Vec<TicketItem>,
    drafts: Vec<TicketItem>,
    deadlines: Vec<DeadlineItem>,
    empty: bool,
}

struct OldestView {
    href: String,
    number: String,
    kind: &'static str,
    since: String,
    waited: String,
}

struct MissingView {
    href: String,
    cutoff: String,
    missing: i64,
}

struct AnalystView {
    waiting: i64,
    oldest: Option<OldestView>,
    next_cutoff: String,
    next_batch: i64,
    held: i64,
    /// The last cut-off passed with its batch still open.
    unclosed_cutoff: Option<String>,
    missing: Vec<MissingView>,
}

struct RequestView {
    name: String,
    email: String,
    received: String,
}

struct MailView {
    subject: String,
    to: String,
    status_code: &'static str,
    status_label: &'static str,
    error: Option<String>,
}

struct JobView {
    label: &'static str,
    cadence: &'static str,
    last: String,
    /// `ok`, `atrasada`, `fallo`, `sin-registro` (the CSS class) and its words.
    state_code: &'static str,
    state_label: &'static str,
    error: Option<String>,
}

struct AdminView {
    pending_requests: i64,
    requests: Vec<RequestView>,
    failed: i64,
    retrying: i64,
    mails: Vec<MailView>,
    jobs: Vec<JobView>,
    jobs_unwell: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    name: String,
    /// The person works the queue: their own requests come after the desk's work.
    is_analyst: bool,
    requester: RequesterView,
    analyst: Option<AnalystView>,
    admin: Option<AdminView>,
}

fn requester_view(h: home::RequesterHome) -> RequesterView {
    let item = |t: &crate::store::tickets::Ticket, when: String, observation| TicketItem {
        href: format!("/tramites/{}", t.id),
        number: t.number.to_string(),
        kind: t.kind.label(),
        reason: t.reason.label(),
        when,
        observation,
    };
    let empty = h.is_empty();
    RequesterView {
        observed: h
            .observed
            .iter()
            .map(|o| {
                item(
                    &o.ticket,
                    format!("Observado el {}", datetime(o.ticket.updated_at)),
                    o.observation.clone(),
                )
            })
            .collect(),
        drafts: h
            .drafts
            .iter()
            .map(|t| item(t, format!("Creado el {}", datetime(t.created_at)), None))
            .collect(),
        deadlines: h
            .running
            .into_iter()
            .map(|r| {
                let c = &r.certificate;
                let (what, action_href, action) = match (r.deadline, &r.answered_by) {
                    (Deadline::Download, Some(t)) => (
                        "descárguelo e instálelo hasta el",
                        format!("/tramites/{}", t.id),
                        format!("Ver su trámite de instalación {}", t.number),
                    ),
                    (Deadline::Download, None) => (
                        "descárguelo e instálelo hasta el",
                        format!("/tramites/nuevo?tipo=instalacion&certificado={}", c.id),
                        "Solicitar la instalación".to_owned(),
                    ),
                    (Deadline::Expiry, _) => (
                        "caduca el",
                        "/tramites/nuevo?tipo=reemision&motivo=a".to_owned(),
                        "Solicitar la renovación".to_owned(),
                    ),
                };
                DeadlineItem {
                    holder: c.holder_name.clone(),
                    what,
                    date: format_date(r.date),
                    days_left: days_left(r.days_left),
                    urgent: r.days_left <= domain::certificate::DEADLINE_WARNING_DAYS,
                    action_href,
                    action,
                }
            })
            .collect(),
        empty,
    }
}

fn analyst_view(h: home::AnalystHome, now: jiff::Timestamp) -> AnalystView {
    let next_batch = h.next_batch();
    AnalystView {
        waiting: h.waiting,
        oldest: h.oldest.map(|t| {
            let since = t.submitted_at.unwrap_or(t.created_at);
            OldestView {
                href: format!("/analista/tramites/{}", t.id),
                number: t.number.to_string(),
                kind: t.kind.label(),
                since: datetime(since),
                waited: waited(now, since),
            }
        }),
        next_cutoff: schedule::format_dispatch(&h.outlook.next_cutoff),
        next_batch,
        held: h.outlook.waiting.held,
        unclosed_cutoff: h
            .outlook
            .last_cutoff
            .as_ref()
            .filter(|(_, closed)| !closed)
            .map(|(z, _)| schedule::format_dispatch(z)),
        missing: h
            .missing_results
            .into_iter()
            .map(|m| MissingView {
                href: format!("/analista/lotes/{}", m.batch_id),
                cutoff: schedule::format_dispatch(&schedule::to_lima(m.cutoff_at)),
                missing: m.missing,
            })
            .collect(),
    }
}

fn admin_view(h: home::AdminHome) -> AdminView {
    let jobs: Vec<JobView> = h
        .jobs
        .into_iter()
        .map(|j| {
            let (state_code, state_label) = match (&j.last, j.failing, j.late) {
                (None, _, _) => ("sin-registro", "Sin ejecuciones registradas"),
                (Some(_), true, _) => ("fallo", "Falló en su última ejecución"),
                (Some(_), false, true) => ("atrasada", "Atrasada"),
                (Some(_), false, false) => ("ok", "Al día"),
            };
            let last = match &j.last {
                Some(run) => format!("el {}", datetime(run.last_finished_at)),
                None if j.job == Job::Outbox => {
                    "Nunca: solo corre con un servidor SMTP configurado".to_owned()
                }
                None => "Todavía no se ha ejecutado".to_owned(),
            };
            JobView {
                label: j.job.label(),
                cadence: j.job.cadence(),
                last,
                state_code,
                state_label,
                error: j.last.and_then(|r| r.last_error),
            }
        })
        .collect();
    let jobs_unwell = jobs
        .iter()
        .filter(|j| matches!(j.state_code, "fallo" | "atrasada"))
        .count();
    AdminView {
        pending_requests: h.pending_requests,
        requests: h
            .requests
            .into_iter()
            .map(|r| RequestView {
                received: datetime(r.created_at),
                name: r.full_name,
                email: r.email,
            })
            .collect(),
        failed: h.undelivered.failed,
        retrying: h.undelivered.retrying,
        mails: h
            .mails
            .into_iter()
            .map(|m| {
                let status = DeliveryStatus::of(&m);
                MailView {
                    status_code: status.as_str(),
                    status_label: status.label(),
                    error: m.last_error,
                    subject: m.subject,
                    to: m.to,
                }
            })
            .collect(),
        jobs,
        jobs_unwell,
    }
}

pub async fn show(State(state): State<WebState>, me: SignedIn) -> PageResult {
    let user = me.user();
    let app = &state.app;
    let requester = requester_view(home::requester(app, user).await?);
    let analyst = if user.role.is_analyst() {
        Some(analyst_view(home::analyst(app, user).await?, app.now()))
    } else {
        None
    };
    let admin = if user.role.is_admin() {
        Some(admin_view(home::admin(app, user).await?))
    } else {
        None
    };
    Ok(render(
        StatusCode::OK,
        &HomePage {
            layout: Layout::new("Inicio", Some(&me.viewer), "/"),
            name: user.name.clone(),
            is_analyst: user.role.is_analyst(),
            requester,
            analyst,
            admin,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_left_read_in_spanish_singular_and_plural() {
        assert_eq!(days_left(0), "hoy es el último día");
        assert_eq!(days_left(1), "queda 1 día");
        assert_eq!(days_left(5), "quedan 5 días");
    }
}
