//! Reading JSON text (RFC 8259): [`parse`] builds a [`Value`]; a [`Reader`] can also check a value
//! without building it.

use alloc::string::String;
use alloc::vec::Vec;

use super::{Number, Value};

/// The deepest nesting read (as `serde_json`'s default): deeper input is refused rather than
/// risking the wasm stack.
pub const MAX_DEPTH: usize = 128;

/// Input that is not one JSON value (with only white space around it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invalid;

/// Reads `bytes` as one JSON value.
pub fn parse(bytes: &[u8]) -> Result<Value, Invalid> {
    whole(Reader::new(bytes)?)
}

/// The one value a reader holds, with nothing but white space after it.
fn whole(mut reader: Reader<'_>) -> Result<Value, Invalid> {
    let value = reader.value(true)?;
    reader.end()?;
    Ok(value)
}

/// Reads `text` as one JSON value.
pub fn parse_str(text: &str) -> Result<Value, Invalid> {
    parse(text.as_bytes())
}

/// Reads a server's answer as one JSON value, as `TextDecoder` and `JSON.parse` would (and so
/// `Response.json()`): a leading byte order mark is skipped, and invalid UTF-8 and unpaired
/// surrogate escapes (`"\ud83d"`, a message cut mid-emoji) become U+FFFD. What the official SDK
/// reads is read; [`parse`], strict, is for what callers send.
pub fn parse_lossy(bytes: &[u8]) -> Result<Value, Invalid> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    whole(Reader::lossy(&String::from_utf8_lossy(bytes)))
}

/// A reader over UTF-8 JSON text. [`Reader::value`] builds a value, or with `keep` false checks
/// one without building anything, so a large body can be validated in constant memory.
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    depth: usize,
    /// Unpaired surrogate escapes read as U+FFFD rather than refused.
    lossy: bool,
}

impl<'a> Reader<'a> {
    /// A reader of `bytes`, which must be UTF-8.
    pub fn new(bytes: &'a [u8]) -> Result<Self, Invalid> {
        core::str::from_utf8(bytes).map_err(|_| Invalid)?;
        Ok(Reader { bytes, at: 0, depth: 0, lossy: false })
    }

