//! The upload image pipeline (sniff, bounded decode, checks, re-encoding) on arbitrary
//! bytes: never a panic; a refusal says why in Spanish; an accepted image is stored as a
//! JPEG within the stored size.
//!
//! The first byte chooses the purpose (even: photo, odd: signature); the rest is the file.
#![no_main]

use certdesk::images::{check, decode, ImagePurpose, STORED_MAX_SIDE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let purpose = if selector % 2 == 0 {
        ImagePurpose::Photo
    } else {
        ImagePurpose::Signature
    };
    let _ = certdesk::images::sniff(bytes);
    let _ = certdesk::images::jpeg_is_complete(bytes);
    match check(purpose, bytes) {
        Ok(checked) => {
            assert!(checked.bytes.starts_with(&[0xFF, 0xD8]));
            assert!(checked.width.max(checked.height) <= STORED_MAX_SIDE);
            assert!(!checked.checks.is_empty());
            let _ = checked.passed();
            assert!(decode(bytes).is_ok());
        }
        Err(rejection) => assert!(!rejection.0.is_empty()),
    }
});
