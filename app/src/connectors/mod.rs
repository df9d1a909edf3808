//! Passwordless connectors: create, edit and delete them (the `Connectors` aggregate),
//! read them, and send through them. Secrets are split off the configuration and sealed
//! under the connector-secrets key derived from the KEK, bound to the connector id
//! (`store::SealPurpose::ConnectorSecrets`), before they enter an event (invariant 7).
//! HTTP endpoints are checked against the webhooks' address policy when saved and again
//! at every send; SMTP hosts at every send (`smtp.rs`).

mod http;
mod smtp;

use crate::context::AppContext;
use crate::delivery::{Channel, CodeMessage, DeliveryError};
use crate::error::AppError;
use crate::request::RequestContext;
use crate::transact::transact;
use domain::connector::config::{self, ConnectorConfig, Secrets};
use domain::connector::{
    ConnectorCommand, ConnectorError, ConnectorKind, ConnectorState, Connectors, Factory, STREAM_ID,
};
use domain::sign_in_experience::{CodeChannels, SignInExperience, SignInIdentifier};
use domain::StandardId;
use serde_json::Value;
use std::time::Duration;
use store::{Position, SealPurpose, StoreError};

/// The longest a send may take (connect, TLS, the whole exchange).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// Every connector as of the last append (cached; a change on any node is seen).
pub async fn load(ctx: &AppContext) -> Result<Connectors, StoreError> {
    Ok(ctx
        .store
        .repository()
        .load_cached::<Connectors>(STREAM_ID)
        .await?
        .aggregate)
}

/// Which kinds of connector `connectors` has.
pub fn channels_of(connectors: &Connectors) -> CodeChannels {
    CodeChannels {
        email: connectors.of_kind(ConnectorKind::Email).is_some(),
        sms: connectors.of_kind(ConnectorKind::Sms).is_some(),
    }
}

/// Whether codes can be sent by email and by SMS now.
pub async fn configured_channels(ctx: &AppContext) -> Result<CodeChannels, StoreError> {
    Ok(channels_of(&load(ctx).await?))
}

pub fn kind_of(channel: Channel) -> ConnectorKind {
    match channel {
        Channel::Email => ConnectorKind::Email,
        Channel::Sms => ConnectorKind::Sms,
    }
}

pub fn channel_of(kind: ConnectorKind) -> Channel {
    match kind {
        ConnectorKind::Email => Channel::Email,
        ConnectorKind::Sms => Channel::Sms,
    }
}

/// Logto's codes for a refused connector command.
pub fn connector_error(e: ConnectorError) -> AppError {
    match e {
        ConnectorError::InvalidConfig { field, reason } => {
            AppError::invalid_body(format!("{field}: {reason}"))
        }
        ConnectorError::UnknownFactory(id) => AppError::NotFound {
            code: "connector.not_found",
            message: format!("Cannot find any available connector factory with id {id:?}."),
        },
        ConnectorError::NotFound(id) => AppError::NotExistsWithId {
            entity: "connector",
            id,
        },
        ConnectorError::KindTaken { .. } => AppError::Unprocessable {
            code: "connector.multiple_instances_not_supported",
            message: e.to_string(),
        },
        ConnectorError::AlreadyExists(_) => AppError::internal(e),
    }
}

fn seal(ctx: &AppContext, id: &str, secrets: &Secrets) -> Result<Option<String>, AppError> {
    if secrets.is_empty() {
        return Ok(None);
    }
    let json = serde_json::to_vec(secrets).map_err(AppError::internal)?;
    Ok(Some(ctx.store.seal(
        SealPurpose::ConnectorSecrets,
        id,
        &json,
    )?))
}

/// Connector `state`'s whole configuration, secrets opened.
pub fn open_config(ctx: &AppContext, state: &ConnectorState) -> Result<Value, AppError> {
    let secrets: Secrets = match &state.sealed_secrets {
        None => Secrets::new(),
        Some(sealed) => {
            let bytes = ctx
                .store
                .open_sealed(SealPurpose::ConnectorSecrets, &state.id, sealed)?;
            serde_json::from_slice(&bytes).map_err(AppError::internal)?
        }
    };
    Ok(config::join(&state.config, &secrets))
}

