//! The pure image rules of `domain::images` on arbitrary pixels and settings text: the
//! measures and verdicts never panic, and the thresholds text either applies whole or names
//! its errors.
//!
//! Input: two bytes of width, then RGB pixels (the height is what fits); after a 0x00 0xFF
//! marker, threshold lines as an admin would type them.
#![no_main]

use domain::images::{
    assess_photo, assess_signature, laplacian_variance, measure_photo, measure_signature,
    stretch_contrast, ImageThresholds, PhotoFacts, Rgb8,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let defaults = ImageThresholds::default();
    let (pixels_part, text_part) = match data.windows(2).position(|w| w == [0x00, 0xFF]) {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };

    let thresholds = match defaults.with_lines(&String::from_utf8_lossy(text_part)) {
        Ok(t) => {
            // What it applied reads back the same.
            assert_eq!(defaults.with_lines(&t.to_lines()).ok().as_ref(), Some(&t));
            t
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            defaults
        }
    };

    let Some((head, rest)) = pixels_part.split_first_chunk::<2>() else {
        return;
    };
    let width = u32::from(u16::from_le_bytes(*head) % 512) + 1;
    let height = (rest.len() / 3) as u32 / width;
    if height == 0 {
        return;
    }
    let len = (width * height * 3) as usize;
    let Some(pixels) = Rgb8::new(width, height, &rest[..len]) else {
        return;
    };
    let mut grey = pixels.luma();
    let _ = laplacian_variance(&grey, width as usize);
    stretch_contrast(&mut grey);
    let _ = measure_photo(width, height, pixels);
    let _ = measure_signature(pixels, &thresholds);
    for faces in [None, Some(0), Some(1), Some(2)] {
        let results = assess_photo(
            &PhotoFacts {
                width,
                height,
                pixels,
                faces,
            },
            &thresholds,
        );
        assert!(!results.is_empty());
    }
    assert!(!assess_signature(pixels, &thresholds).is_empty());
});
