//! Lead fields stated in a message: name, email, company, phone, quantity, budget, team
//! size and timeline, for the lead record and later the CRM.
//!
//! Everything is read from cues in the text ("my name is", "$20k", "a team of 40", "by next
//! month"). A value right after a negation is a correction, not a fact: in "not 500 units,
//! 50" the quantity is 50, and when a message states a value twice the later one wins.

use super::lexicon::lexicon;
use super::text::{Kind, Tokens, gap};
use serde::{Deserialize, Serialize};

/// An amount of something the visitor wants ("500 units", "40 tents").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quantity {
    pub value: u64,
    /// The unit word as written, lowercase ("units", "tents").
    pub unit: String,
}

/// A sum of money in whole currency units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    pub amount: u64,
    /// ISO 4217 code ("USD", "EUR", "GBP"); empty when the text named no currency.
    pub currency: String,
}

/// Lead fields; each is set only when stated. Later statements replace earlier ones when
/// folded into a conversation's lead ([`LeadFields::merge`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LeadFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Lowercase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// As written (digits, `+`, spaces and dashes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<Money>,
    /// People in the team or company, or seats wanted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_size: Option<u64>,
    /// When they need it, as written ("by next month", "within 2 weeks").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<String>,
    /// They said it is urgent ("asap", "urgent", "today").
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub urgent: bool,
}

impl LeadFields {
    /// True when nothing was extracted.
    pub fn is_empty(&self) -> bool {
        *self == LeadFields::default()
    }

    /// Takes every field `newer` states, keeping ours where it states nothing.
    pub fn merge(&mut self, newer: &LeadFields) {
        fn take<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
        take(&mut self.name, &newer.name);
        take(&mut self.email, &newer.email);
        take(&mut self.company, &newer.company);
        take(&mut self.phone, &newer.phone);
        take(&mut self.quantity, &newer.quantity);
        take(&mut self.budget, &newer.budget);
        take(&mut self.team_size, &newer.team_size);
        take(&mut self.timeline, &newer.timeline);
        self.urgent |= newer.urgent;
    }
}

/// Mail providers whose addresses say nothing about an employer.
pub const FREE_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "ymail.com",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "outlook.com",
    "live.com",
    "msn.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "yandex.com",
    "yandex.ru",
    "hey.com",
    "tutanota.com",
    "qq.com",
    "163.com",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "comcast.net",
    "verizon.net",
    "btinternet.com",
    "fastmail.com",
    "zoho.com",
];

/// True when `email`'s domain is a free mail provider.
pub fn is_free_mail(email: &str) -> bool {
    email
        .rsplit_once('@')
        .is_some_and(|(_, domain)| FREE_MAIL_DOMAINS.contains(&domain))
}

/// Unit words that make a number a quantity of goods.
const GOODS_UNITS: &[&str] = &[
    "unit",
    "units",
    "pcs",
    "pc",
    "piece",
    "pieces",
    "item",
    "items",
    "pair",
    "pairs",
    "box",
    "boxes",
    "case",
    "cases",
    "pallet",
    "pallets",
    "pack",
    "packs",
    "set",
    "sets",
    "kit",
    "kits",
    "tent",
    "tents",
    "jacket",
    "jackets",
    "boot",
    "boots",
    "bag",
    "bags",
    "backpack",
    "backpacks",
    "shirt",
    "shirts",
    "t-shirts",
    "hoodies",
    "hats",
    "caps",
    "bottles",
    "mugs",
    "gloves",
    "socks",
    "sleeping",
    "stoves",
    "chairs",
    "lamps",
    "headlamps",
    "poles",
    "kayaks",
    "bikes",
    "helmets",
    "copies",
    "orders",
    "bundles",
    "cartons",
];

/// Words after a number that make it a team size.
const PEOPLE_UNITS: &[&str] = &[
    "people",
    "persons",
    "employees",
    "staff",
    "users",
    "seats",
    "licenses",
    "licences",
    "agents",
    "members",
    "engineers",
    "developers",
    "reps",
    "person",
];

