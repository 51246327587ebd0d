//! The condition language: a small, safe expression grammar parsed once into an AST and
//! evaluated against the execution context (a `serde_json::Value`).
//!
//! Workflows are written by bot owners and evaluated on visitor data, so the language can
//! only read the context and compare: no functions, no arithmetic, no code. Evaluation never
//! fails: a missing path is `null`, and a comparison between values of different types is
//! false (`!=` is its negation, so it is true), which keeps a workflow running when a field is
//! absent instead of erroring mid-execution.
//!
//! ```text
//! expr     := or
//! or       := and (("or" | "||") and)*
//! and      := not (("and" | "&&") not)*
//! not      := ("not" | "!") not | compare
//! compare  := operand (("==" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "in") operand)?
//! operand  := number | string | true | false | null | path | "[" (operand ("," operand)*)? "]"
//!           | "(" expr ")"
//! ```
//!
//! A bare operand used as a condition is true unless it is `null`, `false`, `0`, `""`, `[]`
//! or `{}` (so `visitor.email` means "we have an email").

use super::path::{Path, is_segment_byte};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// Longest expression accepted, in characters.
pub const MAX_EXPR_CHARS: usize = 2_000;
/// Deepest nesting of parentheses, `not` and array literals.
pub const MAX_DEPTH: usize = 32;

/// Why an expression did not parse; `column` is 1-based, in characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at column {column}")]
pub struct ExprError {
    pub column: usize,
    pub message: String,
}

/// A parsed expression. Serializes as its source text (and re-parses on load), so stored
/// statecharts stay readable.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    source: String,
    root: Node,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    In,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Contains => "contains",
            CmpOp::In => "in",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Lit(Value),
    Path(Path),
    Array(Vec<Node>),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Cmp(CmpOp, Box<Node>, Box<Node>),
}

impl Expr {
    /// Parses `source`; errors carry the column of the offending token.
    pub fn parse(source: &str) -> Result<Expr, ExprError> {
        let chars = source.chars().count();
        if chars > MAX_EXPR_CHARS {
            return Err(ExprError {
                column: MAX_EXPR_CHARS + 1,
                message: format!("expression is longer than {MAX_EXPR_CHARS} characters"),
            });
        }
        let tokens = lex(source)?;
        let mut parser = Parser {
            tokens,
            pos: 0,
            depth: 0,
        };
        let root = parser.parse_or()?;
        let tok = parser.peek();
        if tok.kind != Tok::End {
            return Err(ExprError {
                column: tok.column,
                message: format!(
                    "unexpected {}; expected `and`, `or` or the end",
                    tok.describe()
                ),
            });
        }
        Ok(Expr {
            source: source.to_owned(),
            root,
        })
    }

    /// The text this was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the expression holds for `ctx`. Never fails (see the module docs).
    pub fn eval(&self, ctx: &Value) -> bool {
        truth(&self.root, ctx)
    }

