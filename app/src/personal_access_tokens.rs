//! Personal access tokens (`domain::personal_access_tokens`): an operator creates,
//! renames and deletes a user's tokens through the Management API; the token endpoint
//! exchanges a live one for an access token of the user (RFC 8693).

use crate::request::RequestContext;
use crate::transact::{transact, Tx};
use crate::{AppContext, AppError};
use domain::oauth::secret::generate_secret;
use domain::personal_access_tokens::{
    PersonalAccessTokenCommand, PersonalAccessTokenCreated, PersonalAccessTokenError,
    PersonalAccessTokens, StoredToken, TOKEN_PREFIX,
};
use domain::Timestamp;

impl From<PersonalAccessTokenError> for AppError {
    fn from(e: PersonalAccessTokenError) -> Self {
        match e {
            PersonalAccessTokenError::NameInUse(_) => Self::Unprocessable {
                code: "user.personal_access_token_name_exists",
                message: e.to_string(),
            },
            PersonalAccessTokenError::NotFound(_) => Self::NotFound {
                code: "entity.not_found",
                message: e.to_string(),
            },
            PersonalAccessTokenError::InvalidName | PersonalAccessTokenError::ExpiresInThePast => {
                Self::InvalidInput {
                    target: "body",
                    details: e.to_string(),
                }
            }
        }
    }
}

/// The user's tokens (digests only), in creation order.
pub async fn list(ctx: &AppContext, user_id: &str) -> Result<Vec<StoredToken>, AppError> {
    let loaded = ctx
        .store
        .repository()
        .load::<PersonalAccessTokens>(user_id)
        .await?;
    Ok(loaded.aggregate.tokens().to_vec())
}

/// A new token for `user_id` (which the caller made sure exists): the token, shown this
/// once, and what is stored of it.
pub async fn create(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    name: String,
    expires_at: Option<Timestamp>,
) -> Result<(String, StoredToken), AppError> {
    let (secret, digest) = generate_secret(&mut ctx.random.rng());
    let created = PersonalAccessTokenCreated {
        name: name.clone(),
        digest,
        created_at: ctx.clock.now(),
        expires_at,
    };
    let stored = run(ctx, request, user_id, || {
        PersonalAccessTokenCommand::Create(created.clone())
    })
    .await?;
    let token = named(&stored, &name)?;
    Ok((format!("{TOKEN_PREFIX}{user_id}.{secret}"), token))
}

/// Renames the token `from` to `to`; the token as it is now.
pub async fn rename(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    from: &str,
    to: &str,
) -> Result<StoredToken, AppError> {
    let tokens = run(ctx, request, user_id, || {
        PersonalAccessTokenCommand::Rename {
            from: from.to_owned(),
            to: to.to_owned(),
        }
    })
    .await?;
    named(&tokens, to)
}

/// The token named `name` in what a command just committed.
fn named(tokens: &PersonalAccessTokens, name: &str) -> Result<StoredToken, AppError> {
    tokens
        .tokens()
        .iter()
        .find(|t| t.name == name)
        .cloned()
        .ok_or_else(|| AppError::Internal(format!("token {name:?} missing after its command")))
}

pub async fn delete(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    name: &str,
) -> Result<(), AppError> {
    run(ctx, request, user_id, || {
        PersonalAccessTokenCommand::Delete {
            name: name.to_owned(),
        }
    })
    .await?;
    Ok(())
}

/// One command on the user's tokens stream; the tokens once it committed.
async fn run(
    ctx: &AppContext,
    request: &RequestContext,
    user_id: &str,
    command: impl Fn() -> PersonalAccessTokenCommand,
) -> Result<PersonalAccessTokens, AppError> {
    let command = &command;
    let (tokens, _) = transact(ctx, request, |mut tx: Tx| async move {
        let tokens = tx
            .run::<PersonalAccessTokens>(user_id, vec![command()], AppError::from)
            .await?;
        Ok((tx, tokens))
    })
    .await?;
    Ok(tokens)
}
