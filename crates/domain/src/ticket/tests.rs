#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use proptest::prelude::*;

fn reason(kind: Kind, code: &str) -> Reason {
    Reason::parse(kind, Some(code)).unwrap()
}

fn owner() -> Actor {
    Actor::user(Role::Solicitante, true)
}

fn stranger() -> Actor {
    Actor::user(Role::Solicitante, false)
}

fn analyst() -> Actor {
    Actor::user(Role::Analista, false)
}

fn ready(actor: Actor) -> TransitionFacts<'static> {
    TransitionFacts {
        applicants: 1,
        certificate_named: true,
        appointment_recorded: true,
        comment: Some("Foto borrosa"),
        ..TransitionFacts::new(actor)
    }
}

#[test]
fn the_catalogue_has_the_eighteen_reasons_of_the_spec() {
    assert_eq!(REASONS.len(), 18);
    assert_eq!(Kind::Emision.reasons().count(), 3);
    assert_eq!(Kind::Reemision.reasons().count(), 7);
    assert_eq!(Kind::Instalacion.reasons().count(), 1);
    assert_eq!(Kind::Cancelacion.reasons().count(), 7);
    assert_eq!(Reason::all().count(), 18);
}

#[test]
fn exactly_the_reasons_marked_yes_require_payment() {
    let paid: Vec<String> = Reason::all()
        .filter(|r| r.requires_payment())
        .map(|r| format!("{} {}", r.kind(), r.code_str().unwrap()))
        .collect();
    assert_eq!(
        paid,
        [
            "emision c",
            "reemision d",
            "reemision e",
            "reemision f",
            "reemision g"
        ]
    );
}

#[test]
fn cancellation_reasons_map_to_their_rfc_5280_codes() {
    let expected = [
        ("a", "affiliationChanged", 3),
        ("b", "affiliationChanged", 3),
        ("c", "keyCompromise", 1),
        ("d", "keyCompromise", 1),
        ("e", "cACompromise", 2),
        ("f", "cessationOfOperation", 5),
        ("g", "unspecified", 0),
    ];
    for (code, name, number) in expected {
        let crl = reason(Kind::Cancelacion, code).crl_reason().unwrap();
        assert_eq!((crl.name(), crl.code()), (name, number), "{code}");
    }
    assert!(Reason::all()
        .filter(|r| r.kind() != Kind::Cancelacion)
        .all(|r| r.crl_reason().is_none()));
    assert_eq!(
        CrlReason::AffiliationChanged.to_string(),
        "affiliationChanged (3)"
    );
}

#[test]
fn every_crl_reason_has_its_rfc_name_and_number() {
    let all = [
        (CrlReason::Unspecified, 0),
        (CrlReason::KeyCompromise, 1),
        (CrlReason::CaCompromise, 2),
        (CrlReason::AffiliationChanged, 3),
        (CrlReason::Superseded, 4),
        (CrlReason::CessationOfOperation, 5),
        (CrlReason::CertificateHold, 6),
        (CrlReason::RemoveFromCrl, 8),
        (CrlReason::PrivilegeWithdrawn, 9),
        (CrlReason::AaCompromise, 10),
    ];
    for (r, n) in all {
        assert_eq!(r.code(), n);
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            format!("\"{}\"", r.name())
        );
    }
}

#[test]
fn reason_texts_are_the_spanish_texts_of_the_spec() {
    assert_eq!(
        reason(Kind::Emision, "a").text(),
        "Primera vez, para personal nuevo o personal activo"
    );
    assert_eq!(
        reason(Kind::Reemision, "g").label(),
        "g) Vencimiento del plazo de descarga del certificado digital"
    );
    assert_eq!(
        Reason::instalacion().label(),
        "Instalación de un certificado aprobado por RENIEC"
    );
    assert_eq!(
        reason(Kind::Cancelacion, "g").to_string(),
        "g) Solicitud expresa"
    );
}

