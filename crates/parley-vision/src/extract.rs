//! Invoice fields from OCR lines, by rules that hold for most receipts and invoices: the
//! vendor heads the page, items come before the first subtotal/tax/total line, and the total
//! is the last amount on a line that says "total" (not "subtotal").
//!
//! Whatever this reads goes through [`Invoice::validate`], whose arithmetic checks are what
//! tell a good reading from a bad one.

use crate::invoice::{Invoice, LineItem, currency_code, read_date};
use crate::ocr::OcrPage;
use regex::Regex;
use std::sync::LazyLock;

/// The highest confidence an OCR reading gets, however sure tesseract is: OCR misreads digits
/// with high confidence, and only the arithmetic checks can vouch for the amounts.
pub const OCR_MAX_CONFIDENCE: f64 = 0.9;

/// A run of digits and separators; it is an amount only if all of it is one (so the parts of
/// a date like 14.03.2024 are not amounts).
static NUMERIC_RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"-?\d[\d.,']*\d").unwrap());
static AMOUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^-?(?:\d{1,3}(?:[.,']\d{3})*|\d+)[.,]\d{2}$").unwrap());
static SUBTOTAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bsub\s*-?\s*total|zwischensumme|\bnet(to)?\s*(amount|total|betrag)?\b")
        .unwrap()
});
static TOTAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(grand\s*total|total|amount\s*due|balance\s*due|summe|gesamt(betrag)?|zu\s*zahlen)\b").unwrap()
});
static TAX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(vat|tax|mwst|gst|hst|ust|iva|tva)\b").unwrap());
static TAX_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(vat|tax|ust)[\s.-]*(id|no|nr|reg|number)\b|\b(incl|inkl|including)\b")
        .unwrap()
});
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:invoice|inv|receipt|bill|rechnung|order)\s*(?:no|nr|number|num|#)?\.?\s*[:#]?)\s*([A-Z0-9][A-Z0-9\-/]{3,})").unwrap()
});
static CURRENCY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(EUR|USD|GBP|CHF|JPY|CAD|AUD|SEK|NOK|DKK|PLN|CZK)\b|(€|£|US\$|\$)").unwrap()
});
static LEADING_QTY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,3})\s*[xX×*]\s+(.+)$").unwrap());
static UNIT_QTY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.+?)\s+(\d{1,3})\s*[xX×*@]\s*\S*\d[.,]\d{2}\S*$").unwrap());

/// Reads an invoice from an OCR page; not yet validated.
pub fn invoice_from_ocr(page: &OcrPage) -> Invoice {
    let lines: Vec<&str> = page.lines.iter().map(|l| l.text.as_str()).collect();
    let confidence = (f64::from(page.mean_confidence) / 100.0).clamp(0.0, OCR_MAX_CONFIDENCE);
    invoice_from_lines(&lines, confidence)
}

/// Reads an invoice from lines of text (top to bottom); not yet validated.
pub fn invoice_from_lines(lines: &[&str], confidence: f64) -> Invoice {
    let mut inv = Invoice::empty();
    inv.confidence = confidence;
    let text = lines.join("\n");
    inv.currency = CURRENCY
        .captures(&text)
        .and_then(|c| currency_code(c.get(1).or(c.get(2))?.as_str()));
    let us = inv.currency.as_deref() == Some("USD");
    let mut date_line = None;
    for (i, line) in lines.iter().enumerate() {
        if let Some(d) = read_date(line, us) {
            inv.date = Some(d.iso);
            inv.date_raw = Some(d.printed);
            inv.date_ambiguous = d.ambiguous;
            date_line = Some(i);
            break;
        }
    }
    let mut number_line = None;
    for (i, line) in lines.iter().enumerate() {
        if let Some(c) = NUMBER.captures(line)
            && c[1].bytes().any(|b| b.is_ascii_digit())
        {
            inv.invoice_number = Some(c[1].trim_end_matches(['-', '/']).to_string());
            number_line = Some(i);
            break;
        }
    }
    let is_header = |i: usize| Some(i) == date_line || Some(i) == number_line;
    inv.vendor = lines
        .iter()
        .take(3)
        .enumerate()
        .find(|&(i, l)| {
            !is_header(i)
                && l.chars().filter(|c| c.is_alphabetic()).count() >= 3
                && last_amount(l).is_none()
        })
        .map(|(_, l)| l.trim().to_string());

    let mut in_items = true;
    for (i, line) in lines.iter().enumerate() {
        let Some((amount, at)) = last_amount(line) else {
            continue;
        };
        if SUBTOTAL.is_match(line) {
            in_items = false;
            inv.subtotal.get_or_insert(amount);
        } else if TAX.is_match(line) && !TAX_ID.is_match(line) {
            in_items = false;
            inv.tax.get_or_insert(amount);
        } else if TOTAL.is_match(line) {
            in_items = false;
            // The first total wins: what follows it is payment (cash given, change, card).
            inv.total.get_or_insert(amount);
        } else if in_items
            && !is_header(i)
            && Some(i) != vendor_index(lines, &inv)
            && let Some(item) = line_item(&line[..at], amount)
        {
            inv.line_items.push(item);
        }
    }
    inv
}

fn vendor_index(lines: &[&str], inv: &Invoice) -> Option<usize> {
    let vendor = inv.vendor.as_deref()?;
    lines.iter().position(|l| l.trim() == vendor)
}

/// The last amount on a line and where it starts.
fn last_amount(line: &str) -> Option<(f64, usize)> {
    let m = NUMERIC_RUN
        .find_iter(line)
        .filter(|m| AMOUNT.is_match(m.as_str()))
        .last()?;
    Some((parse_amount(m.as_str())?, m.start()))
}

