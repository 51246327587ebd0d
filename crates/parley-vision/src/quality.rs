//! The photo-quality gate: is the photo sharp, well exposed and large enough to judge?
//!
//! Offline this is all the `condition` kind does (no model that could judge damage ships in any
//! registry we can use), and it never guesses a verdict: it says what is wrong with the photo
//! in words the visitor can act on, and leaves the item to a person. With a model, the engine
//! can run it first and ask for a better photo before spending a model call.

use crate::condition::{Condition, QualityIssue, QualityIssueKind, Verdict};
use image::{GrayImage, RgbImage};

/// Where the gate draws its lines. The sharpness line was set on the public-domain photos of
/// the scikit-image wheel (sharp ones score 1,100-7,700, after a Gaussian blur of σ = 2 px
/// 10-33, a real motion-blurred photo 75) and on the generated product photos (sharp:
/// 131-411); `docs/vision.md` has the table.
#[derive(Debug, Clone)]
pub struct QualityThresholds {
    /// Short side below which a photo is too small to show detail.
    pub min_short_side: u32,
    /// Laplacian variance of the most detailed tiles below which the photo is blurry.
    pub min_sharpness: f64,
    /// Mean brightness (0..255) below which the photo is too dark...
    pub dark_mean: f64,
    /// ...when also this share of pixels is near black.
    pub dark_share: f64,
    /// Mean brightness above which the photo is washed out...
    pub bright_mean: f64,
    /// ...when also this share of pixels is near white.
    pub bright_share: f64,
    /// Standard deviation of brightness below which the photo shows no detail.
    pub min_contrast: f64,
}

impl Default for QualityThresholds {
    fn default() -> Self {
        QualityThresholds {
            min_short_side: 400,
            min_sharpness: 100.0,
            dark_mean: 55.0,
            dark_share: 0.5,
            bright_mean: 230.0,
            bright_share: 0.7,
            min_contrast: 12.0,
        }
    }
}

/// What the gate measured, and the issues it found.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityReport {
    /// Variance of the Laplacian, averaged over the most detailed tenth of the image's tiles
    /// (at most 1024 px long side): a sharp item on a plain background still scores high.
    pub sharpness: f64,
    /// Mean brightness, 0..255.
    pub brightness: f64,
    /// Standard deviation of brightness.
    pub contrast: f64,
    /// Share of pixels darker than 40.
    pub dark_share: f64,
    /// Share of pixels brighter than 245.
    pub bright_share: f64,
    pub width: u32,
    pub height: u32,
    pub issues: Vec<QualityIssue>,
}

impl QualityReport {
    pub fn passed(&self) -> bool {
        self.issues.is_empty()
    }

    /// The offline `condition` result: always `needs_review`, with the photo's problems as
    /// reasons when there are any.
    pub fn offline_condition(&self) -> Condition {
        let mut reasons: Vec<String> = self.issues.iter().map(|i| i.message.clone()).collect();
        reasons.push(if self.issues.is_empty() {
            "The photo is clear enough to judge. No vision model is set up, so a person will check the item's condition."
                .to_string()
        } else {
            "A person will check the item's condition; a better photo will help them.".to_string()
        });
        Condition {
            verdict: Verdict::NeedsReview,
            damages: Vec::new(),
            reasons,
            confidence: 0.0,
            quality_issues: self.issues.clone(),
        }
    }
}

/// Measures the photo and lists what is wrong with it.
pub fn assess(pixels: &RgbImage, t: &QualityThresholds) -> QualityReport {
    let (width, height) = pixels.dimensions();
    let gray = image::imageops::grayscale(pixels);
    let mut histogram = [0u64; 256];
    for p in gray.pixels() {
        histogram[usize::from(p.0[0])] += 1;
    }
    let n = (u64::from(width) * u64::from(height)).max(1) as f64;
    let brightness = histogram
        .iter()
        .enumerate()
        .map(|(v, c)| v as f64 * *c as f64)
        .sum::<f64>()
        / n;
    let contrast = (histogram
        .iter()
        .enumerate()
        .map(|(v, c)| (v as f64 - brightness).powi(2) * *c as f64)
        .sum::<f64>()
        / n)
        .sqrt();
    let dark_share = histogram[..40].iter().sum::<u64>() as f64 / n;
    let bright_share = histogram[246..].iter().sum::<u64>() as f64 / n;
    let sharpness = sharpness(&gray);

    let mut issues = Vec::new();
    let mut issue = |kind, message: String| issues.push(QualityIssue { kind, message });
    if width.min(height) < t.min_short_side {
        issue(
            QualityIssueKind::LowResolution,
            format!(
                "The photo is only {width} × {height} pixels. Please send the original photo (at least {} pixels on its short side).",
                t.min_short_side
            ),
        );
    }
    if brightness < t.dark_mean && dark_share > t.dark_share {
        issue(
            QualityIssueKind::TooDark,
            "The photo is too dark. Please take it again in daylight or under a bright lamp."
                .into(),
        );
    } else if brightness > t.bright_mean && bright_share > t.bright_share {
        issue(
            QualityIssueKind::TooBright,
            "The photo is washed out. Please avoid direct sunlight and the flash, and take it again.".into(),
        );
    } else if contrast < t.min_contrast {
        issue(
            QualityIssueKind::LowContrast,
            "The photo shows almost no detail. Please fill the frame with the item and take it again.".into(),
        );
    }
    if sharpness < t.min_sharpness && contrast >= t.min_contrast {
        issue(
            QualityIssueKind::Blurry,
            "The photo is blurry. Hold the phone steady, tap the item to focus, and take it again in good light."
                .into(),
        );
    }
    QualityReport {
        sharpness,
        brightness,
        contrast,
        dark_share,
        bright_share,
        width,
        height,
        issues,
    }
}