#[test]
fn instalacion_has_no_reason_letter() {
    let r = Reason::parse(Kind::Instalacion, None).unwrap();
    assert_eq!(r, Reason::instalacion());
    assert_eq!(r.kind(), Kind::Instalacion);
    assert_eq!(r.code(), None);
    assert_eq!(r.code_str(), None);
    assert_eq!(Reason::parse(Kind::Instalacion, Some(" ")).unwrap(), r);
    assert_eq!(
        Reason::parse(Kind::Instalacion, Some("a")),
        Err(ReasonError::NotExpected)
    );
    assert_eq!(serde_json::to_string(&r).unwrap(), "null");
    assert_eq!(format!("{r:?}"), "Reason(instalacion)");
}

#[test]
fn reasons_parse_case_insensitively_and_refuse_letters_of_other_kinds() {
    let r = Reason::parse(Kind::Reemision, Some(" F ")).unwrap();
    assert_eq!(r.code(), Some('f'));
    assert_eq!(r.entry().kind, Kind::Reemision);
    assert_eq!(format!("{r:?}"), "Reason(reemision f)");
    assert_eq!(serde_json::to_string(&r).unwrap(), "\"f\"");
    let err = Reason::parse(Kind::Emision, Some("d")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Motivo «d» no válido para Emisión. Elija uno de: a, b, c."
    );
    assert!(Reason::parse(Kind::Emision, Some("ab")).is_err());
    assert_eq!(
        Reason::parse(Kind::Cancelacion, None)
            .unwrap_err()
            .to_string(),
        "Elija el motivo de la solicitud de Cancelación."
    );
}

#[test]
fn kinds_round_trip_and_have_accented_labels() {
    for &k in Kind::ALL {
        assert_eq!(k.as_str().parse::<Kind>().unwrap(), k);
        assert_eq!(k.to_string(), k.as_str());
        assert_eq!(
            serde_json::to_string(&k).unwrap(),
            format!("\"{}\"", k.as_str())
        );
        assert_ne!(k.has_applicants(), k.names_certificate());
    }
    assert_eq!(Kind::Emision.label(), "Emisión");
    assert_eq!(Kind::Reemision.label(), "Reemisión");
    assert_eq!(Kind::Instalacion.label(), "Instalación");
    assert_eq!(Kind::Cancelacion.label(), "Cancelación");
    assert!("emisión"
        .parse::<Kind>()
        .unwrap_err()
        .to_string()
        .contains("emisión"));
}

#[test]
fn statuses_round_trip_through_their_snake_case_words() {
    for &s in Status::ALL {
        assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        assert_eq!(s.to_string(), s.as_str());
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            format!("\"{}\"", s.as_str())
        );
        assert!(!s.label().is_empty());
        assert_ne!(s.is_open(), s.is_terminal());
    }
    assert_eq!(Status::EnAtencion.as_str(), "en_atencion");
    assert_eq!(Status::EnviadoReniec.label(), "Enviado a RENIEC");
    assert!("pendiente".parse::<Status>().is_err());
    assert!(Status::Enviado.is_in_queue() && Status::EnAtencion.is_in_queue());
    assert!(!Status::Observado.is_in_queue());
    assert!(Status::Borrador.is_editable() && Status::Observado.is_editable());
    assert!(!Status::Enviado.is_editable());
    assert!(Status::Borrador.is_open());
}

#[test]
fn the_happy_path_of_an_emision_goes_from_borrador_to_atendido() {
    let k = Kind::Emision;
    let r = reason(k, "a");
    let f = ready(owner());
    let s = transition(k, r, Status::Borrador, Action::Submit, &f).unwrap();
    assert_eq!(s, Status::Enviado);
    let f = ready(analyst());
    let s = transition(k, r, s, Action::Take, &f).unwrap();
    assert_eq!(s, Status::EnAtencion);
    let s = transition(k, r, s, Action::Approve, &f).unwrap();
    assert_eq!(s, Status::Programado);
    let s = transition(
        k,
        r,
        s,
        Action::Dispatch,
        &TransitionFacts::new(Actor::System),
    )
    .unwrap();
    assert_eq!(s, Status::EnviadoReniec);
    let s = transition(k, r, s, Action::RecordResults, &f).unwrap();
    assert_eq!(s, Status::Atendido);
}

