//! Conversation memory (the window of recent turns plus a rolling summary of older ones)
//! and the prompt that carries it, assembled under a token budget.

use super::Passage;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Visitor,
    Bot,
    Agent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub speaker: Speaker,
    pub text: String,
}

/// Messages kept word for word: the last `memory_turns` exchanges.
fn window(memory_turns: usize) -> usize {
    memory_turns.max(1) * 2
}

/// Messages summarised at once: half a window, so the summary (a model call, when the bot
/// has a model) is rewritten after every `memory_turns / 2` exchanges instead of after each
/// one: with the default 8 turns, 23 times in a 100-exchange conversation instead of 92.
fn summary_batch(memory_turns: usize) -> usize {
    (memory_turns / 2).max(1) * 2
}

/// How many of `message_count` messages (oldest first) to fold into the summary now, given
/// that `summarized` are already in it: all that left the window of `memory_turns`
/// exchanges, once they make a whole batch; 0 until then.
pub fn to_summarize(message_count: usize, summarized: usize, memory_turns: usize) -> usize {
    let pending = message_count
        .saturating_sub(window(memory_turns))
        .saturating_sub(summarized);
    if pending >= summary_batch(memory_turns) {
        pending
    } else {
        0
    }
}

/// How many of the newest messages the prompt carries word for word: every one the summary
/// does not cover yet, so a turn that left the window waits in the prompt for its batch.
/// Never more than a window and a batch (a summary that failed to save is not made up for
/// by an ever longer prompt).
pub fn unsummarized(message_count: usize, summarized: usize, memory_turns: usize) -> usize {
    message_count
        .saturating_sub(summarized)
        .min(window(memory_turns) + summary_batch(memory_turns))
}

/// Folds turns that left the window into the rolling summary: one line per turn with its
/// first sentence, oldest lines dropped past `max_chars`. Deterministic and model-free; a
/// configured model writes a better one.
pub fn fold_into_summary(summary: &str, turns: &[Turn], max_chars: usize) -> String {
    let mut lines: Vec<String> = summary
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    for turn in turns {
        let who = match turn.speaker {
            Speaker::Visitor => "Visitor",
            Speaker::Bot => "Bot",
            Speaker::Agent => "Agent",
        };
        let first: String = first_sentence(&turn.text).chars().take(200).collect();
        if !first.is_empty() {
            lines.push(format!("{who}: {first}"));
        }
    }
    let mut total: usize = lines.iter().map(|l| l.len() + 1).sum();
    let mut start = 0;
    while total > max_chars && start < lines.len() {
        total -= lines[start].len() + 1;
        start += 1;
    }
    lines[start..].join("\n")
}

/// The request that asks a model to fold turns into the summary: what to keep (facts the
/// visitor gave, open questions, promises) and a size limit, so memory stays useful and
/// bounded however long the conversation runs.
pub fn summary_prompt(summary: &str, turns: &[Turn], max_chars: usize) -> Vec<PromptMessage> {
    let mut transcript = String::new();
    for turn in turns {
        let who = match turn.speaker {
            Speaker::Visitor => "Visitor",
            Speaker::Bot => "Assistant",
            Speaker::Agent => "Agent",
        };
        transcript.push_str(&format!("{who}: {}\n", turn.text.trim()));
    }
    let summary = if summary.trim().is_empty() {
        "(empty)"
    } else {
        summary.trim()
    };
    vec![
        PromptMessage {
            role: "system",
            content: format!(
                "You keep the running memory of a customer-support conversation. Merge the new \
                 turns into the summary. Keep facts the visitor gave (name, order numbers, \
                 products, quantities, dates, preferences), questions still open and anything \
                 promised. Drop greetings and small talk. Write at most {max_chars} characters \
                 of plain text and reply with the summary only."
            ),
        },
        PromptMessage {
            role: "user",
            content: format!("Summary so far:\n{summary}\n\nNew turns:\n{transcript}"),
        },
    ]
}

fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|(i, c)| {
            matches!(c, '.' | '!' | '?' | '\n')
                && text[i + c.len_utf8()..].starts_with(char::is_whitespace)
        })
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(text.len());
    text[..end].trim()
}

/// One message of a chat-completions prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromptMessage {
    /// `system`, `user` or `assistant`.
    pub role: &'static str,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub messages: Vec<PromptMessage>,
    pub tokens: usize,
    /// How many of the given passages (best first) made it in; citations number them 1..n.
    pub passages_used: usize,
    pub turns_used: usize,
    pub summary_used: bool,
}

pub struct PromptInput<'a> {
    pub system_prompt: &'a str,
    pub summary: &'a str,
    /// Recent turns, oldest first, not including the question.
    pub history: &'a [Turn],
    /// Best first.
    pub passages: &'a [Passage<'a>],
    pub question: &'a str,
    /// Tokens the prompt may use (the model's context minus room for the answer).
    pub budget: usize,
}