/// Laplacian variance of the most detailed tiles, at a fixed scale so that photos of any size
/// compare (an 8×8 grid; the top tenth of the tiles, at least two).
fn sharpness(gray: &GrayImage) -> f64 {
    const LONG_SIDE: u32 = 1024;
    const GRID: u32 = 8;
    let (w, h) = gray.dimensions();
    let scaled;
    let gray = if w.max(h) > LONG_SIDE {
        let s = f64::from(LONG_SIDE) / f64::from(w.max(h));
        let (nw, nh) = (
            ((f64::from(w) * s) as u32).max(1),
            ((f64::from(h) * s) as u32).max(1),
        );
        scaled = image::imageops::resize(gray, nw, nh, image::imageops::FilterType::Triangle);
        &scaled
    } else {
        gray
    };
    let lap = imageproc::filter::laplacian_filter(gray);
    let (w, h) = lap.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let mut tiles = Vec::with_capacity((GRID * GRID) as usize);
    for ty in 0..GRID {
        for tx in 0..GRID {
            // Skip the one-pixel border, where the filter sees the clamped edge.
            let (x0, x1) = ((w * tx / GRID).max(1), (w * (tx + 1) / GRID).min(w - 1));
            let (y0, y1) = ((h * ty / GRID).max(1), (h * (ty + 1) / GRID).min(h - 1));
            let (mut sum, mut sq, mut n) = (0f64, 0f64, 0f64);
            for y in y0..y1 {
                for x in x0..x1 {
                    let v = f64::from(lap.get_pixel(x, y).0[0]);
                    sum += v;
                    sq += v * v;
                    n += 1.0;
                }
            }
            if n > 0.0 {
                tiles.push(sq / n - (sum / n).powi(2));
            }
        }
    }
    tiles.sort_by(|a, b| b.total_cmp(a));
    let top = (tiles.len() / 10).max(2).min(tiles.len());
    tiles[..top].iter().sum::<f64>() / top.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn checkerboard(size: u32, cell: u32, dark: u8, light: u8) -> RgbImage {
        RgbImage::from_fn(size, size, |x, y| {
            if (x / cell + y / cell).is_multiple_of(2) {
                Rgb([dark; 3])
            } else {
                Rgb([light; 3])
            }
        })
    }

    #[test]
    fn a_sharp_well_lit_photo_passes() {
        let r = assess(
            &checkerboard(600, 20, 40, 210),
            &QualityThresholds::default(),
        );
        assert!(r.passed(), "{r:?}");
        assert!(r.offline_condition().reasons[0].contains("person will check"));
    }

    #[test]
    fn a_blurred_photo_is_blurry() {
        let img = imageproc::filter::gaussian_blur_f32(&checkerboard(600, 20, 40, 210), 4.0);
        let r = assess(&img, &QualityThresholds::default());
        assert_eq!(
            r.issues.iter().map(|i| i.kind).collect::<Vec<_>>(),
            vec![QualityIssueKind::Blurry],
            "{r:?}"
        );
    }

    #[test]
    fn dark_bright_flat_and_small_photos_say_so() {
        let t = QualityThresholds::default();
        let kinds = |img: &RgbImage| {
            assess(img, &t)
                .issues
                .iter()
                .map(|i| i.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            kinds(&checkerboard(600, 20, 5, 30)),
            vec![QualityIssueKind::TooDark]
        );
        assert_eq!(
            kinds(&checkerboard(600, 20, 250, 255)),
            vec![QualityIssueKind::TooBright]
        );
        assert_eq!(
            kinds(&checkerboard(600, 20, 120, 125)),
            vec![QualityIssueKind::LowContrast]
        );
        assert_eq!(
            kinds(&checkerboard(300, 20, 40, 210)),
            vec![QualityIssueKind::LowResolution]
        );
    }

    #[test]
    fn the_offline_verdict_is_never_a_guess() {
        let r = assess(&checkerboard(600, 20, 5, 30), &QualityThresholds::default());
        let c = r.offline_condition().validate().unwrap();
        assert_eq!(c.verdict, Verdict::NeedsReview);
        assert!(c.reasons[0].contains("too dark"));
        assert_eq!(c.quality_issues.len(), 1);
    }
}
