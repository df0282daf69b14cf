//! `MpsClient`: create, describe and wait over `fetch`, with retries, pacing and clock correction.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortSignal;

use super::abort::{self, race, sleep};
use super::clock::{mono_ms, random, wall_ms};
use super::convert::{short_string, to_json};
use super::errors::{reject_value, to_js, Failure};
use super::gate::{Gate, Permit};
use super::http::{naming_task, post, Answer, AttemptError};
use super::options::Options;
use crate::envelope;
use crate::error::{codes, Error};
use crate::model::{
    generic_body, CreateAigcVideoTaskRequest, CreateAigcVideoTaskResponse, DescribeAigcVideoTaskRequest,
    DescribeAigcVideoTaskResponse, TaskStatus,
};
use crate::policy::poll::{Next, PollSchedule};
use crate::policy::retry::{decide, Backoff, Decision, Delivery, Idempotency};
use crate::policy::{DEFAULT_CREATE_PER_SECOND, DEFAULT_DESCRIBE_PER_SECOND, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS};
use crate::secret::Credentials;
use crate::tc3::{SignInput, Signer, DEFAULT_CONTENT_TYPE};
use crate::{API_VERSION, CREATE_ACTION, DEFAULT_ENDPOINT, DESCRIBE_ACTION, REQUEST_CLIENT};

const CLIENT_OPTIONS: &[&str] = &[
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
];
const CALL_OPTIONS: &[&str] = &["signal"];
const WAIT_OPTIONS: &[&str] = &["signal", "timeoutMs", "intervalMs", "maxIntervalMs", "onUpdate"];

/// How requests are authorized.
enum Auth {
    /// Sign with these keys.
    Keys(Credentials),
    /// Sign with whatever this function returns, asked before every attempt.
    Provider(Function),
    /// A signing proxy signs; we send `Authorization: Bearer <token>`.
    Proxy(String),
    /// A signing proxy that authorizes by origin: nothing to add.
    Anonymous,
}

pub(super) struct Inner {
    url: String,
    host: String,
    region: Option<String>,
    language: Option<String>,
    auth: Auth,
    fetch: Option<Function>,
    timeout_ms: f64,
    max_retries: u32,
    backoff: Backoff,
    create_gate: Option<Gate>,
    describe_gate: Option<Gate>,
    signer: RefCell<Signer>,
    /// Server clock minus ours, learnt from an `AuthFailure.SignatureExpire` answer.
    clock_offset_ms: Cell<f64>,
    /// The last credentials a provider gave, to keep them out of messages too.
    provided: RefCell<Option<Credentials>>,
}

/// A client for MPS AIGC video tasks. See the README for every option and its default.
#[wasm_bindgen]
pub struct MpsClient {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl MpsClient {
    /// Checks every option and builds the client; throws `MpsError` on bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<MpsClient, JsValue> {
        Inner::from_options(&options)
            .map(|inner| MpsClient { inner: Rc::new(inner) })
            .map_err(|e| to_js(&e, &JsValue::UNDEFINED))
    }

