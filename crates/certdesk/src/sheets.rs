//! Spreadsheets people upload and download: an uploaded CSV or XLSX read into rows of text
//! cells, and a small XLSX written for them to fill in. What the cells mean is the domain's
//! business (`domain::reniec`); this module only turns bytes into text and back.
//!
//! Uploads are bounded before anything is parsed: in bytes (the caller's limit), in rows
//! and cells, and for an XLSX (a ZIP) in the sizes its entries declare once unpacked, so a
//! small file cannot unfold into gigabytes. The format is told by content (a ZIP is an XLSX,
//! an old OLE file is an `.xls`, anything else must be text), not by the file's name. CSV text
//! is UTF-8 (with or without a BOM) or, failing that, Windows-1252, which is what Excel in
//! Spanish saves as «CSV (delimitado por comas)»; the delimiter is the commonest of `,` `;`
//! and tab in the first line. Must not depend on `web` or `store`.

use std::{collections::BTreeMap, io::Cursor};

use calamine::{DataRef, Reader, Xlsx};

/// One row of a sheet: its number as the spreadsheet shows it (1-based) and its cells.
pub type Row = (u32, Vec<String>);

/// Cells read from one sheet at most: plenty for a few thousand rows of a few columns.
const MAX_CELLS: usize = 200_000;
/// Columns read from the left; anything further right is not ours.
const MAX_COLUMNS: u32 = 64;
/// The most an XLSX may unpack to, by what its entries declare.
const MAX_UNPACKED_BYTES: u64 = 32 * 1024 * 1024;

/// Why an upload could not be read as a spreadsheet (Spanish, for people).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("El archivo está vacío.")]
    Empty,
    #[error("Es un archivo de Excel antiguo (.xls): ábralo y guárdelo como «Libro de Excel (.xlsx)» o como CSV.")]
    OldExcel,
    #[error("No pudimos leer el archivo como Excel (.xlsx). Ábralo y guárdelo de nuevo como .xlsx, o como CSV.")]
    BadXlsx,
    #[error("El archivo no es una hoja de cálculo: cargue un .xlsx o un .csv.")]
    NotASheet,
    #[error("El archivo tiene demasiadas celdas: cargue solo la hoja con los resultados, de a lo más {max} filas.")]
    TooBig { max: usize },
    #[error("No pudimos leer el CSV: revise las comillas de la fila {0}.")]
    BadCsv(u64),
}

/// The format an upload was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn as_str(&self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// The rows of an upload's first sheet (an XLSX's first worksheet, or the CSV), without
/// rows that have no cell at all; at most `max_rows` non-blank rows.
pub fn read(bytes: &[u8], max_rows: usize) -> Result<(Format, Vec<Row>), SheetError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SheetError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes, max_rows).map(|rows| (Format::Xlsx, rows));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(SheetError::OldExcel);
    }
    read_csv(bytes, max_rows).map(|rows| (Format::Csv, rows))
}

fn read_xlsx(bytes: &[u8], max_rows: usize) -> Result<Vec<Row>, SheetError> {
    // What the entries declare once unpacked, before any of them is inflated.
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| SheetError::BadXlsx)?;
    let mut unpacked: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|_| SheetError::BadXlsx)?;
        unpacked = unpacked.saturating_add(entry.size());
    }
    if unpacked > MAX_UNPACKED_BYTES {
        return Err(SheetError::TooBig { max: max_rows });
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| SheetError::BadXlsx)?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or(SheetError::BadXlsx)?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| SheetError::BadXlsx)?;
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut read = 0usize;
    while let Some(cell) = cells.next_cell().map_err(|_| SheetError::BadXlsx)? {
        read += 1;
        if read > MAX_CELLS {
            return Err(SheetError::TooBig { max: max_rows });
        }
        let (row, col) = cell.get_position();
        let text = cell_text(cell.get_value());
        if col >= MAX_COLUMNS || text.trim().is_empty() {
            continue;
        }
        // The header and `max_rows` rows, and one more to tell that there are too many.
        if !rows.contains_key(&row) && rows.len() > max_rows + 1 {
            return Err(SheetError::TooBig { max: max_rows });
        }
        let line = rows.entry(row).or_default();
        let col = col as usize;
        if line.len() <= col {
            line.resize(col + 1, String::new());
        }
        line[col] = text;
    }
    Ok(rows
        .into_iter()
        .map(|(row, cells)| (row.saturating_add(1), cells))
        .collect())
}

/// A cell as text: numbers without a needless `.0` (a DNI read as a number), dates as
/// `AAAA-MM-DD`, errors as Excel shows them (`#N/A`).
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        DataRef::DateTime(dt) => number_text(dt.as_f64()),
        DataRef::Error(e) => e.to_string(),
    }
}

fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        // Whole and well inside i64: the conversion is exact.
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

fn read_csv(bytes: &[u8], max_rows: usize) -> Result<Vec<Row>, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) || bytes.starts_with(b"%PDF") {
        return Err(SheetError::NotASheet);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    };
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .filter(|d| first_line.as_bytes().contains(d))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut cells = 0usize;
    for record in reader.records() {
        let record =
            record.map_err(|e| SheetError::BadCsv(e.position().map_or(0, csv::Position::line)))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        cells += record.len();
        if rows.len() > max_rows + 1 || cells > MAX_CELLS {
            return Err(SheetError::TooBig { max: max_rows });
        }
        // The line the record starts on. The reader's position is where the previous
        // record's terminator began, blank lines and all: skip those, count the rest.
        let at = record.position().map_or(0, |p| p.byte());
        let mut start = usize::try_from(at).unwrap_or(usize::MAX).min(text.len());
        let all = text.as_bytes();
        while start < all.len() && matches!(all[start], b'\r' | b'\n') {
            start += 1;
        }
        let newlines = all[..start].iter().filter(|b| **b == b'\n').count();
        let line = u32::try_from(newlines + 1).unwrap_or(u32::MAX);
        rows.push((
            line,
            record
                .iter()
                .take(MAX_COLUMNS as usize)
                .map(str::to_owned)
                .collect(),
        ));
    }
    Ok(rows)
}

