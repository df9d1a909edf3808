//! The hosted registration's last step, "Tell us about yourself" (`/register/profile`):
//! when custom profile fields exist, `/register` keeps the checked username and the hashed
//! password in the sealed interaction cookie and sends the browser here; one input per
//! field (type-appropriate; address and full name by part), checked with the same rules
//! as the Experience API (`app::custom_profile_fields::{check_values, missing}`); only
//! then is the account created. No account without its required fields on any path.

use super::codes::open;
use super::form::{csrf_ok, forbidden, see_other};
use super::interaction::Interaction;
use super::page;
use super::register::create_and_sign_in;
use crate::i18n::Phrases;
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::commands::users::PasswordInput;
use domain::custom_profile_fields::{CustomProfileField, FieldType};
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Serialize)]
struct OptionView<'a> {
    label: &'a str,
    value: &'a str,
    selected: bool,
}

#[derive(Serialize)]
struct PartView {
    id: String,
    name: String,
    /// `streetAddress`, `givenName`, …: the template names it (`profile-part-<key>`).
    key: String,
    value: String,
}

/// What the template reads of one field (`kind`: an input type, `select`, `checkbox` or
/// `parts`).
#[derive(Serialize)]
struct FieldView<'a> {
    id: String,
    name: &'a str,
    label: &'a str,
    description: Option<&'a str>,
    required: bool,
    kind: &'static str,
    value: String,
    checked: bool,
    options: Vec<OptionView<'a>>,
    parts: Vec<PartView>,
}

/// The submitted value of `name` in the form's pairs, trimmed.
fn submitted<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim())
}

fn views<'a>(fields: &'a [CustomProfileField], pairs: &[(String, String)]) -> Vec<FieldView<'a>> {
    fields
        .iter()
        .map(|f| {
            let value = submitted(pairs, &f.name).unwrap_or_default().to_owned();
            let kind = match f.field_type {
                FieldType::Number => "number",
                FieldType::Date => "date",
                FieldType::Url => "url",
                FieldType::Checkbox => "checkbox",
                FieldType::Select => "select",
                FieldType::Address | FieldType::Fullname => "parts",
                FieldType::Text | FieldType::Regex => "text",
            };
            let parts = f
                .config
                .parts
                .iter()
                .filter(|p| p.enabled)
                .map(|p| {
                    let name = format!("{}.{}", f.name, p.key);
                    PartView {
                        id: format!("f-{}-{}", f.name, p.key),
                        value: submitted(pairs, &name).unwrap_or_default().to_owned(),
                        name,
                        key: p.key.clone(),
                    }
                })
                .collect();
            FieldView {
                id: format!("f-{}", f.name),
                name: &f.name,
                label: &f.label,
                description: f.description.as_deref(),
                required: f.required,
                kind,
                checked: !value.is_empty(),
                options: f
                    .config
                    .options
                    .iter()
                    .map(|o| OptionView {
                        label: &o.label,
                        value: &o.value,
                        selected: o.value == value,
                    })
                    .collect(),
                parts,
                value,
            }
        })
        .collect()
}

/// The form's answers as the Experience API's `extraProfile` values: empty inputs left
/// out (so `missing` sees them), numbers as numbers, a checkbox as `true`, or `false`
/// when unticked and optional (a required one must be ticked), parts as an object.
fn values(fields: &[CustomProfileField], pairs: &[(String, String)]) -> Map<String, Value> {
    let mut out = Map::new();
    for f in fields {
        let own = submitted(pairs, &f.name).filter(|v| !v.is_empty());
        let value = match f.field_type {
            FieldType::Address | FieldType::Fullname => {
                let parts: Map<String, Value> = f
                    .config
                    .parts
                    .iter()
                    .filter(|p| p.enabled)
                    .filter_map(|p| {
                        submitted(pairs, &format!("{}.{}", f.name, p.key))
                            .filter(|v| !v.is_empty())
                            .map(|v| (p.key.clone(), Value::String(v.to_owned())))
                    })
                    .collect();
                (!parts.is_empty()).then_some(Value::Object(parts))
            }
            FieldType::Checkbox => match (own.is_some(), f.required) {
                (true, _) => Some(Value::Bool(true)),
                (false, false) => Some(Value::Bool(false)),
                (false, true) => None,
            },
            // Not a number: kept as text, so the check names the field.
            FieldType::Number => own.map(|v| {
                v.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Value::String(v.to_owned()), Value::Number)
            }),
            _ => own.map(|v| Value::String(v.to_owned())),
        };
        if let Some(value) = value {
            out.insert(f.name.clone(), value);
        }
    }
    out
}

