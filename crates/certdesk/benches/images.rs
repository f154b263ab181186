//! Time to check an upload: a 12-megapixel phone photo, a 12-megapixel signature photo, and
//! the fixture-sized originals. Targets (issue 5): < 150 ms per 12 MP photo on the 2-core
//! machine. `cargo bench -p certdesk --bench images`; figures in BENCHMARKS.md.

#![allow(clippy::expect_used)] // a benchmark whose setup fails should stop loudly

use std::hint::black_box;
use std::io::Cursor;

use certdesk::images::{self, ImagePurpose};
use criterion::{criterion_group, criterion_main, Criterion};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/images");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture readable")
}

/// Grain of ±8 levels, as a phone sensor leaves it: without it an upscaled fixture compresses
/// to under 1 MB, where a real 12 MP phone JPEG is 3–5 MB (and slower to decode).
fn add_sensor_noise(image: &mut image::RgbImage) {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for v in image.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *v = v.saturating_add_signed((state % 17) as i8 - 8);
    }
}

/// A fixture upscaled to `width × height` and saved as a quality-90 JPEG, like a phone's.
fn upscaled_jpeg(name: &str, width: u32, height: u32) -> Vec<u8> {
    let original = image::load_from_memory(&fixture(name)).expect("fixture decodes");
    let mut big = original
        .resize_exact(width, height, FilterType::Triangle)
        .to_rgb8();
    add_sensor_noise(&mut big);
    let mut out = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&big)
        .expect("encodes");
    out.into_inner()
}

fn bench(c: &mut Criterion) {
    let photo_12mp = upscaled_jpeg("photo_ok.jpg", 3000, 4000);
    let signature_12mp = upscaled_jpeg("signature_ok_2.jpg", 4900, 2450);
    let photo = fixture("photo_ok.jpg");
    let signature = fixture("signature_ok.png");
    // The inputs must pass, or the benchmark would time an early exit.
    for (purpose, bytes) in [
        (ImagePurpose::Photo, &photo_12mp),
        (ImagePurpose::Signature, &signature_12mp),
    ] {
        let checked = images::check(purpose, bytes).expect("decodes");
        assert!(checked.passed(), "{:?}", checked.problems());
    }

    let mut group = c.benchmark_group("check");
    group.sample_size(30);
    group.bench_function("photo_12mp_jpeg", |b| {
        b.iter(|| images::check(ImagePurpose::Photo, black_box(&photo_12mp)))
    });
    group.bench_function("signature_12mp_jpeg", |b| {
        b.iter(|| images::check(ImagePurpose::Signature, black_box(&signature_12mp)))
    });
    group.bench_function("photo_ok_jpg_0.3mp", |b| {
        b.iter(|| images::check(ImagePurpose::Photo, black_box(&photo)))
    });
    group.bench_function("signature_ok_png_0.3mp", |b| {
        b.iter(|| images::check(ImagePurpose::Signature, black_box(&signature)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
