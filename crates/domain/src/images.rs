//! Photo and signature checks (SPEC.md "Image checks") on decoded pixels.
//!
//! Pure: pixels and facts in, a verdict per check out, each failure with a stable code and a
//! Spanish message that tells the person what to do. No I/O and no image crate: the app
//! decodes, downscales to [`ImageThresholds::analysis_max_side`] and runs the face detector;
//! this module only measures and judges. All numbers that decide live in [`ImageThresholds`].

use std::fmt;

/// A borrowed view of 8-bit RGB pixels, row by row, 3 bytes a pixel.
#[derive(Debug, Clone, Copy)]
pub struct Rgb8<'a> {
    width: u32,
    height: u32,
    data: &'a [u8],
}

impl<'a> Rgb8<'a> {
    /// `None` unless both sides are non-zero and `data` holds exactly `width × height × 3` bytes.
    pub fn new(width: u32, height: u32, data: &'a [u8]) -> Option<Self> {
        let len = (width as usize)
            .checked_mul(height as usize)?
            .checked_mul(3)?;
        (width > 0 && height > 0 && data.len() == len).then_some(Self {
            width,
            height,
            data,
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    fn pixels(&self) -> impl Iterator<Item = [u8; 3]> + '_ {
        self.data.chunks_exact(3).map(|p| [p[0], p[1], p[2]])
    }

    /// Grey levels (ITU-R BT.601 luma), one byte a pixel.
    pub fn luma(&self) -> Vec<u8> {
        self.pixels().map(|[r, g, b]| luma(r, g, b)).collect()
    }
}

fn luma(r: u8, g: u8, b: u8) -> u8 {
    // 77 + 150 + 29 = 256: integer BT.601 weights, rounded.
    ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 128) >> 8) as u8
}

/// Stretches grey levels so that the 1st and 99th percentiles span 0..=255.
///
/// Used before face detection so that a dark or flat photo is judged on its exposure alone,
/// not also reported as "no face".
pub fn stretch_contrast(grey: &mut [u8]) {
    let histogram = Histogram::of(grey.iter().copied());
    let (low, high) = (histogram.percentile(0.01), histogram.percentile(0.99));
    if high <= low {
        return;
    }
    let span = u32::from(high - low);
    for v in grey.iter_mut() {
        let clamped = (*v).clamp(low, high) - low;
        *v = ((u32::from(clamped) * 255 + span / 2) / span) as u8;
    }
}

/// The numbers that decide. Defaults come from the image fixtures in
/// `crates/certdesk/tests/fixtures/images/` (measured values quoted on each field, at the
/// default analysis size); admins may tune them.
/// Serialisable, with every missing field taking its default, so a settings row can hold
/// only the ones changed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ImageThresholds {
    /// Images are downscaled to fit this many pixels a side before they are measured, so
    /// that the numbers below mean the same for a 0.3 MP and a 12 MP upload.
    pub analysis_max_side: u32,
    /// The face detector runs on a grey copy that fits this many pixels a side. Its smallest
    /// window is 40 px, so a face must fill at least ~40/320 = 1/8 of the longer side: a
    /// carné photo's face fills 1/3 of the width or more (`photo_ok.jpg`: ~0.4).
    pub face_detection_max_side: u32,

    /// SPEC.md: at least 240×288 px. `photo_too_small.jpg` is 120×160.
    pub photo_min_width: u32,
    pub photo_min_height: u32,
    /// Accepted width ÷ height: within this distance of 3:4 (0.75) or 4:5 (0.80).
    /// `photo_ok*.{jpg,png}` are 0.75; `photo_landscape_no_face.jpg` is 1.5.
    pub photo_aspect_tolerance: f64,
    /// Minimum variance of the Laplacian of the contrast-stretched grey image (stretched so
    /// that a dark photo is not also called blurred). `photo_blurred.jpg` measures ~4;
    /// `photo_ok.jpg` ~110 and `photo_ok_large.png` ~108 (a soft studio portrait: the low
    /// end of sharp), `photo_too_dark.jpg` ~250, `photo_too_small.jpg` ~2260. 25 sits between
    /// blurred and the softest good one, with room on both sides.
    pub photo_min_sharpness: f64,
    /// Too dark when the mean grey level is below this. `photo_too_dark.jpg`: ~16;
    /// `photo_ok.jpg`: ~138; the dim café shot in `photo_landscape_no_face.jpg` (whose
    /// exposure is fine): ~104.
    pub photo_dark_max_mean: f64,
    /// Too bright when the darkest quarter of the image (25th percentile) is at or above this:
    /// face, hair and clothes are all near white. A white background alone does not trip it.
    /// `photo_ok.jpg`'s 25th percentile is ~86. (No fixture is overexposed: unit-tested.)
    pub photo_bright_min_p25: u8,
    /// Washed out (no contrast) when the 5th–95th percentile spread is below this.
    /// `photo_ok.jpg`: ~213, `photo_blurred.jpg`: ~204. (No fixture is washed out:
    /// unit-tested.)
    pub photo_min_contrast: u8,

    /// Light background: the median grey level (the paper) is at least this.
    /// Every signature fixture's paper is ~245; 150 leaves room for indoor phone photos.
    pub signature_min_paper_luma: u8,
    /// A pixel is ink when it is at least this much darker than the paper (median grey).
    /// The fixtures' blue ink is ~190 darker; paper texture varies by ±10.
    pub signature_ink_contrast: u8,
    /// Below this share of the image's pixels there is no signature to judge.
    /// `signature_too_small.png` has ~0.25 % ink, the good ones ~3 %.
    pub signature_min_ink_share: f64,
    /// An ink pixel counts as blue when its blue exceeds both red and green by this much.
    /// The fixtures' blue ink averages (44, 62, 176): a margin of ~110; black ink's is ~0.
    pub signature_blue_margin: u8,
    /// Share of the signature's ink pixels that must be blue. Blue fixtures: 1.0;
    /// `signature_black_ink.png`: 0.
    pub signature_min_blue_share: f64,
    /// Ink within this share of a side from an edge touches it (at least 1 px).
    /// `signature_cut_at_edge.png` runs off all four edges; the good ones keep >20 % margins.
    pub signature_edge_margin: f64,
    /// Fewer ink pixels than this in an edge band are specks, not a cut signature.
    /// `signature_cut_at_edge.png` has 50–200 on each edge (at the analysis size).
    pub signature_edge_min_pixels: usize,
    /// The signature's centre may be this far from the image's centre, as a share of the
    /// width (horizontally) and height (vertically). Good fixtures: ≤ 0.02 and ≤ 0.03;
    /// `signature_off_center.png`: 0.28 and 0.20.
    pub signature_max_centre_offset_x: f64,
    pub signature_max_centre_offset_y: f64,
    /// "Medium" size: the signature's width as a share of the image width. Good fixtures:
    /// ~0.55; `signature_off_center.png` (a small-ish but acceptable one): ~0.31;
    /// `signature_too_small.png`: ~0.08. The maximum has no fixture (unit-tested): above it
    /// the signature nearly fills the width and any tilt of the phone would cut it.
    pub signature_min_width_share: f64,
    pub signature_max_width_share: f64,
    /// Rows with no ink this tall (share of the height) separate the signature from a block
    /// written or printed under it. No fixture has a post-firma: unit-tested with a printed
    /// name and title under a signature, and with a thin underline that must not count.
    pub postfirma_min_gap: f64,
    /// A block of ink rows counts (as the signature, or under it as a post-firma) when its ink
    /// is at least this share of the largest block's and it is at least `postfirma_min_height`
    /// tall (share of the height): an i-dot or a thin underline (rúbrica) is not a block,
    /// lines of text are.
    pub postfirma_min_mass_share: f64,
    pub postfirma_min_height: f64,
}