    /// Every context path the expression reads, in order of first use, without repeats
    /// (for validation and for showing which fields a workflow depends on).
    pub fn paths(&self) -> Vec<&Path> {
        let mut out = Vec::new();
        collect_paths(&self.root, &mut out);
        out
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for Expr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Expr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Expr::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn collect_paths<'a>(node: &'a Node, out: &mut Vec<&'a Path>) {
    match node {
        Node::Lit(_) => {}
        Node::Path(p) => {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Node::Array(items) | Node::And(items) | Node::Or(items) => {
            items.iter().for_each(|n| collect_paths(n, out))
        }
        Node::Not(inner) => collect_paths(inner, out),
        Node::Cmp(_, a, b) => {
            collect_paths(a, out);
            collect_paths(b, out);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation

static NULL: Value = Value::Null;

fn truth(node: &Node, ctx: &Value) -> bool {
    match node {
        Node::And(items) => items.iter().all(|n| truth(n, ctx)),
        Node::Or(items) => items.iter().any(|n| truth(n, ctx)),
        Node::Not(inner) => !truth(inner, ctx),
        Node::Cmp(op, a, b) => compare(*op, &value(a, ctx), &value(b, ctx)),
        other => truthy(&value(other, ctx)),
    }
}

fn value<'a>(node: &'a Node, ctx: &'a Value) -> Cow<'a, Value> {
    match node {
        Node::Lit(v) => Cow::Borrowed(v),
        Node::Path(p) => Cow::Borrowed(p.lookup(ctx).unwrap_or(&NULL)),
        Node::Array(items) => Cow::Owned(Value::Array(
            items.iter().map(|n| value(n, ctx).into_owned()).collect(),
        )),
        other => Cow::Owned(Value::Bool(truth(other, ctx))),
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Equality; numbers compare by value (`1 == 1.0`), strings case-sensitively.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Equality used by `contains`: like [`equal`] but strings ignore case.
fn equal_ignore_case(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.to_lowercase() == y.to_lowercase(),
        _ => equal(a, b),
    }
}

fn compare(op: CmpOp, a: &Value, b: &Value) -> bool {
    use std::cmp::Ordering;
    let ordering = || -> Option<Ordering> {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
            (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
            _ => None,
        }
    };
    match op {
        CmpOp::Eq => equal(a, b),
        CmpOp::Ne => !equal(a, b),
        CmpOp::Lt => ordering() == Some(Ordering::Less),
        CmpOp::Le => matches!(ordering(), Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => ordering() == Some(Ordering::Greater),
        CmpOp::Ge => matches!(ordering(), Some(Ordering::Greater | Ordering::Equal)),
        CmpOp::Contains => match (a, b) {
            (Value::String(hay), Value::String(needle)) => {
                hay.to_lowercase().contains(&needle.to_lowercase())
            }
            (Value::Array(items), needle) => items.iter().any(|i| equal_ignore_case(i, needle)),
            _ => false,
        },
        CmpOp::In => match b {
            Value::Array(items) => items.iter().any(|i| equal(a, i)),
            _ => false,
        },
    }
}

// ---------------------------------------------------------------------------------------
// Lexing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(Value),
    Str(String),
    Path(String),
    True,
    False,
    Null,
    And,
    Or,
    Not,
    Op(CmpOp),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    End,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Tok,
    column: usize,
    text: String,
}

impl Token {
    fn describe(&self) -> String {
        match self.kind {
            Tok::End => "end of expression".into(),
            _ => format!("`{}`", self.text),
        }
    }
}

fn err(column: usize, message: impl Into<String>) -> ExprError {
    ExprError {
        column,
        message: message.into(),
    }
}

fn lex(source: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let kind = match (c, two.as_str()) {
            (_, "==") => {
                i += 2;
                Tok::Op(CmpOp::Eq)
            }
            (_, "!=") => {
                i += 2;
                Tok::Op(CmpOp::Ne)
            }
            (_, "<=") => {
                i += 2;
                Tok::Op(CmpOp::Le)
            }
            (_, ">=") => {
                i += 2;
                Tok::Op(CmpOp::Ge)
            }
            (_, "&&") => {
                i += 2;
                Tok::And
            }
            (_, "||") => {
                i += 2;
                Tok::Or
            }
            ('<', _) => {
                i += 1;
                Tok::Op(CmpOp::Lt)
            }
            ('>', _) => {
                i += 1;
                Tok::Op(CmpOp::Gt)
            }
            ('!', _) => {
                i += 1;
                Tok::Not
            }
            ('=', _) => return Err(err(column, "use `==` to compare")),
            ('(', _) => {
                i += 1;
                Tok::LParen
            }
            (')', _) => {
                i += 1;
                Tok::RParen
            }
            ('[', _) => {
                i += 1;
                Tok::LBracket
            }
            (']', _) => {
                i += 1;
                Tok::RBracket
            }
            (',', _) => {
                i += 1;
                Tok::Comma
            }
            ('"' | '\'', _) => {
                let (s, end) = lex_string(&chars, i)?;
                i = end;
                Tok::Str(s)
            }
            _ if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                // Whole numbers stay integers so they print back as `80`, not `80.0`.
                let number = if text.contains('.') {
                    text.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                } else {
                    text.parse::<i64>().ok().map(Value::from)
                };
                match number {
                    Some(n) => Tok::Num(n),
                    None => return Err(err(column, format!("`{text}` is not a number"))),
                }
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                while i < chars.len()
                    && ((chars[i].is_ascii() && is_segment_byte(chars[i] as u8)) || chars[i] == '.')
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                match text.as_str() {
                    "true" => Tok::True,
                    "false" => Tok::False,
                    "null" => Tok::Null,
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "in" => Tok::Op(CmpOp::In),
                    "contains" => Tok::Op(CmpOp::Contains),
                    _ => {
                        Path::parse(&text).map_err(|m| err(column, m))?;
                        Tok::Path(text)
                    }
                }
            }
            _ => return Err(err(column, format!("unexpected character `{c}`"))),
        };
        out.push(Token {
            kind,
            column,
            text: chars[start..i].iter().collect(),
        });
    }
    out.push(Token {
        kind: Tok::End,
        column: chars.len() + 1,
        text: String::new(),
    });
    Ok(out)
}

/// Reads a quoted string starting at `start` (the quote); returns it and the index after it.
fn lex_string(chars: &[char], start: usize) -> Result<(String, usize), ExprError> {
    let quote = chars[start];
    let mut out = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            c if c == quote => return Ok((out, i + 1)),
            '\\' => {
                let Some(&e) = chars.get(i + 1) else { break };
                let column = i + 1;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' | '"' | '\'' | '/' => out.push(e),
                    'u' => {
                        let hex: String = chars.iter().skip(i + 2).take(4).collect();
                        let ch = (hex.len() == 4)
                            .then(|| u32::from_str_radix(&hex, 16).ok())
                            .flatten()
                            .and_then(char::from_u32)
                            .ok_or_else(|| err(column, "expected 4 hex digits after `\\u`"))?;
                        out.push(ch);
                        i += 4;
                    }
                    other => return Err(err(column, format!("unknown escape `\\{other}`"))),
                }
                i += 2;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err(err(
        start + 1,
        format!("unclosed string: missing `{quote}`"),
    ))
}

// ---------------------------------------------------------------------------------------
// Parsing

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        // The lexer always ends with `End`, and `bump` never moves past it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Token {
        let tok = self.peek().clone();
        if tok.kind != Tok::End {
            self.pos += 1;
        }
        tok
    }

    fn enter(&mut self, column: usize) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(
                column,
                format!("expression nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn parse_or(&mut self) -> Result<Node, ExprError> {
        let mut items = vec![self.parse_and()?];
        while self.peek().kind == Tok::Or {
            self.bump();
            items.push(self.parse_and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::Or(items)
        })
    }

    fn parse_and(&mut self) -> Result<Node, ExprError> {
        let mut items = vec![self.parse_not()?];
        while self.peek().kind == Tok::And {
            self.bump();
            items.push(self.parse_not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Node::And(items)
        })
    }

    fn parse_not(&mut self) -> Result<Node, ExprError> {
        if self.peek().kind == Tok::Not {
            let tok = self.bump();
            self.enter(tok.column)?;
            let inner = self.parse_not().map_err(|e| after(e, &tok))?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(inner)));
        }
        self.parse_compare()
    }

    fn parse_compare(&mut self) -> Result<Node, ExprError> {
        let left = self.parse_operand(None)?;
        if let Tok::Op(op) = self.peek().kind {
            let tok = self.bump();
            let right = self.parse_operand(Some(&tok))?;
            if let Tok::Op(_) = self.peek().kind {
                let next = self.peek();
                return Err(err(
                    next.column,
                    format!(
                        "cannot chain `{}` after `{}`; join comparisons with `and`",
                        next.text,
                        op.symbol()
                    ),
                ));
            }
            return Ok(Node::Cmp(op, Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    /// One operand; `after_tok` names the operator before it for the error message.
    fn parse_operand(&mut self, after_tok: Option<&Token>) -> Result<Node, ExprError> {
        let tok = self.bump();
        let node = match tok.kind {
            Tok::Num(n) => Node::Lit(n),
            Tok::Str(s) => Node::Lit(Value::String(s)),
            Tok::True => Node::Lit(Value::Bool(true)),
            Tok::False => Node::Lit(Value::Bool(false)),
            Tok::Null => Node::Lit(Value::Null),
            Tok::Path(p) => Node::Path(Path::parse(&p).map_err(|m| err(tok.column, m))?),
            Tok::LParen => {
                self.enter(tok.column)?;
                let inner = self.parse_or()?;
                let close = self.bump();
                if close.kind != Tok::RParen {
                    return Err(err(
                        close.column,
                        format!(
                            "expected `)` to close `(` at column {}, found {}",
                            tok.column,
                            close.describe()
                        ),
                    ));
                }
                self.depth -= 1;
                inner
            }
            Tok::LBracket => {
                self.enter(tok.column)?;
                let mut items = Vec::new();
                if self.peek().kind == Tok::RBracket {
                    self.bump();
                } else {
                    loop {
                        items.push(self.parse_operand(None)?);
                        let sep = self.bump();
                        match sep.kind {
                            Tok::Comma => continue,
                            Tok::RBracket => break,
                            _ => {
                                return Err(err(
                                    sep.column,
                                    format!("expected `,` or `]`, found {}", sep.describe()),
                                ));
                            }
                        }
                    }
                }
                self.depth -= 1;
                Node::Array(items)
            }
            _ => {
                let message = match after_tok {
                    Some(op) => format!("expected a value after `{}`", op.text),
                    None if tok.kind == Tok::End => "expected a value".to_string(),
                    None => format!("expected a value, found {}", tok.describe()),
                };
                return Err(err(tok.column, message));
            }
        };
        Ok(node)
    }
}

/// Rewrites a bare "expected a value" into "expected a value after `not`".
fn after(e: ExprError, tok: &Token) -> ExprError {
    if e.message == "expected a value" {
        ExprError {
            message: format!("expected a value after `{}`", tok.text),
            ..e
        }
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Value {
        json!({
            "intent": "bulk_order",
            "lead": {"score": 85, "stage": "new", "budget": 1200.5},
            "visitor": {"email": "Ann@Example.com", "name": ""},
            "conversation": {"tags": ["VIP", "returns"]},
            "event": {"payload": {"condition": "like_new", "confidence": 0.91}},
        })
    }

    fn eval(src: &str) -> bool {
        Expr::parse(src)
            .unwrap_or_else(|e| panic!("{src}: {e}"))
            .eval(&ctx())
    }

    #[test]
    fn evaluates_comparisons_and_logic() {
        assert!(eval(r#"intent == "bulk_order""#));
        assert!(eval("intent == 'bulk_order'"));
        assert!(
            !eval(r#"intent == "Bulk_Order""#),
            "equality is case-sensitive"
        );
        assert!(eval("lead.score >= 80"));
        assert!(eval("lead.score > 84.5 and lead.score < 85.5"));
        assert!(eval("lead.score == 85.0"));
        assert!(eval("lead.budget <= 1200.5"));
        assert!(eval("-1 < lead.score"));
        assert!(eval(r#"lead.stage != "won""#));
        assert!(eval(r#"not (lead.stage == "won") && !false"#));
        assert!(eval(r#"lead.stage == "won" or lead.score >= 80"#));
        assert!(!eval(r#"lead.stage == "won" || lead.score < 10"#));
        assert!(eval(r#"event.payload.condition in ["new", "like_new"]"#));
        assert!(!eval(r#"event.payload.condition in ["new"]"#));
        assert!(eval(r#""b" < "c""#));
        assert!(eval("(lead.score >= 80) == true"));
    }

    #[test]
    fn contains_is_case_insensitive() {
        assert!(eval(r#"visitor.email contains "example.COM""#));
        assert!(eval(r#"conversation.tags contains "vip""#));
        assert!(!eval(r#"conversation.tags contains "spam""#));
        assert!(eval(r#""VIP" in conversation.tags"#));
        assert!(
            !eval(r#""vip" in conversation.tags"#),
            "`in` is case-sensitive"
        );
    }

    #[test]
    fn missing_paths_are_null_and_mismatches_are_false() {
        assert!(eval("lead.missing == null"));
        assert!(eval("nothing.here == null"));
        assert!(!eval("lead.missing > 3"));
        assert!(!eval("lead.missing < 3"));
        assert!(!eval(r#"lead.score == "85""#));
        assert!(eval(r#"lead.score != "85""#));
        assert!(!eval(r#"lead.score >= "80""#));
        assert!(!eval("lead.score contains 8"));
        assert!(!eval("lead.score in lead.stage"));
        assert!(!eval("intent.deeper.still == 1"));
        // Bare operands use truthiness.
        assert!(eval("visitor.email"));
        assert!(!eval("visitor.name"));
        assert!(!eval("visitor.phone"));
        assert!(!eval("not conversation.tags"));
    }

    #[test]
    fn string_escapes() {
        let e = Expr::parse(r#"x == "a\"b\n\u00e9" and y == 'it\'s'"#).unwrap();
        assert!(e.eval(&json!({"x": "a\"b\né", "y": "it's"})));
    }

    #[test]
    fn parse_errors_have_positions() {
        let e = Expr::parse("lead.score >= ").unwrap_err();
        assert_eq!(e.to_string(), "expected a value after `>=` at column 15");
        let e = Expr::parse("lead.score >= and x").unwrap_err();
        assert_eq!(e.column, 15);
        assert!(e.message.contains("after `>=`"), "{e}");
        let e = Expr::parse("(a == 1").unwrap_err();
        assert_eq!(e.column, 8);
        assert!(
            e.message.contains("expected `)` to close `(` at column 1"),
            "{e}"
        );
        let e = Expr::parse("a = 1").unwrap_err();
        assert_eq!((e.column, e.message.as_str()), (3, "use `==` to compare"));
        let e = Expr::parse("a == 'x").unwrap_err();
        assert_eq!(e.column, 6);
        assert!(e.message.contains("unclosed string"));
        let e = Expr::parse("a == 1 b").unwrap_err();
        assert_eq!(e.column, 8);
        let e = Expr::parse("a < b < c").unwrap_err();
        assert!(e.message.contains("cannot chain"), "{e}");
        let e = Expr::parse("").unwrap_err();
        assert_eq!(e.column, 1);
        let e = Expr::parse("not").unwrap_err();
        assert_eq!(e.message, "expected a value after `not`");
        let e = Expr::parse("a in [1, 2").unwrap_err();
        assert!(e.message.contains("expected `,` or `]`"), "{e}");
        let e = Expr::parse("a == #").unwrap_err();
        assert_eq!(e.column, 6);
        assert!(Expr::parse("a..b == 1").is_err());
        assert!(Expr::parse(r#"a == "\q""#).is_err());
        assert!(Expr::parse("a == 1.2.3").is_err());
    }

    #[test]
    fn limits_length_and_depth() {
        let long = format!("a == \"{}\"", "x".repeat(MAX_EXPR_CHARS));
        assert!(Expr::parse(&long).unwrap_err().message.contains("longer"));
        let deep = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert!(
            Expr::parse(&deep)
                .unwrap_err()
                .message
                .contains("nests deeper")
        );
        let nots = format!("{}a", "not ".repeat(40));
        assert!(Expr::parse(&nots).is_err());
        let ok = format!("{}a{}", "(".repeat(30), ")".repeat(30));
        assert!(Expr::parse(&ok).is_ok());
    }

    #[test]
    fn lists_paths_once() {
        let e = Expr::parse("lead.score > 1 and (lead.score < 9 or x in [y, 'z'])").unwrap();
        let paths: Vec<String> = e.paths().iter().map(|p| p.to_string()).collect();
        assert_eq!(paths, ["lead.score", "x", "y"]);
    }

    #[test]
    fn serializes_as_source() {
        let e = Expr::parse("a >= 2").unwrap();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v, json!("a >= 2"));
        let back: Expr = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
        assert!(serde_json::from_value::<Expr>(json!("a >=")).is_err());
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,80}") {
            if let Ok(e) = Expr::parse(&s) {
                let _ = e.eval(&ctx());
            }
        }

        #[test]
        fn parse_never_panics_on_grammar_soup(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "b.c", "1", "-2.5", "'s'", "\"t\"", "(", ")", "[", "]", ",", "==", "!=",
                "<", ">=", "and", "or", "not", "in", "contains", "true", "null", "!", "&&",
            ]), 0..30)
        ) {
            let s = parts.join(" ");
            if let Ok(e) = Expr::parse(&s) {
                let _ = e.eval(&ctx());
                let _ = e.paths();
            }
        }
    }
}
