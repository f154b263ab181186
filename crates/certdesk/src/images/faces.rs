//! Frontal face counting with `rustface`, a pure-Rust port of the SeetaFace detector.
//!
//! The model (`seeta_fd_frontal_v1.0.bin`, 1.2 MB, BSD-2-Clause, from the `rustface` 0.1.7
//! crate package; see `assets/models/README.md`) is embedded in the binary: nothing is read
//! from disk or downloaded at run time. The detector runs on a small grey copy (≤ 320 px a
//! side), so it costs ~15 ms, and only on photos. Without rayon: one check, one thread.

use std::panic::{self, AssertUnwindSafe};
use std::sync::OnceLock;

use domain::images::{stretch_contrast, ImageThresholds};
use image::GrayImage;

static MODEL_BYTES: &[u8] = include_bytes!("../../assets/models/seeta_fd_frontal_v1.0.bin");

/// The parsed model, shared by every request (each builds its own cheap detector from it).
fn model() -> Option<&'static rustface::Model> {
    static MODEL: OnceLock<Option<rustface::Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| match rustface::read_model(MODEL_BYTES) {
            Ok(model) => Some(model),
            Err(err) => {
                tracing::error!(error = %err, "embedded face model unreadable; face check off");
                None
            }
        })
        .as_ref()
}

/// Smallest side, in pixels, the detector can work with (its window is 40 px).
const MIN_SIDE: u32 = 40;
/// Detections scoring below this are not faces. SeetaFace's own examples use 2.0; its
/// default (3.85) misses faces in small, soft photos.
const SCORE_THRESHOLD: f64 = 2.0;

/// Counts frontal faces in `grey` (downscaled here to fit
/// [`ImageThresholds::face_detection_max_side`] and contrast-stretched first, so that a dark
/// photo is judged on its exposure only). `None` when the detector cannot run: no model, an
/// image too small to hold a face, or a failure inside the detector.
pub fn count_faces(grey: &GrayImage, thresholds: &ImageThresholds) -> Option<usize> {
    let model = model()?;
    let (width, height) = super::fit(
        grey.width(),
        grey.height(),
        thresholds.face_detection_max_side,
    );
    if width < MIN_SIDE || height < MIN_SIDE {
        return None;
    }
    let mut small = if (width, height) == grey.dimensions() {
        grey.clone()
    } else {
        super::downscale(grey, width, height)
    };
    stretch_contrast(&mut small);

    // rustface asserts on its inputs and indexes raw buffers; a panic in it must cost the
    // face check, not the request.
    panic::catch_unwind(AssertUnwindSafe(|| {
        let mut detector = rustface::create_detector_with_model(model.clone());
        detector.set_min_face_size(MIN_SIDE);
        detector.set_score_thresh(SCORE_THRESHOLD);
        detector.set_pyramid_scale_factor(0.8);
        detector.set_slide_window_step(4, 4);
        let image = rustface::ImageData::new(small.as_raw(), width, height);
        detector.detect(&image).len()
    }))
    .ok()
}
