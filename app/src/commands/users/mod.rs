//! The event-sourced write path for users.
//!
//! `create_user` loads the new `User` stream and the `IdentifierClaim` stream of each
//! identifier (username, email, phone), lets the aggregates decide, and appends every
//! stream's events in ONE atomic batch with expected versions. Two racing requests for
//! the same email therefore cannot both commit: the loser gets `StoreError::Conflict`,
//! reloads, finds the claim held, and answers Logto's 422.

pub mod update;

use crate::context::AppContext;
use crate::error::AppError;
use crate::request::RequestContext;
use domain::identifier::{ClaimError, Identifier, IdentifierClaim, IdentifierCommand};
use domain::password::{hash_password, PasswordDigest, PasswordError};
use domain::user::{User, UserCommand, UserDetails, UserState};
use domain::{Aggregate, CommandContext, StandardId};
use projections::users::UserView;
use serde_json::{Map, Value};
use store::{AppendBatch, ExpectedVersion, Repository, StoreError, StreamRef};

use crate::transact::MAX_ATTEMPTS;

/// A validated `CreateUser` request.
#[derive(Debug)]
pub struct CreateUser {
    pub details: UserDetails,
    pub custom_data: Map<String, Value>,
    pub password: Option<PasswordInput>,
    pub origin: Origin,
}

/// Who creates the user.
#[derive(Debug)]
pub enum Origin {
    /// An operator, through the Management API.
    Admin,
    /// The user themselves, registering through an application (sign-up pages, Experience
    /// API): needs registration to be open ([`crate::registration::permit`]). The
    /// application is Logto's `applicationId`, and what makes `PostRegister` fire.
    SelfService {
        application_id: String,
        permit: crate::registration::Permit,
    },
}

impl Origin {
    fn application_id(&self) -> Option<String> {
        match self {
            Self::Admin => None,
            Self::SelfService { application_id, .. } => Some(application_id.clone()),
        }
    }
}

pub enum PasswordInput {
    /// Hashed here with Argon2id (on the blocking pool: it costs ~20 ms of CPU).
    Plain(String),
    /// An imported digest (`passwordDigest` + `passwordAlgorithm`).
    Digest(PasswordDigest),
}

impl std::fmt::Debug for PasswordInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a password.
        match self {
            Self::Plain(_) => f.write_str("Plain(..)"),
            Self::Digest(d) => f.debug_tuple("Digest").field(d).finish(),
        }
    }
}

