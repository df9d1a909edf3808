//! Logto's webhook payloads, built from the log.
//!
//! `data` describes the entity as of the delivered event: the aggregate is rebuilt from
//! its stream up to the event's global position (today's read model would show later
//! changes, and a deleted user would be gone). A `User.Deleted` payload shows the user as
//! it was just before the deletion.

use crate::delivery::DeliveryError;
use domain::application::Application;
use domain::grant::GrantEvent;
use domain::hook::logto_events as names;
use domain::resource::Resource;
use domain::role::Role;
use domain::sentinel::SentinelEvent;
use domain::session::SessionEvent;
use domain::user::{User, UserState};
use domain::{Actor, Aggregate, RequestLine};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use store::{EventLog, RecordedEvent, StreamRef};

/// An aggregate rebuilt from the events of its stream up to a global position, with the
/// times of its first and last applied events.
struct AsOf<A> {
    aggregate: A,
    created_at: Option<i64>,
    updated_at: Option<i64>,
}

/// Where payloads read aggregates' streams: the log, except for the one stream the
/// caller has already read (the delivered event's own, read with the delivery).
pub struct Streams<'a> {
    log: &'a dyn EventLog,
    known: Option<(&'a StreamRef, &'a [RecordedEvent])>,
}

impl<'a> Streams<'a> {
    /// `events`: all of `stream` as read at some point after the delivered event.
    pub fn with_known(
        log: &'a dyn EventLog,
        stream: &'a StreamRef,
        events: &'a [RecordedEvent],
    ) -> Self {
        Self {
            log,
            known: Some((stream, events)),
        }
    }

    async fn read(&self, stream: &StreamRef) -> Result<Cow<'a, [RecordedEvent]>, DeliveryError> {
        match self.known {
            Some((known, events)) if known == stream => Ok(Cow::Borrowed(events)),
            _ => Ok(Cow::Owned(self.log.read_stream(stream).await?)),
        }
    }
}

async fn as_of<A: Aggregate>(
    log: &Streams<'_>,
    id: &str,
    before_or_at: u64,
) -> Result<AsOf<A>, DeliveryError> {
    let events = log.read(&StreamRef::new(A::STREAM_TYPE, id)).await?;
    let mut out = AsOf {
        aggregate: A::default(),
        created_at: None,
        updated_at: None,
    };
    for recorded in events.iter().filter(|e| e.position.0 <= before_or_at) {
        let event: A::Event = recorded
            .decode()
            .map_err(|e| DeliveryError::Corrupt(format!("{}: {e}", recorded.event_type)))?;
        out.aggregate.apply(&event);
        let at = recorded.metadata.occurred_at.as_millis();
        out.created_at.get_or_insert(at);
        out.updated_at = Some(at);
    }
    Ok(out)
}

