//! The operator's custom phrases (Logto's `/api/custom-phrases`): the `CustomPhrases`
//! aggregate read with `load_cached`, so a change made on any node shows on the next page
//! everywhere; set and delete through the one write loop.
//!
//! Which keys a translation may hold is the phrase catalogue's (the hosted pages', in
//! `api`): the caller passes the check in, so this layer needs no knowledge of pages.

use crate::transact::{transact, Tx};
use crate::{AppContext, AppError, RequestContext};
use domain::custom_phrases::{
    CustomPhrases, CustomPhrasesCommand, CustomPhrasesError, Translation, STREAM_ID,
};
use store::StoreError;

/// Every language's custom phrases (any node's latest change included).
pub async fn current(ctx: &AppContext) -> Result<CustomPhrases, StoreError> {
    Ok(ctx
        .store
        .repository()
        .load_cached::<CustomPhrases>(STREAM_ID)
        .await?
        .aggregate)
}

fn refused(e: CustomPhrasesError) -> AppError {
    match e {
        CustomPhrasesError::NotFound => not_found(),
        other => AppError::invalid_body(other.to_string()),
    }
}

pub fn not_found() -> AppError {
    AppError::NotFound {
        code: "entity.not_found",
        message: "No custom phrases exist for this language tag.".into(),
    }
}

/// Sets one language's phrases (replacing what it had); `known_key` says whether the
/// catalogue has a key. Returns the tag as stored and the phrases.
pub async fn set(
    ctx: &AppContext,
    request: &RequestContext,
    language_tag: &str,
    translation: Translation,
    known_key: impl Fn(&str) -> bool,
) -> Result<(String, Translation), AppError> {
    if let Some(unknown) = translation.keys().find(|k| !known_key(k)) {
        return Err(AppError::invalid_body(format!(
            "translation.{unknown}: unknown phrase key (GET /api/.well-known/phrases lists them)"
        )));
    }
    let tag = language_tag.to_owned();
    let ((), _) = transact(ctx, request, |mut tx: Tx<AppError>| {
        let (tag, translation) = (tag.clone(), translation.clone());
        async move {
            tx.run::<CustomPhrases>(
                STREAM_ID,
                vec![CustomPhrasesCommand::Set {
                    language_tag: tag,
                    translation,
                }],
                refused,
            )
            .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok((language_tag.to_owned(), translation))
}

/// Deletes one language's phrases (404 when it has none).
pub async fn delete(
    ctx: &AppContext,
    request: &RequestContext,
    language_tag: &str,
) -> Result<(), AppError> {
    let tag = language_tag.to_owned();
    transact(ctx, request, |mut tx: Tx<AppError>| {
        let tag = tag.clone();
        async move {
            tx.run::<CustomPhrases>(
                STREAM_ID,
                vec![CustomPhrasesCommand::Delete { language_tag: tag }],
                refused,
            )
            .await?;
            Ok((tx, ()))
        }
    })
    .await?;
    Ok(())
}
