//! What a resource (tasks, expenses, budgets) declares: its input, its validated fields, its
//! view, and the rules that turn one into the other. The HTTP handlers (`http::crud`) and the
//! store (`store::OwnedTable`) do the rest.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock;
use crate::error::FieldErrors;
use crate::ids::UserId;
use crate::version::Version;

/// An owned item the API serves under `COLLECTION` and `COLLECTION/{id}`.
pub trait Resource: Clone + Send + Sync + 'static {
    /// The body of POST, PUT and PATCH (read-only fields are dropped before it is parsed).
    type Input: DeserializeOwned + Clone + Send + Sync + 'static;
    /// The fields a client controls, validated.
    type Fields: Clone + Send;
    /// How the API shows an item.
    type View: Serialize + From<Self>;

    /// The collection's path, such as `/tasks`.
    const COLLECTION: &'static str;

    /// The body fields POST and PUT require (PATCH requires none but wants one).
    const REQUIRED: &'static [&'static str];

    /// Whether a write can collide with another item (a unique value): 409.
    const MAY_CONFLICT: bool = false;

    /// POST and PUT: every field from `input`, omitted ones back to their defaults.
    fn full(input: Self::Input) -> Result<Self::Fields, FieldErrors>;

    /// PATCH: this item's fields with those sent in `input` changed; none sent is an error.
    fn patch(&self, input: Self::Input) -> Result<Self::Fields, FieldErrors>;

    /// A new item of `owner` holding `fields`.
    fn create(owner: UserId, id: String, fields: Self::Fields, created: Stamp) -> Self;

    /// This item holding `fields`, one version later.
    fn successor(&self, fields: Self::Fields, updated: Stamp) -> Self;
}

/// When a write happens, and the version it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub at: String,
    pub version: Version,
}

impl Stamp {
    pub fn first() -> Self {
        Self { at: clock::format_timestamp(clock::now()), version: Version::FIRST }
    }

    pub fn after(version: Version) -> Self {
        Self { at: clock::format_timestamp(clock::now()), version: version.next() }
    }
}
