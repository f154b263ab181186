//! RENIEC's answers (SPEC "After RENIEC"): what an answer for one applicant is, and the
//! results file in which a whole batch's answers arrive — its columns, the words and dates
//! people and spreadsheets write, and the checks on each row.
//!
//! Pure: the application reads the file (CSV or XLSX) into rows of text cells, hands them
//! here, and matches the checked rows with the applicants of a batch. One set of rules for
//! the answer itself ([`approved`], [`rejected`]) serves the one-by-one form and the file.

use std::collections::HashMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{
    certificate::fold,
    identity::Dni,
    validation::{parse_date, DateError},
};

/// RENIEC's answer for one applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Approved; the date RENIEC sent the DCDelivery e-mail.
    Approved { delivery_sent_on: Date },
    /// Rejected, with RENIEC's reason.
    Rejected { reason: String },
}

/// The longest reason kept (RENIEC's reasons are a sentence or two).
pub const MAX_REASON_CHARS: usize = 1000;

/// Why an answer was refused; [`AnswerError::field`] names the input it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("La fecha del correo de DCDelivery no puede ser futura.")]
    FutureDelivery,
    #[error("Escriba el motivo que indicó RENIEC.")]
    NoReason,
    #[error("El motivo puede tener hasta {MAX_REASON_CHARS} caracteres.")]
    ReasonTooLong,
}

impl AnswerError {
    /// The field of the one-by-one form (and of the API) the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            AnswerError::FutureDelivery => "delivery_sent_on",
            AnswerError::NoReason | AnswerError::ReasonTooLong => "reason",
        }
    }
}

/// An approval: the DCDelivery e-mail was sent on `delivery_sent_on`, which cannot be after
/// `today` (Lima's date).
pub fn approved(delivery_sent_on: Date, today: Date) -> Result<Answer, AnswerError> {
    if delivery_sent_on > today {
        return Err(AnswerError::FutureDelivery);
    }
    Ok(Answer::Approved { delivery_sent_on })
}

/// A rejection with RENIEC's reason, trimmed; it must say something.
pub fn rejected(reason: &str) -> Result<Answer, AnswerError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AnswerError::NoReason);
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(AnswerError::ReasonTooLong);
    }
    Ok(Answer::Rejected {
        reason: reason.to_owned(),
    })
}

/// Approved or rejected, as a results file says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Aprobado,
    Rechazado,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Aprobado => "aprobado",
            Verdict::Rechazado => "rechazado",
        }
    }
}

/// Words read as "approved" once folded (case and accents ignored).
const APPROVED_WORDS: &[&str] = &[
    "aprobado", "aprobada", "aprobo", "aceptado", "aceptada", "conforme", "approved",
];

/// Words read as "rejected" once folded.
const REJECTED_WORDS: &[&str] = &[
    "rechazado",
    "rechazada",
    "rechazo",
    "denegado",
    "denegada",
    "desaprobado",
    "desaprobada",
    "no aprobado",
    "no aprobada",
    "rejected",
];

/// Text folded for comparison: accents and case ignored, anything but letters and digits
/// read as one space, trimmed.
fn words(text: &str) -> String {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The verdict a cell writes: `Ok(None)` when blank. «Aprobado», «APROBADA», «rechazó»,
/// «Denegado» and the like are understood.
pub fn parse_verdict(text: &str) -> Result<Option<Verdict>, String> {
    let folded = words(text);
    if folded.is_empty() {
        return Ok(None);
    }
    if APPROVED_WORDS.contains(&folded.as_str()) {
        Ok(Some(Verdict::Aprobado))
    } else if REJECTED_WORDS.contains(&folded.as_str()) {
        Ok(Some(Verdict::Rechazado))
    } else {
        let shown: String = text.trim().chars().take(40).collect();
        Err(format!(
            "Escriba «aprobado» o «rechazado» en el resultado (dice «{shown}»)."
        ))
    }
}

/// Why a date in a results file was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetDateError {
    #[error("Escriba la fecha como dd/mm/aaaa (por ejemplo, 08/12/2026) o AAAA-MM-DD.")]
    Format,
    #[error("La fecha no existe en el calendario. Revise el día y el mes.")]
    NotARealDate,
    #[error("Revise el año de la fecha: es anterior a 2000.")]
    TooOld,
}

