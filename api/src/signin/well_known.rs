//! `GET /api/.well-known/sign-in-exp` (Logto's GetSignInExperienceConfig): the sign-in
//! experience settings for a sign-in UI, public as in Logto (they describe the pages
//! anyone can open; nothing in them is secret).

use crate::state::AppState;
use crate::support::error::ApiError;
use crate::views::sign_in_experience::render;
use actix_web::{web, HttpResponse};

pub fn configure(public: &mut crate::guard::access::Routes) {
    public.resource(
        web::resource("/api/.well-known/sign-in-exp")
            .route(web::get().to(sign_in_exp))
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
