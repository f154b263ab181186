//! Bounded decoding: sniff the content, read the header, refuse what is too big or broken,
//! and only then decode, upright, to 8-bit RGB.
//!
//! Nothing here judges the picture; it only decides whether there is a picture to judge.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};

use super::{ImageRejection, MAX_DECODE_ALLOC, MAX_DIMENSION, MAX_PIXELS, MAX_UPLOAD_BYTES};

/// Sniffs the format from the bytes (never the file name): JPEG or PNG only.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some("image/jpeg") => Some(ImageFormat::Jpeg),
        Some("image/png") => Some(ImageFormat::Png),
        _ => None,
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits
}

pub(super) fn damaged() -> ImageRejection {
    ImageRejection(
        "La imagen está dañada o incompleta y no se puede abrir. Tómela o expórtela de nuevo \
         y vuelva a subirla."
            .into(),
    )
}

fn too_big(width: u32, height: u32) -> ImageRejection {
    ImageRejection(format!(
        "La imagen mide {width}×{height} píxeles, demasiado para procesarla (máximo {MAX_DIMENSION} \
         píxeles por lado y {} megapíxeles). Redúzcala o tómela con menor resolución.",
        MAX_PIXELS / 1_000_000
    ))
}

fn too_big_unknown() -> ImageRejection {
    ImageRejection(format!(
        "La imagen es demasiado grande para procesarla (máximo {MAX_DIMENSION} píxeles por lado \
         y {} megapíxeles). Redúzcala o tómela con menor resolución.",
        MAX_PIXELS / 1_000_000
    ))
}

/// Decodes within the bounds, applies the EXIF orientation and returns upright RGB pixels
/// (transparent areas over white). The error says what to do.
pub fn decode_rgb(bytes: &[u8]) -> Result<RgbImage, ImageRejection> {
    if bytes.is_empty() {
        return Err(ImageRejection(
            "El archivo está vacío. Elija la imagen de nuevo.".into(),
        ));
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(ImageRejection(format!(
            "El archivo pesa más de {} MB. Tome la foto con menor resolución o redúzcala.",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        )));
    }
    let Some(format) = sniff(bytes) else {
        return Err(ImageRejection(
            "El archivo no es una imagen JPEG ni PNG (aunque su nombre lo diga). Súbala como \
             foto JPG o PNG."
                .into(),
        ));
    };
    // The JPEG decoder is lenient: it fills a cut-off file with grey instead of failing.
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(damaged());
    }

    // Only the header is read here (allocation-bounded, but without the size limits, so that
    // the message can say the size); the bounds are checked before any pixel is decoded.
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut header_limits = Limits::default();
    header_limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(|err| match err {
        image::ImageError::Limits(_) => too_big_unknown(),
        _ => damaged(),
    })?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(damaged());
    }
    if width > MAX_DIMENSION
        || height > MAX_DIMENSION
        || u64::from(width) * u64::from(height) > MAX_PIXELS
        || decoder.total_bytes() > MAX_DECODE_ALLOC
    {
        return Err(too_big(width, height));
    }
    decoder
        .set_limits(limits())
        .map_err(|_| too_big(width, height))?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|err| match err {
        image::ImageError::Limits(_) => too_big(width, height),
        _ => damaged(),
    })?;
    image.apply_orientation(orientation);
    Ok(to_rgb_over_white(image))
}

/// 8-bit RGB; transparent pixels are laid over white paper (a transparent PNG signature
/// would otherwise turn black).
fn to_rgb_over_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return match image {
            DynamicImage::ImageRgb8(rgb) => rgb,
            other => other.to_rgb8(),
        };
    }
    let rgba = image.to_rgba8();
    let (width, height) = rgba.dimensions();
    let mut data = Vec::with_capacity(width as usize * height as usize * 3);
    for px in rgba.pixels() {
        let [r, g, b, a] = px.0;
        let a = u32::from(a);
        for c in [r, g, b] {
            data.push(((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    // The buffer has exactly width × height × 3 bytes, so this cannot fail; fall back to a
    // plain conversion rather than panic.
    RgbImage::from_raw(width, height, data).unwrap_or_else(|| DynamicImage::from(rgba).to_rgb8())
}

/// Whether a JPEG's marker structure is whole: it reaches a scan and, after it, the end-of-image
/// marker. Segments before the first scan are skipped by their lengths (so an EXIF thumbnail's
/// own end marker does not count); inside entropy-coded data a marker byte is always escaped.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut pos = 2;
    let mut in_scan = false;
    loop {
        if in_scan {
            // Find the next marker that is not a stuffed 0xFF00 or a restart marker.
            loop {
                let Some(offset) = bytes
                    .get(pos..)
                    .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
                else {
                    return false;
                };
                pos += offset;
                match bytes.get(pos + 1) {
                    None => return false,
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => pos += 1,
                    Some(_) => break,
                }
            }
            in_scan = false;
        }
        // Skip fill bytes before a marker.
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        if bytes.get(pos) != Some(&0xFF) {
            return false;
        }
        let Some(&marker) = bytes.get(pos + 1) else {
            return false;
        };
        match marker {
            0xD9 => return true,
            0xD0..=0xD7 | 0x01 => pos += 2,
            _ => {
                let Some(len) = bytes
                    .get(pos + 2..pos + 4)
                    .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
                else {
                    return false;
                };
                if len < 2 {
                    return false;
                }
                pos += 2 + len;
                if pos > bytes.len() {
                    return false;
                }
                in_scan = marker == 0xDA;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jpeg_without_its_end_marker_is_incomplete() {
        let whole: &[u8] = &[
            0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD9,
        ];
        assert!(jpeg_is_complete(whole));
        for cut in 0..whole.len() {
            assert!(!jpeg_is_complete(&whole[..cut]), "cut at {cut}");
        }
    }

    #[test]
    fn an_end_marker_inside_an_exif_segment_does_not_count() {
        // APP1 segment (length 6) holding FF D9, then a scan that never ends.
        let bytes: &[u8] = &[
            0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0xFF, 0xD9, 0xFF, 0xDA, 0x00, 0x02,
            0x12, 0x34,
        ];
        assert!(!jpeg_is_complete(bytes));
    }

    #[test]
    fn restart_markers_and_stuffed_bytes_do_not_end_a_scan() {
        let bytes: &[u8] = &[
            0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD0, 0xFF, 0x00, 0xFF, 0xFF, 0xD9,
        ];
        assert!(jpeg_is_complete(bytes));
    }

    #[test]
    fn transparent_pixels_become_white_paper() {
        let rgba = image::RgbaImage::from_raw(2, 1, vec![0, 0, 255, 255, 0, 0, 0, 0]).unwrap();
        let rgb = to_rgb_over_white(DynamicImage::ImageRgba8(rgba));
        assert_eq!(rgb.into_raw(), vec![0, 0, 255, 255, 255, 255]);
    }
}
