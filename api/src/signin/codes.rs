//! Hosted pages for one-time codes, without JavaScript: sign in with a code
//! (`/sign-in/code`) and forgot password (`/forgot-password`, its last step in
//! `forgot.rs`). Each flow asks for an email address or phone number, sends a code
//! (`app::verification_codes`, the same service as the Experience API), shows the code
//! entry page (with a resend), then checks the code. The address lives in the sealed
//! interaction cookie (`Interaction::pending_code`), never in a URL or a plain cookie.

use super::experience::code::{existing_user, identifier_of};
use super::experience::verification::holder_of;
use super::form::{csrf_ok, expired, failed, forbidden, see_other, signed_in};
use super::interaction::{Interaction, PendingCode, PendingRegistration};
use super::page;
use crate::i18n::Phrases;
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use app::delivery::TemplateUsage;
use app::AppError;
use domain::identifier::{Identifier, IdentifierKind};
use domain::session::Session;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct AddressForm {
    #[serde(default)]
    identifier: String,
    /// Set by the code entry page's "Resend code" button: the same address again.
    #[serde(default)]
    resend: Option<String>,
    /// Registration, when the sign-up settings ask for a password.
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    csrf_token: String,
}

/// Which flow a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    SignIn,
    ForgotPassword,
    /// Registration by a verified email address or phone number (`/register/code`).
    Register,
}

impl Flow {
    fn usage(self) -> TemplateUsage {
        match self {
            Self::SignIn => TemplateUsage::SignIn,
            Self::ForgotPassword => TemplateUsage::ForgotPassword,
            Self::Register => TemplateUsage::Register,
        }
    }

    fn route(self) -> &'static str {
        match self {
            Self::SignIn => "/sign-in/code",
            Self::ForgotPassword => "/forgot-password",
            Self::Register => "/register/code",
        }
    }

    fn title_key(self) -> &'static str {
        match self {
            Self::SignIn => "code-sign-in-title",
            Self::ForgotPassword => "reset-password-title",
            Self::Register => "register-title",
        }
    }

    fn intro_key(self) -> Option<&'static str> {
        match self {
            Self::SignIn => None,
            Self::ForgotPassword => Some("reset-password-intro"),
            Self::Register => None,
        }
    }
}

/// The code this interaction sent for `flow`, if any.
pub(super) fn pending(i: &Interaction, flow: Flow) -> Option<&PendingCode> {
    i.pending_code.as_ref().filter(|c| c.usage == flow.usage())
}

/// The live interaction and its phrases, or the page saying it expired.
pub(super) async fn open(
    state: &AppState,
    req: &HttpRequest,
) -> Result<(Interaction, Phrases), HttpResponse> {
    let Some(i) = super::interactions::find(state, req) else {
        return Err(expired(&super::phrases(state, req, &[]).await));
    };
    let p = super::phrases(state, req, &i.ui_locales).await;
    Ok((i, p))
}

/// A redirect that keeps the updated interaction (sealed) in its cookie.
pub(super) fn redirect_with(
    state: &AppState,
    i: &Interaction,
    location: &str,
    p: &Phrases,
) -> HttpResponse {
    let mut r = see_other(&i.page(location));
    match super::interactions::save(state, &mut r, i, state.sign_in.lifetimes.interaction) {
        Ok(()) => r.finish(),
        Err(e) => failed(p, e),
    }
}

async fn address_page(
    state: &AppState,
    i: &Interaction,
    p: &Phrases,
    flow: Flow,
    identifier: &str,
    error: Option<(StatusCode, &str)>,
) -> HttpResponse {
    let look = super::look(state, &i.client_id).await;
    // Registration asks for the password with the address when the sign-up settings do.
    let password = flow == Flow::Register
        && app::sign_in_experience::current(state)
            .await
            .is_ok_and(|s| s.sign_up.password);
    let form = page::CodeAddress {
        action: flow.route(),
        title_key: flow.title_key(),
        intro_key: flow.intro_key(),
        csrf: &i.csrf,
        identifier,
        password,
    };
    let body = page::code_address(&look, p, &form, error.map(|(_, e)| e));
    page::respond(error.map_or(StatusCode::OK, |(s, _)| s), p, body)
}

async fn enter_page(
    state: &AppState,
    i: &Interaction,
    p: &Phrases,
    flow: Flow,
    target: &str,
    error: Option<(StatusCode, &str)>,
) -> HttpResponse {
    let look = super::look(state, &i.client_id).await;
    let body = page::code_enter(
        &look,
        p,
        flow.route(),
        flow.title_key(),
        &i.csrf,
        target,
        error.map(|(_, e)| e),
    );
    page::respond(error.map_or(StatusCode::OK, |(s, _)| s), p, body)
}

