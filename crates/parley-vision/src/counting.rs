//! The offline counter: classical image processing, labelled as an estimate.
//!
//! No detector that knows arbitrary products ships in a registry we can use (see
//! `docs/vision.md`), so this counts *blobs*: it models the background as a smooth colour
//! gradient, marks what differs from it, cleans the mask, labels connected components and
//! splits blobs much larger than the typical one by area. That works for separate, similar
//! items on a plain surface photographed from above, and nothing else; the result says so,
//! and comes with an overlay so a person can confirm it at a glance.

use crate::count::{BoundingBox, Count, Overlay};
use crate::normalize::encode_png;
use image::{GrayImage, Luma, Rgb, RgbImage};
use imageproc::distance_transform::Norm;
use imageproc::region_labelling::{Connectivity, connected_components};

/// How the counter works on an image.
#[derive(Debug, Clone)]
pub struct CountOptions {
    /// The image is scaled to this long side before counting (speed, and noise averaging).
    pub analysis_side: u32,
    /// The smallest difference from the background (0..255, per channel) that counts as an
    /// item, whatever the automatic threshold says.
    pub min_contrast: u8,
    /// Blobs smaller than this share of the typical blob are specks or shadows.
    pub min_relative_area: f64,
    /// A blob this many times the typical one is several touching items.
    pub merged_factor: f64,
    /// Long side of the overlay image.
    pub overlay_side: u32,
}

impl Default for CountOptions {
    fn default() -> Self {
        CountOptions {
            analysis_side: 800,
            min_contrast: 28,
            min_relative_area: 0.25,
            merged_factor: 1.6,
            overlay_side: 800,
        }
    }
}

/// The highest confidence an offline count gets.
pub const CLASSICAL_MAX_CONFIDENCE: f64 = 0.6;

/// Counts the distinct items on a plain background. `what` names them in the result
/// ("items" when not given).
pub fn count_items(pixels: &RgbImage, what: Option<&str>, opts: &CountOptions) -> Count {
    let small = scale_to(pixels, opts.analysis_side);
    let (w, h) = small.dimensions();
    let mask = foreground(&small, opts.min_contrast);
    let labels = connected_components(&mask, Connectivity::Eight, Luma([0u8]));

    // Area and bounds per label.
    let mut blobs: Vec<Blob> = Vec::new();
    for (x, y, l) in labels.enumerate_pixels() {
        let l = l.0[0] as usize;
        if l == 0 {
            continue;
        }
        if blobs.len() < l {
            blobs.resize(l, Blob::EMPTY);
        }
        blobs[l - 1].add(x, y);
    }
    let image_area = f64::from(w) * f64::from(h);
    let mut notes = Vec::new();
    // Something covering most of the picture is the background we failed to model.
    if blobs.iter().any(|b| b.area as f64 >= image_area * 0.5) {
        notes.push("Part of the background could not be told apart from the items.".to_string());
    }
    blobs.retain(|b| (b.area as f64) < image_area * 0.5 && b.area >= 12);
    let typical = median(blobs.iter().map(|b| b.area as f64).collect());
    blobs.retain(|b| b.area as f64 >= typical * opts.min_relative_area);
    let typical = median(blobs.iter().map(|b| b.area as f64).collect());

    let mut count = 0u32;
    let mut merged = 0u32;
    for b in &blobs {
        let ratio = b.area as f64 / typical.max(1.0);
        let n = if ratio >= opts.merged_factor {
            ratio.round().max(2.0) as u32
        } else {
            1
        };
        if n > 1 {
            merged += 1;
        }
        count += n;
    }
    if merged > 0 {
        notes.push(format!(
            "{merged} of the marked areas look like several items touching; they were counted by their size."
        ));
    }
    let areas: Vec<f64> = blobs.iter().map(|b| b.area as f64).collect();
    let spread = coefficient_of_variation(&areas);
    let mut confidence = CLASSICAL_MAX_CONFIDENCE;
    if merged > 0 || spread > 0.5 {
        confidence = 0.4;
    }
    if count == 0 {
        confidence = 0.2;
        notes.push("Nothing stood out from the background.".to_string());
    }
    notes.push(
        "Counted offline by shape detection: reliable only for separate items on a plain background, photographed from above."
            .to_string(),
    );
    let boxes: Vec<BoundingBox> = blobs
        .iter()
        .map(|b| BoundingBox {
            x: f64::from(b.min_x) / f64::from(w),
            y: f64::from(b.min_y) / f64::from(h),
            width: f64::from(b.max_x - b.min_x + 1) / f64::from(w),
            height: f64::from(b.max_y - b.min_y + 1) / f64::from(h),
        })
        .collect();
    let overlay = render_overlay(pixels, &boxes, opts.overlay_side).ok();
    Count {
        what: what
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .unwrap_or("items")
            .to_string(),
        count,
        boxes,
        confidence,
        notes,
        estimate: true,
        overlay,
    }
}

