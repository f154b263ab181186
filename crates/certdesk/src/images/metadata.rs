//! Metadata out of receipts, without re-encoding them: a receipt is a document kept as
//! sent (its pixels are not checked, and re-encoding a scan would blur its small print),
//! but a phone photo of one carries the place it was taken (Exif GPS), the camera and the
//! time, and editors add XMP, IPTC and comments. Those segments (JPEG) and chunks (PNG) are
//! dropped; the compressed pixels are copied byte for byte. Kept: what decoding needs (JFIF,
//! the ICC colour profile, Adobe's colour transform) and, for a JPEG whose Exif said the
//! photo is turned, a new Exif block holding only that orientation, so it still shows
//! upright. PDFs are not touched here: they are served as downloads instead.
//!
//! Pure: bytes in, bytes out.

use bytes::Bytes;
use img_parts::{jpeg::Jpeg, png::Png, ImageEXIF};

/// APPn markers and the comment marker of JPEG.
const APP0: u8 = 0xE0;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const APP15: u8 = 0xEF;
const COM: u8 = 0xFE;

/// PNG chunks that hold text or metadata rather than pixels.
const PNG_METADATA: [&[u8; 4]; 5] = [b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"];

/// Why a receipt's metadata could not be taken out: the file is not a well-formed JPEG or
/// PNG (a Spanish message for the person).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

/// The receipt without its metadata. `mime` is what the bytes were sniffed as; anything
/// but JPEG and PNG comes back unchanged.
pub fn strip_receipt_metadata(bytes: &[u8], mime: &str) -> Result<Vec<u8>, Unreadable> {
    match mime {
        "image/jpeg" => strip_jpeg(bytes),
        "image/png" => strip_png(bytes),
        _ => Ok(bytes.to_vec()),
    }
}

fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, Unreadable> {
    let mut jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes)).map_err(|_| {
        Unreadable(
            "La constancia en JPEG está dañada o incompleta. Vuelva a tomar la foto o a \
             escanearla."
                .into(),
        )
    })?;
    let orientation = jpeg
        .exif()
        .and_then(|exif| image::metadata::Orientation::from_exif_chunk(&exif))
        .map(image::metadata::Orientation::to_exif)
        .filter(|&o| o != 1);
    jpeg.segments_mut().retain(|segment| {
        let marker = segment.marker();
        let contents = segment.contents();
        match marker {
            APP0 => true,
            APP2 => contents.starts_with(b"ICC_PROFILE\0"),
            APP14 => contents.starts_with(b"Adobe"),
            m if (APP0..=APP15).contains(&m) || m == COM => false,
            _ => true,
        }
    });
    if let Some(orientation) = orientation {
        jpeg.set_exif(Some(orientation_only_exif(orientation)));
    }
    Ok(jpeg.encoder().bytes().to_vec())
}

