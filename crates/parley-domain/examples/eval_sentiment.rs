//! Sentiment accuracy of Parley's scorer against plain VADER (the `vader_sentiment` crate),
//! on the `sentiment` npm package's labelled fixtures and on our own support messages.
//!
//! Run through `scripts/eval-sentiment.sh`, which fetches the fixtures with `npm pack`.
//!
//! ```text
//! eval_sentiment [--fixtures DIR] [--support FILE] [--reference NAME=ACC,...] [--errors dev]
//! ```
//!
//! Fixtures (`amazon.json`, `imdb.json`, `yelp.json`: `[{"text", "class": 0|1}]`) are scored
//! exactly like the npm package's own `test/benchmark/validate.js`: a score below 0 means
//! class 0, anything else (zero included) class 1. Support messages are three-class
//! (positive / neutral / negative) with VADER's conventional ±0.05 neutral band, for both
//! scorers. `--errors dev` lists the misclassified messages of the `dev` split (the only
//! split used for tuning); the test split and the fixtures are never listed.

use parley_domain::insight::{IntentMatcher, SentimentLabel, analyze_message};
use std::collections::BTreeMap;

fn parley(text: &str) -> f32 {
    analyze_message(text, IntentMatcher::builtin())
        .sentiment
        .score
}

struct Vader(vader_sentiment::SentimentIntensityAnalyzer<'static>);

impl Vader {
    fn score(&self, text: &str) -> f32 {
        self.0
            .polarity_scores(text)
            .get("compound")
            .copied()
            .unwrap_or(0.0) as f32
    }
}

fn pct(hits: usize, total: usize) -> String {
    if total == 0 {
        "-".into()
    } else {
        format!("{:.3}", hits as f64 / total as f64)
    }
}

fn main() {
    let mut fixtures: Option<String> = None;
    let mut support: Option<String> = None;
    let mut reference: BTreeMap<String, String> = BTreeMap::new();
    let mut errors = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--fixtures" => fixtures = args.next(),
            "--support" => support = args.next(),
            "--reference" => {
                for pair in args.next().unwrap_or_default().split(',') {
                    if let Some((k, v)) = pair.split_once('=') {
                        reference.insert(k.to_string(), v.to_string());
                    }
                }
            }
            "--errors" => {
                let split = args.next().unwrap_or_default();
                assert_eq!(split, "dev", "only the dev split may be inspected");
                errors = true;
            }
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let vader = Vader(vader_sentiment::SentimentIntensityAnalyzer::new());

    if let Some(dir) = fixtures {
        println!("## `sentiment` npm fixtures (binary; score < 0 = negative, as validate.js)\n");
        println!("| Fixture | Sentences | `sentiment` 5.0.2 (AFINN) | plain VADER | Parley |");
        println!("|---|---:|---:|---:|---:|");
        for name in ["amazon", "imdb", "yelp"] {
            let path = format!("{dir}/{name}.json");
            let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let rows: Vec<serde_json::Value> = serde_json::from_str(&raw).expect("fixture JSON");
            let (mut p, mut v) = (0, 0);
            for row in &rows {
                let text = row["text"].as_str().unwrap_or_default();
                let class = row["class"].as_i64().unwrap_or(-1);
                let predict = |score: f32| i64::from(score >= 0.0);
                p += usize::from(predict(parley(text)) == class);
                v += usize::from(predict(vader.score(text)) == class);
            }
            let r = reference.get(name).cloned().unwrap_or_else(|| "-".into());
            println!(
                "| {name} | {} | {r} | {} | {} |",
                rows.len(),
                pct(v, rows.len()),
                pct(p, rows.len())
            );
        }
        println!();
    }

    if let Some(path) = support {
        let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        // (split or category) -> (total, parley hits, vader hits)
        let mut by: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
        let mut wrong = Vec::new();
        for line in raw.lines() {
            if line.starts_with('#') || line.starts_with("split\t") || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.splitn(4, '\t').collect();
            let [split, category, label, text] = cols[..] else {
                panic!("bad line: {line}");
            };
            let ps = parley(text);
            let p = SentimentLabel::of(ps).as_str() == label;
            let v = SentimentLabel::of(vader.score(text)).as_str() == label;
            for key in [
                format!("split {split}"),
                format!("category {category}"),
                "all".to_string(),
            ] {
                let e = by.entry(key).or_default();
                e.0 += 1;
                e.1 += usize::from(p);
                e.2 += usize::from(v);
            }
            if errors && split == "dev" && !p {
                wrong.push(format!("{label:>8} {ps:+.3} [{category}] {text}"));
            }
        }
        println!("## Support messages (three-class, ±0.05 neutral band)\n");
        println!("| Subset | Messages | plain VADER | Parley |");
        println!("|---|---:|---:|---:|");
        let order = |k: &str| match k {
            "split test" => 0,
            "split dev" => 1,
            "all" => 2,
            _ => 3,
        };
        let mut keys: Vec<&String> = by.keys().collect();
        keys.sort_by_key(|k| (order(k), (*k).clone()));
        for k in keys {
            let (n, p, v) = by[k];
            let name = match k.as_str() {
                "split test" => "**held-out test split**".to_string(),
                "split dev" => "dev split (tuned on)".to_string(),
                "all" => "all".to_string(),
                other => other.trim_start_matches("category ").to_string(),
            };
            println!("| {name} | {n} | {} | {} |", pct(v, n), pct(p, n));
        }
        for w in wrong {
            eprintln!("{w}");
        }
    }
}
