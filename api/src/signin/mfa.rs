//! The hosted pages' second factors (docs/mfa.md#hosted-pages), without JavaScript: after
//! the credentials, [`gate`] asks the `mfa` policy for the next step; while one is left
//! the user is on `/sign-in/mfa` (the interaction holds a `PendingMfa`), else the session
//! starts.
//!
//! - verify: a code of the authenticator app, or a backup code instead;
//! - bind: the onboarding question first when the policy lets the user decline, then the
//!   QR code (an `<img>` of a data URL), the secret as text and the code that confirms it;
//! - backup codes: generated and bound on a POST, shown once with a download link.
//!
//! Each step is the same event `app::mfa` records for the Experience API.

use super::form::{csrf_ok, expired, failed, forbidden, see_other, start_session};
use super::interaction::{Interaction, PendingMfa};
use super::page;
use crate::i18n::Phrases;
use crate::state::AppState;
use crate::support::request::RequestContext;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use app::AppError;
use domain::mfa_policy::MfaStep;
use domain::user::mfa::MfaFactor;
use serde::Deserialize;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/sign-in/mfa")
                .route(web::get().to(show))
                .default_service(na()),
        )
        .resource(
            web::resource("/sign-in/mfa/verify")
                .route(web::post().to(verify))
                .default_service(na()),
        )
        .resource(
            web::resource("/sign-in/mfa/bind")
                .route(web::post().to(bind))
                .default_service(na()),
        )
        .resource(
            web::resource("/sign-in/mfa/backup-codes")
                .route(web::post().to(backup_codes))
                .default_service(na()),
        )
        .resource(
            web::resource("/sign-in/mfa/skip")
                .route(web::post().to(skip))
                .default_service(na()),
        )
        .resource(
            web::resource("/sign-in/mfa/continue")
                .route(web::post().to(proceed))
                .default_service(na()),
        );
}

/// After the credentials (`register`: a registration): the MFA page while the policy asks
/// for a step, else the session. The progress of an earlier step of the same user is kept.
pub(crate) async fn gate(
    state: &AppState,
    request: &RequestContext,
    mut i: Interaction,
    user_id: String,
    version: u64,
    register: bool,
    p: &Phrases,
) -> HttpResponse {
    let mut pending = match i.pending_mfa.take() {
        Some(m) if m.user_id == user_id => m,
        _ => PendingMfa {
            user_id: user_id.clone(),
            register,
            version,
            progress: Default::default(),
            new_totp_secret: None,
        },
    };
    match app::mfa::next_step(state, &user_id, pending.event(), &pending.progress).await {
        Ok(None) => start_session(state, request, i, user_id, pending.version, p).await,
        Ok(Some(_)) => {
            pending.new_totp_secret = None;
            i.pending_mfa = Some(pending);
            let mut r = see_other(&i.page("/sign-in/mfa"));
            match super::interactions::save(state, &mut r, &i, state.sign_in.lifetimes.interaction)
            {
                Ok(()) => r.finish(),
                Err(e) => failed(p, e),
            }
        }
        Err(e) => failed(p, e),
    }
}

/// The interaction and its pending MFA step, or the page that says why not.
async fn open(
    state: &AppState,
    req: &HttpRequest,
) -> Result<(Interaction, PendingMfa, Phrases), HttpResponse> {
    let Some(i) = super::interactions::find(state, req) else {
        return Err(expired(&super::phrases(state, req, &[]).await));
    };
    let p = super::phrases(state, req, &i.ui_locales).await;
    match i.pending_mfa.clone() {
        Some(m) => Ok((i, m, p)),
        None => Err(expired(&p)),
    }
}

fn as_user(request: &RequestContext, user_id: &str) -> RequestContext {
    RequestContext(request.0.acting_as(domain::Actor::User(user_id.to_owned())))
}

/// Back through the gate with `m`'s progress: the next step, or the session.
async fn next(
    state: &AppState,
    request: &RequestContext,
    mut i: Interaction,
    m: PendingMfa,
    p: &Phrases,
) -> HttpResponse {
    let (user_id, version, register) = (m.user_id.clone(), m.version, m.register);
    i.pending_mfa = Some(m);
    gate(state, request, i, user_id, version, register, p).await
}

