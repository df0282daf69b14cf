//! The MPS AIGC task kinds as data, and the one generic path that builds their requests and reads
//! their answers.
//!
//! A kind is a table row ([`Kind`]): its two actions, their rate limits, its request and result
//! models ([`crate::schema`] tables), the fields that make a `Prompt` optional, where its outputs
//! are, and its advice tables. Everything else (create, describe, wait, retries, pacing, the proxy,
//! the CLI, the typings check) reads these rows, so a new kind is a new module here and one entry
//! in [`KINDS`].

use crate::prelude::*;
mod audio;
mod image;
mod video;

use crate::advice::{self, Advice};
use crate::error::Error;
use crate::json::{decimal, Map, Value};
use crate::schema::{self, field, Schema, Source, Ty};

pub use audio::AUDIO;
pub use image::IMAGE;
pub use video::VIDEO;

/// Every kind the package knows, in the order they are listed to users (video first: the short
/// names `create`, `describe`, `wait` are video's).
pub const KINDS: &[&Kind] = &[&VIDEO, &IMAGE, &AUDIO];

/// The longest `Prompt` the API accepts, in characters, whatever the kind.
pub const MAX_PROMPT_CHARS: usize = 2000;

/// The longest task id accepted: real ones are about 50 characters.
pub const MAX_TASK_ID_CHARS: usize = 1024;

/// One task kind of MPS AIGC.
#[derive(Debug)]
pub struct Kind {
    /// Its short name: `video`, `image`, `audio` (the CLI's command, the coordinator's `kind`).
    pub name: &'static str,
    /// The word in its action and method names: `Video` (`CreateAigcVideoTask`, `waitAigcVideoTask`).
    pub noun: &'static str,
    /// The create action.
    pub create: &'static str,
    /// The describe action.
    pub describe: &'static str,
    /// The API's documented limit of creates per second.
    pub creates_per_second: u32,
    /// The API's documented (or assumed) limit of describes per second.
    pub describes_per_second: u32,
    /// The create request's fields.
    pub request: &'static Schema,
    /// The describe result's fields.
    pub result: &'static Schema,
    /// Any of these, non-empty, makes `Prompt` optional.
    pub prompt_optional_with: &'static [&'static str],
    /// The prompt rule in words, after "is required": `when no image or reference video is given`.
    pub prompt_rule: &'static str,
    /// Where a DONE result keeps its outputs: (field, member of each item holding the URL).
    pub outputs: &'static [(&'static str, Option<&'static str>)],
    /// The model-specific advice.
    pub advice: advice::Table,
}

/// The kind whose create or describe action this is.
pub fn by_action(action: &str) -> Option<&'static Kind> {
    KINDS.iter().copied().find(|k| k.create == action || k.describe == action)
}

/// The kind with this short name.
pub fn by_name(name: &str) -> Option<&'static Kind> {
    KINDS.iter().copied().find(|k| k.name == name)
}

/// Every create and describe action, for the signing proxy's default `allowActions`.
pub fn actions() -> impl Iterator<Item = &'static str> {
    KINDS.iter().flat_map(|k| [k.create, k.describe])
}

/// `StoreCosParam`, shared by every kind.
pub(crate) const STORE_COS_PARAM: &Schema =
    &[field("CosBucketName", Ty::Str), field("CosBucketRegion", Ty::Str), field("CosBucketPath", Ty::Str)];

/// The create result.
pub const CREATED: &Schema = &[field("TaskId", Ty::Str), field("RequestId", Ty::Str)];

impl Kind {
    /// Reads a create request (a JSON object in the API's field names), checks the rules that hold
    /// for every model, and returns it in the API's documented field order, unknown fields after.
    pub fn read_request(&self, request: Value) -> Result<Map, Error> {
        if !request.is_object() {
            return Err(Error::invalid_parameter("request", "must be an object with the API's PascalCase fields"));
        }
        let request = schema::read(self.request, request, "", Source::Caller)?;
        self.validate(&request)?;
        Ok(request)
    }

    /// The exact create body: compact JSON of [`Self::read_request`]. For the same request it is
    /// byte-identical to the official Node SDK's.
    pub fn create_body(&self, request: Value) -> Result<Vec<u8>, Error> {
        self.read_request(request).map(|r| body(&r))
    }

