//! Unit tests of the pipeline; the fixture-by-fixture verdicts are in `tests/it/images.rs`.

use super::*;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/images"
);

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

/// Prints what every fixture measures, to tune `ImageThresholds`:
/// `cargo test -p certdesk --lib images::tests::print_fixture_metrics -- --ignored --nocapture`
#[test]
#[ignore = "a tool for tuning thresholds, not a check"]
fn print_fixture_metrics() {
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
            continue;
        };
        let (w, h) = upright.dimensions();
        let stored = fit_image(upright, STORED_MAX_SIDE);
        let analysis = fit_ref(&stored, t.analysis_max_side);
        let pixels = Rgb8::new(analysis.width(), analysis.height(), analysis.as_raw()).unwrap();
        if name.starts_with("photo") {
            let grey = GrayImage::from_raw(analysis.width(), analysis.height(), pixels.luma()).unwrap();
            let faces = faces::count_faces(&grey, &t);
            println!("{name}: {w}x{h} {:?} faces={faces:?}", rules::measure_photo(w, h, pixels));
        } else {
            println!("{name}: {w}x{h} {:?}", rules::measure_signature(pixels, &t));
        }
    }
}
