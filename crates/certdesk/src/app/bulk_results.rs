//! RENIEC's answers for a whole batch at once (issue 12). An uploaded results file (CSV or
//! XLSX, [`crate::sheets`]) becomes rows; each row is checked by `domain::reniec` and
//! matched with an applicant of the batch by DNI. [`preview`] shows every row as it stands
//! and changes nothing; [`apply`] records every row in one transaction through
//! `registry::record_result_in` — the one-by-one path, so history, notices and the
//! certificate registry follow exactly as they do for one answer — or, if any row is
//! wrong, records nothing.
//!
//! DNIs are personal data: nothing here logs a row.

use domain::{
    applicant::ApplicantStatus,
    ids::BatchId,
    reniec::{self, Answer, Checked, Entry, Verdict},
    validation::FieldErrors,
};

use super::{
    audit::{self, AuditEvent},
    auth, registry,
    tickets::Upload,
    App, AppError, AppResult,
};
use crate::{
    sheets,
    store::{
        batches::{self, Batch, Item},
        users::User,
        Conn, StoreError,
    },
};

/// The largest results file taken (a batch of hundreds of people is a few dozen kB).
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

/// The field of the form (and of the API's multipart body) that carries the file.
pub const FILE_FIELD: &str = "results";

/// Where a row of the file stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// It matches an applicant waiting for RENIEC's answer and says what to record.
    Ready,
    /// A person with no answer yet (blank result): left out.
    Skipped,
    /// Its DNI is no applicant's of this batch.
    Unmatched,
    /// Something in it is wrong (see its errors).
    Invalid,
}

impl RowState {
    /// The code the API answers.
    pub fn as_str(&self) -> &'static str {
        match self {
            RowState::Ready => "listo",
            RowState::Skipped => "sin_resultado",
            RowState::Unmatched => "no_coincide",
            RowState::Invalid => "con_errores",
        }
    }
}

/// One row of the file, checked and matched.
#[derive(Debug, Clone)]
pub struct Row {
    pub checked: Checked,
    /// The batch's applicant its DNI names, when one does.
    pub matched: Option<Item>,
    pub state: RowState,
    /// Every problem of the row, in Spanish (its own and the batch's).
    pub errors: Vec<String>,
}

impl Row {
    pub fn line(&self) -> u32 {
        self.checked.entry.line
    }

    /// What would be recorded, for a ready row.
    pub fn answer(&self) -> Option<&Answer> {
        self.checked.answer.as_ref()
    }
}

/// How many rows are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub rows: usize,
    pub ready: usize,
    pub approved: usize,
    pub rejected: usize,
    pub skipped: usize,
    pub unmatched: usize,
    pub invalid: usize,
}

/// The file's rows against a batch.
#[derive(Debug, Clone)]
pub struct Preview {
    pub batch: Batch,
    pub rows: Vec<Row>,
}

impl Preview {
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            rows: self.rows.len(),
            ..Counts::default()
        };
        for row in &self.rows {
            match row.state {
                RowState::Ready => {
                    c.ready += 1;
                    match row.checked.verdict {
                        Some(Verdict::Aprobado) => c.approved += 1,
                        Some(Verdict::Rechazado) => c.rejected += 1,
                        None => {}
                    }
                }
                RowState::Skipped => c.skipped += 1,
                RowState::Unmatched => c.unmatched += 1,
                RowState::Invalid => c.invalid += 1,
            }
        }
        c
    }

    /// True when applying would record every row: none is wrong and some say something.
    pub fn can_apply(&self) -> bool {
        let c = self.counts();
        c.ready > 0 && c.unmatched == 0 && c.invalid == 0
    }

    /// The rows as read, to be applied later exactly as previewed.
    pub fn entries(&self) -> Vec<Entry> {
        self.rows.iter().map(|r| r.checked.entry.clone()).collect()
    }

    /// Every failing row, keyed `results[<line>]`; or, when no row fails and none says
    /// anything, the file itself.
    pub fn errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        for row in &self.rows {
            for message in &row.errors {
                errors.add(&row_field(row.line()), message.clone());
            }
        }
        if errors.is_empty() && self.counts().ready == 0 {
            errors.add(
                FILE_FIELD,
                "Ninguna fila trae un resultado: escriba «aprobado» o «rechazado» en las filas de las personas que RENIEC respondió.",
            );
        }
        errors
    }
}

