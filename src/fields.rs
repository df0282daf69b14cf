//! Reading typed fields out of a JSON object, with errors that name the field by its full path
//! (`ImageInfos[1].ImageUrl`) in words a JavaScript caller understands.
//!
//! Known fields are taken out one by one; whatever is left is the pass-through rest, with `null`
//! members dropped. The same reader serves requests (errors are `InvalidParameter`) and responses
//! (errors are `InvalidResponse`). The readers are kept out of line: a request reads some thirty
//! fields, and inlining each reader with its error path tripled the size of the code that does.

use serde_json::{Map, Value};

use crate::error::Error;

/// Who wrote the JSON, which decides the error code of a wrong field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// The caller: a bad field is `InvalidParameter`.
    Caller,
    /// The server: a bad field is `InvalidResponse`.
    Server,
}

/// A JSON object being read field by field.
pub(crate) struct Fields {
    map: Map<String, Value>,
    path: String,
    source: Source,
}

impl Fields {
    /// Starts reading `value`, which must be an object; `path` names it in errors.
    pub(crate) fn new(value: Value, path: &str, source: Source) -> Result<Self, Error> {
        match value {
            Value::Object(map) => Ok(Fields { map, path: path.to_owned(), source }),
            other => Err(wrong_type(source, path, "an object", &other)),
        }
    }

    fn child(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    /// Takes `name` out; `null` counts as absent.
    fn take(&mut self, name: &str) -> Option<Value> {
        self.map.remove(name).filter(|v| !v.is_null())
    }

    /// An optional string.
    #[inline(never)]
    pub(crate) fn string(&mut self, name: &str) -> Result<Option<String>, Error> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(self.source, &self.child(name), "a string", &other)),
        }
    }

    /// An optional boolean.
    #[inline(never)]
    pub(crate) fn boolean(&mut self, name: &str) -> Result<Option<bool>, Error> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(wrong_type(self.source, &self.child(name), "true or false", &other)),
        }
    }

    /// An optional integer.
    #[inline(never)]
    pub(crate) fn integer(&mut self, name: &str) -> Result<Option<i64>, Error> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
            Some(other) => Err(wrong_type(self.source, &self.child(name), "an integer", &other)),
        }
    }

    /// An optional array of strings.
    #[inline(never)]
    pub(crate) fn strings(&mut self, name: &str) -> Result<Option<Vec<String>>, Error> {
        let source = self.source;
        self.array(name, |item, path| match item {
            Value::String(s) => Ok(s),
            other => Err(wrong_type(source, path, "a string", &other)),
        })
    }

    /// An optional nested object, read by `read`.
    pub(crate) fn object<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(Fields) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        match self.take(name) {
            None => Ok(None),
            Some(value) => read(Fields::new(value, &self.child(name), self.source)?).map(Some),
        }
    }

    /// An optional array, each item read by `read` with its own path (`Name[i]`).
    pub(crate) fn array<T>(
        &mut self,
        name: &str,
        mut read: impl FnMut(Value, &str) -> Result<T, Error>,
    ) -> Result<Option<Vec<T>>, Error> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                let base = self.child(name);
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    out.push(read(item, &format!("{base}[{i}]"))?);
                }
                Ok(Some(out))
            }
            Some(other) => Err(wrong_type(self.source, &self.child(name), "an array", &other)),
        }
    }

    /// An optional array of objects, each read by `read`.
    pub(crate) fn objects<T>(
        &mut self,
        name: &str,
        mut read: impl FnMut(Fields) -> Result<T, Error>,
    ) -> Result<Option<Vec<T>>, Error> {
        let source = self.source;
        self.array(name, |item, path| read(Fields::new(item, path, source)?))
    }

    /// An optional value kept as raw JSON.
    #[inline(never)]
    pub(crate) fn raw(&mut self, name: &str) -> Option<Value> {
        self.take(name)
    }

    /// The fields nobody asked for, passed through untouched except that `null` members are dropped.
    #[inline(never)]
    pub(crate) fn rest(self) -> Map<String, Value> {
        let mut map = self.map;
        strip_nulls(&mut map);
        map
    }
}

/// Drops `null` members of objects, at every depth (array items stay, so positions keep meaning).
pub(crate) fn strip_nulls(map: &mut Map<String, Value>) {
    map.retain(|_, v| !v.is_null());
    for value in map.values_mut() {
        strip_nulls_in(value);
    }
}

fn strip_nulls_in(value: &mut Value) {
    match value {
        Value::Object(map) => strip_nulls(map),
        Value::Array(items) => items.iter_mut().for_each(strip_nulls_in),
        _ => {}
    }
}

/// What kind of JSON value this is, in a JavaScript caller's words.
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a fractional number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `<path> must be <expected>, got <what>`, coded by who wrote the JSON.
pub(crate) fn wrong_type(source: Source, path: &str, expected: &str, got: &Value) -> Error {
    let problem = format!("must be {expected}, got {}", describe(got));
    match source {
        Source::Caller => Error::invalid_parameter(path, &problem),
        Source::Server => Error::invalid_response(format!("{path} {problem}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_name_the_full_path() {
        let mut f = Fields::new(json!({"A": {"B": [{"C": 5}]}}), "", Source::Caller).unwrap();
        let err = f.object("A", |mut a| a.objects("B", |mut b| b.string("C"))).unwrap_err();
        assert_eq!(err.code(), "InvalidParameter");
        assert_eq!(err.message(), "A.B[0].C must be a string, got an integer");
    }

    #[test]
    fn rest_keeps_unknown_and_drops_nulls() {
        let mut f =
            Fields::new(json!({"Known": "x", "New": {"a": null, "b": [null, 1]}, "Gone": null}), "", Source::Caller)
                .unwrap();
        assert_eq!(f.string("Known").unwrap().as_deref(), Some("x"));
        assert_eq!(Value::Object(f.rest()), json!({"New": {"b": [null, 1]}}));
    }

    #[test]
    fn server_errors_are_invalid_response() {
        let mut f = Fields::new(json!({"TaskId": 7}), "Response", Source::Server).unwrap();
        let err = f.string("TaskId").unwrap_err();
        assert_eq!(err.code(), "InvalidResponse");
        assert_eq!(err.message(), "Response.TaskId must be a string, got an integer");
    }
}