/// What a page of a step shows.
enum View<'a> {
    Verify {
        factor: MfaFactor,
        other: bool,
        error: Option<&'a str>,
    },
    Onboarding,
    Bind {
        skippable: bool,
        error: Option<&'a str>,
    },
    BackupCodes {
        codes: Option<&'a [String]>,
    },
}

/// Renders `view` for `i` (saving the interaction when the page set something in it).
async fn render(
    state: &AppState,
    mut i: Interaction,
    mut m: PendingMfa,
    p: &Phrases,
    view: View<'_>,
    status: StatusCode,
) -> HttpResponse {
    let look = super::look(state, &i.client_id).await;
    let body = match view {
        View::Verify {
            factor,
            other,
            error,
        } => page::mfa_verify(&look, p, &i.csrf, factor.as_str(), other, error),
        View::Onboarding => page::mfa_onboarding(&look, p, &i.csrf),
        View::Bind { skippable, error } => {
            // A secret of its own for this page until it is bound (sealed in the cookie).
            let secret = match &m.new_totp_secret {
                Some(s) => s.clone(),
                None => app::mfa::new_totp_secret(state),
            };
            m.new_totp_secret = Some(secret.clone());
            let name = match app::mfa::display_name(state, &m.user_id).await {
                Ok(n) => n,
                Err(e) => return failed(p, e),
            };
            let issuer = crate::views::mfa::issuer(&state.endpoint);
            let Some(qr) = crate::views::mfa::totp_qr_code(&issuer, &name, &secret) else {
                return failed(p, "the otpauth URI does not fit a QR code");
            };
            page::mfa_bind(&look, p, &i.csrf, &qr, &secret, skippable, error)
        }
        View::BackupCodes { codes } => {
            let download = codes.map(|c| {
                let text = c.join("\n") + "\n";
                let encoded: String =
                    url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
                format!(
                    "data:text/plain;charset=utf-8,{}",
                    encoded.replace('+', "%20")
                )
            });
            page::mfa_backup_codes(&look, p, &i.csrf, codes, download.as_deref())
        }
    };
    i.pending_mfa = Some(m);
    let mut r = page::builder(status);
    if let Err(e) =
        super::interactions::save(state, &mut r, &i, state.sign_in.lifetimes.interaction)
    {
        return failed(p, e);
    }
    page::respond_with(r, p, body)
}

/// The page of the step the policy asks for now (`?factor=BackupCode`: a backup code
/// instead of the app; `?setup=1`: past the onboarding question).
async fn show_step(
    state: &AppState,
    request: &RequestContext,
    req: &HttpRequest,
    i: Interaction,
    m: PendingMfa,
    p: &Phrases,
) -> HttpResponse {
    let query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let has = |k: &str, v: &str| query.iter().any(|(a, b)| a == k && b == v);
    let step = match app::mfa::next_step(state, &m.user_id, m.event(), &m.progress).await {
        Ok(s) => s,
        Err(e) => return failed(p, e),
    };
    let view = match step {
        None => return next(state, request, i, m, p).await,
        Some(MfaStep::Verify(factors)) => {
            let has_app = factors.contains(&MfaFactor::Totp);
            let has_codes = factors.contains(&MfaFactor::BackupCode);
            let factor = if has_codes && (!has_app || has("factor", "BackupCode")) {
                MfaFactor::BackupCode
            } else {
                MfaFactor::Totp
            };
            View::Verify {
                factor,
                other: has_app && has_codes,
                error: None,
            }
        }
        Some(MfaStep::Bind { skippable, .. }) if skippable && !has("setup", "1") => {
            View::Onboarding
        }
        Some(MfaStep::Bind { skippable, .. }) => View::Bind {
            skippable,
            error: None,
        },
        Some(MfaStep::BackupCodes) => View::BackupCodes { codes: None },
    };
    render(state, i, m, p, view, StatusCode::OK).await
}

