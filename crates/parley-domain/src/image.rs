//! What an uploaded image is, judged by its bytes rather than its name or the type the
//! browser claims.

/// Largest image a visitor may upload.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// The image's content type from its magic bytes: JPEG, PNG, GIF or WebP; `None` for
/// anything else (including SVG, which can carry scripts).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some("image/png"),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some("image/gif"),
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
        ] => Some("image/webp"),
        _ => None,
    }
}

/// Longest side, in pixels, of an image a visitor may upload: a few kilobytes of PNG can
/// claim 20,000 × 20,000 pixels, which a browser showing it to an agent must then decode.
pub const MAX_IMAGE_SIDE: u32 = 8_192;
/// Most pixels an uploaded image may have (a 40-megapixel photo fits).
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;

/// The width and height an image declares in its header, read without decoding it; `None`
/// when the header cannot be read.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let be16 = |at: usize| Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?) as u32);
    let le16 = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?) as u32);
    let be32 = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let le24 = |at: usize| {
        let b = bytes.get(at..at + 3)?;
        Some(b[0] as u32 | (b[1] as u32) << 8 | (b[2] as u32) << 16)
    };
    match sniff(bytes)? {
        "image/png" => Some((be32(16)?, be32(20)?)),
        "image/gif" => Some((le16(6)?, le16(8)?)),
        "image/webp" => match bytes.get(12..16)? {
            b"VP8 " => Some((le16(26)? & 0x3FFF, le16(28)? & 0x3FFF)),
            b"VP8L" => {
                let b = bytes.get(21..25)?;
                let bits = u32::from_le_bytes(b.try_into().ok()?);
                Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
            }
            b"VP8X" => Some((le24(24)? + 1, le24(27)? + 1)),
            _ => None,
        },
        _ => jpeg_dimensions(bytes, be16),
    }
}

/// A JPEG's size from its first start-of-frame marker, walking the segments before it.
fn jpeg_dimensions(bytes: &[u8], be16: impl Fn(usize) -> Option<u32>) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        while *bytes.get(at)? != 0xFF {
            at += 1;
        }
        while *bytes.get(at)? == 0xFF {
            at += 1;
        }
        let marker = *bytes.get(at)?;
        at += 1;
        match marker {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue, // no length
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Some((be16(at + 5)?, be16(at + 3)?));
            }
            _ => at += be16(at)? as usize,
        }
    }
}

/// Whether an image of this size may be stored and shown.
pub fn acceptable_size((width, height): (u32, u32)) -> bool {
    width > 0
        && height > 0
        && width <= MAX_IMAGE_SIDE
        && height <= MAX_IMAGE_SIDE
        && width as u64 * height as u64 <= MAX_IMAGE_PIXELS
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG header (signature and IHDR) declaring `w` × `h`.
    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 6, 0, 0, 0]);
        b
    }

    #[test]
    fn reads_the_declared_size_of_each_format() {
        assert_eq!(dimensions(&png(640, 480)), Some((640, 480)));
        assert_eq!(dimensions(b"GIF89a\x80\x02\xe0\x01"), Some((640, 480)));
        // JPEG: SOI, an APP0 segment of 4 bytes, then SOF0 with height 480 and width 640.
        let jpeg = b"\xff\xd8\xff\xe0\x00\x04ab\xff\xc0\x00\x11\x08\x01\xe0\x02\x80\x03";
        assert_eq!(dimensions(jpeg), Some((640, 480)));
        let mut vp8x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        vp8x.extend([0x7f, 0x02, 0x00, 0xdf, 0x01, 0x00]); // 640 - 1, 480 - 1
        assert_eq!(dimensions(&vp8x), Some((640, 480)));
        assert_eq!(dimensions(b"\xff\xd8\xff"), None, "truncated");
    }

    #[test]
    fn refuses_image_bombs() {
        assert!(acceptable_size((4032, 3024)));
        assert!(!acceptable_size((20_000, 20_000)));
        assert!(!acceptable_size((8_192, 8_192)), "over the pixel budget");
        assert!(!acceptable_size((0, 10)));
    }

    #[test]
    fn knows_the_four_formats_by_their_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"GIF89a...."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
    }

    #[test]
    fn refuses_everything_else() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"%PDF-1.7"), None);
        assert_eq!(sniff(b"\x89PNG"), None);
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVE"), None);
    }
}
