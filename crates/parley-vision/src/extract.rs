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
static QTY_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{1,3})\s*[xX×*@]\s*\S?$").unwrap());
/// Header lines that can end in digits: a misread date or a phone number is no line item.
static NOT_AN_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(date|datum|time|tel|phone|fax|invoice|receipt|order)\b").unwrap()
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

    // Every amount line in order, with its role; a doubtful amount keeps all its readings
    // until the arithmetic picks one (or none).
    let vendor_line = vendor_index(lines, &inv);
    let mut found: Vec<Found> = Vec::new();
    let mut in_items = true;
    for (i, line) in lines.iter().enumerate() {
        if is_header(i) || Some(i) == vendor_line {
            continue;
        }
        let Some((amount, at)) = read_amount(line) else {
            continue;
        };
        let role = if SUBTOTAL.is_match(line) {
            Role::Subtotal
        } else if TAX.is_match(line) && !TAX_ID.is_match(line) {
            Role::Tax
        } else if TOTAL.is_match(line) {
            Role::Total
        } else if in_items && !NOT_AN_ITEM.is_match(line) {
            match line_item(&line[..at]) {
                Some((description, quantity)) => Role::Item(description, quantity),
                None => continue,
            }
        } else {
            continue; // payment lines after the total: card, cash given, change
        };
        if !matches!(role, Role::Item(..)) {
            in_items = false;
            // The first of each wins: a card line repeating the total comes after it.
            if found
                .iter()
                .any(|f| std::mem::discriminant(&f.role) == std::mem::discriminant(&role))
            {
                continue;
            }
        }
        found.push(Found { role, amount });
    }
    let repaired = resolve(&mut found);
    if repaired > 0 {
        inv.notes.push(format!(
            "{repaired} amount(s) had a misread decimal point; the readings kept are the ones the totals confirm."
        ));
        inv.confidence = inv.confidence.min(REPAIRED_CONFIDENCE);
    }
    for f in found {
        let value = f.amount.value();
        match f.role {
            Role::Subtotal => inv.subtotal = value,
            Role::Tax => inv.tax = value,
            Role::Total => inv.total = value,
            Role::Item(description, quantity) => inv.line_items.push(LineItem {
                description,
                quantity,
                amount: value,
            }),
        }
    }
    if inv.line_items.iter().any(|i| i.amount.is_none()) {
        inv.notes
            .push("Some line amounts could not be read.".to_string());
    }
    inv
}

/// Confidence ceiling when amounts had to be repaired (even confirmed ones).
pub const REPAIRED_CONFIDENCE: f64 = 0.75;

#[derive(Debug, Clone, PartialEq)]
enum Role {
    Item(String, Option<f64>),
    Subtotal,
    Tax,
    Total,
}

/// An amount as read off a line.
#[derive(Debug, Clone, PartialEq)]
enum Amount {
    /// A well-formed amount.
    Sure(f64),
    /// A token OCR mangled (a lost or misread decimal point, "111732" for 111.32), with the
    /// readings it could be; none is used unless the arithmetic confirms it.
    Doubtful(Vec<f64>),
    /// The reading the arithmetic confirmed.
    Confirmed(f64),
    Unreadable,
}

