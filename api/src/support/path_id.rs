//! Typed path ids: an entity's id taken from the route's path and parsed before the
//! handler runs. A value that cannot be an id answers that entity's 404
//! (`entity.not_exists_with_id`, as Logto does for an unknown id), so a handler only ever
//! holds an id that parsed, and says which entity it names in its signature:
//! `id: Id<Role>` (the route's first path parameter), `scope: Id<Scope, 1>` (its second).

use crate::support::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use app::AppError;
use domain::StandardId;
use std::fmt;
use std::future::{ready, Ready};
use std::marker::PhantomData;

/// An entity a path names by its id; `NAME` is Logto's name for it in a 404.
pub trait Entity {
    const NAME: &'static str;
}

macro_rules! entities {
    ($($(#[$doc:meta])* $ty:ident => $name:literal),* $(,)?) => {$(
        $(#[$doc])*
        pub enum $ty {}
        impl Entity for $ty {
            const NAME: &'static str = $name;
        }
    )*};
}

entities!(
    Application => "application",
    Connector => "connector",
    Hook => "hook",
    Resource => "resource",
    Role => "role",
    /// A resource's scope.
    Scope => "scope",
    User => "user",
);

/// The id of an `E` from the `N`th parameter of the route's path (counted from 0).
pub struct Id<E, const N: usize = 0> {
    id: StandardId,
    entity: PhantomData<E>,
}

impl<E: Entity, const N: usize> Id<E, N> {
    /// `raw` as an id of `E`, or `E`'s 404.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        match StandardId::parse(raw) {
            Some(id) => Ok(Self {
                id,
                entity: PhantomData,
            }),
            None => Err(AppError::NotExistsWithId {
                entity: E::NAME,
                id: raw.to_owned(),
            }),
        }
    }

    pub fn as_str(&self) -> &str {
        self.id.as_str()
    }

    pub fn into_string(self) -> String {
        self.id.into_string()
    }
}

impl<E, const N: usize> std::ops::Deref for Id<E, N> {
    type Target = str;

    fn deref(&self) -> &str {
        self.id.as_str()
    }
}

impl<E, const N: usize> Clone for Id<E, N> {
    fn clone(&self) -> Self {
        Self {
            id: self.id.clone(),
            entity: PhantomData,
        }
    }
}

impl<E, const N: usize> serde::Serialize for Id<E, N> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id.as_str())
    }
}

impl<E, const N: usize> fmt::Display for Id<E, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id.as_str())
    }
}

impl<E: Entity, const N: usize> FromRequest for Id<E, N> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The parameters decoded as `web::Path` decodes them, so an id reads the same
        // as it did through `web::Path<String>`.
        let segment = web::Path::<Vec<String>>::extract(req)
            .into_inner()
            .ok()
            .and_then(|segments| segments.into_inner().into_iter().nth(N));
        ready(match segment {
            Some(raw) => Self::parse(&raw).map_err(ApiError::from),
            None => Err(ApiError::internal(format!(
                "route {} has no path parameter {N} for a {} id",
                req.match_pattern().unwrap_or_default(),
                E::NAME
            ))),
        })
    }
}