#[test]
fn an_observed_ticket_is_corrected_and_resubmitted_by_its_requester() {
    let k = Kind::Reemision;
    let r = reason(k, "a");
    let s = transition(k, r, Status::EnAtencion, Action::Observe, &ready(analyst())).unwrap();
    assert_eq!(s, Status::Observado);
    // Straight resubmission …
    assert_eq!(
        transition(k, r, s, Action::Submit, &ready(owner())).unwrap(),
        Status::Enviado
    );
    // … or back to borrador first.
    let s = transition(k, r, s, Action::Correct, &ready(owner())).unwrap();
    assert_eq!(s, Status::Borrador);
}

#[test]
fn an_installation_needs_the_appointment_before_it_is_completed() {
    let k = Kind::Instalacion;
    let r = Reason::instalacion();
    let s = transition(k, r, Status::Borrador, Action::Submit, &ready(owner())).unwrap();
    let s = transition(k, r, s, Action::Take, &ready(analyst())).unwrap();
    let no_appointment = TransitionFacts {
        appointment_recorded: false,
        ..ready(analyst())
    };
    let err = transition(k, r, s, Action::Complete, &no_appointment).unwrap_err();
    assert_eq!(err, TransitionError::AppointmentMissing);
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert_eq!(
        transition(k, r, s, Action::Complete, &ready(analyst())).unwrap(),
        Status::Instalado
    );
}

#[test]
fn a_cancellation_is_completed_as_cancelado() {
    let k = Kind::Cancelacion;
    let r = reason(k, "c");
    let f = TransitionFacts {
        appointment_recorded: false,
        ..ready(analyst())
    };
    assert_eq!(
        transition(k, r, Status::EnAtencion, Action::Complete, &f).unwrap(),
        Status::Cancelado
    );
}

#[test]
fn an_installation_or_cancellation_must_name_its_certificate() {
    for k in [Kind::Instalacion, Kind::Cancelacion] {
        let r = k.reasons().next().unwrap();
        let f = TransitionFacts {
            certificate_named: false,
            ..ready(owner())
        };
        let err = transition(k, r, Status::Borrador, Action::Submit, &f).unwrap_err();
        assert_eq!(err, TransitionError::NoCertificate);
    }
}