/// An Exif block (TIFF, big-endian) whose only entry is the orientation tag.
fn orientation_only_exif(orientation: u8) -> Bytes {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // header, IFD0 at offset 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one value
    tiff.extend_from_slice(&u16::from(orientation).to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // padding of the 4-byte value field
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    Bytes::from(tiff)
}

fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, Unreadable> {
    let mut png = Png::from_bytes(Bytes::copy_from_slice(bytes)).map_err(|_| {
        Unreadable("La constancia en PNG está dañada o incompleta. Vuelva a generarla.".into())
    })?;
    png.chunks_mut()
        .retain(|chunk| !PNG_METADATA.contains(&&chunk.kind()));
    Ok(png.encoder().bytes().to_vec())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A small JPEG made here, with an Exif block holding `gps` and an orientation, an XMP
    /// block and a comment put in after its JFIF segment.
    fn jpeg_with_metadata(orientation: u8) -> Vec<u8> {
        let pixels =
            image::RgbImage::from_fn(32, 16, |x, y| image::Rgb([x as u8 * 8, y as u8 * 16, 128]));
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
            .encode_image(&pixels)
            .unwrap();
        let mut jpeg = Jpeg::from_bytes(Bytes::from(plain)).unwrap();
        let mut exif = orientation_only_exif(orientation).to_vec();
        exif.extend_from_slice(b"GPSLatitude -7.1638 GPSLongitude -78.5003");
        jpeg.set_exif(Some(Bytes::from(exif)));
        let xmp = img_parts::jpeg::JpegSegment::new_with_contents(
            0xE1,
            Bytes::from_static(b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Cajamarca</x:xmpmeta>"),
        );
        let comment = img_parts::jpeg::JpegSegment::new_with_contents(
            COM,
            Bytes::from_static(b"iPhone de Ana"),
        );
        jpeg.segments_mut().insert(1, xmp);
        jpeg.segments_mut().insert(1, comment);
        jpeg.encoder().bytes().to_vec()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_loses_gps_xmp_and_comments_and_keeps_its_pixels_and_orientation() {
        let original = jpeg_with_metadata(6);
        assert!(contains(&original, b"GPSLatitude"));
        let stripped = strip_receipt_metadata(&original, "image/jpeg").unwrap();
        for secret in [&b"GPSLatitude"[..], b"Cajamarca", b"iPhone de Ana"] {
            assert!(!contains(&stripped, secret));
        }
        let before = image::load_from_memory(&original).unwrap().to_rgb8();
        let after = image::load_from_memory(&stripped).unwrap().to_rgb8();
        assert_eq!(before, after, "the same pixels, not re-encoded");
        let mut decoder =
            image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(&stripped)).unwrap();
        use image::ImageDecoder;
        assert_eq!(
            decoder.orientation().unwrap(),
            image::metadata::Orientation::Rotate90,
            "still shown upright"
        );
        // Stripping again changes nothing.
        assert_eq!(
            strip_receipt_metadata(&stripped, "image/jpeg").unwrap(),
            stripped
        );
    }

    #[test]
    fn an_upright_jpeg_keeps_no_exif_at_all() {
        let stripped = strip_receipt_metadata(&jpeg_with_metadata(1), "image/jpeg").unwrap();
        assert!(!contains(&stripped, b"Exif\0\0"));
        assert!(image::load_from_memory(&stripped).is_ok());
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        let pixels = image::RgbImage::from_fn(8, 8, |x, _| image::Rgb([x as u8 * 30, 0, 0]));
        let mut plain = Vec::new();
        pixels
            .write_to(
                &mut std::io::Cursor::new(&mut plain),
                image::ImageFormat::Png,
            )
            .unwrap();
        let mut png = Png::from_bytes(Bytes::from(plain)).unwrap();
        let text =
            img_parts::png::PngChunk::new(*b"tEXt", Bytes::from_static(b"Author\0Ana Perez"));
        let exif = img_parts::png::PngChunk::new(*b"eXIf", Bytes::from_static(b"MM\0*GPS"));
        png.chunks_mut().insert(1, text);
        png.chunks_mut().insert(1, exif);
        let original = png.encoder().bytes().to_vec();
        let stripped = strip_receipt_metadata(&original, "image/png").unwrap();
        assert!(!contains(&stripped, b"Ana Perez") && !contains(&stripped, b"GPS"));
        assert_eq!(
            image::load_from_memory(&stripped).unwrap().to_rgb8(),
            pixels
        );
    }

    #[test]
    fn a_broken_image_is_refused_in_spanish_and_a_pdf_passes_unchanged() {
        let err = strip_receipt_metadata(b"\xFF\xD8\xFF\xE1\x00", "image/jpeg").unwrap_err();
        assert!(err.0.contains("dañada"), "{err}");
        let pdf = b"%PDF-1.4\n%%EOF\n";
        assert_eq!(strip_receipt_metadata(pdf, "application/pdf").unwrap(), pdf);
    }
}
