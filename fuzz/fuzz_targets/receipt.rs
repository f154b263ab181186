//! Receipt metadata stripping (`strip_receipt_metadata`: JPEG segments and PNG chunks parsed
//! by img-parts, the Exif orientation read back) on arbitrary bytes: never a panic; a
//! refusal says why in Spanish; a stripped JPEG or PNG still starts with its signature.
//!
//! The first byte chooses the type the bytes were sniffed as (even: JPEG, odd: PNG).
#![no_main]

use certdesk::images::strip_receipt_metadata;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let (mime, signature): (&str, &[u8]) = if selector % 2 == 0 {
        ("image/jpeg", &[0xFF, 0xD8])
    } else {
        ("image/png", b"\x89PNG")
    };
    match strip_receipt_metadata(bytes, mime) {
        Ok(stripped) => {
            assert!(stripped.starts_with(signature));
            // Stripping is idempotent: what is left has nothing more to take out.
            let again = strip_receipt_metadata(&stripped, mime);
            assert!(again.is_ok());
        }
        Err(err) => assert!(!err.0.is_empty()),
    }
});