#[test]
fn approving_an_installation_is_not_possible_it_is_completed_instead() {
    let err = transition(
        Kind::Instalacion,
        Reason::instalacion(),
        Status::EnAtencion,
        Action::Approve,
        &ready(analyst()),
    )
    .unwrap_err();
    assert_eq!(
        err,
        TransitionError::NotForKind {
            action: Action::Approve,
            kind: Kind::Instalacion
        }
    );
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(
        err.to_string(),
        "No se puede aprobar un trámite de Instalación."
    );
    let err = transition(
        Kind::Emision,
        reason(Kind::Emision, "a"),
        Status::EnAtencion,
        Action::Complete,
        &ready(analyst()),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
}

#[test]
fn submitting_an_emision_without_applicants_is_refused_as_missing_data() {
    let f = TransitionFacts {
        applicants: 0,
        ..ready(owner())
    };
    let err = transition(
        Kind::Emision,
        reason(Kind::Emision, "a"),
        Status::Borrador,
        Action::Submit,
        &f,
    )
    .unwrap_err();
    assert_eq!(err, TransitionError::NoApplicants);
    assert_eq!(err.kind(), ErrorKind::Invalid);
}

#[test]
fn an_applicant_without_a_receipt_is_refused_for_a_paid_reason() {
    let f = TransitionFacts {
        applicants: 3,
        applicants_missing_receipt: 2,
        ..ready(owner())
    };
    let err = transition(
        Kind::Reemision,
        reason(Kind::Reemision, "f"),
        Status::Borrador,
        Action::Submit,
        &f,
    )
    .unwrap_err();
    assert_eq!(err, TransitionError::MissingReceipts(2));
    assert!(err.to_string().contains("faltan 2"));
}

#[test]
fn a_free_reason_ignores_missing_receipts() {
    let f = TransitionFacts {
        applicants: 3,
        applicants_missing_receipt: 3,
        ..ready(owner())
    };
    assert!(transition(
        Kind::Reemision,
        reason(Kind::Reemision, "b"),
        Status::Borrador,
        Action::Submit,
        &f
    )
    .is_ok());
}

#[test]
fn a_dni_twice_in_a_ticket_is_refused_on_submit() {
    let dni = Dni::parse("10117410").unwrap();
    let dnis = [dni.clone(), dni];
    let f = TransitionFacts {
        applicants: 2,
        duplicate_dnis: &dnis,
        ..ready(owner())
    };
    let err = transition(
        Kind::Emision,
        reason(Kind::Emision, "a"),
        Status::Borrador,
        Action::Submit,
        &f,
    )
    .unwrap_err();
    assert_eq!(err, TransitionError::DuplicateDni(vec!["10117410".into()]));
    assert_eq!(
        err.to_string(),
        "El DNI 10117410 ya figura en este trámite o en otro trámite abierto del mismo tipo."
    );
}

#[test]
fn repeated_dnis_are_found_once_each() {
    let a = Dni::parse("10117410").unwrap();
    let b = Dni::parse("12345678").unwrap();
    let c = Dni::parse("87654321").unwrap();
    let list = [a.clone(), b.clone(), a.clone(), c, b.clone(), a.clone()];
    assert_eq!(repeated_dnis(&list), vec![a, b]);
    assert!(repeated_dnis(&[]).is_empty());
}

#[test]
fn only_the_requester_submits_corrects_and_withdraws_even_if_admin() {
    let k = Kind::Emision;
    let r = reason(k, "a");
    for actor in [
        stranger(),
        analyst(),
        Actor::user(Role::Admin, false),
        Actor::System,
    ] {
        for (from, action) in [
            (Status::Borrador, Action::Submit),
            (Status::Observado, Action::Correct),
            (Status::Enviado, Action::Withdraw),
        ] {
            let err = transition(k, r, from, action, &ready(actor)).unwrap_err();
            assert_eq!(err, TransitionError::NotOwner { action });
            assert_eq!(err.kind(), ErrorKind::Forbidden);
        }
    }
    let err = transition(k, r, Status::Borrador, Action::Submit, &ready(stranger())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Solo quien registró el trámite puede enviarlo."
    );
}

#[test]
fn a_solicitante_cannot_take_observe_approve_or_reject_even_their_own_ticket() {
    let k = Kind::Emision;
    let r = reason(k, "a");
    for action in [
        Action::Take,
        Action::Observe,
        Action::Approve,
        Action::Reject,
    ] {
        let err = transition(k, r, Status::EnAtencion, action, &ready(owner())).unwrap_err();
        assert_eq!(err, TransitionError::NotAnalyst { action });
        assert_eq!(err.kind(), ErrorKind::Forbidden);
    }
    let err = transition(k, r, Status::Enviado, Action::Take, &ready(owner())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Solo un analista de la Mesa de Servicios puede atender el trámite."
    );
}

#[test]
fn the_system_may_dispatch_but_not_approve() {
    let k = Kind::Emision;
    let r = reason(k, "a");
    let sys = TransitionFacts::new(Actor::System);
    assert!(transition(k, r, Status::Programado, Action::Dispatch, &sys).is_ok());
    assert!(transition(
        k,
        r,
        Status::Programado,
        Action::Dispatch,
        &ready(analyst())
    )
    .is_ok());
    assert_eq!(
        transition(k, r, Status::EnAtencion, Action::Approve, &sys).unwrap_err(),
        TransitionError::NotAnalyst {
            action: Action::Approve
        }
    );
    assert_eq!(
        transition(k, r, Status::Programado, Action::Dispatch, &ready(owner())).unwrap_err(),
        TransitionError::NotAnalyst {
            action: Action::Dispatch
        }
    );
}

#[test]
fn approving_a_borrador_is_a_conflict_not_a_validation_error() {
    let err = transition(
        Kind::Emision,
        reason(Kind::Emision, "a"),
        Status::Borrador,
        Action::Approve,
        &ready(analyst()),
    )
    .unwrap_err();
    assert_eq!(
        err,
        TransitionError::InvalidStatus {
            action: Action::Approve,
            status: Status::Borrador
        }
    );
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(
        err.to_string(),
        "No se puede aprobar un trámite en estado «Borrador»."
    );
}

#[test]
fn approve_and_reject_require_the_ticket_to_be_en_atencion() {
    let k = Kind::Emision;
    let r = reason(k, "a");
    for from in Status::ALL
        .iter()
        .copied()
        .filter(|s| *s != Status::EnAtencion)
    {
        for action in [Action::Approve, Action::Reject, Action::Observe] {
            let err = transition(k, r, from, action, &ready(analyst())).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Conflict, "{from} {action}");
        }
    }
}