/// ISO-8601 UTC with milliseconds, as JavaScript's `Date#toISOString` writes it.
pub fn iso8601(epoch_ms: i64) -> String {
    let day = projections::event_stats::utc_day(epoch_ms);
    let ms = epoch_ms.rem_euclid(86_400_000);
    let (h, m, s, milli) = (
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1_000 % 60,
        ms % 1_000,
    );
    format!("{day}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

/// Logto's user object in webhook payloads.
fn user_json(
    id: &str,
    state: &UserState,
    created_at: Option<i64>,
    updated_at: Option<i64>,
) -> Value {
    let d = &state.details;
    json!({
        "id": id,
        "username": d.username,
        "primaryEmail": d.primary_email,
        "primaryPhone": d.primary_phone,
        "name": d.name,
        "avatar": d.avatar,
        "customData": Value::Object(state.custom_data.clone()),
        "identities": {},
        "lastSignInAt": null,
        "createdAt": created_at,
        "updatedAt": updated_at,
        "profile": Value::Object(d.profile.clone().unwrap_or_default()),
        "applicationId": state.application_id,
        "isSuspended": state.is_suspended,
        "hasPassword": state.password.is_some(),
    })
}

async fn user_at(log: &Streams<'_>, id: &str, position: u64) -> Result<Value, DeliveryError> {
    let user = as_of::<User>(log, id, position).await?;
    Ok(match user.aggregate.state() {
        Some(s) => user_json(id, s, user.created_at, user.updated_at),
        None => Value::Null,
    })
}

async fn application_at(
    log: &Streams<'_>,
    id: &str,
    position: u64,
) -> Result<Value, DeliveryError> {
    let app = as_of::<Application>(log, id, position).await?;
    Ok(match app.aggregate.state() {
        Some(s) => json!({
            "id": id,
            "type": serde_json::to_value(s.app_type).unwrap_or(Value::Null),
            "name": s.settings.name,
            "description": s.settings.description,
        }),
        None => json!({ "id": id }),
    })
}

/// The payload of `logto_event` for hook `hook_id`, and whose personal data it holds (the
/// delivery attempt seals the body under that user's data key).
pub async fn build(
    log: &Streams<'_>,
    event: &RecordedEvent,
    hook_id: &str,
    logto_event: &str,
) -> Result<(Value, Option<String>), DeliveryError> {
    let meta = &event.metadata;
    let mut body = Map::new();
    body.insert("hookId".into(), json!(hook_id));
    body.insert("event".into(), json!(logto_event));
    body.insert(
        "createdAt".into(),
        json!(iso8601(meta.occurred_at.as_millis())),
    );
    body.insert("userAgent".into(), json!(meta.user_agent));
    let position = event.position.0;
    let id = event.stream.stream_id.as_str();
    let mut subject = None;
    match logto_event {
        names::POST_SIGN_IN => {
            let SessionEvent::SignedIn(signed_in) =
                event.decode::<SessionEvent>().map_err(corrupt)?
            else {
                return Err(DeliveryError::Corrupt(
                    "PostSignIn from a non-sign-in event".into(),
                ));
            };
            body.insert("interactionEvent".into(), json!("SignIn"));
            body.insert("sessionId".into(), json!(id));
            body.insert("userId".into(), json!(signed_in.user_id));
            body.insert(
                "userIp".into(),
                json!(signed_in.ip.or(meta.client_ip.clone())),
            );
            body.insert(
                "user".into(),
                user_at(log, &signed_in.user_id, position).await?,
            );
            body.insert(
                "application".into(),
                application_at(log, &signed_in.client_id, position).await?,
            );
            subject = Some(signed_in.user_id);
        }
        names::POST_REGISTER => {
            body.insert("interactionEvent".into(), json!("Register"));
            body.insert("userId".into(), json!(id));
            body.insert("userIp".into(), json!(meta.client_ip));
            body.insert("user".into(), user_at(log, id, position).await?);
            if let Some(app) = event.payload.get("applicationId").and_then(Value::as_str) {
                body.insert(
                    "application".into(),
                    application_at(log, app, position).await?,
                );
            }
            subject = Some(id.to_owned());
        }
        _ if logto_event.starts_with("User.") => {
            // A deleted user is shown as it was just before.
            let at = if logto_event == names::USER_DELETED {
                position - 1
            } else {
                position
            };
            data_event(&mut body, event);
            body.insert("data".into(), user_at(log, id, at).await?);
            subject = Some(id.to_owned());
        }
        _ if logto_event.starts_with("Role.") => {
            let at = if logto_event == names::ROLE_DELETED {
                position - 1
            } else {
                position
            };
            let role = as_of::<Role>(log, id, at).await?;
            data_event(&mut body, event);
            body.insert(
                "data".into(),
                match role.aggregate.state() {
                    Some(s) => json!({
                        "tenantId": projections::TENANT_ID,
                        "id": id,
                        "name": s.name,
                        "description": s.description,
                        "type": projections::roles::role_type_name(s.role_type),
                        "isDefault": s.is_default,
                    }),
                    None => Value::Null,
                },
            );
        }
        _ if logto_event.starts_with("Scope.") => {
            let scope_id = event
                .payload
                .get("scopeId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let resource = as_of::<Resource>(log, id, position - 1).await?;
            let after = as_of::<Resource>(log, id, position).await?;
            let scope = after
                .aggregate
                .state()
                .and_then(|s| s.scope(&scope_id))
                .or_else(|| resource.aggregate.state().and_then(|s| s.scope(&scope_id)));
            data_event(&mut body, event);
            body.insert(
                "data".into(),
                match scope {
                    Some(s) => json!({
                        "tenantId": projections::TENANT_ID,
                        "id": s.id,
                        "resourceId": id,
                        "name": s.name,
                        "description": s.description,
                    }),
                    None => Value::Null,
                },
            );
        }
        names::IDENTIFIER_LOCKOUT => {
            // Logto's exception payload: the locked identifier's type and value at the top
            // level. The value is personal data, sealed like the event's.
            let SentinelEvent::IdentifierLockedOut(locked) =
                event.decode::<SentinelEvent>().map_err(corrupt)?
            else {
                return Err(DeliveryError::Corrupt(
                    "Identifier.Lockout from a non-lockout event".into(),
                ));
            };
            body.insert("type".into(), json!(locked.identifier_type));
            body.insert("value".into(), json!(locked.value));
            body.insert("userIp".into(), json!(meta.client_ip));
            if let Some(user_id) = &locked.user_id {
                body.insert("userId".into(), json!(user_id));
            }
            body.insert(
                "lockedUntil".into(),
                json!(iso8601(locked.until.as_millis())),
            );
            subject = Some(locked.user_id.unwrap_or_else(|| id.to_owned()));
        }
        names::GRANT_LIMIT_EXCEEDED => {
            let GrantEvent::GrantRevoked(revoked) =
                event.decode::<GrantEvent>().map_err(corrupt)?
            else {
                return Err(DeliveryError::Corrupt(
                    "Grant.LimitExceeded from a non-revocation".into(),
                ));
            };
            let limit = revoked
                .limit
                .ok_or_else(|| DeliveryError::Corrupt("GrantRevoked without its limit".into()))?;
            body.insert(
                "data".into(),
                serde_json::to_value(&limit).map_err(corrupt)?,
            );
            subject = Some(limit.user_id);
        }
        _ => {
            data_event(&mut body, event);
            body.insert("data".into(), (*event.payload).clone());
        }
    }
    Ok((Value::Object(body), subject))
}

/// Fields of data events: the caller's IP, the request that made the change (Logto's
/// API-hook context) and, for an application, its id.
fn data_event(body: &mut Map<String, Value>, event: &RecordedEvent) {
    body.insert("ip".into(), json!(event.metadata.client_ip));
    if let Some(request) = event.metadata.request.as_ref().and_then(api_request) {
        body.extend(request);
    }
    if let Actor::Application(app) = &event.metadata.actor {
        body.insert("application".into(), json!({ "id": app }));
    }
}

/// Logto's `path`, `method`, `params` and `matchedRoute` for a change made through the
/// Management or Account API. Logto mounts those APIs at `/api` and reports paths below
/// the mount in koa-router's syntax (`/users/:userId`); Tessera's routes carry the same
/// parameter names, so stripping the prefix and rewriting `{name}` to `:name` gives
/// Logto's values. Logto's `status` (the response's) is not sent: the event is recorded
/// before the response exists. Changes made elsewhere (the sign-in flow) carry none, as
/// in Logto.
fn api_request(request: &RequestLine) -> Option<Map<String, Value>> {
    let path = request.path.strip_prefix("/api")?.to_owned();
    if !path.starts_with('/') || path.starts_with("/experience") {
        return None;
    }
    let mut fields = Map::new();
    fields.insert("path".into(), json!(path));
    fields.insert("method".into(), json!(request.method));
    fields.insert("params".into(), json!(request.params));
    if let Some(route) = request
        .route
        .as_deref()
        .and_then(|r| r.strip_prefix("/api"))
    {
        fields.insert("matchedRoute".into(), json!(koa_route(route)));
    }
    Some(fields)
}

/// `/users/{userId}/roles/{roleId}` → `/users/:userId/roles/:roleId`.
fn koa_route(route: &str) -> String {
    route
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => format!(":{name}"),
                None => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

fn corrupt(e: serde_json::Error) -> DeliveryError {
    DeliveryError::Corrupt(e.to_string())
}

/// The sample payload `POST /api/hooks/:id/test` sends for `logto_event`.
pub fn sample(hook_id: &str, logto_event: &str, now_ms: i64) -> Value {
    let user = json!({
        "id": "fake-id",
        "username": "fake-user",
        "primaryEmail": "fake-user@fake-service.com",
        "primaryPhone": null,
        "name": "Fake User",
        "avatar": null,
        "customData": {},
        "identities": {},
        "lastSignInAt": now_ms,
        "createdAt": now_ms,
        "updatedAt": now_ms,
        "profile": {},
        "applicationId": "fake-application-id",
        "isSuspended": false,
    });
    let mut body = json!({
        "hookId": hook_id,
        "event": logto_event,
        "createdAt": iso8601(now_ms),
        "userAgent": "Tessera hook test",
    });
    if names::is_interaction(logto_event) {
        body["interactionEvent"] = json!("SignIn");
        body["sessionId"] = json!("fake-session-id");
        body["userId"] = json!("fake-id");
        body["userIp"] = json!("127.0.0.1");
        body["user"] = user;
        body["application"] = json!({"id": "fake-application-id", "type": "Traditional", "name": "Fake Application", "description": null});
    } else {
        body["data"] = if logto_event.starts_with("User.") {
            user
        } else {
            json!({"id": "fake-id"})
        };
    }
    body
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_matches_javascript() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::iso8601(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
    }

    fn line(method: &str, path: &str, route: &str, params: &[(&str, &str)]) -> super::RequestLine {
        super::RequestLine {
            method: method.into(),
            path: path.into(),
            route: Some(route.into()),
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn api_requests_are_reported_below_the_mount_in_koa_syntax() {
        let fields = super::api_request(&line(
            "DELETE",
            "/api/users/u1/roles/r2",
            "/api/users/{userId}/roles/{roleId}",
            &[("userId", "u1"), ("roleId", "r2")],
        ))
        .expect("a Management API request");
        assert_eq!(fields["path"], "/users/u1/roles/r2");
        assert_eq!(fields["method"], "DELETE");
        assert_eq!(fields["matchedRoute"], "/users/:userId/roles/:roleId");
        assert_eq!(
            fields["params"],
            serde_json::json!({"userId": "u1", "roleId": "r2"})
        );
    }

    #[test]
    fn sign_in_flow_requests_carry_no_api_context() {
        for path in [
            "/api/experience/submit",
            "/oidc/token",
            "/apiary",
            "/sign-in",
        ] {
            assert!(
                super::api_request(&line("POST", path, path, &[])).is_none(),
                "{path}"
            );
        }
    }
}
