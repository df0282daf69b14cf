//! Per-subject limits of the signing proxy: how many creates a minute and a day, how many describes
//! a second, each caller of a public page may make (default 6, 200 and 5). The counting itself is
//! [`crate::policy::quota`]'s.

use crate::json::{Map, Value};
use crate::prelude::*;

use crate::policy::quota::Window;

/// A subject's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Creates in any minute.
    pub creates_per_minute: u32,
    /// Creates in any 24 hours.
    pub creates_per_day: u32,
    /// Describes in any second.
    pub describes_per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { creates_per_minute: 6, creates_per_day: 200, describes_per_second: 5 }
    }
}

/// Some of a subject's limits (from a token, or from an `authorize` hook), laid over others.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartialLimits {
    /// Creates in any minute.
    pub creates_per_minute: Option<u32>,
    /// Creates in any 24 hours.
    pub creates_per_day: Option<u32>,
    /// Describes in any second.
    pub describes_per_second: Option<u32>,
}

/// The names of the limits, as JavaScript spells them.
pub const NAMES: [&str; 3] = ["createsPerMinute", "createsPerDay", "describesPerSecond"];

/// Which limits an action counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Creates (and any other action that may change something).
    Create,
    /// Describes (read-only actions).
    Describe,
}

impl Class {
    /// The class of `action`: `Describe*` actions read, every other action counts as a create.
    pub fn of(action: &str) -> Self {
        if action.starts_with("Describe") {
            Class::Describe
        } else {
            Class::Create
        }
    }

    /// Its name in counter keys.
    pub fn name(self) -> &'static str {
        match self {
            Class::Create => "create",
            Class::Describe => "describe",
        }
    }
}

impl Limits {
    /// `over` laid over these.
    pub fn with(self, over: PartialLimits) -> Limits {
        Limits {
            creates_per_minute: over.creates_per_minute.unwrap_or(self.creates_per_minute),
            creates_per_day: over.creates_per_day.unwrap_or(self.creates_per_day),
            describes_per_second: over.describes_per_second.unwrap_or(self.describes_per_second),
        }
    }

    /// The windows an action of `class` is counted in.
    pub fn windows(&self, class: Class) -> Vec<Window> {
        match class {
            Class::Create => vec![
                Window { ms: 60_000.0, max: self.creates_per_minute },
                Window { ms: 86_400_000.0, max: self.creates_per_day },
            ],
            Class::Describe => vec![Window { ms: 1_000.0, max: self.describes_per_second }],
        }
    }

    /// As JavaScript sees them.
    pub fn to_json(&self) -> Value {
        Map::of([
            (NAMES[0], self.creates_per_minute.into()),
            (NAMES[1], self.creates_per_day.into()),
            (NAMES[2], self.describes_per_second.into()),
        ])
        .into()
    }
}

impl PartialLimits {
    /// From `{ createsPerMinute?, createsPerDay?, describesPerSecond? }` (whole numbers up to a
    /// million); `None` for anything else.
    pub fn from_json(value: &Value) -> Option<Self> {
        let map = value.as_object()?;
        if map.keys().any(|k| !NAMES.contains(&k)) {
            return None;
        }
        let read = |name: &str| -> Option<Option<u32>> {
            match map.get(name) {
                None | Some(Value::Null) => Some(None),
                Some(v) => v.as_u64().filter(|n| *n <= 1_000_000).map(|n| Some(n as u32)),
            }
        };
        Some(PartialLimits {
            creates_per_minute: read(NAMES[0])?,
            creates_per_day: read(NAMES[1])?,
            describes_per_second: read(NAMES[2])?,
        })
    }

    /// As JavaScript sees them; `None` when nothing is set.
    pub fn to_json(&self) -> Option<Value> {
        let mut map = Map::new();
        for (name, value) in
            NAMES.iter().zip([self.creates_per_minute, self.creates_per_day, self.describes_per_second])
        {
            if let Some(v) = value {
                map.insert((*name).to_owned(), v.into());
            }
        }
        (!map.is_empty()).then_some(Value::Object(map))
    }
}
