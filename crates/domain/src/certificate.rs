//! The certificate registry (SPEC.md "After RENIEC" and "Certificate registry and
//! reminders"): states, media, ownership, the 30-day download deadline and reminder dates.
//!
//! Pure: dates come in as arguments ("today" is Lima's date from the caller's clock).

use jiff::civil::Date;
use jiff::Span;

use crate::word::words;

/// Calendar days between RENIEC's DCDelivery e-mail and the download deadline.
pub const DOWNLOAD_DAYS: i64 = 30;

words! {
    /// Where a certificate stands.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum CertificateState: "el estado del certificado" {
        /// Approved by RENIEC, not yet downloaded and installed.
        PendienteDescarga,
        /// Installed on its medium.
        Instalado,
        /// Past its expiry date.
        Caducado,
        /// The 30-day download deadline passed without installation.
        DescargaVencida,
        /// Revoked.
        Cancelado,
    }
}

impl CertificateState {
    /// Spanish label for people.
    pub fn label(&self) -> &'static str {
        match self {
            CertificateState::PendienteDescarga => "Pendiente de descarga",
            CertificateState::Instalado => "Instalado",
            CertificateState::Caducado => "Caducado",
            CertificateState::DescargaVencida => "Plazo de descarga vencido",
            CertificateState::Cancelado => "Cancelado",
        }
    }
}

words! {
    /// Where the private key lives.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum Medium: "el medio" {
        /// A PC's certificate store.
        Pc,
        /// A cryptographic token.
        Token,
        /// A smart card.
        Tarjeta,
    }
}

impl Medium {
    /// Spanish label for people.
    pub fn label(&self) -> &'static str {
        match self {
            Medium::Pc => "PC",
            Medium::Token => "Token criptográfico",
            Medium::Tarjeta => "Tarjeta inteligente",
        }
    }
}

words! {
    /// Who owns the medium (decides whether a reemision is paid).
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum Ownership: "la propiedad del medio" {
        /// The entity's (GRC's).
        Grc,
        /// The subscriber's own.
        Propio,
    }
}

impl Ownership {
    /// Spanish label for people.
    pub fn label(&self) -> &'static str {
        match self {
            Ownership::Grc => "Propiedad del GRC",
            Ownership::Propio => "Propio",
        }
    }
}

words! {
    /// The reminders SPEC.md asks for, each sent once per certificate.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum ReminderKind: "el recordatorio" {
        /// Expiry in 30 days.
        #[serde(rename = "expiry_30")]
        #[strum(serialize = "expiry_30")]
        Expiry30,
        /// Expiry in 15 days.
        #[serde(rename = "expiry_15")]
        #[strum(serialize = "expiry_15")]
        Expiry15,
        /// Expiry in 10 days.
        #[serde(rename = "expiry_10")]
        #[strum(serialize = "expiry_10")]
        Expiry10,
        /// Download deadline in 7 days.
        #[serde(rename = "download_7")]
        #[strum(serialize = "download_7")]
        Download7,
        /// Download deadline in 2 days.
        #[serde(rename = "download_2")]
        #[strum(serialize = "download_2")]
        Download2,
    }
}

impl ReminderKind {
    /// Spanish label for people.
    pub fn label(&self) -> &'static str {
        match self {
            ReminderKind::Expiry30 => "Su certificado digital caduca en 30 días",
            ReminderKind::Expiry15 => "Su certificado digital caduca en 15 días",
            ReminderKind::Expiry10 => "Su certificado digital caduca en 10 días",
            ReminderKind::Download7 => {
                "Quedan 7 días para descargar e instalar su certificado digital"
            }
            ReminderKind::Download2 => {
                "Quedan 2 días para descargar e instalar su certificado digital"
            }
        }
    }
}

