//! The search box, filters and pager shared by "Mis trámites" (`/tramites`) and the
//! analysts' search (`/analista/buscar`): a GET form (`q`, `estado`, `tipo`) and keyset
//! pages (`antes`, `despues`), read by `app::search`.

use domain::{
    ticket::{Kind, Status},
    validation::FieldErrors,
};

use super::{page_cursor, summary_of, SummaryItem};
use crate::{
    app::{
        search::{self, Filter, Found, SearchInput},
        AppError,
    },
    store::tickets::PageAt,
    web::error::PageResult,
};

/// What the search form sends.
#[derive(Debug, Default, serde::Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub estado: Option<String>,
    pub tipo: Option<String>,
    pub antes: Option<String>,
    pub despues: Option<String>,
}

/// An option of a filter.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The form as the page shows it again: the values kept, each field's errors.
pub struct SearchForm {
    /// The path the form and the pager point at.
    pub action: &'static str,
    pub q: String,
    pub statuses: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub errors: FieldErrors,
    pub summary: Vec<SummaryItem>,
    /// Anything narrows the list.
    pub narrowed: bool,
    pub newer_href: Option<String>,
    pub older_href: Option<String>,
    /// The first page with the same search (when this is not it).
    pub first_href: Option<String>,
}

/// The page's field of each of the use case's fields.
fn page_field(field: &str) -> &'static str {
    match field {
        "status" => "estado",
        "kind" => "tipo",
        _ => "q",
    }
}

fn label_of(field: &str) -> &'static str {
    match field {
        "estado" => "Estado",
        "tipo" => "Tipo",
        _ => "Buscar",
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl SearchQuery {
    /// Where this page starts; a cursor that is not ours is the Spanish 400 page.
    pub fn page_at(&self) -> PageResult<PageAt> {
        if let Some(id) = page_cursor(self.antes.as_deref())? {
            return Ok(PageAt::Before(id));
        }
        if let Some(id) = page_cursor(self.despues.as_deref())? {
            return Ok(PageAt::After(id));
        }
        Ok(PageAt::First)
    }

    /// The search as the use case reads it.
    pub fn input(&self, mine: bool) -> SearchInput<'_> {
        SearchInput {
            q: non_empty(&self.q),
            status: non_empty(&self.estado),
            kind: non_empty(&self.tipo),
            mine,
        }
    }

    /// A link to a page of this search.
    fn href(&self, action: &str, cursor: Option<(&str, String)>) -> String {
        let mut params: Vec<(&str, &str)> = Vec::new();
        for (name, value) in [
            ("q", &self.q),
            ("estado", &self.estado),
            ("tipo", &self.tipo),
        ] {
            if let Some(v) = non_empty(value) {
                params.push((name, v));
            }
        }
        if let Some((name, value)) = &cursor {
            params.push((name, value));
        }
        match serde_urlencoded::to_string(&params) {
            Ok(query) if !query.is_empty() => format!("{action}?{query}"),
            _ => action.to_owned(),
        }
    }
}

/// Runs the search: the found page, or (bad input) no tickets and the form's errors.
pub async fn run(
    app: &crate::app::App,
    actor: &crate::store::users::User,
    query: &SearchQuery,
    mine: bool,
    limit: i64,
) -> PageResult<(Option<Found>, FieldErrors)> {
    let at = query.page_at()?;
    match search::parse_and_find(app, actor, &query.input(mine), at, limit).await {
        Ok((_, found)) => Ok((Some(found), FieldErrors::new())),
        Err(AppError::Validation(errors)) => {
            let mut page_errors = FieldErrors::new();
            for (field, messages) in errors.iter() {
                for m in messages {
                    page_errors.add(page_field(field), m.clone());
                }
            }
            Ok((None, page_errors))
        }
        Err(err) => Err(err.into()),
    }
}

/// The form and the pager for `found` (None: the search was refused).
pub fn form(
    action: &'static str,
    query: &SearchQuery,
    found: Option<&Found>,
    errors: FieldErrors,
) -> SearchForm {
    let filter: Filter = search::parse(&query.input(false)).unwrap_or_default();
    let status = non_empty(&query.estado);
    let kind = non_empty(&query.tipo);
    let statuses = Status::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str(),
            label: s.label(),
            selected: status == Some(s.as_str()),
        })
        .collect();
    let kinds = Kind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str(),
            label: k.label(),
            selected: kind == Some(k.as_str()),
        })
        .collect();
    let (newer_href, older_href) = match found {
        Some(f) => (
            f.has_newer
                .then(|| f.tickets.first())
                .flatten()
                .map(|t| query.href(action, Some(("despues", t.id.to_string())))),
            f.has_older
                .then(|| f.tickets.last())
                .flatten()
                .map(|t| query.href(action, Some(("antes", t.id.to_string())))),
        ),
        None => (None, None),
    };
    let not_first = non_empty(&query.antes).is_some() || non_empty(&query.despues).is_some();
    let summary = summary_of(&errors, |field| label_of(field).to_owned());
    SearchForm {
        action,
        q: query.q.clone().unwrap_or_default(),
        statuses,
        kinds,
        narrowed: filter.is_narrowed() || status.is_some() || kind.is_some(),
        errors,
        summary,
        newer_href,
        older_href,
        first_href: not_first.then(|| query.href(action, None)),
    }
}
