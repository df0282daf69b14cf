//! Every name the JavaScript side shares with Rust, in one place: option names, the task kinds with
//! their fields and models, the codes the drivers and machines exchange, defaults and limits.
//!
//! The package's `vocab.js` is generated from [`js_module`] at build time (`examples/vocabulary.rs`),
//! so the JavaScript (the client's methods, `signTc3`'s reader, the CLI's lists, the demo page's
//! models) never spells a name of its own, and a test compares `index.d.ts` with [`json`].

/// The options of `new MpsClient(options)`.
pub const CLIENT_OPTIONS: &[&str] = &[
    "secretId",
    "secretKey",
    "token",
    "credentials",
    "endpoint",
    "region",
    "language",
    "proxyToken",
    "fetch",
    "timeoutMs",
    "maxRetries",
    "rateLimit",
    "coordinator",
];
/// The options of `create`, `describe` and `call`.
pub const CALL_OPTIONS: &[&str] = &["signal"];
/// The options of a wait.
pub const WAIT_OPTIONS: &[&str] = &["signal", "timeoutMs", "intervalMs", "maxIntervalMs", "onUpdate"];
/// The options of `signTc3(options)`.
pub const SIGN_OPTIONS: &[&str] = &[
    "secretId",
    "secretKey",
    "token",
    "service",
    "host",
    "action",
    "version",
    "timestamp",
    "body",
    "contentType",
    "region",
    "language",
    "signActionHeader",
];
/// The options of `createSigningProxy(options)`.
pub const PROXY_OPTIONS: &[&str] = &[
    "secretId",
    "secretKey",
    "token",
    "credentials",
    "upstream",
    "region",
    "fetch",
    "allowActions",
    "tokenSecret",
    "proxyTokens",
    "authorize",
    "allowAnonymous",
    "allowOrigins",
    "limits",
    "store",
    "coordinator",
    "checkBody",
    "maxBodyBytes",
    "timeoutMs",
    "bodyTimeoutMs",
    "path",
];
/// The options of `mintProxyToken(options)`.
pub const MINT_OPTIONS: &[&str] = &["tokenSecret", "subject", "ttlSeconds", "actions", "limits"];

/// The deepest nesting a request may have; real ones nest three levels, a cyclic object forever.
pub const MAX_DEPTH: usize = 32;
/// The most string data one input may hold (UTF-16 units); a real request is a few kilobytes.
pub const MAX_INPUT_UNITS: usize = 1 << 20;
/// The longest header value (or URL) the proxy reads; longer ones are refused unread.
pub const MAX_HEADER_UNITS: usize = 8 * 1024;
/// The longest action name `call()` takes.
pub const MAX_ACTION_CHARS: usize = 128;
/// The longest `signTc3` option (an STS token is the longest, a few KB).
pub const MAX_SIGN_OPTION_UNITS: usize = 16 * 1024;
/// Error codes that mean "bad input, refused before anything was sent": a code starting with one.
pub const BAD_INPUT_CODES: &[&str] = &["InvalidParameter", "MissingParameter"];

/// The vocabulary as a document (natively: the build prints it as `vocab.js`, the tests read it).
#[cfg(not(target_arch = "wasm32"))]
mod document {
    use serde_json::{json, Map, Value};

    use super::*;
    use crate::kinds::{Kind, KINDS, MAX_PROMPT_CHARS, MAX_TASK_ID_CHARS};
    use crate::policy::codes::*;
    use crate::policy::poll::PollSchedule;
    use crate::schema::{Schema, Ty};

    fn ty_json(ty: Ty) -> Value {
        let (name, fields) = match ty {
            Ty::Str => ("string", None),
            Ty::Bool => ("boolean", None),
            Ty::Int => ("integer", None),
            Ty::Number => ("number", None),
            Ty::Count(_) => ("count", None),
            Ty::Strings => ("strings", None),
            Ty::Object(schema) => ("object", Some(schema)),
            Ty::Objects(schema) => ("objects", Some(schema)),
            Ty::JsonText => ("json-text", None),
        };
        match fields {
            Some(schema) => json!({ "type": name, "fields": schema_json(schema) }),
            None => json!({ "type": name }),
        }
    }

    /// A schema as `{ Name: { type, fields? } }`, in order.
    pub fn schema_json(schema: &Schema) -> Value {
        let mut out = Map::new();
        for field in schema {
            out.insert(field.name.to_owned(), ty_json(field.ty));
        }
        Value::Object(out)
    }