/// The typed address: an email address when it holds an `@`, else a phone number; the
/// phrase key saying what is wrong when it is neither.
fn parse_address(text: &str) -> Result<Identifier, &'static str> {
    if text.contains('@') {
        Identifier::email(text).map_err(|_| "email-invalid")
    } else {
        Identifier::phone(text).map_err(|_| "phone-invalid")
    }
}

/// What the page says when a code could not be sent; `None`: not the visitor's problem
/// nor the connector's (a 500 page).
fn send_failure(p: &Phrases, kind: IdentifierKind, e: &AppError) -> Option<(StatusCode, String)> {
    match e {
        AppError::NotImplemented { .. } => {
            let key = if kind == IdentifierKind::Phone {
                "delivery-no-sms-connector"
            } else {
                "delivery-no-email-connector"
            };
            Some((StatusCode::NOT_IMPLEMENTED, p.text(key)))
        }
        AppError::BadGateway { .. } => Some((StatusCode::BAD_GATEWAY, p.text("delivery-failed"))),
        AppError::Locked { .. } => {
            Some((StatusCode::TOO_MANY_REQUESTS, p.text("delivery-too-many")))
        }
        _ => None,
    }
}

/// A send the address's throttle refused (429, `Retry-After`): says when to try again;
/// after "Resend code" on the code entry page, whose code still works, that page again.
async fn throttled(
    state: &AppState,
    i: &Interaction,
    p: &Phrases,
    flow: Flow,
    shown: &str,
    resend: bool,
    retry_after_secs: i64,
) -> HttpResponse {
    let secs = retry_after_secs.max(1);
    let text = match (secs < 120, resend) {
        (true, true) => p.format("code-resend-wait", &[("seconds", secs.to_string())]),
        (true, false) => p.format("code-send-wait-seconds", &[("seconds", secs.to_string())]),
        (false, _) => p.format(
            "code-send-wait-minutes",
            &[("minutes", ((secs + 59) / 60).to_string())],
        ),
    };
    let error = Some((StatusCode::TOO_MANY_REQUESTS, text.as_str()));
    let mut r = if resend && pending(i, flow).is_some() {
        enter_page(state, i, p, flow, shown, error).await
    } else {
        address_page(state, i, p, flow, shown, error).await
    };
    r.headers_mut().insert(
        actix_web::http::header::RETRY_AFTER,
        actix_web::http::header::HeaderValue::from(secs),
    );
    r
}