#[test]
fn observing_needs_a_comment_and_rejecting_needs_a_reason() {
    let k = Kind::Emision;
    let r = reason(k, "a");
    for comment in [None, Some(""), Some("   ")] {
        let f = TransitionFacts {
            comment,
            ..ready(analyst())
        };
        assert_eq!(
            transition(k, r, Status::EnAtencion, Action::Observe, &f).unwrap_err(),
            TransitionError::CommentRequired
        );
        assert_eq!(
            transition(k, r, Status::EnAtencion, Action::Reject, &f).unwrap_err(),
            TransitionError::ReasonRequired
        );
    }
    assert_eq!(
        transition(k, r, Status::EnAtencion, Action::Reject, &ready(analyst())).unwrap(),
        Status::Rechazado
    );
}

#[test]
fn withdrawing_is_possible_only_from_borrador_or_enviado() {
    let k = Kind::Emision;
    let r = reason(k, "a");
    for &from in Status::ALL {
        let res = transition(k, r, from, Action::Withdraw, &ready(owner()));
        if matches!(from, Status::Borrador | Status::Enviado) {
            assert_eq!(res.unwrap(), Status::Anulado);
        } else {
            assert_eq!(res.unwrap_err().kind(), ErrorKind::Conflict, "{from}");
        }
    }
}

#[test]
fn a_ticket_is_dispatched_only_when_all_its_applicants_went_and_attended_when_all_results_are_in() {
    let k = Kind::Emision;
    let r = reason(k, "a");
    let f = TransitionFacts {
        applicants_not_dispatched: 1,
        ..TransitionFacts::new(Actor::System)
    };
    let err = transition(k, r, Status::Programado, Action::Dispatch, &f).unwrap_err();
    assert_eq!(err, TransitionError::NotAllDispatched(1));
    assert_eq!(err.kind(), ErrorKind::Invalid);
    let f = TransitionFacts {
        applicants_without_result: 2,
        ..ready(analyst())
    };
    let err = transition(k, r, Status::EnviadoReniec, Action::RecordResults, &f).unwrap_err();
    assert_eq!(err, TransitionError::ResultsMissing(2));
    assert!(err.to_string().contains('2'));
}

#[test]
fn every_error_message_is_spanish_and_non_empty() {
    let errors = [
        TransitionError::NoApplicants,
        TransitionError::NoCertificate,
        TransitionError::CommentRequired,
        TransitionError::ReasonRequired,
        TransitionError::AppointmentMissing,
        TransitionError::NotAllDispatched(1),
    ];
    for e in errors {
        assert!(!e.to_string().is_empty());
        assert_eq!(e.kind(), ErrorKind::Invalid);
    }
}

