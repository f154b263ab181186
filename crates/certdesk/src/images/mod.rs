//! Uploaded images: sniffed, decoded within bounds, checked, and re-encoded for storage.
//!
//! This is the I/O-free edge between raw upload bytes and the pure checks in
//! `domain::images`: nothing here touches the disk or the database.
//!
//! - `decode`: bounds and decoding (a decompression bomb is refused from its header).
//! - `faces`: the embedded frontal face detector.
//! - here: the pipeline, downscaling and the stored re-encoding.
//!
//! Bounds: at most [`MAX_UPLOAD_BYTES`] bytes, [`MAX_DIMENSION`] pixels a side,
//! [`MAX_PIXELS`] pixels and [`MAX_DECODE_ALLOC`] bytes of decoded pixels. The dimensions are
//! read from the header first, so a bomb is refused before a single pixel is decoded; the
//! time and memory of one check are therefore bounded by those numbers (12 MP: ~135 ms and
//! ~35 MB; the largest accepted, 48 MP: ~250 ms and ~140 MB; see BENCHMARKS.md).
//!
//! Storage: every image is re-encoded as baseline JPEG (quality [`STORED_JPEG_QUALITY`]),
//! upright, at most [`STORED_MAX_SIDE`] pixels a side. Re-encoding drops EXIF (GPS, camera,
//! date), XMP, ICC and anything appended to the file. The original upload is not kept: no
//! RENIEC rule asks for it (the desk sends RENIEC a current frontal photo and the signature
//! image, not camera files), and it would keep the person's location. Signatures are JPEG too:
//! they are phone photos of paper, whose grain makes PNG 5–10 times larger for no visible gain.

mod decode;
mod faces;
mod metadata;

use std::io::Cursor;

use domain::images::{self as rules, ImageThresholds, PhotoFacts, Rgb8};
use image::codecs::jpeg::JpegEncoder;
use image::{GrayImage, ImageBuffer, Pixel, RgbImage};

pub use decode::{jpeg_is_complete, sniff};
pub use metadata::{strip_receipt_metadata, Unreadable};

/// Largest upload accepted for any one file.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Largest width or height accepted.
pub const MAX_DIMENSION: u32 = 8_000;
/// Largest number of pixels accepted (8000 × 6000: today's 48 MP phone cameras).
pub const MAX_PIXELS: u64 = 48_000_000;
/// Largest decoded buffer: 48 MP of 8-bit RGB is 144 MB; 16-bit or alpha images of that size
/// are refused rather than decoded.
pub const MAX_DECODE_ALLOC: u64 = 160 * 1024 * 1024;
/// Stored images fit in this many pixels a side: five times the 240 px minimum, more than
/// any screen or carné-size print at the desk needs, and it keeps storing fast (see
/// BENCHMARKS.md).
pub const STORED_MAX_SIDE: u32 = 1_200;
/// JPEG quality of stored images.
pub const STORED_JPEG_QUALITY: u8 = 90;
/// The thumbnail shown next to the ✓/✗ list fits in this many pixels a side.
pub const THUMBNAIL_MAX_SIDE: u32 = 320;

/// Why an image upload was refused: a Spanish message for the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ImageRejection(pub String);

/// What kind of image an upload is for (the checks differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImagePurpose {
    Photo,
    Signature,
}

/// One check shown to the person as ✓ or ✗.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// Stable code of the check, e.g. `photo.sharpness` (the same whether passed or not).
    pub code: &'static str,
    /// Spanish: what was checked (when passed) or what to do (when failed).
    pub message: String,
    pub passed: bool,
    /// When failed, the precise reason, e.g. `photo.exposure.too_dark`.
    pub reason: Option<&'static str>,
}

/// A decodable image with the verdict of every check that could be judged.
#[derive(Debug, Clone)]
pub struct CheckedImage {
    /// The bytes to store (re-encoded JPEG; no metadata).
    pub bytes: Vec<u8>,
    /// Their content type.
    pub mime: &'static str,
    /// Size of the stored image.
    pub width: u32,
    pub height: u32,
    /// Size of the upload (upright), before downscaling for storage.
    pub uploaded_width: u32,
    pub uploaded_height: u32,
    /// A small JPEG (fits [`THUMBNAIL_MAX_SIDE`]) to show beside the checks, e.g. as a
    /// `data:` URL when the form comes back with errors.
    pub thumbnail: Vec<u8>,
    /// Every check, passed or not, in the order to show them.
    pub checks: Vec<CheckOutcome>,
}

