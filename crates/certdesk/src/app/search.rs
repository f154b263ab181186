//! Finding tickets by number, DNI or name (SPEC "Tickets"; issue 11 "Find anything").
//!
//! What was typed is read word by word: `CD-2026-000123`, `2026-000123`, `2026-123` name a
//! ticket of that year; a word of 1 to 6 digits names ticket numbers of any year (`123` is
//! `CD-…-000123`); 7 or 8 digits are the start of a DNI; anything else is looked for in the
//! names (the applicants', the requester's, the certificate holder's), ignoring case and
//! accents. Every word must match. Requesters find only their own tickets; analysts and
//! admins find everyone's (or only their own, when they ask).

use domain::{
    ids::{TicketId, TicketNumber},
    ticket::{Kind, Status},
    validation::FieldErrors,
};

use super::{App, AppError, AppResult};
use crate::store::{
    tickets::{self, ApplicantBrief, PageAt, Term, Ticket, TicketSearch},
    users::User,
};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 100;
/// The most words a query may have.
pub const MAX_TERMS: usize = 6;

/// A search as typed: the query and the filters, each optional.
#[derive(Debug, Clone, Default)]
pub struct SearchInput<'a> {
    pub q: Option<&'a str>,
    pub status: Option<&'a str>,
    pub kind: Option<&'a str>,
    /// Only the actor's own tickets (requesters always get only theirs).
    pub mine: bool,
}

/// A search read and checked.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub terms: Vec<Term>,
    pub status: Option<Status>,
    pub kind: Option<Kind>,
    pub mine: bool,
}

impl Filter {
    /// Whether anything narrows the list.
    pub fn is_narrowed(&self) -> bool {
        !self.terms.is_empty() || self.status.is_some() || self.kind.is_some()
    }
}

fn blank_to_none(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// One word read into what it names.
pub fn term(word: &str) -> Term {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Ok(number) = TicketNumber::parse(word) {
        return Term::Number {
            year: Some(number.year()),
            seq: number.seq(),
        };
    }
    let bare = word
        .strip_prefix("CD-")
        .or_else(|| word.strip_prefix("cd-"))
        .unwrap_or(word);
    if let Some((year, seq)) = bare.split_once('-') {
        if year.len() == 4 && digits(year) && digits(seq) && seq.len() <= 6 {
            if let (Ok(year), Ok(seq)) = (year.parse::<i16>(), seq.parse::<u32>()) {
                return Term::Number {
                    year: Some(year),
                    seq,
                };
            }
        }
    }
    if digits(bare) && bare.len() <= 6 {
        if let Ok(seq) = bare.parse::<u32>() {
            return Term::Number { year: None, seq };
        }
    }
    if digits(word) && word.len() <= 8 {
        return Term::Dni(word.to_owned());
    }
    Term::Text(crate::store::fold(word))
}

/// Reads a search; every bad part is a field error (`q`, `status`, `kind`).
pub fn parse(input: &SearchInput<'_>) -> Result<Filter, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut terms = Vec::new();
    if let Some(q) = blank_to_none(input.q) {
        if q.chars().count() > MAX_QUERY_CHARS {
            errors.add(
                "q",
                format!("Escriba como máximo {MAX_QUERY_CHARS} caracteres."),
            );
        } else {
            let words: Vec<&str> = q
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| !w.is_empty())
                .collect();
            if words.len() > MAX_TERMS {
                errors.add(
                    "q",
                    format!("Escriba como máximo {MAX_TERMS} palabras: un número de trámite, un DNI o un nombre."),
                );
            } else {
                terms = words.into_iter().map(term).collect();
            }
        }
    }
    let status = blank_to_none(input.status).and_then(|s| {
        errors.check(
            "status",
            s.parse::<Status>()
                .map_err(|_| "Elija un estado de la lista."),
        )
    });
    let kind = blank_to_none(input.kind).and_then(|k| {
        errors.check(
            "kind",
            k.parse::<Kind>()
                .map_err(|_| "Elija un tipo de trámite de la lista."),
        )
    });
    if errors.is_empty() {
        Ok(Filter {
            terms,
            status,
            kind,
            mine: input.mine,
        })
    } else {
        Err(errors)
    }
}

