//! Offline OCR with Debian's `tesseract` binary, run as a subprocess.
//!
//! A subprocess rather than bindings: it costs nothing to build (no bindgen, no libclang), a
//! crash cannot take the server down, and a deployment without it still builds and runs (the
//! invoice kind then says OCR is not available and how to install it). We ask for
//! `--psm 6` (one uniform block: the default page segmentation drops right-aligned amounts
//! into blocks of their own) and TSV output, whose word boxes let us rebuild the lines.

use image::RgbImage;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The one command that installs what the OCR needs on Debian and Ubuntu.
pub const INSTALL_HINT: &str = "apt-get install -y tesseract-ocr tesseract-ocr-eng";

/// How to run tesseract.
#[derive(Debug, Clone)]
pub struct Tesseract {
    /// The binary; found on `PATH` by default.
    pub program: PathBuf,
    /// Tesseract's language codes joined by `+` ("eng", "eng+deu").
    pub languages: String,
    /// A run that takes longer is killed.
    pub timeout: Duration,
    /// When the upright reading is poor, also read the image turned by 90°, 180° and 270° and
    /// keep the best (a phone photo without EXIF orientation can be sideways).
    pub try_rotations: bool,
}

impl Default for Tesseract {
    fn default() -> Self {
        Tesseract {
            program: "tesseract".into(),
            languages: "eng".into(),
            timeout: Duration::from_secs(30),
            try_rotations: true,
        }
    }
}

/// Whether the OCR can run here, for the System page and `/health/ready`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    Available {
        version: String,
    },
    /// Why not, and the command that fixes it.
    Missing {
        reason: String,
        install: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    #[error("Invoice reading (OCR) is not available: {reason}. Install it with: {install}")]
    NotAvailable { reason: String, install: String },
    #[error("tesseract failed ({status}): {stderr}")]
    Failed { status: String, stderr: String },
    #[error("tesseract took longer than {0:?} and was stopped")]
    TimedOut(Duration),
    #[error("could not run tesseract: {0}")]
    Io(String),
}

/// One recognised word, with its box in the pixels of the image that was read.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrWord {
    pub text: String,
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
    /// Tesseract's confidence, 0..100.
    pub confidence: f32,
    /// Tesseract's own (block, paragraph, line) numbers.
    pub line_key: (u32, u32, u32),
}

/// One line of text, its words left to right.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrLine {
    pub text: String,
    pub top: u32,
    pub bottom: u32,
    /// Mean word confidence, 0..100.
    pub confidence: f32,
    pub words: Vec<OcrWord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OcrPage {
    pub lines: Vec<OcrLine>,
    /// Mean word confidence over the page, 0..100.
    pub mean_confidence: f32,
    /// Degrees clockwise the image was turned for the reading kept (0 when upright).
    pub rotation: u16,
    pub elapsed: Duration,
}