/// Checks `config` before anything is sealed: its fields, then (HTTP connectors) whether
/// the address policy lets the endpoint be reached.
pub async fn check(ctx: &AppContext, factory: Factory, config: &Value) -> Result<(), AppError> {
    let parsed = config::parse(factory, config).map_err(|e| connector_error(e.into()))?;
    if let ConnectorConfig::Http(http) = parsed {
        check_endpoint(ctx, &http.endpoint).await?;
    }
    Ok(())
}

async fn check_endpoint(ctx: &AppContext, url: &str) -> Result<(), AppError> {
    match ctx.webhooks.check_url(url).await {
        Ok(()) => Ok(()),
        Err(webhooks::ssrf::UrlRefused::Invalid(reason)) => {
            Err(AppError::invalid_body(format!("config.endpoint: {reason}")))
        }
        Err(refused) => {
            // One answer for refused and unresolvable hosts (no oracle for the network).
            tracing::info!(%refused, "connector endpoint refused");
            Err(AppError::invalid_body(
                "config.endpoint: the host is not allowed or cannot be resolved from this server",
            ))
        }
    }
}

/// A new connector: `factory_id` is Logto's `connectorId`.
pub struct NewConnector {
    pub factory_id: String,
    pub config: Value,
    pub metadata: Option<Value>,
}

/// Creates a connector; returns its id.
pub async fn create(
    ctx: &AppContext,
    request: &RequestContext,
    new: NewConnector,
) -> Result<(String, Option<Position>), AppError> {
    let factory = Factory::from_id(&new.factory_id)
        .ok_or_else(|| connector_error(ConnectorError::UnknownFactory(new.factory_id.clone())))?;
    check(ctx, factory, &new.config).await?;
    let id = StandardId::generate(&mut ctx.random.rng()).into_string();
    let (_, secrets) = config::split(factory, &new.config);
    let sealed = seal(ctx, &id, &secrets)?;
    let (id, at) = transact(ctx, request, |mut tx| {
        let command = ConnectorCommand::Create {
            id: id.clone(),
            factory_id: new.factory_id.clone(),
            config: new.config.clone(),
            sealed_secrets: sealed.clone(),
            metadata: new.metadata.clone(),
        };
        let id = id.clone();
        async move {
            tx.run::<Connectors>(STREAM_ID, vec![command], connector_error)
                .await?;
            Ok((tx, id))
        }
    })
    .await?;
    Ok((id, at))
}

/// A PATCH: `config` replaces the whole configuration (a secret given as the mask keeps
/// the stored one); `metadata` replaces the metadata.
#[derive(Debug, Clone, Default)]
pub struct ConnectorPatch {
    pub config: Option<Value>,
    pub metadata: Option<Value>,
}

