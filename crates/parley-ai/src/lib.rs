//! Parley's model side. Everything works offline: the tokenizer ships in the binary and the
//! default answerer needs no model at all; an OpenAI-compatible endpoint (OpenAI, Ollama,
//! vLLM, llama.cpp, LM Studio) is one setting away.

pub mod openai;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tokenizer;