impl CertificateState {
    /// Usable: installed, or approved by RENIEC and waiting to be downloaded. Its expiry
    /// counts for the 10-day rule, and it can be cancelled.
    pub fn is_usable(&self) -> bool {
        matches!(
            self,
            CertificateState::Instalado | CertificateState::PendienteDescarga
        )
    }

    /// A state that no date can change any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            CertificateState::Caducado | CertificateState::Cancelado
        )
    }
}

impl CertificateState {
    /// Why a certificate in this state cannot be renewed (reemisión a), and what to ask
    /// for instead; `None` when it can: only an installed certificate is renewed.
    pub fn renewal_refusal(&self) -> Option<&'static str> {
        match self {
            CertificateState::Instalado => None,
            CertificateState::PendienteDescarga => Some("Este certificado aún no se instaló: solicite primero su instalación."),
            CertificateState::Caducado => Some("Este certificado ya caducó: no se renueva. Solicite una emisión por expiración del certificado (motivo b)."),
            CertificateState::DescargaVencida => Some("Venció el plazo de descarga de este certificado: solicite una reemisión por vencimiento del plazo de descarga (motivo g)."),
            CertificateState::Cancelado => Some("Este certificado fue cancelado: no se puede renovar."),
        }
    }
}

impl ReminderKind {
    /// The most days before its date that any reminder is due: a certificate further than
    /// this from both its dates gets no reminder today.
    pub fn longest_lead_days() -> i64 {
        ReminderKind::ALL
            .iter()
            .map(ReminderKind::days_before)
            .max()
            .unwrap_or_default()
    }

    /// Days before the target date (expiry or download deadline).
    pub fn days_before(&self) -> i64 {
        match self {
            ReminderKind::Expiry30 => 30,
            ReminderKind::Expiry15 => 15,
            ReminderKind::Expiry10 => 10,
            ReminderKind::Download7 => 7,
            ReminderKind::Download2 => 2,
        }
    }

    /// Expiry reminders (vs download-deadline reminders).
    pub fn is_expiry(&self) -> bool {
        matches!(
            self,
            ReminderKind::Expiry30 | ReminderKind::Expiry15 | ReminderKind::Expiry10
        )
    }

    /// What the person should do, in Spanish.
    pub fn advice(&self) -> &'static str {
        if self.is_expiry() {
            "Solicite ahora su renovación (reemisión, motivo a) para no quedarse sin firma digital."
        } else {
            "Registre un trámite de instalación; pasado el plazo deberá solicitar una reemisión con pago."
        }
    }
}

fn add_days(d: Date, n: i64) -> Option<Date> {
    d.checked_add(Span::new().try_days(n).ok()?).ok()
}

/// The last day to download and install: 30 calendar days after RENIEC's DCDelivery e-mail.
/// (Saturates at the end of the calendar rather than panicking.)
pub fn download_deadline(delivery_sent_on: Date) -> Date {
    add_days(delivery_sent_on, DOWNLOAD_DAYS).unwrap_or(Date::MAX)
}

/// Days before the download deadline from which pages warn: the first download reminder.
pub const DEADLINE_WARNING_DAYS: i64 = 7;

/// Days left to download and install a certificate waiting for it: 0 on the deadline day
/// itself. None when it is not waiting for download, has no deadline, or the deadline passed.
pub fn download_days_left(
    today: Date,
    state: CertificateState,
    deadline: Option<Date>,
) -> Option<i64> {
    if state != CertificateState::PendienteDescarga {
        return None;
    }
    let days = i64::from(today.until(deadline?).ok()?.get_days());
    (days >= 0).then_some(days)
}

/// Whether the download deadline is close enough to warn (within [`DEADLINE_WARNING_DAYS`]).
pub fn download_deadline_near(
    today: Date,
    state: CertificateState,
    deadline: Option<Date>,
) -> bool {
    download_days_left(today, state, deadline).is_some_and(|d| d <= DEADLINE_WARNING_DAYS)
}