/// "1,234.56", "1.234,56", "58,85" and "58.85" as numbers: the last separator before two
/// final digits is the decimal point.
pub fn parse_amount(s: &str) -> Option<f64> {
    let s = s.trim();
    let (int, dec) = s.split_at(s.len().checked_sub(3)?);
    if !matches!(dec.as_bytes().first(), Some(b'.' | b',')) {
        return None;
    }
    let int: String = int
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    format!("{int}.{}", &dec[1..]).parse().ok()
}

/// An item from the text before its amount: "2 x Nails", "Nails 2 x 12.25" or "Hammer".
fn line_item(before: &str, amount: f64) -> Option<LineItem> {
    let text = before
        .trim()
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .trim();
    let text = CURRENCY.replace_all(text, "").trim().to_string();
    let (description, quantity) = if let Some(c) = LEADING_QTY.captures(&text) {
        (c[2].to_string(), c[1].parse::<f64>().ok())
    } else if let Some(c) = UNIT_QTY.captures(&text) {
        (c[1].to_string(), c[2].parse::<f64>().ok())
    } else {
        (text.clone(), None)
    };
    let description = description
        .trim()
        .trim_end_matches([':', '.', '-'])
        .trim()
        .to_string();
    if description.chars().filter(|c| c.is_alphabetic()).count() < 2 {
        return None;
    }
    Some(LineItem {
        description,
        quantity: quantity.filter(|q| *q > 0.0),
        amount: Some(amount),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::Check;

    const ACME: &[&str] = &[
        "ACME HARDWARE GMBH",
        "Hauptstrasse 5, 10115 Berlin",
        "Invoice No: INV-2024-00871",
        "Date: 14.03.2024",
        "1 x Hammer 24.95",
        "Nails 2 x 12.25 24.50",
        "Subtotal 49.45",
        "VAT 19% 9.40",
        "TOTAL EUR 58.85",
        "VISA ****4421 58.85",
        "VAT ID DE123456789",
    ];

    #[test]
    fn a_receipt_reads_into_every_field_and_adds_up() {
        let inv = invoice_from_lines(ACME, 0.8).validate().unwrap();
        assert_eq!(inv.vendor.as_deref(), Some("ACME HARDWARE GMBH"));
        assert_eq!(inv.invoice_number.as_deref(), Some("INV-2024-00871"));
        assert_eq!(inv.date.as_deref(), Some("2024-03-14"));
        assert_eq!(inv.date_raw.as_deref(), Some("14.03.2024"));
        assert_eq!(inv.currency.as_deref(), Some("EUR"));
        assert_eq!(
            inv.line_items,
            vec![
                LineItem {
                    description: "Hammer".into(),
                    quantity: Some(1.0),
                    amount: Some(24.95)
                },
                LineItem {
                    description: "Nails".into(),
                    quantity: Some(2.0),
                    amount: Some(24.50)
                },
            ]
        );
        assert_eq!(
            (inv.subtotal, inv.tax, inv.total),
            (Some(49.45), Some(9.40), Some(58.85))
        );
        assert_eq!(inv.checks.items_match_subtotal, Check::Passed);
        assert_eq!(inv.checks.subtotal_plus_tax_matches_total, Check::Passed);
        assert_eq!(inv.confidence, 0.8);
    }

    #[test]
    fn decimal_commas_and_thousands_separators() {
        assert_eq!(parse_amount("58,85"), Some(58.85));
        assert_eq!(parse_amount("1.234,56"), Some(1234.56));
        assert_eq!(parse_amount("1,234.56"), Some(1234.56));
        assert_eq!(parse_amount("-3.00"), Some(-3.0));
        assert_eq!(parse_amount("12"), None);
        assert_eq!(
            last_amount("Summe EUR 1.234,56").map(|a| a.0),
            Some(1234.56)
        );
        assert_eq!(last_amount("VAT 19% 9.40").map(|a| a.0), Some(9.40));
        assert_eq!(
            last_amount("Date: 14.03.2024"),
            None,
            "a date is not an amount"
        );
    }

    #[test]
    fn dollar_receipts_read_dates_month_first() {
        let inv = invoice_from_lines(
            &[
                "CORNER STORE",
                "Receipt # 000123",
                "03/04/2024",
                "Milk $2.50",
                "Total $2.50",
            ],
            0.8,
        );
        assert_eq!(inv.currency.as_deref(), Some("USD"));
        assert_eq!(inv.date.as_deref(), Some("2024-03-04"));
        assert!(inv.date_ambiguous);
        assert_eq!(inv.line_items.len(), 1);
        assert_eq!(inv.line_items[0].description, "Milk");
        assert_eq!(inv.total, Some(2.50));
    }

    #[test]
    fn a_misread_amount_fails_the_checks() {
        let mut lines = ACME.to_vec();
        lines[5] = "Nails 2 x 12.25 74.50"; // OCR read a 2 as a 7
        let inv = invoice_from_lines(&lines, 0.9).validate().unwrap();
        assert_eq!(inv.checks.items_match_subtotal, Check::Failed);
        assert!(inv.confidence <= crate::invoice::FAILED_CHECK_CONFIDENCE);
    }

    #[test]
    fn nothing_readable_gives_an_empty_low_confidence_invoice() {
        let inv = invoice_from_lines(&["~~ ;;", "|||"], 0.2)
            .validate()
            .unwrap();
        assert_eq!(inv.total, None);
        assert!(inv.notes.iter().any(|n| n.contains("No total")));
    }
}
