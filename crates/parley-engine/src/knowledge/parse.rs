//! Reading uploaded files into sections: plain text, Markdown, HTML (text only: scripts and
//! styles dropped), PDF, DOCX and CSV (one paragraph per row). The type is decided by the
//! bytes first (magic numbers) and the name second, so a renamed file is read for what it is.

use parley_domain::knowledge::sections::{Section, SectionBuilder, markdown_sections};
use std::io::Read;

/// Formats Parley reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
    Pdf,
    Docx,
    Csv,
}

impl Format {
    pub fn mime(self) -> &'static str {
        match self {
            Format::Text => "text/plain",
            Format::Markdown => "text/markdown",
            Format::Html => "text/html",
            Format::Pdf => "application/pdf",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Csv => "text/csv",
        }
    }
}

/// Why a file cannot be read; shown to the team on the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unsupported file type: upload text, Markdown, HTML, PDF, DOCX or CSV")]
    Unsupported,
    #[error("the file is damaged or not what its name says: {0}")]
    Corrupt(String),
    #[error("the file contains no text")]
    Empty,
}

/// Decides the format from the content's first bytes and the file name.
pub fn detect(name: &str, bytes: &[u8]) -> Result<Format, ParseError> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.starts_with(b"%PDF-") {
        return Ok(Format::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return if ext == "docx" {
            Ok(Format::Docx)
        } else {
            Err(ParseError::Unsupported)
        };
    }
    if ext == "pdf" || ext == "docx" {
        return Err(ParseError::Corrupt(format!(
            "a .{ext} file must start with its signature"
        )));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ParseError::Unsupported)?;
    let head = text
        .trim_start()
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    Ok(match ext.as_str() {
        "md" | "markdown" => Format::Markdown,
        "csv" => Format::Csv,
        "html" | "htm" => Format::Html,
        "txt" | "text" | "" => {
            if head.starts_with("<!doctype html") || head.starts_with("<html") {
                Format::Html
            } else {
                Format::Text
            }
        }
        _ if head.starts_with("<!doctype html") || head.starts_with("<html") => Format::Html,
        _ => return Err(ParseError::Unsupported),
    })
}

/// Reads a file into sections.
pub fn parse(format: Format, bytes: &[u8]) -> Result<Vec<Section>, ParseError> {
    let mut sections = match format {
        Format::Text | Format::Markdown => markdown_sections(&utf8(bytes)?),
        Format::Html => html_sections(&utf8(bytes)?),
        Format::Csv => csv_sections(bytes)?,
        Format::Docx => docx_sections(bytes)?,
        Format::Pdf => pdf_sections(bytes)?,
    };
    // PostgreSQL refuses NUL in text; a stray one in a file must not make it unstorable.
    for section in &mut sections {
        for text in section.heading_path.iter_mut().chain([&mut section.text]) {
            if text.contains('\0') {
                *text = text.replace('\0', " ");
            }
        }
    }
    if sections.iter().all(|s| s.text.trim().is_empty()) {
        return Err(ParseError::Empty);
    }
    Ok(sections)
}

fn utf8(bytes: &[u8]) -> Result<String, ParseError> {
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| ParseError::Corrupt("not UTF-8 text".into()))?;
    Ok(text.trim_start_matches('\u{feff}').to_string())
}

/// HTML: headings start sections, block elements end paragraphs, `script`, `style`,
/// `noscript`, `template` and `svg` are dropped, entities decoded.
fn html_sections(html: &str) -> Vec<Section> {
    let dom = match tl::parse(html, tl::ParserOptions::default()) {
        Ok(dom) => dom,
        Err(_) => return markdown_sections(html),
    };
    let parser = dom.parser();
    let mut builder = SectionBuilder::default();
    let mut paragraph = String::new();
    for handle in dom.children() {
        walk_html(*handle, parser, &mut builder, &mut paragraph);
    }
    builder.text(&paragraph);
    builder.finish()
}