/// The image (scaled to `max_side`) with a box drawn around each counted item: for the
/// offline counter, and for a model's boxes too.
pub fn render_overlay(
    pixels: &RgbImage,
    boxes: &[BoundingBox],
    max_side: u32,
) -> Result<Overlay, crate::NormalizeError> {
    let mut img = scale_to(pixels, max_side);
    let (w, h) = img.dimensions();
    let thickness = (w.max(h) / 300).max(2) as i32;
    for b in boxes {
        let x = (b.x * f64::from(w)).round() as i32;
        let y = (b.y * f64::from(h)).round() as i32;
        let bw = (b.width * f64::from(w)).round().max(1.0) as u32;
        let bh = (b.height * f64::from(h)).round().max(1.0) as u32;
        for t in 0..thickness {
            // Grow outwards so the box never hides the item's edge.
            let rect = imageproc::rect::Rect::at(x - 1 - t, y - 1 - t)
                .of_size(bw + 2 + 2 * t as u32, bh + 2 + 2 * t as u32);
            let colour = if t == thickness - 1 {
                Rgb([255, 255, 255])
            } else {
                Rgb([230, 0, 120])
            };
            imageproc::drawing::draw_hollow_rect_mut(&mut img, rect, colour);
        }
    }
    Ok(Overlay {
        png: encode_png(&img)?,
        width: w,
        height: h,
    })
}

#[derive(Clone, Copy)]
struct Blob {
    area: u32,
    min_x: u32,
    min_y: u32,
    max_x: u32,
    max_y: u32,
}

impl Blob {
    const EMPTY: Blob = Blob {
        area: 0,
        min_x: u32::MAX,
        min_y: u32::MAX,
        max_x: 0,
        max_y: 0,
    };

    fn add(&mut self, x: u32, y: u32) {
        self.area += 1;
        self.min_x = self.min_x.min(x);
        self.min_y = self.min_y.min(y);
        self.max_x = self.max_x.max(x);
        self.max_y = self.max_y.max(y);
    }
}

fn scale_to(pixels: &RgbImage, max_side: u32) -> RgbImage {
    let (w, h) = pixels.dimensions();
    if w.max(h) <= max_side {
        return pixels.clone();
    }
    let s = f64::from(max_side) / f64::from(w.max(h));
    let (nw, nh) = (
        ((f64::from(w) * s).round() as u32).max(1),
        ((f64::from(h) * s).round() as u32).max(1),
    );
    image::imageops::resize(pixels, nw, nh, image::imageops::FilterType::Triangle)
}

/// A mask (255 = item) of what differs from the background, cleaned of specks, with holes
/// filled (a ring or a label on an item is still the item).
fn foreground(img: &RgbImage, min_contrast: u8) -> GrayImage {
    let plane = background_planes(img);
    let (w, h) = img.dimensions();
    let diff = GrayImage::from_fn(w, h, |x, y| {
        let p = img.get_pixel(x, y).0;
        let d = (0..3)
            .map(|c| (f64::from(p[c]) - plane[c].at(x, y)).abs())
            .fold(0.0, f64::max);
        Luma([d.min(255.0) as u8])
    });
    let level = imageproc::contrast::otsu_level(&diff).max(min_contrast);
    let mask =
        imageproc::contrast::threshold(&diff, level, imageproc::contrast::ThresholdType::Binary);
    let mask = imageproc::morphology::open(&mask, Norm::LInf, 1);
    let mask = imageproc::morphology::close(&mask, Norm::LInf, 2);
    fill_holes(mask)
}

