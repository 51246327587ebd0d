//! Throughput of the insight pipeline per visitor message: sentiment + intents + lead field
//! extraction (`analyze_message`) and the fold into the conversation state
//! (`update_conversation`), on typical ~20-word support and sales messages, one core.
//!
//! `cargo bench -p parley-domain --bench insight`; criterion reports elements/s = messages/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use parley_domain::insight::{
    ConversationInsight, CustomIntent, InsightConfig, IntentMatcher, analyze_message,
    update_conversation,
};
use std::hint::black_box;

/// Typical visitor messages, about 20 words each.
const MESSAGES: &[&str] = &[
    "Hi, I ordered the two-person tent last week and it still hasn't arrived, can you check the status please?",
    "We are a team of 40 and would like to book a demo of the enterprise plan with SSO next week.",
    "Thanks so much for the quick help, the replacement boots fit perfectly and they are really comfortable on long hikes!",
    "This is the third time I ask about my refund, nobody answers and I am honestly getting really frustrated now.",
    "How much would 500 units of the insulated water bottle cost with our logo printed, delivered by next month?",
    "The zipper on my rain jacket broke after two days, I want to return it and get my money back.",
    "Can I talk to a real person? The bot keeps sending me the same article about shipping times to Canada.",
    "Our budget is around $20k for this quarter, do you offer volume discounts for schools and outdoor clubs?",
    "Oh great, the app logged me out again right in the middle of a customer call, this is ridiculous.",
    "Please cancel my subscription at the end of the month, we are switching to a different tool for now.",
    "Is the 60 liter backpack waterproof, and does it fit carry-on size limits for European low cost airlines?",
    "Hi, this is Dana from Northwind Outfitters, you can reach me at dana@northwind.com or +1 415 555 0100.",
];

fn bench(c: &mut Criterion) {
    let custom = vec![CustomIntent {
        name: "kayak_rental".into(),
        phrases: vec!["rent a kayak".into(), "kayak rental".into()],
        patterns: vec!["rent * kayaks".into()],
        lead_points: 10,
    }];
    let matcher = IntentMatcher::new(&custom).expect("compiles");
    let config = InsightConfig::default();
    // Warm the lazily built lexicon outside the measurement.
    black_box(analyze_message("warm up", &matcher));
    let words: usize = MESSAGES.iter().map(|m| m.split_whitespace().count()).sum();
    eprintln!(
        "{} messages, {:.1} words on average",
        MESSAGES.len(),
        words as f64 / MESSAGES.len() as f64
    );

    let mut group = c.benchmark_group("insight");
    group.throughput(Throughput::Elements(MESSAGES.len() as u64));
    group.bench_function("analyze_and_fold_per_message", |b| {
        b.iter(|| {
            let mut state = ConversationInsight::default();
            for (i, m) in MESSAGES.iter().enumerate() {
                let insight = analyze_message(black_box(m), &matcher);
                let (next, triggers) =
                    update_conversation(&state, &insight, 1 + i as u32 / 6, &config);
                black_box(triggers);
                state = next;
            }
            black_box(state)
        })
    });
    group.bench_function("sentiment_only", |b| {
        b.iter(|| {
            for m in MESSAGES {
                black_box(parley_domain::insight::sentiment::score(black_box(m)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