impl CheckedImage {
    /// The thumbnail as a `data:` URL (nothing is stored to show it), if there is one.
    pub fn thumbnail_url(&self) -> Option<String> {
        use base64::{engine::general_purpose::STANDARD, Engine};
        (!self.thumbnail.is_empty()).then(|| {
            format!(
                "data:image/jpeg;base64,{}",
                STANDARD.encode(&self.thumbnail)
            )
        })
    }

    /// The failed checks.
    pub fn problems(&self) -> Vec<&CheckOutcome> {
        self.checks.iter().filter(|c| !c.passed).collect()
    }

    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}

/// Decodes within the bounds (upright, 8-bit RGB) without judging the picture, e.g. to
/// accept a receipt photo. The error says what to do.
pub fn decode(bytes: &[u8]) -> Result<image::DynamicImage, ImageRejection> {
    decode::decode_rgb(bytes).map(image::DynamicImage::ImageRgb8)
}

/// Checks an upload for its purpose with the default thresholds.
///
/// `Err` only when the file cannot be used at all (not JPEG/PNG by content, damaged or cut
/// off, too many bytes or pixels). A picture that decodes comes back `Ok` even when checks
/// fail: see [`CheckedImage::passed`]. CPU-bound (~135 ms and ~35 MB for 12 MP): call it
/// from a blocking thread, a few at a time.
pub fn check(purpose: ImagePurpose, bytes: &[u8]) -> Result<CheckedImage, ImageRejection> {
    check_with(purpose, bytes, &ImageThresholds::default())
}

/// [`check`] with the given thresholds.
pub fn check_with(
    purpose: ImagePurpose,
    bytes: &[u8],
    thresholds: &ImageThresholds,
) -> Result<CheckedImage, ImageRejection> {
    let upright = decode::decode_rgb(bytes)?;
    let (uploaded_width, uploaded_height) = upright.dimensions();

    // The full-size pixels are dropped as soon as the stored copy exists.
    let stored = fit_image(upright, STORED_MAX_SIDE);
    let analysis = fit_ref(&stored, thresholds.analysis_max_side);
    let pixels = Rgb8::new(analysis.width(), analysis.height(), analysis.as_raw())
        .ok_or_else(decode::damaged)?;

    let results = match purpose {
        ImagePurpose::Photo => {
            let grey = GrayImage::from_raw(analysis.width(), analysis.height(), pixels.luma());
            let faces = grey.and_then(|grey| faces::count_faces(&grey, thresholds));
            rules::assess_photo(
                &PhotoFacts {
                    width: uploaded_width,
                    height: uploaded_height,
                    pixels,
                    faces,
                },
                thresholds,
            )
        }
        ImagePurpose::Signature => rules::assess_signature(pixels, thresholds),
    };

    let format_code = match purpose {
        ImagePurpose::Photo => "photo.format",
        ImagePurpose::Signature => "signature.format",
    };
    let mut checks = vec![CheckOutcome {
        code: format_code,
        message: "Imagen JPEG o PNG legible".into(),
        passed: true,
        reason: None,
    }];
    checks.extend(results.into_iter().map(|result| match result.problem {
        None => CheckOutcome {
            code: result.check.code(),
            message: result.check.label().into(),
            passed: true,
            reason: None,
        },
        Some(problem) => CheckOutcome {
            code: result.check.code(),
            message: problem.message,
            passed: false,
            reason: Some(problem.code),
        },
    }));

    let thumbnail = encode_jpeg(&fit_ref(&analysis, THUMBNAIL_MAX_SIDE), 80)?;
    Ok(CheckedImage {
        bytes: encode_jpeg(&stored, STORED_JPEG_QUALITY)?,
        mime: "image/jpeg",
        width: stored.width(),
        height: stored.height(),
        uploaded_width,
        uploaded_height,
        thumbnail,
        checks,
    })
}

/// Baseline JPEG without any metadata segment.
fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, ImageRejection> {
    let mut out = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .map_err(|_| decode::damaged())?;
    Ok(out.into_inner())
}

