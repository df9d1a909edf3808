//! Hooks: create, edit, rotate the signing key, delete. The URL is checked twice: its
//! syntax by the aggregate, its resolved addresses by the delivery core's address policy
//! (`TESSERA_WEBHOOK_ALLOW_PRIVATE`), here when saved and again at every delivery.
//! Signing keys are generated here (injected randomness) and sealed before they enter an
//! event (invariant 7), under keys derived from the KEK for hook secrets and bound to the
//! hook (`store::SealPurpose`).

use crate::context::AppContext;
use crate::error::AppError;
use crate::request::RequestContext;
use crate::transact::transact;
use domain::hook::{
    Headers, Hook, HookCommand, HookError, HookSettings, SealedHeaders, SIGNING_KEY_LEN,
};
use domain::ids::random_string;
use domain::StandardId;
use store::{Position, SealPurpose};

pub fn hook_error(id: &str) -> impl Fn(HookError) -> AppError + '_ {
    move |e| match e.field() {
        Some(field) => AppError::invalid_body(format!("{field}: {e}")),
        None => match e {
            HookError::NotFound => AppError::NotExistsWithId {
                entity: "hook",
                id: id.to_owned(),
            },
            other => AppError::internal(format!("hook {id}: {other}")),
        },
    }
}

/// What a caller is told when a hook URL's host is refused or does not resolve: one
/// message for both, naming no address, so the Management API is no oracle for the
/// server's name resolution or internal network (the detail goes to the server log).
pub const UNREACHABLE_URL: &str =
    "config.url: the host is not allowed or cannot be resolved from this server";

/// Refuses a URL the address policy forbids, naming the field.
pub async fn check_url(state: &AppContext, url: &str) -> Result<(), AppError> {
    match state.webhooks.check_url(url).await {
        Ok(()) => Ok(()),
        Err(webhooks::ssrf::UrlRefused::Invalid(reason)) => {
            Err(AppError::invalid_body(format!("config.url: {reason}")))
        }
        Err(refused) => {
            tracing::info!(%refused, "hook URL refused");
            Err(AppError::invalid_body(UNREACHABLE_URL))
        }
    }
}

pub fn new_id(state: &AppContext) -> String {
    StandardId::generate(&mut state.random.rng()).into_string()
}

/// Custom headers sealed under the hook-headers key derived from the KEK, bound to the hook
/// (they often hold the receiver's credentials).
fn seal_headers(
    state: &AppContext,
    id: &str,
    headers: &Headers,
) -> Result<Option<String>, AppError> {
    if headers.is_empty() {
        return Ok(None);
    }
    let json = serde_json::to_vec(headers).map_err(AppError::internal)?;
    Ok(Some(state.store.seal(
        SealPurpose::HookHeaders,
        id,
        &json,
    )?))
}

/// Hook `id`'s custom headers in plain text.
pub fn open_headers(
    state: &AppContext,
    id: &str,
    sealed: Option<&str>,
) -> Result<Headers, AppError> {
    match sealed {
        None => Ok(Headers::new()),
        Some(sealed) => {
            let bytes = state
                .store
                .open_sealed(SealPurpose::HookHeaders, id, sealed)?;
            serde_json::from_slice(&bytes).map_err(AppError::internal)
        }
    }
}

fn sealed_new_key(state: &AppContext, id: &str) -> Result<String, AppError> {
    let key = random_string(&mut state.random.rng(), SIGNING_KEY_LEN);
    Ok(state
        .store
        .seal(SealPurpose::HookSigningKey, id, key.as_bytes())?)
}

pub async fn create(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    settings: HookSettings,
) -> Result<Option<Position>, AppError> {
    // Syntax first, so a malformed URL is reported as such rather than as unresolvable.
    settings.check().map_err(hook_error(id))?;
    check_url(state, &settings.url).await?;
    let sealed_signing_key = sealed_new_key(state, id)?;
    let sealed_headers = seal_headers(state, id, &settings.headers)?;
    let (_, at) = transact(state, request, |mut tx| {
        let command = HookCommand::Create {
            settings: settings.clone(),
            sealed_headers: sealed_headers.clone(),
            sealed_signing_key: sealed_signing_key.clone(),
        };
        async move {
            tx.run::<Hook>(id, vec![command], hook_error(id)).await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

/// A PATCH body: each field replaces the stored one when present.
#[derive(Debug, Clone, Default)]
pub struct HookPatch {
    pub name: Option<String>,
    pub events: Option<Vec<String>>,
    pub url: Option<String>,
    pub headers: Option<Headers>,
    pub enabled: Option<bool>,
}

pub async fn update(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
    patch: HookPatch,
) -> Result<Option<Position>, AppError> {
    if let Some(url) = &patch.url {
        domain::hook::check_url(url).map_err(hook_error(id))?;
        check_url(state, url).await?;
    }
    let headers = match &patch.headers {
        Some(plain) => Some(SealedHeaders {
            sealed: seal_headers(state, id, plain)?,
            plain: plain.clone(),
        }),
        None => None,
    };
    let (_, at) = transact(state, request, |mut tx| {
        let p = patch.clone();
        let headers = headers.clone();
        async move {
            let command = HookCommand::Update {
                name: p.name,
                events: p.events,
                url: p.url,
                headers,
                enabled: p.enabled,
            };
            tx.run::<Hook>(id, vec![command], hook_error(id)).await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

pub async fn rotate_signing_key(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
) -> Result<Option<Position>, AppError> {
    let sealed_signing_key = sealed_new_key(state, id)?;
    let (_, at) = transact(state, request, |mut tx| {
        let command = HookCommand::RotateSigningKey {
            sealed_signing_key: sealed_signing_key.clone(),
        };
        async move {
            tx.run::<Hook>(id, vec![command], hook_error(id)).await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

pub async fn delete(
    state: &AppContext,
    request: &RequestContext,
    id: &str,
) -> Result<Option<Position>, AppError> {
    let (_, at) = transact(state, request, |mut tx| async move {
        tx.run::<Hook>(id, vec![HookCommand::Delete], hook_error(id))
            .await?;
        Ok((tx, ()))
    })
    .await?;
    Ok(at)
}

/// Hook `id`'s signing key in plain text (for answers and the test delivery).
pub fn open_signing_key(state: &AppContext, id: &str, sealed: &str) -> Result<String, AppError> {
    let bytes = state
        .store
        .open_sealed(SealPurpose::HookSigningKey, id, sealed)?;
    String::from_utf8(bytes).map_err(AppError::internal)
}
