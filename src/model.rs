//! The MPS AIGC video requests and results, with the checks that hold for every model.
//!
//! Field names are the API's own PascalCase ones, so examples from Tencent's documentation and code
//! written for the official SDKs carry over. Every struct keeps unknown fields in `extra` and sends
//! them untouched, because the API grows new fields faster than any client.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::fields::{describe, strip_nulls, Fields, Source};

/// The longest `Prompt` the API accepts, in characters.
pub const MAX_PROMPT_CHARS: usize = 2000;

/// `CreateAigcVideoTask` input. Every field is optional on the wire; see [`Self::validate`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAigcVideoTaskRequest {
    /// Model: Hunyuan, Hailuo, Kling, Vidu, PixVerse, Mingmou, H2, GV, OS, ... (the list changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    /// Model version, e.g. Kling `2.1`, Hailuo `02`, Vidu `q2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    /// Scene, e.g. Kling `motion_control`, Vidu `template_effect`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scene_type: Option<String>,
    /// What to generate; required when no image or reference video is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// What to avoid (some models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    /// Let the service rewrite the prompt (default false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enhance_prompt: Option<bool>,
    /// First frame or guide image: a public JPEG/PNG URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Last frame (some models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_image_url: Option<String>,
    /// Reference images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_infos: Option<Vec<ImageInfo>>,
    /// Reference videos (some models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_infos: Option<Vec<VideoInfo>>,
    /// Reference audio (some models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_infos: Option<Vec<AudioInfo>>,
    /// Subjects with their voices and looks (some models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_infos: Option<Vec<SubjectInfo>>,
    /// Length in seconds, a positive integer (which values a model takes varies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<u32>,
    /// Resolution, aspect ratio, watermark, audio, off-peak, background music.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_parameters: Option<ExtraParameters>,
    /// Store the output in the caller's COS bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_cos_param: Option<StoreCosParam>,
    /// Model-specific parameters: a JSON object serialized into a string, as the API wants it.
    /// [`Self::from_json`] also accepts the object itself and serializes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_parameters: Option<String>,
    /// Operator name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Fields this crate does not know yet, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One reference image (`ImageInfos[]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageInfo {
    /// Public image URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// How it is used, e.g. GV `asset` or `style`; Vidu takes a subject id here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_type: Option<String>,
    /// Unknown fields (e.g. PixVerse's `Text`), sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One reference video (`VideoInfos[]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VideoInfo {
    /// Public video URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    /// `feature` (reference) or `base` (to edit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refer_type: Option<String>,
    /// `yes` or `no`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_original_sound: Option<String>,
    /// Unknown fields, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One reference audio (`AudioInfos[]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AudioInfo {
    /// Public audio URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_url: Option<String>,
    /// Unknown fields, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One subject (`SubjectInfos[]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubjectInfo {
    /// Subject id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Subject name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Voice id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_id: Option<String>,
    /// Images of the subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_urls: Option<Vec<String>>,
    /// Videos of the subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_urls: Option<Vec<String>>,
    /// Unknown fields, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `ExtraParameters`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExtraParameters {
    /// e.g. `720P`, `1080P`, `2K`, `4K`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// e.g. `16:9`, `9:16`, `1:1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<String>,
    /// Add the logo watermark (an integer flag).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_add: Option<i64>,
    /// Generate audio.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_audio: Option<bool>,
    /// Off-peak mode (done within 48 hours).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub off_peak: Option<bool>,
    /// Add background music.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_bgm: Option<bool>,
    /// Unknown fields, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `StoreCosParam`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StoreCosParam {
    /// Bucket name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cos_bucket_name: Option<String>,
    /// Bucket region, e.g. `ap-guangzhou`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cos_bucket_region: Option<String>,
    /// Path inside the bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cos_bucket_path: Option<String>,
    /// Unknown fields, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ImageInfo {
    fn read(mut f: Fields) -> Result<Self, Error> {
        Ok(ImageInfo { image_url: f.string("ImageUrl")?, reference_type: f.string("ReferenceType")?, extra: f.rest() })
    }
}

impl VideoInfo {
    fn read(mut f: Fields) -> Result<Self, Error> {
        Ok(VideoInfo {
            video_url: f.string("VideoUrl")?,
            refer_type: f.string("ReferType")?,
            keep_original_sound: f.string("KeepOriginalSound")?,
            extra: f.rest(),
        })
    }
}

impl AudioInfo {
    fn read(mut f: Fields) -> Result<Self, Error> {
        Ok(AudioInfo { audio_url: f.string("AudioUrl")?, extra: f.rest() })
    }
}

impl SubjectInfo {
    fn read(mut f: Fields) -> Result<Self, Error> {
        Ok(SubjectInfo {
            id: f.string("Id")?,
            name: f.string("Name")?,
            voice_id: f.string("VoiceId")?,
            image_urls: f.strings("ImageUrls")?,
            video_urls: f.strings("VideoUrls")?,
            extra: f.rest(),
        })
    }
}

