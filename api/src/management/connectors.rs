//! `/api/connectors` and `/api/connector-factories` in Logto's shape, for the
//! passwordless connectors that deliver one-time codes (Email and Sms; at most one of
//! each). Answers are read from the `Connectors` aggregate itself (one small stream), so
//! a write is visible in its own answer. Secrets are answered masked (`******`); a PATCH
//! that sends the mask back keeps the stored secret.

use crate::state::AppState;
use crate::support::body::json_object;
use crate::support::error::ApiError;
use crate::support::path_id::{Connector, Id};
use crate::support::request::RequestContext;
use actix_web::{web, HttpResponse};
use app::connectors::{self as cmd, ConnectorPatch, NewConnector};
use app::delivery::{CodeMessage, DeliveryError, TemplateUsage};
use app::AppError;
use domain::connector::{ConnectorKind, ConnectorState, Factory};
use serde_json::{json, Value};

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/api/connectors")
                .route(web::get().to(list))
                .route(web::post().to(create))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/connectors/{id}")
                .route(web::get().to(get))
                .route(web::patch().to(update))
                .route(web::delete().to(delete))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/connectors/{id}/test")
                .route(web::post().to(test))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/connector-factories")
                .route(web::get().to(factories))
                .default_service(na()),
        );
}

/// What every factory answer and connector answer share (Logto's factory metadata).
fn factory_fields(factory: Factory) -> serde_json::Map<String, Value> {
    let fields = json!({
        "type": factory.kind().as_str(),
        "target": factory.target(),
        "platform": null,
        "name": {"en": factory.name()},
        "logo": "",
        "logoDark": null,
        "description": {"en": factory.description()},
        "readme": "docs/connectors.md",
        "isStandard": false,
        "isDemo": false,
    });
    match fields {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// Logto's connector answer: the factory's metadata, then the connector's own fields;
/// `config` with its secrets masked.
fn view(connector: &ConnectorState) -> Value {
    let mut out = factory_fields(connector.factory);
    out.insert("tenantId".into(), projections::TENANT_ID.into());
    out.insert("id".into(), connector.id.clone().into());
    out.insert("connectorId".into(), connector.factory.id().into());
    out.insert("config".into(), connector.config.clone());
    out.insert("metadata".into(), connector.metadata.clone());
    out.insert("syncProfile".into(), false.into());
    out.insert("createdAt".into(), connector.created_at.as_millis().into());
    Value::Object(out)
}

fn not_found(id: &str) -> ApiError {
    AppError::NotExistsWithId {
        entity: "connector",
        id: id.to_owned(),
    }
    .into()
}

async fn read(state: &AppState, id: &str) -> Result<Value, ApiError> {
    let connectors = cmd::load(state).await?;
    connectors.get(id).map(view).ok_or_else(|| not_found(id))
}

#[utoipa::path(
    get,
    path = "/api/connectors",
    tag = "Connectors",
    operation_id = "ListConnectors",
    responses(
        (status = 200, description = "Every connector, secrets masked", body = Vec<crate::openapi::schemas::Connector>)
    )
)]
pub(crate) async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let connectors = cmd::load(&state).await?;
    let items: Vec<Value> = connectors.connectors.iter().map(view).collect();
    Ok(HttpResponse::Ok().json(items))
}

#[utoipa::path(
    post,
    path = "/api/connectors",
    tag = "Connectors",
    operation_id = "CreateConnector",
    request_body = crate::openapi::schemas::CreateConnector,
    responses(
        (status = 200, description = "The new connector, secrets masked", body = crate::openapi::schemas::Connector),
        crate::openapi::responses::InvalidInput,
        (status = 404, description = "No factory with this `connectorId` (`connector.not_found`)", body = crate::support::error::ErrorBody),
        (status = 422, description = "A connector of this type is already configured (`connector.multiple_instances_not_supported`)", body = crate::support::error::ErrorBody)
    )
)]
pub(crate) async fn create(
    state: web::Data<AppState>,
    request: RequestContext,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let factory_id = body.string("connectorId");
    if factory_id.is_none() {
        body.issue("connectorId", "required");
    }
    let config = body.object("config");
    if config.is_none() && !body.has_issues() {
        body.issue("config", "required");
    }
    let metadata = body.object("metadata").map(Value::Object);
    body.finish()?;
    let (Some(factory_id), Some(config)) = (factory_id, config) else {
        return Err(ApiError::invalid_body("connectorId, config: required"));
    };
    let new = NewConnector {
        factory_id,
        config: Value::Object(config),
        metadata,
    };
    let (id, _) = cmd::create(&state, &request, new).await?;
    Ok(HttpResponse::Ok().json(read(&state, &id).await?))
}

#[utoipa::path(
    get,
    path = "/api/connectors/{id}",
    tag = "Connectors",
    operation_id = "GetConnector",
    params(("id" = String, Path, description = "Connector id")),
    responses(
        (status = 200, description = "The connector, secrets masked", body = crate::openapi::schemas::Connector),
        crate::openapi::responses::ConnectorNotFound
    )
)]
pub(crate) async fn get(
    state: web::Data<AppState>,
    id: Id<Connector>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(read(&state, &id).await?))
}