#[test]
fn the_appointment_is_booked_on_an_installation_being_attended_and_keeps_its_status() {
    let inst = Reason::instalacion();
    let facts = ready(analyst());
    assert_eq!(
        transition(
            Kind::Instalacion,
            inst,
            Status::EnAtencion,
            Action::Appointment,
            &facts
        ),
        Ok(Status::EnAtencion)
    );
    let err = transition(
        Kind::Instalacion,
        inst,
        Status::Enviado,
        Action::Appointment,
        &facts,
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.to_string().contains("agendar"), "{err}");
    let cancel = Reason::parse(Kind::Cancelacion, Some("a")).unwrap();
    let err = transition(
        Kind::Cancelacion,
        cancel,
        Status::EnAtencion,
        Action::Appointment,
        &facts,
    )
    .unwrap_err();
    assert_eq!(
        err,
        TransitionError::NotForKind {
            action: Action::Appointment,
            kind: Kind::Cancelacion
        }
    );
    let err = transition(
        Kind::Instalacion,
        inst,
        Status::EnAtencion,
        Action::Appointment,
        &ready(owner()),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
}

#[test]
fn available_actions_offer_the_buttons_each_person_may_press() {
    assert_eq!(
        available_actions(Kind::Emision, Status::Borrador, owner()),
        [Action::Submit, Action::Withdraw]
    );
    assert_eq!(
        available_actions(Kind::Emision, Status::EnAtencion, analyst()),
        [
            Action::Observe,
            Action::Approve,
            Action::Reject,
            Action::Release
        ]
    );
    assert_eq!(
        available_actions(Kind::Instalacion, Status::EnAtencion, analyst()),
        [
            Action::Observe,
            Action::Reject,
            Action::Appointment,
            Action::Complete,
            Action::Release
        ]
    );
    assert!(available_actions(Kind::Emision, Status::EnAtencion, owner()).is_empty());
    assert!(available_actions(Kind::Emision, Status::Atendido, analyst()).is_empty());
    assert_eq!(
        available_actions(Kind::Emision, Status::Programado, Actor::System),
        [Action::Dispatch]
    );
}

#[test]
fn actions_have_stable_codes_and_spanish_verbs() {
    for &a in Action::ALL {
        assert!(!a.as_str().is_empty());
        assert_eq!(a.to_string(), a.as_str());
        assert!(!a.verb().is_empty());
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            format!("\"{}\"", a.as_str())
        );
    }
}

fn arb_kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(Kind::ALL.to_vec())
}
fn arb_status() -> impl Strategy<Value = Status> {
    prop::sample::select(Status::ALL.to_vec())
}
fn arb_action() -> impl Strategy<Value = Action> {
    prop::sample::select(Action::ALL.to_vec())
}
fn arb_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(Actor::System),
        (prop::sample::select(Role::ALL.to_vec()), any::<bool>())
            .prop_map(|(role, is_owner)| Actor::user(role, is_owner)),
    ]
}

proptest! {
    #[test]
    fn terminal_statuses_never_move(
        kind in arb_kind(), status in arb_status(), action in arb_action(), actor in arb_actor()
    ) {
        let r = kind.reasons().next().unwrap();
        let res = transition(kind, r, status, action, &ready(actor));
        if status.is_terminal() {
            prop_assert!(res.is_err());
        }
        if let Ok(to) = res {
            // Every move changes the status but booking the appointment, which keeps it.
            if action == Action::Appointment {
                prop_assert_eq!(to, status);
            } else {
                prop_assert_ne!(to, status);
            }
            prop_assert_eq!(Some(to), target(kind, status, action));
            prop_assert!(available_actions(kind, status, actor).contains(&action));
        }
    }

    #[test]
    fn a_forbidden_actor_gets_403_whatever_the_status(
        kind in arb_kind(), status in arb_status(), action in arb_action(), actor in arb_actor()
    ) {
        let r = kind.reasons().next().unwrap();
        let allowed = match (actor, action.who()) {
            (Actor::User { is_owner, .. }, Who::Owner) => is_owner,
            (Actor::User { role, .. }, _) => role.is_analyst(),
            (Actor::System, w) => w == Who::AnalystOrSystem,
        };
        let res = transition(kind, r, status, action, &TransitionFacts::new(actor));
        if !allowed {
            prop_assert_eq!(res.unwrap_err().kind(), ErrorKind::Forbidden);
        } else if let Err(e) = res {
            prop_assert_ne!(e.kind(), ErrorKind::Forbidden);
        }
    }
}