#[utoipa::path(
    get,
    path = "/sign-in/mfa",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ShowMfaStep",
    responses(
        (status = 200, description = "The second-factor step the policy asks for: verify a code, the onboarding question, bind an authenticator app, or backup codes", content_type = "text/html", body = String),
        (status = 303, description = "No step left: on to the client or consent"),
        (status = 400, description = "No interaction or no MFA step pending", content_type = "text/html", body = String)
    )
)]
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
) -> HttpResponse {
    let (i, m, p) = match open(&state, &req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    show_step(&state, &request, &req, i, m, &p).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    factor: String,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

#[utoipa::path(
    post,
    path = "/sign-in/mfa/verify",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "VerifyMfaStep",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "`code` and `factor` (`Totp` or `BackupCode`)"),
    responses(
        (status = 303, description = "Verified: the next step, or on to the client"),
        (status = 400, description = "Wrong, replayed or used code, or the factor is locked: the form again", content_type = "text/html", body = String),
        (status = 403, description = "Bad CSRF token", content_type = "text/html", body = String)
    )
)]
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<CodeForm>,
) -> HttpResponse {
    let (i, mut m, p) = match open(&state, &req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    let factor = if form.factor == "BackupCode" {
        MfaFactor::BackupCode
    } else {
        MfaFactor::Totp
    };
    let who = as_user(&request, &m.user_id);
    let code = form.code.trim();
    let outcome = match factor {
        MfaFactor::Totp => app::mfa::verify_totp(&state, &who, &m.user_id, code).await,
        MfaFactor::BackupCode => app::mfa::use_backup_code(&state, &who, &m.user_id, code).await,
    };
    match outcome {
        Ok(()) => {
            m.progress.verified = true;
            next(&state, &request, i, m, &p).await
        }
        Err(e) => {
            let Some(message) = refusal_text(&p, &e) else {
                return failed(&p, e);
            };
            let other = match app::mfa::user_mfa_state(&state, &m.user_id).await {
                Ok(u) => u.bound.len() > 1,
                Err(e) => return failed(&p, e),
            };
            let view = View::Verify {
                factor,
                other,
                error: Some(&message),
            };
            render(&state, i, m, &p, view, StatusCode::BAD_REQUEST).await
        }
    }
}

/// The page's words for a refused code (`None`: not a refusal, a failure).
fn refusal_text(p: &Phrases, e: &AppError) -> Option<String> {
    match e {
        AppError::Locked { retry_after_secs } => Some(p.format(
            "sign-in-locked",
            &[("seconds", (*retry_after_secs).max(1).to_string())],
        )),
        AppError::BadRequest { code, .. } if code.starts_with("session.mfa.invalid") => {
            Some(p.text("mfa-code-wrong"))
        }
        _ => None,
    }
}

#[utoipa::path(
    post,
    path = "/sign-in/mfa/bind",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "BindMfaStep",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "`code`: the authenticator app's code for the secret shown"),
    responses(
        (status = 200, description = "Bound; the backup codes, shown once, when they are enabled", content_type = "text/html", body = String),
        (status = 303, description = "Bound: on to the client or consent"),
        (status = 400, description = "Wrong code: the page again", content_type = "text/html", body = String),
        (status = 403, description = "Bad CSRF token", content_type = "text/html", body = String)
    )
)]
pub async fn bind(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<CodeForm>,
) -> HttpResponse {
    let (i, mut m, p) = match open(&state, &req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    let Some(secret) = m.new_totp_secret.clone() else {
        return see_other(&i.page("/sign-in/mfa?setup=1")).finish();
    };
    // Only while the policy asks for a binding (never instead of verifying a factor).
    let skippable = match app::mfa::next_step(&state, &m.user_id, m.event(), &m.progress).await {
        Ok(Some(MfaStep::Bind { skippable, .. })) => skippable,
        Ok(_) => return next(&state, &request, i, m, &p).await,
        Err(e) => return failed(&p, e),
    };
    let input = app::mfa::BindTotp {
        secret: Some(secret),
        code: Some(form.code.trim().to_owned()),
        confirmed_step: None,
        issued_only: false,
        replace: false,
    };
    let who = as_user(&request, &m.user_id);
    match app::mfa::bind_totp(&state, &who, &m.user_id, input).await {
        Ok(_) => {
            m.progress.bound.push(MfaFactor::Totp);
            m.new_totp_secret = None;
            codes_or_next(&state, &request, i, m, &p).await
        }
        Err(e) => {
            let Some(message) = refusal_text(&p, &e) else {
                return failed(&p, e);
            };
            let view = View::Bind {
                skippable,
                error: Some(&message),
            };
            render(&state, i, m, &p, view, StatusCode::BAD_REQUEST).await
        }
    }
}

/// Backup codes when the policy wants them now (generated, bound, shown once), else on.
async fn codes_or_next(
    state: &AppState,
    request: &RequestContext,
    i: Interaction,
    mut m: PendingMfa,
    p: &Phrases,
) -> HttpResponse {
    match app::mfa::next_step(state, &m.user_id, m.event(), &m.progress).await {
        Ok(Some(MfaStep::BackupCodes)) => {}
        Ok(_) => return next(state, request, i, m, p).await,
        Err(e) => return failed(p, e),
    }
    let who = as_user(request, &m.user_id);
    match app::mfa::add_backup_codes(state, &who, &m.user_id, None).await {
        Ok((codes, _, _)) => {
            m.progress.bound.push(MfaFactor::BackupCode);
            let view = View::BackupCodes {
                codes: Some(&codes),
            };
            render(state, i, m, p, view, StatusCode::OK).await
        }
        Err(e) => failed(p, e),
    }
}

#[utoipa::path(
    post,
    path = "/sign-in/mfa/backup-codes",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "GenerateMfaBackupCodes",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The form's CSRF token"),
    responses(
        (status = 200, description = "Ten backup codes, bound and shown this once, with a download link", content_type = "text/html", body = String),
        (status = 303, description = "No backup codes needed: the next step, or on to the client"),
        (status = 403, description = "Bad CSRF token", content_type = "text/html", body = String)
    )
)]
pub async fn backup_codes(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let (i, m, p) = match open(&state, &req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    codes_or_next(&state, &request, i, m, &p).await
}

#[utoipa::path(
    post,
    path = "/sign-in/mfa/skip",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "SkipMfaStep",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The form's CSRF token"),
    responses(
        (status = 303, description = "Declined (`mfa.skipped` recorded on the user): on to the client or consent"),
        (status = 400, description = "The policy does not let users decline", content_type = "text/html", body = String),
        (status = 403, description = "Bad CSRF token", content_type = "text/html", body = String)
    )
)]
pub async fn skip(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let (i, mut m, p) = match open(&state, &req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    // Only a user asked to bind may decline (one with a factor verifies it).
    match app::mfa::next_step(&state, &m.user_id, m.event(), &m.progress).await {
        Ok(Some(MfaStep::Bind {
            skippable: true, ..
        })) => {}
        Ok(Some(_)) => {
            let text = p.text("mfa-skip-refused");
            return page::error_text(&p, StatusCode::BAD_REQUEST, "mfa-title", &text);
        }
        Ok(None) => return next(&state, &request, i, m, &p).await,
        Err(e) => return failed(&p, e),
    }
    match super::experience::mfa::skip_binding(&state, &request, &m.user_id).await {
        Ok(()) => {
            m.progress.skipped = true;
            next(&state, &request, i, m, &p).await
        }
        Err(e) if e.code() == "session.mfa.mfa_policy_not_user_controlled" => {
            let text = p.text("mfa-skip-refused");
            page::error_text(&p, StatusCode::BAD_REQUEST, "mfa-title", &text)
        }
        Err(e) => failed(&p, e),
    }
}

#[utoipa::path(
    post,
    path = "/sign-in/mfa/continue",
    params(crate::signin::interactions::AppIdQuery),
    tag = "Sign-in pages",
    operation_id = "ContinueMfaStep",
    request_body(content_type = "application/x-www-form-urlencoded", content = Object, description = "The form's CSRF token"),
    responses(
        (status = 303, description = "The next step, or on to the client or consent"),
        (status = 403, description = "Bad CSRF token", content_type = "text/html", body = String)
    )
)]
pub async fn proceed(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: RequestContext,
    form: web::Form<CsrfForm>,
) -> HttpResponse {
    let (i, m, p) = match open(&state, &req).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !csrf_ok(&i, &form.csrf_token) {
        return forbidden(&p);
    }
    next(&state, &request, i, m, &p).await
}
