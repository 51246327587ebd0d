//! The `invoice` kind: the fields of an invoice or receipt, and whether its amounts add up.
//!
//! The arithmetic is ours, never the reader's: whether the fields came from a vision model or
//! from OCR, [`Invoice::validate`] recomputes the checks and lowers the confidence when they
//! fail, so a workflow can act on `total` only when the document agrees with itself.

use crate::schema::{self, object};
use crate::{Invalid, Kind, Problems, clean};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// Confidence ceiling when an arithmetic check fails or no total was found.
pub const FAILED_CHECK_CONFIDENCE: f64 = 0.3;
/// Confidence ceiling when the total could not be checked (a total alone, or a tax that
/// could not be read), or when a line item has no amount.
pub const UNCHECKED_CONFIDENCE: f64 = 0.6;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    pub description: String,
    /// How many; `None` when the line does not say.
    pub quantity: Option<f64>,
    /// The line's amount (quantity times unit price, as printed).
    pub amount: Option<f64>,
}

/// The outcome of one arithmetic check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Passed,
    Failed,
    /// A number it needs is missing.
    #[default]
    NotChecked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InvoiceChecks {
    /// The line items add up to the subtotal (or to the total, when there is no subtotal and
    /// no tax).
    pub items_match_subtotal: Check,
    /// Subtotal plus tax equals the total (or the subtotal equals the total when the tax is
    /// stated as included).
    pub subtotal_plus_tax_matches_total: Check,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    pub vendor: Option<String>,
    pub invoice_number: Option<String>,
    /// The date as `YYYY-MM-DD`, when it could be read.
    pub date: Option<String>,
    /// The date exactly as printed.
    pub date_raw: Option<String>,
    /// True when the printed date reads two ways (03/04/2024: March or April?); `date` then
    /// holds the likelier reading.
    pub date_ambiguous: bool,
    /// ISO 4217 code ("EUR").
    pub currency: Option<String>,
    pub line_items: Vec<LineItem>,
    pub subtotal: Option<f64>,
    pub tax: Option<f64>,
    pub total: Option<f64>,
    pub confidence: f64,
    /// Computed by [`Invoice::validate`]; not part of the model's schema.
    #[serde(default)]
    pub checks: InvoiceChecks,
    /// Computed: what a person should know (failed checks, missing total).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Invoice {
    /// An invoice with nothing read yet.
    pub fn empty() -> Invoice {
        Invoice {
            vendor: None,
            invoice_number: None,
            date: None,
            date_raw: None,
            date_ambiguous: false,
            currency: None,
            line_items: Vec::new(),
            subtotal: None,
            tax: None,
            total: None,
            confidence: 0.0,
            checks: InvoiceChecks::default(),
            notes: Vec::new(),
        }
    }

    /// What the model fills in; `checks` and `notes` are ours, so they are not asked for.
    pub fn schema() -> serde_json::Value {
        let item = object(
            "One line item.",
            &[
                ("description", schema::string("The item as printed.")),
                (
                    "quantity",
                    schema::nullable_number("How many, or null when not printed."),
                ),
                (
                    "amount",
                    schema::nullable_number("The line's total amount, or null."),
                ),
            ],
        );
        object(
            "The fields of the invoice or receipt in the image. Copy numbers exactly as printed; \
             use null for anything you cannot read.",
            &[
                ("vendor", schema::nullable_string("Who issued it.")),
                (
                    "invoice_number",
                    schema::nullable_string("The invoice or receipt number."),
                ),
                (
                    "date",
                    schema::nullable_string("The issue date as YYYY-MM-DD."),
                ),
                (
                    "date_raw",
                    schema::nullable_string("The date exactly as printed."),
                ),
                (
                    "date_ambiguous",
                    schema::boolean(
                        "True when the printed date could be read as two different dates.",
                    ),
                ),
                (
                    "currency",
                    schema::nullable_string("ISO 4217 code, e.g. EUR, USD, GBP."),
                ),
                (
                    "line_items",
                    schema::array("Every line item, in order.", item),
                ),
                (
                    "subtotal",
                    schema::nullable_number("The subtotal before tax."),
                ),
                (
                    "tax",
                    schema::nullable_number("The tax amount (VAT, sales tax)."),
                ),
                ("total", schema::nullable_number("The total to pay.")),
                ("confidence", schema::confidence()),
            ],
        )
    }

    /// Checks the fields against the kind's rules, recomputes the arithmetic checks and caps
    /// the confidence by them. Malformed fields (a date that is no date, a currency that is no
    /// code, non-finite amounts) are problems; amounts that disagree are not: a real invoice
    /// can be wrong, and the notes say so.
    pub fn validate(mut self) -> Result<Invoice, Invalid> {
        let mut p = Problems::new(Kind::Invoice);
        p.check_confidence(self.confidence);
        self.vendor = clean(self.vendor);
        self.invoice_number = clean(self.invoice_number);
        self.date_raw = clean(self.date_raw);
        self.currency = clean(self.currency).map(|c| currency_code(&c).unwrap_or(c));
        if let Some(c) = &self.currency
            && !(c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            p.push(format!("currency {c:?} is not an ISO 4217 code"));
        }
        self.date = clean(self.date);
        if let Some(d) = &self.date
            && !is_iso_date(d)
        {
            p.push(format!("date {d:?} is not a YYYY-MM-DD calendar date"));
        }
        // The ambiguity flag is recomputed from what was printed, never taken from the reader.
        if let Some(raw) = &self.date_raw
            && let Some(reading) = read_date(raw, self.currency.as_deref() == Some("USD"))
        {
            self.date_ambiguous |= reading.ambiguous;
            if self.date.is_none() {
                self.date = Some(reading.iso);
            }
        }
        for (name, value) in [
            ("subtotal", self.subtotal),
            ("tax", self.tax),
            ("total", self.total),
        ] {
            check_amount(&mut p, name, value);
        }
        self.line_items.retain_mut(|item| {
            item.description = item.description.trim().to_string();
            !(item.description.is_empty() && item.amount.is_none())
        });
        for item in &self.line_items {
            check_amount(&mut p, "a line amount", item.amount);
            if let Some(q) = item.quantity
                && !(q.is_finite() && q > 0.0)
            {
                p.push(format!(
                    "quantity {q} of {:?} is not positive",
                    item.description
                ));
            }
        }
        self.apply_checks();
        p.finish(self)
    }

    /// Recomputes `checks` and `notes` and caps `confidence` by them.
    fn apply_checks(&mut self) {
        // Notes from the reader (the OCR's repairs) stay; ours are recomputed below.
        let earlier = std::mem::take(&mut self.notes);
        let items: Option<Vec<f64>> = if self.line_items.is_empty() {
            None
        } else {
            self.line_items.iter().map(|i| i.amount).collect()
        };
        let tolerance = |n: usize| n.max(1) as i64; // a cent of rounding per added amount
        self.checks.items_match_subtotal = match (&items, self.subtotal, self.tax, self.total) {
            (Some(items), Some(target), _, _) | (Some(items), None, None, Some(target)) => {
                let sum: i64 = items.iter().map(|a| cents(*a)).sum();
                if (sum - cents(target)).abs() <= tolerance(items.len()) {
                    Check::Passed
                } else {
                    self.notes.push(format!(
                        "The line items add up to {} but the {} says {}.",
                        money(sum),
                        if self.subtotal.is_some() {
                            "subtotal"
                        } else {
                            "total"
                        },
                        money(cents(target))
                    ));
                    Check::Failed
                }
            }
            _ => Check::NotChecked,
        };
        self.checks.subtotal_plus_tax_matches_total = match (self.subtotal, self.tax, self.total) {
            (Some(sub), Some(tax), Some(total)) => {
                let (sub, tax, total) = (cents(sub), cents(tax), cents(total));
                if (sub + tax - total).abs() <= tolerance(2) {
                    Check::Passed
                } else if (sub - total).abs() <= tolerance(1) && tax < total {
                    self.notes
                        .push("The tax is included in the total.".to_string());
                    Check::Passed
                } else {
                    self.notes.push(format!(
                        "Subtotal {} plus tax {} is {}, but the total says {}.",
                        money(sub),
                        money(tax),
                        money(sub + tax),
                        money(total)
                    ));
                    Check::Failed
                }
            }
            _ => Check::NotChecked,
        };
        let checks = [
            self.checks.items_match_subtotal,
            self.checks.subtotal_plus_tax_matches_total,
        ];
        // The total is what workflows act on: it counts as checked only when another amount
        // adds up to it.
        let total_verified = self.checks.subtotal_plus_tax_matches_total == Check::Passed
            || (self.subtotal.is_none()
                && self.tax.is_none()
                && self.checks.items_match_subtotal == Check::Passed);
        if self.total.is_none() {
            self.notes.push("No total could be read.".to_string());
            self.confidence = self.confidence.min(FAILED_CHECK_CONFIDENCE);
        } else if checks.contains(&Check::Failed) {
            self.confidence = self.confidence.min(FAILED_CHECK_CONFIDENCE);
        } else if !total_verified {
            self.notes.push(
                "The total could not be checked against the other amounts (one is missing)."
                    .to_string(),
            );
            self.confidence = self.confidence.min(UNCHECKED_CONFIDENCE);
        } else if self.line_items.iter().any(|i| i.amount.is_none()) {
            // The totals agree, but a line without an amount was never checked.
            self.notes
                .push("Some line items have no amount, so they could not be checked.".to_string());
            self.confidence = self.confidence.min(UNCHECKED_CONFIDENCE);
        }
        if self.date_ambiguous {
            self.notes.push(format!(
                "The date {} can be read two ways; {} was assumed.",
                self.date_raw.as_deref().unwrap_or("?"),
                self.date.as_deref().unwrap_or("?")
            ));
        }
        let ours = std::mem::replace(&mut self.notes, earlier);
        for note in ours {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
    }

    pub fn summary(&self) -> String {
        let mut s = String::from("Invoice");
        if let Some(n) = &self.invoice_number {
            s.push_str(&format!(" {n}"));
        }
        if let Some(v) = &self.vendor {
            s.push_str(&format!(" from {v}"));
        }
        match self.total {
            Some(t) => s.push_str(&format!(
                ", total {}{t:.2}",
                self.currency
                    .as_deref()
                    .map(|c| format!("{c} "))
                    .unwrap_or_default()
            )),
            None => s.push_str(", no total read"),
        }
        let checks = [
            self.checks.items_match_subtotal,
            self.checks.subtotal_plus_tax_matches_total,
        ];
        if checks.contains(&Check::Failed) {
            s.push_str(" (the amounts do not add up: please check)");
        } else if checks.contains(&Check::Passed) {
            s.push_str(" (amounts add up)");
        }
        s
    }
}

fn check_amount(p: &mut Problems, name: &str, value: Option<f64>) {
    if let Some(v) = value
        && !(v.is_finite() && v.abs() < 1e12)
    {
        p.push(format!("{name} {v} is not an amount"));
    }
}

/// An amount in whole cents, so sums compare exactly.
pub(crate) fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

fn money(cents: i64) -> String {
    format!(
        "{}{}.{:02}",
        if cents < 0 { "-" } else { "" },
        cents.abs() / 100,
        cents.abs() % 100
    )
}

/// The ISO code for a currency symbol or code as printed ("€", "eur", "US$").
pub fn currency_code(printed: &str) -> Option<String> {
    let p = printed.trim();
    let code = match p {
        "€" => "EUR",
        "$" | "US$" => "USD",
        "£" => "GBP",
        "¥" => "JPY",
        "CHF" | "Fr." => "CHF",
        _ if p.len() == 3 && p.bytes().all(|b| b.is_ascii_alphabetic()) => {
            return Some(p.to_ascii_uppercase());
        }
        _ => return None,
    };
    Some(code.to_string())
}

/// A date read from print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateReading {
    /// `YYYY-MM-DD`.
    pub iso: String,
    /// The text the date was read from, as printed.
    pub printed: String,
    /// Day and month could be swapped and still make a date.
    pub ambiguous: bool,
}

