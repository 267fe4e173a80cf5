//! The handlers every owned resource shares: list, create, read, replace (PUT), patch and
//! delete, with ownership, validation, pages, ETag / If-Match and `Location` done once. A
//! resource declares its rules by implementing [`Resource`], and what its list reads by
//! implementing [`Listed`] (the query string) and `store::Listing` (the table).
//!
//! ```ignore
//! Api::new().list::<Task>("List your tasks", &parameters).resource::<Task>()
//! ```
//! The router's state must give `OwnedTable<Task>` and the `Authenticator` by `FromRef`.

use axum::Json;
use axum::extract::{FromRef, FromRequestParts, RawQuery, State};
use axum::response::Response;
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use utoipa::ToSchema;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::{RefOr, Schema};

use super::idempotency;
use super::response::{created, with_etag};
use super::{Api, AuthUser, ItemId, JsonInput, QueryParams, Routes};
use crate::error::ApiError;
use crate::http::openapi::{self, Needs, Op};
use crate::idempotency::IdempotencyKey;
use crate::identity::{Authenticator, SignedToken};
use crate::resource::{OwnedItem, Resource, View};
use crate::store::{Inserted, KeyedCreate, Listing, OwnedTable, Page, Stored};
use crate::version::{IfMatch, Version};

/// POST. With an `Idempotency-Key`, the item and the key's record are written together;
/// a repetition of the same request gets the first answer again (`Idempotent-Replayed:
/// true`), a different request with that key 409.
pub async fn create<R: Resource + Stored>(
    State(table): State<OwnedTable<R>>,
    caller: AuthUser,
    key: Option<IdempotencyKey>,
    body: JsonInput<R::Input>,
) -> Result<Response, ApiError> {
    let fields = body.check(R::full(body.value.clone()))?;
    let item = OwnedItem::create(caller.user_id, fields);
    let view = item.view();
    let keyed = match key {
        Some(key) => {
            let answer = serde_json::to_string(&view).map_err(ApiError::internal)?;
            Some(KeyedCreate { key, fingerprint: body.fingerprint.clone(), answer })
        }
        None => None,
    };
    let location = |id: &str| format!("{}/{}", R::COLLECTION, id);
    match table.insert(&item, keyed.as_ref()).await? {
        Inserted::New => Ok(created(&location(&item.id), item.version, view)),
        Inserted::Repeated { id, answer } => {
            let first: serde_json::Value = serde_json::from_str(&answer).map_err(ApiError::internal)?;
            let mut response = created(&location(&id), Version::FIRST, first);
            response.headers_mut().insert(idempotency::REPLAYED, HeaderValue::from_static("true"));
            Ok(response)
        }
    }
}

/// How a resource's list (`GET R::COLLECTION`) reads the query string; the store's [`Listing`]
/// says how it reads the table.
pub trait Listed: Resource + Listing {
    /// Its parameters besides `limit` and `cursor`, in the documentation's order.
    const PARAMETERS: &'static [&'static str];

    /// The query from the request's parameters; problems are recorded in `params`.
    fn query(params: &mut QueryParams) -> Self::Query;
}

/// Every query parameter a list of `R` takes: the page's, then its own.
pub fn list_parameters<R: Listed>() -> Vec<&'static str> {
    [&["limit", "cursor"][..], R::PARAMETERS].concat()
}