/// Creates a user and returns it as Logto's user JSON, built from the events just
/// committed (so the caller reads its own write without waiting for the projector).
pub async fn create_user(
    state: &AppContext,
    input: CreateUser,
    request: &RequestContext,
) -> Result<UserView, AppError> {
    let user_id = StandardId::generate(&mut state.random.rng()).into_string();
    let identifiers = input.details.identifiers();
    let repo = state.store.repository();
    let (mut password, mut plain) = match input.password {
        Some(PasswordInput::Digest(digest)) => (Some(digest), None),
        Some(PasswordInput::Plain(plain)) => (None, Some(plain)),
        None => (None, None),
    };
    // Logto gives every new user the default roles; they ride in the creating append.
    let default_roles = super::user_roles::default_role_ids(state).await?;

    for attempt in 1..=MAX_ATTEMPTS {
        let now = state.clock.now();
        let ctx = CommandContext { now };
        let metadata = request.metadata(now);
        let mut batch = AppendBatch::default();

        // Every stream this decision needs in one round trip: the claim of each identifier,
        // then the user's own stream (last).
        let claim_ids: Vec<String> = identifiers
            .iter()
            .map(|identifier| state.store.identifier_stream_id(identifier))
            .collect();
        let mut streams: Vec<(StreamRef, u64)> = claim_ids
            .iter()
            .map(|id| (StreamRef::new(IdentifierClaim::STREAM_TYPE, id), 0))
            .collect();
        streams.push((StreamRef::new(User::STREAM_TYPE, &user_id), 0));
        let mut read = repo.log().read_streams(&streams).await?;
        let user_events = read.pop().unwrap_or_default();

        // Claims first: a taken identifier is answered before any password is hashed.
        for ((identifier, stream_id), events) in identifiers.iter().zip(&claim_ids).zip(&read) {
            let loaded = Repository::fold::<IdentifierClaim>(events)?;
            let events = loaded
                .aggregate
                .handle(
                    IdentifierCommand::Claim {
                        holder: user_id.clone(),
                    },
                    &ctx,
                )
                .map_err(|ClaimError::AlreadyClaimed| in_use(identifier))?;
            batch.streams.push(Repository::stage::<IdentifierClaim>(
                stream_id,
                ExpectedVersion::at(loaded.version),
                &events,
                &metadata,
            ));
        }

        if let Some(plain) = plain.take() {
            password = Some(hash(state, plain).await?);
        }

        let loaded = Repository::fold::<User>(&user_events)?;
        let mut user = loaded.aggregate;
        let mut events = user
            .handle(
                UserCommand::Create {
                    details: input.details.clone(),
                    custom_data: input.custom_data.clone(),
                    password: password.clone(),
                    application_id: input.origin.application_id(),
                },
                &ctx,
            )
            // A freshly generated id cannot exist; if it somehow does, it is our fault.
            .map_err(|e| AppError::internal(format!("user {user_id}: {e}")))?;
        if !default_roles.is_empty() {
            let mut created = user.clone();
            events.iter().for_each(|e| created.apply(e));
            let assign = UserCommand::AssignRoles(default_roles.clone());
            events.extend(
                created
                    .handle(assign, &ctx)
                    .map_err(|e| AppError::internal(format!("user {user_id}: {e}")))?,
            );
        }
        batch.streams.push(Repository::stage::<User>(
            &user_id,
            ExpectedVersion::at(loaded.version),
            &events,
            &metadata,
        ));

        match crate::transact::append(state, batch).await {
            Ok(_) => {
                events.iter().for_each(|e| user.apply(e));
                let state = user
                    .state()
                    .ok_or_else(|| AppError::internal("created user is not live"))?;
                return Ok(view_of(&user_id, state, now.as_millis()));
            }
            Err(StoreError::Conflict { stream, .. }) if attempt < MAX_ATTEMPTS => {
                tracing::debug!(?stream, attempt, "append conflict, retrying");
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(AppError::Conflict)
}

fn in_use(identifier: &Identifier) -> AppError {
    AppError::IdentifierInUse(identifier.kind())
}

/// Hashes a new password with the policy, through the bounded hasher (503 when busy).
pub async fn hash(state: &AppContext, plain: String) -> Result<PasswordDigest, AppError> {
    let salt: [u8; 16] = state.random.bytes();
    state
        .sign_in
        .hasher
        .run(move || hash_password(&plain, salt))
        .await?
        .map_err(|e| match e {
            PasswordError::InvalidLength => AppError::invalid_body(format!("password: {e}")),
            PasswordError::Hashing(_) => AppError::internal(e),
        })
}

/// Logto's user JSON for a user just created at `at` (epoch ms).
pub fn view_of(id: &str, state: &UserState, at: i64) -> UserView {
    let d = &state.details;
    UserView {
        id: id.to_owned(),
        username: d.username.clone(),
        primary_email: d.primary_email.clone(),
        primary_phone: d.primary_phone.clone(),
        name: d.name.clone(),
        avatar: d.avatar.clone(),
        custom_data: Value::Object(state.custom_data.clone()),
        identities: Value::Object(Map::new()),
        last_sign_in_at: None,
        created_at: at,
        updated_at: at,
        profile: Value::Object(d.profile.clone().unwrap_or_default()),
        application_id: state.application_id.clone(),
        is_suspended: state.is_suspended,
        has_password: state.password.is_some(),
    }
}