/// A page of found tickets, newest first, with the applicants of each.
#[derive(Debug, Clone)]
pub struct Found {
    pub tickets: Vec<Ticket>,
    pub applicants: Vec<ApplicantBrief>,
    /// There are older matches after this page.
    pub has_older: bool,
    /// There are newer matches before this page.
    pub has_newer: bool,
}

impl Found {
    /// The applicants of one ticket of the page.
    pub fn applicants_of(&self, id: TicketId) -> impl Iterator<Item = &ApplicantBrief> {
        self.applicants.iter().filter(move |a| a.ticket_id == id)
    }
}

/// Finds tickets: the actor's own, or everyone's for analysts and admins who do not ask
/// for `mine`. One read snapshot.
pub async fn find(
    app: &App,
    actor: &User,
    filter: &Filter,
    at: PageAt,
    limit: i64,
) -> AppResult<Found> {
    let requester = (filter.mine || !actor.role.is_analyst()).then_some(actor.id);
    let search = TicketSearch {
        requester,
        statuses: filter.status.into_iter().collect(),
        kind: filter.kind,
        terms: filter.terms.clone(),
    };
    let mut tx = app.store.read().await?;
    // One more than asked tells whether there is another page that way.
    let mut tickets = tickets::search(&mut tx, &search, at, limit + 1).await?;
    let more = tickets.len() as i64 > limit;
    if more {
        match at {
            // Newest first: the extra one is the oldest when going back, the newest
            // when coming forward.
            PageAt::After(_) => {
                tickets.remove(0);
            }
            PageAt::First | PageAt::Before(_) => {
                tickets.pop();
            }
        }
    }
    let (has_older, has_newer) = match at {
        PageAt::First => (more, false),
        // Coming from a newer page, there are newer ones; going back from an older page,
        // there are older ones.
        PageAt::Before(_) => (more, true),
        PageAt::After(_) => (true, more),
    };
    let ids: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
    let applicants = tickets::applicant_briefs(&mut tx, &ids).await?;
    Ok(Found {
        tickets,
        applicants,
        has_older,
        has_newer,
    })
}

/// [`parse`] then [`find`], for callers that answer a validation error as such.
pub async fn parse_and_find(
    app: &App,
    actor: &User,
    input: &SearchInput<'_>,
    at: PageAt,
    limit: i64,
) -> AppResult<(Filter, Found)> {
    let filter = parse(input).map_err(AppError::Validation)?;
    let found = find(app, actor, &filter, at, limit).await?;
    Ok((filter, found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_name_numbers_dnis_or_names() {
        let number = |year, seq| Term::Number { year, seq };
        assert_eq!(term("CD-2026-000123"), number(Some(2026), 123));
        assert_eq!(term("cd-2026-000123"), number(Some(2026), 123));
        assert_eq!(term("2026-000123"), number(Some(2026), 123));
        assert_eq!(term("2026-123"), number(Some(2026), 123));
        assert_eq!(term("123"), number(None, 123));
        assert_eq!(term("000123"), number(None, 123));
        assert_eq!(term("41234567"), Term::Dni("41234567".into()));
        assert_eq!(term("4123456"), Term::Dni("4123456".into()));
        assert_eq!(term("Núñez"), Term::Text("nunez".into()));
        assert_eq!(term("CÁRDENAS"), Term::Text("cardenas".into()));
        assert_eq!(term("123456789"), Term::Text("123456789".into()));
    }

    #[test]
    fn bad_filters_and_long_queries_are_field_errors() {
        let errors = parse(&SearchInput {
            q: Some(&"a ".repeat(10)),
            status: Some("perdido"),
            kind: Some("otro"),
            mine: false,
        })
        .unwrap_err();
        for field in ["q", "status", "kind"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        let blank = parse(&SearchInput {
            q: Some("  "),
            status: Some(""),
            ..Default::default()
        })
        .unwrap();
        assert!(!blank.is_narrowed());
    }
}