/// The size that fits `width × height` into `max_side` a side, keeping the aspect (never
/// upscaling, never below 1 px).
pub(crate) fn fit(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= max_side || max_side == 0 {
        return (width, height);
    }
    let scale = |side: u32| {
        ((u64::from(side) * u64::from(max_side) + u64::from(longest) / 2) / u64::from(longest))
            .max(1) as u32
    };
    (scale(width), scale(height))
}

fn fit_image(image: RgbImage, max_side: u32) -> RgbImage {
    let (width, height) = fit(image.width(), image.height(), max_side);
    if (width, height) == image.dimensions() {
        image
    } else {
        downscale(&image, width, height)
    }
}

fn fit_ref(image: &RgbImage, max_side: u32) -> RgbImage {
    let (width, height) = fit(image.width(), image.height(), max_side);
    if (width, height) == image.dimensions() {
        image.clone()
    } else {
        downscale(image, width, height)
    }
}

/// Area-averaging (box) downscale: each output pixel is the mean of the block of input pixels
/// it covers. One sequential pass over the input with integer sums, several times faster than
/// `image::imageops::thumbnail` (float, per pixel), which took a third of a 12 MP check.
/// Only shrinks: a target larger than the input on either side returns the input unchanged.
pub(crate) fn downscale<P>(
    image: &ImageBuffer<P, Vec<u8>>,
    width: u32,
    height: u32,
) -> ImageBuffer<P, Vec<u8>>
where
    P: Pixel<Subpixel = u8> + 'static,
{
    let (src_w, src_h) = (image.width() as usize, image.height() as usize);
    let (dst_w, dst_h) = (width as usize, height as usize);
    if dst_w == 0 || dst_h == 0 || dst_w > src_w || dst_h > src_h {
        return image.clone();
    }
    let out = match P::CHANNEL_COUNT {
        1 => box_downscale::<1>(image.as_raw(), src_w, src_h, dst_w, dst_h),
        3 => box_downscale::<3>(image.as_raw(), src_w, src_h, dst_w, dst_h),
        4 => box_downscale::<4>(image.as_raw(), src_w, src_h, dst_w, dst_h),
        _ => None,
    };
    out.and_then(|out| ImageBuffer::from_raw(width, height, out))
        .unwrap_or_else(|| image::imageops::thumbnail(image, width, height))
}

/// [`downscale`] on raw rows of `C` channels. `None` when the input is not `src_w × src_h`
/// pixels, or a block is so large that its sum could overflow (never at our ratios: 12 MP →
/// 1200 px is 4×4 blocks).
fn box_downscale<const C: usize>(
    src: &[u8],
    src_w: usize,
    src_h: usize,
    dst_w: usize,
    dst_h: usize,
) -> Option<Vec<u8>> {
    let block = (src_w / dst_w + 1) * (src_h / dst_h + 1);
    if src.len() != src_w * src_h * C || block > (u32::MAX / 255) as usize {
        return None;
    }
    // Input column range of every output column.
    let columns: Vec<(usize, usize)> = (0..dst_w)
        .map(|ox| (ox * src_w / dst_w, (ox + 1) * src_w / dst_w))
        .collect();
    let row_len = src_w * C;
    let mut out = Vec::with_capacity(dst_w * dst_h * C);
    // Column sums of the input rows under one output row: adding whole rows is a flat loop
    // the compiler vectorises; the horizontal sums then run once per output row.
    let mut acc = vec![0u32; row_len];
    for oy in 0..dst_h {
        let (y0, y1) = (oy * src_h / dst_h, (oy + 1) * src_h / dst_h);
        acc.fill(0);
        for row in src[y0 * row_len..y1 * row_len].chunks_exact(row_len) {
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += u32::from(v);
            }
        }
        let rows = (y1 - y0) as u32;
        for &(x0, x1) in &columns {
            let mut sum = [0u32; C];
            for px in acc[x0 * C..x1 * C].chunks_exact(C) {
                for (s, &a) in sum.iter_mut().zip(px) {
                    *s += a;
                }
            }
            let n = (x1 - x0) as u32 * rows;
            out.extend(sum.iter().map(|&s| ((s + n / 2) / n) as u8));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
