//! certdesk's rules (SPEC.md), pure: no I/O, no clock reads, no database, no web.
//! The application crate decides nothing on its own; it asks these modules.
//!
//! - [`ids`]: typed ids and the ticket number `CD-2026-000123`.
//! - [`identity`]: DNI (+ check character), RUC, institutional e-mail, person names.
//! - [`money`]: amounts as integer céntimos; `"8.10"` parsed exactly.
//! - [`role`]: solicitante, analista, admin.
//! - [`validation`]: field errors collected all at once; strict dates and texts.
//! - [`access`]: the public access-request form and its statuses.
//! - [`applicant`]: the applicant form of emision/reemision tickets, all fields checked at once.
//! - [`payment`]: payment receipts: fee, tribute code, channel, operation number; their settings.
//! - [`phone`]: Peruvian phone numbers (mobile, or landline with its area code).
//! - [`ticket`]: kinds, the reasons catalogue (payment rule, RFC 5280 code), statuses,
//!   transitions, and the events of a ticket's history.
//! - [`schedule`]: Lima time, cut-offs, holidays (Easter-based), the 10-day rule, dispatch time.
//! - [`images`]: photo and signature checks on decoded pixels, thresholds, Spanish reasons.
//! - [`certificate`]: certificate states, download deadline, reminder dates.
//! - [`reniec`]: RENIEC's answer for an applicant, and the results file of a whole batch.
//! - [`notice`]: the notices sent by e-mail and in the app, and which are always mailed.
//! - [`audit`]: audit event codes and the hash chain.
//! - [`report`]: the reports' period, Lima weeks, percentile ranks and look-ahead windows.
//! - [`settings`]: the settings admins change at run time, typed, with their defaults.
//! - [`text`]: how long free text may be (comments, lines, any field), one Spanish message.
//! - [`word`]: closed sets of words (kinds, statuses, roles…) with their stored names.

pub mod access;
pub mod applicant;
pub mod audit;
pub mod certificate;
pub mod identity;
pub mod ids;
pub mod images;
pub mod money;
pub mod notice;
pub mod payment;
pub mod phone;
pub mod reniec;
pub mod report;
pub mod role;
pub mod schedule;
pub mod settings;
pub mod text;
pub mod ticket;
pub mod validation;
pub mod word;