#[utoipa::path(
    patch,
    path = "/api/connectors/{id}",
    tag = "Connectors",
    operation_id = "UpdateConnector",
    params(("id" = String, Path, description = "Connector id")),
    request_body = crate::openapi::schemas::UpdateConnector,
    responses(
        (status = 200, description = "The connector after the change, secrets masked", body = crate::openapi::schemas::Connector),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::ConnectorNotFound
    )
)]
pub(crate) async fn update(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Connector>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut body = json_object(payload).await?;
    let patch = ConnectorPatch {
        config: body.object("config").map(Value::Object),
        metadata: body.object("metadata").map(Value::Object),
    };
    // Logto's `syncProfile` means nothing for passwordless connectors: accepted, ignored.
    let _ = body.bool("syncProfile");
    body.finish()?;
    cmd::update(&state, &request, &id, patch).await?;
    Ok(HttpResponse::Ok().json(read(&state, &id).await?))
}

#[utoipa::path(
    delete,
    path = "/api/connectors/{id}",
    tag = "Connectors",
    operation_id = "DeleteConnector",
    params(("id" = String, Path, description = "Connector id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The sign-in experience sends codes through this connector (a sign-in method by verification code, or a sign-up identifier of its kind): `connector.in_use_by_sign_in_experience`, `data.usedBy` names the settings; nothing is deleted", body = crate::support::error::ErrorBody),
        crate::openapi::responses::ConnectorNotFound
    )
)]
pub(crate) async fn delete(
    state: web::Data<AppState>,
    request: RequestContext,
    id: Id<Connector>,
) -> Result<HttpResponse, ApiError> {
    cmd::delete(&state, &request, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The code a test message carries (Logto's test sends a fixed one too).
const TEST_CODE: &str = "000000";

/// Sends a test message with the `Generic` template: through a configured connector
/// (`{id}` a connector id), or, as Logto's `POST /connectors/{factoryId}/test`, through
/// an unsaved `config` of factory `{id}`. Nothing is recorded.
#[utoipa::path(
    post,
    path = "/api/connectors/{id}/test",
    tag = "Connectors",
    operation_id = "CreateConnectorTest",
    params(("id" = String, Path, description = "Connector id, or a factory id with `config` in the body")),
    request_body = crate::openapi::schemas::TestConnector,
    responses(
        (status = 204, description = "The connector's server accepted the message"),
        crate::openapi::responses::InvalidInput,
        crate::openapi::responses::ConnectorNotFound,
        (status = 502, description = "The connector's server could not be reached or refused the message (`connector.general`; the message says why)", body = crate::support::error::ErrorBody)
    )
)]
pub(crate) async fn test(
    state: web::Data<AppState>,
    request: RequestContext,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let raw = path.into_inner();
    let mut body = json_object(payload).await?;
    let email = body.string("email");
    let phone = body.string("phone");
    let config = body.object("config").map(Value::Object);
    let locale = body.string("locale");
    body.finish()?;
    let (factory, config) = match Factory::from_id(&raw) {
        Some(factory) => {
            let Some(config) = config else {
                return Err(ApiError::invalid_body("config: required to test a factory"));
            };
            cmd::check(&state, factory, &config).await?;
            (factory, config)
        }
        None => {
            let id = Id::<Connector>::parse(&raw)?;
            let connectors = cmd::load(&state).await?;
            let connector = connectors.get(&id).ok_or_else(|| not_found(&raw))?;
            (connector.factory, cmd::open_config(&state, connector)?)
        }
    };
    let kind = factory.kind();
    let to = match (kind, email, phone) {
        (ConnectorKind::Email, Some(to), _) => to,
        (ConnectorKind::Sms, _, Some(to)) => to,
        (ConnectorKind::Email, _, _) => return Err(ApiError::invalid_body("email: required")),
        (ConnectorKind::Sms, _, _) => return Err(ApiError::invalid_body("phone: required")),
    };
    let message = CodeMessage {
        channel: cmd::channel_of(kind),
        to,
        usage: TemplateUsage::Generic,
        code: TEST_CODE.into(),
        locale,
        client_ip: request.0.client_ip.clone(),
    };
    match cmd::send_config(&state, factory, &config, &message).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(DeliveryError::Failed { channel, reason }) => Err(AppError::BadGateway {
            code: "connector.general",
            message: format!("The {channel} connector could not send the test message: {reason}"),
        }
        .into()),
        Err(other) => Err(AppError::internal(other).into()),
    }
}

#[utoipa::path(
    get,
    path = "/api/connector-factories",
    tag = "Connectors",
    operation_id = "ListConnectorFactories",
    responses(
        (status = 200, description = "The connector types Tessera implements", body = Vec<crate::openapi::schemas::ConnectorFactory>)
    )
)]
pub(crate) async fn factories() -> HttpResponse {
    let items: Vec<Value> = Factory::ALL
        .into_iter()
        .map(|f| {
            let mut out = factory_fields(f);
            out.insert("id".into(), f.id().into());
            Value::Object(out)
        })
        .collect();
    HttpResponse::Ok().json(items)
}
