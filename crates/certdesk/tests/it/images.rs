//! Image checks over every fixture in `tests/fixtures/images/` (the file name says the
//! verdict), the stored re-encoding, and the bounds: bombs, damaged and arbitrary bytes.
//! No app is spawned: `certdesk::images::check` is called directly.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;
use std::time::{Duration, Instant};

use certdesk::images::{self, CheckedImage, ImagePurpose, ImageRejection};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ImageEncoder, RgbImage};
use proptest::prelude::*;

use crate::helpers::{fixture, png_claiming, FIXTURES};

/// What each fixture must give: `None` for a whole-file rejection, otherwise the precise
/// reasons of the failed checks (empty: passes).
fn expectations() -> BTreeMap<&'static str, (ImagePurpose, Option<Vec<&'static str>>)> {
    use ImagePurpose::{Photo, Signature};
    BTreeMap::from([
        ("not_an_image.jpg", (Photo, None)),
        ("truncated.jpg", (Photo, None)),
        ("photo_ok.jpg", (Photo, Some(vec![]))),
        ("photo_ok_large.png", (Photo, Some(vec![]))),
        (
            "photo_blurred.jpg",
            (Photo, Some(vec!["photo.sharpness.blurred"])),
        ),
        (
            "photo_too_dark.jpg",
            (Photo, Some(vec!["photo.exposure.too_dark"])),
        ),
        (
            "photo_too_small.jpg",
            (Photo, Some(vec!["photo.size.too_small"])),
        ),
        (
            "photo_landscape_no_face.jpg",
            (
                Photo,
                Some(vec!["photo.aspect.landscape", "photo.face.none"]),
            ),
        ),
        ("signature_ok.png", (Signature, Some(vec![]))),
        ("signature_ok_2.jpg", (Signature, Some(vec![]))),
        (
            "signature_black_ink.png",
            (Signature, Some(vec!["signature.blue_ink.not_blue"])),
        ),
        (
            "signature_cut_at_edge.png",
            (Signature, Some(vec!["signature.complete.touches_edge"])),
        ),
        (
            "signature_off_center.png",
            (Signature, Some(vec!["signature.centred.off_centre"])),
        ),
        (
            "signature_too_small.png",
            (Signature, Some(vec!["signature.size.too_small"])),
        ),
    ])
}

fn reasons(checked: &CheckedImage) -> Vec<&'static str> {
    checked
        .problems()
        .iter()
        .map(|c| c.reason.unwrap())
        .collect()
}

/// A fresh clone must test with nothing beside it: the fixtures folder (symlinks resolved)
/// is the crate's `tests/fixtures/images`, inside the repository.
#[test]
fn the_fixtures_folder_is_inside_the_repository() {
    let dir = Path::new(FIXTURES).canonicalize().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    assert!(
        dir.starts_with(&repo),
        "{} is outside the repository {}",
        dir.display(),
        repo.display()
    );
    assert!(
        dir.ends_with("crates/certdesk/tests/fixtures/images"),
        "{}",
        dir.display()
    );
}

