//! The OpenAPI pieces every function's part of the document is built from: the error body
//! as `ApiError` writes it, the error responses each kind of operation can give, and an
//! operation builder. Each function describes its own routes next to them (its `api.rs`);
//! the docs function merges the parts.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{
    AdditionalProperties, AllOfBuilder, AnyOfBuilder, ArrayBuilder, ObjectBuilder, SchemaType, Type,
};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ComponentsBuilder, ContentBuilder, OpenApi, Ref, RefOr, Required, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::error::ApiError;
use crate::field::Field;
use crate::http::body::{MAX_BODY_BYTES, READ_ONLY_FIELDS};
use crate::idempotency;
use crate::resource::View;
use crate::version::Version;

/// The name of the bearer security scheme.
pub const BEARER: &str = "bearer_auth";
const ERROR: &str = "Error";
const GATEWAY_ERROR: &str = "GatewayError";

/// A body field's schema is its value's.
impl<T: PartialSchema> PartialSchema for Field<T> {
    fn schema() -> RefOr<Schema> {
        T::schema()
    }
}

impl<T: ToSchema> ToSchema for Field<T> {
    fn name() -> std::borrow::Cow<'static, str> {
        T::name()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        T::schemas(schemas)
    }
}

/// An owned item's view: `id`, the resource's own fields, the timestamps and the version, as
/// one flat object under the resource's name (`Task`), described as its fields' view is.
impl<V: ToSchema> PartialSchema for View<V> {
    fn schema() -> RefOr<Schema> {
        let RefOr::T(Schema::Object(own)) = V::schema() else {
            unreachable!("a resource's view is an object with named fields")
        };
        let text = |description: &str| ObjectBuilder::new().schema_type(Type::String).description(Some(description));
        let mut view =
            ObjectBuilder::new().description(own.description.clone()).property("id", text("A ULID.")).required("id");
        for (name, schema) in own.properties {
            view = view.property(name, schema);
        }
        for name in own.required {
            view = view.required(name);
        }
        view.property("created_at", text("RFC 3339, UTC."))
            .required("created_at")
            .property("updated_at", text("RFC 3339, UTC."))
            .required("updated_at")
            .property("version", Ref::from_schema_name(Version::name()))
            .required("version")
            .into()
    }
}

impl<V: ToSchema> ToSchema for View<V> {
    fn name() -> std::borrow::Cow<'static, str> {
        V::name()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Version::name().into_owned(), Version::schema()));
        V::schemas(schemas);
    }
}

/// `{"detail", "code", "errors"?}`: the body of every error response.
fn error_schema() -> Schema {
    let messages = ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String));
    ObjectBuilder::new()
        .description(Some("Every error: a sentence for people and a code for programs."))
        .property("detail", ObjectBuilder::new().schema_type(Type::String))
        .required("detail")
        .property("code", ObjectBuilder::new().schema_type(Type::String).enum_values(Some(ApiError::CODES.to_vec())))
        .required("code")
        .property(
            "errors",
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some("400 `invalid` and 409 `conflict`: the messages per field."))
                .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(messages.into())))),
        )
        .into()
}

/// `{"message"}`: what API Gateway itself answers when its stage throttle refuses a request
/// (an HTTP API cannot reshape its own answers).
fn gateway_error_schema() -> Schema {
    ObjectBuilder::new()
        .description(Some("API Gateway's own answer to a throttled request: `{\"message\": \"Too Many Requests\"}`."))
        .property("message", ObjectBuilder::new().schema_type(Type::String))
        .required("message")
        .into()
}

fn header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some(description))
        .build()
}