/// Words before an amount that make it a budget.
const BUDGET_CUES: &[&str] = &[
    "budget",
    "spend",
    "spending",
    "around",
    "about",
    "approximately",
    "roughly",
    "afford",
    "allocated",
    "have",
    "max",
    "maximum",
    "under",
    "below",
    "within",
    "than",
    "upto",
    "to",
    "is",
    "of",
];

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];
const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "tomorrow",
    "tonight",
    "today",
    "christmas",
    "easter",
    "summer",
    "spring",
    "fall",
    "autumn",
    "winter",
    "eod",
    "eow",
    "eom",
];
const URGENT: &[&str] = &[
    "asap",
    "urgent",
    "urgently",
    "immediately",
    "emergency",
    "today",
    "tomorrow",
    "tonight",
];
const NUMBER_WORDS: &[(&str, u64)] = &[
    ("a", 1),
    ("an", 1),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("eight", 8),
    ("ten", 10),
    ("twelve", 12),
    ("couple", 2),
    ("few", 3),
];
const TIME_UNITS: &[&str] = &[
    "day", "days", "week", "weeks", "month", "months", "quarter", "year",
];

/// Extracts every lead field stated in a tokenised message.
pub(crate) fn extract(t: &Tokens<'_>) -> LeadFields {
    let mut f = LeadFields {
        email: find_email(t.text),
        phone: find_phone(t.text),
        ..LeadFields::default()
    };
    numbers(t, &mut f);
    timeline(t, &mut f);
    names(t, &mut f);
    f
}

fn find_email(text: &str) -> Option<String> {
    let mut found = None;
    let bytes = text.as_bytes();
    for (at, _) in text.match_indices('@') {
        let local_ok = |b: u8| b.is_ascii_alphanumeric() || b"._%+-".contains(&b);
        let domain_ok = |b: u8| b.is_ascii_alphanumeric() || b".-".contains(&b);
        let mut s = at;
        while s > 0 && local_ok(bytes[s - 1]) {
            s -= 1;
        }
        let mut e = at + 1;
        while e < bytes.len() && domain_ok(bytes[e]) {
            e += 1;
        }
        let local = text[s..at].trim_start_matches('.');
        let domain = text[at + 1..e].trim_end_matches(['.', '-']);
        let tld_ok = domain.rsplit_once('.').is_some_and(|(host, tld)| {
            !host.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
        });
        if !local.is_empty() && tld_ok && !domain.contains("..") {
            found = Some(format!("{local}@{domain}").to_ascii_lowercase());
        }
    }
    found
}

/// A phone number: 8-15 digits written with phone punctuation, starting with `+`, or after
/// a phone cue ("phone", "call me at", "mobile"); never an order or tracking number.
fn find_phone(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut found = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let starts = (b == b'+' || b == b'(' || b.is_ascii_digit())
            && (i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric()
                    || b"$#@.".contains(&bytes[i - 1])
                    || bytes[i - 1] >= 0x80));
        if !starts {
            i += 1;
            continue;
        }
        let mut e = i;
        let mut digits = 0;
        let mut seps = 0;
        while e < bytes.len() {
            let c = bytes[e];
            if c.is_ascii_digit() {
                digits += 1;
            } else if b" -.()".contains(&c)
                && e + 1 < bytes.len()
                && (bytes[e + 1].is_ascii_digit()
                    || bytes[e + 1] == b'('
                    || (c == b')' && bytes[e + 1] == b' '))
            {
                seps += 1;
            } else if !(c == b'+' && e == i) {
                break;
            }
            e += 1;
        }
        let run = text[i..e].trim_end();
        let followed_by_word = text[e..].starts_with(|c: char| c.is_alphabetic());
        if (8..=15).contains(&digits) && !followed_by_word {
            let before = text[..i].to_ascii_lowercase();
            let before = before.trim_end();
            let tail: String = before
                .chars()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let order_like = [
                "order",
                "tracking",
                "invoice",
                "account",
                "ref",
                "#",
                "no",
                "number is",
            ]
            .iter()
            .any(|w| tail.ends_with(w))
                && !["phone", "mobile", "cell", "whatsapp", "tel"]
                    .iter()
                    .any(|w| tail.contains(w));
            let cue = [
                "phone", "call", "mobile", "cell", "reach me", "whatsapp", "tel", "text me",
                "number",
            ]
            .iter()
            .any(|w| tail.contains(w));
            let formatted = run.starts_with('+') || seps >= 2;
            if !order_like && (cue || formatted) {
                found = Some(run.to_string());
            }
        }
        i = e.max(i + 1);
    }
    found
}

