//! Parley's model side. Everything works offline: the tokenizer ships in the binary and the
//! default answerer needs no model at all.

pub mod tokenizer;