async fn step_page(
    state: &AppState,
    i: &Interaction,
    p: &Phrases,
    fields: &[CustomProfileField],
    pairs: &[(String, String)],
    error: Option<(StatusCode, &str)>,
) -> HttpResponse {
    let look = super::look(state, &i.client_id).await;
    let name = super::form::app_name(state, &i.client_id).await;
    let fields = views(fields, pairs);
    let body = page::profile_form(&look, p, &name, &i.csrf, &fields, error.map(|(_, e)| e));
    page::respond(error.map_or(StatusCode::OK, |(s, _)| s), p, body)
}

#[utoipa::path(
    get,
    path = "/register/profile",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowRegisterProfile",
    responses(
        (status = 200, description = "The profile step: one input per custom profile field", content_type = "text/html", body = String),
        (status = 303, description = "No registration waiting: back to `/register`"),
        (status = 400, description = "No or expired interaction", content_type = "text/html", body = String)
    )
)]
pub async fn show_profile(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let (i, p) = match open(&state, &req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if i.pending_registration.is_none() {
        return see_other(&i.page("/register")).finish();
    }
    let fields = match app::custom_profile_fields::list(&state).await {
        Ok(f) => f,
        Err(e) => return super::form::failed(&p, e),
    };
    step_page(&state, &i, &p, &fields, &[], None).await
}

#[utoipa::path(
    post,
    path = "/register/profile",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "RegisterProfile",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "One field per custom profile field (`<name>`, or `<name>.<part>` for address and full name)"),
    responses(
        (status = 303, description = "Registered and signed in (or, no registration waiting, back to `/register`)"),
        (status = 400, description = "A value its field refuses: the step again, naming it (or the username was taken meanwhile)", content_type = "text/html", body = String),
        (status = 403, description = "CSRF token missing or wrong", content_type = "text/html", body = String),
        (status = 422, description = "A required field is empty: the step again", content_type = "text/html", body = String)
    )
)]
pub async fn register_profile(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let (i, p) = match open(&state, &req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let pairs = form.into_inner();
    let csrf = submitted(&pairs, "csrf_token").unwrap_or_default();
    if !csrf_ok(&i, csrf) {
        return forbidden(&p);
    }
    let Some(pending) = i.pending_registration.clone() else {
        return see_other(&i.page("/register")).finish();
    };
    let fields = match app::custom_profile_fields::list(&state).await {
        Ok(f) => f,
        Err(e) => return super::form::failed(&p, e),
    };
    let values = values(&fields, &pairs);
    if let Err(e) = app::custom_profile_fields::check_values(&fields, &values) {
        let text = match &e {
            app::AppError::InvalidInput { details, .. } => details.clone(),
            _ => return super::form::failed(&p, e),
        };
        let error = Some((StatusCode::BAD_REQUEST, text.as_str()));
        return step_page(&state, &i, &p, &fields, &pairs, error).await;
    }
    if !app::custom_profile_fields::missing(&fields, &values).is_empty() {
        let text = p.text("profile-missing");
        let error = Some((StatusCode::UNPROCESSABLE_ENTITY, text.as_str()));
        return step_page(&state, &i, &p, &fields, &pairs, error).await;
    }
    if let Some((kind, value)) = &pending.verified {
        return super::codes::register_verified(
            &state,
            &request,
            i,
            (*kind, value),
            pending.digest,
            &values,
            &p,
        )
        .await;
    }
    let (Some(username), Some(digest)) = (pending.username, pending.digest) else {
        return see_other(&i.page("/register")).finish();
    };
    let password = PasswordInput::Digest(digest);
    let created = create_and_sign_in(&state, &request, i, &username, password, &values, &p);
    match created.await {
        Ok(r) => r,
        // The username went to someone else meanwhile: say so; `/register` starts over.
        Err((status, text)) => page::error_text(&p, status, "register-title", &text),
    }
}
