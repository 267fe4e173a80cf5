//! The interactive docs: Swagger UI, served by this function, so /docs needs no internet. The
//! page and its initializer are ours and change with a deployment; the release's files (see
//! `build.rs`) live in a folder named by its version, `/docs/swagger-ui-<version>/`, so their
//! names change whenever their content does.

use axum::Router;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use http::{HeaderValue, header};
use shared::error::ApiError;

include!(concat!(env!("OUT_DIR"), "/swagger_ui.rs"));

/// One of Swagger UI's files, compiled in (text gzipped at build time).
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub gzipped: bool,
    pub bytes: &'static [u8],
}

const INITIALIZER: &str = include_str!("../swagger/swagger-initializer.js");

/// Whether `path` names one of the release's files, whose content never changes under its name.
pub fn is_versioned_asset(path: &str) -> bool {
    path.strip_prefix("/docs/")
        .and_then(|rest| rest.strip_prefix(ASSETS_FOLDER))
        .is_some_and(|rest| rest.starts_with('/'))
}

pub fn router() -> Router {
    Router::new()
        .route("/docs", get(|| async { Redirect::permanent("/docs/") }))
        .route("/docs/", get(|| async { Html(PAGE) }))
        .route("/docs/index.html", get(|| async { Html(PAGE) }))
        .route("/docs/swagger-initializer.js", get(|| async { ([(header::CONTENT_TYPE, JAVASCRIPT)], INITIALIZER) }))
        .route(&format!("/docs/{ASSETS_FOLDER}/{{name}}"), get(asset))
}

const JAVASCRIPT: &str = "application/javascript; charset=utf-8";

async fn asset(Path(name): Path<String>) -> Result<Response, ApiError> {
    let asset = ASSETS.iter().find(|asset| asset.name == name).ok_or(ApiError::NotFound)?;
    let mut response = ([(header::CONTENT_TYPE, asset.content_type)], asset.bytes).into_response();
    if asset.gzipped {
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_every_asset_from_the_versioned_folder_and_nothing_else() {
        assert_eq!(ASSETS_FOLDER, format!("swagger-ui-{VERSION}"));
        for asset in ASSETS {
            assert!(PAGE.contains(&format!("./{ASSETS_FOLDER}/{}", asset.name)), "{} is loaded", asset.name);
        }
        assert!(!PAGE.contains("{assets}") && !PAGE.contains("//"), "no placeholder and no remote asset: {PAGE}");
    }

    #[test]
    fn only_the_release_folder_is_versioned() {
        assert!(is_versioned_asset(&format!("/docs/{ASSETS_FOLDER}/swagger-ui-bundle.js")));
        for path in ["/docs/", "/docs/swagger-initializer.js", "/docs/swagger-ui-bundle.js", "/openapi.json"] {
            assert!(!is_versioned_asset(path), "{path}");
        }
        assert!(!is_versioned_asset(&format!("/docs/{ASSETS_FOLDER}x/swagger-ui.css")));
    }
}
