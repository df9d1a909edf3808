//! Hosted sign-in: the server-rendered pages the authorization endpoint sends a browser
//! to (`/sign-in`, `/register`, `/consent`), working without JavaScript.
//!
//! No server-side interaction table: the validated authorization request travels in its
//! application's interaction cookie (`interactions.rs`), sealed (AES-256-GCM) under the
//! KEK every node shares, so any node can continue any sign-in and nobody can forge or
//! read one. The form's CSRF token is a random value inside that sealed cookie, echoed in
//! a hidden field: a cross-site form cannot read it, and a forged cookie cannot be sealed
//! (signed double submit).
//! The signed-in browser gets a `_session` cookie, also sealed, naming its `Session`
//! stream; the stream, not the cookie, says whether the session still lives.

pub mod code_routes;
pub mod codes;
pub mod consent;
pub mod cookies;
pub mod credentials;
pub mod device;
pub mod experience;
pub mod finish;
pub mod forgot;
pub mod form;
pub mod interaction;
pub mod interactions;
pub mod mfa;
pub mod page;
pub mod profile_step;
pub mod pwned;
pub mod register;
mod templates;
pub mod well_known;

use actix_web::web;

/// Hosted sign-in's settings live below HTTP (the services read them too).
pub use app::SignInSettings as Settings;

/// Checks a new password against the policy (and what is known of its user), then, when
/// configured, the online range API: the one check every self-service path runs before
/// hashing.
pub async fn check_new_password(
    state: &crate::state::AppState,
    password: &str,
    user: &domain::password::policy::UserInfo<'_>,
) -> Result<(), crate::support::error::ApiError> {
    use domain::password::policy::{Issue, PWNED};
    // The policy in force: the sign-in experience's, else the deployment's.
    let policy = app::sign_in_experience::password_policy(state).await?;
    let mut issues = policy.check(password, user);
    if let (true, true, Some(base)) = (
        issues.is_empty(),
        policy.reject_pwned,
        &state.sign_in.pwned_api,
    ) {
        if pwned::is_breached(&state.webhooks, base, password).await == Some(true) {
            issues.push(Issue::new(PWNED));
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(crate::support::error::AppError::PasswordRejected(issues).into())
    }
}

/// The hosted pages' look for a sign-in of `client_id`: the sign-in experience's, with the
/// application's own where it set one; the plain look when they cannot be read (logged),
/// so a page still renders. Its links and forms stay with `client_id`'s interaction.
pub(crate) async fn look(state: &crate::state::AppState, client_id: &str) -> page::Look {
    let settings = app::sign_in_experience::current(state).await;
    let own = app::sign_in_experience::for_application(state, client_id).await;
    let look = match (settings, own) {
        (Ok(settings), Ok(own)) => page::Look::from_settings(&settings, own.as_ref()),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "cannot read the sign-in experience; plain pages");
            page::Look::plain()
        }
    };
    look.for_app(client_id)
}

/// The phrases of a page for this request: its language chosen from the client's
/// `ui_locales` (kept in the interaction), the browser's `Accept-Language` when the
/// settings auto-detect, else the fallback language (`crate::i18n`), with the operator's
/// custom phrases for it. English when the settings cannot be read (logged).
pub(crate) async fn phrases(
    state: &crate::state::AppState,
    req: &actix_web::HttpRequest,
    ui_locales: &[String],
) -> crate::i18n::Phrases {
    use crate::i18n::{choose, Phrases, LANGUAGES};
    let settings = app::sign_in_experience::current(state).await;
    let custom = app::custom_phrases::current(state).await;
    let (settings, custom) = match (settings, custom) {
        (Ok(settings), Ok(custom)) => (settings, custom),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "cannot read the language settings; English pages");
            return Phrases::english();
        }
    };
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let available: Vec<&str> = LANGUAGES
        .iter()
        .copied()
        .chain(custom.all().keys().map(String::as_str))
        .collect();
    let lang = choose(ui_locales, accept, &settings.language_info, &available);
    let own = custom.get(&lang).map(|(_, t)| t.clone());
    Phrases::new(lang, own)
}

pub fn configure(routes: &mut crate::guard::access::Routes) {
    mfa::configure(routes);
    routes
        .resource(
            web::resource("/sign-in")
                .route(web::get().to(form::show_sign_in))
                .route(web::post().to(form::sign_in))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/sign-in/code")
                .route(web::get().to(code_routes::show_code_sign_in))
                .route(web::post().to(code_routes::send_sign_in_code))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/sign-in/code/verify")
                .route(web::get().to(code_routes::show_sign_in_code))
                .route(web::post().to(code_routes::verify_sign_in_code))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/forgot-password")
                .route(web::get().to(code_routes::show_forgot_password))
                .route(web::post().to(code_routes::send_forgot_password_code))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/forgot-password/verify")
                .route(web::get().to(code_routes::show_forgot_password_code))
                .route(web::post().to(code_routes::verify_forgot_password_code))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/forgot-password/new")
                .route(web::get().to(forgot::show_new_password))
                .route(web::post().to(forgot::set_new_password))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/register")
                .route(web::get().to(register::show_register))
                .route(web::post().to(register::register))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/register/code")
                .route(web::get().to(code_routes::show_register_code))
                .route(web::post().to(code_routes::send_register_code))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/register/code/verify")
                .route(web::get().to(code_routes::show_register_code_entry))
                .route(web::post().to(code_routes::verify_register_code))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/register/profile")
                .route(web::get().to(profile_step::show_profile))
                .route(web::post().to(profile_step::register_profile))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/device")
                .route(web::get().to(device::show_code))
                .route(web::post().to(device::enter_code))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/device/confirm")
                .route(web::get().to(device::show_confirm))
                .route(web::post().to(device::confirm))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/consent")
                .route(web::get().to(consent::show_consent))
                .route(web::post().to(consent::consent))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        // The logout confirmation is a hosted page's form too (`oidc/end_session.rs`).
        .resource(
            web::resource("/oidc/session/end/confirm")
                .route(web::post().to(crate::oidc::end_session::confirm))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        );
}