/// Every reminder date of a certificate, in date order: expiry at 30, 15 and 10 days before
/// `expires_on`, download deadline at 7 and 2 days before `download_deadline`.
pub fn reminder_dates(
    expires_on: Option<Date>,
    download_deadline: Option<Date>,
) -> Vec<(ReminderKind, Date)> {
    let mut out: Vec<(ReminderKind, Date)> = ReminderKind::ALL
        .iter()
        .filter_map(|k| {
            let target = if k.is_expiry() {
                expires_on
            } else {
                download_deadline
            }?;
            Some((*k, add_days(target, -k.days_before())?))
        })
        .collect();
    out.sort_by_key(|(k, d)| (*d, *k));
    out
}

/// What decides a certificate's state on a given day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CertificateFacts {
    /// Day RENIEC sent the DCDelivery e-mail (sets the download deadline).
    pub delivery_sent_on: Option<Date>,
    /// Installed on its medium (by an instalacion ticket, or registered as already in use).
    pub installed: bool,
    /// Revoked by a completed cancelacion ticket.
    pub cancelled: bool,
    /// Last day of validity.
    pub expires_on: Option<Date>,
}

impl CertificateFacts {
    /// The download deadline, when the DCDelivery date is known.
    pub fn download_deadline(&self) -> Option<Date> {
        self.delivery_sent_on.map(download_deadline)
    }
}

/// The state on `date`. Precedence: cancelled; then, for a certificate never installed, a
/// passed download deadline (the certificate was never usable); then expiry; then
/// installed; otherwise pending download. A certificate is valid through its expiry date
/// and `caducado` from the day after; the download deadline day itself is still in time.
pub fn state_on(date: Date, facts: &CertificateFacts) -> CertificateState {
    if facts.cancelled {
        return CertificateState::Cancelado;
    }
    if !facts.installed && facts.download_deadline().is_some_and(|d| date > d) {
        return CertificateState::DescargaVencida;
    }
    if facts.expires_on.is_some_and(|e| date > e) {
        return CertificateState::Caducado;
    }
    if facts.installed {
        CertificateState::Instalado
    } else {
        CertificateState::PendienteDescarga
    }
}

/// The reminders to send today, at most one per group (expiry, download): the most recent
/// one that is due and not sent, provided no later one of its group was sent already — so a
/// job that was down for a while sends one timely notice, not a burst of stale ones.
/// Expiry reminders go to installed certificates, download reminders to pending ones; none
/// is sent once its target date has passed.
pub fn due_reminders(
    today: Date,
    state: CertificateState,
    expires_on: Option<Date>,
    download_deadline: Option<Date>,
    already_sent: &[ReminderKind],
) -> Vec<ReminderKind> {
    let mut out = Vec::new();
    for (is_expiry, wanted_state, target) in [
        (true, CertificateState::Instalado, expires_on),
        (
            false,
            CertificateState::PendienteDescarga,
            download_deadline,
        ),
    ] {
        let Some(target) = target else { continue };
        if state != wanted_state || today > target {
            continue;
        }
        // The group's reminders, latest (closest to the target) first.
        let mut group: Vec<(ReminderKind, Date)> = reminder_dates(Some(target), Some(target))
            .into_iter()
            .filter(|(k, d)| k.is_expiry() == is_expiry && *d <= today)
            .collect();
        group.sort_by_key(|(_, d)| std::cmp::Reverse(*d));
        if let Some((latest, _)) = group.first() {
            if !already_sent.contains(latest) {
                // Earlier ones are superseded; later ones are not due yet.
                let later_sent = already_sent
                    .iter()
                    .any(|s| s.is_expiry() == is_expiry && s.days_before() < latest.days_before());
                if !later_sent {
                    out.push(*latest);
                }
            }
        }
    }
    out
}

