//! Generated test images with known answers (feature `testing`): receipts rendered from a
//! bitmap font, scenes of items to count, product photos, and hostile files. Deterministic
//! per seed, so a failing case can be rebuilt and looked at.

use crate::normalize::{encode_jpeg, encode_png};
use image::codecs::jpeg::JpegEncoder;
use image::{GrayImage, ImageEncoder, Rgb, RgbImage};
use std::sync::LazyLock;

/// A small deterministic generator (SplitMix64): fixtures must not change between runs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
    }

    /// Uniform in `0.0..1.0`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u32 - 1) as usize]
    }
}

/// Glyph cell size of the committed atlas (`fixtures/font-atlas.png`, DejaVu Sans Mono 26 px;
/// `fixtures/make_font_atlas.py` says how it was made).
pub const GLYPH_W: u32 = 16;
pub const GLYPH_H: u32 = 32;

static ATLAS: LazyLock<GrayImage> = LazyLock::new(|| {
    image::load_from_memory(include_bytes!("../fixtures/font-atlas.png"))
        .expect("the committed atlas decodes")
        .into_luma8()
});

/// Draws `text` (printable ASCII; anything else is a blank) with its top-left at (x, y).
pub fn draw_text(img: &mut RgbImage, x: u32, y: u32, text: &str, ink: [u8; 3]) {
    for (i, ch) in text.chars().enumerate() {
        let code = ch as u32;
        if !(33..=126).contains(&code) {
            continue;
        }
        let idx = code - 32;
        let (ax, ay) = ((idx % 16) * GLYPH_W, (idx / 16) * GLYPH_H);
        for gy in 0..GLYPH_H {
            for gx in 0..GLYPH_W {
                let a = f32::from(ATLAS.get_pixel(ax + gx, ay + gy).0[0]) / 255.0;
                let (px, py) = (x + i as u32 * GLYPH_W + gx, y + gy);
                if a > 0.0 && px < img.width() && py < img.height() {
                    let p = img.get_pixel_mut(px, py);
                    for (channel, ink) in p.0.iter_mut().zip(ink) {
                        *channel =
                            (f32::from(*channel) * (1.0 - a) + f32::from(ink) * a).round() as u8;
                    }
                }
            }
        }
    }
}

/// One printed line item.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceiptItem {
    pub description: String,
    pub quantity: u32,
    /// Line total, in cents.
    pub amount_cents: i64,
}

/// A receipt with known fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    pub vendor: String,
    pub number: String,
    /// `YYYY-MM-DD`.
    pub date_iso: String,
    pub date_printed: String,
    pub currency: String,
    pub items: Vec<ReceiptItem>,
    pub subtotal_cents: i64,
    pub tax_label: String,
    pub tax_cents: i64,
    pub total_cents: i64,
}