#[test]
fn only_a_pending_certificate_is_installed_and_only_a_usable_one_cancelled() {
    use CertificateState::*;
    for state in [
        PendienteDescarga,
        Instalado,
        Caducado,
        DescargaVencida,
        Cancelado,
    ] {
        assert_eq!(
            Kind::Instalacion.accepts_certificate_in(state),
            state == PendienteDescarga,
            "{state:?}"
        );
        assert_eq!(
            Kind::Cancelacion.accepts_certificate_in(state),
            matches!(state, Instalado | PendienteDescarga),
            "{state:?}"
        );
        assert!(!Kind::Emision.accepts_certificate_in(state));
        assert!(!Kind::Reemision.accepts_certificate_in(state));
    }
}

#[test]
fn a_taken_ticket_is_released_back_to_the_queue_by_an_analyst_only() {
    for kind in Kind::ALL.iter().copied() {
        let r = kind.reasons().next().unwrap();
        let facts = TransitionFacts::new(analyst());
        assert_eq!(
            transition(kind, r, Status::EnAtencion, Action::Release, &facts),
            Ok(Status::Enviado),
            "{kind}"
        );
        // Released, it can be taken again: the round trip is open.
        assert_eq!(
            transition(kind, r, Status::Enviado, Action::Take, &facts),
            Ok(Status::EnAtencion)
        );
    }
    let r = reason(Kind::Emision, "a");
    // Only a ticket being attended goes back; anything else is a conflict.
    for from in Status::ALL
        .iter()
        .copied()
        .filter(|s| *s != Status::EnAtencion)
    {
        let err = transition(
            Kind::Emision,
            r,
            from,
            Action::Release,
            &TransitionFacts::new(analyst()),
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict, "{from}");
        assert!(err.to_string().contains("devolver a la cola"), "{err}");
    }
    // The requester cannot give it back, not even their own.
    let err = transition(
        Kind::Emision,
        r,
        Status::EnAtencion,
        Action::Release,
        &TransitionFacts::new(owner()),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert_eq!(Action::Release.as_str(), "release");
    assert_eq!(Action::Release.who(), Who::Analyst);
    assert!(available_actions(Kind::Emision, Status::Enviado, analyst()).contains(&Action::Take));
    assert!(
        !available_actions(Kind::Emision, Status::Enviado, analyst()).contains(&Action::Release)
    );
}

#[test]
fn taking_a_ticket_out_of_fifo_order_needs_a_reason() {
    let r = reason(Kind::Emision, "a");
    let take = |earlier_waiting: usize, comment: Option<&'static str>| {
        transition(
            Kind::Emision,
            r,
            Status::Enviado,
            Action::Take,
            &TransitionFacts {
                earlier_waiting,
                comment,
                ..TransitionFacts::new(analyst())
            },
        )
    };
    // The oldest waiting ticket is taken without a word.
    assert_eq!(take(0, None), Ok(Status::EnAtencion));
    // With older ones waiting, a reason is needed; a blank one is no reason.
    for blank in [None, Some(""), Some("   ")] {
        let err = take(2, blank).unwrap_err();
        assert_eq!(err, TransitionError::OutOfOrderReasonRequired(2));
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert!(err.to_string().contains("motivo"), "{err}");
    }
    assert_eq!(
        take(2, Some("Urgente: firma de convenio el lunes")),
        Ok(Status::EnAtencion)
    );
    // Status comes first: a ticket not waiting is a conflict, reason or not.
    let err = transition(
        Kind::Emision,
        r,
        Status::EnAtencion,
        Action::Take,
        &TransitionFacts {
            earlier_waiting: 3,
            ..TransitionFacts::new(analyst())
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
}