impl OcrPage {
    /// The page's text, a line per line: what a vision model gets beside the image.
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Tesseract {
    /// Checks that the binary runs and has every language asked for.
    pub fn availability(&self) -> Availability {
        let missing = |reason: String| Availability::Missing {
            reason,
            install: INSTALL_HINT.to_string(),
        };
        let version = match Command::new(&self.program).arg("--version").output() {
            Ok(out) if out.status.success() => {
                // Tesseract 5 prints its version on stdout, 4 on stderr.
                let text = if out.stdout.is_empty() {
                    out.stderr
                } else {
                    out.stdout
                };
                String::from_utf8_lossy(&text)
                    .lines()
                    .next()
                    .unwrap_or("tesseract")
                    .trim()
                    .to_string()
            }
            Ok(out) => {
                return missing(format!(
                    "`{} --version` failed: {}",
                    self.program.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            Err(e) => return missing(format!("`{}` cannot be run ({e})", self.program.display())),
        };
        let langs = match Command::new(&self.program).arg("--list-langs").output() {
            Ok(out) => {
                String::from_utf8_lossy(&out.stdout).into_owned()
                    + &String::from_utf8_lossy(&out.stderr)
            }
            Err(e) => {
                return missing(format!(
                    "`{} --list-langs` cannot be run ({e})",
                    self.program.display()
                ));
            }
        };
        let have: Vec<&str> = langs.lines().map(str::trim).collect();
        if let Some(lang) = self.languages.split('+').find(|l| !have.contains(l)) {
            return Availability::Missing {
                reason: format!("tesseract has no `{lang}` language data"),
                install: format!("apt-get install -y tesseract-ocr-{lang}"),
            };
        }
        Availability::Available { version }
    }

    /// Reads the text of an image. Blocking (about half a second per receipt, a few seconds
    /// when the rotations are tried): run it with `spawn_blocking`.
    pub fn recognize(&self, pixels: &RgbImage) -> Result<OcrPage, OcrError> {
        let started = Instant::now();
        let gray = image::DynamicImage::ImageLuma8(image::imageops::grayscale(pixels));
        let mut best = self.read(&gray, 0)?;
        if self.try_rotations && !reads_well(&best) {
            for degrees in [90u16, 270, 180] {
                let turned = match degrees {
                    90 => gray.rotate90(),
                    180 => gray.rotate180(),
                    _ => gray.rotate270(),
                };
                let page = self.read(&turned, degrees)?;
                if score(&page) > score(&best) {
                    best = page;
                }
                if reads_well(&best) {
                    break;
                }
            }
        }
        best.elapsed = started.elapsed();
        Ok(best)
    }

    fn read(&self, gray: &image::DynamicImage, rotation: u16) -> Result<OcrPage, OcrError> {
        let mut png = Vec::new();
        gray.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| OcrError::Io(e.to_string()))?;
        let tsv = self.run(&png)?;
        let words = parse_tsv(&tsv);
        let mean_confidence = if words.is_empty() {
            0.0
        } else {
            words.iter().map(|w| w.confidence).sum::<f32>() / words.len() as f32
        };
        Ok(OcrPage {
            lines: rebuild_lines(words),
            mean_confidence,
            rotation,
            elapsed: Duration::ZERO,
        })
    }

    /// Runs `tesseract stdin stdout --psm 6 -l LANGS tsv` on `png`, within the timeout.
    fn run(&self, png: &[u8]) -> Result<String, OcrError> {
        let mut child = Command::new(&self.program)
            .args([
                "stdin",
                "stdout",
                "--psm",
                "6",
                "-l",
                &self.languages,
                "tsv",
            ])
            // One thread: tesseract's OpenMP threads fight the server's own on a small box,
            // and measured faster single-threaded (docs/vision.md).
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
                    OcrError::NotAvailable {
                        reason: format!("`{}` cannot be run ({e})", self.program.display()),
                        install: INSTALL_HINT.to_string(),
                    }
                }
                _ => OcrError::Io(e.to_string()),
            })?;
        let (mut stdin, mut stdout, mut stderr) = (
            child.stdin.take().expect("piped"),
            child.stdout.take().expect("piped"),
            child.stderr.take().expect("piped"),
        );
        let deadline = Instant::now() + self.timeout;
        std::thread::scope(|s| {
            // Feed and drain on threads of their own, so a full pipe cannot stall either side.
            s.spawn(move || {
                let _ = stdin.write_all(png); // a child that exits early closes the pipe; its status says why
            });
            let out = s.spawn(move || {
                let mut buf = Vec::new();
                stdout.read_to_end(&mut buf).map(|_| buf)
            });
            let err = s.spawn(move || {
                let mut buf = Vec::new();
                let _ = stderr.read_to_end(&mut buf);
                buf
            });
            let status = loop {
                match child.try_wait().map_err(|e| OcrError::Io(e.to_string()))? {
                    Some(status) => break status,
                    None if Instant::now() >= deadline => {
                        let _ = child.kill();
                        let _ = child.wait();
                        return Err(OcrError::TimedOut(self.timeout));
                    }
                    None => std::thread::sleep(Duration::from_millis(5)),
                }
            };
            let out = out
                .join()
                .expect("reader thread")
                .map_err(|e| OcrError::Io(e.to_string()))?;
            let err = err.join().expect("reader thread");
            if !status.success() {
                return Err(OcrError::Failed {
                    status: status.to_string(),
                    stderr: String::from_utf8_lossy(&err)
                        .trim()
                        .chars()
                        .take(500)
                        .collect(),
                });
            }
            Ok(String::from_utf8_lossy(&out).into_owned())
        })
    }
}

/// A reading good enough not to try other rotations.
fn reads_well(page: &OcrPage) -> bool {
    page.mean_confidence >= 70.0 && score(page) >= 40
}

/// How much plausible text a reading holds: characters of confident words of two or more
/// letters or digits. Garbage from a sideways page is short, odd and unsure.
fn score(page: &OcrPage) -> usize {
    page.lines
        .iter()
        .flat_map(|l| &l.words)
        .filter(|w| w.confidence >= 70.0)
        .map(|w| w.text.chars().filter(|c| c.is_alphanumeric()).count())
        .filter(|&n| n >= 2)
        .sum()
}

/// The words of tesseract's TSV output (level 5 rows with text).
pub fn parse_tsv(tsv: &str) -> Vec<OcrWord> {
    let mut words = Vec::new();
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let text = cols[11].trim();
        let num = |i: usize| cols[i].trim().parse::<u32>().unwrap_or(0);
        let confidence = cols[10].trim().parse::<f32>().unwrap_or(-1.0);
        if text.is_empty() || confidence < 0.0 {
            continue;
        }
        words.push(OcrWord {
            text: text.to_string(),
            left: num(6),
            top: num(7),
            width: num(8),
            height: num(9),
            confidence,
            line_key: (num(2), num(3), num(4)),
        });
    }
    words
}

