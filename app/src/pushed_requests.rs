//! Pushed authorization requests (RFC 9126, `domain::oauth::pushed_request`): a client
//! pushes its authorization request's parameters and gets a `request_uri`; the
//! authorization endpoint takes them back, once.
//!
//! The parameters are a personal field of their own stream (they may hold a
//! `login_hint`); once the request is used its data key is destroyed, so the log keeps
//! that a request was pushed and used, and nothing of what it said.

use crate::request::RequestContext;
use crate::transact::{transact, Tx};
use crate::{AppContext, AppError};
use domain::oauth::pushed_request::{
    request_id, AuthorizationRequestPushed, PushedRequest, PushedRequestCommand,
    PushedRequestError, REQUEST_URI_PREFIX,
};

/// Characters of a request id: 32 from `[0-9a-z]`, about 165 bits, unguessable.
const ID_LEN: usize = 32;

/// What the client is told (RFC 9126 §2.2).
#[derive(Debug, Clone)]
pub struct Pushed {
    pub request_uri: String,
    pub expires_in: u64,
}

/// Why a `request_uri` was refused at the authorization endpoint.
#[derive(Debug, thiserror::Error)]
pub enum TakeError {
    #[error(transparent)]
    Refused(#[from] PushedRequestError),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<store::StoreError> for TakeError {
    fn from(e: store::StoreError) -> Self {
        Self::App(e.into())
    }
}

/// Records `params` (already validated by the caller) as pushed by `client_id`, good for
/// the configured lifetime.
pub async fn push(
    ctx: &AppContext,
    request: &RequestContext,
    client_id: &str,
    params: Vec<(String, String)>,
) -> Result<Pushed, AppError> {
    let id = domain::ids::random_string(&mut ctx.random.rng(), ID_LEN);
    let ttl = ctx.sign_in.lifetimes.pushed_request;
    let expires_at = ctx
        .clock
        .now()
        .plus_seconds(i64::try_from(ttl).unwrap_or(i64::MAX));
    let pushed = AuthorizationRequestPushed {
        client_id: client_id.to_owned(),
        params,
        expires_at,
    };
    let id_ref = id.as_str();
    transact(ctx, request, |mut tx: Tx| {
        let command = PushedRequestCommand::Push(pushed.clone());
        async move {
            // A fresh random id is never taken; were it, the push is refused, not merged.
            tx.run::<PushedRequest>(id_ref, vec![command], |_| AppError::Conflict)
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(Pushed {
        request_uri: format!("{REQUEST_URI_PREFIX}{id}"),
        expires_in: ttl,
    })
}

/// The parameters `client_id` pushed under `request_uri`, taken once: a second use,
/// another client's, an expired or an unknown `request_uri` is refused. After the use
/// the parameters are erased from the log (their data key destroyed).
pub async fn take(
    ctx: &AppContext,
    request: &RequestContext,
    request_uri: &str,
    client_id: &str,
) -> Result<Vec<(String, String)>, TakeError> {
    let id = request_id(request_uri).ok_or(PushedRequestError::NotFound)?;
    let (params, _) = transact(ctx, request, |mut tx: Tx<TakeError>| {
        let command = PushedRequestCommand::Use {
            client_id: client_id.to_owned(),
        };
        async move {
            let taken = tx
                .run::<PushedRequest>(id, vec![command], TakeError::Refused)
                .await?;
            Ok((tx, taken.params().to_vec()))
        }
    })
    .await?;
    // The request is spent: what it said need not (and should not) stay readable. A
    // failure here leaves it readable but still unusable; logged, not the user's problem.
    if let Err(e) = ctx.store.destroy_data_key(id).await {
        tracing::error!(error = %e, "cannot erase a used pushed request's parameters");
    }
    Ok(params)
}
