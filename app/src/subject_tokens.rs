//! Impersonation tokens (Logto RFC 0005, `domain::oauth::subject_token`): an operator
//! creates one for a user (`POST /api/subject-tokens`); an application allowed to
//! exchange tokens trades it, once, for an access token of that user at the token
//! endpoint (RFC 8693).

use crate::request::RequestContext;
use crate::transact::{transact, Tx};
use crate::{AppContext, AppError};
use domain::oauth::secret::generate_secret;
use domain::oauth::subject_token::{
    SubjectToken, SubjectTokenCommand, SubjectTokenIssued, TOKEN_PREFIX, TTL_SECS,
};
use serde_json::{Map, Value};

/// Characters of a token id: 24 from `[0-9a-z]`.
const ID_LEN: usize = 24;

/// What the operator is told (Logto's `{subjectToken, expiresIn}`).
#[derive(Debug, Clone)]
pub struct Created {
    pub subject_token: String,
    pub expires_in: i64,
}

/// A token for `user_id` (which the caller made sure exists), good once for
/// [`TTL_SECS`], carrying the operator's `context`.
pub async fn create(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    context: Map<String, Value>,
) -> Result<Created, AppError> {
    let id = domain::ids::random_string(&mut ctx.random.rng(), ID_LEN);
    let (secret, digest) = generate_secret(&mut ctx.random.rng());
    let issued = SubjectTokenIssued {
        user_id: user_id.to_owned(),
        digest,
        context,
        expires_at: ctx.clock.now().plus_seconds(TTL_SECS),
    };
    let id_ref = id.as_str();
    transact(ctx, request, |mut tx: Tx| {
        let command = SubjectTokenCommand::Issue(issued.clone());
        async move {
            // A fresh random id is never taken; were it, the creation fails, not merges.
            tx.run::<SubjectToken>(id_ref, vec![command], |_| AppError::Conflict)
                .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(Created {
        subject_token: format!("{TOKEN_PREFIX}{id}.{secret}"),
        expires_in: TTL_SECS,
    })
}
