//! Model-specific advice: what the documentation says each model takes. It only ever warns: the
//! lists change from release to release and the server is the judge, so nothing here refuses a
//! request. The tables themselves are data in each task kind ([`crate::kinds`]); this module owns
//! their shape, the reading of a request against them, and the PascalCase hints.

use crate::json::{decimal, Map, Value};
use crate::prelude::*;
use crate::schema::Schema;

/// One piece of advice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advice {
    /// The field it concerns, e.g. `Duration` or `ExtraParameters.Resolution`.
    pub field: String,
    /// What the documentation says about it.
    pub message: String,
}

/// Durations a model (or some of its versions) is documented to take, in seconds.
#[derive(Clone, Copy, Debug)]
pub enum Durations {
    /// Exactly these.
    OneOf(&'static [u64]),
    /// From .. to, inclusive.
    Range(u64, u64),
}

impl Durations {
    fn allows(self, seconds: u64) -> bool {
        match self {
            Durations::OneOf(values) => values.contains(&seconds),
            Durations::Range(lo, hi) => (lo..=hi).contains(&seconds),
        }
    }

    fn describe(self) -> String {
        match self {
            Durations::OneOf(values) => values.iter().map(|v| decimal(*v)).collect::<Vec<_>>().join(" or "),
            Durations::Range(lo, hi) => [decimal(lo), decimal(hi)].join(" to "),
        }
    }
}

/// The documented values of a string field, e.g. `ExtraParameters.Resolution`. No values means the
/// model documents no choice there at all.
#[derive(Clone, Copy, Debug)]
pub struct Choice {
    /// A field path: `Name` or `Parent.Name`.
    pub path: &'static str,
    /// The documented values.
    pub values: &'static [&'static str],
}

/// The most items a list field takes, for some versions of a model (empty: all versions).
#[derive(Clone, Copy, Debug)]
pub struct Most {
    /// The versions this is for; empty for every version not named in an earlier entry.
    pub versions: &'static [&'static str],
    /// The list field, e.g. `ImageInfos`.
    pub field: &'static str,
    /// How many at most.
    pub max: usize,
    /// What the items are, for the message (`reference images`).
    pub noun: &'static str,
}

/// A rule that reads the request and notes its advice.
pub type Rule = fn(&Map, &mut Vec<Advice>);

/// What the documentation says about one model.
#[derive(Clone, Copy, Debug)]
pub struct Model {
    /// The documented spelling, e.g. `Kling`.
    pub name: &'static str,
    /// Documented versions (empty: none documented).
    pub versions: &'static [&'static str],
    /// (versions the rule is for, empty for "all the others"; allowed durations), first match wins.
    pub durations: &'static [(&'static [&'static str], Durations)],
    /// Documented values of string fields.
    pub choices: &'static [Choice],
    /// Documented list lengths.
    pub most: &'static [Most],
    /// A rule that does not fit a table (e.g. fields that do not combine).
    pub check: Option<Rule>,
}

impl Model {
    /// A model with nothing documented but its name.
    pub const fn named(name: &'static str) -> Model {
        Model { name, versions: &[], durations: &[], choices: &[], most: &[], check: None }
    }
}

/// A kind's advice: its models, and rules that hold whatever the model.
#[derive(Clone, Copy, Debug)]
pub struct Table {
    /// Documented models.
    pub models: &'static [Model],
    /// Documented values for every model.
    pub common: &'static [Choice],
    /// A prompt length some documentation revisions give (advice only; the rule is 2000).
    pub prompt_chars: Option<usize>,
}

/// `[{ field, message }]`, as JSON text.
pub fn to_json(advice: &[Advice]) -> String {
    let list =
        advice.iter().map(|a| Map::of([("field", a.field.as_str().into()), ("message", a.message.as_str().into())]));
    Value::from(list.collect::<Vec<_>>()).to_json()
}

/// Records one piece of advice.
pub fn note(out: &mut Vec<Advice>, field: &str, message: String) {
    out.push(Advice { field: field.to_owned(), message });
}