/// The first day a results file may name: anything earlier is a typing mistake.
const FIRST_YEAR: i16 = 2000;

/// Excel's serial for 2000-01-01 and its largest (9999-12-31), in the 1900 date system.
const SERIAL_2000: f64 = 36526.0;
const SERIAL_MAX: f64 = 2_958_465.0;

/// The date of an Excel serial number in the 1900 date system (days since 1899-12-30 for
/// every date after February 1900), ignoring the time of day. None outside 2000–9999.
pub fn date_from_excel_serial(serial: f64) -> Option<Date> {
    if !serial.is_finite() || !(SERIAL_2000..=SERIAL_MAX + 0.999_999).contains(&serial) {
        return None;
    }
    // Checked by the range above: a whole number of days that fits an i32.
    let days = serial.floor() as i32;
    jiff::civil::date(1899, 12, 30)
        .checked_add(jiff::Span::new().days(days))
        .ok()
}

/// A date as a results file writes it: `08/12/2026` (also `8/12/2026`, `08-12-2026`,
/// `08.12.2026`, `08/12/26`), `2026-12-08`, either followed by a time, or an Excel serial
/// number (`46364`). `Ok(None)` when blank.
pub fn parse_sheet_date(text: &str) -> Result<Option<Date>, SheetDateError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // A time after the date ("2026-12-08 10:15:00", "2026-12-08T10:15") is not needed.
    let day = text
        .split(|c: char| c.is_whitespace() || c == 'T')
        .next()
        .unwrap_or(text);
    if day.len() == 10 && day.as_bytes()[4] == b'-' {
        return match parse_date(day) {
            Ok(date) if date.year() < FIRST_YEAR => Err(SheetDateError::TooOld),
            Ok(date) => Ok(Some(date)),
            Err(DateError::NotARealDate) => Err(SheetDateError::NotARealDate),
            Err(DateError::TooOld) => Err(SheetDateError::TooOld),
            Err(_) => Err(SheetDateError::Format),
        };
    }
    let parts: Vec<&str> = day.split(['/', '-', '.']).collect();
    if let [d, m, y] = parts.as_slice() {
        let digits = |s: &str, lens: &[usize]| {
            lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !(digits(d, &[1, 2]) && digits(m, &[1, 2]) && digits(y, &[2, 4])) {
            return Err(SheetDateError::Format);
        }
        let (Ok(d), Ok(m), Ok(mut y)) = (d.parse::<i8>(), m.parse::<i8>(), y.parse::<i16>()) else {
            return Err(SheetDateError::Format);
        };
        if y < 100 {
            y += 2000;
        }
        if y < FIRST_YEAR {
            return Err(SheetDateError::TooOld);
        }
        return Date::new(y, m, d)
            .map(Some)
            .map_err(|_| SheetDateError::NotARealDate);
    }
    // An Excel serial number: what a date cell holds, and what a date column shows once
    // its cells lose their date format.
    let numeric = !day.is_empty()
        && day.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && day.bytes().filter(|b| *b == b'.').count() <= 1;
    if numeric {
        if let Ok(serial) = day.parse::<f64>() {
            return date_from_excel_serial(serial)
                .map(Some)
                .ok_or(SheetDateError::Format);
        }
    }
    Err(SheetDateError::Format)
}

/// A DNI as a results file writes it. Spreadsheets read `05222222` as the number 5222222
/// and drop the zero; fewer than 8 digits are read with zeros in front.
pub fn parse_sheet_dni(text: &str) -> Result<Dni, crate::identity::DniError> {
    let text = text.trim();
    if !text.is_empty() && text.len() < 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Dni::parse(&format!("{text:0>8}"));
    }
    Dni::parse(text)
}

