//! The interactive docs' answers, compressed and cacheable. Swagger UI's assets are compiled in
//! already gzipped (see `build.rs`: the bundle's 1.5 MB of JavaScript is about 0.4 MB in the
//! binary) and passed on as they are to a client whose `Accept-Encoding` takes gzip; the rare
//! client that does not is sent them inflated. The other answers (the page, `/openapi.json`) are
//! gzipped once per cold start. The release's files, whose folder is named by its version, are
//! cached for a year and never revalidated; the page, its initializer and the document, which
//! change with a deployment, are always revalidated.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use http::{HeaderMap, HeaderValue, StatusCode, header};

use crate::swagger;

/// The largest answer handled here (the bundle is about 1.5 MB inflated).
const MAX_BODY: usize = 8 * 1024 * 1024;
/// Smaller answers are not worth a `Content-Encoding`.
const MIN_BODY: usize = 1024;
/// An asset whose name changes with its content: kept a year, never revalidated.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// Gzipped generated answers by path, made on first request.
#[derive(Clone, Default)]
pub struct Compressed(Arc<Mutex<HashMap<String, Bytes>>>);

/// Whether a path's answer is compressed and cached here: the docs and the document.
fn handled(path: &str) -> bool {
    path.starts_with("/docs/") || path == "/openapi.json"
}

/// The `Cache-Control` of a path's answer.
fn cache_control(path: &str) -> &'static str {
    if swagger::is_versioned_asset(path) { IMMUTABLE } else { REVALIDATE }
}

/// Whether `Accept-Encoding` takes gzip (explicitly or as `*`, and not with `q=0`).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|value| value.to_str().ok()).any(|value| {
        value.split(',').any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|parameter| {
                parameter.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
    })
}

fn compressible(headers: &HeaderMap) -> bool {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    content_type.starts_with("text/")
        || content_type.starts_with("application/javascript")
        || content_type.starts_with("application/json")
        || content_type.starts_with("image/svg+xml")
}

fn gzipped(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_ENCODING).is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"gzip"))
}

fn gzip(bytes: &[u8]) -> Option<Bytes> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 3), Compression::best());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn gunzip(bytes: &[u8]) -> Option<Bytes> {
    let mut inflated = Vec::with_capacity(bytes.len() * 4);
    GzDecoder::new(bytes).take(MAX_BODY as u64).read_to_end(&mut inflated).ok()?;
    Some(Bytes::from(inflated))
}

/// The middleware: caching headers on every docs answer, and gzip exactly where the client takes it.
pub async fn compress(State(cache): State<Compressed>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let wants_gzip = accepts_gzip(request.headers());
    let response = next.run(request).await;
    if !handled(&path) || response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control(&path)));
    parts.headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    let already_gzipped = gzipped(&parts.headers);
    if wants_gzip == already_gzipped || (!already_gzipped && !compressible(&parts.headers)) {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    if already_gzipped {
        return match gunzip(&bytes) {
            Some(inflated) => {
                parts.headers.remove(header::CONTENT_ENCODING);
                Response::from_parts(parts, Body::from(inflated))
            }
            None => Response::from_parts(parts, Body::from(bytes)),
        };
    }
    let cached = cache.0.lock().ok().and_then(|cache| cache.get(&path).cloned());
    let compressed = match cached {
        Some(compressed) => Some(compressed),
        None if bytes.len() >= MIN_BODY => gzip(&bytes).inspect(|compressed| {
            if let Ok(mut cache) = cache.0.lock() {
                cache.insert(path.clone(), compressed.clone());
            }
        }),
        None => None,
    };
    match compressed.filter(|compressed| compressed.len() < bytes.len()) {
        Some(compressed) => {
            parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            Response::from_parts(parts, Body::from(compressed))
        }
        None => Response::from_parts(parts, Body::from(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn gzip_is_taken_when_named_or_starred_but_not_at_q_zero() {
        assert!(accepts_gzip(&accept("gzip, deflate, br")));
        assert!(accepts_gzip(&accept("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&accept("*")));
        assert!(!accepts_gzip(&accept("gzip;q=0")));
        assert!(!accepts_gzip(&accept("br, identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn versioned_assets_are_immutable_and_what_changes_with_a_deployment_is_revalidated() {
        let bundle = format!("/docs/{}/swagger-ui-bundle.js", swagger::ASSETS_FOLDER);
        assert_eq!(cache_control(&bundle), IMMUTABLE);
        for path in ["/docs/", "/docs/index.html", "/docs/swagger-initializer.js", "/openapi.json"] {
            assert_eq!(cache_control(path), REVALIDATE, "{path}");
        }
    }
}
