use std::collections::HashMap;

/// One upcasting step: a payload at some version in, the next version's payload out.
pub type UpcastFn = fn(serde_json::Value) -> serde_json::Value;

/// Turns a stored payload of `event_type` at `from_version` into version `from_version + 1`.
/// Stored events are never rewritten (invariant 5); upcasters run on every read instead.
#[derive(Clone, Copy)]
pub struct Upcaster {
    pub event_type: &'static str,
    pub from_version: u32,
    pub upcast: UpcastFn,
}

/// All upcasters, keyed by event type and source version.
#[derive(Clone, Default)]
pub struct UpcasterRegistry {
    by_type: HashMap<&'static str, HashMap<u32, UpcastFn>>,
}

impl UpcasterRegistry {
    pub fn new(upcasters: impl IntoIterator<Item = Upcaster>) -> Self {
        let mut by_type: HashMap<_, HashMap<_, _>> = HashMap::new();
        for u in upcasters {
            by_type
                .entry(u.event_type)
                .or_default()
                .insert(u.from_version, u.upcast);
        }
        Self { by_type }
    }

    /// Every upcaster the domain declares.
    pub fn domain() -> Self {
        Self::new(crate::user::upcasters())
    }

    /// Applies upcasters in a chain until none is registered for the version reached.
    pub fn upcast(
        &self,
        event_type: &str,
        mut version: u32,
        mut payload: serde_json::Value,
    ) -> (u32, serde_json::Value) {
        let Some(steps) = self.by_type.get(event_type) else {
            return (version, payload);
        };
        while let Some(step) = steps.get(&version) {
            payload = step(payload);
            version += 1;
        }
        (version, payload)
    }
}
