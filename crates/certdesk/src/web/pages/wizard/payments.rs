//! Step 2: the payment receipts, registered before the applicants they pay for (only for
//! reasons that require payment).

use crate::web::pages::NoticeQuery;
use askama::Template;
use axum::{
    extract::{Query, State},
    response::Response,
};
use domain::{
    ids::{PaymentId, TicketId},
    payment::{PaymentChannel, PaymentInput},
    validation::FieldErrors,
};

use super::{editable_view, steps, Empty, Progress, RulesView, StepId, Steps};
use crate::web::pages::{render_form, see_other};
use crate::{
    app::{tickets as uc, AppError},
    web::{
        api::tickets::payment_input,
        assets,
        error::PageResult,
        extract::{CsrfForm, CsrfMultipart, Id, SignedIn},
        pages::{
            summary,
            tickets::{PaymentRow, TicketHead},
            Layout, SummaryItem,
        },
        WebState,
    },
};

struct ChannelOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "ticket_payments.html")]
struct PaymentsPage {
    layout: Layout,
    steps: Steps,
    head: TicketHead,
    rules: RulesView,
    payments: Vec<PaymentRow>,
    applicants: usize,
    free: usize,
    form: PaymentInput,
    channels: Vec<ChannelOption>,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
    retry_file: bool,
    next_href: String,
    copy_js: String,
}

const PAYMENT_LABELS: &[(&str, &str)] = &[
    ("operation_number", "Número de operación"),
    ("paid_on", "Fecha de pago"),
    ("amount", "Monto pagado"),
    ("tribute_code", "Código de tributo"),
    ("payer_dni", "DNI de quien pagó"),
    ("channel", "Dónde pagó"),
    ("receipt", "Archivo de la constancia"),
];

fn payments_page(
    me: &SignedIn,
    view: &uc::TicketView,
    form: PaymentInput,
    errors: FieldErrors,
    notice: Option<&str>,
) -> Response {
    let rules = RulesView::from(&me.viewer.settings.payment);
    let t = &view.ticket;
    let retry_file = !errors.is_empty();
    let form = if retry_file {
        form
    } else {
        // A fresh form starts with what the receipt should say.
        PaymentInput {
            amount: rules.fee_plain.clone(),
            tribute_code: rules.tribute_code.clone(),
            ..form
        }
    };
    let chosen = form.channel.parse::<PaymentChannel>().ok();
    let channels = PaymentChannel::ALL
        .iter()
        .map(|c| ChannelOption {
            value: c.as_str(),
            label: c.label(),
            selected: chosen == Some(*c),
        })
        .collect();
    let layout = Layout::new(
        format!("Constancias de pago · {}", t.number),
        Some(&me.viewer),
        "/tramites",
    )
    .with_notice(notice);
    let page = PaymentsPage {
        layout,
        steps: steps(
            Some(t.kind),
            Some(t.reason),
            Some(t.id),
            StepId::Payments,
            Progress::of(view),
        ),
        head: t.into(),
        rules,
        payments: PaymentRow::all(view),
        applicants: view.applicants.len(),
        free: view.unused_payments().count(),
        form,
        channels,
        summary: summary(&errors, PAYMENT_LABELS),
        errors,
        retry_file,
        next_href: format!("/tramites/{}/solicitantes", t.id),
        copy_js: assets::url("copiar.js"),
    };
    render_form(retry_file, &page)
}

pub async fn payments_form(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<TicketId>,
    Query(query): Query<NoticeQuery>,
) -> PageResult {
    let view = editable_view(&state, &me, id).await?;
    if !view.ticket.reason.requires_payment() {
        return see_other(format!("/tramites/{}/solicitantes", view.ticket.id));
    }
    let notice = match query.aviso.as_deref() {
        Some("registrada") => Some("Constancia registrada. Si hay más solicitantes, registre una constancia por cada uno; si no, continúe."),
        Some("quitada") => Some("Constancia quitada."),
        _ => None,
    };
    Ok(payments_page(
        &me,
        &view,
        PaymentInput::default(),
        FieldErrors::new(),
        notice,
    ))
}

pub async fn add_payment(
    State(state): State<WebState>,
    me: SignedIn,
    Id(id): Id<TicketId>,
    form: CsrfMultipart,
) -> PageResult {
    let input = payment_input(&form.form);
    match uc::add_payment(&state.app, me.user(), id, &input, form.form.file("receipt")).await {
        Ok(_) => see_other(format!("/tramites/{id}/pagos?aviso=registrada")),
        Err(AppError::Validation(errors)) => {
            let view = editable_view(&state, &me, id).await?;
            Ok(payments_page(&me, &view, input, errors, None))
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn remove_payment(
    State(state): State<WebState>,
    me: SignedIn,
    Id((id, payment_id)): Id<(TicketId, PaymentId)>,
    _form: CsrfForm<Empty>,
) -> PageResult {
    uc::remove_payment(&state.app, me.user(), id, payment_id).await?;
    see_other(format!("/tramites/{id}/pagos?aviso=quitada"))
}