const VENDORS: &[&str] = &[
    "ACME HARDWARE GMBH",
    "CORNER STORE",
    "BLUE RIVER CAFE",
    "NORTHWIND TRADERS",
    "CONTOSO OFFICE SUPPLY",
    "FABRIKAM ELECTRONICS",
    "GREENLEAF MARKET",
    "HARBOR BOOKS LTD",
];
const ITEMS: &[&str] = &[
    "Hammer",
    "Wood glue",
    "Sandpaper",
    "Paint brush",
    "Tape measure",
    "Light bulb",
    "Cable ties",
    "Coffee beans",
    "Oat milk",
    "Notebook",
    "USB cable",
    "Desk lamp",
    "Batteries",
    "Screwdriver",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Characters per printed line.
const COLUMNS: usize = 36;

impl Receipt {
    pub fn generate(seed: u64) -> Receipt {
        let mut r = Rng::new(seed);
        let vendor = r.pick(VENDORS).to_string();
        let currency = r.pick(&["EUR", "USD", "GBP"]).to_string();
        let (y, m, d) = (r.range(2022, 2026), r.range(1, 12), r.range(1, 28));
        let date_iso = format!("{y:04}-{m:02}-{d:02}");
        let date_printed = match (currency.as_str(), r.range(0, 1)) {
            ("EUR", 0) => format!("{d:02}.{m:02}.{y}"),
            ("EUR", _) => date_iso.clone(),
            ("USD", 0) => format!("{m:02}/{d:02}/{y}"),
            ("USD", _) => format!("{} {d}, {y}", MONTHS[m as usize - 1]),
            (_, 0) => format!("{d:02}/{m:02}/{y}"),
            _ => format!("{d} {} {y}", MONTHS[m as usize - 1]),
        };
        let number = match r.range(0, 2) {
            0 => format!("INV-{y}-{:05}", r.range(1, 99_999)),
            1 => format!("R-{:06}", r.range(1, 999_999)),
            _ => format!("{:08}", r.range(10_000_000, 99_999_999)),
        };
        let mut items = Vec::new();
        let mut names: Vec<&str> = ITEMS.to_vec();
        for _ in 0..r.range(2, 5) {
            let i = r.range(0, names.len() as u32 - 1) as usize;
            let description = names.remove(i).to_string();
            let quantity = if r.unit() < 0.6 { 1 } else { r.range(2, 4) };
            let unit = i64::from(r.range(99, 4_999));
            items.push(ReceiptItem {
                description,
                quantity,
                amount_cents: unit * i64::from(quantity),
            });
        }
        let subtotal_cents: i64 = items.iter().map(|i| i.amount_cents).sum();
        let (tax_label, rate) = match currency.as_str() {
            "EUR" => *r.pick(&[("VAT 19%", 0.19), ("MwSt 7%", 0.07)]),
            "USD" => ("Sales tax 8.25%", 0.0825),
            _ => ("VAT 20%", 0.20),
        };
        let tax_cents = (subtotal_cents as f64 * rate).round() as i64;
        Receipt {
            vendor,
            number,
            date_iso,
            date_printed,
            currency,
            items,
            subtotal_cents,
            tax_label: tax_label.to_string(),
            tax_cents,
            total_cents: subtotal_cents + tax_cents,
        }
    }

    /// The receipt as text lines, amounts right-aligned, as a till prints it.
    pub fn lines(&self) -> Vec<String> {
        let row =
            |left: &str, cents: i64| format!("{left:<w$}{:>10}", money(cents), w = COLUMNS - 10);
        let mut lines = vec![
            self.vendor.clone(),
            "12 Harbour Road".to_string(),
            format!("Invoice No: {}", self.number),
            format!("Date: {}", self.date_printed),
            String::new(),
        ];
        for item in &self.items {
            let left = if item.quantity == 1 {
                item.description.clone()
            } else {
                format!(
                    "{} {} x {}",
                    item.description,
                    item.quantity,
                    money(item.amount_cents / i64::from(item.quantity))
                )
            };
            lines.push(row(&left, item.amount_cents));
        }
        lines.push(String::new());
        lines.push(row("Subtotal", self.subtotal_cents));
        lines.push(row(&self.tax_label, self.tax_cents));
        lines.push(row(&format!("TOTAL {}", self.currency), self.total_cents));
        lines.push(row("VISA ****4421", self.total_cents));
        lines.push("Thank you for your visit!".to_string());
        lines
    }

    /// The receipt on paper, upright, with margins.
    pub fn render(&self) -> RgbImage {
        let lines = self.lines();
        let margin = 40;
        let line_h = 40;
        let width = COLUMNS as u32 * GLYPH_W + 2 * margin;
        let height = lines.len() as u32 * line_h + 2 * margin;
        let mut img = RgbImage::from_pixel(width, height, Rgb([250, 248, 242]));
        for (i, line) in lines.iter().enumerate() {
            draw_text(
                &mut img,
                margin,
                margin + i as u32 * line_h,
                line,
                [25, 25, 30],
            );
        }
        img
    }
}

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A JPEG whose stored pixels are `upright` turned so that a viewer applying EXIF
/// `orientation` (3, 6 or 8) shows it upright, as a phone writes a photo held sideways. The
/// EXIF block also carries an image description `PARLEY-PRIVATE-EXIF`, to prove it is dropped.
pub fn jpeg_with_orientation(upright: &RgbImage, orientation: u8, quality: u8) -> Vec<u8> {
    let stored = match orientation {
        3 => image::imageops::rotate180(upright),
        6 => image::imageops::rotate270(upright),
        8 => image::imageops::rotate90(upright),
        _ => upright.clone(),
    };
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
    enc.set_exif_metadata(exif_block(orientation))
        .expect("the JPEG encoder writes EXIF");
    enc.write_image(
        stored.as_raw(),
        stored.width(),
        stored.height(),
        image::ExtendedColorType::Rgb8,
    )
    .expect("encodes");
    out
}

/// A big-endian TIFF block with two IFD0 entries: Orientation and ImageDescription.
fn exif_block(orientation: u8) -> Vec<u8> {
    let description = b"PARLEY-PRIVATE-EXIF\0";
    let mut t: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    t.extend_from_slice(&2u16.to_be_bytes());
    // 0x010E ImageDescription, ASCII, stored after the IFD (8 + 2 + 2*12 + 4 = 38).
    t.extend_from_slice(&0x010Eu16.to_be_bytes());
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&(description.len() as u32).to_be_bytes());
    t.extend_from_slice(&38u32.to_be_bytes());
    // 0x0112 Orientation, SHORT, 1 value, inline.
    t.extend_from_slice(&0x0112u16.to_be_bytes());
    t.extend_from_slice(&3u16.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(&[0, orientation, 0, 0]);
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(description);
    t
}

/// Gaussian blur, as an unsteady hand or a missed focus gives.
pub fn blur(img: &RgbImage, sigma: f32) -> RgbImage {
    imageproc::filter::gaussian_blur_f32(img, sigma)
}

/// A JPEG at `quality` (low qualities give the blocky text of a messenger-forwarded photo).
pub fn jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    encode_jpeg(img, quality).expect("encodes")
}