/// `GET` of a flow's first page: the address.
pub(super) async fn show_address(state: &AppState, req: &HttpRequest, flow: Flow) -> HttpResponse {
    let (i, p) = match open(state, req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let hint = i.login_hint.clone().unwrap_or_default();
    address_page(state, &i, &p, flow, &hint, None).await
}

/// `POST` of the address (or of "Resend code"): sends a code, then on to the code entry.
pub(super) async fn send(
    state: &AppState,
    req: &HttpRequest,
    request: &RequestContext,
    form: &AddressForm,
    flow: Flow,
) -> HttpResponse {
    let (mut i, p) = match open(state, req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    let typed = form.identifier.trim();
    let parsed = match (form.resend.is_some(), pending(&i, flow)) {
        (true, Some(c)) => identifier_of(c.kind, &c.value).map_err(|_| "email-invalid"),
        _ => parse_address(typed),
    };
    let identifier = match parsed {
        Ok(id) => id,
        Err(key) => {
            let error = Some((StatusCode::BAD_REQUEST, p.text(key)));
            let error = error.as_ref().map(|(s, t)| (*s, t.as_str()));
            return address_page(state, &i, &p, flow, typed, error).await;
        }
    };
    if flow == Flow::SignIn {
        let offered = match app::sign_in_experience::current(state).await {
            Ok(s) => app::sign_in_experience::code_sign_in(&s, &identifier),
            Err(e) => return failed(&p, e),
        };
        if !offered {
            let text = p.text("code-not-offered");
            let error = Some((StatusCode::BAD_REQUEST, text.as_str()));
            return address_page(state, &i, &p, flow, typed, error).await;
        }
    }
    let mut digest = None;
    if flow == Flow::Register {
        match registration_checks(
            state,
            &p,
            &identifier,
            &form.password,
            form.resend.is_some(),
        )
        .await
        {
            Ok(d) => digest = d,
            Err(Refusal::Page(r)) => return r,
            Err(Refusal::Form(status, text)) => {
                return address_page(state, &i, &p, flow, typed, Some((status, &text))).await
            }
        }
        // A resend keeps the password chosen with the address.
        if form.resend.is_some() {
            digest = pending(&i, flow).and_then(|c| c.digest.clone());
        }
    }
    let locale = Some(p.lang().to_owned());
    let sent =
        app::verification_codes::send(state, request, &identifier, flow.usage(), locale).await;
    let sent = match sent {
        Ok(sent) => sent,
        Err(AppError::TooManyCodeSends { retry_after_secs }) => {
            let resend = form.resend.is_some();
            let shown = identifier.normalized().to_owned();
            return throttled(state, &i, &p, flow, &shown, resend, retry_after_secs).await;
        }
        Err(e) => {
            let Some((status, text)) = send_failure(&p, identifier.kind(), &e) else {
                return failed(&p, e);
            };
            let shown = identifier.normalized().to_owned();
            return address_page(state, &i, &p, flow, &shown, Some((status, &text))).await;
        }
    };
    i.pending_code = Some(PendingCode {
        usage: flow.usage(),
        verification_id: sent.verification_id,
        kind: identifier.kind(),
        value: identifier.normalized().to_owned(),
        verified: false,
        user_id: None,
        digest,
    });
    redirect_with(state, &i, &format!("{}/verify", flow.route()), &p)
}

/// `GET` of the code entry page; back to the address when no code was sent.
pub(super) async fn show_code(state: &AppState, req: &HttpRequest, flow: Flow) -> HttpResponse {
    let (i, p) = match open(state, req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(target) = pending(&i, flow).map(|c| c.value.clone()) else {
        return see_other(&i.page(flow.route())).finish();
    };
    enter_page(state, &i, &p, flow, &target, None).await
}

/// `POST` of the code: a right one signs in (or, forgot password, leads to the new
/// password); a wrong, spent or expired one shows the page again saying what to do.
pub(super) async fn verify(
    state: &AppState,
    req: &HttpRequest,
    request: &RequestContext,
    form: &CodeForm,
    flow: Flow,
) -> HttpResponse {
    let (mut i, p) = match open(state, req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    let Some(code) = pending(&i, flow).cloned() else {
        return see_other(&i.page(flow.route())).finish();
    };
    let identifier = match identifier_of(code.kind, &code.value) {
        Ok(id) => id,
        Err(e) => return failed(&p, e),
    };
    let holder = match holder_of(state, &identifier).await {
        Ok(h) => h,
        Err(e) => return failed(&p, e),
    };
    let checked = app::verification_codes::verify(
        state,
        request,
        &code.verification_id,
        &identifier,
        &form.code,
        holder.as_deref(),
    )
    .await;
    let refused = match checked {
        Ok(()) => None,
        Err(AppError::Locked { retry_after_secs }) => Some(p.format(
            "sign-in-locked",
            &[("seconds", retry_after_secs.max(1).to_string())],
        )),
        Err(AppError::BadRequest {
            code: "verification_code.code_mismatch",
            ..
        }) => Some(p.text("code-invalid")),
        // Expired, spent by wrong guesses, or unknown: only a new code helps.
        Err(AppError::BadRequest { .. } | AppError::NotFound { .. }) => {
            Some(p.text("code-expired"))
        }
        Err(e) => return failed(&p, e),
    };
    if let Some(text) = refused {
        let error = Some((StatusCode::BAD_REQUEST, text.as_str()));
        return enter_page(state, &i, &p, flow, &code.value, error).await;
    }
    if flow == Flow::Register {
        i.pending_code = None;
        let fields = match app::custom_profile_fields::list(state).await {
            Ok(f) => f,
            Err(e) => return failed(&p, e),
        };
        let address = (code.kind, code.value.as_str());
        if fields.is_empty() {
            let none = serde_json::Map::new();
            return register_verified(state, request, i, address, code.digest, &none, &p).await;
        }
        // The profile step creates the account (`profile_step.rs`).
        i.pending_registration = Some(PendingRegistration {
            username: None,
            digest: code.digest,
            verified: Some((code.kind, code.value.clone())),
        });
        return redirect_with(state, &i, "/register/profile", &p);
    }
    let user_id = match existing_user(state, &identifier).await {
        Ok(id) => id,
        Err(e) => {
            let key = match e.code() {
                "user.suspended" => "sign-in-suspended",
                "user.user_not_exist" => "code-no-account",
                _ => return failed(&p, e),
            };
            i.pending_code = None;
            let text = p.text(key);
            let error = Some((StatusCode::BAD_REQUEST, text.as_str()));
            let body = address_page(state, &i, &p, flow, &code.value, error).await;
            return body;
        }
    };
    match flow {
        Flow::SignIn => {
            i.pending_code = None;
            let version = match state
                .store
                .repository()
                .load::<Session>(&i.session_id)
                .await
            {
                Ok(l) => l.version,
                Err(e) => return failed(&p, e),
            };
            signed_in(state, request, i, user_id, version, &p).await
        }
        Flow::Register => failed(&p, "registration is finished above"),
        Flow::ForgotPassword => {
            i.pending_code = Some(PendingCode {
                verified: true,
                user_id: Some(user_id),
                ..code
            });
            redirect_with(state, &i, "/forgot-password/new", &p)
        }
    }
}

/// Why a registration's address step stops: a page of its own, or the form again.
enum Refusal {
    Page(HttpResponse),
    Form(StatusCode, String),
}

/// Registration by address: open, offered for this kind of address, the address free,
/// and the password (when the sign-up settings ask for one) within the policy; its digest.
async fn registration_checks(
    state: &AppState,
    p: &Phrases,
    identifier: &Identifier,
    password: &str,
    resend: bool,
) -> Result<Option<domain::password::PasswordDigest>, Refusal> {
    if app::registration::permit(state).await.is_err() {
        return Err(Refusal::Page(page::error(
            p,
            StatusCode::NOT_FOUND,
            "registration-closed-title",
            "registration-closed",
        )));
    }
    let settings = app::sign_in_experience::current(state)
        .await
        .map_err(|e| Refusal::Page(failed(p, e)))?;
    if !app::sign_in_experience::registers_with(&settings, identifier) || !settings.sign_up.verify {
        return Err(Refusal::Form(
            StatusCode::BAD_REQUEST,
            p.text("register-code-not-offered"),
        ));
    }
    match holder_of(state, identifier).await {
        Ok(None) => {}
        Ok(Some(_)) => {
            let key = if identifier.kind() == IdentifierKind::Phone {
                "phone-taken"
            } else {
                "email-taken"
            };
            return Err(Refusal::Form(StatusCode::BAD_REQUEST, p.text(key)));
        }
        Err(e) => return Err(Refusal::Page(failed(p, e))),
    }
    if !settings.sign_up.password || resend {
        return Ok(None);
    }
    let info = if identifier.kind() == IdentifierKind::Phone {
        domain::password::policy::UserInfo {
            phone: Some(identifier.normalized()),
            ..Default::default()
        }
    } else {
        domain::password::policy::UserInfo {
            email: Some(identifier.normalized()),
            ..Default::default()
        }
    };
    use crate::support::error::ApiError;
    match super::check_new_password(state, password, &info).await {
        Ok(()) => {}
        Err(ApiError::App(AppError::PasswordRejected(issues))) => {
            let text: Vec<String> = issues
                .iter()
                .map(|issue| format!("{} ({})", super::register::describe(p, issue), issue.code))
                .collect();
            return Err(Refusal::Form(
                StatusCode::UNPROCESSABLE_ENTITY,
                text.join(" "),
            ));
        }
        Err(ApiError::App(AppError::Busy)) => return Err(Refusal::Page(super::form::busy(p))),
        Err(e) => return Err(Refusal::Page(failed(p, e))),
    }
    match app::commands::users::hash(state, password.to_owned()).await {
        Ok(d) => Ok(Some(d)),
        Err(AppError::Busy) => Err(Refusal::Page(super::form::busy(p))),
        Err(e) => Err(Refusal::Page(failed(p, e))),
    }
}

/// Creates the account holding the verified address (the Experience API's `register`:
/// the password the sign-up settings require, the profile fields' rule), then signs in.
pub(super) async fn register_verified(
    state: &AppState,
    request: &RequestContext,
    i: Interaction,
    (kind, value): (IdentifierKind, &str),
    digest: Option<domain::password::PasswordDigest>,
    values: &serde_json::Map<String, serde_json::Value>,
    p: &Phrases,
) -> HttpResponse {
    let identifier = match identifier_of(kind, value) {
        Ok(id) => id,
        Err(e) => return failed(p, e),
    };
    let created = super::experience::code::register(
        state,
        request,
        &i.client_id,
        &identifier,
        digest,
        values,
    )
    .await;
    let user_id = match created {
        Ok(id) => id,
        Err(e) => {
            let key = match e.code() {
                "user.missing_profile" => "profile-missing",
                "user.email_already_in_use" => "email-taken",
                "user.phone_already_in_use" => "phone-taken",
                _ => return failed(p, e),
            };
            return page::error_text(p, StatusCode::BAD_REQUEST, "register-title", &p.text(key));
        }
    };
    let version = match state
        .store
        .repository()
        .load::<Session>(&i.session_id)
        .await
    {
        Ok(l) => l.version,
        Err(e) => return failed(p, e),
    };
    super::form::registered(state, request, i, user_id, version, p).await
}