pub async fn update(
    ctx: &AppContext,
    request: &RequestContext,
    id: &str,
    patch: ConnectorPatch,
) -> Result<Option<Position>, AppError> {
    let connectors = load(ctx).await?;
    let current = connectors
        .get(id)
        .ok_or_else(|| connector_error(ConnectorError::NotFound(id.to_owned())))?;
    let config = match &patch.config {
        None => None,
        Some(new) => {
            let stored = open_config(ctx, current)?;
            let config = config::restore_masked(current.factory, new, &stored);
            check(ctx, current.factory, &config).await?;
            let (_, secrets) = config::split(current.factory, &config);
            Some((config, seal(ctx, id, &secrets)?))
        }
    };
    let (_, at) = transact(ctx, request, |mut tx| {
        let command = ConnectorCommand::Update {
            id: id.to_owned(),
            config: config.clone(),
            metadata: patch.metadata.clone(),
        };
        async move {
            tx.run::<Connectors>(STREAM_ID, vec![command], connector_error)
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(at)
}

/// Deletes a connector, unless the sign-in experience relies on its kind: sign-in by a
/// code, or registration by an email address or phone number (which verifies it). That
/// refusal is 400 `connector.in_use_by_sign_in_experience` naming the settings in `data`;
/// the settings are changed first (`PATCH /api/sign-in-exp`), then the connector goes.
/// The settings are read in the same attempt as the connector stream's version (a
/// `PATCH` racing the deletion is not caught: it peeks the connectors the same way).
pub async fn delete(
    ctx: &AppContext,
    request: &RequestContext,
    id: &str,
) -> Result<Option<Position>, AppError> {
    let defaults = crate::sign_in_experience::defaults(ctx);
    let defaults = &defaults;
    let (_, at) = transact(ctx, request, |mut tx| async move {
        let connectors = tx.peek::<Connectors>(STREAM_ID).await?;
        if let Some(connector) = connectors.get(id) {
            let settings = tx
                .peek::<SignInExperience>(domain::sign_in_experience::STREAM_ID)
                .await?
                .settings_or(defaults.clone());
            in_use_check(id, connector.factory.kind(), &settings)?;
        }
        let command = ConnectorCommand::Delete { id: id.to_owned() };
        tx.run::<Connectors>(STREAM_ID, vec![command], connector_error)
            .await?;
        Ok((tx, ()))
    })
    .await?;
    Ok(at)
}

/// Refuses to take away the only connector of `kind` while `settings` rely on it.
fn in_use_check(
    id: &str,
    kind: ConnectorKind,
    settings: &domain::sign_in_experience::SignInExperienceSettings,
) -> Result<(), AppError> {
    let (identifier, name) = match kind {
        ConnectorKind::Email => (SignInIdentifier::Email, "email"),
        ConnectorKind::Sms => (SignInIdentifier::Phone, "SMS"),
    };
    let uses = settings.code_uses(identifier);
    if uses.is_empty() {
        return Ok(());
    }
    Err(AppError::BadRequestWith {
        code: "connector.in_use_by_sign_in_experience",
        message: format!(
            "The sign-in experience sends codes through this {name} connector ({}). \
             Change those settings (PATCH /api/sign-in-exp) before deleting it.",
            uses.join(", ")
        ),
        data: serde_json::json!({ "id": id, "type": kind.as_str(), "usedBy": uses }),
    })
}

/// Sends `message` through `connector`: picks and renders its template, then delivers.
/// Every failure is a [`DeliveryError::Failed`] naming why; none takes longer than
/// [`SEND_TIMEOUT`].
pub async fn send(
    ctx: &AppContext,
    connector: &ConnectorState,
    message: &CodeMessage,
) -> Result<(), DeliveryError> {
    let whole = open_config(ctx, connector).map_err(|e| DeliveryError::Failed {
        channel: message.channel,
        reason: format!("cannot open the configuration: {e}"),
    })?;
    send_config(ctx, connector.factory, &whole, message).await
}

/// [`send`] with a whole configuration of `factory` (secrets in plain text), saved or
/// not (Logto's test of a configuration before it is saved).
pub async fn send_config(
    ctx: &AppContext,
    factory: Factory,
    config: &Value,
    message: &CodeMessage,
) -> Result<(), DeliveryError> {
    let channel = message.channel;
    let failed = |reason: String| DeliveryError::Failed { channel, reason };
    let parsed = config::parse(factory, config)
        .map_err(|e| failed(format!("invalid configuration: {}: {}", e.field, e.reason)))?;
    let sending = async {
        match &parsed {
            ConnectorConfig::Smtp(smtp) => smtp::send(ctx, smtp, message).await,
            ConnectorConfig::Http(http) => http::send(ctx, http, message).await,
        }
    };
    match tokio::time::timeout(SEND_TIMEOUT, sending).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(reason)) => Err(failed(reason)),
        Err(_) => Err(failed(format!(
            "timed out after {} s",
            SEND_TIMEOUT.as_secs()
        ))),
    }
}

/// A message's placeholder values.
fn values(message: &CodeMessage) -> domain::connector::template::Values<'_> {
    domain::connector::template::Values {
        code: &message.code,
        to: &message.to,
        usage: message.usage.as_str(),
        locale: message.locale.as_deref().unwrap_or(""),
        ip: message.client_ip.as_deref().unwrap_or(""),
        message: "",
        subject: "",
    }
}