pub fn png(img: &RgbImage) -> Vec<u8> {
    encode_png(img).expect("encodes")
}

/// The image turned by `degrees` on a background, as a receipt lying slightly askew.
pub fn tilt(img: &RgbImage, degrees: f32, background: [u8; 3]) -> RgbImage {
    let pad = (img.width().max(img.height()) as f32 * degrees.abs().to_radians().sin()) as u32 + 8;
    let mut canvas = RgbImage::from_pixel(
        img.width() + 2 * pad,
        img.height() + 2 * pad,
        Rgb(background),
    );
    image::imageops::overlay(&mut canvas, img, i64::from(pad), i64::from(pad));
    imageproc::geometric_transformations::rotate_about_center(
        &canvas,
        degrees.to_radians(),
        imageproc::geometric_transformations::Interpolation::Bilinear,
        imageproc::geometric_transformations::Border::Constant(Rgb(background)),
    )
}

/// Items to count on a plain, unevenly lit surface.
#[derive(Debug, Clone)]
pub struct Scene {
    pub image: RgbImage,
    pub count: u32,
}

impl Scene {
    /// 3 to 25 similar items (discs or rounded squares, one shape and size per scene, ±15 %
    /// in size, slightly varied in colour) on a light or dark surface lit ±20 % unevenly, with
    /// soft shadows on light surfaces, sensor noise and a slight camera blur, 800 × 600 (the counter's analysis size, so no scaling blurs the measurement). In
    /// every third scene items may lie almost touching (the counter's hard case); otherwise
    /// they are apart by at least 40 % of a radius.
    pub fn generate(seed: u64) -> Scene {
        let mut r = Rng::new(seed ^ 0x5CE7E);
        let (w, h) = (800u32, 600u32);
        let dark = r.unit() < 0.3;
        let base: [f64; 3] = if dark {
            [
                f64::from(r.range(30, 60)),
                f64::from(r.range(30, 60)),
                f64::from(r.range(30, 60)),
            ]
        } else {
            [
                f64::from(r.range(190, 235)),
                f64::from(r.range(185, 230)),
                f64::from(r.range(180, 225)),
            ]
        };
        let (gx, gy) = (
            (r.unit() - 0.5) * 0.4 / f64::from(w),
            (r.unit() - 0.5) * 0.4 / f64::from(h),
        );
        let target = r.range(3, 25);
        let radius = f64::from(r.range(18, 38));
        let square = r.unit() < 0.4;
        let colour: [f64; 3] = if dark {
            [
                f64::from(r.range(160, 240)),
                f64::from(r.range(140, 230)),
                f64::from(r.range(100, 220)),
            ]
        } else {
            [
                f64::from(r.range(20, 150)),
                f64::from(r.range(20, 120)),
                f64::from(r.range(20, 140)),
            ]
        };
        let spacing = if seed % 3 == 2 { 1.03 } else { 1.45 };
        let mut items: Vec<(f64, f64, f64)> = Vec::new();
        let mut jitter: Vec<[f64; 3]> = Vec::new();
        let mut tries = 0;
        while items.len() < target as usize && tries < 5_000 {
            tries += 1;
            let rr = radius * (0.85 + r.unit() * 0.3);
            let (cx, cy) = (
                rr + 10.0 + r.unit() * (f64::from(w) - 2.0 * rr - 20.0),
                rr + 10.0 + r.unit() * (f64::from(h) - 2.0 * rr - 20.0),
            );
            if items.iter().all(|&(x, y, r2)| {
                ((x - cx).powi(2) + (y - cy).powi(2)).sqrt() > (rr + r2) * spacing
            }) {
                items.push((cx, cy, rr));
                jitter.push([0, 1, 2].map(|_| (r.unit() - 0.5) * 30.0));
            }
        }
        let mut noise = Rng::new(seed ^ 0xA015E);
        let image = RgbImage::from_fn(w, h, |x, y| {
            let (fx, fy) = (f64::from(x), f64::from(y));
            let inside = items.iter().position(|&(cx, cy, rr)| {
                if square {
                    let k = rr * 0.85;
                    let (dx, dy) = (
                        ((fx - cx).abs() - k * 0.7).max(0.0),
                        ((fy - cy).abs() - k * 0.7).max(0.0),
                    );
                    (fx - cx).abs() <= k
                        && (fy - cy).abs() <= k
                        && dx * dx + dy * dy <= (k * 0.3).powi(2)
                } else {
                    (fx - cx).powi(2) + (fy - cy).powi(2) <= rr * rr
                }
            });
            let mut light = 1.0 + gx * (fx - f64::from(w) / 2.0) + gy * (fy - f64::from(h) / 2.0);
            if !dark && inside.is_none() {
                // A soft shadow down and to the right of each item, as from a ceiling lamp.
                let shade = items
                    .iter()
                    .filter(|&&(cx, cy, rr)| {
                        (fx - cx - 6.0).abs() < rr + 6.0 && (fy - cy - 6.0).abs() < rr + 6.0
                    })
                    .map(|&(cx, cy, rr)| {
                        let d = ((fx - cx - 6.0).powi(2) + (fy - cy - 6.0).powi(2)).sqrt();
                        ((rr + 6.0 - d) / 6.0).clamp(0.0, 1.0)
                    })
                    .fold(0.0, f64::max);
                light *= 1.0 - 0.18 * shade;
            }
            let n = (noise.unit() - 0.5) * 12.0;
            let c = match inside {
                Some(i) => [0, 1, 2].map(|k| colour[k] + jitter[i][k]),
                None => base,
            };
            Rgb(c.map(|v| (v * light + n).clamp(0.0, 255.0) as u8))
        });
        let image = imageproc::filter::gaussian_blur_f32(&image, 1.0);
        Scene {
            image,
            count: items.len() as u32,
        }
    }
}