/// GET on the collection: one page of the caller's items, newest first in the list's order.
pub async fn list<R: Listed>(
    State(table): State<OwnedTable<R>>,
    caller: AuthUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<View<R::View>>>, ApiError> {
    let mut params = QueryParams::parse(raw.as_deref(), &list_parameters::<R>())?;
    let page = params.page();
    let query = R::query(&mut params);
    params.finish()?;
    let (scope, filter) = R::read(&query);
    let items = table.page(&caller.user_id, &scope, &page, filter).await?;
    Ok(Json(items.map(|item| item.view())))
}

pub async fn get<R: Owned>(item: ItemOf<R>) -> Result<Response, ApiError> {
    let stored = item.table.get_authenticated(&item.caller, &item.id).await?.ok_or(ApiError::NotFound)?;
    Ok(with_etag(stored.version, stored.view()))
}

/// PUT: full replacement; omitted fields go back to their defaults.
pub async fn replace<R: Owned>(item: ItemOf<R>, if_match: IfMatch, body: Body<R>) -> Result<Response, ApiError> {
    let fields = body.check(R::full(body.value.clone()))?;
    let updated = item.table.update(&item.caller, &item.id, &if_match, |current| Ok(current.successor(fields.clone())));
    let stored = updated.await?;
    Ok(with_etag(stored.version, stored.view()))
}

/// PATCH: only the fields sent change.
pub async fn patch<R: Owned>(item: ItemOf<R>, if_match: IfMatch, body: Body<R>) -> Result<Response, ApiError> {
    let stored = item
        .table
        .update(&item.caller, &item.id, &if_match, |current| {
            let fields = body.check(current.fields.patch(body.value.clone()))?;
            Ok(current.successor(fields))
        })
        .await?;
    Ok(with_etag(stored.version, stored.view()))
}

pub async fn delete<R: Owned>(item: ItemOf<R>, if_match: IfMatch) -> Result<StatusCode, ApiError> {
    item.table.remove(&item.caller, &item.id, &if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A resource the shared handlers serve: its rules, and how it is stored.
pub trait Owned: Resource + Stored {}

impl<R: Resource + Stored> Owned for R {}

/// The body of a create, replace or patch of `R`.
type Body<R> = JsonInput<<R as Resource>::Input>;

/// The item a request on `R::COLLECTION/{id}` names, of the caller, in `R`'s table. The token
/// is checked here (401) and then the id (404); the token's session is read with the item's
/// first read, in one call (401 when it is not open, before any 404, 412 or write), or alone
/// first when the id is malformed. So a request with an ended session's token whose own input
/// is refused before that read (a malformed `If-Match`, a body a PUT cannot take: 400) gets that
/// answer instead; nothing is read or written for it either way.
pub struct ItemOf<R> {
    table: OwnedTable<R>,
    caller: SignedToken,
    id: String,
}

impl<S, R> FromRequestParts<S> for ItemOf<R>
where
    S: Send + Sync,
    R: Send + Sync,
    Authenticator: FromRef<S>,
    OwnedTable<R>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let caller = SignedToken::from_request_parts(parts, state).await?;
        match ItemId::from_request_parts(parts, state).await {
            Ok(ItemId(id)) => Ok(Self { table: OwnedTable::from_ref(state), caller, id }),
            Err(rejection) => {
                caller.open().await?;
                Err(rejection)
            }
        }
    }
}

impl<S, Rs> Api<S, Rs>
where
    S: Clone + Send + Sync + 'static,
    Rs: Routes<S>,
    Authenticator: FromRef<S>,
{
    /// GET on `R::COLLECTION`: one page of the caller's items, documented with `summary` and
    /// the list's own `parameters` (name, description, schema), which must be the ones
    /// `R::query` reads, in its order: otherwise this panics, when the function's routes are
    /// first built.
    pub fn list<R>(self, summary: &str, parameters: &[(&str, &str, RefOr<Schema>)]) -> Self
    where
        R: Listed,
        R::View: ToSchema,
        OwnedTable<R>: FromRef<S>,
    {
        let names: Vec<&str> = parameters.iter().map(|(name, ..)| *name).collect();
        assert_eq!(names, R::PARAMETERS, "GET {} documents the parameters it reads", R::COLLECTION);
        let tag = R::COLLECTION.trim_start_matches('/');
        let needs = Needs { token: true, query: true, database: true, ..Needs::default() };
        let operation = Op::new(HttpMethod::Get, R::COLLECTION, tag, &format!("list_{tag}"), summary, needs)
            .query(&[openapi::page_parameters(), parameters.to_vec()].concat())
            .answers_page::<View<R::View>>(&format!("One page of {tag}."));
        self.route(operation, list::<R>)
    }

    /// The five routes of the owned resource `R` (POST on `R::COLLECTION`; GET, PUT, PATCH and
    /// DELETE on `R::COLLECTION/{id}`), each with its operation.
    pub fn resource<R>(self) -> Self
    where
        R: Resource + Stored,
        R::Input: ToSchema,
        R::View: ToSchema,
        OwnedTable<R>: FromRef<S>,
    {
        let [post, read, put, change, remove] = operations::<R>();
        self.route(post, create::<R>)
            .route(read, get::<R>)
            .route(put, replace::<R>)
            .route(change, patch::<R>)
            .route(remove, delete::<R>)
    }
}

/// The OpenAPI operations of [`create`], [`get`], [`replace`], [`patch`] and [`delete`] for
/// `R`, in that order, tagged with its collection's name ("tasks"); `R::NOUN` names one item in
/// summaries.
pub fn operations<R>() -> [Op; 5]
where
    R: Resource + Stored,
    R::Input: ToSchema,
    R::View: ToSchema,
{
    let (collection, noun) = (R::COLLECTION, R::NOUN);
    let tag = collection.trim_start_matches('/');
    let item = format!("{collection}/{{id}}");
    let a_noun = with_article(noun);
    let base = Needs { token: true, database: true, conflict: R::MAY_CONFLICT, ..Needs::default() };
    let written = Needs { body: true, ..base };
    let one = Needs { item: true, ..base };
    let changed = Needs { body: true, item: true, if_match: true, ..base };
    let op = |method, path: &str, verb: &str, summary: &str, needs| {
        Op::new(method, path, tag, &format!("{verb}_{noun}"), &format!("{summary} {a_noun}"), needs)
    };
    [
        op(HttpMethod::Post, collection, "create", "Create", written)
            .idempotency_key()
            .body_requiring::<R::Input>(R::REQUIRED)
            .answers::<View<R::View>>(201, &format!("The new {noun}."), true, true),
        op(HttpMethod::Get, &item, "get", "Read", Needs { conflict: false, ..one }).answers::<View<R::View>>(
            200,
            &format!("The {noun}."),
            true,
            false,
        ),
        op(HttpMethod::Put, &item, "replace", "Replace", changed)
            .description("Full replacement: omitted fields go back to their defaults.")
            .body_requiring::<R::Input>(R::REQUIRED)
            .answers::<View<R::View>>(200, &format!("The {noun}, one version later."), true, false),
        op(HttpMethod::Patch, &item, "update", "Update some fields of", changed)
            .description("Only the fields sent change; a body with nothing to change is 400.")
            .body_not_empty::<R::Input>()
            .answers::<View<R::View>>(200, &format!("The {noun}, one version later."), true, false),
        op(HttpMethod::Delete, &item, "delete", "Delete", Needs { if_match: true, conflict: false, ..one })
            .answers_empty(204, "Deleted."),
    ]
}

/// "a task", "an expense": summaries name one item with its indefinite article.
fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {noun}")
}

#[cfg(test)]
mod tests {
    use super::with_article;

    #[test]
    fn summaries_take_the_right_article() {
        assert_eq!(with_article("task"), "a task");
        assert_eq!(with_article("expense"), "an expense");
        assert_eq!(with_article("budget"), "a budget");
    }
}