#[test]
fn every_fixture_gets_the_verdict_its_name_says_and_only_that() {
    let expected = expectations();
    let mut names: Vec<String> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // A new fixture must be given its verdict here.
    assert_eq!(
        names,
        expected.keys().map(|k| k.to_string()).collect::<Vec<_>>()
    );

    let mut wrong = Vec::new();
    for (name, (purpose, want)) in &expected {
        let got = images::check(*purpose, &fixture(name));
        let verdict = got.as_ref().ok().map(reasons);
        if verdict.as_ref() != want.as_ref() {
            wrong.push(format!("{name}: want {want:?}, got {got:?}"));
        }
        if let Ok(checked) = &got {
            assert_eq!(
                checked.passed(),
                want.as_ref().is_some_and(|w| w.is_empty())
            );
            // Every failure tells the person, in Spanish, what to do.
            for problem in checked.problems() {
                assert!(problem.message.len() > 30, "{name}: {problem:?}");
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_check_of_a_good_photo_is_listed_with_its_label() {
    let checked = images::check(ImagePurpose::Photo, &fixture("photo_ok.jpg")).unwrap();
    let codes: Vec<_> = checked.checks.iter().map(|c| c.code).collect();
    assert_eq!(
        codes,
        [
            "photo.format",
            "photo.size",
            "photo.aspect",
            "photo.sharpness",
            "photo.exposure",
            "photo.face"
        ]
    );
    assert!(checked
        .checks
        .iter()
        .all(|c| c.passed && c.reason.is_none()));
}

#[test]
fn whole_file_rejections_say_what_to_do_in_spanish() {
    let ImageRejection(not_image) =
        images::check(ImagePurpose::Photo, &fixture("not_an_image.jpg")).unwrap_err();
    assert!(
        not_image.contains("no es una imagen JPEG ni PNG"),
        "{not_image}"
    );
    let ImageRejection(cut) =
        images::check(ImagePurpose::Photo, &fixture("truncated.jpg")).unwrap_err();
    assert!(cut.contains("dañada o incompleta"), "{cut}");
    let ImageRejection(empty) = images::check(ImagePurpose::Signature, &[]).unwrap_err();
    assert!(empty.contains("vacío"), "{empty}");
    let huge = vec![0u8; images::MAX_UPLOAD_BYTES + 1];
    let ImageRejection(heavy) = images::check(ImagePurpose::Photo, &huge).unwrap_err();
    assert!(heavy.contains("10 MB"), "{heavy}");
}

/// A minimal EXIF block (big-endian TIFF) with an orientation and a GPS latitude reference
/// that carries a recognisable marker.
fn exif_app1(orientation: u16, marker: &[u8; 8]) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    // IFD0: 2 entries, then next-IFD offset 0.
    tiff.extend([0x00, 0x02]);
    tiff.extend([0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]);
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0x00, 0x00]);
    // GPSInfo IFD pointer: IFD0 is 2 + 2×12 + 4 = 30 bytes after offset 8 → 38.
    tiff.extend([
        0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 38,
    ]);
    tiff.extend([0x00, 0x00, 0x00, 0x00]);
    // GPS IFD: one ASCII entry (GPSLatitudeRef… as 8 bytes at offset 56), next 0.
    tiff.extend([0x00, 0x01]);
    tiff.extend([
        0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 56,
    ]);
    tiff.extend([0x00, 0x00, 0x00, 0x00]);
    tiff.extend(marker);
    let mut payload = b"Exif\x00\x00".to_vec();
    payload.extend(tiff);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    segment.extend(payload);
    segment
}

fn jpeg(image: &RgbImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut out, 92)
        .encode_image(image)
        .unwrap();
    out.into_inner()
}

#[test]
fn a_sideways_phone_photo_is_turned_upright_and_stored_without_its_exif() {
    // Phones store portraits sideways with EXIF orientation 6 ("rotate 90° clockwise").
    let upright = image::load_from_memory(&fixture("photo_ok.jpg"))
        .unwrap()
        .to_rgb8();
    let sideways = image::imageops::rotate270(&upright);
    let plain = jpeg(&sideways);
    let marker = b"GPSLEAK\0";
    let mut with_exif = plain[..2].to_vec();
    with_exif.extend(exif_app1(6, marker));
    with_exif.extend(&plain[2..]);

    let checked = images::check(ImagePurpose::Photo, &with_exif).unwrap();
    assert!(checked.passed(), "{:?}", checked.problems());
    assert_eq!(
        (checked.uploaded_width, checked.uploaded_height),
        (480, 640)
    );
    assert_eq!((checked.width, checked.height), (480, 640));
    assert_eq!(checked.mime, "image/jpeg");
    let stored = &checked.bytes;
    assert!(stored.starts_with(&[0xFF, 0xD8]));
    let contains = |needle: &[u8]| stored.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(b"Exif"), "EXIF kept");
    assert!(!contains(b"GPSLEAK"), "GPS kept");
    let again = image::load_from_memory(stored).unwrap();
    assert_eq!((again.width(), again.height()), (480, 640));
    let thumb = image::load_from_memory(&checked.thumbnail).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (240, 320));
}