fn walk_html(
    handle: tl::NodeHandle,
    parser: &tl::Parser<'_>,
    b: &mut SectionBuilder,
    para: &mut String,
) {
    let Some(node) = handle.get(parser) else {
        return;
    };
    match node {
        tl::Node::Raw(bytes) => {
            let text = decode_entities(&bytes.as_utf8_str());
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() {
                if !para.is_empty() && !para.ends_with(' ') {
                    para.push(' ');
                }
                para.push_str(&text);
            }
        }
        tl::Node::Tag(tag) => {
            let name = tag.name().as_utf8_str().to_ascii_lowercase();
            if matches!(
                name.as_str(),
                "script" | "style" | "noscript" | "template" | "svg" | "head"
            ) {
                return;
            }
            if let Some(level) = name
                .strip_prefix('h')
                .and_then(|l| l.parse::<usize>().ok())
                .filter(|l| (1..=6).contains(l))
            {
                b.text(para);
                para.clear();
                let title = decode_entities(&tag.inner_text(parser));
                b.heading(
                    level,
                    &title.split_whitespace().collect::<Vec<_>>().join(" "),
                );
                return;
            }
            let block = matches!(
                name.as_str(),
                "p" | "div"
                    | "section"
                    | "article"
                    | "li"
                    | "ul"
                    | "ol"
                    | "tr"
                    | "table"
                    | "br"
                    | "blockquote"
                    | "pre"
                    | "dd"
                    | "dt"
                    | "header"
                    | "footer"
                    | "main"
                    | "nav"
                    | "aside"
            );
            if block {
                b.text(para);
                para.clear();
            }
            for child in tag.children().top().iter() {
                walk_html(*child, parser, b, para);
            }
            if block {
                b.text(para);
                para.clear();
            }
        }
        tl::Node::Comment(_) => {}
    }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some(' '),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// CSV: the header row names the columns; each row becomes `column: value` lines, one
/// paragraph per row, so a row is never split from its header.
fn csv_sections(bytes: &[u8]) -> Result<Vec<Section>, ParseError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| ParseError::Corrupt(e.to_string()))?
        .clone();
    let mut builder = SectionBuilder::default();
    for record in reader.records() {
        let record = record.map_err(|e| ParseError::Corrupt(e.to_string()))?;
        let row: Vec<String> = record
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(
                |(i, v)| match headers.get(i).filter(|h| !h.trim().is_empty()) {
                    Some(h) => format!("{}: {}", h.trim(), v.trim()),
                    None => v.trim().to_string(),
                },
            )
            .collect();
        builder.text(&row.join("\n"));
    }
    Ok(builder.finish())
}

/// DOCX: paragraphs of `word/document.xml`; `Heading N` styles start sections.
fn docx_sections(bytes: &[u8]) -> Result<Vec<Section>, ParseError> {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ParseError::Corrupt(e.to_string()))?;
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .map_err(|_| ParseError::Corrupt("no word/document.xml: not a Word document".into()))?
        .take(64 * 1024 * 1024)
        .read_to_string(&mut xml)
        .map_err(|e| ParseError::Corrupt(e.to_string()))?;
    let mut reader = Reader::from_str(&xml);
    let mut builder = SectionBuilder::default();
    let (mut text, mut heading, mut in_text) = (String::new(), None::<usize>, false);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                b"t" => in_text = true,
                b"tab" => text.push(' '),
                b"br" => text.push('\n'),
                b"pStyle" => {
                    if let Some(val) = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == b"val")
                    {
                        let style = String::from_utf8_lossy(&val.value).to_ascii_lowercase();
                        heading = style
                            .strip_prefix("heading")
                            .and_then(|n| n.trim().parse().ok())
                            .or(if style == "title" { Some(1) } else { None });
                    }
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_text => text.push_str(&String::from_utf8_lossy(t.as_ref())),
            Ok(Event::GeneralRef(r)) if in_text => text.push_str(&decode_entities(&format!(
                "&{};",
                String::from_utf8_lossy(r.as_ref())
            ))),
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => {
                    match heading.take() {
                        Some(level) => builder.heading(level, &text),
                        None => builder.text(&text),
                    }
                    text.clear();
                }
                _ => {}
            },
            Ok(Event::Eof) => break,
            Err(e) => return Err(ParseError::Corrupt(e.to_string())),
            _ => {}
        }
    }
    Ok(builder.finish())
}