/// Background pixels enclosed by an item become the item.
fn fill_holes(mut mask: GrayImage) -> GrayImage {
    let (w, h) = mask.dimensions();
    let inverted = GrayImage::from_fn(w, h, |x, y| Luma([255 - mask.get_pixel(x, y).0[0]]));
    let labels = connected_components(&inverted, Connectivity::Four, Luma([0u8]));
    let mut touches_border = vec![false; 1];
    for (x, y, l) in labels.enumerate_pixels() {
        let l = l.0[0] as usize;
        if touches_border.len() <= l {
            touches_border.resize(l + 1, false);
        }
        if x == 0 || y == 0 || x == w - 1 || y == h - 1 {
            touches_border[l] = true;
        }
    }
    for (x, y, l) in labels.enumerate_pixels() {
        let l = l.0[0] as usize;
        if l != 0 && !touches_border[l] {
            mask.put_pixel(x, y, Luma([255]));
        }
    }
    mask
}

/// `a + b·x + c·y`, one colour channel of the background.
#[derive(Clone, Copy, Debug)]
struct Plane {
    a: f64,
    b: f64,
    c: f64,
}

impl Plane {
    fn at(&self, x: u32, y: u32) -> f64 {
        self.a + self.b * f64::from(x) + self.c * f64::from(y)
    }
}

/// Fits a plane per channel to the medians of a 16×16 grid of blocks, refitting on the blocks
/// that agree with it best: items are a minority of the blocks, so they drop out, and an
/// evenly lit gradient (a lamp to one side) is modelled instead of thresholded.
fn background_planes(img: &RgbImage) -> [Plane; 3] {
    const GRID: u32 = 16;
    let (w, h) = img.dimensions();
    let mut samples: Vec<(f64, f64, [f64; 3])> = Vec::new();
    for gy in 0..GRID {
        for gx in 0..GRID {
            let (x0, x1) = (
                w * gx / GRID,
                (w * (gx + 1) / GRID).max(w * gx / GRID + 1).min(w),
            );
            let (y0, y1) = (
                h * gy / GRID,
                (h * (gy + 1) / GRID).max(h * gy / GRID + 1).min(h),
            );
            let mut channels = [Vec::new(), Vec::new(), Vec::new()];
            for y in y0..y1 {
                for x in x0..x1 {
                    let p = img.get_pixel(x, y).0;
                    for c in 0..3 {
                        channels[c].push(f64::from(p[c]));
                    }
                }
            }
            let m = channels.map(median);
            samples.push((f64::from(x0 + x1) / 2.0, f64::from(y0 + y1) / 2.0, m));
        }
    }
    let mut planes = fit(&samples);
    for keep in [0.7, 0.5, 0.4] {
        let mut scored: Vec<(f64, usize)> = samples
            .iter()
            .enumerate()
            .map(|(i, (x, y, m))| {
                let d = (0..3)
                    .map(|c| (m[c] - (planes[c].a + planes[c].b * x + planes[c].c * y)).abs())
                    .sum::<f64>();
                (d, i)
            })
            .collect();
        scored.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n = ((samples.len() as f64 * keep) as usize).max(3);
        let subset: Vec<_> = scored[..n].iter().map(|(_, i)| samples[*i]).collect();
        planes = fit(&subset);
    }
    planes
}