    /// The rules that hold for every model: a `Prompt` unless an input stands in for it, at most
    /// [`MAX_PROMPT_CHARS`] characters. (Types and positive counts are the schema's.)
    fn validate(&self, request: &Map) -> Result<(), Error> {
        let prompt = request.get("Prompt").and_then(Value::as_str).unwrap_or("");
        if prompt.trim().is_empty() && !self.has_input(request) {
            let mut problem = String::from("is required ");
            problem.push_str(self.prompt_rule);
            if let Some(near) = request.keys().find(|k| *k != "Prompt" && k.eq_ignore_ascii_case("prompt")) {
                problem.extend([" (found `", near, "`: field names are PascalCase)"]);
            }
            return Err(Error::missing_parameter("Prompt", &problem));
        }
        let chars = prompt.chars().count();
        if chars > MAX_PROMPT_CHARS {
            let chars = decimal(chars as u64);
            let problem = ["has ", &chars, " characters; at most ", &decimal(MAX_PROMPT_CHARS as u64), " are allowed"];
            return Err(Error::invalid_value("Prompt", &problem.concat()));
        }
        Ok(())
    }

    fn has_input(&self, request: &Map) -> bool {
        self.prompt_optional_with.iter().any(|name| match request.get(name) {
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Array(items)) => !items.is_empty(),
            _ => false,
        })
    }

    /// Model-specific advice. Never a refusal: a request the create would refuse is read as far as
    /// it goes, and a field of the wrong type is simply not advised on.
    pub fn advise(&self, request: &Value) -> Vec<Advice> {
        match request {
            Value::Object(map) => advice::advise(self.request, &self.advice, map),
            _ => Vec::new(),
        }
    }

    /// Reads a describe answer's `Response`: `Status` must be a non-empty string, the output lists
    /// are always there (empty before DONE), unknown fields pass through.
    pub fn read_result(&self, response: Map) -> Result<Map, Error> {
        let mut out = schema::read(self.result, Value::Object(response), "Response", Source::Server)?;
        if !out.get("Status").and_then(Value::as_str).is_some_and(|s| !s.is_empty()) {
            return Err(Error::invalid_response("Response has no Status"));
        }
        out.get_or_insert_with("RequestId", || Value::String(String::new()));
        Ok(out)
    }

    /// The output URLs of a DONE result, in order (for downloads and copies).
    pub fn output_urls(&self, result: &Map) -> Vec<String> {
        let mut urls = Vec::new();
        for (name, member) in self.outputs {
            for item in result.get(name).and_then(Value::as_array).into_iter().flatten() {
                let url = match member {
                    Some(member) => item.get(member),
                    None => Some(item),
                };
                if let Some(url) = url.and_then(Value::as_str).filter(|u| !u.is_empty()) {
                    urls.push(url.to_owned());
                }
            }
        }
        urls
    }
}

/// Reads a create answer's `Response`: a non-empty `TaskId` (else `InvalidResponse`), `RequestId`.
pub fn read_created(response: Map) -> Result<Map, Error> {
    let mut out = schema::read(CREATED, Value::Object(response), "Response", Source::Server)?;
    if !out.get("TaskId").and_then(Value::as_str).is_some_and(|s| !s.is_empty()) {
        return Err(Error::invalid_response("Response has no TaskId"));
    }
    out.get_or_insert_with("RequestId", || Value::String(String::new()));
    Ok(out)
}

/// The describe body for `task_id`, which must be a non-empty string (the same for every kind).
pub fn describe_body(task_id: &str) -> Result<Vec<u8>, Error> {
    if task_id.trim().is_empty() {
        return Err(Error::missing_parameter("TaskId", "must be a non-empty string"));
    }
    if task_id.chars().count() > MAX_TASK_ID_CHARS {
        let problem = ["is too long: at most ", &decimal(MAX_TASK_ID_CHARS as u64), " characters"].concat();
        return Err(Error::invalid_parameter("TaskId", &problem));
    }
    Ok(body(&Map::of([("TaskId", task_id.into())])))
}

/// A payload for any other action: a JSON object (or nothing), `null` members dropped.
pub fn call_body(payload: Value) -> Result<Vec<u8>, Error> {
    match payload {
        Value::Null => Ok(b"{}".to_vec()),
        Value::Object(mut map) => {
            schema::strip_nulls(&mut map);
            Ok(body(&map))
        }
        _ => Err(Error::invalid_parameter("payload", "must be an object")),
    }
}

/// Compact JSON.
pub fn body(map: &Map) -> Vec<u8> {
    map.to_json().into_bytes()
}

/// A task's state, as describe reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    /// `WAIT`: queued.
    Wait,
    /// `RUN`: being made.
    Run,
    /// `DONE`: finished; the output URLs are valid for 12 hours.
    Done,
    /// `FAIL`: failed; `Message` says why.
    Fail,
    /// A status this client does not know; a wait keeps polling.
    Other,
}

impl TaskStatus {
    /// The status for the API's string.
    pub fn parse(status: &str) -> Self {
        match status {
            "WAIT" => TaskStatus::Wait,
            "RUN" => TaskStatus::Run,
            "DONE" => TaskStatus::Done,
            "FAIL" => TaskStatus::Fail,
            _ => TaskStatus::Other,
        }
    }
}