    /// What a client needs of a kind: its names and its rate limits.
    fn kind_json(kind: &Kind) -> Value {
        json!({
            "name": kind.name,
            "noun": kind.noun,
            "create": kind.create,
            "describe": kind.describe,
            "createsPerSecond": kind.creates_per_second,
            "describesPerSecond": kind.describes_per_second,
        })
    }

    /// The rest of what `taskKinds` says of a kind: its fields, outputs and models. Apart from
    /// [`kind_json`] so that a bundle with no use for `taskKinds` leaves it out.
    fn kind_schema_json(kind: &Kind) -> Value {
        let mut versions = Map::new();
        for model in kind.advice.models {
            versions.insert(model.name.to_owned(), json!(model.versions));
        }
        json!({
            "request": schema_json(kind.request),
            "result": schema_json(kind.result),
            "promptOptionalWith": kind.prompt_optional_with,
            "outputs": kind.outputs.iter().map(|(field, member)| json!({ "field": field, "member": member })).collect::<Vec<_>>(),
            "models": kind.advice.models.iter().map(|m| m.name).collect::<Vec<_>>(),
            "versions": versions,
        })
    }

    /// The whole vocabulary as one JSON value.
    pub fn json() -> Value {
        let poll = PollSchedule::default();
        json!({
            "kinds": KINDS.iter().map(|k| kind_json(k)).collect::<Vec<_>>(),
            "kindSchemas": KINDS.iter().map(|k| kind_schema_json(k)).collect::<Vec<_>>(),
            "options": {
                "client": CLIENT_OPTIONS,
                "call": CALL_OPTIONS,
                "wait": WAIT_OPTIONS,
                "sign": SIGN_OPTIONS,
                "proxy": PROXY_OPTIONS,
                "mint": MINT_OPTIONS,
            },
            "op": { "create": OP_CREATE, "describe": OP_DESCRIBE, "call": OP_CALL, "forward": OP_FORWARD },
            "step": { "done": STEP_DONE, "resign": STEP_RESIGN, "sleep": STEP_SLEEP, "fail": STEP_FAIL },
            "turn": { "go": TURN_GO, "queued": TURN_QUEUED, "afterFinish": TURN_AFTER_FINISH },
            "defaults": {
                "timeoutMs": crate::policy::DEFAULT_TIMEOUT_MS,
                "maxRetries": crate::policy::DEFAULT_MAX_RETRIES,
                "wait": { "intervalMs": poll.interval_ms, "maxIntervalMs": poll.max_interval_ms, "timeoutMs": poll.timeout_ms },
                "endpoint": crate::DEFAULT_ENDPOINT,
            },
            "limits": {
                "maxDepth": MAX_DEPTH,
                "maxInputUnits": MAX_INPUT_UNITS,
                "maxTaskIdChars": MAX_TASK_ID_CHARS,
                "maxPromptChars": MAX_PROMPT_CHARS,
                "maxResponseBytes": crate::envelope::MAX_RESPONSE_BYTES,
                "maxHeaderUnits": MAX_HEADER_UNITS,
                "maxActionChars": MAX_ACTION_CHARS,
                "maxSignOptionUnits": MAX_SIGN_OPTION_UNITS,
            },
            "badInputCodes": BAD_INPUT_CODES,
            "proxyHeaders": { "reads": crate::proxy::READS, "allowed": crate::proxy::ALLOWED_HEADERS },
            "redacted": crate::secret::REDACTED,
        })
    }

    /// `vocab.js`: the vocabulary as an ES module, one export per top-level entry.
    pub fn js_module() -> String {
        let mut out = String::from(
            "// Generated from the Rust crate (src/vocabulary.rs) by scripts/assemble-pkg.mjs: do not edit.\n",
        );
        if let Value::Object(entries) = json() {
            for (name, value) in entries {
                let constant = name
                    .chars()
                    .flat_map(|c| if c.is_ascii_uppercase() { vec!['_', c] } else { vec![c.to_ascii_uppercase()] })
                    .collect::<String>();
                out.push_str(&format!("export const {constant} = {};\n", value));
            }
        }
        out
    }
}

#[cfg(not(target_arch = "wasm32"))]
pub use document::{js_module, json, schema_json};
