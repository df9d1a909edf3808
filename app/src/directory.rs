//! What the token endpoint needs to know about clients, roles and resources, cached in
//! memory so the hot path reads no stream.
//!
//! Entries are loaded from the aggregates (the log, not read models: the decision must
//! see every committed change, not a projector's lagging copy) and evicted by a follower
//! of the global log ([`Directory::follow`]) when an event lands on their stream. A load
//! that raced an eviction is not kept (the `epoch` check), so a stale entry cannot survive
//! a change it did not see.

use domain::application::{Application, ApplicationState};
use domain::identifier::{Identifier, IdentifierClaim};
use domain::resource::{Resource, ResourceState};
use domain::role::{Role, RoleType};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use store::{EventLog, Position, Store, StoreError};

/// Past this many entries a map is simply emptied (a flood of distinct ids must not grow
/// memory without bound; a miss costs one stream read).
const LIMIT: usize = 100_000;

/// A resource as the token endpoint sees it.
#[derive(Debug)]
pub struct ResourceEntry {
    pub id: String,
    claim_stream: String,
    pub state: ResourceState,
}

struct Map<K, V>(RwLock<HashMap<K, Arc<V>>>);

impl<K: Eq + Hash, V> Map<K, V> {
    fn new() -> Self {
        Self(RwLock::new(HashMap::new()))
    }

    fn get(&self, key: &K) -> Option<Arc<V>> {
        self.0.read().ok()?.get(key).cloned()
    }

    fn put(&self, key: K, value: Arc<V>) {
        if let Ok(mut map) = self.0.write() {
            if map.len() >= LIMIT {
                map.clear();
            }
            map.insert(key, value);
        }
    }

    fn retain(&self, keep: impl FnMut(&K, &mut Arc<V>) -> bool) {
        if let Ok(mut map) = self.0.write() {
            map.retain(keep);
        }
    }
}

pub struct Directory {
    store: Store,
    epoch: AtomicU64,
    apps: Map<String, Application>,
    roles: Map<String, Role>,
    resources: Map<String, ResourceEntry>,
}

impl Directory {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            epoch: AtomicU64::new(0),
            apps: Map::new(),
            roles: Map::new(),
            resources: Map::new(),
        }
    }

    /// The application with `id` (possibly `New` = unknown, or `Deleted`).
    pub async fn application(&self, id: &str) -> Result<Arc<Application>, StoreError> {
        if let Some(app) = self.apps.get(&id.to_owned()) {
            return Ok(app);
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let loaded = self.store.repository().load::<Application>(id).await?;
        let app = Arc::new(loaded.aggregate);
        // Unknown ids are not cached: anyone can send any client_id.
        if loaded.version > 0 && self.epoch.load(Ordering::Acquire) == epoch {
            self.apps.put(id.to_owned(), app.clone());
        }
        Ok(app)
    }

    async fn role(&self, id: &str) -> Result<Arc<Role>, StoreError> {
        if let Some(role) = self.roles.get(&id.to_owned()) {
            return Ok(role);
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let loaded = self.store.repository().load::<Role>(id).await?;
        let role = Arc::new(loaded.aggregate);
        if loaded.version > 0 && self.epoch.load(Ordering::Acquire) == epoch {
            self.roles.put(id.to_owned(), role.clone());
        }
        Ok(role)
    }

    /// The live resource whose indicator is `indicator`, if any.
    pub async fn resource(
        &self,
        indicator: &str,
    ) -> Result<Option<Arc<ResourceEntry>>, StoreError> {
        if let Some(entry) = self.resources.get(&indicator.to_owned()) {
            return Ok(Some(entry));
        }
        let Ok(identifier) = Identifier::resource_indicator(indicator) else {
            return Ok(None);
        };
        let epoch = self.epoch.load(Ordering::Acquire);
        let claim_stream = self.store.identifier_stream_id(&identifier);
        let repo = self.store.repository();
        let claim = repo.load::<IdentifierClaim>(&claim_stream).await?;
        let Some(id) = claim.aggregate.holder().map(str::to_owned) else {
            return Ok(None);
        };
        let resource = repo.load::<Resource>(&id).await?;
        let Some(state) = resource.aggregate.state().cloned() else {
            return Ok(None);
        };
        let entry = Arc::new(ResourceEntry {
            id,
            claim_stream,
            state,
        });
        if self.epoch.load(Ordering::Acquire) == epoch {
            self.resources.put(indicator.to_owned(), entry.clone());
        }
        Ok(Some(entry))
    }

    /// Names of `resource`'s scopes that `app` holds through its machine-to-machine roles.
    pub async fn m2m_scopes(
        &self,
        app: &ApplicationState,
        resource: &ResourceEntry,
    ) -> Result<Vec<String>, StoreError> {
        let mut names = Vec::new();
        for role_id in &app.role_ids {
            let role = self.role(role_id).await?;
            let Some(role) = role.state() else { continue };
            if role.role_type != RoleType::MachineToMachine {
                continue;
            }
            for scope in &resource.state.scopes {
                if role.scope_ids.contains(&scope.id) && !names.contains(&scope.name) {
                    names.push(scope.name.clone());
                }
            }
        }
        Ok(names)
    }

    /// Evicts what a write of this node to `(stream_type, stream_id)` changed, so the next
    /// request here sees it without waiting for the follower (`transact.rs`).
    pub fn forget(&self, stream_type: &str, stream_id: &str) {
        // Signing keys are reloaded by the follower (and by the rotation itself).
        let _ = self.evict(stream_type, stream_id);
    }

    /// Evicts whatever an event on `(stream_type, stream_id)` may have changed. Returns
    /// whether the signing keys changed.
    fn evict(&self, stream_type: &str, stream_id: &str) -> bool {
        match stream_type {
            "application" => self.apps.retain(|k, _| k != stream_id),
            "role" => self.roles.retain(|k, _| k != stream_id),
            "resource" => self.resources.retain(|_, r| r.id != stream_id),
            "identifier" => self.resources.retain(|_, r| r.claim_stream != stream_id),
            "signing-keys" => return true,
            _ => return false,
        }
        self.epoch.fetch_add(1, Ordering::AcqRel);
        false
    }

    /// Follows the log from its current head, evicting entries as their streams change
    /// and calling `on_keys` after a change to the signing keys. Ends when the store
    /// closes.
    ///
    /// `log` is what to follow: in the server, the projectors' shared tail (this follower
    /// only needs each event's stream; reading and decoding the log once more for it cost
    /// as much as a projector).
    pub async fn follow<F, Fut>(self: Arc<Self>, log: Arc<dyn EventLog>, on_keys: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let mut changes = log.changes();
        let mut after = match log.head().await {
            Ok(head) => head,
            Err(e) => {
                tracing::error!(error = %e, "cache follower cannot read the log head; caches will not be invalidated");
                return;
            }
        };
        loop {
            match log.read_all(after, 1000).await {
                Ok(events) if !events.is_empty() => {
                    let mut keys_changed = false;
                    for e in &events {
                        keys_changed |= self.evict(&e.stream.stream_type, &e.stream.stream_id);
                        after = Position(e.position.0);
                    }
                    if keys_changed {
                        on_keys().await;
                    }
                    continue;
                }
                Ok(_) => {}
                Err(StoreError::Closed) => return,
                Err(e) => tracing::warn!(error = %e, "cache follower read failed; retrying"),
            }
            // Wait for a commit hint, polling as a fallback (hints may be lost).
            let wait =
                tokio::time::timeout(std::time::Duration::from_millis(500), changes.changed());
            if let Ok(Err(_)) = wait.await {
                return;
            }
        }
    }
}