/// The advice for `request` (read leniently: a field of the wrong type is simply not advised on).
pub fn advise(schema: &Schema, table: &Table, request: &Map) -> Vec<Advice> {
    let mut out = Vec::new();
    pascal_case_hints(schema, request, &mut out);
    let text = |path: &str| lookup(request, path).and_then(Value::as_str);

    if let (Some(max), Some(prompt)) = (table.prompt_chars, text("Prompt")) {
        let chars = prompt.chars().count();
        if chars > max {
            let message = [
                "has ",
                &decimal(chars as u64),
                " characters; some documentation revisions allow ",
                &decimal(max as u64),
            ];
            note(&mut out, "Prompt", message.concat());
        }
    }
    for choice in table.common {
        advise_choice(choice, None, request, &mut out);
    }

    let Some(name) = text("ModelName") else { return out };
    let Some(model) = table.models.iter().find(|m| m.name.eq_ignore_ascii_case(name)) else {
        let names: Vec<&str> = table.models.iter().map(|m| m.name).collect();
        note(&mut out, "ModelName", [name, " is not a documented model (", &names.join(", "), ")"].concat());
        return out;
    };
    if model.name != name {
        note(&mut out, "ModelName", ["the documented spelling is ", model.name].concat());
    }

    let version = text("ModelVersion");
    if let Some(v) = version {
        if !model.versions.is_empty() && !model.versions.contains(&v) {
            let message = [model.name, " documents versions ", &model.versions.join(", ")].concat();
            note(&mut out, "ModelVersion", message);
        }
    }
    let for_version = |versions: &[&str]| versions.is_empty() || version.is_some_and(|v| versions.contains(&v));
    let whom = |versions: &[&str]| match (versions.is_empty(), version) {
        (false, Some(v)) => [model.name, " ", v].concat(),
        _ => model.name.to_owned(),
    };

    if let Some(seconds) = lookup(request, "Duration").and_then(Value::as_u64) {
        if let Some((versions, allowed)) = model.durations.iter().find(|(versions, _)| for_version(versions)) {
            if !allowed.allows(seconds) {
                let (whom, allowed, seconds) = (whom(versions), allowed.describe(), decimal(seconds));
                let message = [&whom, " documents ", &allowed, " seconds, not ", &seconds].concat();
                note(&mut out, "Duration", message);
            }
        }
    }
    for choice in model.choices {
        advise_choice(choice, Some(model.name), request, &mut out);
    }
    for most in model.most {
        if !for_version(most.versions) {
            continue;
        }
        let items = lookup(request, most.field).and_then(Value::as_array).map_or(0, Vec::len);
        if items > most.max {
            let (whom, max, items) = (whom(most.versions), decimal(most.max as u64), decimal(items as u64));
            let message = [&whom, " documents at most ", &max, " ", most.noun, ", not ", &items].concat();
            note(&mut out, most.field, message);
        }
        break; // the first entry for this version decides
    }
    if let Some(check) = model.check {
        check(request, &mut out);
    }
    out
}

fn advise_choice(choice: &Choice, model: Option<&str>, request: &Map, out: &mut Vec<Advice>) {
    let Some(value) = lookup(request, choice.path).and_then(Value::as_str) else { return };
    let values = choice.values.join(", ");
    let message = match model {
        _ if choice.values.contains(&value) => return,
        Some(model) if choice.values.is_empty() => {
            let leaf = choice.path.rsplit('.').next().unwrap_or(choice.path);
            [model, " documents no ", leaf, " choice"].concat()
        }
        Some(model) => [model, " documents ", &values, ", not ", value].concat(),
        None => ["the documented values are ", &values, ", not ", value].concat(),
    };
    note(out, choice.path, message);
}

/// The value at `Name` or `Parent.Name`.
pub fn lookup<'a>(request: &'a Map, path: &str) -> Option<&'a Value> {
    match path.split_once('.') {
        Some((parent, name)) => request.get(parent)?.as_object()?.get(name),
        None => request.get(path),
    }
}

/// Unknown top-level fields that are a documented field in another case (`prompt` for `Prompt`).
fn pascal_case_hints(schema: &Schema, request: &Map, out: &mut Vec<Advice>) {
    for key in request.keys() {
        if schema.iter().any(|f| f.name == key) {
            continue;
        }
        if let Some(known) = schema.iter().find(|f| f.name.eq_ignore_ascii_case(key)) {
            let message =
                ["unknown field, sent as given; did you mean ", known.name, "? (field names are PascalCase)"].concat();
            note(out, key, message);
        }
    }
}

/// The PascalCase field a misspelt key stands for, if any (for refusal messages).
pub fn pascal_case_of<'a>(schema: &'a Schema, key: &str) -> Option<&'a str> {
    schema.iter().find(|f| f.name != key && f.name.eq_ignore_ascii_case(key)).map(|f| f.name)
}
