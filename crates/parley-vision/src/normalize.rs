//! Every image is normalised before anyone (a model, the OCR, an agent's browser) sees it.
//!
//! Phone photos arrive sideways (EXIF orientation), huge (12 MP, 4-12 MB), with GPS in their
//! metadata, sometimes as HEIC, and a hostile upload can be a few kilobytes of PNG that
//! claims a billion pixels. [`normalize`] checks the magic bytes, decodes under limits, turns
//! the pixels upright, caps the long side and re-encodes (which drops all metadata), so what
//! comes out is a plain JPEG or PNG that every vision server accepts.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::metadata::Orientation;
use image::{
    DynamicImage, ImageDecoder, ImageEncoder, ImageError, ImageFormat, ImageReader, Limits,
    RgbImage,
};
use std::io::Cursor;
use std::time::{Duration, Instant};

/// The limits and output settings of [`normalize`]. The defaults suit phone photos and the
/// payload limits of OpenAI-compatible servers (see `docs/vision.md`).
#[derive(Debug, Clone)]
pub struct NormalizeOptions {
    /// Largest upload read at all.
    pub max_input_bytes: usize,
    /// Longest side an input may declare; the decoder refuses larger before allocating.
    pub max_input_side: u32,
    /// Most pixels an input may declare (width × height).
    pub max_input_pixels: u64,
    /// Most memory the decoder may allocate.
    pub max_alloc: u64,
    /// Longest side of the output; larger images are scaled down.
    pub max_side: u32,
    pub jpeg_quality: u8,
    /// PNG and GIF inputs stay PNG (sharp text for OCR) while the PNG is at most this big;
    /// a photo saved as PNG becomes JPEG instead.
    pub max_png_bytes: usize,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            max_input_bytes: 20 * 1024 * 1024,
            max_input_side: 12_000,
            max_input_pixels: 50_000_000,
            max_alloc: 256 * 1024 * 1024,
            max_side: 2048,
            jpeg_quality: 85,
            max_png_bytes: 3 * 1024 * 1024,
        }
    }
}

/// The formats we decode, known by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Jpeg,
    Png,
    Gif,
    Webp,
}

impl SourceFormat {
    fn image_format(self) -> ImageFormat {
        match self {
            SourceFormat::Jpeg => ImageFormat::Jpeg,
            SourceFormat::Png => ImageFormat::Png,
            SourceFormat::Gif => ImageFormat::Gif,
            SourceFormat::Webp => ImageFormat::WebP,
        }
    }
}

/// Why an image was refused. The messages are written for the visitor who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NormalizeError {
    #[error("The file is empty. Please choose the photo again.")]
    Empty,
    #[error("The image is {} MB; the most we accept is {} MB. Please send a smaller photo.", mb(*.bytes), mb(*.max))]
    TooLarge { bytes: usize, max: usize },
    #[error(
        "This is an iPhone HEIC photo, which we cannot open. Please send it as a JPEG (on the \
         iPhone: Settings > Camera > Formats > Most Compatible), or send a screenshot of it."
    )]
    Heic,
    #[error("This is a PDF, not a photo. Please send a photo or a screenshot of the page.")]
    Pdf,
    #[error(
        "This file is {what}, which we cannot open. Please send a JPEG, PNG, WebP or GIF image."
    )]
    Unsupported { what: &'static str },
    #[error(
        "The image is {width} × {height} pixels, more than we can safely open. Please send a \
         smaller image."
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error(
        "The image could not be read ({0}). It may be damaged or cut off; please send it again."
    )]
    Corrupt(String),
    #[error("The image could not be re-encoded: {0}")]
    Encode(String),
}

fn mb(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

/// Facts about the image as it was uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub format: SourceFormat,
    pub width: u32,
    pub height: u32,
    /// The EXIF orientation (1 = upright, 6 = rotated 90° clockwise, ...) that was applied.
    pub orientation: u8,
    pub bytes: usize,
}

/// A normalised image: upright, no larger than asked, no metadata, JPEG or PNG.
#[derive(Clone)]
pub struct Normalized {
    /// The encoded image, to store and to send to a model.
    pub bytes: Vec<u8>,
    /// `image/jpeg` or `image/png`.
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    /// The decoded pixels, for the offline analyzers (alpha flattened onto white).
    pub pixels: RgbImage,
    pub source: Source,
    /// How long normalising took.
    pub elapsed: Duration,
}