/// PDF: the text layer, page by page; blank lines separate paragraphs. Scanned PDFs without
/// a text layer come out empty (and fail as such).
fn pdf_sections(bytes: &[u8]) -> Result<Vec<Section>, ParseError> {
    // pdf-extract can panic on malformed files; a bad upload must fail, not crash a worker.
    let bytes = bytes.to_vec();
    let text = std::panic::catch_unwind(move || pdf_extract::extract_text_from_mem(&bytes))
        .map_err(|_| ParseError::Corrupt("unreadable PDF".into()))?
        .map_err(|e| ParseError::Corrupt(e.to_string()))?;
    Ok(markdown_sections(&text.replace('\u{c}', "\n\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(sections: &[Section]) -> Vec<String> {
        sections
            .iter()
            .map(|s| s.heading_path.join(" > "))
            .collect()
    }

    #[test]
    fn detects_by_bytes_then_name() {
        assert_eq!(detect("a.md", b"# Hi"), Ok(Format::Markdown));
        assert_eq!(detect("a.txt", b"<!DOCTYPE html><p>x"), Ok(Format::Html));
        assert_eq!(detect("renamed.txt", b"%PDF-1.7 ..."), Ok(Format::Pdf));
        assert_eq!(
            detect("a.pdf", b"hello"),
            Err(ParseError::Corrupt(
                "a .pdf file must start with its signature".into()
            ))
        );
        assert_eq!(detect("a.exe", b"MZ\x90\x00"), Err(ParseError::Unsupported));
        assert_eq!(
            detect("a.bin", &[0xff, 0xfe, 0x00]),
            Err(ParseError::Unsupported)
        );
        assert_eq!(detect("a.zip", b"PK\x03\x04"), Err(ParseError::Unsupported));
    }

    #[test]
    fn html_keeps_text_and_headings_and_drops_scripts() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body><h1>Returns</h1><p>Within &amp; 30 days.</p><script>alert(1)</script><h2>Refunds</h2><ul><li>Card</li><li>Store credit</li></ul></body></html>";
        let s = parse(Format::Html, html.as_bytes()).unwrap();
        assert_eq!(paths(&s), ["Returns", "Returns > Refunds"]);
        assert_eq!(s[0].text, "Within & 30 days.");
        assert_eq!(s[1].text, "Card\n\nStore credit");
        assert!(!s.iter().any(|s| s.text.contains("alert")));
    }

    #[test]
    fn csv_rows_become_labelled_paragraphs() {
        let s = parse(
            Format::Csv,
            b"sku,name,price\nTB-1,Trail Boot,129\nTN-2,Tent,\n",
        )
        .unwrap();
        assert_eq!(
            s[0].text,
            "sku: TB-1\nname: Trail Boot\nprice: 129\n\nsku: TN-2\nname: Tent"
        );
        assert!(matches!(
            parse(Format::Csv, b"a,b\n\"unclosed"),
            Err(ParseError::Corrupt(_)) | Ok(_)
        ));
    }

    #[test]
    fn docx_paragraphs_and_heading_styles() {
        let doc = r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
            <w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Warranty</w:t></w:r></w:p>
            <w:p><w:r><w:t xml:space="preserve">Tents carry a </w:t></w:r><w:r><w:t>lifetime warranty &amp; more.</w:t></w:r></w:p>
            </w:body></w:document>"#;
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            zip.start_file(
                "word/document.xml",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            std::io::Write::write_all(&mut zip, doc.as_bytes()).unwrap();
            zip.finish().unwrap();
        }
        let bytes = buf.into_inner();
        assert_eq!(detect("policy.docx", &bytes), Ok(Format::Docx));
        let s = parse(Format::Docx, &bytes).unwrap();
        assert_eq!(paths(&s), ["Warranty"]);
        assert_eq!(s[0].text, "Tents carry a lifetime warranty & more.");
        assert!(matches!(
            parse(Format::Docx, b"PK\x03\x04garbage"),
            Err(ParseError::Corrupt(_))
        ));
    }

    #[test]
    fn corrupt_and_empty_files_fail_with_a_reason() {
        assert!(matches!(
            parse(Format::Pdf, b"%PDF-1.4 not really"),
            Err(ParseError::Corrupt(_))
        ));
        assert_eq!(parse(Format::Text, b"   \n\n  "), Err(ParseError::Empty));
        assert!(matches!(
            parse(Format::Text, &[0x66, 0xff, 0xfe]),
            Err(ParseError::Corrupt(_))
        ));
    }
}