static ISO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{4})[-./](\d{1,2})[-./](\d{1,2})\b").unwrap());
static NUMERIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{1,2})([./-])(\d{1,2})[./-](\d{4}|\d{2})\b").unwrap());
static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(\d{1,2})\.?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(\d{4})\b").unwrap()
});
static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b").unwrap()
});

/// Finds the first date in `text`. Numeric day/month order follows the separator: dots and
/// dashes are read day first (European), slashes month first when `prefer_month_first` (a
/// dollar invoice) and day first otherwise; either way the reading is flagged ambiguous when
/// both orders make a valid date.
pub fn read_date(text: &str, prefer_month_first: bool) -> Option<DateReading> {
    let num = |s: &str| s.parse::<u32>().ok();
    if let Some(c) = ISO.captures(text) {
        let (y, m, d) = (num(&c[1])?, num(&c[2])?, num(&c[3])?);
        return valid(y, m, d).then(|| DateReading {
            iso: iso(y, m, d),
            printed: c[0].to_string(),
            ambiguous: false,
        });
    }
    if let Some(c) = NUMERIC.captures(text) {
        let (a, sep, b, y) = (num(&c[1])?, &c[2], num(&c[3])?, num(&c[4])?);
        let y = if y < 100 { 2000 + y } else { y };
        let month_first = sep == "/" && prefer_month_first;
        let (first, second) = if month_first {
            ((b, a), (a, b))
        } else {
            ((a, b), (b, a))
        };
        // (day, month) readings in order of preference.
        let readings: Vec<(u32, u32)> = [first, second]
            .into_iter()
            .filter(|&(d, m)| valid(y, m, d))
            .collect();
        let (d, m) = *readings.first()?;
        let ambiguous = readings.len() == 2 && a != b;
        return Some(DateReading {
            iso: iso(y, m, d),
            printed: c[0].to_string(),
            ambiguous,
        });
    }
    let month = |name: &str| {
        const NAMES: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        NAMES
            .iter()
            .position(|n| name.eq_ignore_ascii_case(n))
            .map(|i| i as u32 + 1)
    };
    let (d, m, y, printed) = if let Some(c) = DAY_MONTH.captures(text) {
        (num(&c[1])?, month(&c[2])?, num(&c[3])?, c[0].to_string())
    } else {
        let c = MONTH_DAY.captures(text)?;
        (num(&c[2])?, month(&c[1])?, num(&c[3])?, c[0].to_string())
    };
    valid(y, m, d).then(|| DateReading {
        iso: iso(y, m, d),
        printed,
        ambiguous: false,
    })
}