impl Default for ImageThresholds {
    fn default() -> Self {
        Self {
            analysis_max_side: 640,
            face_detection_max_side: 320,
            photo_min_width: 240,
            photo_min_height: 288,
            photo_aspect_tolerance: 0.05,
            photo_min_sharpness: 25.0,
            photo_dark_max_mean: 50.0,
            photo_bright_min_p25: 215,
            photo_min_contrast: 70,
            signature_min_paper_luma: 150,
            signature_ink_contrast: 80,
            signature_min_ink_share: 0.0005,
            signature_blue_margin: 20,
            signature_min_blue_share: 0.6,
            signature_edge_margin: 0.01,
            signature_edge_min_pixels: 3,
            signature_max_centre_offset_x: 0.12,
            signature_max_centre_offset_y: 0.15,
            signature_min_width_share: 0.2,
            signature_max_width_share: 0.9,
            postfirma_min_gap: 0.03,
            postfirma_min_mass_share: 0.1,
            postfirma_min_height: 0.03,
        }
    }
}

/// Which part of the checks a threshold tunes (how the settings page groups them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThresholdGroup {
    /// How images are prepared before they are measured.
    Analysis,
    /// The photo's checks.
    Photo,
    /// The signature's checks (the post-firma ones included).
    Signature,
}

/// One tunable number of [`ImageThresholds`]: its field name (the settings' key), what it
/// means in Spanish, and the range an admin may set it to. The ranges keep every check
/// meaningful (a share between 0 and 1, a grey level between 0 and 255, a size that cannot
/// exhaust memory); any value inside them is safe (the checks never panic, property-tested).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdField {
    pub name: &'static str,
    pub group: ThresholdGroup,
    pub label: &'static str,
    pub min: f64,
    pub max: f64,
    /// Whole numbers only.
    pub integer: bool,
}

macro_rules! threshold_fields {
    ($($field:ident: $ty:ident, $group:ident, $min:literal ..= $max:literal, $label:literal;)+) => {
        /// Every tunable threshold, in the order the settings page shows them.
        pub const THRESHOLD_FIELDS: &[ThresholdField] = &[$(ThresholdField {
            name: stringify!($field),
            group: ThresholdGroup::$group,
            label: $label,
            min: $min as f64,
            max: $max as f64,
            integer: threshold_fields!(@integer $ty),
        },)+];

        impl ImageThresholds {
            /// The threshold named `name`, as a number; `None` for a name that is not one.
            pub fn value(&self, name: &str) -> Option<f64> {
                match name {
                    $(stringify!($field) => Some(self.$field as f64),)+
                    _ => None,
                }
            }

            /// Stores `value` (already checked against its field's range) in the field.
            fn assign(&mut self, name: &str, value: f64) {
                match name {
                    $(stringify!($field) => self.$field = value as $ty,)+
                    _ => {}
                }
            }
        }
    };
    (@integer f64) => { false };
    (@integer $other:ident) => { true };
}

threshold_fields! {
    analysis_max_side: u32, Analysis, 160 ..= 2048,
        "Tamaño de análisis: lado mayor, en píxeles";
    face_detection_max_side: u32, Analysis, 80 ..= 1024,
        "Tamaño para detectar el rostro: lado mayor, en píxeles";
    photo_min_width: u32, Photo, 1 ..= 4000, "Ancho mínimo de la foto, en píxeles";
    photo_min_height: u32, Photo, 1 ..= 4000, "Alto mínimo de la foto, en píxeles";
    photo_aspect_tolerance: f64, Photo, 0 ..= 0.5,
        "Tolerancia de la proporción 3:4 o 4:5 (ancho ÷ alto)";
    photo_min_sharpness: f64, Photo, 0 ..= 1000,
        "Nitidez mínima (varianza del laplaciano)";
    photo_dark_max_mean: f64, Photo, 0 ..= 255,
        "Muy oscura si el brillo medio es menor que (0 a 255)";
    photo_bright_min_p25: u8, Photo, 0 ..= 255,
        "Muy clara si su cuarto más oscuro llega a (0 a 255)";
    photo_min_contrast: u8, Photo, 0 ..= 255, "Contraste mínimo (0 a 255)";
    signature_min_paper_luma: u8, Signature, 0 ..= 255,
        "Brillo mínimo del papel (0 a 255)";
    signature_ink_contrast: u8, Signature, 1 ..= 255,
        "Diferencia mínima entre la tinta y el papel (1 a 255)";
    signature_min_ink_share: f64, Signature, 0 ..= 0.5,
        "Proporción mínima de tinta en la imagen";
    signature_blue_margin: u8, Signature, 0 ..= 255,
        "Cuánto más azul que rojo y verde es la tinta azul (0 a 255)";
    signature_min_blue_share: f64, Signature, 0 ..= 1,
        "Proporción mínima de tinta azul (0 a 1)";
    signature_edge_margin: f64, Signature, 0 ..= 0.25,
        "Margen que cuenta como borde (proporción del lado)";
    signature_edge_min_pixels: usize, Signature, 0 ..= 100000,
        "Píxeles de tinta en un borde para considerar la firma cortada";
    signature_max_centre_offset_x: f64, Signature, 0 ..= 0.5,
        "Desplazamiento horizontal máximo desde el centro (proporción del ancho)";
    signature_max_centre_offset_y: f64, Signature, 0 ..= 0.5,
        "Desplazamiento vertical máximo desde el centro (proporción del alto)";
    signature_min_width_share: f64, Signature, 0 ..= 1,
        "Ancho mínimo de la firma (proporción del ancho de la imagen)";
    signature_max_width_share: f64, Signature, 0 ..= 1,
        "Ancho máximo de la firma (proporción del ancho de la imagen)";
    postfirma_min_gap: f64, Signature, 0 ..= 0.5,
        "Espacio en blanco que separa una postfirma (proporción del alto)";
    postfirma_min_mass_share: f64, Signature, 0 ..= 1,
        "Tinta mínima de un bloque, frente al mayor, para contarlo (proporción)";
    postfirma_min_height: f64, Signature, 0 ..= 0.5,
        "Alto mínimo de un bloque de texto bajo la firma (proporción del alto)";
}