/// Parses "500", "20,000", "1.5k", "20k", "2m" into a whole number.
fn parse_number(s: &str) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let (num, mult) = if let Some(n) = lower.strip_suffix('k') {
        (n, 1_000.0)
    } else if let Some(n) = lower.strip_suffix('m') {
        (n, 1_000_000.0)
    } else if let Some(n) = lower.strip_suffix("x") {
        (n, 1.0)
    } else {
        (lower.as_str(), 1.0)
    };
    let cleaned: String = num.chars().filter(|&c| c != ',').collect();
    if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let v: f64 = cleaned.parse().ok()?;
    let v = v * mult;
    (0.0..1e15).contains(&v).then(|| v.round() as u64)
}

fn currency_code(symbol: char) -> &'static str {
    match symbol {
        '$' => "USD",
        '€' => "EUR",
        '£' => "GBP",
        _ => "",
    }
}

fn currency_word(word: &str) -> Option<&'static str> {
    Some(match word {
        "usd" | "dollars" | "dollar" | "bucks" => "USD",
        "eur" | "euros" | "euro" => "EUR",
        "gbp" | "pounds" => "GBP",
        "chf" => "CHF",
        "cad" => "CAD",
        "aud" => "AUD",
        "grand" => "USD",
        _ => return None,
    })
}

/// Is token `i` negated by "not", "no", "instead of", "rather than" just before it?
fn negated(t: &Tokens<'_>, i: usize) -> bool {
    let lex = lexicon();
    for back in 1..=2 {
        if i < back || t.toks[i + 1 - back].gap & gap::STOP != 0 {
            return false;
        }
        let w = t.norm(i - back);
        if lex.word(w).negator && w != "without" {
            return true;
        }
        if back == 1 && w == "of" && i >= 2 && t.norm(i - 2) == "instead" {
            return true;
        }
        if back == 1 && w == "than" && i >= 2 && t.norm(i - 2) == "rather" {
            return true;
        }
    }
    false
}

/// Quantities, budgets and team sizes.
fn numbers(t: &Tokens<'_>, f: &mut LeadFields) {
    // A negated quantity leaves its unit pending for the correction that follows.
    let mut pending_unit: Option<String> = None;
    let mut pending_money: Option<&'static str> = None;
    let n = t.toks.len();
    for i in 0..n {
        let tok = t.toks[i];
        if tok.kind != Kind::Number {
            continue;
        }
        let raw = t.norm(i);
        let Some(value) = parse_number(raw) else {
            continue;
        };
        let next = (i + 1 < n && t.toks[i + 1].gap & gap::STOP == 0).then(|| t.norm(i + 1));
        let prev = (i > 0 && tok.gap & gap::STOP == 0).then(|| t.norm(i - 1));
        let is_negated = negated(t, i);
        // Money: a currency sign before or a currency word after.
        let currency = if tok.gap & gap::CURRENCY != 0 {
            Some(currency_code(tok.currency))
        } else {
            next.and_then(currency_word)
        };
        let value = if next == Some("grand") {
            value * 1000
        } else {
            value
        };
        let budget_context = (i.saturating_sub(4)..i).any(|j| {
            let w = t.norm(j);
            BUDGET_CUES.contains(&w)
                && (w != "to" || j > 0 && t.norm(j - 1) == "up")
                && (!matches!(w, "is" | "of") || (j > 0 && t.norm(j - 1) == "budget"))
        }) || (i.saturating_sub(6)..i).any(|j| t.norm(j) == "budget");
        if let Some(code) = currency {
            if is_negated {
                pending_money = Some(code);
            } else if budget_context || f.budget.is_some() || pending_money.is_some() {
                f.budget = Some(Money {
                    amount: value,
                    currency: code.to_string(),
                });
                pending_money = None;
            }
            continue;
        }
        if budget_context && (i.saturating_sub(6)..i).any(|j| t.norm(j) == "budget") && !is_negated
        {
            f.budget = Some(Money {
                amount: value,
                currency: String::new(),
            });
            continue;
        }
        // Team size: "a team of 40", "company of 200", "40 people", "40-person team".
        let team_of = prev == Some("of")
            && i >= 2
            && matches!(
                t.norm(i - 2),
                "team" | "company" | "staff" | "organization" | "organisation"
            );
        let people_after =
            next.is_some_and(|w| PEOPLE_UNITS.contains(&w)) || raw.ends_with("-person");
        if (team_of || people_after) && !is_negated {
            f.team_size = Some(value);
            continue;
        }
        // Quantity: a goods unit after, or "x" suffix.
        let unit = next
            .filter(|w| GOODS_UNITS.contains(w))
            .map(str::to_string)
            .or_else(|| raw.ends_with('x').then(|| "units".to_string()));
        match unit {
            Some(unit) if is_negated => pending_unit = Some(unit),
            Some(unit) => {
                f.quantity = Some(Quantity { value, unit });
                pending_unit = None;
            }
            None => {
                // A bare number correcting an earlier one: "not 500 units, 50" or
                // "500 units... actually make it 80".
                let correcting = (i.saturating_sub(3)..i).any(|j| {
                    matches!(
                        t.norm(j),
                        "actually"
                            | "make"
                            | "instead"
                            | "change"
                            | "correction"
                            | "sorry"
                            | "just"
                            | "only"
                    )
                }) || tok.gap & gap::COMMA != 0
                    || prev == Some("but");
                if let Some(unit) = pending_unit.take_if(|_| correcting && !is_negated) {
                    f.quantity = Some(Quantity { value, unit });
                } else if let Some(code) = pending_money.take_if(|_| correcting && !is_negated) {
                    f.budget = Some(Money {
                        amount: value,
                        currency: code.to_string(),
                    });
                } else if let Some(q) = f
                    .quantity
                    .as_mut()
                    .filter(|_| correcting && !is_negated && matches!(prev, Some("it" | "to")))
                {
                    q.value = value;
                }
            }
        }
    }
}

