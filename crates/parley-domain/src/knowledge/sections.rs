//! Documents as sections: text under a path of headings (`Returns > Refunds`). Chunks keep
//! their section's heading path, so a passage about "within 30 days" still says of what.

/// Text under one heading path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    pub heading_path: Vec<String>,
    pub text: String,
}

/// Builds sections from headings and paragraphs in document order.
#[derive(Default)]
pub struct SectionBuilder {
    path: Vec<(usize, String)>,
    current: String,
    sections: Vec<Section>,
}

impl SectionBuilder {
    /// A heading of `level` (1 = top) starts a new section below its parents.
    pub fn heading(&mut self, level: usize, title: &str) {
        self.flush();
        let title = title.trim();
        if title.is_empty() {
            return;
        }
        self.path.retain(|(l, _)| *l < level);
        self.path.push((level, title.to_string()));
    }

    /// A paragraph (or line) of body text.
    pub fn text(&mut self, text: &str) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if !self.current.is_empty() {
            self.current.push_str("\n\n");
        }
        self.current.push_str(text);
    }

    pub fn finish(mut self) -> Vec<Section> {
        self.flush();
        self.sections
    }

    fn flush(&mut self) {
        if !self.current.trim().is_empty() {
            self.sections.push(Section {
                heading_path: self.path.iter().map(|(_, t)| t.clone()).collect(),
                text: std::mem::take(&mut self.current),
            });
        }
        self.current.clear();
    }
}

/// Markdown (and plain text, which is Markdown without headings): ATX headings (`#` to
/// `######`) start sections; blank lines separate paragraphs; fenced code stays whole.
pub fn markdown_sections(text: &str) -> Vec<Section> {
    let mut builder = SectionBuilder::default();
    let mut paragraph = String::new();
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            paragraph.push_str(line);
            paragraph.push('\n');
            continue;
        }
        if !in_fence {
            if let Some(level) = heading_level(trimmed) {
                builder.text(&paragraph);
                paragraph.clear();
                builder.heading(level, trimmed[level..].trim().trim_end_matches('#'));
                continue;
            }
            if trimmed.is_empty() {
                builder.text(&paragraph);
                paragraph.clear();
                continue;
            }
        }
        paragraph.push_str(line.trim_end());
        paragraph.push('\n');
    }
    builder.text(&paragraph);
    builder.finish()
}

fn heading_level(line: &str) -> Option<usize> {
    let level = line.chars().take_while(|c| *c == '#').count();
    ((1..=6).contains(&level) && line[level..].starts_with(' ')).then_some(level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_nest_and_reset() {
        let md = "Intro line.\n\n# Returns\nWithin 30 days.\n\n## Refunds\nTo the card.\n\n```\n# not a heading\n```\n\n# Shipping\nFree over $50.";
        let s = markdown_sections(md);
        let paths: Vec<String> = s.iter().map(|s| s.heading_path.join(" > ")).collect();
        assert_eq!(paths, ["", "Returns", "Returns > Refunds", "Shipping"]);
        assert!(s[2].text.contains("# not a heading"));
        assert_eq!(s[3].text, "Free over $50.");
    }
}