impl ThresholdField {
    /// The field named `name`.
    pub fn named(name: &str) -> Option<&'static ThresholdField> {
        THRESHOLD_FIELDS.iter().find(|f| f.name == name)
    }

    /// Reads a typed number for this field: a decimal comma is accepted ("0,5"), the range
    /// and wholeness are checked; the error is Spanish.
    pub fn parse(&self, text: &str) -> Result<f64, String> {
        let text = text.trim();
        let normal = if text.contains(',') && !text.contains('.') {
            text.replacen(',', ".", 1)
        } else {
            text.to_owned()
        };
        let value: f64 = normal
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                format!(
                    "«{text}» no es un número: escriba un número entre {} y {}.",
                    self.show(self.min),
                    self.show(self.max)
                )
            })?;
        if self.integer && value.fract() != 0.0 {
            return Err("Escriba un número entero, sin decimales.".into());
        }
        if value < self.min || value > self.max {
            return Err(format!(
                "Debe estar entre {} y {}.",
                self.show(self.min),
                self.show(self.max)
            ));
        }
        Ok(value)
    }

    /// A value of this field as text: whole numbers without decimals.
    pub fn show(&self, value: f64) -> String {
        if self.integer || value.fract() == 0.0 {
            format!("{value:.0}")
        } else {
            format!("{value}")
        }
    }
}

impl ImageThresholds {
    /// Every threshold as `name=value` lines, in [`THRESHOLD_FIELDS`] order: the text a
    /// settings row stores.
    pub fn to_lines(&self) -> String {
        THRESHOLD_FIELDS
            .iter()
            .filter_map(|f| Some(format!("{}={}", f.name, f.show(self.value(f.name)?))))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// These thresholds with the `name=value` lines (or `;`-separated pairs) of `text`
    /// applied; names not given keep their value. Every bad line is reported, keyed by the
    /// threshold's name (or the text given as a name), and then nothing changes.
    pub fn with_lines(&self, text: &str) -> Result<ImageThresholds, Vec<(String, String)>> {
        let mut next = self.clone();
        let mut errors = Vec::new();
        for line in text
            .split(['\n', ';'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            let Some((name, value)) = line.split_once('=') else {
                errors.push((
                    line.to_owned(),
                    "Escriba cada umbral como nombre=valor.".to_owned(),
                ));
                continue;
            };
            let name = name.trim();
            let Some(field) = ThresholdField::named(name) else {
                errors.push((
                    name.to_owned(),
                    format!("«{name}» no es un umbral de las verificaciones de imágenes."),
                ));
                continue;
            };
            match field.parse(value) {
                Ok(v) => next.assign(field.name, v),
                Err(message) => errors.push((field.name.to_owned(), message)),
            }
        }
        if errors.is_empty() && next.signature_min_width_share > next.signature_max_width_share {
            errors.push((
                "signature_max_width_share".to_owned(),
                "El ancho máximo de la firma no puede ser menor que el mínimo.".to_owned(),
            ));
        }
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(errors)
        }
    }
}

/// One line of the ✓/✗ list shown after an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageCheck {
    PhotoSize,
    PhotoAspect,
    PhotoSharpness,
    PhotoExposure,
    PhotoFace,
    SignatureBackground,
    SignaturePresent,
    SignatureBlueInk,
    SignatureComplete,
    SignatureCentred,
    SignatureSize,
    SignatureNoPostFirma,
}

impl ImageCheck {
    /// Stable code, e.g. `photo.sharpness`.
    pub fn code(self) -> &'static str {
        match self {
            Self::PhotoSize => "photo.size",
            Self::PhotoAspect => "photo.aspect",
            Self::PhotoSharpness => "photo.sharpness",
            Self::PhotoExposure => "photo.exposure",
            Self::PhotoFace => "photo.face",
            Self::SignatureBackground => "signature.background",
            Self::SignaturePresent => "signature.present",
            Self::SignatureBlueInk => "signature.blue_ink",
            Self::SignatureComplete => "signature.complete",
            Self::SignatureCentred => "signature.centred",
            Self::SignatureSize => "signature.size",
            Self::SignatureNoPostFirma => "signature.postfirma",
        }
    }

    /// What the check asks for, in Spanish: shown next to a ✓.
    pub fn label(self) -> &'static str {
        match self {
            Self::PhotoSize => "Tamaño suficiente (no muy pequeña)",
            Self::PhotoAspect => "Foto vertical, tipo carné (proporción 3:4 o 4:5)",
            Self::PhotoSharpness => "Foto nítida, no borrosa",
            Self::PhotoExposure => "Buena iluminación: ni muy oscura ni muy clara",
            Self::PhotoFace => "Un solo rostro, de frente",
            Self::SignatureBackground => "Fondo claro (papel blanco)",
            Self::SignaturePresent => "Se ve la firma",
            Self::SignatureBlueInk => "Firma con lapicero azul",
            Self::SignatureComplete => "Firma completa, sin tocar los bordes",
            Self::SignatureCentred => "Firma al centro de la imagen",
            Self::SignatureSize => "Firma de tamaño mediano",
            Self::SignatureNoPostFirma => "Sin postfirma (sin nombre ni cargo debajo)",
        }
    }
}

impl fmt::Display for ImageCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A failed check: a stable code for the precise reason and what to do, in Spanish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageProblem {
    pub check: ImageCheck,
    /// The precise reason, e.g. `photo.exposure.too_dark`.
    pub code: &'static str,
    pub message: String,
}

impl ImageProblem {
    fn new(check: ImageCheck, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            check,
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ImageProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The verdict on one check that could be judged.
///
/// A check that cannot be judged is left out rather than guessed: the face check when no
/// detector ran; a signature's size, centre and post-firma when there is no ink or the ink
/// runs off the image (its true extent is unknown; the other failure says what to do); and a
/// signature's centre when a post-firma must go first (the retaken picture will differ).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    pub check: ImageCheck,
    pub problem: Option<ImageProblem>,
}

impl CheckResult {
    fn judged(check: ImageCheck, problem: Option<ImageProblem>) -> Self {
        Self { check, problem }
    }

    pub fn passed(&self) -> bool {
        self.problem.is_none()
    }
}

/// The failed checks among `results`.
pub fn problems(results: &[CheckResult]) -> Vec<&ImageProblem> {
    results.iter().filter_map(|r| r.problem.as_ref()).collect()
}

// ---------------------------------------------------------------------------------------
// Photos
// ---------------------------------------------------------------------------------------

/// What is known about an uploaded photo.
#[derive(Debug, Clone, Copy)]
pub struct PhotoFacts<'a> {
    /// Size as uploaded (upright), before any downscaling.
    pub width: u32,
    pub height: u32,
    /// The photo downscaled to fit [`ImageThresholds::analysis_max_side`].
    pub pixels: Rgb8<'a>,
    /// Frontal faces the detector found; `None` when no detector ran.
    pub faces: Option<usize>,
}

/// What a photo measures (for the checks, and for tuning the thresholds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhotoMetrics {
    /// width ÷ height of the upload.
    pub aspect: f64,
    /// Variance of the Laplacian of the contrast-stretched grey image.
    pub sharpness: f64,
    /// Mean grey level, 0..=255.
    pub mean: f64,
    pub p5: u8,
    pub p25: u8,
    pub p95: u8,
}

/// Measures a photo's analysis pixels (size and aspect come from the upload's size).
pub fn measure_photo(width: u32, height: u32, pixels: Rgb8<'_>) -> PhotoMetrics {
    let grey = pixels.luma();
    let histogram = Histogram::of(grey.iter().copied());
    let mut stretched = grey;
    stretch_contrast(&mut stretched);
    PhotoMetrics {
        aspect: f64::from(width) / f64::from(height.max(1)),
        sharpness: laplacian_variance(&stretched, pixels.width as usize),
        mean: histogram.mean(),
        p5: histogram.percentile(0.05),
        p25: histogram.percentile(0.25),
        p95: histogram.percentile(0.95),
    }
}