/// Without the bytes and pixels: a log line or a failed assertion must not print megabytes.
impl std::fmt::Debug for Normalized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Normalized")
            .field("mime", &self.mime)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &self.bytes.len())
            .field("source", &self.source)
            .field("elapsed", &self.elapsed)
            .finish_non_exhaustive()
    }
}

impl Normalized {
    /// The image as a `data:` URL: the one form every OpenAI-compatible server accepts
    /// (Ollama refuses http URLs, and ours are not reachable from a provider anyway).
    pub fn data_url(&self) -> String {
        data_url(self.mime, &self.bytes)
    }
}

/// `data:<mime>;base64,<bytes>`.
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    use base64::Engine;
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// What the file is, from its first bytes. Formats we refuse get their own error, so the
/// visitor learns what to send instead.
pub fn sniff(bytes: &[u8]) -> Result<SourceFormat, NormalizeError> {
    match bytes {
        [] => Err(NormalizeError::Empty),
        [0xFF, 0xD8, 0xFF, ..] => Ok(SourceFormat::Jpeg),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Ok(SourceFormat::Png),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Ok(SourceFormat::Gif),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Ok(SourceFormat::Webp),
        [_, _, _, _, b'f', b't', b'y', b'p', brand @ ..] if brand.len() >= 4 => match &brand[..4] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                Err(NormalizeError::Heic)
            }
            b"avif" | b"avis" => Err(NormalizeError::Unsupported {
                what: "an AVIF image",
            }),
            _ => Err(NormalizeError::Unsupported {
                what: "a video or another ISO media file",
            }),
        },
        [b'%', b'P', b'D', b'F', ..] => Err(NormalizeError::Pdf),
        [b'I', b'I', 0x2A, 0x00, ..] | [b'M', b'M', 0x00, 0x2A, ..] => {
            Err(NormalizeError::Unsupported {
                what: "a TIFF image",
            })
        }
        [b'B', b'M', ..] => Err(NormalizeError::Unsupported {
            what: "a BMP image",
        }),
        _ => Err(NormalizeError::Unsupported {
            what: "not an image we know",
        }),
    }
}

/// Normalises an uploaded image. Pure and CPU-bound (tens to hundreds of milliseconds for a
/// phone photo): run it with `spawn_blocking`.
pub fn normalize(bytes: &[u8], opts: &NormalizeOptions) -> Result<Normalized, NormalizeError> {
    let started = Instant::now();
    if bytes.len() > opts.max_input_bytes {
        return Err(NormalizeError::TooLarge {
            bytes: bytes.len(),
            max: opts.max_input_bytes,
        });
    }
    let format = sniff(bytes)?;
    // The JPEG decoder paints a cut-off file's missing rows grey rather than failing; a half
    // photo must not be judged as if it were whole.
    if format == SourceFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(NormalizeError::Corrupt(
            "the file ends before the image does".into(),
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    let mut limits = Limits::default();
    limits.max_image_width = Some(opts.max_input_side);
    limits.max_image_height = Some(opts.max_input_side);
    limits.max_alloc = Some(opts.max_alloc);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > opts.max_input_pixels {
        return Err(NormalizeError::TooManyPixels { width, height });
    }
    // A broken EXIF block must not cost the visitor their photo: treat it as upright.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);

    let mut pixels = flatten(image);
    let (w, h) = pixels.dimensions();
    if w.max(h) > opts.max_side {
        let scale = f64::from(opts.max_side) / f64::from(w.max(h));
        let nw = ((f64::from(w) * scale).round() as u32).max(1);
        let nh = ((f64::from(h) * scale).round() as u32).max(1);
        // `thumbnail` averages whole source areas: as sharp as a filtered resize for a big
        // reduction, and several times faster on a 12 MP photo.
        pixels = image::imageops::thumbnail(&pixels, nw, nh);
    }

    let mut out = None;
    if matches!(format, SourceFormat::Png | SourceFormat::Gif) {
        let png = encode_png(&pixels)?;
        if png.len() <= opts.max_png_bytes {
            out = Some((png, "image/png"));
        }
    }
    let (encoded, mime) = match out {
        Some(o) => o,
        None => (encode_jpeg(&pixels, opts.jpeg_quality)?, "image/jpeg"),
    };
    Ok(Normalized {
        bytes: encoded,
        mime,
        width: pixels.width(),
        height: pixels.height(),
        pixels,
        source: Source {
            format,
            width,
            height,
            orientation: orientation.to_exif(),
            bytes: bytes.len(),
        },
        elapsed: started.elapsed(),
    })
}

/// Whether a JPEG's entropy-coded data reaches its end-of-image marker. Walks the marker
/// segments (so an EXIF thumbnail's own markers are skipped) and the scans; data appended
/// after the end (a phone's motion-photo video) is not looked at.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut at = 2; // after SOI
    loop {
        // A marker: 0xFF (possibly repeated) and a code.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&code)) = (bytes.get(at), bytes.get(at + 1)) else {
            return false;
        };
        at += 2;
        match code {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let Some(len) = bytes
            .get(at..at + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            return false;
        };
        at += len;
        if code == 0xDA {
            // Entropy-coded data: runs until a marker other than a stuffed 0xFF00 or a restart.
            loop {
                match (bytes.get(at), bytes.get(at + 1)) {
                    (Some(0xFF), Some(0x00 | 0xD0..=0xD7)) => at += 2,
                    (Some(0xFF), Some(_)) => break,
                    (Some(_), _) => at += 1,
                    (None, _) => return false,
                }
            }
        }
    }
}

fn decode_error(e: ImageError) -> NormalizeError {
    match e {
        // The decoder read the declared size and refused it before allocating.
        ImageError::Limits(l) => {
            NormalizeError::Corrupt(format!("it is larger than we can safely open: {l}"))
        }
        other => NormalizeError::Corrupt(other.to_string()),
    }
}

/// RGB pixels, transparent areas turned white (as the image would look on a page).
fn flatten(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend =
            |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a)) + 127) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}