#[test]
fn a_large_upload_is_stored_downscaled_to_1200_pixels() {
    let big = image::load_from_memory(&fixture("signature_ok_2.jpg"))
        .unwrap()
        .resize_exact(3200, 1600, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let checked = images::check(ImagePurpose::Signature, &jpeg(&big)).unwrap();
    assert!(checked.passed(), "{:?}", checked.problems());
    assert_eq!(
        (checked.uploaded_width, checked.uploaded_height),
        (3200, 1600)
    );
    assert_eq!((checked.width, checked.height), (1200, 600));
}

#[test]
fn two_people_in_one_photo_are_two_faces() {
    let one = image::load_from_memory(&fixture("photo_ok.jpg"))
        .unwrap()
        .to_rgb8();
    // Side by side, then padded to a 4:5 portrait with paper-white above and below.
    let mut two = RgbImage::from_pixel(960, 1200, image::Rgb([235, 235, 235]));
    image::imageops::overlay(&mut two, &one, 0, 280);
    image::imageops::overlay(&mut two, &one, 480, 280);
    let checked = images::check(ImagePurpose::Photo, &jpeg(&two)).unwrap();
    assert_eq!(reasons(&checked), vec!["photo.face.many"]);
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    // 30000 × 30000 claimed by a few dozen bytes: refused before any pixel is decoded.
    let bomb = png_claiming(30_000, 30_000);
    assert!(bomb.len() < 100);
    let started = Instant::now();
    let ImageRejection(message) = images::check(ImagePurpose::Photo, &bomb).unwrap_err();
    assert!(started.elapsed() < BOUND);
    assert!(message.contains("30000×30000"), "{message}");

    // A real one: 8000 × 8000 of zeros (64 MP, over the 48 MP bound) deflates to ~300 KB.
    let mut real = Cursor::new(Vec::new());
    PngEncoder::new(&mut real)
        .write_image(
            &vec![0u8; 8000 * 8000],
            8000,
            8000,
            image::ExtendedColorType::L8,
        )
        .unwrap();
    let real = real.into_inner();
    assert!(real.len() < 512 * 1024, "{}", real.len());
    let started = Instant::now();
    let ImageRejection(message) = images::check(ImagePurpose::Photo, &real).unwrap_err();
    assert!(started.elapsed() < BOUND);
    assert!(message.contains("8000×8000"), "{message}");
}

/// Checks never panic; each returns within this bound. It is generous on purpose (debug
/// build, tests running side by side on two cores): it catches a decoder that starts on a
/// bomb, which takes minutes, not a slow machine. Speed itself is measured in benches/.
const BOUND: Duration = Duration::from_secs(5);

fn check_bounded(bytes: &[u8]) {
    for purpose in [ImagePurpose::Photo, ImagePurpose::Signature] {
        let started = Instant::now();
        let _ = images::check(purpose, bytes);
        assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    }
}

/// Small real inputs, so that each case decodes in milliseconds.
fn small_jpeg() -> Vec<u8> {
    fixture("photo_too_small.jpg")
}

fn small_png() -> Vec<u8> {
    let image = image::load_from_memory(&small_jpeg()).unwrap().to_rgb8();
    let mut out = Cursor::new(Vec::new());
    PngEncoder::new(&mut out)
        .write_image(image.as_raw(), 120, 160, image::ExtendedColorType::Rgb8)
        .unwrap();
    out.into_inner()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check_bounded(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_an_image_signature_never_panic(
        png in any::<bool>(),
        tail in proptest::collection::vec(any::<u8>(), 0..4096),
    ) {
        let mut bytes = if png {
            b"\x89PNG\r\n\x1a\n".to_vec()
        } else {
            vec![0xFF, 0xD8, 0xFF, 0xE0]
        };
        bytes.extend(tail);
        check_bounded(&bytes);
    }

    #[test]
    fn any_claimed_dimensions_are_bounded_before_decoding(width in 1u32.., height in 1u32..) {
        let started = Instant::now();
        let result = images::check(ImagePurpose::Photo, &png_claiming(width, height));
        prop_assert!(started.elapsed() < BOUND);
        if u64::from(width) * u64::from(height) > images::MAX_PIXELS
            || width.max(height) > images::MAX_DIMENSION
        {
            prop_assert!(result.is_err());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn truncated_real_images_never_panic(cut in 0.0f64..1.0, png in any::<bool>()) {
        let bytes = if png { small_png() } else { small_jpeg() };
        let end = (bytes.len() as f64 * cut) as usize;
        check_bounded(&bytes[..end]);
    }

    #[test]
    fn bit_flipped_real_images_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..8), 1..16),
        png in any::<bool>(),
    ) {
        let mut bytes = if png { small_png() } else { small_jpeg() };
        for (index, bit) in flips {
            let i = index.index(bytes.len());
            bytes[i] ^= 1 << bit;
        }
        check_bounded(&bytes);
    }
}