/// Judges a photo: size, aspect, sharpness, exposure and (when a detector ran) the face.
pub fn assess_photo(facts: &PhotoFacts<'_>, t: &ImageThresholds) -> Vec<CheckResult> {
    let m = measure_photo(facts.width, facts.height, facts.pixels);
    let mut results = Vec::with_capacity(5);

    let size = (facts.width < t.photo_min_width || facts.height < t.photo_min_height).then(|| {
        ImageProblem::new(
            ImageCheck::PhotoSize,
            "photo.size.too_small",
            format!(
                "La foto mide {}×{} píxeles y debe medir al menos {}×{}. Tómela de nuevo con la \
                 cámara del celular, sin recortarla tanto ni reducirla.",
                facts.width, facts.height, t.photo_min_width, t.photo_min_height
            ),
        )
    });
    results.push(CheckResult::judged(ImageCheck::PhotoSize, size));

    let near = |target: f64| (m.aspect - target).abs() <= t.photo_aspect_tolerance;
    let aspect = if near(3.0 / 4.0) || near(4.0 / 5.0) {
        None
    } else if m.aspect >= 1.0 {
        Some(ImageProblem::new(
            ImageCheck::PhotoAspect,
            "photo.aspect.landscape",
            "La foto está en horizontal. Debe ser vertical, tipo carné (proporción 3:4 o 4:5): \
             tome la foto con el celular en vertical o recórtela.",
        ))
    } else {
        Some(ImageProblem::new(
            ImageCheck::PhotoAspect,
            "photo.aspect.proportion",
            "La foto no tiene la proporción de una foto tipo carné. Recórtela en vertical, con \
             proporción 3:4 o 4:5 (por ejemplo, 480×640 píxeles), con el rostro al centro.",
        ))
    };
    results.push(CheckResult::judged(ImageCheck::PhotoAspect, aspect));

    let sharpness = (m.sharpness < t.photo_min_sharpness).then(|| {
        ImageProblem::new(
            ImageCheck::PhotoSharpness,
            "photo.sharpness.blurred",
            "La foto está borrosa. Tómela de nuevo con buena luz, sin mover el celular, tocando \
             la pantalla sobre el rostro para enfocarlo.",
        )
    });
    results.push(CheckResult::judged(ImageCheck::PhotoSharpness, sharpness));

    let exposure = if m.mean < t.photo_dark_max_mean {
        Some(ImageProblem::new(
            ImageCheck::PhotoExposure,
            "photo.exposure.too_dark",
            "La foto está muy oscura. Tómela de nuevo con más luz, de frente a una ventana o \
             lámpara, sin luz detrás de usted.",
        ))
    } else if m.p25 >= t.photo_bright_min_p25 {
        Some(ImageProblem::new(
            ImageCheck::PhotoExposure,
            "photo.exposure.too_bright",
            "La foto está demasiado clara (sobreexpuesta) y el rostro pierde detalle. Tómela de \
             nuevo sin flash directo y sin luz fuerte sobre la cara.",
        ))
    } else if m.p95.saturating_sub(m.p5) < t.photo_min_contrast {
        Some(ImageProblem::new(
            ImageCheck::PhotoExposure,
            "photo.exposure.washed_out",
            "La foto se ve lavada, sin contraste. Tómela de nuevo con luz pareja, sin reflejos \
             y sin filtros.",
        ))
    } else {
        None
    };
    results.push(CheckResult::judged(ImageCheck::PhotoExposure, exposure));

    if let Some(faces) = facts.faces {
        let face = match faces {
            1 => None,
            0 => Some(ImageProblem::new(
                ImageCheck::PhotoFace,
                "photo.face.none",
                "No se encontró un rostro de frente. Tómese la foto de frente, mirando a la \
                 cámara, con el rostro descubierto y sin lentes.",
            )),
            n => Some(ImageProblem::new(
                ImageCheck::PhotoFace,
                "photo.face.many",
                format!(
                    "Se encontraron {n} rostros. En la foto debe aparecer solo usted, de frente."
                ),
            )),
        };
        results.push(CheckResult::judged(ImageCheck::PhotoFace, face));
    }
    results
}

// ---------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------

/// What a signature photo measures (for the checks, and for tuning the thresholds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignatureMetrics {
    /// Median grey level: the paper.
    pub paper: u8,
    /// Ink pixels ÷ all pixels.
    pub ink_share: f64,
    /// Blue ink pixels ÷ ink pixels, in the signature (a printed post-firma under it is
    /// judged as a post-firma, not as ink colour).
    pub blue_share: f64,
    /// Ink pixels in the band along each edge: left, top, right, bottom.
    pub edge_pixels: [usize; 4],
    /// The signature: the topmost block of ink rows that is not a speck, when there is ink.
    pub signature: Option<InkBox>,
    /// The largest block of ink under the signature that is not a speck or a thin line: a
    /// post-firma.
    pub below: Option<InkBox>,
}

/// A block of ink: its bounding box as shares of the image (0..=1) and its ink pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InkBox {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub pixels: usize,
}

impl InkBox {
    pub fn width(&self) -> f64 {
        self.right - self.left
    }

    pub fn height(&self) -> f64 {
        self.bottom - self.top
    }

    /// Offset of the box's centre from the image's centre, as shares of width and height.
    pub fn centre_offset(&self) -> (f64, f64) {
        (
            ((self.left + self.right) / 2.0 - 0.5).abs(),
            ((self.top + self.bottom) / 2.0 - 0.5).abs(),
        )
    }
}

/// Measures a signature photo (already downscaled to the analysis size).
pub fn measure_signature(pixels: Rgb8<'_>, t: &ImageThresholds) -> SignatureMetrics {
    let (w, h) = (pixels.width as usize, pixels.height as usize);
    let grey = pixels.luma();
    let paper = Histogram::of(grey.iter().copied()).percentile(0.5);
    let ink_below = paper.saturating_sub(t.signature_ink_contrast);

    // At least 1 px, at most the whole side (whatever the thresholds say).
    let band_x = ((w as f64 * t.signature_edge_margin).ceil() as usize).clamp(1, w);
    let band_y = ((h as f64 * t.signature_edge_margin).ceil() as usize).clamp(1, h);
    let mut ink = vec![false; w * h];
    let mut ink_count = 0usize;
    let mut edge_pixels = [0usize; 4];
    let mut row_counts = vec![0usize; h];
    let mut row_blue = vec![0usize; h];
    for (i, ([r, g, b], &y_luma)) in pixels.pixels().zip(grey.iter()).enumerate() {
        // A pixel darker than the paper by the contrast margin is ink (paper == 0 means a
        // black image: then nothing is ink, and the background check says why).
        if paper < t.signature_ink_contrast || y_luma > ink_below {
            continue;
        }
        let (x, y) = (i % w, i / w);
        ink[i] = true;
        ink_count += 1;
        row_counts[y] += 1;
        if b >= r.saturating_add(t.signature_blue_margin)
            && b >= g.saturating_add(t.signature_blue_margin)
        {
            row_blue[y] += 1;
        }
        if x < band_x {
            edge_pixels[0] += 1;
        }
        if y < band_y {
            edge_pixels[1] += 1;
        }
        if x >= w - band_x {
            edge_pixels[2] += 1;
        }
        if y >= h - band_y {
            edge_pixels[3] += 1;
        }
    }

    let (signature, below) = ink_blocks(&ink, &row_counts, w, h, t);
    let blue_share = signature.map_or(0.0, |s| {
        let rows = (s.top * h as f64).round() as usize..(s.bottom * h as f64).round() as usize;
        row_blue[rows].iter().sum::<usize>() as f64 / s.pixels.max(1) as f64
    });
    SignatureMetrics {
        paper,
        ink_share: ink_count as f64 / (w * h) as f64,
        blue_share,
        edge_pixels,
        signature,
        below,
    }
}