/// "by next month", "within 2 weeks", "by Friday", "asap", "Q3".
fn timeline(t: &Tokens<'_>, f: &mut LeadFields) {
    let n = t.toks.len();
    let span =
        |a: usize, b: usize| t.text[t.toks[a].start as usize..t.toks[b].end as usize].to_string();
    let mut i = 0;
    while i < n {
        let w = t.norm(i);
        if URGENT.contains(&w) {
            f.urgent = true;
        }
        let next = |k: usize| (i + k < n).then(|| t.norm(i + k));
        let mut found: Option<(usize, usize)> = None;
        match w {
            "asap" | "immediately" => found = Some((i, i)),
            "as" if next(1) == Some("soon")
                && next(2) == Some("as")
                && next(3) == Some("possible") =>
            {
                f.urgent = true;
                found = Some((i, i + 3));
            }
            "right" if next(1) == Some("away") => {
                f.urgent = true;
                found = Some((i, i + 1));
            }
            "next" | "this"
                if next(1).is_some_and(|u| {
                    matches!(
                        u,
                        "week"
                            | "month"
                            | "quarter"
                            | "year"
                            | "weekend"
                            | "spring"
                            | "summer"
                            | "fall"
                            | "winter"
                    )
                }) =>
            {
                let from = if i > 0 && matches!(t.norm(i - 1), "by" | "before" | "until" | "within")
                {
                    i - 1
                } else {
                    i
                };
                found = Some((from, i + 1));
            }
            "end" if next(1) == Some("of") => {
                let k = if next(2).is_some_and(|x| matches!(x, "the" | "this" | "next")) {
                    3
                } else {
                    2
                };
                if next(k).is_some_and(|u| {
                    matches!(u, "month" | "quarter" | "year" | "week") || MONTHS.contains(&u)
                }) {
                    let from = if i > 0 && matches!(t.norm(i - 1), "by" | "before" | "the") {
                        i - 1
                    } else {
                        i
                    };
                    found = Some((from, i + k));
                }
            }
            // "may" is also a verb: only "by May" with a capital counts.
            "by" | "before" | "until"
                if next(1).is_some_and(|u| MONTHS.contains(&u) || WEEKDAYS.contains(&u))
                    && (next(1) != Some("may") || t.raw(i + 1).starts_with('M')) =>
            {
                found = Some((i, i + 1));
            }
            "within" | "in" => {
                let count = next(1).and_then(|c| {
                    parse_number(c)
                        .or_else(|| NUMBER_WORDS.iter().find(|(w, _)| *w == c).map(|(_, v)| *v))
                });
                if count.is_some() && next(2).is_some_and(|u| TIME_UNITS.contains(&u)) {
                    found = Some((i, i + 2));
                } else if next(1) == Some("the")
                    && next(2) == Some("next")
                    && next(3).is_some()
                    && next(4).is_some_and(|u| TIME_UNITS.contains(&u))
                {
                    found = Some((i, i + 4));
                }
            }
            "q1" | "q2" | "q3" | "q4" => {
                let from = if i > 0 && matches!(t.norm(i - 1), "by" | "in" | "before" | "for") {
                    i - 1
                } else {
                    i
                };
                found = Some((from, i));
            }
            _ => {}
        }
        if let Some((a, b)) = found {
            if !negated(t, a) {
                f.timeline = Some(span(a, b));
            }
            i = b + 1;
        } else {
            i += 1;
        }
    }
}