/// The columns of the template, in order. Reading needs only DNI and Resultado (and the
/// date or the reason where a row needs them); the others help the person filling it in.
pub const TEMPLATE_COLUMNS: [&str; 6] = [
    "DNI",
    "Apellidos y nombres",
    "Trámite",
    "Resultado",
    "Fecha del correo de DCDelivery",
    "Motivo del rechazo",
];

/// Where the columns a results file needs are (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    pub dni: usize,
    pub result: usize,
    pub delivery: Option<usize>,
    pub reason: Option<usize>,
}

/// What a header cell names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Dni,
    Result,
    Delivery,
    Reason,
}

impl Column {
    fn title(self) -> &'static str {
        match self {
            Column::Dni => "DNI",
            Column::Result => "Resultado",
            Column::Delivery => "Fecha del correo de DCDelivery",
            Column::Reason => "Motivo del rechazo",
        }
    }

    /// The column a header names: its title or a usual variant («N° DNI», «Fecha de
    /// DCDelivery», «Motivo»…), case and accents ignored; None for any other column.
    fn of(header: &str) -> Option<Column> {
        let folded = words(header);
        let has = |w: &str| folded.split(' ').any(|x| x == w);
        if has("fecha") || has("dcdelivery") || has("date") || folded == "delivery sent on" {
            Some(Column::Delivery)
        } else if has("motivo") || has("razon") || has("observacion") || has("reason") {
            Some(Column::Reason)
        } else if has("resultado") || has("respuesta") || has("result") {
            Some(Column::Result)
        } else if has("dni") || folded == "documento" || folded == "numero de documento" {
            Some(Column::Dni)
        } else {
            None
        }
    }
}

/// Why a results file cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("El archivo está vacío: descargue la plantilla del lote, complete el resultado de cada persona y cárguela.")]
    Empty,
    #[error("La primera fila debe tener los títulos de las columnas (DNI, Resultado, Fecha del correo de DCDelivery, Motivo del rechazo), como en la plantilla. Falta: {}.", .0.join(", "))]
    MissingColumns(Vec<&'static str>),
    #[error("La columna «{0}» aparece más de una vez en la primera fila: deje una sola.")]
    RepeatedColumn(&'static str),
    #[error("El archivo no tiene filas debajo de los títulos.")]
    NoRows,
    #[error("El archivo tiene más de {MAX_ROWS} filas: divídalo en partes.")]
    TooManyRows,
}

/// The most data rows a results file may have (a batch is dozens or hundreds of people).
pub const MAX_ROWS: usize = 2000;

impl Columns {
    /// The columns a header row names.
    pub fn find(header: &[String]) -> Result<Columns, FileError> {
        let mut found: HashMap<&'static str, usize> = HashMap::new();
        for (i, cell) in header.iter().enumerate() {
            if let Some(column) = Column::of(cell) {
                if found.insert(column.title(), i).is_some() {
                    return Err(FileError::RepeatedColumn(column.title()));
                }
            }
        }
        let get = |c: Column| found.get(c.title()).copied();
        match (get(Column::Dni), get(Column::Result)) {
            (Some(dni), Some(result)) => Ok(Columns {
                dni,
                result,
                delivery: get(Column::Delivery),
                reason: get(Column::Reason),
            }),
            (dni, result) => Err(FileError::MissingColumns(
                [(dni, Column::Dni), (result, Column::Result)]
                    .into_iter()
                    .filter(|(at, _)| at.is_none())
                    .map(|(_, c)| c.title())
                    .collect(),
            )),
        }
    }
}

/// One row of a results file: its line (as the spreadsheet numbers it) and the texts of
/// the columns that matter. This is also what the preview page hands back to be applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub line: u32,
    pub dni: String,
    pub result: String,
    #[serde(default)]
    pub delivery: String,
    #[serde(default)]
    pub reason: String,
}

impl Entry {
    fn is_blank(&self) -> bool {
        [&self.dni, &self.result, &self.delivery, &self.reason]
            .iter()
            .all(|c| c.trim().is_empty())
    }
}

