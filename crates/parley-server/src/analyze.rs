//! `parley analyze`: scores messages from standard input, one per line, and prints one JSON
//! line per message, so a team can score an exported transcript and the scorers can be
//! evaluated from the shell.
//!
//! Streaming and constant memory: lines are read into one reused buffer, and a line longer
//! than the scorers look at ([`MAX_TEXT_BYTES`]) is cut there while the rest of it is
//! skipped without being stored. An empty line gives an empty result, so output line N
//! always belongs to input line N. Invalid UTF-8 is replaced, not fatal.

use anyhow::Context;
use parley_domain::insight::{
    CustomIntent, IntentMatch, IntentMatcher, LeadFields, MAX_TEXT_BYTES, Sentiment,
    analyze_message,
};
use serde::Serialize;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

/// Options of `parley analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// A JSON file with the bot's custom intents: `[{"name", "phrases", "patterns", "lead_points"}]`.
    #[arg(long)]
    intents: Option<PathBuf>,
}

/// One output line.
#[derive(Serialize)]
struct Line<'a> {
    line: u64,
    sentiment: Sentiment,
    intents: &'a [IntentMatch],
    fields: &'a LeadFields,
}

/// Reads stdin to the end, writing one JSON line per input line to stdout.
pub fn run(args: AnalyzeArgs) -> anyhow::Result<()> {
    let custom: Vec<CustomIntent> = match &args.intents {
        Some(path) => {
            let raw = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str(&raw).with_context(|| format!("parsing {}", path.display()))?
        }
        None => Vec::new(),
    };
    let matcher = IntentMatcher::new(&custom).context("compiling the custom intents")?;
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    analyze_stream(stdin.lock(), BufWriter::new(stdout.lock()), &matcher)
}

/// The streaming loop, separate from the process's stdio so it can be tested.
fn analyze_stream(
    mut input: impl BufRead,
    mut output: impl Write,
    matcher: &IntentMatcher,
) -> anyhow::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut line_no = 0u64;
    loop {
        buf.clear();
        if !read_capped_line(&mut input, &mut buf)? {
            break;
        }
        line_no += 1;
        while matches!(buf.last(), Some(b'\n' | b'\r')) {
            buf.pop();
        }
        let text = String::from_utf8_lossy(&buf);
        let insight = analyze_message(&text, matcher);
        let mut sentiment = insight.sentiment;
        sentiment.score = (sentiment.score * 1000.0).round() / 1000.0;
        serde_json::to_writer(
            &mut output,
            &Line {
                line: line_no,
                sentiment,
                intents: &insight.intents,
                fields: &insight.fields,
            },
        )?;
        output.write_all(b"\n")?;
    }
    output.flush()?;
    Ok(())
}

/// Reads one line (with its `\n`) into `buf`, keeping at most [`MAX_TEXT_BYTES`] (+ 3 so a
/// multi-byte character at the cut survives) and skipping the rest. False at end of input.
fn read_capped_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let cap = MAX_TEXT_BYTES + 3;
    let mut read_any = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(read_any);
        }
        read_any = true;
        let (used, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..used.min(room)]);
        input.consume(used);
        if done {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_on(input: &[u8]) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        analyze_stream(input, &mut out, IntentMatcher::builtin()).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn one_json_line_per_input_line() {
        let lines = run_on(b"Where is my order??\n\nWe need 500 units by next month\r\nthanks!");
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0]["line"], 1);
        assert_eq!(lines[0]["intents"][0]["intent"], "order_status");
        assert_eq!(lines[1]["sentiment"]["label"], "neutral");
        assert_eq!(lines[1]["intents"].as_array().unwrap().len(), 0);
        assert_eq!(lines[2]["fields"]["quantity"]["value"], 500);
        assert_eq!(lines[3]["sentiment"]["label"], "positive");
    }

    #[test]
    fn huge_lines_and_bad_bytes() {
        let mut input = b"terrible ".repeat(50_000);
        input.extend_from_slice(b"\n\xff\xfe ok\n");
        let lines = run_on(&input);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["sentiment"]["label"], "negative");
        assert_eq!(lines[1]["line"], 2);
    }
}