fn iso(y: u32, m: u32, d: u32) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

fn valid(y: u32, m: u32, d: u32) -> bool {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2200).contains(&y) && (1..=days).contains(&d)
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    match (s[0..4].parse(), s[5..7].parse(), s[8..10].parse()) {
        (Ok(y), Ok(m), Ok(d)) => valid(y, m, d),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::tests::assert_strict;

    fn acme() -> Invoice {
        Invoice {
            vendor: Some("ACME HARDWARE GMBH".into()),
            invoice_number: Some("INV-2024-00871".into()),
            date: None,
            date_raw: Some("14.03.2024".into()),
            currency: Some("€".into()),
            line_items: vec![
                LineItem {
                    description: "Hammer".into(),
                    quantity: Some(1.0),
                    amount: Some(24.95),
                },
                LineItem {
                    description: "Nails".into(),
                    quantity: Some(2.0),
                    amount: Some(24.50),
                },
            ],
            subtotal: Some(49.45),
            tax: Some(9.40),
            total: Some(58.85),
            confidence: 0.9,
            ..Invoice::empty()
        }
    }

    #[test]
    fn schema_is_strict_and_leaves_our_checks_out() {
        let s = Invoice::schema();
        assert_strict(&s);
        assert!(s["properties"].get("checks").is_none());
        assert!(s["properties"].get("notes").is_none());
    }

    #[test]
    fn consistent_invoice_passes_both_checks_and_keeps_its_confidence() {
        let inv = acme().validate().unwrap();
        assert_eq!(inv.checks.items_match_subtotal, Check::Passed);
        assert_eq!(inv.checks.subtotal_plus_tax_matches_total, Check::Passed);
        assert_eq!(inv.confidence, 0.9);
        assert_eq!(inv.currency.as_deref(), Some("EUR"));
        assert_eq!(
            inv.date.as_deref(),
            Some("2024-03-14"),
            "filled from the printed date"
        );
        assert!(!inv.date_ambiguous);
        assert!(inv.notes.is_empty(), "{:?}", inv.notes);
        assert_eq!(
            inv.summary(),
            "Invoice INV-2024-00871 from ACME HARDWARE GMBH, total EUR 58.85 (amounts add up)"
        );
    }

    #[test]
    fn failed_arithmetic_lowers_confidence_and_says_why() {
        let mut inv = acme();
        inv.total = Some(68.85);
        let inv = inv.validate().unwrap();
        assert_eq!(inv.checks.items_match_subtotal, Check::Passed);
        assert_eq!(inv.checks.subtotal_plus_tax_matches_total, Check::Failed);
        assert_eq!(inv.confidence, FAILED_CHECK_CONFIDENCE);
        assert!(
            inv.notes[0].contains("58.85, but the total says 68.85"),
            "{:?}",
            inv.notes
        );
        assert!(inv.summary().contains("do not add up"));

        let mut inv = acme();
        inv.line_items[1].amount = Some(20.0);
        let inv = inv.validate().unwrap();
        assert_eq!(inv.checks.items_match_subtotal, Check::Failed);
        assert_eq!(inv.confidence, FAILED_CHECK_CONFIDENCE);
    }

    #[test]
    fn tax_included_totals_pass() {
        let mut inv = acme();
        inv.subtotal = Some(58.85);
        inv.line_items[1].amount = Some(33.90);
        let inv = inv.validate().unwrap();
        assert_eq!(inv.checks.subtotal_plus_tax_matches_total, Check::Passed);
        assert_eq!(inv.checks.items_match_subtotal, Check::Passed);
        assert_eq!(inv.notes, vec!["The tax is included in the total."]);
    }

    #[test]
    fn a_lone_total_is_capped_as_unchecked_and_no_total_as_failed() {
        let mut inv = acme();
        inv.line_items.clear();
        inv.subtotal = None;
        let inv = inv.validate().unwrap();
        assert_eq!(inv.confidence, UNCHECKED_CONFIDENCE);
        let mut inv = acme();
        inv.total = None;
        inv.subtotal = None;
        let inv = inv.validate().unwrap();
        assert_eq!(inv.confidence, FAILED_CHECK_CONFIDENCE);
        assert!(inv.notes.iter().any(|n| n.contains("No total")));
    }

    #[test]
    fn a_total_nothing_adds_up_to_is_unchecked_even_when_the_items_agree() {
        let mut inv = acme();
        inv.tax = None; // the tax line was unreadable
        let inv = inv.validate().unwrap();
        assert_eq!(inv.checks.items_match_subtotal, Check::Passed);
        assert_eq!(
            inv.checks.subtotal_plus_tax_matches_total,
            Check::NotChecked
        );
        assert_eq!(inv.confidence, UNCHECKED_CONFIDENCE);
        assert!(
            inv.notes[0].contains("total could not be checked"),
            "{:?}",
            inv.notes
        );
    }

    #[test]
    fn malformed_fields_are_problems() {
        let mut inv = acme();
        inv.date = Some("14.03.2024".into());
        inv.currency = Some("euros".into());
        inv.total = Some(f64::NAN);
        inv.line_items[0].quantity = Some(0.0);
        let e = inv.validate().unwrap_err();
        assert_eq!(e.problems.len(), 4, "{e}");
    }

    #[test]
    fn ambiguity_is_recomputed_from_the_printed_date() {
        let mut inv = acme();
        inv.date_raw = Some("03/04/2024".into());
        inv.date = Some("2024-04-03".into());
        inv.date_ambiguous = false; // the model said it was sure
        let inv = inv.validate().unwrap();
        assert!(inv.date_ambiguous);
        assert!(inv.notes.iter().any(|n| n.contains("two ways")));
    }

    #[test]
    fn dates_read_in_the_usual_print_styles() {
        let r = |s, us| read_date(s, us).map(|d| (d.iso, d.ambiguous));
        assert_eq!(
            r("Date: 2024-03-14", false),
            Some(("2024-03-14".into(), false))
        );
        assert_eq!(r("14.03.2024", false), Some(("2024-03-14".into(), false)));
        assert_eq!(r("03/14/2024", true), Some(("2024-03-14".into(), false)));
        assert_eq!(r("03/04/2024", true), Some(("2024-03-04".into(), true)));
        assert_eq!(r("03/04/2024", false), Some(("2024-04-03".into(), true)));
        assert_eq!(r("05.05.24", false), Some(("2024-05-05".into(), false)));
        assert_eq!(
            r("14 March 2024", false),
            Some(("2024-03-14".into(), false))
        );
        assert_eq!(r("Mar 14, 2024", true), Some(("2024-03-14".into(), false)));
        assert_eq!(r("31.02.2024", false), None, "no such day either way");
        assert_eq!(r("Total 12.50", false), None);
    }

    #[test]
    fn currency_symbols_become_codes() {
        assert_eq!(currency_code("€").as_deref(), Some("EUR"));
        assert_eq!(currency_code("usd").as_deref(), Some("USD"));
        assert_eq!(currency_code("Euro"), None);
    }
}