/// The rows under the header: `rows` are (line, cells), the header first; blank rows are
/// left out.
pub fn entries(rows: &[(u32, Vec<String>)]) -> Result<Vec<Entry>, FileError> {
    let mut rows = rows
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let (_, header) = rows.next().ok_or(FileError::Empty)?;
    let columns = Columns::find(header)?;
    let cell = |cells: &[String], at: Option<usize>| {
        at.and_then(|i| cells.get(i))
            .map(|c| c.trim().to_owned())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for (line, cells) in rows {
        let entry = Entry {
            line: *line,
            dni: cell(cells, Some(columns.dni)),
            result: cell(cells, Some(columns.result)),
            delivery: cell(cells, columns.delivery),
            reason: cell(cells, columns.reason),
        };
        if entry.is_blank() {
            continue;
        }
        if out.len() == MAX_ROWS {
            return Err(FileError::TooManyRows);
        }
        out.push(entry);
    }
    if out.is_empty() {
        return Err(FileError::NoRows);
    }
    Ok(out)
}

/// A row checked on its own and against the other rows (not yet against a batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub entry: Entry,
    pub dni: Option<Dni>,
    pub verdict: Option<Verdict>,
    pub delivery_sent_on: Option<Date>,
    /// RENIEC's reason, when the row is a rejection.
    pub reason: Option<String>,
    /// What would be recorded: present when the row has a verdict and no errors.
    pub answer: Option<Answer>,
    /// Spanish messages, for people.
    pub errors: Vec<String>,
}

impl Checked {
    /// A row with a DNI and nothing else: the person has no answer yet, so the row is left
    /// out (the template lists everyone; RENIEC may answer for some of them).
    pub fn is_skipped(&self) -> bool {
        self.errors.is_empty() && self.verdict.is_none()
    }
}

