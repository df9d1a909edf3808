//! `GET /`: a small page for the operator who opens the server's address, saying Tessera
//! runs, its issuer, where the API documentation and the discovery document are, and how
//! to get Management API access (the credentials file the embedded default wrote, or the
//! configured application). Public like Logto's welcome page: it names nothing secret (the
//! file's path, never its content).

use crate::signin::page;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(public: &mut crate::guard::access::Routes) {
    public.resource(
        web::resource("/")
            .route(web::get().to(home))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
}

#[utoipa::path(
    get,
    path = "/",
    tag = "Operations",
    operation_id = "GetHome",
    responses(
        (status = 200, description = "The operator's page: issuer, documentation and discovery links, where the Management API credentials are", content_type = "text/html", body = String)
    )
)]
async fn home(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let p = crate::signin::phrases(&state, &req, &[]).await;
    let file = state
        .bootstrap_credentials
        .as_ref()
        .map(|path| path.display().to_string());
    page::respond(
        StatusCode::OK,
        &p,
        page::home(&p, &state.oidc.issuer, file.as_deref()),
    )
}
