//! Runs the offline analysis on an image file and prints the result, or prints the vision
//! request a model would get.
//!
//! ```text
//! cargo run -p parley-vision --example analyze -- invoice receipt.jpg
//! cargo run -p parley-vision --example analyze -- count coins.png "coins"
//! cargo run -p parley-vision --example analyze -- condition mug.jpg
//! cargo run -p parley-vision --example analyze -- request:gpt-4o-mini describe mug.jpg "Is it chipped?"
//! ```

use parley_vision::offline::OfflineAnalyzer;
use parley_vision::openai::{VisionRequest, build_request};
use parley_vision::{NormalizeOptions, Task, normalize};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let model = match args.first() {
        Some(a) if a.starts_with("request:") => {
            Some(args.remove(0)["request:".len()..].to_string())
        }
        _ => None,
    };
    let (Some(kind), Some(path)) = (args.first(), args.get(1)) else {
        eprintln!(
            "usage: analyze [request:MODEL] condition|invoice|count|describe IMAGE [WHAT-OR-QUESTION]"
        );
        return ExitCode::from(2);
    };
    let extra = args.get(2).cloned();
    let task = match kind.as_str() {
        "condition" => Task::Condition,
        "invoice" => Task::Invoice,
        "count" => Task::Count { what: extra },
        "describe" => Task::Describe { question: extra },
        other => {
            eprintln!("unknown kind {other:?}: use condition, invoice, count or describe");
            return ExitCode::from(2);
        }
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let image = match normalize(&bytes, &NormalizeOptions::default()) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("normalised in {:?}: {image:?}", image.elapsed);
    if let Some(model) = model {
        let request = VisionRequest {
            model: &model,
            task: &task,
            image: image.part(),
            ocr_text: None,
            max_tokens: 800,
        };
        match build_request(&request) {
            Ok(body) => println!("{}", serde_json::to_string_pretty(&body).expect("JSON")),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    match OfflineAnalyzer::default().analyze(&task, &image) {
        Ok(out) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&out.analysis).expect("JSON")
            );
            eprintln!(
                "{} ({}, {:?})",
                out.analysis.summary(),
                out.method.as_str(),
                out.elapsed
            );
            if let parley_vision::Analysis::Count(c) = &out.analysis
                && let Some(overlay) = &c.overlay
            {
                let file = format!("{path}.overlay.png");
                match std::fs::write(&file, &overlay.png) {
                    Ok(()) => eprintln!("overlay written to {file}"),
                    Err(e) => eprintln!("cannot write {file}: {e}"),
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