    /// `CreateAigcVideoTask` → `{ TaskId, RequestId }`.
    #[wasm_bindgen(js_name = createAigcVideoTask)]
    pub fn create_aigc_video_task(&self, request: JsValue, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let signal = call_signal(&options)?;
            let request = CreateAigcVideoTaskRequest::from_json(to_json(&request, "")?)?;
            let response = inner.send(CREATE_ACTION, request.to_body(), signal.as_ref(), None).await?;
            let result = CreateAigcVideoTaskResponse::from_response(response).map_err(|e| {
                // The server took the request but the answer has no usable TaskId: a task may exist.
                e.with_maybe_created(true)
            })?;
            Ok(to_value(&result))
        })
    }

    /// `DescribeAigcVideoTask` → `{ Status, VideoUrls, Resolution, Message, RequestId }`.
    #[wasm_bindgen(js_name = describeAigcVideoTask)]
    pub fn describe_aigc_video_task(&self, task_id: JsValue, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let signal = call_signal(&options)?;
            let request = describe_request(&task_id)?;
            let response = inner.send(DESCRIBE_ACTION, request.to_body(), signal.as_ref(), None).await?;
            let result = DescribeAigcVideoTaskResponse::from_response(response)?;
            Ok(to_value(&result))
        })
    }

    /// Polls until the task is `DONE` (→ the describe result) or `FAIL` (→ `TaskFailedError`).
    #[wasm_bindgen(js_name = waitAigcVideoTask)]
    pub fn wait_aigc_video_task(&self, task_id: JsValue, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let wait = WaitOptions::read(&options)?;
            let request = describe_request(&task_id)?;
            inner.wait(request, wait).await
        })
    }

    /// Short for `createAigcVideoTask`.
    pub fn create(&self, request: JsValue, options: JsValue) -> Promise {
        self.create_aigc_video_task(request, options)
    }

    /// Short for `describeAigcVideoTask`.
    pub fn describe(&self, task_id: JsValue, options: JsValue) -> Promise {
        self.describe_aigc_video_task(task_id, options)
    }

    /// Short for `waitAigcVideoTask`.
    pub fn wait(&self, task_id: JsValue, options: JsValue) -> Promise {
        self.wait_aigc_video_task(task_id, options)
    }

    /// Any MPS action with a JSON payload → the API's `Response` object.
    pub fn call(&self, action: JsValue, payload: JsValue, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let signal = call_signal(&options)?;
            let action = match short_string(&action, "action", 128).transpose()? {
                Some(a) if !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric()) => a,
                _ => {
                    return Err(Error::invalid_parameter(
                        "action",
                        "must be an API action name such as CreateAigcImageTask",
                    )
                    .into())
                }
            };
            let body = generic_body(to_json(&payload, "payload")?)?;
            let response = inner.send(&action, body, signal.as_ref(), None).await?;
            Ok(to_value(&response))
        })
    }

    /// What the client talks to and how, without any secret (for `JSON.stringify`).
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> JsValue {
        to_value(&self.inner.describe())
    }

    /// `MpsClient(<endpoint>, <auth>)`, without any secret.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        let d = self.inner.describe();
        format!("MpsClient({}, {})", d.endpoint, d.auth)
    }
}

/// The size of the WebAssembly memory in bytes, for monitoring: it grows as needed and never shrinks,
/// so a steady value over many calls means nothing leaks.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length().into()
}

/// Model-specific advice for a request: `[{ field, message }]`; throws `MpsError` if the request
/// would be refused.
#[wasm_bindgen(js_name = adviseAigcVideoTask)]
pub fn advise_aigc_video_task(request: JsValue) -> Result<JsValue, JsValue> {
    let no_cause = JsValue::UNDEFINED;
    let value = to_json(&request, "").map_err(|e| to_js(&e, &no_cause))?;
    let request = CreateAigcVideoTaskRequest::from_json(value).map_err(|e| to_js(&e, &no_cause))?;
    Ok(to_value(&request.advise()))
}

/// A promise for `work`. Boxed so that every method shares one copy of the promise machinery.
fn promise(work: impl std::future::Future<Output = Result<JsValue, Failure>> + 'static) -> Promise {
    run(Box::pin(work))
}

fn run(work: std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, Failure>>>>) -> Promise {
    future_to_promise(async move { work.await.map_err(reject_value) })
}

fn to_value<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

fn call_signal(options: &JsValue) -> Result<Option<AbortSignal>, Error> {
    Options::new(options, "call options", CALL_OPTIONS)?.signal("signal")
}

/// The longest task id accepted: real ones are about 50 characters.
const MAX_TASK_ID_UNITS: usize = 1024;

fn describe_request(task_id: &JsValue) -> Result<DescribeAigcVideoTaskRequest, Error> {
    match short_string(task_id, "TaskId", MAX_TASK_ID_UNITS) {
        Some(id) => DescribeAigcVideoTaskRequest::new(&id?),
        None if task_id.is_undefined() || task_id.is_null() => {
            Err(Error::missing_parameter("TaskId", "must be a non-empty string"))
        }
        None => {
            Err(Error::invalid_parameter("TaskId", &format!("must be a string, got {}", super::js::kind_of(task_id))))
        }
    }
}

