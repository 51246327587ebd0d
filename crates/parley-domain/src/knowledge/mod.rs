//! Knowledge: turning documents into retrievable chunks, matching FAQs, and fusing ranked
//! result lists.

pub mod chunk;
pub mod faq;
pub mod fusion;
pub mod lexemes;
pub mod sections;
pub mod terms;
pub mod vector;