/// The documented answer for an error status.
fn error_response(status: u16, login_throttle: bool) -> Response {
    let description = match status {
        400 => {
            "Malformed JSON or a body that is not an object (`parse_error`), or invalid fields or query parameters (`invalid`)."
        }
        401 => "No token (`not_authenticated`), or an invalid, expired or wrong-type one (`token_not_valid`).",
        404 => "No such item for this user (also when the id is malformed or another user's).",
        405 => "The path exists but not with this method; `Allow` lists the methods it has.",
        409 => {
            "Conflicts with existing data, or an `Idempotency-Key` used before for another request (`conflict`); `errors` names the fields or the header."
        }
        412 => "`If-Match` does not match the current version (`precondition_failed`); nothing was written.",
        413 => "The body is larger than 64 KiB (`payload_too_large`).",
        415 => "The body is not `application/json` (`unsupported_media_type`).",
        429 if login_throttle => {
            "Too many failed logins for this name (`throttled`); retry after `Retry-After` seconds. Or too many requests to the API: API Gateway's stage throttle answers that itself, as `{\"message\": \"Too Many Requests\"}`."
        }
        429 => {
            "Too many requests to the API: API Gateway's stage throttle (`ThrottlingBurstLimit`, `ThrottlingRateLimit`) answers this itself, as `{\"message\": \"Too Many Requests\"}`; retry later."
        }
        503 => {
            "The database cannot be reached, or a write without `If-Match` kept losing races to other writers for its whole retry budget (`service_unavailable`); retry after `Retry-After` seconds."
        }
        _ => "Error.",
    };
    let schema: RefOr<Schema> = match status {
        429 => AnyOfBuilder::new().item(Ref::from_schema_name(ERROR)).item(Ref::from_schema_name(GATEWAY_ERROR)).into(),
        _ => Ref::from_schema_name(ERROR).into(),
    };
    let mut response = ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(schema)).build());
    response = match status {
        401 => response.header("WWW-Authenticate", header("`Bearer`, with `error=\"invalid_token\"` for a bad token.")),
        405 => response.header("Allow", header("The methods this path has.")),
        429 if login_throttle => response.header("Retry-After", header("Seconds to wait (for `throttled`).")),
        503 => response.header("Retry-After", header("Seconds to wait.")),
        _ => response,
    };
    response.build()
}

/// What an operation needs, from which its possible error statuses follow.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    /// A Bearer access token: 401.
    pub token: bool,
    /// A JSON body: 400, 413, 415.
    pub body: bool,
    /// Query parameters: 400.
    pub query: bool,
    /// A rule of its own that can refuse with 400 `invalid`, without a body or query to blame.
    pub invalid: bool,
    /// An item id in the path: 404.
    pub item: bool,
    /// Honours `If-Match`: 412.
    pub if_match: bool,
    /// May conflict with existing data: 409.
    pub conflict: bool,
    /// Counts failures and refuses with 429 `throttled` (every operation may get API
    /// Gateway's own 429 from the stage throttle).
    pub throttle: bool,
    /// Reads or writes the database: 503.
    pub database: bool,
}

/// One operation of the document.
pub struct Op {
    method: HttpMethod,
    path: String,
    needs: Needs,
    builder: OperationBuilder,
    schemas: Vec<(String, RefOr<Schema>)>,
    /// The schema names of request bodies, which get the read-only fields and no others.
    bodies: Vec<String>,
    /// Takes an `Idempotency-Key`, so its 201 may be a replay.
    replayable: bool,
}

