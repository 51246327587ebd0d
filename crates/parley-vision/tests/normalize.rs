//! Normalisation on the files phones and attackers actually send.

use image::{Rgb, RgbImage};
use parley_vision::fixtures;
use parley_vision::normalize::SourceFormat;
use parley_vision::{NormalizeError, NormalizeOptions, normalize};
use std::time::{Duration, Instant};

/// 300 × 200, white, with a red block in the top-left corner: which way is up is obvious.
fn marked() -> RgbImage {
    RgbImage::from_fn(300, 200, |x, y| {
        if x < 60 && y < 40 {
            Rgb([220, 0, 0])
        } else {
            Rgb([255, 255, 255])
        }
    })
}

fn is_red(p: &Rgb<u8>) -> bool {
    p.0[0] > 150 && p.0[1] < 80 && p.0[2] < 80
}

#[test]
fn exif_orientation_is_applied_and_the_metadata_dropped() {
    for orientation in [3u8, 6, 8] {
        let bytes = fixtures::jpeg_with_orientation(&marked(), orientation, 90);
        assert!(
            bytes.windows(19).any(|w| w == b"PARLEY-PRIVATE-EXIF"),
            "the fixture carries EXIF"
        );
        let n = normalize(&bytes, &NormalizeOptions::default()).unwrap();
        assert_eq!(
            (n.width, n.height),
            (300, 200),
            "orientation {orientation} turned upright"
        );
        assert_eq!(n.source.orientation, orientation);
        assert!(
            is_red(n.pixels.get_pixel(10, 10)),
            "orientation {orientation}: red block not top-left"
        );
        assert!(!is_red(n.pixels.get_pixel(290, 190)));
        assert_eq!(n.mime, "image/jpeg");
        assert!(
            !n.bytes.windows(19).any(|w| w == b"PARLEY-PRIVATE-EXIF"),
            "metadata survived"
        );
        assert!(
            !n.bytes.windows(4).any(|w| w == b"Exif"),
            "an EXIF segment survived"
        );
        let again = image::load_from_memory(&n.bytes).unwrap();
        assert_eq!((again.width(), again.height()), (300, 200));
    }
}

#[test]
fn heic_is_refused_with_what_to_send_instead() {
    let e = normalize(&fixtures::heic_header(), &NormalizeOptions::default()).unwrap_err();
    assert_eq!(e, NormalizeError::Heic);
    assert!(e.to_string().contains("Most Compatible"));
}

#[test]
fn decompression_bombs_are_refused_before_allocating() {
    let started = Instant::now();
    let e = normalize(
        &fixtures::png_bomb(100_000, 100_000),
        &NormalizeOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&e, NormalizeError::Corrupt(m) if m.contains("larger than we can safely open")),
        "{e}"
    );
    // Within the side limit but over the pixel budget: refused by the declared size.
    let e = normalize(
        &fixtures::png_bomb(10_000, 10_000),
        &NormalizeOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        NormalizeError::TooManyPixels {
            width: 10_000,
            height: 10_000
        }
    );
    println!("\nrefusing two PNG bombs took {:?}", started.elapsed());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "refusing took {:?}",
        started.elapsed()
    );
}

#[test]
fn oversized_uploads_and_cut_off_files_are_refused() {
    let opts = NormalizeOptions {
        max_input_bytes: 1000,
        ..NormalizeOptions::default()
    };
    let big = fixtures::jpeg(&fixtures::product_photo(0), 90);
    assert!(matches!(
        normalize(&big, &opts),
        Err(NormalizeError::TooLarge { .. })
    ));
    let cut = &big[..big.len() / 3];
    let e = normalize(cut, &NormalizeOptions::default()).unwrap_err();
    assert!(matches!(e, NormalizeError::Corrupt(_)), "{e}");
    assert!(e.to_string().contains("please send it again"));
}

#[test]
fn the_long_side_is_capped() {
    let wide = RgbImage::from_fn(3000, 1000, |x, _| Rgb([(x % 256) as u8, 100, 100]));
    let n = normalize(&fixtures::png(&wide), &NormalizeOptions::default()).unwrap();
    assert_eq!((n.width, n.height), (2048, 683));
    assert_eq!((n.source.width, n.source.height), (3000, 1000));
    assert_eq!(n.source.format, SourceFormat::Png);
}

#[test]
fn screenshots_stay_png_and_photos_saved_as_png_become_jpeg() {
    let receipt = fixtures::Receipt::generate(1).render();
    let n = normalize(&fixtures::png(&receipt), &NormalizeOptions::default()).unwrap();
    assert_eq!(n.mime, "image/png", "text stays sharp for OCR");
    let mut noise = fixtures::Rng::new(5);
    let photo = RgbImage::from_fn(2000, 1500, |_, _| {
        Rgb([noise.range(0, 255) as u8, noise.range(0, 255) as u8, 90])
    });
    let n = normalize(&fixtures::png(&photo), &NormalizeOptions::default()).unwrap();
    assert_eq!(
        n.mime,
        "image/jpeg",
        "a {} byte PNG would be too heavy to send",
        fixtures::png(&photo).len()
    );
    assert!(n.data_url().starts_with("data:image/jpeg;base64,/9j/"));
}

#[test]
fn gif_and_webp_uploads_are_read() {
    let img = marked();
    let mut gif = Vec::new();
    image::DynamicImage::ImageRgb8(img.clone())
        .write_to(&mut std::io::Cursor::new(&mut gif), image::ImageFormat::Gif)
        .unwrap();
    let n = normalize(&gif, &NormalizeOptions::default()).unwrap();
    assert_eq!((n.source.format, n.mime), (SourceFormat::Gif, "image/png"));
    assert!(is_red(n.pixels.get_pixel(10, 10)));
    let mut webp = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut webp),
            image::ImageFormat::WebP,
        )
        .unwrap();
    let n = normalize(&webp, &NormalizeOptions::default()).unwrap();
    assert_eq!(
        (n.source.format, n.mime),
        (SourceFormat::Webp, "image/jpeg")
    );
}

/// The report: the latency normalisation adds before a provider call, on a 12 MP
/// phone photo (4032 × 3024 JPEG).
#[test]
fn normalisation_latency_of_a_phone_photo() {
    let photo = image::imageops::resize(
        &fixtures::product_photo(2),
        4032,
        3024,
        image::imageops::FilterType::Triangle,
    );
    let bytes = fixtures::jpeg_with_orientation(&photo, 6, 90);
    let mut times = Vec::new();
    let mut out = None;
    // Three runs for a median in release; one in a debug build, where it takes seconds.
    let runs = if cfg!(debug_assertions) { 1 } else { 3 };
    for _ in 0..runs {
        let n = normalize(&bytes, &NormalizeOptions::default()).unwrap();
        times.push(n.elapsed);
        out = Some(n);
    }
    let n = out.unwrap();
    times.sort();
    println!(
        "\nnormalise 4032×3024 JPEG ({} KB, EXIF 6) -> {}×{} {} ({} KB): median {} ms ({} build)",
        bytes.len() / 1024,
        n.width,
        n.height,
        n.mime,
        n.bytes.len() / 1024,
        times[times.len() / 2].as_millis(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    assert_eq!(n.width.max(n.height), 2048);
    assert!(
        n.bytes.len() < 1_500_000,
        "a normalised photo stays well under provider limits"
    );
}