impl Amount {
    fn value(&self) -> Option<f64> {
        match self {
            Amount::Sure(v) | Amount::Confirmed(v) => Some(*v),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct Found {
    role: Role,
    amount: Amount,
}

/// Picks, for the doubtful amounts, the readings under which the most arithmetic checks pass
/// (items sum to the subtotal; subtotal plus tax is the total). A doubtful amount is kept
/// only when a passing check involves it; otherwise it stays unread. Returns how many were
/// repaired.
fn resolve(found: &mut [Found]) -> usize {
    let doubtful: Vec<usize> = (0..found.len())
        .filter(|&i| matches!(found[i].amount, Amount::Doubtful(_)))
        .collect();
    let options = |i: usize| match &found[i].amount {
        Amount::Doubtful(v) => v.clone(),
        other => other.value().into_iter().collect(),
    };
    let combinations: usize = doubtful.iter().map(|&i| options(i).len().max(1)).product();
    if doubtful.is_empty() || combinations > 4096 {
        for &i in &doubtful {
            found[i].amount = Amount::Unreadable;
        }
        return 0;
    }
    let role_of = |role: fn(&Role) -> bool| found.iter().position(|f| role(&f.role));
    let (sub, tax, total) = (
        role_of(|r| *r == Role::Subtotal),
        role_of(|r| *r == Role::Tax),
        role_of(|r| *r == Role::Total),
    );
    let items: Vec<usize> = (0..found.len())
        .filter(|&i| matches!(found[i].role, Role::Item(..)))
        .collect();
    // The target the items add up to: the subtotal, or the total when neither a subtotal
    // nor a tax is printed.
    let items_target = sub.or(if tax.is_none() { total } else { None });
    let mut best: Option<(usize, Vec<Option<f64>>, bool, bool)> = None;
    for mut n in 0..combinations {
        let mut values: Vec<Option<f64>> = found.iter().map(|f| f.amount.value()).collect();
        for &i in &doubtful {
            let o = options(i);
            values[i] = o.get(n % o.len().max(1)).copied();
            n /= o.len().max(1);
        }
        let cents = |i: Option<usize>| i.and_then(|i| values[i]).map(crate::invoice::cents);
        let items_ok = items_target.is_some_and(|t| {
            let sum: Option<i64> = items.iter().map(|&i| values[i].map(crate::invoice::cents)).sum();
            matches!((sum, cents(Some(t))), (Some(a), Some(b)) if (a - b).abs() <= items.len().max(1) as i64)
        }) && !items.is_empty();
        let totals_ok = matches!((cents(sub), cents(tax), cents(total)), (Some(s), Some(x), Some(t)) if (s + x - t).abs() <= 2);
        let passes = usize::from(items_ok) + usize::from(totals_ok);
        if best.as_ref().is_none_or(|b| passes > b.0) {
            best = Some((passes, values, items_ok, totals_ok));
        }
    }
    let (_, values, items_ok, totals_ok) = best.expect("at least one combination");
    let mut repaired = 0;
    for &i in &doubtful {
        let in_items_check = items_ok && (items.contains(&i) || Some(i) == items_target);
        let in_totals_check = totals_ok && [sub, tax, total].contains(&Some(i));
        found[i].amount = match values[i] {
            Some(v) if in_items_check || in_totals_check => {
                repaired += 1;
                Amount::Confirmed(v)
            }
            _ => Amount::Unreadable,
        };
    }
    repaired
}

/// The amount a line ends with, and where the text before it ends. Besides well-formed
/// amounts this reads what OCR does to a decimal point on a small receipt font: lost
/// ("138. 11", "13811") or read as a digit or dash ("111732", "3617-39"); and a line whose
/// amount is unreadable but whose "2 x 36.26" says what it must be.
fn read_amount(line: &str) -> Option<(Amount, usize)> {
    let trimmed = line.trim_end_matches(|c: char| !c.is_alphanumeric());
    let last_start = trimmed.rfind(char::is_whitespace).map_or(0, |p| p + 1);
    let last = trimmed[last_start..].trim_start_matches(['$', '€', '£']);
    if AMOUNT.is_match(last) {
        return Some((Amount::Sure(parse_amount(last)?), last_start));
    }
    // "138. 11": the separator and the cents split by a space.
    let before = trimmed[..last_start].trim_end();
    if last.len() == 2
        && last.bytes().all(|b| b.is_ascii_digit())
        && (before.ends_with('.') || before.ends_with(','))
    {
        let prev_start = before.rfind(char::is_whitespace).map_or(0, |p| p + 1);
        let joined = format!("{}{last}", &before[prev_start..]);
        if AMOUNT.is_match(&joined) {
            return Some((Amount::Doubtful(vec![parse_amount(&joined)?]), prev_start));
        }
    }
    let digits: String = last.chars().filter(char::is_ascii_digit).collect();
    // At most one stray separator: "2022-98-27" is a misread date, not an amount.
    let mangled = last
        .chars()
        .all(|c| c.is_ascii_digit() || ".,'-".contains(c))
        && last.chars().filter(|c| !c.is_ascii_digit()).count() <= 1;
    if mangled && (3..=9).contains(&digits.len()) && last.starts_with(|c: char| c.is_ascii_digit())
    {
        let with_point = |int: &str, dec: &str| format!("{int}.{dec}").parse::<f64>().ok();
        let n = digits.len();
        let mut readings: Vec<f64> = Vec::new();
        // The separator misread as a digit (or dash): drop it.
        if n >= 4 {
            readings.extend(with_point(&digits[..n - 3], &digits[n - 2..]));
        }
        // The separator lost.
        readings.extend(with_point(&digits[..n - 2], &digits[n - 2..]));
        readings.dedup();
        return Some((Amount::Doubtful(readings), last_start));
    }
    // Nothing readable at the end, but a "2 x 36.26" before it says what the amount must be.
    let m = NUMERIC_RUN
        .find_iter(line)
        .filter(|m| AMOUNT.is_match(m.as_str()))
        .last()?;
    let qty = QTY_BEFORE.captures(&line[..m.start()])?;
    let quantity: f64 = qty[1].parse().ok()?;
    let unit = parse_amount(m.as_str())?;
    Some((
        Amount::Doubtful(vec![(quantity * unit * 100.0).round() / 100.0]),
        m.end(),
    ))
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

/// An item's description and quantity from the text before its amount: "2 x Nails",
/// "Nails 2 x 12.25" or "Hammer".
fn line_item(before: &str) -> Option<(String, Option<f64>)> {
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
    Some((description, quantity.filter(|q| *q > 0.0)))
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
    fn misread_decimal_points_are_repaired_only_when_the_totals_confirm_it() {
        // As tesseract read a JPEG'd receipt: the point became a 7, a dash, or got lost.
        let lines = [
            "CORNER STORE",
            "Oat milk 48.65",
            "Coffee beans 2 x 7.94 15.88",
            "Batteries 4680",
            "Subtotal 111733",
            "VAT 20% 22-27",
            "TOTAL GBP 133. 60)",
        ];
        let inv = invoice_from_lines(&lines, 0.9).validate().unwrap();
        assert_eq!(
            inv.line_items.iter().map(|i| i.amount).collect::<Vec<_>>(),
            [Some(48.65), Some(15.88), Some(46.80)]
        );
        assert_eq!(
            (inv.subtotal, inv.tax, inv.total),
            (Some(111.33), Some(22.27), Some(133.60))
        );
        assert_eq!(inv.checks.items_match_subtotal, Check::Passed);
        assert_eq!(inv.checks.subtotal_plus_tax_matches_total, Check::Passed);
        assert_eq!(inv.confidence, REPAIRED_CONFIDENCE);
        assert!(
            inv.notes[0].contains("4 amount(s) had a misread decimal point"),
            "{:?}",
            inv.notes
        );
    }

    #[test]
    fn an_unconfirmed_repair_is_not_a_reading() {
        // The total is garbage, so nothing confirms the tax's reading: it stays unread.
        let lines = [
            "SHOP",
            "Milk 2.50",
            "Bread 3.10",
            "Subtotal 5.60",
            "VAT 20% 1712",
            "TOTAL EUR ~~",
        ];
        let inv = invoice_from_lines(&lines, 0.9).validate().unwrap();
        assert_eq!(inv.tax, None);
        assert_eq!(inv.subtotal, Some(5.60));
        assert_eq!(inv.checks.items_match_subtotal, Check::Passed);
    }

    #[test]
    fn an_unreadable_line_amount_is_rebuilt_from_its_quantity_and_price() {
        let lines = [
            "SHOP",
            "Wood glue 2 x 36.26 Ugo",
            "Tape 1.00",
            "Subtotal 73.52",
        ];
        let inv = invoice_from_lines(&lines, 0.9).validate().unwrap();
        assert_eq!(inv.line_items[0].amount, Some(72.52));
        assert_eq!(inv.line_items[0].description, "Wood glue");
        assert_eq!(inv.line_items[0].quantity, Some(2.0));
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