/// The client as `toJSON` shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Description {
    endpoint: String,
    auth: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    timeout_ms: f64,
    max_retries: u32,
    rate_limit: Option<RateLimit>,
}

#[derive(Serialize)]
struct RateLimit {
    create: usize,
    describe: usize,
}

struct WaitOptions {
    signal: Option<AbortSignal>,
    schedule: PollSchedule,
    on_update: Option<Function>,
}

impl WaitOptions {
    fn read(options: &JsValue) -> Result<Self, Error> {
        let o = Options::new(options, "wait options", WAIT_OPTIONS)?;
        let mut schedule = PollSchedule::default();
        if let Some(ms) = o.millis("timeoutMs")? {
            schedule.timeout_ms = ms;
        }
        if let Some(ms) = o.millis("intervalMs")? {
            schedule.interval_ms = ms;
            schedule.max_interval_ms = schedule.max_interval_ms.max(ms);
        }
        if let Some(ms) = o.millis("maxIntervalMs")? {
            if ms < schedule.interval_ms {
                return Err(Error::invalid_value("maxIntervalMs", "must not be less than intervalMs"));
            }
            schedule.max_interval_ms = ms;
        }
        Ok(WaitOptions { signal: o.signal("signal")?, schedule, on_update: o.function("onUpdate")? })
    }
}

impl Inner {
    fn from_options(value: &JsValue) -> Result<Inner, Error> {
        let o = Options::new(value, "MpsClient options", CLIENT_OPTIONS)?;
        let keys = read_keys(&o)?;
        let provider = o.function("credentials")?;
        let proxy_token = o.header("proxyToken")?;
        let auth = match (keys, provider, proxy_token) {
            (Some(k), None, None) => Auth::Keys(k),
            (None, Some(f), None) => Auth::Provider(f),
            (None, None, Some(t)) => Auth::Proxy(t),
            (None, None, None) => Auth::Anonymous,
            (_, _, Some(_)) => return Err(Error::invalid_parameter(
                "proxyToken",
                "cannot be combined with keys or credentials: a client talks either to a signing proxy or to Tencent",
            )),
            (Some(_), Some(_), None) => {
                return Err(Error::invalid_parameter("credentials", "cannot be combined with secretId/secretKey"))
            }
        };
        let endpoint_given = o.has("endpoint")?;
        let endpoint = o.string("endpoint")?.unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
        let signs_locally = matches!(auth, Auth::Keys(_) | Auth::Provider(_));
        let url = read_url(&endpoint, "endpoint", signs_locally)?;
        if matches!(auth, Auth::Anonymous) && (!endpoint_given || url.host().ends_with("tencentcloudapi.com")) {
            return Err(Error::missing_parameter(
                "secretId",
                "and secretKey (or credentials, or proxyToken with a signing proxy's endpoint) are required",
            ));
        }
        let (create_gate, describe_gate) = rate_limits(&o)?;
        Ok(Inner {
            url: url.href(),
            host: url.host(),
            region: o.header("region")?,
            language: read_language(&o)?,
            auth,
            fetch: read_fetch(&o)?,
            timeout_ms: o.millis("timeoutMs")?.unwrap_or(DEFAULT_TIMEOUT_MS),
            max_retries: o.integer("maxRetries", 0, 20)?.unwrap_or(DEFAULT_MAX_RETRIES),
            backoff: Backoff::default(),
            create_gate,
            describe_gate,
            signer: RefCell::new(Signer::new()),
            clock_offset_ms: Cell::new(0.0),
            provided: RefCell::new(None),
        })
    }

