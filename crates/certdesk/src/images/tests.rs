//! Unit tests of the pipeline; the fixture-by-fixture verdicts are in `tests/it/images.rs`.

use super::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/images");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

/// Every fixture measures to real numbers (no NaN from an empty image or a division by zero);
/// the two broken files are the only ones refused. With `--nocapture` it prints the figures,
/// which is how `ImageThresholds` is tuned:
/// `cargo test -p certdesk --lib images::tests::every_fixture_measures_to_real_numbers -- --nocapture`
#[test]
fn every_fixture_measures_to_real_numbers() {
    let t = ImageThresholds::default();
    let mut names: Vec<_> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in names {
        let bytes = fixture(&name);
        let Ok(upright) = decode::decode_rgb(&bytes) else {
            println!("{name}: rejected");
            assert!(
                ["not_an_image.jpg", "truncated.jpg"].contains(&name.as_str()),
                "{name} was refused"
            );
            continue;
        };
        let (w, h) = upright.dimensions();
        let stored = fit_image(upright, STORED_MAX_SIDE);
        let analysis = fit_ref(&stored, t.analysis_max_side);
        let pixels = Rgb8::new(analysis.width(), analysis.height(), analysis.as_raw()).unwrap();
        if name.starts_with("photo") {
            let grey =
                GrayImage::from_raw(analysis.width(), analysis.height(), pixels.luma()).unwrap();
            let faces = faces::count_faces(&grey, &t);
            let measured = format!("{:?}", rules::measure_photo(w, h, pixels));
            println!("{name}: {w}x{h} {measured} faces={faces:?}");
            assert!(!measured.contains("NaN"), "{name}: {measured}");
        } else {
            let measured = format!("{:?}", rules::measure_signature(pixels, &t));
            println!("{name}: {w}x{h} {measured}");
            assert!(!measured.contains("NaN"), "{name}: {measured}");
        }
    }
}

#[test]
fn fitting_keeps_the_aspect_and_never_upscales() {
    assert_eq!(fit(3000, 4000, 1600), (1200, 1600));
    assert_eq!(fit(4000, 3000, 640), (640, 480));
    assert_eq!(fit(480, 640, 640), (480, 640));
    assert_eq!(fit(100, 50, 640), (100, 50));
    assert_eq!(fit(8000, 1, 640), (640, 1));
}

#[test]
fn downscaling_averages_the_covered_pixels() {
    let grey = GrayImage::from_raw(4, 2, vec![0, 10, 100, 200, 20, 30, 100, 100]).unwrap();
    assert_eq!(downscale(&grey, 2, 1).into_raw(), vec![15, 125]);
    // 5 → 2 columns: blocks of 2 and 3.
    let row = GrayImage::from_raw(5, 1, vec![0, 10, 90, 90, 90]).unwrap();
    assert_eq!(downscale(&row, 2, 1).into_raw(), vec![5, 90]);
    let rgb = RgbImage::from_raw(2, 1, vec![255, 0, 0, 0, 0, 255]).unwrap();
    assert_eq!(downscale(&rgb, 1, 1).into_raw(), vec![128, 0, 128]);
    // Never enlarges.
    assert_eq!(downscale(&rgb, 4, 2).dimensions(), (2, 1));
}