/// A product photo: a textured box with printed lines on a wooden-ish table, 1200 × 900.
pub fn product_photo(seed: u64) -> RgbImage {
    let mut r = Rng::new(seed ^ 0x9A0D);
    let (bx, by, bw, bh) = (
        r.range(250, 400),
        r.range(200, 300),
        r.range(400, 550),
        r.range(300, 420),
    );
    let tint = [
        r.range(120, 200) as u8,
        r.range(60, 160) as u8,
        r.range(40, 120) as u8,
    ];
    RgbImage::from_fn(1200, 900, |x, y| {
        let grain = ((f64::from(y) * 0.35 + (f64::from(x) * 0.02).sin() * 6.0).sin() * 18.0) as i32;
        let inside = x >= bx && x < bx + bw && y >= by && y < by + bh;
        if inside {
            let stripe = ((y - by) / 24) % 3 == 0 && (x - bx) % 200 < 160;
            let v = if stripe { [30, 30, 30] } else { tint };
            Rgb(v)
        } else {
            let base = [150i32 + grain, 110 + grain, 70 + grain];
            Rgb(base.map(|c| c.clamp(0, 255) as u8))
        }
    })
}

/// The image with every channel scaled by `factor` (0.2: a dim room; 2.5: a blown flash).
pub fn exposure(img: &RgbImage, factor: f32) -> RgbImage {
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        Rgb(img
            .get_pixel(x, y)
            .0
            .map(|c| (f32::from(c) * factor).min(255.0) as u8))
    })
}

/// The first bytes of an iPhone HEIC photo (an ISO-BMFF `ftyp` box of brand `heic`).
pub fn heic_header() -> Vec<u8> {
    let mut b = vec![0, 0, 0, 0x18];
    b.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    b.extend_from_slice(&[0; 64]);
    b
}

/// A small PNG that declares `width` × `height` pixels: what a decompression bomb looks like
/// to a decoder before it allocates.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grey
    chunk(&mut png, b"IHDR", &ihdr);
    // A zlib stream of a few zero bytes; a real bomb would inflate to gigabytes.
    chunk(
        &mut png,
        b"IDAT",
        &[0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_add_up_and_differ_by_seed() {
        let a = Receipt::generate(1);
        assert_eq!(
            a.items.iter().map(|i| i.amount_cents).sum::<i64>(),
            a.subtotal_cents
        );
        assert_eq!(a.subtotal_cents + a.tax_cents, a.total_cents);
        assert_ne!(Receipt::generate(1), Receipt::generate(2));
        assert_eq!(Receipt::generate(3), Receipt::generate(3));
        assert!(
            a.lines().iter().all(|l| l.len() <= COLUMNS),
            "{:?}",
            a.lines()
        );
    }

    #[test]
    fn the_png_crc_is_right() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn scenes_have_the_count_they_claim() {
        for seed in 0..5 {
            let s = Scene::generate(seed);
            assert!((3..=25).contains(&s.count));
        }
    }
}
