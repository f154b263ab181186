//! Step 1: the kind and the reason, and for instalación and cancelación the certificate,
//! among those the domain accepts for that kind.

use askama::Template;
use axum::extract::{Query, State};
use domain::{
    ticket::{Kind, Reason},
    validation::FieldErrors,
};

use super::{after_opening, steps, Progress, RulesView, StepId, Steps};
use crate::web::pages::{render_form, see_other};
use crate::{
    app::{tickets as uc, AppError},
    web::{
        error::PageResult,
        extract::{CsrfForm, SignedIn},
        pages::{certificates::describe, summary, Layout, SummaryItem},
        WebState,
    },
};

struct KindOption {
    value: &'static str,
    label: &'static str,
    help: &'static str,
    checked: bool,
}

struct ReasonOption {
    code: &'static str,
    label: String,
    paid: bool,
    checked: bool,
}

struct CertOption {
    id: String,
    label: String,
    checked: bool,
}

/// The second half of step 1, once the kind is chosen.
struct Chosen {
    value: &'static str,
    label: &'static str,
    help: &'static str,
    /// False for instalación, which has a single reason.
    has_reasons: bool,
    single_reason: &'static str,
    needs_certificate: bool,
    certificates: Vec<CertOption>,
    reasons: Vec<ReasonOption>,
    /// Instalación: the contact phone field, with what was typed.
    asks_phone: bool,
    phone: String,
}

#[derive(Template)]
#[template(path = "ticket_new.html")]
struct NewPage {
    layout: Layout,
    steps: Steps,
    kinds: Vec<KindOption>,
    chosen: Option<Chosen>,
    fee: String,
    errors: FieldErrors,
    summary: Vec<SummaryItem>,
}

const NEW_LABELS: &[(&str, &str)] = &[
    ("kind", "Tipo de trámite"),
    ("reason", "Motivo"),
    ("certificate_id", "Certificado"),
    ("contact_phone", "Teléfono de contacto"),
];

fn kind_help(kind: Kind) -> &'static str {
    match kind {
        Kind::Emision => "Su primer certificado digital, o uno nuevo porque el anterior caducó.",
        Kind::Reemision => "Un certificado nuevo que reemplaza al que tiene: renovación, formateo o problemas del equipo, olvido de la contraseña o plazo de descarga vencido.",
        Kind::Instalacion => "RENIEC aprobó su certificado y le llegó el correo de DCDelivery: un analista lo instala en su PC, token o tarjeta.",
        Kind::Cancelacion => "Dejar sin efecto uno de sus certificados (por ejemplo, si deja la entidad o su contraseña fue expuesta).",
    }
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    tipo: Option<String>,
    motivo: Option<String>,
    certificado: Option<String>,
}

async fn new_page(
    state: &WebState,
    me: &SignedIn,
    kind: Option<Kind>,
    reason: Option<&str>,
    certificate: Option<&str>,
    phone: Option<&str>,
    errors: FieldErrors,
) -> PageResult {
    let rules = RulesView::from(&me.viewer.settings.payment);
    let chosen = match kind {
        None => None,
        Some(kind) => {
            let certificates = if kind.names_certificate() {
                uc::certificates(&state.app, me.user(), uc::Scope::Own, None, 200).await?
            } else {
                Vec::new()
            };
            // Only the certificates this kind of ticket may name, as the domain says.
            let certificates: Vec<CertOption> = certificates
                .iter()
                .filter(|c| kind.accepts_certificate_in(c.state))
                .map(|c| {
                    let id = c.id.to_string();
                    CertOption {
                        checked: Some(id.as_str()) == certificate,
                        label: describe(c),
                        id,
                    }
                })
                .collect();
            let reason = reason.map(str::trim).map(str::to_lowercase);
            Some(Chosen {
                value: kind.as_str(),
                label: kind.label(),
                help: kind_help(kind),
                has_reasons: kind != Kind::Instalacion,
                single_reason: Reason::instalacion().text(),
                needs_certificate: kind.names_certificate(),
                asks_phone: kind == Kind::Instalacion,
                phone: phone.unwrap_or_default().to_owned(),
                certificates,
                reasons: kind
                    .reasons()
                    .filter_map(|r| {
                        r.code_str().map(|code| ReasonOption {
                            code,
                            label: r.label(),
                            paid: r.requires_payment(),
                            checked: reason.as_deref() == Some(code),
                        })
                    })
                    .collect(),
            })
        }
    };
    Ok(render_form(
        !errors.is_empty(),
        &NewPage {
            layout: Layout::new("Nuevo trámite", Some(&me.viewer), "/tramites"),
            steps: steps(kind, None, None, StepId::Kind, Progress::default()),
            kinds: Kind::ALL
                .iter()
                .copied()
                .map(|k| KindOption {
                    value: k.as_str(),
                    label: k.label(),
                    help: kind_help(k),
                    checked: Some(k) == kind,
                })
                .collect(),
            chosen,
            fee: rules.fee,
            summary: summary(&errors, NEW_LABELS),
            errors,
        },
    ))
}

pub async fn new_form(
    State(state): State<WebState>,
    me: SignedIn,
    Query(query): Query<NewQuery>,
) -> PageResult {
    let kind = query.tipo.as_deref().and_then(|t| t.parse::<Kind>().ok());
    let mut errors = FieldErrors::new();
    if kind.is_none() && query.tipo.as_deref().is_some_and(|t| !t.trim().is_empty()) {
        errors.add("kind", "Elija uno de los cuatro tipos de trámite.");
    }
    new_page(
        &state,
        &me,
        kind,
        query.motivo.as_deref(),
        query.certificado.as_deref(),
        None,
        errors,
    )
    .await
}

/// A form with only "Continuar" pressed and no kind chosen comes back as `?tipo=`; this
/// is the POST of the second half.
#[derive(serde::Deserialize)]
pub struct NewForm {
    #[serde(default)]
    kind: String,
    reason: Option<String>,
    certificate_id: Option<String>,
    contact_phone: Option<String>,
}

pub async fn create(
    State(state): State<WebState>,
    me: SignedIn,
    form: CsrfForm<NewForm>,
) -> PageResult {
    let data = form.data;
    match uc::open_with(
        &state.app,
        me.user(),
        &uc::Opening {
            kind: &data.kind,
            reason: data.reason.as_deref(),
            certificate_id: data.certificate_id.as_deref(),
            contact_phone: data.contact_phone.as_deref(),
        },
    )
    .await
    {
        Ok(view) => {
            let t = &view.ticket;
            see_other(after_opening(t.kind, t.reason, t.id))
        }
        Err(AppError::Validation(errors)) => {
            let kind = data.kind.parse::<Kind>().ok();
            new_page(
                &state,
                &me,
                kind,
                data.reason.as_deref(),
                data.certificate_id.as_deref(),
                data.contact_phone.as_deref(),
                errors,
            )
            .await
        }
        Err(err) => Err(err.into()),
    }
}