/// Checks every row: the DNI, the verdict and what it needs (a DCDelivery date not after
/// `today`, or a reason), and DNIs repeated in the file.
pub fn check(entries: &[Entry], today: Date) -> Vec<Checked> {
    let mut first_line: HashMap<Dni, u32> = HashMap::new();
    entries
        .iter()
        .map(|entry| {
            let mut errors = Vec::new();
            let dni = if entry.dni.trim().is_empty() {
                errors.push("Falta el DNI.".to_owned());
                None
            } else {
                match parse_sheet_dni(&entry.dni) {
                    Ok(dni) => Some(dni),
                    Err(e) => {
                        errors.push(e.to_string());
                        None
                    }
                }
            };
            if let Some(dni) = &dni {
                match first_line.get(dni) {
                    Some(first) => errors.push(format!(
                        "Este DNI ya está en la fila {first}: deje una sola fila por persona."
                    )),
                    None => {
                        first_line.insert(dni.clone(), entry.line);
                    }
                }
            }
            let verdict = match parse_verdict(&entry.result) {
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    None
                }
            };
            let delivery_sent_on = match parse_sheet_date(&entry.delivery) {
                Ok(d) => d,
                Err(e) => {
                    if verdict != Some(Verdict::Rechazado) {
                        errors.push(e.to_string());
                    }
                    None
                }
            };
            let reason = Some(entry.reason.trim().to_owned()).filter(|r| !r.is_empty());
            let answer = match verdict {
                Some(Verdict::Aprobado) => match delivery_sent_on {
                    None if entry.delivery.trim().is_empty() => {
                        errors.push(
                            "Aprobado: escriba la fecha del correo de DCDelivery.".to_owned(),
                        );
                        None
                    }
                    None => None,
                    Some(date) => approved(date, today)
                        .map_err(|e| errors.push(e.to_string()))
                        .ok(),
                },
                Some(Verdict::Rechazado) => rejected(&entry.reason)
                    .map_err(|e| {
                        errors.push(match e {
                            AnswerError::NoReason => {
                                "Rechazado: escriba el motivo que indicó RENIEC.".to_owned()
                            }
                            other => other.to_string(),
                        })
                    })
                    .ok(),
                None if entry.result.trim().is_empty()
                    && (delivery_sent_on.is_some() || reason.is_some()) =>
                {
                    errors.push("Indique el resultado: aprobado o rechazado.".to_owned());
                    None
                }
                None => None,
            };
            Checked {
                entry: entry.clone(),
                dni,
                verdict,
                delivery_sent_on: delivery_sent_on.filter(|_| verdict != Some(Verdict::Rechazado)),
                reason: reason.filter(|_| verdict == Some(Verdict::Rechazado)),
                answer: answer.filter(|_| errors.is_empty()),
                errors,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 12, 9);

    fn row(line: u32, dni: &str, result: &str, delivery: &str, reason: &str) -> Entry {
        Entry {
            line,
            dni: dni.into(),
            result: result.into(),
            delivery: delivery.into(),
            reason: reason.into(),
        }
    }

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn verdicts_are_read_whatever_the_case_and_accents() {
        for word in ["aprobado", "APROBADO", " Aprobada ", "Aprobó", "aceptado"] {
            assert_eq!(parse_verdict(word), Ok(Some(Verdict::Aprobado)), "{word}");
        }
        for word in [
            "rechazado",
            "RECHAZADA",
            "Rechazó",
            "denegado",
            "No aprobado",
        ] {
            assert_eq!(parse_verdict(word), Ok(Some(Verdict::Rechazado)), "{word}");
        }
        assert_eq!(parse_verdict("  "), Ok(None));
        let err = parse_verdict("pendiente").unwrap_err();
        assert!(err.contains("«pendiente»"), "{err}");
    }

    #[test]
    fn dates_are_read_as_reniec_and_spreadsheets_write_them() {
        let d = Some(date(2026, 12, 8));
        for text in [
            "08/12/2026",
            "8/12/2026",
            "08-12-2026",
            "08.12.2026",
            "08/12/26",
            "2026-12-08",
            "2026-12-08 10:15:00",
            "2026-12-08T10:15:00",
            "08/12/2026 10:15",
            "46364",
            "46364.4375",
        ] {
            assert_eq!(parse_sheet_date(text), Ok(d), "{text}");
        }
        assert_eq!(parse_sheet_date(""), Ok(None));
        assert_eq!(
            parse_sheet_date("31/02/2026"),
            Err(SheetDateError::NotARealDate)
        );
        assert_eq!(parse_sheet_date("12/08/1999"), Err(SheetDateError::TooOld));
        assert_eq!(
            parse_sheet_date("8 de diciembre"),
            Err(SheetDateError::Format)
        );
        assert_eq!(parse_sheet_date("20261208"), Err(SheetDateError::Format));
        assert_eq!(parse_sheet_date("15"), Err(SheetDateError::Format));
    }

    #[test]
    fn excel_serials_count_days_from_the_end_of_1899() {
        assert_eq!(date_from_excel_serial(36526.0), Some(date(2000, 1, 1)));
        assert_eq!(date_from_excel_serial(45658.0), Some(date(2025, 1, 1)));
        assert_eq!(
            date_from_excel_serial(2_958_465.0),
            Some(date(9999, 12, 31))
        );
        assert_eq!(date_from_excel_serial(100.0), None);
        assert_eq!(date_from_excel_serial(f64::NAN), None);
    }

    #[test]
    fn dnis_that_lost_their_leading_zeros_get_them_back() {
        assert_eq!(parse_sheet_dni("5222222").unwrap().as_str(), "05222222");
        assert_eq!(parse_sheet_dni(" 41111111 ").unwrap().as_str(), "41111111");
        assert!(parse_sheet_dni("411111112").is_err());
        assert!(parse_sheet_dni("4111111A").is_err());
    }

    #[test]
    fn the_header_names_its_columns_in_any_order_and_usual_spelling() {
        let cols = Columns::find(&strings(&[
            "Motivo",
            "N° DNI",
            "Nombre",
            "RESULTADO",
            "Fecha DCDelivery",
        ]))
        .unwrap();
        assert_eq!(
            cols,
            Columns {
                dni: 1,
                result: 3,
                delivery: Some(4),
                reason: Some(0)
            }
        );
        let cols = Columns::find(&strings(&TEMPLATE_COLUMNS)).unwrap();
        assert_eq!(
            (cols.dni, cols.result, cols.delivery, cols.reason),
            (0, 3, Some(4), Some(5))
        );
        assert_eq!(
            Columns::find(&strings(&["Nombre", "Resultado"])),
            Err(FileError::MissingColumns(vec!["DNI"]))
        );
        assert_eq!(
            Columns::find(&strings(&["DNI", "Resultado", "resultado"])),
            Err(FileError::RepeatedColumn("Resultado"))
        );
    }

    #[test]
    fn entries_skip_blank_rows_and_need_a_header_and_rows() {
        let rows = vec![
            (1, strings(&["", ""])),
            (2, strings(&["DNI", "Resultado", "Fecha"])),
            (3, strings(&["41111111", "aprobado", "08/12/2026"])),
            (4, strings(&["", " ", ""])),
            (5, strings(&["42222222"])),
        ];
        let got = entries(&rows).unwrap();
        assert_eq!(
            got,
            vec![
                row(3, "41111111", "aprobado", "08/12/2026", ""),
                row(5, "42222222", "", "", "")
            ]
        );
        assert_eq!(entries(&[]), Err(FileError::Empty));
        assert_eq!(
            entries(&[(1, strings(&["DNI", "Resultado"]))]),
            Err(FileError::NoRows)
        );
        let many: Vec<(u32, Vec<String>)> = std::iter::once((1, strings(&["DNI", "Resultado"])))
            .chain((2..=(MAX_ROWS as u32 + 2)).map(|l| (l, strings(&["41111111", ""]))))
            .collect();
        assert_eq!(entries(&many), Err(FileError::TooManyRows));
    }

    #[test]
    fn rows_are_checked_each_with_every_problem() {
        let checked = check(
            &[
                row(2, "41111111", "Aprobado", "08/12/2026", ""),
                row(3, "42222222", "rechazado", "", "Foto no válida"),
                row(4, "43333333", "", "", ""),
                row(5, "41111111", "aprobado", "", ""),
                row(6, "4444", "rechazado", "", ""),
                row(7, "45555555", "aprobado", "10/12/2026", ""),
                row(8, "", "", "08/12/2026", ""),
                row(9, "46666666", "quizá", "", ""),
            ],
            TODAY,
        );
        assert_eq!(
            checked[0].answer,
            Some(Answer::Approved {
                delivery_sent_on: date(2026, 12, 8)
            })
        );
        assert_eq!(
            checked[1].answer,
            Some(Answer::Rejected {
                reason: "Foto no válida".into()
            })
        );
        assert!(checked[2].is_skipped());
        assert_eq!(checked[3].errors.len(), 2, "{:?}", checked[3].errors);
        assert!(checked[3].errors[0].contains("fila 2"));
        assert!(checked[3].errors[1].contains("fecha"));
        assert_eq!(checked[4].dni.as_ref().map(Dni::as_str), Some("00004444"));
        assert!(
            checked[4].errors[0].contains("motivo"),
            "{:?}",
            checked[4].errors
        );
        assert_eq!(
            checked[5].errors,
            vec![AnswerError::FutureDelivery.to_string()]
        );
        assert_eq!(checked[6].errors.len(), 2, "{:?}", checked[6].errors);
        assert!(checked[7].errors[0].contains("«quizá»"));
        for c in &checked[3..] {
            assert!(c.answer.is_none() && !c.is_skipped(), "{c:?}");
        }
    }

    #[test]
    fn answers_need_a_past_date_or_a_reason() {
        assert!(approved(TODAY, TODAY).is_ok());
        assert_eq!(
            approved(date(2026, 12, 10), TODAY),
            Err(AnswerError::FutureDelivery)
        );
        assert_eq!(rejected("  "), Err(AnswerError::NoReason));
        assert_eq!(
            rejected(&"x".repeat(MAX_REASON_CHARS + 1)),
            Err(AnswerError::ReasonTooLong)
        );
        assert_eq!(
            rejected(" Foto ").unwrap(),
            Answer::Rejected {
                reason: "Foto".into()
            }
        );
    }
}