impl ExtraParameters {
    fn read(mut f: Fields) -> Result<Self, Error> {
        Ok(ExtraParameters {
            resolution: f.string("Resolution")?,
            aspect_ratio: f.string("AspectRatio")?,
            logo_add: f.integer("LogoAdd")?,
            enable_audio: f.boolean("EnableAudio")?,
            off_peak: f.boolean("OffPeak")?,
            enable_bgm: f.boolean("EnableBgm")?,
            extra: f.rest(),
        })
    }
}

impl StoreCosParam {
    fn read(mut f: Fields) -> Result<Self, Error> {
        Ok(StoreCosParam {
            cos_bucket_name: f.string("CosBucketName")?,
            cos_bucket_region: f.string("CosBucketRegion")?,
            cos_bucket_path: f.string("CosBucketPath")?,
            extra: f.rest(),
        })
    }
}

impl CreateAigcVideoTaskRequest {
    /// Reads a request from JSON (as a JavaScript object arrives), refusing wrong types with an
    /// `InvalidParameter` error that names the field. Runs [`Self::validate`] too.
    pub fn from_json(value: Value) -> Result<Self, Error> {
        let mut f = Fields::new(value, "", Source::Caller)
            .map_err(|_| Error::invalid_parameter("request", "must be an object with the API's PascalCase fields"))?;
        let request = CreateAigcVideoTaskRequest {
            model_name: f.string("ModelName")?,
            model_version: f.string("ModelVersion")?,
            scene_type: f.string("SceneType")?,
            prompt: f.string("Prompt")?,
            negative_prompt: f.string("NegativePrompt")?,
            enhance_prompt: f.boolean("EnhancePrompt")?,
            image_url: f.string("ImageUrl")?,
            last_image_url: f.string("LastImageUrl")?,
            image_infos: f.objects("ImageInfos", ImageInfo::read)?,
            video_infos: f.objects("VideoInfos", VideoInfo::read)?,
            audio_infos: f.objects("AudioInfos", AudioInfo::read)?,
            subject_infos: f.objects("SubjectInfos", SubjectInfo::read)?,
            duration: duration(f.raw("Duration"))?,
            extra_parameters: f.object("ExtraParameters", ExtraParameters::read)?,
            store_cos_param: f.object("StoreCosParam", StoreCosParam::read)?,
            additional_parameters: additional_parameters(f.raw("AdditionalParameters"))?,
            operator: f.string("Operator")?,
            extra: f.rest(),
        };
        request.validate()?;
        Ok(request)
    }

    /// The rules that hold for every model; model-specific advice is in [`Self::advise`].
    ///
    /// - `Prompt` is required unless an image or a reference video is given, and has at most
    ///   [`MAX_PROMPT_CHARS`] characters.
    /// - `Duration` is a positive integer.
    /// - `AdditionalParameters` holds a JSON object.
    pub fn validate(&self) -> Result<(), Error> {
        let prompt = self.prompt.as_deref().unwrap_or("");
        if prompt.trim().is_empty() && !self.has_visual_input() {
            let mut problem = String::from("is required when no image or reference video is given");
            if let Some(near) = self.extra.keys().find(|k| k.eq_ignore_ascii_case("prompt")) {
                problem.push_str(&format!(" (found `{near}`: field names are PascalCase)"));
            }
            return Err(Error::missing_parameter("Prompt", &problem));
        }
        let chars = prompt.chars().count();
        if chars > MAX_PROMPT_CHARS {
            return Err(Error::invalid_value(
                "Prompt",
                &format!("has {chars} characters; at most {MAX_PROMPT_CHARS} are allowed"),
            ));
        }
        if self.duration == Some(0) {
            return Err(Error::invalid_value("Duration", "must be a positive integer (seconds), got 0"));
        }
        if let Some(text) = &self.additional_parameters {
            if !matches!(serde_json::from_str::<Value>(text), Ok(Value::Object(_))) {
                return Err(Error::invalid_parameter(
                    "AdditionalParameters",
                    "must be a JSON object, or a string holding one",
                ));
            }
        }
        Ok(())
    }

    fn has_visual_input(&self) -> bool {
        let given = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
        let some = |n: Option<usize>| n.unwrap_or(0) > 0;
        given(&self.image_url)
            || given(&self.last_image_url)
            || some(self.image_infos.as_ref().map(Vec::len))
            || some(self.video_infos.as_ref().map(Vec::len))
            || some(self.subject_infos.as_ref().map(Vec::len))
    }

    /// The exact JSON body to send: compact, fields in the API's documented order, unknown fields
    /// after them. For the same input this is byte-identical to the official Node SDK's body.
    pub fn to_body(&self) -> Vec<u8> {
        to_body(self)
    }

    /// Model-specific advice: values that a given model is documented not to take. Never a
    /// refusal (the lists change from release to release), only something a caller can show.
    pub fn advise(&self) -> Vec<Advice> {
        crate::advice::advise(self)
    }
}

