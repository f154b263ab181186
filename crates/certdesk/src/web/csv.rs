//! CSV downloads for people: UTF-8 with a byte-order mark (so that spreadsheets read
//! "Emisión" as written), one header row of Spanish words, then the rows.

use axum::{
    http::header,
    response::{IntoResponse, Response},
};

/// A CSV file being written in memory.
pub struct Sheet {
    writer: csv::Writer<Vec<u8>>,
    failed: bool,
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

impl Sheet {
    /// A file with this header row.
    pub fn new(headers: &[&str]) -> Self {
        let mut sheet = Sheet {
            writer: csv::Writer::from_writer(BOM.to_vec()),
            failed: false,
        };
        sheet.failed = sheet.writer.write_record(headers).is_err();
        sheet
    }

    /// Adds a row.
    pub fn row(&mut self, cells: &[String]) -> Result<(), super::error::PageError> {
        self.writer.write_record(cells).map_err(|e| {
            super::error::PageError::from(crate::app::AppError::Internal(anyhow::Error::new(e)))
        })
    }

    /// The bytes, BOM first.
    pub fn into_bytes(self) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(!self.failed, "writing the CSV header failed");
        self.writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The download, named `file_name`.
    pub fn into_response(self, file_name: &str) -> Result<Response, super::error::PageError> {
        let bytes = self
            .into_bytes()
            .map_err(|e| super::error::PageError::from(crate::app::AppError::Internal(e)))?;
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response())
    }
}
