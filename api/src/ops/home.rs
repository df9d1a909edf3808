//! `GET /`: a small page for the operator who opens the server's address, saying Tessera
//! runs, its issuer, where the API documentation and the discovery document are, and how
//! to get Management API access (the credentials file the embedded default wrote, or the
//! configured application). Public like Logto's welcome page: it names nothing secret (the
//! file's path, never its content).

use crate::signin::page;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

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
async fn home(state: web::Data<AppState>) -> HttpResponse {
    let issuer = page::escape(&state.oidc.issuer);
    let access = match &state.bootstrap_credentials {
        Some(path) => format!(
            "<p>Management API access: the machine-to-machine application this server \
             created on its first start; its id and secret are in <code>{}</code> (readable \
             by the server's user only).</p>",
            page::escape(&path.display().to_string())
        ),
        None => "<p>Management API access: the application named by \
                 <code>TESSERA_BOOTSTRAP_M2M_ID</code>.</p>"
            .to_owned(),
    };
    let body = format!(
        "<h1>Tessera is running</h1>\
         <p>Issuer: <code>{issuer}</code></p>\
         <ul>\
         <li><a href=\"/api/docs/\">API documentation</a> (<a href=\"/api/swagger.json\">OpenAPI document</a>)</li>\
         <li><a href=\"/oidc/.well-known/openid-configuration\">OpenID Connect discovery</a></li>\
         <li><a href=\"/api/status\">Status</a></li>\
         </ul>{access}"
    );
    page::builder(StatusCode::OK).body(page::html("Tessera", &body))
}