/// The letters folded to their base letter when comparing names or searching, in both
/// cases: Spanish accents, ü and ñ. The store folds its columns with the same table in SQL,
/// so that a search is accent-insensitive on every database.
pub const FOLDED_LETTERS: &[(char, char)] = &[
    ('á', 'a'),
    ('é', 'e'),
    ('í', 'i'),
    ('ó', 'o'),
    ('ú', 'u'),
    ('ü', 'u'),
    ('ñ', 'n'),
    ('Á', 'a'),
    ('É', 'e'),
    ('Í', 'i'),
    ('Ó', 'o'),
    ('Ú', 'u'),
    ('Ü', 'u'),
    ('Ñ', 'n'),
];

/// `text` folded for comparison: [`FOLDED_LETTERS`] replaced, ASCII letters in lower case.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| {
            FOLDED_LETTERS
                .iter()
                .find(|(from, _)| *from == c)
                .map_or(c.to_ascii_lowercase(), |(_, to)| *to)
        })
        .collect()
}

/// The words of a name, folded, in a set (order, commas and case do not matter).
fn name_words(name: &str) -> std::collections::BTreeSet<String> {
    fold(name)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether two holder names name the same person, as far as a name can tell: every word of
/// the shorter one (at least two: a surname and a given name) is in the longer one, folded.
/// "Cabrera Llanos, María" and "MARIA CABRERA LLANOS" are the same; "Quispe Huamán, Rosa
/// Elena" is not.
pub fn same_holder(a: &str, b: &str) -> bool {
    let (a, b) = (name_words(a), name_words(b));
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= 2 && short.is_subset(&long)
}

/// The longest validity accepted for a certificate's typed dates (RENIEC's certificates
/// last less): a guard against a mistyped year.
pub const MAX_VALIDITY_YEARS: i16 = 5;

/// Checks the issue and expiry dates of a certificate being installed, as of `today`:
/// issued no later than today, expiring after its issue and not before today, within
/// [`MAX_VALIDITY_YEARS`]. Errors are keyed `issued_on` and `expires_on`.
pub fn check_validity(
    today: Date,
    issued_on: Date,
    expires_on: Date,
) -> Result<(), crate::validation::FieldErrors> {
    let mut errors = crate::validation::FieldErrors::new();
    if issued_on > today {
        errors.add(
            "issued_on",
            "La fecha de emisión del certificado no puede ser futura.",
        );
    }
    if expires_on <= issued_on {
        errors.add(
            "expires_on",
            "La fecha de caducidad debe ser posterior a la de emisión.",
        );
    } else if expires_on < today {
        errors.add(
            "expires_on",
            "Esa fecha de caducidad ya pasó: un certificado caducado no se puede instalar.",
        );
    } else if issued_on
        .checked_add(Span::new().years(MAX_VALIDITY_YEARS))
        .is_ok_and(|limit| expires_on > limit)
    {
        errors.add(
            "expires_on",
            format!(
                "Revise el año: un certificado no tiene una vigencia de más de {MAX_VALIDITY_YEARS} años."
            ),
        );
    }
    errors.into_result()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jiff::civil::date;

    #[test]
    fn enums_round_trip_through_their_wire_words() {
        for s in CertificateState::ALL {
            assert_eq!(s.as_str().parse::<CertificateState>().unwrap(), *s);
            assert_eq!(serde_json::to_string(s).unwrap(), format!("\"{s}\""));
            assert!(!s.label().is_empty());
        }
        for m in Medium::ALL {
            assert_eq!(m.as_str().parse::<Medium>().unwrap(), *m);
        }
        for o in Ownership::ALL {
            assert_eq!(o.as_str().parse::<Ownership>().unwrap(), *o);
        }
        for r in ReminderKind::ALL {
            assert_eq!(r.as_str().parse::<ReminderKind>().unwrap(), *r);
            assert!(!r.advice().is_empty());
        }
        assert_eq!(
            CertificateState::DescargaVencida.as_str(),
            "descarga_vencida"
        );
        assert_eq!(Medium::Tarjeta.label(), "Tarjeta inteligente");
        assert_eq!(Ownership::Grc.label(), "Propiedad del GRC");
        let err = "usb".parse::<Medium>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "Valor no válido para el medio: «usb». Use pc, token o tarjeta."
        );
        assert!(CertificateState::Cancelado.is_final());
        assert!(!CertificateState::Instalado.is_final());
    }

    #[test]
    fn the_deadline_warning_starts_with_the_first_download_reminder() {
        assert_eq!(DEADLINE_WARNING_DAYS, ReminderKind::Download7.days_before());
        let today = date(2026, 11, 26);
        let pending = CertificateState::PendienteDescarga;
        let left = |d| download_days_left(today, pending, Some(d));
        assert_eq!(left(date(2026, 12, 4)), Some(8));
        assert!(!download_deadline_near(
            today,
            pending,
            Some(date(2026, 12, 4))
        ));
        assert!(download_deadline_near(
            today,
            pending,
            Some(date(2026, 12, 3))
        ));
        assert_eq!(left(date(2026, 11, 26)), Some(0));
        assert_eq!(left(date(2026, 11, 25)), None);
        assert_eq!(
            download_days_left(today, CertificateState::Instalado, Some(date(2026, 11, 30))),
            None
        );
        assert_eq!(download_days_left(today, pending, None), None);
    }

    #[test]
    fn the_download_deadline_is_thirty_calendar_days_after_the_delivery_email() {
        assert_eq!(download_deadline(date(2026, 11, 27)), date(2026, 12, 27));
        assert_eq!(download_deadline(date(2027, 2, 1)), date(2027, 3, 3));
        assert_eq!(download_deadline(Date::MAX), Date::MAX);
    }

    #[test]
    fn reminder_dates_are_30_15_10_days_before_expiry_and_7_2_before_the_deadline() {
        let list = reminder_dates(Some(date(2027, 3, 31)), Some(date(2027, 3, 20)));
        assert_eq!(
            list,
            [
                (ReminderKind::Expiry30, date(2027, 3, 1)),
                (ReminderKind::Download7, date(2027, 3, 13)),
                (ReminderKind::Expiry15, date(2027, 3, 16)),
                (ReminderKind::Download2, date(2027, 3, 18)),
                (ReminderKind::Expiry10, date(2027, 3, 21)),
            ]
        );
        assert!(reminder_dates(None, None).is_empty());
        assert_eq!(reminder_dates(Some(date(2027, 3, 31)), None).len(), 3);
    }

    #[test]
    fn certificate_states_follow_installation_deadline_expiry_and_cancellation() {
        let pending = CertificateFacts {
            delivery_sent_on: Some(date(2026, 11, 27)),
            expires_on: Some(date(2029, 11, 26)),
            ..Default::default()
        };
        assert_eq!(pending.download_deadline(), Some(date(2026, 12, 27)));
        assert_eq!(
            state_on(date(2026, 12, 27), &pending),
            CertificateState::PendienteDescarga
        );
        assert_eq!(
            state_on(date(2026, 12, 28), &pending),
            CertificateState::DescargaVencida
        );
        let installed = CertificateFacts {
            installed: true,
            ..pending
        };
        assert_eq!(
            state_on(date(2027, 6, 1), &installed),
            CertificateState::Instalado
        );
        assert_eq!(
            state_on(date(2029, 11, 26), &installed),
            CertificateState::Instalado
        );
        assert_eq!(
            state_on(date(2029, 11, 27), &installed),
            CertificateState::Caducado
        );
        let cancelled = CertificateFacts {
            cancelled: true,
            ..installed
        };
        assert_eq!(
            state_on(date(2027, 6, 1), &cancelled),
            CertificateState::Cancelado
        );
        assert_eq!(
            state_on(date(2027, 6, 1), &CertificateFacts::default()),
            CertificateState::PendienteDescarga
        );
    }

    #[test]
    fn an_installed_certificate_gets_each_expiry_reminder_when_due() {
        let e = Some(date(2027, 3, 31));
        let st = CertificateState::Instalado;
        assert!(due_reminders(date(2027, 2, 28), st, e, None, &[]).is_empty());
        assert_eq!(
            due_reminders(date(2027, 3, 1), st, e, None, &[]),
            [ReminderKind::Expiry30]
        );
        assert!(due_reminders(date(2027, 3, 2), st, e, None, &[ReminderKind::Expiry30]).is_empty());
        assert_eq!(
            due_reminders(date(2027, 3, 16), st, e, None, &[ReminderKind::Expiry30]),
            [ReminderKind::Expiry15]
        );
        assert!(due_reminders(date(2027, 4, 1), st, e, None, &[]).is_empty());
    }

    #[test]
    fn a_late_reminder_job_sends_only_the_latest_due_reminder_once() {
        let e = Some(date(2027, 3, 31));
        let st = CertificateState::Instalado;
        assert_eq!(
            due_reminders(date(2027, 3, 25), st, e, None, &[]),
            [ReminderKind::Expiry10]
        );
        assert!(
            due_reminders(date(2027, 3, 25), st, e, None, &[ReminderKind::Expiry10]).is_empty()
        );
    }

    #[test]
    fn download_reminders_go_only_to_pending_certificates() {
        let d = Some(date(2026, 12, 27));
        assert_eq!(
            due_reminders(
                date(2026, 12, 20),
                CertificateState::PendienteDescarga,
                None,
                d,
                &[]
            ),
            [ReminderKind::Download7]
        );
        assert_eq!(
            due_reminders(
                date(2026, 12, 25),
                CertificateState::PendienteDescarga,
                None,
                d,
                &[ReminderKind::Download7]
            ),
            [ReminderKind::Download2]
        );
        assert!(due_reminders(
            date(2026, 12, 25),
            CertificateState::Instalado,
            None,
            d,
            &[]
        )
        .is_empty());
        assert!(due_reminders(
            date(2026, 12, 25),
            CertificateState::PendienteDescarga,
            None,
            None,
            &[]
        )
        .is_empty());
        assert!(due_reminders(
            date(2026, 12, 20),
            CertificateState::Cancelado,
            Some(date(2027, 1, 1)),
            d,
            &[]
        )
        .is_empty());
    }

    #[test]
    fn names_are_the_same_holder_whatever_the_order_case_and_accents() {
        assert!(same_holder("Cabrera Llanos, María", "MARIA CABRERA LLANOS"));
        assert!(same_holder("Cabrera Llanos, María", "Cabrera, María"));
        assert!(!same_holder(
            "Quispe Huamán, Rosa Elena",
            "Cabrera Llanos, María"
        ));
        assert!(
            !same_holder("María", "Cabrera Llanos, María"),
            "one word says too little"
        );
        assert_eq!(fold("ÑUÑEZ Güemes, José"), "nunez guemes, jose");
    }

    #[test]
    fn typed_validity_dates_are_checked_field_by_field() {
        let today = jiff::civil::date(2026, 12, 2);
        let d = |y, m, day| jiff::civil::date(y, m, day);
        assert!(check_validity(today, d(2026, 12, 1), d(2028, 12, 1)).is_ok());
        let e = check_validity(today, d(2026, 12, 3), d(2026, 12, 3)).unwrap_err();
        assert!(e.contains("issued_on") && e.contains("expires_on"));
        let e = check_validity(today, d(2024, 1, 1), d(2026, 12, 1)).unwrap_err();
        assert!(e.get("expires_on").unwrap()[0].contains("ya pasó"));
        let e = check_validity(today, d(2026, 12, 1), d(2208, 12, 1)).unwrap_err();
        assert!(e.get("expires_on").unwrap()[0].contains("Revise el año"));
    }
}