/// Least-squares planes through the samples (3×3 normal equations, solved by Cramer's rule).
fn fit(samples: &[(f64, f64, [f64; 3])]) -> [Plane; 3] {
    let n = samples.len() as f64;
    let (mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (x, y, _) in samples {
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    let det3 = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let a = [[n, sx, sy], [sx, sxx, sxy], [sy, sxy, syy]];
    let d = det3(a);
    std::array::from_fn(|c| {
        let (mut s, mut sxv, mut syv) = (0.0, 0.0, 0.0);
        for (x, y, m) in samples {
            s += m[c];
            sxv += x * m[c];
            syv += y * m[c];
        }
        if d.abs() < 1e-9 {
            return Plane {
                a: s / n.max(1.0),
                b: 0.0,
                c: 0.0,
            };
        }
        let v = [s, sxv, syv];
        let with = |col: usize| {
            let mut m = a;
            for (row, value) in v.iter().enumerate() {
                m[row][col] = *value;
            }
            det3(m) / d
        };
        Plane {
            a: with(0),
            b: with(1),
            c: with(2),
        }
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn coefficient_of_variation(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
    if mean > 0.0 { var.sqrt() / mean } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discs(centres: &[(i32, i32)], radius: i32, bg: [u8; 3], fg: [u8; 3]) -> RgbImage {
        RgbImage::from_fn(400, 300, |x, y| {
            let inside = centres.iter().any(|&(cx, cy)| {
                (x as i32 - cx).pow(2) + (y as i32 - cy).pow(2) <= radius * radius
            });
            // A gradient, as from a lamp to the left.
            let shade = (x / 20) as u8;
            if inside {
                Rgb(fg)
            } else {
                Rgb(bg.map(|c| c.saturating_sub(shade)))
            }
        })
    }

    #[test]
    fn separate_items_on_a_gradient_are_counted_with_boxes_and_an_overlay() {
        let img = discs(
            &[(60, 60), (200, 80), (320, 200), (100, 220), (250, 230)],
            25,
            [230, 225, 220],
            [150, 40, 40],
        );
        let c = count_items(&img, Some("apples"), &CountOptions::default());
        assert_eq!(c.count, 5, "{c:?}");
        assert_eq!(c.boxes.len(), 5);
        assert!(c.estimate);
        assert_eq!(c.what, "apples");
        assert_eq!(c.confidence, CLASSICAL_MAX_CONFIDENCE);
        let b = c
            .boxes
            .iter()
            .find(|b| b.x < 0.2 && b.y < 0.3)
            .expect("the box of the disc at (60, 60)");
        assert!(
            (b.x - 35.0 / 400.0).abs() < 0.02 && (b.width - 51.0 / 400.0).abs() < 0.02,
            "{b:?}"
        );
        let overlay = c.overlay.as_ref().unwrap();
        assert_eq!((overlay.width, overlay.height), (400, 300));
        assert!(overlay.png.starts_with(b"\x89PNG"));
        assert!(c.clone().validate().is_ok());
        assert!(c.summary().starts_with("About 5 apples"));
    }

    #[test]
    fn light_items_on_a_dark_surface_count_too() {
        let img = discs(
            &[(60, 60), (200, 80), (320, 200)],
            20,
            [40, 40, 45],
            [220, 220, 200],
        );
        assert_eq!(count_items(&img, None, &CountOptions::default()).count, 3);
    }

    #[test]
    fn touching_items_are_split_by_area_and_flagged() {
        let img = discs(
            &[(60, 60), (200, 80), (320, 200), (100, 220), (138, 220)],
            20,
            [230, 230, 230],
            [30, 30, 120],
        );
        let c = count_items(&img, None, &CountOptions::default());
        assert_eq!(c.count, 5, "{c:?}");
        assert_eq!(c.boxes.len(), 4, "one box around the touching pair");
        assert!(c.notes[0].contains("touching"));
        assert!(c.confidence < CLASSICAL_MAX_CONFIDENCE);
    }

    #[test]
    fn an_empty_surface_counts_nothing_and_says_so() {
        let img = discs(&[], 20, [200, 200, 200], [0, 0, 0]);
        let c = count_items(&img, None, &CountOptions::default());
        assert_eq!(c.count, 0);
        assert!(c.notes.iter().any(|n| n.contains("Nothing stood out")));
    }
}
