//! Owned resources (tasks, expenses, budgets). A resource declares only its own fields and
//! rules ([`Resource`]); what every owned item has around them, its owner, id, timestamps and
//! version, is [`OwnedItem`], and how the API shows one is [`View`]. The HTTP handlers
//! (`http::crud`) and the store (`store::OwnedTable`) do the rest.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::clock;
use crate::error::FieldErrors;
use crate::ids::{UserId, new_id};
use crate::version::Version;

/// The fields of an owned item that its owner controls, validated, and their rules.
pub trait Resource: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The body of POST, PUT and PATCH (read-only fields are dropped before it is parsed).
    type Input: DeserializeOwned + Clone + Send + Sync + 'static;
    /// How the API shows these fields (the envelope's are added around them).
    type View: Serialize + Send;

    /// The collection's path, such as `/tasks`.
    const COLLECTION: &'static str;

    /// One item, in the documentation's words: "task".
    const NOUN: &'static str;

    /// The body fields POST and PUT require (PATCH requires none but wants one).
    const REQUIRED: &'static [&'static str];

    /// Whether a write can collide with another item (a unique value): 409.
    const MAY_CONFLICT: bool = false;

    /// POST and PUT: every field from `input`, omitted ones back to their defaults.
    fn full(input: Self::Input) -> Result<Self, FieldErrors>;

    /// PATCH: these fields with those sent in `input` changed; none sent is an error.
    fn patch(&self, input: Self::Input) -> Result<Self, FieldErrors>;

    fn view(&self) -> Self::View;
}

/// An item a user owns: its own fields `F` in the envelope every owned item shares. Stored
/// as one flat item (the envelope's attributes beside `F`'s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedItem<F> {
    pub owner: UserId,
    /// A ULID: ids sort by creation time.
    pub id: String,
    #[serde(flatten)]
    pub fields: F,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
    pub version: Version,
}

impl<F: Resource> OwnedItem<F> {
    /// A new item of `owner`: a fresh id, version 1.
    pub fn create(owner: UserId, fields: F) -> Self {
        let now = clock::format_timestamp(clock::now());
        Self { owner, id: new_id(), fields, created_at: now.clone(), updated_at: now, version: Version::FIRST }
    }

    /// This item holding `fields`, one version later.
    pub fn successor(&self, fields: F) -> Self {
        Self {
            owner: self.owner,
            id: self.id.clone(),
            fields,
            created_at: self.created_at.clone(),
            updated_at: clock::format_timestamp(clock::now()),
            version: self.version.next(),
        }
    }

    /// The item as the API shows it.
    pub fn view(&self) -> View<F::View> {
        View {
            id: self.id.clone(),
            fields: self.fields.view(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            version: self.version,
        }
    }
}

/// An owned item as the API shows it: `id`, then the resource's own fields, then the
/// timestamps and the version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View<V> {
    pub id: String,
    #[serde(flatten)]
    pub fields: V,
    pub created_at: String,
    pub updated_at: String,
    pub version: Version,
}