/// Words that follow "I'm" but are not names.
fn is_name_word(t: &Tokens<'_>, i: usize) -> bool {
    let raw = t.raw(i);
    let w = t.norm(i);
    t.toks[i].kind == Kind::Word
        && raw.starts_with(|c: char| c.is_uppercase())
        && raw
            .chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
        && !matches!(
            w,
            "i" | "the"
                | "a"
                | "and"
                | "from"
                | "at"
                | "with"
                | "here"
                | "in"
                | "on"
                | "of"
                | "for"
                | "not"
                | "just"
                | "so"
                | "very"
                | "really"
                | "also"
                | "still"
                | "trying"
                | "looking"
                | "interested"
                | "sorry"
                | "writing"
                | "calling"
                | "new"
                | "glad"
                | "happy"
                | "back"
                | "currently"
                | "getting"
                | "having"
                | "going"
                | "using"
                | "wondering"
                | "contacting"
                | "reaching"
        )
        && !lexicon().word(w).in_lexicon
}

/// Capitalised words from `i` (at most `max`), as a name or company.
fn capitalised_run(t: &Tokens<'_>, i: usize, max: usize, company: bool) -> Option<(String, usize)> {
    let mut end = i;
    let n = t.toks.len();
    while end < n && end - i < max {
        if end > i && t.toks[end].gap & (gap::STOP | gap::COMMA) != 0 {
            break;
        }
        let raw = t.raw(end);
        let ok = if company {
            let w = t.norm(end);
            (raw.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
                && !matches!(w, "i" | "and" | "we" | "our" | "my"))
                || (end > i && matches!(w, "inc" | "ltd" | "llc" | "gmbh" | "co" | "corp"))
        } else {
            is_name_word(t, end)
        };
        if !ok {
            break;
        }
        end += 1;
    }
    (end > i).then(|| {
        (
            t.text[t.toks[i].start as usize..t.toks[end - 1].end as usize].to_string(),
            end,
        )
    })
}

