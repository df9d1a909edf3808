//! Routes of the interactive (user) flow under `/oidc`: authorization, userinfo,
//! introspection, revocation and end session (the token endpoint dispatches the
//! `authorization_code` and `refresh_token` grants in [`super::token`]).

use actix_web::web;

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let not_allowed = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            web::resource("/oidc/auth")
                .route(web::get().to(super::authorize::get))
                .route(web::post().to(super::authorize::post))
                .default_service(not_allowed()),
        )
        .resource(
            web::resource("/oidc/me")
                .route(web::get().to(super::userinfo::userinfo))
                .route(web::post().to(super::userinfo::userinfo))
                .default_service(not_allowed()),
        )
        .resource(
            web::resource("/oidc/token/introspection")
                .route(web::post().to(super::introspect::introspect))
                .default_service(not_allowed()),
        )
        .resource(
            web::resource("/oidc/token/revocation")
                .route(web::post().to(super::revoke::revoke))
                .default_service(not_allowed()),
        )
        .resource(
            web::resource("/oidc/session/end")
                .route(web::get().to(super::end_session::get))
                .route(web::post().to(super::end_session::post))
                .default_service(not_allowed()),
        );
}