    /// The signing side of a proxy: its own keys (or `credentials`), the fixed `upstream`, no
    /// retries and no pacing (the calling client does both), `timeoutMs` per upstream attempt.
    pub(super) fn for_proxy(o: &Options, timeout_ms: f64) -> Result<Inner, Error> {
        let auth = match (read_keys(o)?, o.function("credentials")?) {
            (Some(k), None) => Auth::Keys(k),
            (None, Some(f)) => Auth::Provider(f),
            (Some(_), Some(_)) => {
                return Err(Error::invalid_parameter("credentials", "cannot be combined with secretId/secretKey"))
            }
            (None, None) => {
                return Err(Error::missing_parameter("secretId", "and secretKey (or credentials) are required"))
            }
        };
        let upstream = o.string("upstream")?.unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
        let url = read_url(&upstream, "upstream", true)?;
        Ok(Inner {
            url: url.href(),
            host: url.host(),
            region: o.header("region")?,
            language: None,
            auth,
            fetch: read_fetch(o)?,
            timeout_ms,
            max_retries: 0,
            backoff: Backoff::default(),
            create_gate: None,
            describe_gate: None,
            signer: RefCell::new(Signer::new()),
            clock_offset_ms: Cell::new(0.0),
            provided: RefCell::new(None),
        })
    }

    fn describe(&self) -> Description {
        let auth = match self.auth {
            Auth::Keys(_) => "keys",
            Auth::Provider(_) => "credentials()",
            Auth::Proxy(_) => "proxyToken",
            Auth::Anonymous => "none",
        };
        let rate = |g: &Option<Gate>| g.as_ref().map(Gate::limit);
        Description {
            endpoint: self.url.clone(),
            auth,
            region: self.region.clone(),
            language: self.language.clone(),
            timeout_ms: self.timeout_ms,
            max_retries: self.max_retries,
            rate_limit: match (rate(&self.create_gate), rate(&self.describe_gate)) {
                (Some(create), Some(describe)) => Some(RateLimit { create, describe }),
                _ => None,
            },
        }
    }

    fn gate(&self, action: &str) -> Option<&Gate> {
        match action {
            CREATE_ACTION => self.create_gate.as_ref(),
            DESCRIBE_ACTION => self.describe_gate.as_ref(),
            _ => None,
        }
    }

    /// Removes the secret key and token from text that came from elsewhere.
    fn redact(&self, text: &str) -> String {
        match (&self.auth, &*self.provided.borrow()) {
            (Auth::Keys(c), _) | (Auth::Provider(_), Some(c)) => c.redact(text),
            _ => text.to_owned(),
        }
    }

    /// Sends `body` as `action`, with pacing, fresh signatures, retries and clock correction,
    /// until there is a `Response` object or a final failure. `deadline` (monotonic ms) bounds
    /// everything, including the wait for a turn and the backoff sleeps.
    async fn send(
        &self,
        action: &str,
        body: Vec<u8>,
        signal: Option<&AbortSignal>,
        deadline: Option<f64>,
    ) -> Result<Map<String, Value>, Failure> {
        let idempotency = Idempotency::of(action);
        let mut retries = 0;
        let mut clock_fixed = false;
        loop {
            let permit = self.take_turn(action, signal, deadline).await?;
            let headers = self.headers(action, &body, self.language.as_deref(), signal).await?;
            // A deadline decides when attempts may start (the turn above, the backoff below); an
            // attempt that started in time may take its own timeoutMs to answer, so a wait's last
            // poll, made at the deadline itself, gets its answer.
            let (error, cause, delivery, date) =
                match post(self.fetch.as_ref(), &self.url, &headers, &body, signal, Some(self.timeout_ms)).await {
                    Ok(answer) => match envelope::parse(answer.status, &answer.body) {
                        Ok(response) => return Ok(response),
                        // A garbled answer may still name the task a create made.
                        Err(e) => (naming_task(e, &answer.body), JsValue::UNDEFINED, Delivery::Answered, answer.date),
                    },
                    Err(AttemptError::Aborted(reason)) => return Err(Failure::Aborted(reason)),
                    Err(AttemptError::TimedOut(arrived)) => {
                        let e = Error::new(
                            codes::CLIENT_TIMEOUT,
                            format!("no answer within {} ms", self.timeout_ms as u64),
                        );
                        // The start of an answer that stalled may still name the task a create made.
                        (naming_task(e, &arrived), JsValue::UNDEFINED, Delivery::Unknown, None)
                    }
                    Err(AttemptError::Network(e, cause, delivery)) => (e, cause, delivery, None),
                };
            drop(permit); // the attempt is over: its place in the window starts to expire now
            let error = error.with_action(action).map_message(|m| self.redact(m));
            match decide(idempotency, delivery, &error, clock_fixed) {
                Decision::FixClock => {
                    if !self.learn_clock(date.as_deref()) {
                        return Err(Failure::Mps(error, cause));
                    }
                    clock_fixed = true;
                }
                Decision::Retry if retries < self.max_retries => {
                    let pause = self.backoff.delay_ms(retries, random());
                    retries += 1;
                    if deadline.is_some_and(|d| mono_ms() + pause >= d) {
                        return Err(Failure::Deadline);
                    }
                    sleep(pause, signal).await?;
                }
                Decision::Retry => return Err(Failure::Mps(error.with_retryable(true), cause)),
                Decision::Fail { retryable, maybe_created } => {
                    let error = error.with_retryable(retryable).with_maybe_created(maybe_created);
                    return Err(Failure::Mps(error, cause));
                }
            }
        }
    }

