//! `GET /api/.well-known/sign-in-exp` (Logto's GetSignInExperienceConfig): the sign-in
//! experience settings for a sign-in UI, and `GET /api/.well-known/phrases` (Logto's
//! GetSignInExperiencePhrases): the hosted pages' phrases in one language. Public as in
//! Logto (they describe the pages anyone can open; nothing in them is secret).

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::views::sign_in_experience::render;
use actix_web::http::header::CONTENT_LANGUAGE;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

pub fn configure(public: &mut crate::guard::access::Routes) {
    public
        .resource(
            web::resource("/api/.well-known/sign-in-exp")
                .route(web::get().to(sign_in_exp))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        )
        .resource(
            web::resource("/api/.well-known/phrases")
                .route(web::get().to(phrases))
                .default_service(web::to(crate::support::error::method_not_allowed)),
        );
}

#[utoipa::path(
    get,
    path = "/api/.well-known/sign-in-exp",
    tag = "Well-known",
    operation_id = "GetSignInExperienceConfig",
    responses(
        (status = 200, description = "The sign-in experience settings in force", body = crate::openapi::schemas::SignInExperience)
    )
)]
async fn sign_in_exp(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let settings = app::sign_in_experience::current(&state).await?;
    Ok(HttpResponse::Ok().json(render(&settings)))
}

#[derive(Deserialize)]
struct PhrasesQuery {
    lng: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/.well-known/phrases",
    tag = "Well-known",
    operation_id = "GetSignInExperiencePhrases",
    params(("lng" = Option<String>, Query, description = "A language tag; an unsupported one (or none) gets the language the pages would choose: `Accept-Language` when auto-detect is on, else the fallback language")),
    responses(
        (status = 200, description = "Every phrase key with its text in the resolved language (named by `Content-Language`), custom phrases merged; placeholders as `{$name}`", body = Object)
    )
)]
async fn phrases(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    // A malformed query is no reason to refuse: the language just falls back.
    let lng = web::Query::<PhrasesQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().lng);
    let phrases = super::phrases(&state, &req, lng.as_slice()).await;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_LANGUAGE, phrases.lang().to_owned()))
        .json(phrases.all()))
}
