//! Handler tests of the docs function: the router called in-process with API Gateway
//! events. The document is checked against the template's routes, so a route added
//! without documentation fails here.

use std::collections::BTreeSet;

use axum::Router;
use devtools::Template;
use devtools::template::RouteTarget;
use serde_json::{Value, json};
use shared::config::Env;
use testkit::{TestRequest, TestResponse, assert_error, assert_serves_exactly_the_documented_methods, call};

fn app() -> Router {
    let env = Env::from_vars([("CORS_ALLOWED_ORIGINS", "http://localhost:3000")]);
    docs::router(&docs::DocsConfig::from_env(env).expect("valid configuration").cors).expect("the document serialises")
}

async fn get(path: &str) -> TestResponse {
    call(&app(), TestRequest::new("GET", path)).await
}

#[tokio::test]
async fn health_is_ok_without_authentication() {
    let response = get("/health").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, json!({"status": "ok"}));
    let wrong_method = call(&app(), TestRequest::new("DELETE", "/health")).await;
    assert_error(&wrong_method, 405, "method_not_allowed");
    assert_eq!(wrong_method.header("allow"), Some("GET,HEAD"));
}

#[tokio::test]
async fn unknown_routes_are_json_404s() {
    assert_error(&get("/nowhere").await, 404, "not_found");
    assert_error(&get("/").await, 404, "not_found");
}

#[tokio::test]
async fn the_docs_page_and_its_assets_come_from_the_function() {
    let redirect = get("/docs").await;
    assert!(redirect.status.is_redirection(), "{}", redirect.status);
    assert_eq!(redirect.header("location"), Some("/docs/"));
    let page = get("/docs/").await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap();
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"), "no remote assets");
    let loaded: Vec<&str> = html.split(['"', '\'']).filter_map(|text| text.strip_prefix("./")).collect();
    assert_eq!(loaded.len(), 7, "the styles, the icons, the scripts and the initializer: {loaded:?}");
    for asset in loaded {
        let response = get(&format!("/docs/{asset}")).await;
        assert_eq!(response.status, 200, "{asset}");
        assert!(response.raw.len() > 100, "{asset}");
    }
    let initializer = get("/docs/swagger-initializer.js").await;
    assert!(initializer.body.as_str().unwrap().contains("\"/openapi.json\""), "the page loads our document");
    // The release's files that the page does not load are not served (nor compiled in).
    let folder = docs::swagger::ASSETS_FOLDER;
    for unused in ["swagger-ui-es-bundle.js", "swagger-ui.js", "oauth2-redirect.html"] {
        assert_error(&get(&format!("/docs/{folder}/{unused}")).await, 404, "not_found");
    }
    assert_error(&get("/docs/swagger-ui-bundle.js").await, 404, "not_found");
}

#[tokio::test]
async fn the_docs_are_gzipped_for_clients_that_take_it_and_cacheable() {
    use std::io::Read;
    let router = app();
    let gzipped =
        |path: &str, accept: &str| call(&router, TestRequest::new("GET", path).header("accept-encoding", accept));
    let small = gzipped("/docs/swagger-initializer.js", "gzip").await;
    assert!(small.raw.len() < 1024, "under 1 KiB: not worth a Content-Encoding");
    assert_eq!((small.header("content-encoding"), small.header("cache-control")), (None, Some("no-cache")));
    let folder = docs::swagger::ASSETS_FOLDER;
    let immutable = "public, max-age=31536000, immutable";
    for (path, cache_control) in [
        (format!("/docs/{folder}/swagger-ui-bundle.js"), immutable),
        (format!("/docs/{folder}/swagger-ui.css"), immutable),
        (format!("/docs/{folder}/swagger-ui-standalone-preset.js"), immutable),
        ("/openapi.json".to_owned(), "no-cache"),
    ] {
        let path = path.as_str();
        let plain = gzipped(path, "identity").await;
        assert_eq!((plain.status.as_u16(), plain.header("content-encoding")), (200, None), "{path}");
        assert_eq!(plain.header("cache-control"), Some(cache_control), "{path}");
        let packed = gzipped(path, "gzip, deflate, br").await;
        assert_eq!(packed.header("content-encoding"), Some("gzip"), "{path}");
        let varies_by = packed.header("vary").unwrap_or_default().split(',').map(str::trim).collect::<Vec<_>>();
        assert!(varies_by.contains(&"accept-encoding"), "{path}: {varies_by:?}");
        assert_eq!(packed.header("cache-control"), Some(cache_control), "{path}");
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(packed.raw.as_slice()).read_to_end(&mut unpacked).unwrap();
        assert_eq!(unpacked, plain.raw, "{path}: the same bytes");
        if path.ends_with("bundle.js") {
            assert!(
                packed.raw.len() * 3 < plain.raw.len(),
                "{path}: {} of {} bytes",
                packed.raw.len(),
                plain.raw.len()
            );
        }
        let refused = gzipped(path, "gzip;q=0").await;
        assert_eq!(refused.header("content-encoding"), None, "{path}");
    }
    // A redirect is left alone.
    let redirect = gzipped("/docs", "gzip").await;
    assert!(redirect.status.is_redirection() && redirect.header("content-encoding").is_none());
}