/// Splits the ink into blocks of rows separated by empty gaps. Blocks with little ink or
/// little height (an i-dot, a speck, a thin underline) are ignored; among the others the
/// topmost is the signature, and the largest one under it, if any, is a post-firma.
fn ink_blocks(
    ink: &[bool],
    row_counts: &[usize],
    w: usize,
    h: usize,
    t: &ImageThresholds,
) -> (Option<InkBox>, Option<InkBox>) {
    let min_gap = ((h as f64 * t.postfirma_min_gap).ceil() as usize).max(1);
    // Row ranges [start, end) of ink separated by at least `min_gap` empty rows, with their
    // ink pixel counts.
    let mut blocks: Vec<(usize, usize, usize)> = Vec::new();
    let mut current: Option<(usize, usize, usize)> = None;
    for (y, &count) in row_counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        current = match current {
            Some((start, end, pixels)) if y - end < min_gap => Some((start, y + 1, pixels + count)),
            Some(done) => {
                blocks.push(done);
                Some((y, y + 1, count))
            }
            None => Some((y, y + 1, count)),
        };
    }
    blocks.extend(current);

    let Some(&largest) = blocks.iter().max_by_key(|b| b.2) else {
        return (None, None);
    };
    let min_rows = h as f64 * t.postfirma_min_height;
    let significant: Vec<_> = blocks
        .into_iter()
        .filter(|&b| {
            b == largest
                || (b.2 as f64 >= largest.2 as f64 * t.postfirma_min_mass_share
                    && (b.1 - b.0) as f64 >= min_rows)
        })
        .collect();

    let boxed = |(start, end, pixels): (usize, usize, usize)| {
        let (mut left, mut right) = (w, 0);
        for row in ink[start * w..end * w].chunks_exact(w) {
            if let Some(first) = row.iter().position(|&v| v) {
                left = left.min(first);
            }
            if let Some(last) = row.iter().rposition(|&v| v) {
                right = right.max(last + 1);
            }
        }
        InkBox {
            left: left as f64 / w as f64,
            right: right as f64 / w as f64,
            top: start as f64 / h as f64,
            bottom: end as f64 / h as f64,
            pixels,
        }
    };
    let signature = significant.first().copied().map(boxed);
    let below = significant
        .iter()
        .skip(1)
        .copied()
        .max_by_key(|b| b.2)
        .map(boxed);
    (signature, below)
}

/// Judges a signature photo: paper, ink present and blue, complete, centred, medium size, and
/// no post-firma under it.
pub fn assess_signature(pixels: Rgb8<'_>, t: &ImageThresholds) -> Vec<CheckResult> {
    let m = measure_signature(pixels, t);
    let mut results = Vec::with_capacity(7);

    let background = (m.paper < t.signature_min_paper_luma).then(|| {
        ImageProblem::new(
            ImageCheck::SignatureBackground,
            "signature.background.dark",
            "El fondo no es claro. Firme sobre una hoja de papel blanco y tome la foto con buena \
             luz, sin sombras y sin que se vea la mesa.",
        )
    });
    results.push(CheckResult::judged(
        ImageCheck::SignatureBackground,
        background,
    ));

    let signature = m
        .signature
        .filter(|_| m.ink_share >= t.signature_min_ink_share);
    let Some(signature) = signature else {
        results.push(CheckResult::judged(
            ImageCheck::SignaturePresent,
            Some(ImageProblem::new(
                ImageCheck::SignaturePresent,
                "signature.present.none",
                "No se ve ninguna firma. Firme en una hoja blanca con lapicero azul y tome la \
                 foto de cerca, con la firma al centro.",
            )),
        ));
        return results;
    };
    results.push(CheckResult::judged(ImageCheck::SignaturePresent, None));

    let blue = (m.blue_share < t.signature_min_blue_share).then(|| {
        ImageProblem::new(
            ImageCheck::SignatureBlueInk,
            "signature.blue_ink.not_blue",
            "La firma no está hecha con tinta azul. Firme con lapicero azul (no negro ni de otro \
             color) y tome la foto de nuevo.",
        )
    });
    results.push(CheckResult::judged(ImageCheck::SignatureBlueInk, blue));

    let touching = m
        .edge_pixels
        .iter()
        .any(|&n| n >= t.signature_edge_min_pixels.max(1));
    if touching {
        results.push(CheckResult::judged(
            ImageCheck::SignatureComplete,
            Some(ImageProblem::new(
                ImageCheck::SignatureComplete,
                "signature.complete.touches_edge",
                "La firma toca el borde de la imagen: puede estar cortada. Tome la foto dejando \
                 papel en blanco alrededor de toda la firma.",
            )),
        ));
        // Its true size and centre are unknown: the edge message already says what to do.
        return results;
    }
    results.push(CheckResult::judged(ImageCheck::SignatureComplete, None));

    // With a post-firma the picture must be retaken anyway, and the signature's place in it
    // will change: its centring is not judged until then.
    if m.below.is_none() {
        let (dx, dy) = signature.centre_offset();
        let centred = (dx > t.signature_max_centre_offset_x
            || dy > t.signature_max_centre_offset_y)
            .then(|| {
                ImageProblem::new(
                    ImageCheck::SignatureCentred,
                    "signature.centred.off_centre",
                    "La firma no está al centro de la imagen. Tome la foto con la firma en medio, \
                     o recorte la imagen para que quede centrada.",
                )
            });
        results.push(CheckResult::judged(ImageCheck::SignatureCentred, centred));
    }

    let width = signature.width();
    let size = if width < t.signature_min_width_share {
        Some(ImageProblem::new(
            ImageCheck::SignatureSize,
            "signature.size.too_small",
            format!(
                "La firma se ve muy pequeña: ocupa el {} % del ancho de la imagen. Firme de \
                 tamaño mediano y tome la foto más de cerca, para que la firma ocupe cerca de la \
                 mitad del ancho.",
                (width * 100.0).round()
            ),
        ))
    } else if width > t.signature_max_width_share {
        Some(ImageProblem::new(
            ImageCheck::SignatureSize,
            "signature.size.too_large",
            "La firma ocupa casi todo el ancho de la imagen. Aleje un poco el celular y deje \
             papel en blanco a los lados.",
        ))
    } else {
        None
    };
    results.push(CheckResult::judged(ImageCheck::SignatureSize, size));

    let postfirma = m.below.map(|_| {
        ImageProblem::new(
            ImageCheck::SignatureNoPostFirma,
            "signature.postfirma.present",
            "Debajo de la firma hay otro texto o sello (postfirma). La firma debe ir sola: \
                 fírmela en una hoja en blanco, sin nombre, cargo ni sello debajo.",
        )
    });
    results.push(CheckResult::judged(
        ImageCheck::SignatureNoPostFirma,
        postfirma,
    ));
    results
}

