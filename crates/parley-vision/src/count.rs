//! The `count` kind: how many of something the photo shows, with a box per item where known.

use crate::schema::{self, object};
use crate::{Invalid, Kind, Problems};
use serde::{Deserialize, Serialize};

/// Confidence ceiling when the boxes listed disagree with the count given.
pub const MISMATCH_CONFIDENCE: f64 = 0.3;
/// Highest count a result may claim; beyond it a photo is not the way to count.
pub const MAX_COUNT: u32 = 10_000;

/// A box around one counted item, as fractions (0..1) of the image's width and height, so it
/// fits the image at any size it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// The picture of what was counted: the image with a box drawn around each item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlay {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Count {
    /// What was counted ("coins", "boxes").
    pub what: String,
    pub count: u32,
    pub boxes: Vec<BoundingBox>,
    pub confidence: f64,
    /// Anything a person should know ("two items touch and were counted by their size").
    #[serde(default)]
    pub notes: Vec<String>,
    /// True for the offline counter, whose number is an estimate for a person to confirm.
    #[serde(default)]
    pub estimate: bool,
    /// Not serialized: the engine stores it as an image of its own and links it.
    #[serde(skip)]
    pub overlay: Option<Overlay>,
}

impl Count {
    /// What the model fills in; `estimate` and `overlay` are ours.
    pub fn schema() -> serde_json::Value {
        let bbox = object(
            "A box around one item, as fractions of the image size (0 = left/top, 1 = right/bottom).",
            &[
                ("x", schema::number("Left edge, 0..1.")),
                ("y", schema::number("Top edge, 0..1.")),
                ("width", schema::number("Width, 0..1.")),
                ("height", schema::number("Height, 0..1.")),
            ],
        );
        object(
            "How many of the items the image shows.",
            &[
                (
                    "what",
                    schema::string("What was counted, plural, e.g. \"boxes\"."),
                ),
                ("count", schema::integer("How many there are.")),
                (
                    "boxes",
                    schema::array(
                        "One box per counted item, or empty if you cannot locate them.",
                        bbox,
                    ),
                ),
                ("confidence", schema::confidence()),
                (
                    "notes",
                    schema::array(
                        "Anything that made counting hard; may be empty.",
                        schema::string("A note."),
                    ),
                ),
            ],
        )
    }

    /// Checks the result: boxes must lie in the image, the count must be plausible, and when
    /// boxes are given their number must match the count (otherwise the confidence drops and
    /// a note says so: either number may be the right one).
    pub fn validate(mut self) -> Result<Count, Invalid> {
        let mut p = Problems::new(Kind::Count);
        p.check_confidence(self.confidence);
        self.what = self.what.trim().to_string();
        if self.what.is_empty() {
            p.push("it does not say what was counted");
        }
        if self.count > MAX_COUNT {
            p.push(format!("count {} is more than {MAX_COUNT}", self.count));
        }
        const SLACK: f64 = 0.01; // models round their edges
        for (i, b) in self.boxes.iter().enumerate() {
            let inside = [b.x, b.y, b.width, b.height].iter().all(|v| v.is_finite())
                && b.x >= -SLACK
                && b.y >= -SLACK
                && b.width > 0.0
                && b.height > 0.0
                && b.x + b.width <= 1.0 + SLACK
                && b.y + b.height <= 1.0 + SLACK;
            if !inside {
                p.push(format!(
                    "box {} ({}, {}, {}, {}) is not inside the image",
                    i + 1,
                    b.x,
                    b.y,
                    b.width,
                    b.height
                ));
            }
        }
        self.notes = self
            .notes
            .into_iter()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        if !self.boxes.is_empty() && self.boxes.len() != self.count as usize {
            self.notes.push(format!(
                "{} boxes were marked but the count is {}; please confirm the number.",
                self.boxes.len(),
                self.count
            ));
            self.confidence = self.confidence.min(MISMATCH_CONFIDENCE);
        }
        p.finish(self)
    }

    pub fn summary(&self) -> String {
        if self.estimate {
            format!(
                "About {} {} (an estimate; please confirm)",
                self.count, self.what
            )
        } else {
            format!("{} {}", self.count, self.what)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::tests::assert_strict;

    fn bx(x: f64) -> BoundingBox {
        BoundingBox {
            x,
            y: 0.1,
            width: 0.1,
            height: 0.1,
        }
    }

    fn three() -> Count {
        Count {
            what: "boxes".into(),
            count: 3,
            boxes: vec![bx(0.1), bx(0.3), bx(0.5)],
            confidence: 0.8,
            notes: vec![],
            estimate: false,
            overlay: None,
        }
    }

    #[test]
    fn schema_is_strict() {
        assert_strict(&Count::schema());
        assert!(Count::schema()["properties"].get("estimate").is_none());
    }

    #[test]
    fn a_consistent_count_passes_as_is() {
        assert_eq!(three().validate().unwrap(), three());
        assert_eq!(three().summary(), "3 boxes");
    }

    #[test]
    fn boxes_that_disagree_with_the_count_lower_confidence() {
        let mut c = three();
        c.count = 4;
        let c = c.validate().unwrap();
        assert_eq!(c.confidence, MISMATCH_CONFIDENCE);
        assert!(c.notes[0].contains("3 boxes were marked but the count is 4"));
    }

    #[test]
    fn boxes_outside_the_image_and_nameless_counts_are_refused() {
        let mut c = three();
        c.boxes[0] = BoundingBox {
            x: 0.95,
            y: 0.0,
            width: 0.2,
            height: 0.1,
        };
        c.boxes[1].width = 0.0;
        c.what = " ".into();
        let e = c.validate().unwrap_err();
        assert_eq!(e.problems.len(), 3, "{e}");
    }

    #[test]
    fn the_overlay_stays_out_of_the_json() {
        let mut c = three();
        c.overlay = Some(Overlay {
            png: vec![1, 2, 3],
            width: 1,
            height: 1,
        });
        let v = serde_json::to_value(&c).unwrap();
        assert!(v.get("overlay").is_none());
        assert_eq!(v["estimate"], false);
    }
}
