//! Peak memory of checking one 12-megapixel photo (and signature), measured from the kernel's
//! high-water mark after the input has been generated. Linux only.
//! `cargo bench -p certdesk --bench images_peak_rss`; figures in BENCHMARKS.md.

#![allow(clippy::expect_used)] // a benchmark whose setup fails should stop loudly

use std::io::Cursor;

use certdesk::images::{self, ImagePurpose};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/images"
);

fn upscaled_jpeg(name: &str, width: u32, height: u32) -> Vec<u8> {
    let bytes = std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture readable");
    let big = image::load_from_memory(&bytes)
        .expect("fixture decodes")
        .resize_exact(width, height, FilterType::Triangle)
        .to_rgb8();
    let mut out = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&big)
        .expect("encodes");
    out.into_inner()
}

/// Resident set size high-water mark and current size, in kB.
fn rss_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Resets the high-water mark to the current RSS (Linux ≥ 4.0).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let inputs = [
        ("photo 3000x4000 JPEG", ImagePurpose::Photo, upscaled_jpeg("photo_ok.jpg", 3000, 4000)),
        (
            "signature 4900x2450 JPEG",
            ImagePurpose::Signature,
            upscaled_jpeg("signature_ok_2.jpg", 4900, 2450),
        ),
    ];
    for (label, purpose, bytes) in &inputs {
        // Warm up once (model parse, allocator pools), then measure a fresh run.
        let _ = images::check(*purpose, bytes);
        let reset = reset_peak();
        let (_, before) = rss_kb();
        let started = std::time::Instant::now();
        let checked = images::check(*purpose, bytes).expect("decodes");
        let elapsed = started.elapsed();
        let (peak, _) = rss_kb();
        println!(
            "{label}: input {:.1} MB, {} ms, passed={}, RSS before {} MB, peak {} MB \
             (added by the check: {} MB){}",
            bytes.len() as f64 / 1e6,
            elapsed.as_millis(),
            checked.passed(),
            before / 1024,
            peak / 1024,
            peak.saturating_sub(before) / 1024,
            if reset { "" } else { " [peak not reset: includes setup]" }
        );
    }
}