impl Op {
    pub fn method(&self) -> &HttpMethod {
        &self.method
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn new(method: HttpMethod, path: &str, tag: &str, operation_id: &str, summary: &str, needs: Needs) -> Self {
        let mut builder = OperationBuilder::new().tag(tag).operation_id(Some(operation_id)).summary(Some(summary));
        if needs.token {
            builder = builder.security(SecurityRequirement::new(BEARER, Vec::<String>::new()));
        }
        for parameter in path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}')) {
            builder = builder.parameter(
                ParameterBuilder::new()
                    .name(parameter)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .description(Some("The item's id (a ULID)."))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        if needs.if_match {
            builder = builder.parameter(
                ParameterBuilder::new()
                    .name("If-Match")
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some("The ETag last seen (`\"3\"`) or `*`; a stale one is 412."))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        Self {
            method,
            path: path.to_owned(),
            needs,
            builder,
            schemas: Vec::new(),
            bodies: Vec::new(),
            replayable: false,
        }
    }

    /// Takes `X-Token-Transport: cookie`: a browser app's refresh token travels in an `HttpOnly`
    /// cookie instead of the body; `what` says what the header changes here.
    pub fn token_transport(mut self, what: &str) -> Self {
        self.builder = self.builder.parameter(
            ParameterBuilder::new()
                .name("X-Token-Transport")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(what))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["cookie"])))),
        );
        self
    }

    /// Takes an `Idempotency-Key` (a create): a repetition of the same request gets the first
    /// answer again; another request with that key is 409. Call before `answers`.
    pub fn idempotency_key(mut self) -> Self {
        self.needs.conflict = true;
        self.replayable = true;
        let key = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(idempotency::MAX_LENGTH))
            .pattern(Some(idempotency::PATTERN))
            .examples(["8e03978e-40d5-43e8-bc93-6894a57f9324"]);
        self.builder = self.builder.parameter(
            ParameterBuilder::new()
                .name(idempotency::HEADER)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "A new value (a UUID) per create. Sending the same request again with it, within 24 hours, answers the first create again (`Idempotent-Replayed: true`) and creates nothing; another body with it is 409.",
                ))
                .schema(Some(key)),
        );
        self
    }

    fn reference<T: ToSchema>(&mut self) -> RefOr<Schema> {
        self.schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(&mut self.schemas);
        Ref::from_schema_name(T::name()).into()
    }

    pub fn description(mut self, text: &str) -> Self {
        self.builder = self.builder.description(Some(text));
        self
    }

    /// The JSON request body.
    pub fn body<T: ToSchema>(self) -> Self {
        self.body_with::<T>(None)
    }

    /// The JSON request body `T`, with these fields required (POST and PUT of a resource
    /// whose body type also serves PATCH, where nothing is required).
    pub fn body_requiring<T: ToSchema>(self, required: &[&str]) -> Self {
        let mut rule = ObjectBuilder::new();
        for field in required {
            rule = rule.required(*field);
        }
        self.body_with::<T>(Some(rule.into()))
    }

    /// The JSON request body `T` that must hold at least one of its own fields (PATCH; the
    /// read-only fields a client may echo back do not count).
    pub fn body_not_empty<T: ToSchema>(self) -> Self {
        let mut any_field = AnyOfBuilder::new();
        if let RefOr::T(Schema::Object(object)) = T::schema() {
            for field in object.properties.keys() {
                any_field = any_field.item(ObjectBuilder::new().required(field));
            }
        }
        self.body_with::<T>(Some(any_field.into()))
    }

    fn body_with<T: ToSchema>(mut self, rule: Option<Schema>) -> Self {
        self.bodies.push(T::name().into_owned());
        let mut schema = self.reference::<T>();
        if let Some(rule) = rule {
            schema = AllOfBuilder::new().item(schema).item(rule).into();
        }
        let body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .description(Some(format!("JSON, at most {MAX_BODY_BYTES} bytes; unknown fields are refused.")))
            .content("application/json", ContentBuilder::new().schema(Some(schema)).build());
        self.builder = self.builder.request_body(Some(body.build()));
        self
    }

    /// Query parameters: `(name, description, schema)`.
    pub fn query(mut self, parameters: &[(&str, &str, RefOr<Schema>)]) -> Self {
        for (name, description, schema) in parameters {
            self.builder = self.builder.parameter(
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some(*description))
                    .schema(Some(schema.clone())),
            );
        }
        self
    }

    /// A success answer with a JSON body of `T`; `etag`/`location` add those headers.
    pub fn answers<T: ToSchema>(mut self, status: u16, description: &str, etag: bool, location: bool) -> Self {
        let schema = self.reference::<T>();
        let mut response = ResponseBuilder::new()
            .description(description)
            .content("application/json", ContentBuilder::new().schema(Some(schema)).build());
        if etag {
            response = response.header("ETag", header("The item's version, quoted: `\"3\"`."));
        }
        if location {
            response = response.header("Location", header("The new item's path."));
        }
        if self.replayable && status == 201 {
            response = response.header(
                "Idempotent-Replayed",
                header("`true` when this is the first answer to this `Idempotency-Key`, given again."),
            );
        }
        self.builder = self.builder.response(status.to_string(), response.build());
        self
    }

    /// 200 with one page of `T`s: `{"results": [...], "next_cursor": "..." | null}`.
    pub fn answers_page<T: ToSchema>(mut self, description: &str) -> Self {
        let item = self.reference::<T>();
        let next_cursor = ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .description(Some("Pass as `cursor` for the next page; null on the last page."));
        let page = ObjectBuilder::new()
            .property("results", ArrayBuilder::new().items(item))
            .required("results")
            .property("next_cursor", next_cursor)
            .required("next_cursor");
        let response = ResponseBuilder::new()
            .description(description)
            .content("application/json", ContentBuilder::new().schema(Some(page)).build());
        self.builder = self.builder.response("200", response.build());
        self
    }

    /// 401 for a bad token in the body, though no Bearer token is needed.
    pub fn unauthorized_without_token(mut self) -> Self {
        self.builder = self.builder.response("401", error_response(401, false));
        self
    }

    /// A success answer without a body.
    pub fn answers_empty(mut self, status: u16, description: &str) -> Self {
        self.builder =
            self.builder.response(status.to_string(), ResponseBuilder::new().description(description).build());
        self
    }

    fn finish(self) -> Finished {
        let Needs { token, body, query, invalid, item, if_match, conflict, throttle, database } = self.needs;
        let mut builder = self.builder;
        for (status, applies) in [
            (400, body || query || invalid),
            (401, token),
            (404, item),
            (405, true),
            (409, conflict),
            (412, if_match),
            (413, body),
            (415, body),
            (429, true),
            (503, database),
        ] {
            if applies {
                builder = builder.response(status.to_string(), error_response(status, throttle));
            }
        }
        Finished {
            method: self.method,
            path: self.path,
            operation: builder.build(),
            schemas: self.schemas,
            bodies: self.bodies,
        }
    }
}