/// Names and companies from cues: "my name is", "this is Ada from Acme", "I work at".
fn names(t: &Tokens<'_>, f: &mut LeadFields) {
    let n = t.toks.len();
    let mut i = 0;
    while i < n {
        let w = t.norm(i);
        let next = |k: usize| (i + k < n).then(|| t.norm(i + k));
        let mut name_at = None;
        let mut company_at = None;
        match w {
            "name" if next(1).is_some_and(|x| matches!(x, "is" | "'s")) => name_at = Some(i + 2),
            "name's" => name_at = Some(i + 1),
            "name" if i + 1 < n && t.toks[i + 1].gap & gap::COLON != 0 => name_at = Some(i + 1),
            "this" if next(1) == Some("is") && i + 2 < n && is_name_word(t, i + 2) => {
                // "This is Ada from Acme" / "this is Ada here"
                let after = capitalised_run(t, i + 2, 3, false).map_or(i + 3, |(_, e)| e);
                if after >= n
                    || t.toks[after].gap & (gap::STOP | gap::COMMA) != 0
                    || matches!(t.norm(after), "from" | "at" | "with" | "here")
                {
                    name_at = Some(i + 2);
                }
            }
            "i'm" | "im" if i + 1 < n && is_name_word(t, i + 1) => {
                let after = capitalised_run(t, i + 1, 3, false).map_or(i + 2, |(_, e)| e);
                if after >= n
                    || matches!(t.norm(after), "from" | "at" | "with" | "here")
                    || t.toks[after].gap & (gap::STOP | gap::COMMA) != 0
                {
                    name_at = Some(i + 1);
                }
            }
            "i" if next(1) == Some("am") && i + 2 < n && is_name_word(t, i + 2) => {
                let after = capitalised_run(t, i + 2, 3, false).map_or(i + 3, |(_, e)| e);
                if after < n && matches!(t.norm(after), "from" | "at" | "with") {
                    name_at = Some(i + 2);
                }
            }
            "work" | "working" if next(1).is_some_and(|x| matches!(x, "at" | "for")) => {
                company_at = Some(i + 2)
            }
            "company" if next(1).is_some_and(|x| matches!(x, "is" | "called" | "named")) => {
                company_at = Some(i + 2)
            }
            "company" if i + 1 < n && t.toks[i + 1].gap & gap::COLON != 0 => {
                company_at = Some(i + 1)
            }
            _ => {}
        }
        let name = name_at.and_then(|at| {
            capitalised_run(t, at, 3, false).or_else(|| {
                // "my name is ada lovelace": accept lowercase after an explicit cue.
                (at < n && t.toks[at].kind == Kind::Word && !lexicon().word(t.norm(at)).in_lexicon)
                    .then(|| (t.raw(at).to_string(), at + 1))
            })
        });
        if let Some((name, end)) = name {
            f.name = Some(name);
            // "... from Acme Corp" / "at Globex"
            let company = (end < n
                && matches!(t.norm(end), "from" | "at" | "with")
                && t.toks[end].gap & gap::STOP == 0)
                .then(|| capitalised_run(t, end + 1, 4, true))
                .flatten();
            if let Some((company, _)) = company {
                f.company = Some(company);
            }
            i = end;
            continue;
        }
        if let Some((company, end)) = company_at.and_then(|at| capitalised_run(t, at, 4, true)) {
            f.company = Some(company);
            i = end;
            continue;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::text::tokenize;
    use super::*;

    fn ex(text: &str) -> LeadFields {
        extract(&tokenize(text))
    }

    #[test]
    fn contact_fields() {
        let f = ex(
            "Hi, this is Ada Lovelace from Analytical Engines Ltd. Mail ada@AE-corp.com or call +44 20 7946 0958.",
        );
        assert_eq!(f.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(f.company.as_deref(), Some("Analytical Engines Ltd"));
        assert_eq!(f.email.as_deref(), Some("ada@ae-corp.com"));
        assert_eq!(f.phone.as_deref(), Some("+44 20 7946 0958"));
        let f = ex("my name is bob and I work at Globex");
        assert_eq!(f.name.as_deref(), Some("bob"));
        assert_eq!(f.company.as_deref(), Some("Globex"));
        assert_eq!(
            ex("I'm Sarah from Initech, hi").name.as_deref(),
            Some("Sarah")
        );
        assert_eq!(ex("I'm looking for a tent").name, None);
        assert_eq!(ex("I'm Happy with it").name, None);
    }

    #[test]
    fn order_numbers_are_not_phones() {
        assert_eq!(ex("My order number is 123456789").phone, None);
        assert_eq!(ex("Order #4455667788 hasn't arrived").phone, None);
        assert_eq!(
            ex("you can reach me at 555-123-4567").phone.as_deref(),
            Some("555-123-4567")
        );
        assert!(is_free_mail("x@gmail.com") && !is_free_mail("x@acme.com"));
    }

    #[test]
    fn quantities_budgets_team_timeline() {
        let f = ex("We need 500 units by next month, budget around $20k, we're a team of 40.");
        assert_eq!(
            f.quantity,
            Some(Quantity {
                value: 500,
                unit: "units".into()
            })
        );
        assert_eq!(
            f.budget,
            Some(Money {
                amount: 20_000,
                currency: "USD".into()
            })
        );
        assert_eq!(f.team_size, Some(40));
        assert_eq!(f.timeline.as_deref(), Some("by next month"));
        assert!(!f.urgent);
        let f = ex("Need 1,200 pairs of socks ASAP, up to 15,000 EUR");
        assert_eq!(f.quantity.unwrap().value, 1200);
        assert_eq!(
            f.budget,
            Some(Money {
                amount: 15_000,
                currency: "EUR".into()
            })
        );
        assert!(f.urgent);
        assert_eq!(ex("we have 120 employees").team_size, Some(120));
        assert_eq!(
            ex("can you ship within 2 weeks?").timeline.as_deref(),
            Some("within 2 weeks")
        );
        assert_eq!(
            ex("we need them by Friday").timeline.as_deref(),
            Some("by Friday")
        );
        assert_eq!(ex("you may be right").timeline, None);
    }

    #[test]
    fn corrections_win() {
        let q = ex("not 500 units, 50").quantity.unwrap();
        assert_eq!((q.value, q.unit.as_str()), (50, "units"));
        assert_eq!(
            ex("200 tents. Actually make it 80").quantity.unwrap().value,
            80
        );
        assert_eq!(ex("50 tents, sorry, 60 tents").quantity.unwrap().value, 60);
        assert_eq!(ex("I was charged $49 twice").budget, None);
        assert_eq!(ex("budget is not $5k but $8k").budget.unwrap().amount, 8000);
        assert_eq!(ex("we don't need 300 units").quantity, None);
    }
}
