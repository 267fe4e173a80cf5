//! The whole API's OpenAPI 3.1 document: every function's part, the security scheme, and
//! this function's own `/health`.

use shared::http::DocumentOnly;
use shared::http::openapi::BEARER;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder};

/// This function's own part of the document: `/health`.
pub fn own_operations() -> OpenApi {
    crate::health::api().openapi()
}

pub fn openapi() -> OpenApi {
    let info = InfoBuilder::new()
        .title("taskmoney API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "A personal task and money API: register, log in with JWTs, and manage your own tasks, expenses and \
             budgets. Authorize with the `access` token of POST /auth/login. Errors are always \
             `{\"detail\", \"code\"}` (plus `errors` per field for 400 `invalid` and 409 `conflict`).",
        ))
        .build();
    let tags = [
        ("auth", "Register, log in, rotate and revoke tokens."),
        ("tasks", "Your tasks."),
        ("expenses", "Your expenses, in exact decimals."),
        ("budgets", "Your budgets (one per category and month) and the monthly summary."),
        ("health", "Liveness."),
    ]
    .map(|(name, description)| TagBuilder::new().name(name).description(Some(description)).build());
    let mut document = OpenApiBuilder::new().info(info).tags(Some(tags)).build();
    // DocumentOnly: the other functions' handlers are not linked into this one.
    let parts = [
        own_operations(),
        auth::api::<DocumentOnly>().openapi(),
        tasks::api::<DocumentOnly>().openapi(),
        finance::api::<DocumentOnly>().openapi(),
    ];
    for part in parts {
        document.merge(part);
    }
    let scheme = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .bearer_format("JWT")
        .description(Some("The `access` token of POST /auth/login or /auth/refresh."));
    if let Some(components) = document.components.as_mut() {
        components.add_security_scheme(BEARER, SecurityScheme::Http(scheme.build()));
    }
    document
}