/// The error key of a row: `results[12]` is line 12 of the file.
pub fn row_field(line: u32) -> String {
    format!("{FILE_FIELD}[{line}]")
}

/// Reads an uploaded results file into rows: 422 on [`FILE_FIELD`] when there is no file,
/// it is too big, it is not a spreadsheet, or its header or rows are missing.
pub fn read_upload(upload: Option<&Upload>) -> AppResult<(sheets::Format, Vec<Entry>)> {
    let refuse = |message: String| AppError::field(FILE_FIELD, message);
    // A form sent with no file chosen carries an empty part without a name.
    let chosen = upload.filter(|u| {
        !u.bytes.is_empty() || u.file_name.as_deref().is_some_and(|n| !n.trim().is_empty())
    });
    let Some(upload) = chosen else {
        return Err(refuse(
            "Elija el archivo con los resultados de RENIEC (.xlsx o .csv).".into(),
        ));
    };
    if upload.bytes.len() > MAX_FILE_BYTES {
        return Err(refuse(format!(
            "El archivo pesa más de {} MB: cargue solo la hoja con los resultados.",
            MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    let (format, rows) =
        sheets::read(&upload.bytes, reniec::MAX_ROWS).map_err(|e| refuse(e.to_string()))?;
    let entries = reniec::entries(&rows).map_err(|e| refuse(e.to_string()))?;
    Ok((format, entries))
}

/// An uploaded results file for batch `id`: previewed (`dry_run`) or applied, as
/// [`preview`] and [`apply`] do, with the format it was read as (analysts; anyone else is
/// refused before the file is read).
pub async fn upload(
    app: &App,
    actor: &User,
    id: BatchId,
    upload: Option<&Upload>,
    dry_run: bool,
) -> AppResult<(sheets::Format, Preview)> {
    auth::require_analyst(actor)?;
    let (format, entries) = read_upload(upload)?;
    let preview = if dry_run {
        preview(app, actor, id, &entries).await?
    } else {
        apply(app, actor, id, &entries, format.as_str()).await?
    };
    Ok((format, preview))
}

/// Every item of the batch, in FIFO order.
async fn all_items(conn: &mut Conn, batch: &Batch) -> AppResult<Vec<Item>> {
    let mut items = Vec::new();
    let mut after = 0;
    loop {
        let page = batches::items(conn, batch.id, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.position;
        items.extend(page);
    }
    Ok(items)
}

/// Matches checked rows with the batch's items.
fn evaluate(checked: Vec<Checked>, items: &[Item]) -> Vec<Row> {
    checked
        .into_iter()
        .map(|checked| {
            let mut errors = checked.errors.clone();
            let mut matched = None;
            let mut unmatched = false;
            if let Some(dni) = &checked.dni {
                let candidates: Vec<&Item> = items.iter().filter(|i| &i.dni == dni).collect();
                let waiting: Vec<&&Item> = candidates
                    .iter()
                    .filter(|i| i.status.awaits_result())
                    .collect();
                match (candidates.as_slice(), waiting.as_slice()) {
                    ([], _) => {
                        unmatched = true;
                        errors.push("Este DNI no es de ningún solicitante de este lote.".into());
                    }
                    (_, [one]) => matched = Some((**one).clone()),
                    (_, []) => {
                        let first = candidates[0];
                        if checked.verdict.is_some() {
                            errors.push(already_recorded(first));
                        }
                        matched = Some(first.clone());
                    }
                    (_, many) => errors.push(format!(
                        "Este DNI está en {} solicitudes de este lote: registre sus resultados uno por uno en la página del lote.",
                        many.len()
                    )),
                }
            }
            let state = if unmatched {
                RowState::Unmatched
            } else if !errors.is_empty() {
                RowState::Invalid
            } else if checked.is_skipped() {
                RowState::Skipped
            } else {
                RowState::Ready
            };
            Row {
                checked,
                matched,
                state,
                errors,
            }
        })
        .collect()
}

fn already_recorded(item: &Item) -> String {
    match item.status {
        ApplicantStatus::Aprobado | ApplicantStatus::Rechazado => format!(
            "Ya se registró el resultado de {}: «{}». Quite esta fila.",
            item.full_name,
            item.status.label()
        ),
        other => format!(
            "{} no espera la respuesta de RENIEC (está «{}»).",
            item.full_name,
            other.label()
        ),
    }
}

/// The rows against the batch `id` as it is now; nothing is written (analysts).
pub async fn preview(
    app: &App,
    actor: &User,
    id: BatchId,
    entries: &[Entry],
) -> AppResult<Preview> {
    auth::require_analyst(actor)?;
    let checked = reniec::check(entries, app.today());
    let mut tx = app.store.read().await?;
    let batch = batches::by_id(&mut tx, id).await?;
    let items = all_items(&mut tx, &batch).await?;
    Ok(Preview {
        rows: evaluate(checked, &items),
        batch,
    })
}

/// Records every row's answer in one transaction, or none: any wrong or unmatched row, or
/// a file in which no row says anything, is a 422 with every failing row and nothing is
/// saved (analysts). `source` says where the rows came from (`csv`, `xlsx`), for the audit
/// log.
pub async fn apply(
    app: &App,
    actor: &User,
    id: BatchId,
    entries: &[Entry],
    source: &str,
) -> AppResult<Preview> {
    auth::require_analyst(actor)?;
    let now = app.now();
    let checked = reniec::check(entries, app.today());
    let mut tx = app.store.begin().await?;
    let batch = batches::by_id(&mut tx, id).await?;
    let items = all_items(&mut tx, &batch).await?;
    let preview = Preview {
        rows: evaluate(checked, &items),
        batch,
    };
    let errors = preview.errors();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    for row in &preview.rows {
        let (Some(item), Some(answer)) = (&row.matched, row.answer()) else {
            continue;
        };
        registry::record_result_in(app, &mut tx, actor, item.applicant_id, answer, now)
            .await
            .map_err(|e| match e {
                // Someone answered for this applicant after the rows were matched.
                AppError::Conflict(_) => AppError::Conflict(
                    "Otra persona registró resultados de este lote mientras tanto: no se guardó nada. Cargue el archivo de nuevo para revisarlo."
                        .into(),
                ),
                other => other,
            })?;
    }
    // One entry for the upload; each answer's history line is audited on its own.
    let c = preview.counts();
    audit::record(
        &mut tx,
        now,
        audit::Entry::new(
            AuditEvent::BulkResultsApplied,
            Some(&actor.id),
            format!("batch:{}", preview.batch.id),
        )
        .with_detail(serde_json::json!({
            "source": source,
            "rows": c.rows,
            "recorded": c.ready,
            "approved": c.approved,
            "rejected": c.rejected,
            "skipped": c.skipped,
        })),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(preview)
}

/// The rows of the template to fill in: each applicant of the batch still waiting for
/// RENIEC's answer, in FIFO order, with DNI, name and ticket and the answer's columns
/// empty (analysts).
pub async fn template(app: &App, actor: &User, id: BatchId) -> AppResult<(Batch, Vec<Item>)> {
    auth::require_analyst(actor)?;
    let mut tx = app.store.read().await?;
    let batch = batches::by_id(&mut tx, id).await?;
    let items = all_items(&mut tx, &batch)
        .await?
        .into_iter()
        .filter(|i| i.status.awaits_result())
        .collect();
    Ok((batch, items))
}