fn document() -> Value {
    serde_json::to_value(docs::api::openapi()).unwrap()
}

/// Every path of template.yaml's HTTP API that serves API operations, as OpenAPI writes it.
fn template_paths() -> BTreeSet<String> {
    let template = Template::load(&devtools::repository_root().join("template.yaml")).unwrap();
    template
        .http_routes()
        .unwrap()
        .into_iter()
        .filter_map(|route| match route.target {
            RouteTarget::Path(path) if !path.starts_with("/docs") && path != "/openapi.json" => Some(path),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_document_is_served_and_is_openapi_3_1() {
    let response = get("/openapi.json").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["openapi"], "3.1.0");
    assert_eq!(response.body, document());
}

#[test]
fn every_route_of_the_template_is_documented() {
    let document = document();
    let documented: BTreeSet<String> = document["paths"].as_object().unwrap().keys().cloned().collect();
    for path in template_paths() {
        assert!(documented.contains(&path), "{path} is routed but not documented");
    }
    assert!(documented.contains("/budgets/summary"));
}

#[test]
fn every_operation_documents_its_errors_in_the_error_shape() {
    let document = document();
    let methods = ["get", "put", "post", "patch", "delete"];
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap().iter().filter(|(m, _)| methods.contains(&m.as_str())) {
            operations += 1;
            let responses = operation["responses"].as_object().unwrap();
            let name = format!("{method} {path}");
            for (status, response) in responses.iter().filter(|(status, _)| status.as_str() >= "400") {
                let schema = &response["content"]["application/json"]["schema"];
                if status == "429" {
                    // The stage throttle's answer is API Gateway's own.
                    let shapes: Vec<&Value> = schema["anyOf"].as_array().unwrap().iter().map(|s| &s["$ref"]).collect();
                    assert_eq!(shapes, ["#/components/schemas/Error", "#/components/schemas/GatewayError"], "{name}");
                } else {
                    assert_eq!(schema["$ref"], "#/components/schemas/Error", "{name} {status}");
                }
            }
            if operation.get("security").is_some() {
                assert!(responses.contains_key("401"), "{name}: 401");
            }
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(responses.contains_key(status), "{name}: {status}");
                }
            }
            if path.contains("{id}") {
                assert!(responses.contains_key("404"), "{name}: 404");
            }
            // Owned items take If-Match; a session (DELETE /auth/sessions/{id}) has no versions.
            if path.contains("{id}") && method != "get" && !path.starts_with("/auth/") {
                assert!(responses.contains_key("412"), "{name}: 412");
            }
        }
    }
    assert_eq!(operations, 36, "every operation of the API");
    let login = &document["paths"]["/auth/login"]["post"]["responses"];
    assert!(login.get("429").is_some());
    for conflicting in
        [("/auth/register", "post"), ("/budgets", "post"), ("/budgets/{id}", "put"), ("/budgets/{id}", "patch")]
    {
        assert!(document["paths"][conflicting.0][conflicting.1]["responses"].get("409").is_some(), "{conflicting:?}");
    }
    for collection in ["/tasks", "/expenses", "/budgets"] {
        let create = &document["paths"][collection]["post"];
        let parameters = create["parameters"].as_array().unwrap();
        assert!(parameters.iter().any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"), "{collection}");
        assert!(create["responses"].get("409").is_some(), "{collection}: a key used for another request");
        assert!(create["responses"]["201"]["headers"].get("Idempotent-Replayed").is_some(), "{collection}");
    }
    let scheme = &document["components"]["securitySchemes"]["bearer_auth"];
    assert_eq!((scheme["type"].as_str(), scheme["scheme"].as_str()), (Some("http"), Some("bearer")));
}

#[tokio::test]
async fn the_router_serves_exactly_the_documented_methods() {
    assert_serves_exactly_the_documented_methods(&app(), &docs::api::own_operations()).await;
}
