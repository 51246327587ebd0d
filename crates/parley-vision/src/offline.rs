//! What can be done with no vision model at all, honestly labelled.
//!
//! | kind | offline | what it cannot do |
//! |---|---|---|
//! | invoice | OCR with tesseract, fields by rules, arithmetic checked | handwriting, photos at an angle, tables with several amount columns |
//! | count | blobs on a plain background, as an estimate with an overlay | overlapping or touching items, busy backgrounds, "count only the red ones" |
//! | condition | photo-quality gate; verdict always `needs_review` | any judgement of damage |
//! | describe | nothing: it says a vision model is needed | everything |

use crate::counting::{CountOptions, count_items};
use crate::extract::invoice_from_ocr;
use crate::ocr::{OcrError, Tesseract};
use crate::quality::{QualityThresholds, assess};
use crate::{Analysis, Invalid, Normalized, Task};
use std::time::{Duration, Instant};

/// The offline analyzers and their settings.
#[derive(Debug, Clone, Default)]
pub struct OfflineAnalyzer {
    pub tesseract: Tesseract,
    pub quality: QualityThresholds,
    pub counting: CountOptions,
}

/// Which offline method produced a result (stored beside it as its provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflineMethod {
    Tesseract,
    Classical,
    QualityGate,
}

impl OfflineMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            OfflineMethod::Tesseract => "tesseract",
            OfflineMethod::Classical => "classical",
            OfflineMethod::QualityGate => "quality_gate",
        }
    }
}

#[derive(Debug, Clone)]
pub struct OfflineOutcome {
    pub analysis: Analysis,
    pub method: OfflineMethod,
    /// The OCR text, for invoices: worth giving a vision model beside the image.
    pub ocr_text: Option<String>,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OfflineError {
    /// The kind needs something this deployment does not have; the message says what.
    #[error("{0}")]
    NotAvailable(String),
    #[error(transparent)]
    Ocr(OcrError),
    /// Our own reading broke the kind's rules (a bug worth a log line, not the visitor's).
    #[error(transparent)]
    Invalid(Invalid),
}

/// What a deployment without a vision model answers for `describe`.
pub const DESCRIBE_NEEDS_A_MODEL: &str = "Describing an image or answering a question about it needs a vision model, and none is set up. Choose one in the bot's model settings.";

impl OfflineAnalyzer {
    /// Runs the offline analysis for `task`. Blocking (OCR takes about half a second): run it
    /// with `spawn_blocking`.
    pub fn analyze(&self, task: &Task, image: &Normalized) -> Result<OfflineOutcome, OfflineError> {
        let started = Instant::now();
        let (analysis, method, ocr_text) = match task {
            Task::Invoice => {
                let page = self
                    .tesseract
                    .recognize(&image.pixels)
                    .map_err(|e| match e {
                        OcrError::NotAvailable { .. } => OfflineError::NotAvailable(e.to_string()),
                        other => OfflineError::Ocr(other),
                    })?;
                let invoice = invoice_from_ocr(&page)
                    .validate()
                    .map_err(OfflineError::Invalid)?;
                (
                    Analysis::Invoice(invoice),
                    OfflineMethod::Tesseract,
                    Some(page.text()),
                )
            }
            Task::Count { .. } => {
                let count = count_items(&image.pixels, task.count_what(), &self.counting)
                    .validate()
                    .map_err(OfflineError::Invalid)?;
                (Analysis::Count(count), OfflineMethod::Classical, None)
            }
            Task::Condition => {
                let condition = assess(&image.pixels, &self.quality)
                    .offline_condition()
                    .validate()
                    .map_err(OfflineError::Invalid)?;
                (
                    Analysis::Condition(condition),
                    OfflineMethod::QualityGate,
                    None,
                )
            }
            Task::Describe { .. } => {
                return Err(OfflineError::NotAvailable(
                    DESCRIBE_NEEDS_A_MODEL.to_string(),
                ));
            }
        };
        Ok(OfflineOutcome {
            analysis,
            method,
            ocr_text,
            elapsed: started.elapsed(),
        })
    }
}