/// A PNG of `pixels` with no ancillary chunks (no text, no EXIF).
pub fn encode_png(pixels: &RgbImage) -> Result<Vec<u8>, NormalizeError> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, PngFilter::Adaptive)
        .write_image(
            pixels.as_raw(),
            pixels.width(),
            pixels.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|e| NormalizeError::Encode(e.to_string()))?;
    Ok(out)
}

/// A baseline JPEG of `pixels` with no EXIF or ICC segments.
pub fn encode_jpeg(pixels: &RgbImage, quality: u8) -> Result<Vec<u8>, NormalizeError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(pixels)
        .map_err(|e| NormalizeError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide_and_name_what_we_refuse() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Ok(SourceFormat::Jpeg));
        assert_eq!(sniff(b"GIF89a..."), Ok(SourceFormat::Gif));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Ok(SourceFormat::Webp));
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
            Err(NormalizeError::Heic)
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypmif1\0\0\0\0"),
            Err(NormalizeError::Heic)
        );
        assert_eq!(sniff(b"%PDF-1.7"), Err(NormalizeError::Pdf));
        assert!(matches!(
            sniff(b"<svg xmlns="),
            Err(NormalizeError::Unsupported { .. })
        ));
        assert_eq!(sniff(b""), Err(NormalizeError::Empty));
    }

    #[test]
    fn refusals_tell_the_visitor_what_to_do() {
        assert!(NormalizeError::Heic.to_string().contains("JPEG"));
        let e = NormalizeError::TooLarge {
            bytes: 30 * 1024 * 1024,
            max: 20 * 1024 * 1024,
        };
        assert_eq!(
            e.to_string(),
            "The image is 30.0 MB; the most we accept is 20.0 MB. Please send a smaller photo."
        );
    }

    #[test]
    fn a_cut_off_jpeg_is_told_from_a_whole_one() {
        let img = RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let whole = encode_jpeg(&img, 80).unwrap();
        assert!(jpeg_is_complete(&whole));
        let mut with_trailer = whole.clone();
        with_trailer.extend_from_slice(b"ftypmp42 motion photo video follows \xFF\xDA");
        assert!(
            jpeg_is_complete(&with_trailer),
            "data after the end is ignored"
        );
        assert!(!jpeg_is_complete(&whole[..whole.len() - 2]));
        assert!(!jpeg_is_complete(&whole[..whole.len() / 2]));
        let e = normalize(&whole[..whole.len() / 2], &NormalizeOptions::default()).unwrap_err();
        assert!(e.to_string().contains("ends before the image does"), "{e}");
    }

    #[test]
    fn transparency_becomes_white() {
        let mut rgba = image::RgbaImage::new(2, 1);
        rgba.put_pixel(0, 0, image::Rgba([0, 0, 0, 0]));
        rgba.put_pixel(1, 0, image::Rgba([0, 0, 0, 255]));
        let rgb = flatten(DynamicImage::ImageRgba8(rgba));
        assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(rgb.get_pixel(1, 0).0, [0, 0, 0]);
    }
}