    /// For the signing proxy: signs `body` as `action` with our credentials and sends it upstream
    /// once, correcting the clock and re-signing once on `AuthFailure.SignatureExpire`. The
    /// answer comes back as it is, whatever it says: the calling client decides about retries.
    pub(super) async fn forward(&self, action: &str, body: &[u8], language: Option<&str>) -> Result<Answer, Failure> {
        let mut clock_fixed = false;
        loop {
            let headers = self.headers(action, body, language, None).await?;
            let answer = match post(self.fetch.as_ref(), &self.url, &headers, body, None, Some(self.timeout_ms)).await {
                Ok(answer) => answer,
                Err(AttemptError::Aborted(reason)) => return Err(Failure::Aborted(reason)),
                Err(AttemptError::TimedOut(_)) => return Err(Failure::Deadline),
                Err(AttemptError::Network(e, cause, _)) => return Err(Failure::Mps(e, cause)),
            };
            let expired = !clock_fixed
                && answer.status == 200
                && envelope::parse(200, &answer.body).is_err_and(|e| e.code() == codes::SIGNATURE_EXPIRE);
            if !(expired && self.learn_clock(answer.date.as_deref())) {
                return Ok(answer);
            }
            clock_fixed = true;
        }
    }

    /// Takes the server's time from an answer's `Date` header and keeps the offset for every later
    /// signature; false when there is no usable `Date`.
    fn learn_clock(&self, date: Option<&str>) -> bool {
        match date.map(js_sys::Date::parse).filter(|ms| ms.is_finite()) {
            Some(server_ms) => {
                // The Date header has whole seconds: aim for the middle of the server's second.
                self.clock_offset_ms.set(server_ms + 500.0 - wall_ms());
                true
            }
            None => false,
        }
    }

    /// Removes the secret key and token from an answer passed on, should one ever contain them.
    pub(super) fn redact_bytes(&self, body: Vec<u8>) -> Vec<u8> {
        match std::str::from_utf8(&body) {
            Ok(text) => {
                let clean = self.redact(text);
                if clean == text {
                    body
                } else {
                    clean.into_bytes()
                }
            }
            Err(_) => body,
        }
    }