/// Assembles the prompt. The instructions and the question always go in; then passages best
/// first (they ground the answer), then turns newest first, then the summary, each only while
/// the budget allows.
pub fn assemble(input: &PromptInput<'_>, count: &dyn Fn(&str) -> usize) -> Prompt {
    const PER_MESSAGE: usize = 4; // role and framing tokens per chat message
    let instructions = format!(
        "{}\n\nAnswer from the numbered knowledge passages below and cite them like [1]. If they \
         do not contain the answer, say you don't know.",
        input.system_prompt.trim()
    );
    let mut used = count(&instructions) + count(input.question) + 2 * PER_MESSAGE;

    let mut knowledge = String::new();
    let mut passages_used = 0;
    for (i, p) in input.passages.iter().enumerate() {
        let label = format!("\n[{}] {}\n", i + 1, p.heading);
        // A known count is of the text alone; one more token covers the join.
        let n = match p.tokens {
            Some(text) => count(&label) + text + 2,
            None => count(&label) + count(p.text) + 1,
        };
        let block = format!("{label}{}\n", p.text);
        if used + n > input.budget {
            break;
        }
        used += n;
        knowledge.push_str(&block);
        passages_used += 1;
    }

    let mut turns: Vec<PromptMessage> = Vec::new();
    for turn in input.history.iter().rev() {
        let n = count(&turn.text) + PER_MESSAGE;
        if used + n > input.budget {
            break;
        }
        used += n;
        let role = if turn.speaker == Speaker::Visitor {
            "user"
        } else {
            "assistant"
        };
        turns.push(PromptMessage {
            role,
            content: turn.text.clone(),
        });
    }
    turns.reverse();

    let mut system = instructions;
    let summary_block = format!(
        "\n\nEarlier in this conversation:\n{}",
        input.summary.trim()
    );
    let summary_used =
        !input.summary.trim().is_empty() && used + count(&summary_block) <= input.budget;
    if summary_used {
        used += count(&summary_block);
        system.push_str(&summary_block);
    }
    if !knowledge.is_empty() {
        system.push_str("\n\nKnowledge:");
        system.push_str(&knowledge);
    }

    let turns_used = turns.len();
    let mut messages = vec![PromptMessage {
        role: "system",
        content: system,
    }];
    messages.extend(turns);
    messages.push(PromptMessage {
        role: "user",
        content: input.question.to_string(),
    });
    Prompt {
        messages,
        tokens: used,
        passages_used,
        turns_used,
        summary_used,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> usize {
        s.split_whitespace().count()
    }

    fn turn(speaker: Speaker, text: &str) -> Turn {
        Turn {
            speaker,
            text: text.into(),
        }
    }

    #[test]
    fn window_and_summary() {
        // Four exchanges kept (8 messages), summarised two exchanges (4 messages) at a time.
        assert_eq!(to_summarize(10, 0, 4), 0);
        assert_eq!(to_summarize(12, 0, 4), 4);
        assert_eq!(to_summarize(14, 0, 4), 6, "all that left the window");
        assert_eq!(to_summarize(14, 4, 4), 0);
        assert_eq!(to_summarize(16, 4, 4), 4);
        assert_eq!(to_summarize(3, 0, 4), 0);
        // One exchange kept: each exchange that leaves it is summarised at once.
        assert_eq!(to_summarize(4, 0, 1), 2);
        assert_eq!(to_summarize(4, 2, 1), 0);
        // The prompt carries what the summary does not.
        assert_eq!(unsummarized(11, 0, 4), 11);
        assert_eq!(unsummarized(15, 4, 4), 11);
        assert_eq!(unsummarized(5, 0, 4), 5);
        assert_eq!(unsummarized(100, 0, 4), 12, "at most a window and a batch");
        let s = fold_into_summary(
            "",
            &[
                turn(Speaker::Visitor, "My order 123 is late. Where is it?"),
                turn(Speaker::Bot, "It ships today."),
            ],
            1000,
        );
        assert_eq!(s, "Visitor: My order 123 is late.\nBot: It ships today.");
        let s = fold_into_summary(&s, &[turn(Speaker::Visitor, "Thanks!")], 40);
        assert_eq!(s, "Bot: It ships today.\nVisitor: Thanks!");
    }

    #[test]
    fn a_known_passage_count_is_used_instead_of_counting_again() {
        let passage = |tokens| Passage {
            heading: "Returns",
            text: "Within thirty days.",
            tokens,
        };
        let input = |passages: &[Passage<'static>; 1]| {
            assemble(
                &PromptInput {
                    system_prompt: "Be brief.",
                    summary: "",
                    history: &[],
                    passages,
                    question: "Returns?",
                    budget: 100,
                },
                &words,
            )
        };
        assert_eq!(input(&[passage(None)]).passages_used, 1);
        assert_eq!(input(&[passage(Some(3))]).passages_used, 1);
        // Stored as far longer than the budget: left out without being counted.
        assert_eq!(input(&[passage(Some(500))]).passages_used, 0);
    }

    #[test]
    fn prompt_keeps_the_question_and_drops_oldest_turns_first() {
        let history = vec![
            turn(Speaker::Visitor, "one two three four five"),
            turn(Speaker::Bot, "six seven eight nine ten"),
            turn(Speaker::Visitor, "eleven twelve"),
        ];
        let passages = [Passage {
            heading: "Returns",
            text: "Within thirty days.",
            tokens: None,
        }];
        let input = PromptInput {
            system_prompt: "Be brief.",
            summary: "Visitor: asked about boots.",
            history: &history,
            passages: &passages,
            question: "And refunds?",
            budget: 60,
        };
        let p = assemble(&input, &words);
        assert!(p.tokens <= 60);
        assert_eq!(p.passages_used, 1);
        assert_eq!(p.messages.last().unwrap().content, "And refunds?");
        assert!(p.messages[0].content.contains("[1] Returns"));
        assert!(p.turns_used >= 1);
        assert_eq!(
            p.messages[p.messages.len() - 2].content,
            "eleven twelve",
            "newest turn kept"
        );

        let tight = PromptInput {
            budget: 35,
            ..input
        };
        let p = assemble(&tight, &words);
        assert!(p.turns_used < 3);
        assert_eq!(p.messages.last().unwrap().content, "And refunds?");
    }
}