/// An operation ready for the document, with the schemas it names.
struct Finished {
    method: HttpMethod,
    path: String,
    operation: Operation,
    schemas: Vec<(String, RefOr<Schema>)>,
    bodies: Vec<String>,
}

/// A part of the document: some operations and the schemas they name.
pub fn document(operations: Vec<Op>) -> OpenApi {
    let mut openapi = OpenApi::default();
    let mut components =
        ComponentsBuilder::new().schema(ERROR, error_schema()).schema(GATEWAY_ERROR, gateway_error_schema()).build();
    let mut bodies = Vec::new();
    for operation in operations {
        let finished = operation.finish();
        openapi.paths.add_path_operation(finished.path, vec![finished.method], finished.operation);
        components.schemas.extend(finished.schemas);
        bodies.extend(finished.bodies);
    }
    for name in bodies {
        if let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut(&name) {
            close_body(body);
        }
    }
    openapi.components = Some(components);
    openapi
}

/// A body takes its own fields and the read-only ones a client may echo back (ignored), and
/// nothing else: unknown fields are 400.
fn close_body(body: &mut utoipa::openapi::schema::Object) {
    for field in READ_ONLY_FIELDS {
        let ignored = ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .description(Some("Read-only: accepted and ignored, so an object just read can be sent back."));
        body.properties.entry((*field).to_owned()).or_insert_with(|| RefOr::T(ignored.into()));
    }
    body.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
}

/// A query parameter's schema: a string, one of `choices` when there are any.
pub fn string_schema(choices: &[&str]) -> RefOr<Schema> {
    let mut schema = ObjectBuilder::new().schema_type(SchemaType::from(Type::String));
    if !choices.is_empty() {
        schema = schema.enum_values(Some(choices.to_vec()));
    }
    RefOr::T(schema.into())
}

/// `limit` and `cursor`, as every list takes them.
pub fn page_parameters() -> Vec<(&'static str, &'static str, RefOr<Schema>)> {
    let limit = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(100));
    vec![
        ("limit", "Items per page, 1 to 100 (default 20).", RefOr::T(limit.into())),
        ("cursor", "The `next_cursor` of the previous page.", string_schema(&[])),
    ]
}