// ---------------------------------------------------------------------------------------
// Measures
// ---------------------------------------------------------------------------------------

/// Variance of the 4-neighbour Laplacian over the interior of a grey image.
/// 0 for images too small to have an interior.
pub fn laplacian_variance(grey: &[u8], width: usize) -> f64 {
    if width < 3 || grey.len() < width * 3 {
        return 0.0;
    }
    let height = grey.len() / width;
    let (mut sum, mut sum_sq, mut n) = (0i64, 0i64, 0i64);
    for y in 1..height - 1 {
        let (up, row, down) = (
            &grey[(y - 1) * width..y * width],
            &grey[y * width..(y + 1) * width],
            &grey[(y + 1) * width..(y + 2) * width],
        );
        for x in 1..width - 1 {
            let v = i64::from(up[x]) + i64::from(down[x]) + i64::from(row[x - 1])
                - 4 * i64::from(row[x])
                + i64::from(row[x + 1]);
            sum += v;
            sum_sq += v * v;
            n += 1;
        }
    }
    if n == 0 {
        return 0.0;
    }
    let mean = sum as f64 / n as f64;
    sum_sq as f64 / n as f64 - mean * mean
}

/// A 256-bin histogram of grey levels.
struct Histogram {
    bins: [u64; 256],
    total: u64,
}

impl Histogram {
    fn of(values: impl Iterator<Item = u8>) -> Self {
        let mut bins = [0u64; 256];
        let mut total = 0;
        for v in values {
            bins[usize::from(v)] += 1;
            total += 1;
        }
        Self { bins, total }
    }

    /// The smallest level with at least `share` of the values at or below it.
    fn percentile(&self, share: f64) -> u8 {
        let wanted = ((self.total as f64 * share).ceil() as u64).max(1);
        let mut seen = 0;
        for (level, &count) in self.bins.iter().enumerate() {
            seen += count;
            if seen >= wanted {
                return level as u8;
            }
        }
        255
    }

    fn mean(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let sum: u64 = self
            .bins
            .iter()
            .enumerate()
            .map(|(level, &count)| level as u64 * count)
            .sum();
        sum as f64 / self.total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An RGB canvas to draw test pictures on.
    struct Canvas {
        width: u32,
        height: u32,
        data: Vec<u8>,
    }

    const PAPER: [u8; 3] = [246, 246, 244];
    const BLUE: [u8; 3] = [30, 50, 170];
    const BLACK: [u8; 3] = [25, 25, 30];

    impl Canvas {
        fn filled(width: u32, height: u32, colour: [u8; 3]) -> Self {
            let data = colour.repeat(width as usize * height as usize);
            Self {
                width,
                height,
                data,
            }
        }

        /// A busy, sharp picture: 4-px tiles of pseudo-random grey within `low..=high`.
        fn textured(width: u32, height: u32, low: u8, high: u8) -> Self {
            let mut canvas = Self::filled(width, height, [0, 0, 0]);
            let span = u32::from(high - low) + 1;
            for y in 0..height {
                for x in 0..width {
                    let tile = (x / 4) * 7919 + (y / 4) * 104_729;
                    let noise = tile.wrapping_mul(2_654_435_761) >> 16;
                    let v = low + (noise % span) as u8;
                    canvas.set(x as i64, y as i64, [v, v, v]);
                }
            }
            canvas
        }

        /// A smooth vertical gradient from 20 to 230: well exposed, no detail at all.
        fn smooth(width: u32, height: u32) -> Self {
            let mut canvas = Self::filled(width, height, [0, 0, 0]);
            for y in 0..height {
                let v = (20 + 210 * y / height.max(1)) as u8;
                for x in 0..width {
                    canvas.set(x as i64, y as i64, [v, v, v]);
                }
            }
            canvas
        }

        fn set(&mut self, x: i64, y: i64, colour: [u8; 3]) {
            if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
                return;
            }
            let i = (y as usize * self.width as usize + x as usize) * 3;
            self.data[i..i + 3].copy_from_slice(&colour);
        }

        fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, colour: [u8; 3]) {
            for y in y0..y1 {
                for x in x0..x1 {
                    self.set(x, y, colour);
                }
            }
        }

        /// A pen stroke 4 px wide through the points.
        fn stroke(&mut self, points: &[(i64, i64)], colour: [u8; 3]) {
            for pair in points.windows(2) {
                let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
                let steps = (x1 - x0).abs().max((y1 - y0).abs()).max(1);
                for s in 0..=steps {
                    let x = x0 + (x1 - x0) * s / steps;
                    let y = y0 + (y1 - y0) * s / steps;
                    self.rect(x - 2, y - 2, x + 2, y + 2, colour);
                }
            }
        }

        /// A zigzag "signature" spanning `x0..x1` horizontally and `y0..y1` vertically.
        fn signature(&mut self, x0: i64, x1: i64, y0: i64, y1: i64, colour: [u8; 3]) {
            let points: Vec<_> = (0..=10)
                .map(|i| (x0 + (x1 - x0) * i / 10, if i % 2 == 0 { y1 } else { y0 }))
                .collect();
            self.stroke(&points, colour);
        }

