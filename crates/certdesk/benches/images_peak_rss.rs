//! Peak memory of checking one 12-megapixel photo (and signature), measured from the kernel's
//! high-water mark after the input has been generated; and the CPU time of a check (this
//! thread's time on a CPU, from `/proc/thread-self/schedstat`), which, unlike wall time,
//! does not grow when other work shares the 2 cores. Linux only.
//! `cargo bench -p certdesk --bench images_peak_rss`; figures in BENCHMARKS.md.

#![allow(clippy::expect_used)] // a benchmark whose setup fails should stop loudly

use std::io::Cursor;

use certdesk::images::{self, ImagePurpose};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/images");

/// Grain of ±8 levels, as a phone sensor leaves it (see `benches/images.rs`).
fn add_sensor_noise(image: &mut image::RgbImage) {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for v in image.iter_mut() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        *v = v.saturating_add_signed((state % 17) as i8 - 8);
    }
}

fn upscaled_jpeg(name: &str, width: u32, height: u32, grain: bool) -> Vec<u8> {
    let bytes = std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture readable");
    let mut big = image::load_from_memory(&bytes)
        .expect("fixture decodes")
        .resize_exact(width, height, FilterType::Triangle)
        .to_rgb8();
    if grain {
        add_sensor_noise(&mut big);
    }
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

/// Nanoseconds this thread has run on a CPU.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Resets the high-water mark to the current RSS (Linux ≥ 4.0).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let inputs = [
        (
            "photo 3000x4000 JPEG",
            ImagePurpose::Photo,
            upscaled_jpeg("photo_ok.jpg", 3000, 4000, true),
        ),
        (
            "signature 4900x2450 JPEG",
            ImagePurpose::Signature,
            upscaled_jpeg("signature_ok_2.jpg", 4900, 2450, true),
        ),
        // The largest image accepted (48 MP); without grain, to stay under the 10 MB bound.
        (
            "largest accepted: photo 6000x8000 JPEG",
            ImagePurpose::Photo,
            upscaled_jpeg("photo_ok.jpg", 6000, 8000, false),
        ),
    ];

    for (label, purpose, bytes) in &inputs {
        // Warm up once (model parse, allocator pools), then measure a fresh run.
        let _ = images::check(*purpose, bytes);
        let reset = reset_peak();
        let (_, before) = rss_kb();
        let checked = images::check(*purpose, bytes).expect("decodes");
        let (peak, _) = rss_kb();
        let mut wall = Vec::new();
        let mut cpu = Vec::new();
        for _ in 0..15 {
            let (started, cpu_started) = (std::time::Instant::now(), cpu_ns());
            let _ = images::check(*purpose, bytes);
            wall.push(started.elapsed().as_secs_f64() * 1e3);
            cpu.push((cpu_ns().saturating_sub(cpu_started)) as f64 / 1e6);
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            (v[v.len() / 2], v[0])
        };
        let ((wall_median, wall_min), (cpu_median, cpu_min)) =
            (median(&mut wall), median(&mut cpu));
        println!(
            "{label}: input {:.1} MB, passed={}; wall median {wall_median:.0} ms (min \
             {wall_min:.0}), CPU median {cpu_median:.0} ms (min {cpu_min:.0}); RSS before {} MB, \
             peak {} MB (added by the check: {} MB){}",
            bytes.len() as f64 / 1e6,
            checked.passed(),
            before / 1024,
            peak / 1024,
            peak.saturating_sub(before) / 1024,
            if reset {
                ""
            } else {
                " [peak not reset: includes setup]"
            }
        );
    }
}