    /// Waits for this action's rate limit to allow one more request; the permit is held until the
    /// attempt ends. `None` when the action is not rate limited.
    async fn take_turn(
        &self,
        action: &str,
        signal: Option<&AbortSignal>,
        deadline: Option<f64>,
    ) -> Result<Option<Permit<'_>>, Failure> {
        abort::check(signal)?;
        let Some(gate) = self.gate(action) else { return Ok(None) };
        let limit = deadline.map(|d| (d - mono_ms()).max(0.0));
        Ok(Some(race(gate.enter(), signal, limit).await?))
    }

    /// The headers for one attempt, signed now (with the corrected clock).
    async fn headers(
        &self,
        action: &str,
        body: &[u8],
        language: Option<&str>,
        signal: Option<&AbortSignal>,
    ) -> Result<Object, Failure> {
        let headers = Object::new();
        let set = |name: &str, value: &str| {
            let _ = Reflect::set(&headers, &JsValue::from_str(name), &JsValue::from_str(value));
        };
        let provided;
        let credentials = match &self.auth {
            Auth::Keys(c) => Some(c),
            Auth::Provider(f) => {
                provided = self.provide(f, signal).await?;
                Some(&provided)
            }
            Auth::Proxy(token) => {
                set("Authorization", &format!("Bearer {token}"));
                None
            }
            Auth::Anonymous => None,
        };
        match credentials {
            Some(creds) => {
                let timestamp = ((wall_ms() + self.clock_offset_ms.get()) / 1000.0).floor().max(0.0) as u64;
                let mut input = SignInput::mps(&self.host, action, body, timestamp);
                input.region = self.region.as_deref();
                input.language = language;
                let signed = self.signer.borrow_mut().sign(creds, &input);
                for (name, value) in &signed.headers {
                    set(name, value);
                }
            }
            None => {
                set("Content-Type", DEFAULT_CONTENT_TYPE);
                set("X-TC-Action", action);
                set("X-TC-Version", API_VERSION);
                if let Some(region) = &self.region {
                    set("X-TC-Region", region);
                }
                if let Some(language) = language {
                    set("X-TC-Language", language);
                }
            }
        }
        set("X-TC-RequestClient", REQUEST_CLIENT);
        Ok(headers)
    }

    /// Asks the `credentials` function for keys (it may return a promise).
    async fn provide(&self, f: &Function, signal: Option<&AbortSignal>) -> Result<Credentials, Failure> {
        let failed = |cause: JsValue| {
            let e = Error::new(codes::CLIENT_CREDENTIALS_ERROR, "the credentials function failed");
            Failure::Mps(e, cause)
        };
        let value = f.call0(&JsValue::UNDEFINED).map_err(failed)?;
        let value = race(JsFuture::from(Promise::resolve(&value)), signal, None).await?.map_err(failed)?;
        let o = Options::new(&value, "credentials()", &["secretId", "secretKey", "token"])
            .map_err(|_| Error::invalid_parameter("credentials", "must return { secretId, secretKey, token? }"))?;
        let shape = |_| Error::invalid_parameter("credentials", "must return { secretId, secretKey, token? }");
        let (Some(id), Some(key)) = (o.header("secretId").map_err(shape)?, o.string("secretKey").map_err(shape)?)
        else {
            return Err(Error::invalid_parameter("credentials", "must return { secretId, secretKey, token? }").into());
        };
        let mut creds = Credentials::new(id, key);
        if let Some(token) = o.header("token").map_err(shape)? {
            creds = creds.with_token(token);
        }
        *self.provided.borrow_mut() = Some(creds.clone());
        Ok(creds)
    }

    async fn wait(&self, request: DescribeAigcVideoTaskRequest, options: WaitOptions) -> Result<JsValue, Failure> {
        let task_id = request.task_id.clone();
        let body = request.to_body();
        let signal = options.signal.as_ref();
        let started = mono_ms();
        let deadline = started + options.schedule.timeout_ms;
        let mut polls = 0;
        let mut last_status: Option<String> = None;
        let timed_out = |last: &Option<String>| {
            let e = Error::wait_timeout(&task_id, last.as_deref(), mono_ms() - started).with_action(DESCRIBE_ACTION);
            Failure::from(e)
        };
        loop {
            let response = match self.send(DESCRIBE_ACTION, body.clone(), signal, Some(deadline)).await {
                Ok(response) => response,
                Err(Failure::Deadline) => return Err(timed_out(&last_status)),
                Err(Failure::Mps(e, cause)) => {
                    return Err(Failure::Mps(e.with_task_id(&task_id).with_last_status(last_status.as_deref()), cause))
                }
                Err(aborted) => return Err(aborted),
            };
            let result = DescribeAigcVideoTaskResponse::from_response(response)
                .map_err(|e| e.with_action(DESCRIBE_ACTION).with_task_id(&task_id))?;
            polls += 1;
            last_status = Some(result.status.clone());
            let value = to_value(&result);
            if let Some(on_update) = &options.on_update {
                if let Err(thrown) = on_update.call1(&JsValue::UNDEFINED, &value) {
                    let e = Error::new(codes::CLIENT_CALLBACK_ERROR, "onUpdate threw")
                        .with_task_id(&task_id)
                        .with_last_status(last_status.as_deref());
                    return Err(Failure::Mps(e, thrown));
                }
            }
            match result.task_status() {
                TaskStatus::Done => return Ok(value),
                TaskStatus::Fail => {
                    let message = result.message.as_deref().map(|m| self.redact(m));
                    let e = Error::task_failed(&task_id, message.as_deref(), Some(&result.request_id))
                        .with_action(DESCRIBE_ACTION);
                    return Err(e.into());
                }
                _ => {}
            }
            match options.schedule.next(polls, mono_ms(), deadline, random()) {
                Next::GiveUp => return Err(timed_out(&last_status)),
                Next::Sleep(ms) => sleep(ms, signal).await?,
            }
        }
    }
}