/// A one-sheet workbook for people to fill in: a bold header, then `rows` as text cells
/// (so DNIs keep their leading zeros). `dates` is the column whose cells are dates
/// (`dd/mm/aaaa` once typed), `choices` a column with its allowed words.
pub struct Template<'a> {
    pub sheet: &'a str,
    pub headers: &'a [&'a str],
    pub widths: &'a [f64],
    pub rows: Vec<Vec<String>>,
    pub dates: Option<u16>,
    pub choices: Option<(u16, &'a [&'a str])>,
}

impl Template<'_> {
    /// The XLSX bytes.
    pub fn to_xlsx(&self) -> anyhow::Result<Vec<u8>> {
        use rust_xlsxwriter::{DataValidation, Format as Cell, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(self.sheet)?;
        let bold = Cell::new().set_bold();
        let text = Cell::new().set_num_format("@");
        for (col, title) in self.headers.iter().enumerate() {
            let col = u16::try_from(col)?;
            sheet.write_string_with_format(0, col, *title, &bold)?;
            if let Some(width) = self.widths.get(usize::from(col)) {
                sheet.set_column_width(col, *width)?;
            }
            if Some(col) != self.dates {
                sheet.set_column_format(col, &text)?;
            }
        }
        if let Some(col) = self.dates {
            sheet.set_column_format(col, &Cell::new().set_num_format("dd/mm/yyyy"))?;
        }
        let last_row = u32::try_from(self.rows.len().max(1) + 200)?;
        if let Some((col, words)) = self.choices {
            let rule = DataValidation::new()
                .allow_list_strings(words)?
                .ignore_blank(true);
            sheet.add_data_validation(1, col, last_row, col, &rule)?;
        }
        for (i, cells) in self.rows.iter().enumerate() {
            let row = u32::try_from(i + 1)?;
            for (col, value) in cells.iter().enumerate() {
                if !value.is_empty() {
                    sheet.write_string_with_format(row, u16::try_from(col)?, value, &text)?;
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(book.save_to_buffer()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn csv_reads_utf8_or_windows_1252_with_the_delimiter_of_its_first_line() {
        let (format, rows) = read(
            "\u{feff}DNI;Resultado;Motivo\r\n41111111;rechazado;\"Foto; sin firma\"\r\n\r\n42222222;aprobado;\n"
                .as_bytes(),
            10,
        )
        .unwrap();
        assert_eq!(format, Format::Csv);
        assert_eq!(
            rows,
            vec![
                (1, strings(&["DNI", "Resultado", "Motivo"])),
                (2, strings(&["41111111", "rechazado", "Foto; sin firma"])),
                (4, strings(&["42222222", "aprobado", ""])),
            ]
        );
        // «Fotografía» saved by Excel as Windows-1252.
        let latin = b"DNI,Motivo\n41111111,Fotograf\xeda borrosa\n";
        let (_, rows) = read(latin, 10).unwrap();
        assert_eq!(rows[1].1[1], "Fotografía borrosa");
    }

    #[test]
    fn what_is_not_a_sheet_is_refused_before_parsing() {
        assert_eq!(read(b"  \n", 10), Err(SheetError::Empty));
        assert_eq!(
            read(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0], 10),
            Err(SheetError::OldExcel)
        );
        assert_eq!(read(b"PK\x03\x04garbage", 10), Err(SheetError::BadXlsx));
        assert_eq!(read(b"%PDF-1.7\n", 10), Err(SheetError::NotASheet));
        let many = "DNI\n".to_owned() + &"41111111\n".repeat(20);
        assert_eq!(
            read(many.as_bytes(), 10),
            Err(SheetError::TooBig { max: 10 })
        );
    }

    #[test]
    fn an_xlsx_reads_back_as_text_cells_with_dates_and_numbers_as_people_wrote_them() {
        use rust_xlsxwriter::{ExcelDateTime, Format as Cell, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "DNI").unwrap();
        sheet.write_string(0, 2, "Fecha").unwrap();
        sheet.write_number(1, 0, 5_222_222.0).unwrap();
        let date = ExcelDateTime::from_ymd(2026, 12, 8).unwrap();
        sheet
            .write_datetime_with_format(1, 2, &date, &Cell::new().set_num_format("dd/mm/yyyy"))
            .unwrap();
        sheet.write_number(3, 0, 46364.5).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let (format, rows) = read(&bytes, 10).unwrap();
        assert_eq!(format, Format::Xlsx);
        assert_eq!(
            rows,
            vec![
                (1, strings(&["DNI", "", "Fecha"])),
                (2, strings(&["5222222", "", "2026-12-08"])),
                (4, strings(&["46364.5"])),
            ]
        );
    }

    #[test]
    fn the_template_reads_back_as_written() {
        let template = Template {
            sheet: "Resultados",
            headers: &["DNI", "Resultado", "Fecha"],
            widths: &[12.0, 14.0, 14.0],
            rows: vec![strings(&["05222222", "", ""])],
            dates: Some(2),
            choices: Some((1, &["aprobado", "rechazado"])),
        };
        let (_, rows) = read(&template.to_xlsx().unwrap(), 10).unwrap();
        assert_eq!(
            rows,
            vec![
                (1, strings(&["DNI", "Resultado", "Fecha"])),
                (2, strings(&["05222222"]))
            ]
        );
    }
}