fn duration(value: Option<Value>) -> Result<Option<u32>, Error> {
    const RULE: &str = "must be a positive integer (seconds)";
    match value {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Ok(Some(n)),
            None => Err(Error::invalid_value("Duration", &format!("{RULE}, got {n}"))),
        },
        Some(other) => Err(Error::invalid_parameter("Duration", &format!("{RULE}, got {}", describe(&other)))),
    }
}

fn additional_parameters(value: Option<Value>) -> Result<Option<String>, Error> {
    match value {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(Value::Object(mut map)) => {
            strip_nulls(&mut map);
            Ok(Some(Value::Object(map).to_string()))
        }
        Some(_) => {
            Err(Error::invalid_parameter("AdditionalParameters", "must be a JSON object, or a string holding one"))
        }
    }
}

/// Compact JSON of a model value. Serializing our own types to a Vec cannot fail: every key is a
/// string and every number finite.
pub(crate) fn to_body<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// `DescribeAigcVideoTask` input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAigcVideoTaskRequest {
    /// The id `CreateAigcVideoTask` returned.
    pub task_id: String,
}

impl DescribeAigcVideoTaskRequest {
    /// A describe request; the id must be a non-empty string.
    pub fn new(task_id: &str) -> Result<Self, Error> {
        if task_id.trim().is_empty() {
            return Err(Error::missing_parameter("TaskId", "must be a non-empty string"));
        }
        Ok(DescribeAigcVideoTaskRequest { task_id: task_id.to_owned() })
    }

    /// The exact JSON body to send.
    pub fn to_body(&self) -> Vec<u8> {
        to_body(self)
    }
}

/// A payload for any other action: a JSON object (or nothing), `null` members dropped.
pub fn generic_body(payload: Value) -> Result<Vec<u8>, Error> {
    match payload {
        Value::Null => Ok(b"{}".to_vec()),
        Value::Object(mut map) => {
            strip_nulls(&mut map);
            Ok(to_body(&map))
        }
        _ => Err(Error::invalid_parameter("payload", "must be an object")),
    }
}

/// A task's state, as `DescribeAigcVideoTask` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    /// `WAIT`: queued.
    Wait,
    /// `RUN`: being made.
    Run,
    /// `DONE`: finished; `VideoUrls` are valid for 12 hours.
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

    /// Whether the task has ended.
    pub fn is_final(self) -> bool {
        matches!(self, TaskStatus::Done | TaskStatus::Fail)
    }
}

/// `CreateAigcVideoTask` result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAigcVideoTaskResponse {
    /// The new task's id.
    pub task_id: String,
    /// The server's request id.
    pub request_id: String,
    /// Fields this crate does not know yet, as the server sent them.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CreateAigcVideoTaskResponse {
    /// Reads the `Response` object; a missing or empty `TaskId` is `InvalidResponse`.
    pub fn from_response(response: Map<String, Value>) -> Result<Self, Error> {
        let mut f = Fields::new(Value::Object(response), "Response", Source::Server)?;
        let task_id = f.string("TaskId")?.filter(|id| !id.is_empty());
        let request_id = f.string("RequestId")?.unwrap_or_default();
        match task_id {
            Some(task_id) => Ok(CreateAigcVideoTaskResponse { task_id, request_id, extra: f.rest() }),
            None => Err(Error::invalid_response("Response has no TaskId")),
        }
    }
}

/// `DescribeAigcVideoTask` result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAigcVideoTaskResponse {
    /// `WAIT`, `RUN`, `DONE` or `FAIL`.
    pub status: String,
    /// On `DONE`: the videos, kept for 12 hours. Always present, empty before then.
    pub video_urls: Vec<String>,
    /// e.g. `1920x1088`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// On `FAIL`: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The server's request id.
    pub request_id: String,
    /// Fields this crate does not know yet, as the server sent them.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DescribeAigcVideoTaskResponse {
    /// Reads the `Response` object; a missing `Status` is `InvalidResponse`.
    pub fn from_response(response: Map<String, Value>) -> Result<Self, Error> {
        let mut f = Fields::new(Value::Object(response), "Response", Source::Server)?;
        let status = f.string("Status")?.filter(|s| !s.is_empty());
        let Some(status) = status else {
            return Err(Error::invalid_response("Response has no Status"));
        };
        Ok(DescribeAigcVideoTaskResponse {
            status,
            video_urls: f.strings("VideoUrls")?.unwrap_or_default(),
            resolution: f.string("Resolution")?,
            message: f.string("Message")?,
            request_id: f.string("RequestId")?.unwrap_or_default(),
            extra: f.rest(),
        })
    }

    /// The status as an enum.
    pub fn task_status(&self) -> TaskStatus {
        TaskStatus::parse(&self.status)
    }
}

/// One piece of model-specific advice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Advice {
    /// The field it concerns, e.g. `Duration`.
    pub field: String,
    /// What the documentation says about it.
    pub message: String,
}