/// `secretId`, `secretKey` and `token`: a key pair (with its token), or nothing.
fn read_keys(o: &Options) -> Result<Option<Credentials>, Error> {
    let token = o.header("token")?;
    match (o.header("secretId")?, o.string("secretKey")?.filter(|k| !k.is_empty())) {
        (Some(id), Some(key)) => {
            let creds = Credentials::new(id, key);
            Ok(Some(match token {
                Some(t) => creds.with_token(t),
                None => creds,
            }))
        }
        (Some(_), None) => Err(Error::missing_parameter("secretKey", "is required with secretId")),
        (None, Some(_)) => Err(Error::missing_parameter("secretId", "is required with secretKey")),
        (None, None) if token.is_some() => {
            Err(Error::missing_parameter("secretId", "and secretKey are required with token"))
        }
        (None, None) => Ok(None),
    }
}

/// An endpoint URL: http(s), no user info, and a bare origin when requests are signed here (the
/// API path is always `/`).
fn read_url(text: &str, field: &str, signs_locally: bool) -> Result<web_sys::Url, Error> {
    let url = web_sys::Url::new(text).map_err(|_| Error::invalid_value(field, "must be an absolute http(s) URL"))?;
    let protocol = url.protocol();
    if protocol != "https:" && protocol != "http:" {
        return Err(Error::invalid_value(field, "must be an http: or https: URL"));
    }
    if !url.username().is_empty() || !url.password().is_empty() {
        return Err(Error::invalid_value(field, "must not contain a user name or password"));
    }
    if signs_locally && (url.pathname() != "/" || !url.search().is_empty()) {
        return Err(Error::invalid_value(
            field,
            "must be an origin such as https://mps.tencentcloudapi.com when signing (the API path is /)",
        ));
    }
    Ok(url)
}

fn read_language(o: &Options) -> Result<Option<String>, Error> {
    match o.string("language")? {
        Some(l) if is_language(&l) => Ok(Some(l)),
        Some(_) => Err(Error::invalid_value("language", "must be \"zh-CN\" or \"en-US\"")),
        None => Ok(None),
    }
}

/// The languages the API answers in.
pub(super) fn is_language(l: &str) -> bool {
    l == "zh-CN" || l == "en-US"
}

/// The `fetch` option, or nothing when the global one exists.
fn read_fetch(o: &Options) -> Result<Option<Function>, Error> {
    let fetch = o.function("fetch")?;
    if fetch.is_none() && !Reflect::get(&js_sys::global(), &"fetch".into()).is_ok_and(|f| f.is_function()) {
        return Err(Error::missing_parameter("fetch", "is required: this runtime has no global fetch"));
    }
    Ok(fetch)
}

fn rate_limits(o: &Options) -> Result<(Option<Gate>, Option<Gate>), Error> {
    let defaults = (DEFAULT_CREATE_PER_SECOND, DEFAULT_DESCRIBE_PER_SECOND);
    let (create, describe) = match o.get("rateLimit")? {
        None => defaults,
        Some(v) if v.as_bool() == Some(false) => return Ok((None, None)),
        Some(v) if v.as_bool() == Some(true) => defaults,
        Some(v) => {
            let r = Options::new(&v, "rateLimit", &["create", "describe"])?;
            (
                r.integer("create", 1, 10_000)?.unwrap_or(defaults.0),
                r.integer("describe", 1, 10_000)?.unwrap_or(defaults.1),
            )
        }
    };
    Ok((Some(Gate::new(create)), Some(Gate::new(describe))))
}