        fn pixels(&self) -> Rgb8<'_> {
            Rgb8::new(self.width, self.height, &self.data).unwrap()
        }
    }

    fn photo(canvas: &Canvas, faces: Option<usize>) -> Vec<CheckResult> {
        let facts = PhotoFacts {
            width: canvas.width,
            height: canvas.height,
            pixels: canvas.pixels(),
            faces,
        };
        assess_photo(&facts, &ImageThresholds::default())
    }

    fn signature(canvas: &Canvas) -> Vec<CheckResult> {
        assess_signature(canvas.pixels(), &ImageThresholds::default())
    }

    /// The precise reasons of the failed checks.
    fn failed(results: &[CheckResult]) -> Vec<&'static str> {
        problems(results).iter().map(|p| p.code).collect()
    }

    fn judged(results: &[CheckResult]) -> Vec<ImageCheck> {
        results.iter().map(|r| r.check).collect()
    }

    #[test]
    fn a_pixel_view_needs_exactly_three_bytes_a_pixel() {
        assert!(Rgb8::new(2, 2, &[0; 12]).is_some());
        assert!(Rgb8::new(2, 2, &[0; 11]).is_none());
        assert!(Rgb8::new(0, 2, &[]).is_none());
        assert!(Rgb8::new(u32::MAX, u32::MAX, &[]).is_none());
    }

    #[test]
    fn luma_weighs_green_most() {
        let px = Rgb8::new(3, 1, &[255, 0, 0, 0, 255, 0, 0, 0, 255]).unwrap();
        assert_eq!(px.luma(), vec![77, 149, 29]);
        let white = Rgb8::new(1, 1, &[255, 255, 255]).unwrap();
        assert_eq!(white.luma(), vec![255]);
    }

    #[test]
    fn stretching_spans_the_whole_range_and_leaves_flat_images_alone() {
        let mut grey: Vec<u8> = (0..100).map(|i| 100 + (i % 21) as u8).collect();
        stretch_contrast(&mut grey);
        assert_eq!(grey.iter().min(), Some(&0));
        assert_eq!(grey.iter().max(), Some(&255));
        let mut flat = vec![7u8; 10];
        stretch_contrast(&mut flat);
        assert_eq!(flat, vec![7u8; 10]);
    }

    #[test]
    fn the_laplacian_of_a_flat_image_is_zero_and_of_a_checkerboard_large() {
        assert_eq!(laplacian_variance(&[128; 100], 10), 0.0);
        let board: Vec<u8> = (0..100)
            .map(|i| if (i % 10 + i / 10) % 2 == 0 { 0 } else { 255 })
            .collect();
        assert!(laplacian_variance(&board, 10) > 100_000.0);
        assert_eq!(laplacian_variance(&[1, 2], 2), 0.0);
    }

    #[test]
    fn a_sharp_well_exposed_portrait_with_one_face_passes_every_check() {
        let results = photo(&Canvas::textured(480, 640, 20, 230), Some(1));
        assert_eq!(failed(&results), Vec::<&str>::new());
        assert_eq!(
            judged(&results),
            vec![
                ImageCheck::PhotoSize,
                ImageCheck::PhotoAspect,
                ImageCheck::PhotoSharpness,
                ImageCheck::PhotoExposure,
                ImageCheck::PhotoFace,
            ]
        );
    }

    #[test]
    fn a_photo_under_240_by_288_is_too_small_and_says_its_size() {
        let results = photo(&Canvas::textured(120, 160, 20, 230), Some(1));
        assert_eq!(failed(&results), vec!["photo.size.too_small"]);
        assert!(problems(&results)[0].message.contains("120×160"));
        let just_enough = photo(&Canvas::textured(240, 300, 20, 230), Some(1));
        assert_eq!(failed(&just_enough), Vec::<&str>::new());
    }

    #[test]
    fn portraits_of_3_4_and_4_5_pass_and_others_do_not() {
        for (w, h) in [(480, 640), (480, 600), (300, 400), (400, 500)] {
            let results = photo(&Canvas::textured(w, h, 20, 230), Some(1));
            assert_eq!(failed(&results), Vec::<&str>::new(), "{w}×{h}");
        }
        let landscape = photo(&Canvas::textured(640, 480, 20, 230), Some(1));
        assert_eq!(failed(&landscape), vec!["photo.aspect.landscape"]);
        let phone_tall = photo(&Canvas::textured(360, 640, 20, 230), Some(1));
        assert_eq!(failed(&phone_tall), vec!["photo.aspect.proportion"]);
    }

    #[test]
    fn a_photo_without_detail_is_blurred() {
        let results = photo(&Canvas::smooth(480, 640), Some(1));
        assert_eq!(failed(&results), vec!["photo.sharpness.blurred"]);
    }

    #[test]
    fn exposure_fails_dark_bright_and_flat_photos_for_that_reason_alone() {
        let dark = photo(&Canvas::textured(480, 640, 0, 40), Some(1));
        assert_eq!(failed(&dark), vec!["photo.exposure.too_dark"]);
        let bright = photo(&Canvas::textured(480, 640, 215, 255), Some(1));
        assert_eq!(failed(&bright), vec!["photo.exposure.too_bright"]);
        let flat = photo(&Canvas::textured(480, 640, 100, 150), Some(1));
        assert_eq!(failed(&flat), vec!["photo.exposure.washed_out"]);
    }

    #[test]
    fn a_white_background_alone_is_not_overexposure() {
        // Top two thirds white (a carné background), the rest a well exposed person.
        let mut canvas = Canvas::textured(480, 640, 20, 230);
        canvas.rect(0, 0, 480, 420, [255, 255, 255]);
        canvas.rect(200, 100, 280, 200, [120, 90, 80]);
        let results = photo(&canvas, Some(1));
        assert!(!failed(&results).contains(&"photo.exposure.too_bright"));
    }

    #[test]
    fn the_face_check_needs_exactly_one_face_and_a_detector() {
        let canvas = Canvas::textured(480, 640, 20, 230);
        assert_eq!(failed(&photo(&canvas, Some(0))), vec!["photo.face.none"]);
        let many = photo(&canvas, Some(3));
        assert_eq!(failed(&many), vec!["photo.face.many"]);
        assert!(problems(&many)[0].message.contains('3'));
        let undetected = photo(&canvas, None);
        assert!(!judged(&undetected).contains(&ImageCheck::PhotoFace));
        assert!(undetected.iter().all(CheckResult::passed));
    }

    fn paper() -> Canvas {
        Canvas::filled(800, 400, PAPER)
    }

    #[test]
    fn a_centred_medium_blue_signature_passes_every_check() {
        let mut canvas = paper();
        canvas.signature(180, 620, 120, 280, BLUE);
        let results = signature(&canvas);
        assert_eq!(failed(&results), Vec::<&str>::new());
        assert_eq!(
            judged(&results),
            vec![
                ImageCheck::SignatureBackground,
                ImageCheck::SignaturePresent,
                ImageCheck::SignatureBlueInk,
                ImageCheck::SignatureComplete,
                ImageCheck::SignatureCentred,
                ImageCheck::SignatureSize,
                ImageCheck::SignatureNoPostFirma,
            ]
        );
    }

    #[test]
    fn black_ink_fails_the_blue_ink_check_only() {
        let mut canvas = paper();
        canvas.signature(180, 620, 120, 280, BLACK);
        assert_eq!(
            failed(&signature(&canvas)),
            vec!["signature.blue_ink.not_blue"]
        );
    }

    #[test]
    fn a_signature_running_off_the_image_is_cut_and_not_judged_further() {
        let mut canvas = paper();
        canvas.signature(-40, 840, 100, 300, BLUE);
        let results = signature(&canvas);
        assert_eq!(failed(&results), vec!["signature.complete.touches_edge"]);
        assert!(!judged(&results).contains(&ImageCheck::SignatureSize));
        assert!(!judged(&results).contains(&ImageCheck::SignatureCentred));
    }

    #[test]
    fn a_few_specks_at_the_edge_are_not_a_cut_signature() {
        let mut canvas = paper();
        canvas.signature(180, 620, 120, 280, BLUE);
        canvas.set(0, 10, BLUE);
        canvas.set(799, 390, BLUE);
        assert_eq!(failed(&signature(&canvas)), Vec::<&str>::new());
    }

    #[test]
    fn a_signature_in_a_corner_is_off_centre_only() {
        let mut canvas = paper();
        canvas.signature(50, 300, 60, 170, BLUE);
        assert_eq!(
            failed(&signature(&canvas)),
            vec!["signature.centred.off_centre"]
        );
    }

    #[test]
    fn signature_size_is_medium_between_a_fifth_and_nine_tenths_of_the_width() {
        let mut small = paper();
        small.signature(370, 430, 180, 220, BLUE);
        let results = signature(&small);
        assert_eq!(failed(&results), vec!["signature.size.too_small"]);
        assert!(problems(&results)[0].message.contains("8 %"));

        let mut large = paper();
        large.signature(20, 780, 120, 280, BLUE);
        assert_eq!(failed(&signature(&large)), vec!["signature.size.too_large"]);
    }

    #[test]
    fn a_printed_name_and_title_under_the_signature_is_a_postfirma() {
        let mut canvas = paper();
        canvas.signature(220, 580, 60, 210, BLUE);
        canvas.rect(230, 228, 570, 230, BLACK); // the signature line
        for line in 0..2 {
            let y = 250 + line * 28;
            for letter in 0..30 {
                let x = 250 + letter * 10;
                canvas.rect(x, y, x + 6, y + 14, BLACK);
            }
        }
        let results = signature(&canvas);
        assert_eq!(failed(&results), vec!["signature.postfirma.present"]);
        assert!(!judged(&results).contains(&ImageCheck::SignatureCentred));
    }

    #[test]
    fn a_thin_underline_or_a_dot_is_part_of_the_signature() {
        let mut canvas = paper();
        canvas.signature(180, 620, 120, 260, BLUE);
        canvas.stroke(&[(200, 300), (600, 296)], BLUE);
        canvas.rect(300, 90, 305, 95, BLUE);
        assert_eq!(failed(&signature(&canvas)), Vec::<&str>::new());
    }

    #[test]
    fn blank_paper_has_no_signature_to_judge() {
        let results = signature(&paper());
        assert_eq!(failed(&results), vec!["signature.present.none"]);
        assert_eq!(
            judged(&results),
            vec![
                ImageCheck::SignatureBackground,
                ImageCheck::SignaturePresent
            ]
        );
    }

    #[test]
    fn a_dark_background_is_reported() {
        let mut canvas = Canvas::filled(800, 400, [90, 80, 70]);
        canvas.signature(180, 620, 120, 280, [0, 0, 0]);
        let results = signature(&canvas);
        assert!(failed(&results).contains(&"signature.background.dark"));
    }

    #[test]
    fn thresholds_read_from_settings_keep_the_defaults_they_do_not_name() {
        let t: ImageThresholds = serde_json::from_str(r#"{"photo_min_sharpness": 40.0}"#).unwrap();
        assert_eq!(t.photo_min_sharpness, 40.0);
        assert_eq!(
            t.photo_min_width,
            ImageThresholds::default().photo_min_width
        );
    }

    #[test]
    fn every_threshold_is_listed_once_and_its_default_is_within_its_range() {
        let t = ImageThresholds::default();
        let mut names: Vec<&str> = THRESHOLD_FIELDS.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), THRESHOLD_FIELDS.len());
        // Every field of the struct is tunable: the serialised struct has the same names.
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json.as_object().unwrap().len(), THRESHOLD_FIELDS.len());
        for f in THRESHOLD_FIELDS {
            let v = t.value(f.name).unwrap();
            assert!(f.min <= v && v <= f.max, "{} = {v}", f.name);
            assert_eq!(json[f.name].as_f64().unwrap(), v, "{}", f.name);
        }
    }

    #[test]
    fn thresholds_read_back_what_they_write_as_lines() {
        let t = ImageThresholds::default();
        assert_eq!(t.with_lines(&t.to_lines()).unwrap(), t);
        assert!(t.to_lines().contains("photo_min_sharpness=25\n"));
        assert!(t.to_lines().contains("signature_min_ink_share=0.0005"));
    }

    #[test]
    fn changed_thresholds_keep_the_others_and_accept_a_decimal_comma() {
        let t = ImageThresholds::default()
            .with_lines("photo_min_sharpness = 40; signature_min_blue_share=0,7")
            .unwrap();
        assert_eq!(t.photo_min_sharpness, 40.0);
        assert_eq!(t.signature_min_blue_share, 0.7);
        assert_eq!(t.photo_min_width, 240);
    }

    #[test]
    fn bad_thresholds_are_each_reported_and_change_nothing() {
        let errors = ImageThresholds::default()
            .with_lines(
                "photo_min_width=12.5\nphoto_min_sharpness=-1\nsignature_min_blue_share=mucho\nfoo=1",
            )
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "photo_min_width",
                "photo_min_sharpness",
                "signature_min_blue_share",
                "foo"
            ]
        );
        assert!(errors[0].1.contains("entero"));
        assert!(errors[1].1.contains("entre 0 y 1000"));
        assert!(errors[2].1.contains("no es un número"));
        let crossed = ImageThresholds::default()
            .with_lines("signature_min_width_share=0.8\nsignature_max_width_share=0.5")
            .unwrap_err();
        assert_eq!(crossed[0].0, "signature_max_width_share");
    }

    #[test]
    fn every_check_has_a_distinct_code_and_a_spanish_label() {
        let all = [
            ImageCheck::PhotoSize,
            ImageCheck::PhotoAspect,
            ImageCheck::PhotoSharpness,
            ImageCheck::PhotoExposure,
            ImageCheck::PhotoFace,
            ImageCheck::SignatureBackground,
            ImageCheck::SignaturePresent,
            ImageCheck::SignatureBlueInk,
            ImageCheck::SignatureComplete,
            ImageCheck::SignatureCentred,
            ImageCheck::SignatureSize,
            ImageCheck::SignatureNoPostFirma,
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(|c| c.code()).collect();
        assert_eq!(codes.len(), all.len());
        assert!(all.iter().all(|c| !c.label().is_empty()));
    }

    proptest! {
        #[test]
        fn any_pixels_are_judged_without_panicking(
            width in 1u32..48,
            height in 1u32..48,
            seed in any::<u64>(),
            faces in proptest::option::of(0usize..4),
        ) {
            let mut state = seed | 1;
            let data: Vec<u8> = (0..width * height * 3)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 24) as u8
                })
                .collect();
            let pixels = Rgb8::new(width, height, &data).unwrap();
            let t = ImageThresholds::default();
            let facts = PhotoFacts { width, height, pixels, faces };
            for results in [assess_photo(&facts, &t), assess_signature(pixels, &t)] {
                // Each check at most once, and every problem belongs to its check.
                let checks: std::collections::HashSet<_> = judged(&results).into_iter().collect();
                prop_assert_eq!(checks.len(), results.len());
                for problem in problems(&results) {
                    prop_assert!(problem.code.starts_with(problem.check.code()));
                    prop_assert!(!problem.message.is_empty());
                }
            }
        }

        #[test]
        fn tuned_thresholds_of_any_value_never_panic(
            margin in -1.0f64..3.0,
            gap in -1.0f64..3.0,
            height in -1.0f64..3.0,
            contrast in any::<u8>(),
        ) {
            let t = ImageThresholds {
                signature_edge_margin: margin,
                postfirma_min_gap: gap,
                postfirma_min_height: height,
                signature_ink_contrast: contrast,
                ..ImageThresholds::default()
            };
            let mut canvas = Canvas::filled(200, 100, PAPER);
            canvas.signature(45, 155, 30, 70, BLUE);
            let _ = assess_signature(canvas.pixels(), &t);
        }

        #[test]
        fn uniform_images_of_any_colour_never_panic(
            colour in any::<[u8; 3]>(),
            width in 1u32..64,
            height in 1u32..64,
        ) {
            let canvas = Canvas::filled(width, height, colour);
            let t = ImageThresholds::default();
            let _ = assess_signature(canvas.pixels(), &t);
            let facts = PhotoFacts { width, height, pixels: canvas.pixels(), faces: Some(1) };
            let results = assess_photo(&facts, &t);
            // A flat picture is never sharp.
            prop_assert!(failed(&results).contains(&"photo.sharpness.blurred"));
        }
    }
}