    /// A reader of `text` that reads an unpaired surrogate escape as U+FFFD (see [`parse_lossy`]).
    pub fn lossy(text: &'a str) -> Self {
        Reader { bytes: text.as_bytes(), at: 0, depth: 0, lossy: true }
    }

    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        self.at += usize::from(found);
        found
    }

    fn expect(&mut self, b: u8) -> Result<(), Invalid> {
        self.eat(b).then_some(()).ok_or(Invalid)
    }

    /// Whether the next value starts with `b` (`b'n'`: it is `null`, if it is valid at all).
    pub fn next_is(&mut self, b: u8) -> bool {
        self.peek() == Some(b)
    }

    /// Nothing but white space is left.
    pub fn end(&mut self) -> Result<(), Invalid> {
        self.peek().map_or(Ok(()), |_| Err(Invalid))
    }

    /// Reads one value; with `keep` false it is checked and dropped (`Null` is returned).
    pub fn value(&mut self, keep: bool) -> Result<Value, Invalid> {
        match self.peek().ok_or(Invalid)? {
            b'{' => self.nested(|r| r.object(keep)),
            b'[' => self.nested(|r| r.array(keep)),
            b'"' => Ok(match self.string(keep)? {
                Some(s) => Value::String(s),
                None => Value::Null,
            }),
            b't' => self.word("true", Value::Bool(true)),
            b'f' => self.word("false", Value::Bool(false)),
            b'n' => self.word("null", Value::Null),
            _ => {
                let start = self.at;
                self.number()?;
                // The text is ASCII digits and signs, checked by `number`.
                let text = core::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| Invalid)?;
                Ok(if keep { Value::Number(Number(text.into())) } else { Value::Null })
            }
        }
    }

    fn nested(&mut self, read: impl FnOnce(&mut Self) -> Result<Value, Invalid>) -> Result<Value, Invalid> {
        if self.depth >= MAX_DEPTH {
            return Err(Invalid);
        }
        self.depth += 1;
        let value = read(self);
        self.depth -= 1;
        value
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, Invalid> {
        let found = self.bytes[self.at..].starts_with(word.as_bytes());
        self.at += word.len();
        found.then_some(value).ok_or(Invalid)
    }

    /// Starts an object: `{`, then [`Reader::next_key`] until it says there is none.
    pub fn open_object(&mut self) -> Result<(), Invalid> {
        self.expect(b'{')
    }

    /// The next member's key (its value is to be read next), or `None` at the object's end.
    pub fn next_key(&mut self, first: bool, keep: bool) -> Result<Option<String>, Invalid> {
        if self.eat(b'}') {
            return Ok(None);
        }
        if !first {
            self.expect(b',')?;
        }
        if self.peek() != Some(b'"') {
            return Err(Invalid);
        }
        let key = self.string(keep)?.unwrap_or_default();
        self.expect(b':')?;
        Ok(Some(key))
    }

    fn object(&mut self, keep: bool) -> Result<Value, Invalid> {
        self.open_object()?;
        let mut members = Vec::new();
        let mut first = true;
        while let Some(key) = self.next_key(first, keep)? {
            let value = self.value(keep)?;
            if keep {
                members.push((key, value));
            }
            first = false;
        }
        Ok(if keep { Value::Object(members.into_iter().collect()) } else { Value::Null })
    }

    fn array(&mut self, keep: bool) -> Result<Value, Invalid> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        if !self.eat(b']') {
            loop {
                let item = self.value(keep)?;
                if keep {
                    items.push(item);
                }
                if self.eat(b']') {
                    break;
                }
                self.expect(b',')?;
            }
        }
        Ok(if keep { Value::Array(items) } else { Value::Null })
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        self.at - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<(), Invalid> {
        self.at += usize::from(self.bytes.get(self.at) == Some(&b'-'));
        let leading_zero = self.bytes.get(self.at) == Some(&b'0');
        let whole = self.digits();
        if whole == 0 || (leading_zero && whole > 1) {
            return Err(Invalid);
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(Invalid);
            }
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(Invalid);
            }
        }
        Ok(())
    }

    /// A string (the reader is at its `"`); `None` when not kept.
    fn string(&mut self, keep: bool) -> Result<Option<String>, Invalid> {
        self.at += 1;
        let mut out = String::new();
        let mut start = self.at;
        loop {
            let b = *self.bytes.get(self.at).ok_or(Invalid)?;
            match b {
                b'"' | b'\\' => {
                    if keep {
                        out.push_str(self.text(start)?);
                    }
                    self.at += 1;
                    if b == b'"' {
                        return Ok(keep.then_some(out));
                    }
                    let c = self.escape()?;
                    if keep {
                        out.push(c);
                    }
                    start = self.at;
                }
                0..=0x1f => return Err(Invalid),
                _ => self.at += 1,
            }
        }
    }

    fn text(&self, start: usize) -> Result<&'a str, Invalid> {
        // Both ends are at ASCII bytes of UTF-8 input, so this never fails.
        core::str::from_utf8(&self.bytes[start..self.at]).map_err(|_| Invalid)
    }

    /// The character of an escape (the reader is after its `\`).
    fn escape(&mut self) -> Result<char, Invalid> {
        let b = *self.bytes.get(self.at).ok_or(Invalid)?;
        self.at += 1;
        Ok(match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                // A high surrogate needs its low one next: `\udc00` to `\udfff`.
                let low = match unit {
                    0xd800..=0xdbff => self.low_surrogate(),
                    _ => None,
                };
                match (unit, low) {
                    (_, Some(low)) => {
                        char::from_u32(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)).ok_or(Invalid)?
                    }
                    (0xd800..=0xdfff, None) if self.lossy => char::REPLACEMENT_CHARACTER,
                    (unit, None) => char::from_u32(unit).ok_or(Invalid)?,
                }
            }
            _ => return Err(Invalid),
        })
    }

    /// The low surrogate of an escape that follows (read), or `None` (nothing read).
    fn low_surrogate(&mut self) -> Option<u32> {
        let low = hex(self.bytes.get(self.at..self.at + 6)?.strip_prefix(b"\\u")?)?;
        (0xdc00..=0xdfff).contains(&low).then(|| {
            self.at += 6;
            low
        })
    }

    fn hex4(&mut self) -> Result<u32, Invalid> {
        let unit = self.bytes.get(self.at..self.at + 4).and_then(hex).ok_or(Invalid)?;
        self.at += 4;
        Ok(unit)
    }
}

/// Four hex digits' value.
fn hex(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
}