/// Lines from words: tesseract's own lines first (they follow a tilted baseline), then lines
/// that sit side by side at the same height merged (a right-aligned amount the layout put in
/// a block of its own belongs to the line it is printed on).
pub fn rebuild_lines(words: Vec<OcrWord>) -> Vec<OcrLine> {
    let mut groups: Vec<Vec<OcrWord>> = Vec::new();
    for w in words {
        match groups.iter_mut().find(|g| g[0].line_key == w.line_key) {
            Some(g) => g.push(w),
            None => groups.push(vec![w]),
        }
    }
    let span = |g: &[OcrWord]| {
        let top = g.iter().map(|w| w.top).min().unwrap_or(0);
        let bottom = g.iter().map(|w| w.top + w.height).max().unwrap_or(0);
        let left = g.iter().map(|w| w.left).min().unwrap_or(0);
        let right = g.iter().map(|w| w.left + w.width).max().unwrap_or(0);
        (top, bottom, left, right)
    };
    groups.sort_by_key(|g| span(g).0);
    let mut merged: Vec<Vec<OcrWord>> = Vec::new();
    for g in groups {
        let (top, bottom, left, right) = span(&g);
        let target = merged.iter_mut().find(|m| {
            let (mt, mb, ml, mr) = span(m);
            let overlap = bottom.min(mb).saturating_sub(top.max(mt));
            let smaller = (bottom - top).min(mb - mt).max(1);
            let side_by_side = right <= ml || left >= mr;
            side_by_side && overlap * 2 >= smaller
        });
        match target {
            Some(m) => m.extend(g),
            None => merged.push(g),
        }
    }
    merged
        .into_iter()
        .map(|mut words| {
            words.sort_by_key(|w| w.left);
            let (top, bottom, _, _) = span(&words);
            let confidence = words.iter().map(|w| w.confidence).sum::<f32>() / words.len() as f32;
            let text = words
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            OcrLine {
                text,
                top,
                bottom,
                confidence,
                words,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t500\t120\t-1\t
4\t1\t1\t1\t1\t0\t12\t16\t419\t19\t-1\t
5\t1\t1\t1\t1\t1\t12\t16\t91\t19\t95.9\tHammer
5\t1\t1\t1\t1\t2\t356\t16\t75\t19\t96.2\t25.00
5\t1\t1\t1\t2\t1\t11\t56\t76\t19\t96.3\tTOTAL
5\t1\t2\t1\t1\t1\t278\t57\t75\t19\t95.2\t58.85
5\t1\t2\t1\t1\t2\t378\t57\t75\t19\t-1\t
";

    #[test]
    fn words_come_from_level_5_rows_with_text() {
        let words = parse_tsv(TSV);
        assert_eq!(
            words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            ["Hammer", "25.00", "TOTAL", "58.85"]
        );
        assert_eq!(words[3].line_key, (2, 1, 1));
    }

    #[test]
    fn an_amount_in_a_block_of_its_own_rejoins_its_line() {
        let lines = rebuild_lines(parse_tsv(TSV));
        assert_eq!(
            lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
            ["Hammer 25.00", "TOTAL 58.85"]
        );
        assert!((lines[1].confidence - 95.75).abs() < 0.01);
    }

    #[test]
    fn a_missing_binary_is_not_available_with_the_install_command() {
        let t = Tesseract {
            program: "/nonexistent/tesseract".into(),
            ..Tesseract::default()
        };
        let Availability::Missing { install, .. } = t.availability() else {
            panic!("found a binary that is not there")
        };
        assert_eq!(install, INSTALL_HINT);
        let e = t.recognize(&RgbImage::new(10, 10)).unwrap_err();
        assert!(matches!(e, OcrError::NotAvailable { .. }), "{e}");
        assert!(e.to_string().contains(INSTALL_HINT));
    }

    #[cfg(unix)]
    #[test]
    fn a_hung_ocr_is_stopped_at_the_timeout() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("parley-vision-hang-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("tesseract");
        std::fs::write(&script, "#!/bin/sh\nexec sleep 30\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let t = Tesseract {
            program: script,
            timeout: Duration::from_millis(300),
            ..Tesseract::default()
        };
        let started = Instant::now();
        let e = t.recognize(&RgbImage::new(10, 10)).unwrap_err();
        assert_eq!(e, OcrError::TimedOut(Duration::from_millis(300)));
        assert!(started.elapsed() < Duration::from_secs(10));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_failing_ocr_reports_its_stderr() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("parley-vision-fail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("tesseract");
        std::fs::write(&script, "#!/bin/sh\ncat >/dev/null\necho 'Error opening data file eng.traineddata' >&2\nexit 1\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let t = Tesseract {
            program: script,
            ..Tesseract::default()
        };
        let e = t.recognize(&RgbImage::new(10, 10)).unwrap_err();
        assert!(
            matches!(&e, OcrError::Failed { stderr, .. } if stderr.contains("eng.traineddata")),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
