//! `cargo lambda watch`'s router (`[workspace.metadata.lambda.watch.router]` in the root
//! Cargo.toml) is generated from the template's `HttpApi` routes: `devtools write-router` writes
//! it between two marker lines, and `devtools check-routes` (run by local/start, local/test and
//! `cargo test -p devtools`) fails when the text there differs from what the template gives.
//!
//! What it writes routes each request to the function API Gateway would call. API Gateway (HTTP
//! API): among routes whose path and method match, the most specific path wins (static segment >
//! `{param}` > `{proxy+}`), then an exact method beats `ANY`; when none matches, the `$default`
//! route (an `HttpApi` event without `Path`) gets the request, else 404. cargo lambda watch: the
//! router ([matchit]) picks the most specific path first and looks the method up only in that one
//! entry (a plain string takes every method, a list only the methods it names). So a path with
//! only some methods in the template gets every method spelled out, the others going where
//! `$default` would send them; `/` and `/{*proxy}` stand in for `$default` itself.
//!
//! [matchit]: https://docs.rs/matchit

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

use crate::template::{HttpRoute, RouteTarget, Template};

/// Methods the comparison tries on every path.
pub const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// The local router's catch-all, standing in for API Gateway's `$default` route.
pub const CATCH_ALL: &str = "/{*proxy}";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Seg<'a> {
    // Order matters: a smaller variant is more specific.
    Static(&'a str),
    Param,
    CatchAll,
}

fn segments(pattern: &str) -> Vec<Seg<'_>> {
    pattern
        .trim_start_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with("{*") || (s.starts_with('{') && s.ends_with("+}")) {
                Seg::CatchAll
            } else if s.starts_with('{') && s.ends_with('}') {
                Seg::Param
            } else {
                Seg::Static(s)
            }
        })
        .collect()
}

/// Specificity key of a pattern: compared segment by segment, smaller is more specific.
fn specificity(pattern: &str) -> Vec<u8> {
    segments(pattern)
        .into_iter()
        .map(|s| match s {
            Seg::Static(_) => 0,
            Seg::Param => 1,
            Seg::CatchAll => 2,
        })
        .collect()
}

/// Does a concrete path match a pattern (`{p}` one non-empty segment, `{*p}` / `{p+}` the
/// non-empty rest)?
fn matches(pattern: &str, path: &str) -> bool {
    let pat = segments(pattern);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for (i, seg) in pat.iter().enumerate() {
        match seg {
            Seg::CatchAll => {
                let rest = parts.get(i..).map(|r| r.join("/")).unwrap_or_default();
                return !rest.is_empty();
            }
            Seg::Param => match parts.get(i) {
                Some(p) if !p.is_empty() => {}
                _ => return false,
            },
            Seg::Static(s) => {
                if parts.get(i) != Some(s) {
                    return false;
                }
            }
        }
    }
    parts.len() == pat.len()
}

/// A concrete path that matches the pattern.
fn sample(pattern: &str) -> String {
    let segs: Vec<String> = segments(pattern)
        .into_iter()
        .map(|s| match s {
            Seg::Static(s) => s.to_string(),
            Seg::Param => "sample-id".to_string(),
            Seg::CatchAll => "sample/rest".to_string(),
        })
        .collect();
    format!("/{}", segs.join("/"))
}

/// API Gateway's `{proxy+}` is matchit's `{*proxy}`; `{id}` is the same in both.
pub fn to_local_path(apigw_path: &str) -> String {
    apigw_path
        .split('/')
        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
            Some(name) => format!("{{*{name}}}"),
            None => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The template's routes, resolved the way API Gateway does.
#[derive(Debug, Clone)]
pub struct CloudRoutes {
    routes: Vec<HttpRoute>,
    default: Option<HttpRoute>,
}

impl CloudRoutes {
    pub fn new(routes: Vec<HttpRoute>) -> Result<Self> {
        let mut default = None;
        let mut seen: BTreeMap<(String, Option<String>), &HttpRoute> = BTreeMap::new();
        let mut paths = Vec::new();
        for r in &routes {
            match &r.target {
                RouteTarget::Default => {
                    if let Some(prev) = &default {
                        let prev: &HttpRoute = prev;
                        bail!(
                            "two $default routes: {}.{} and {}.{}",
                            prev.function_logical_id,
                            prev.event_name,
                            r.function_logical_id,
                            r.event_name
                        );
                    }
                    default = Some(r.clone());
                }
                RouteTarget::Path(p) => {
                    let key = (p.clone(), r.method.clone());
                    if let Some(prev) = seen.insert(key, r) {
                        bail!(
                            "route {} {p} is declared twice: {}.{} and {}.{}",
                            r.method.as_deref().unwrap_or("ANY"),
                            prev.function_logical_id,
                            prev.event_name,
                            r.function_logical_id,
                            r.event_name
                        );
                    }
                    paths.push(r.clone());
                }
            }
        }
        Ok(Self { routes: paths, default })
    }

    pub fn from_template(template: &Template) -> Result<Self> {
        Self::new(template.http_routes()?)
    }

    /// The binary API Gateway would invoke, with the route that chose it.
    pub fn resolve(&self, method: &str, path: &str) -> Option<&HttpRoute> {
        self.routes
            .iter()
            .filter(|r| {
                let RouteTarget::Path(p) = &r.target else { return false };
                matches(p, path) && r.method.as_deref().is_none_or(|m| m == method)
            })
            .min_by_key(|r| {
                let RouteTarget::Path(p) = &r.target else { unreachable!() };
                (specificity(p), r.method.is_none())
            })
            .or(self.default.as_ref())
    }

    /// Local (matchit) spellings of every template path, plus the catch-all and `/` when there is
    /// a `$default` route.
    pub fn local_paths(&self) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self
            .routes
            .iter()
            .filter_map(|r| match &r.target {
                RouteTarget::Path(p) => Some(to_local_path(p)),
                RouteTarget::Default => None,
            })
            .collect();
        if self.default.is_some() {
            out.insert("/".to_string());
            out.insert(CATCH_ALL.to_string());
        }
        out
    }
}

/// The router section that mirrors the template, as TOML to paste at the end of Cargo.toml.
pub fn render_router(cloud: &CloudRoutes) -> String {
    let mut out = String::from("[workspace.metadata.lambda.watch.router]\n");
    let mut paths: Vec<String> = cloud.local_paths().into_iter().collect();
    // The catch-all last, for the reader (matchit does not care about order).
    paths.sort_by_key(|p| (p == CATCH_ALL, p.clone()));
    for local_path in paths {
        let s = sample(&local_path);
        let per_method: Vec<(&str, Option<&str>)> =
            METHODS.iter().map(|m| (*m, cloud.resolve(m, &s).map(|r| r.binary.as_str()))).collect();
        let first = per_method[0].1;
        let key = toml_key(&local_path);
        if per_method.iter().all(|(_, f)| *f == first) {
            if let Some(f) = first {
                let _ = writeln!(out, "{key} = \"{f}\"");
            }
            continue;
        }
        let items: Vec<String> = per_method
            .iter()
            .filter_map(|(m, f)| f.map(|f| format!("    {{ method = \"{m}\", function = \"{f}\" }},")))
            .collect();
        let _ = writeln!(out, "{key} = [\n{}\n]", items.join("\n"));
    }
    out
}

fn toml_key(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The first and last line of the generated section in Cargo.toml.
pub const BEGIN: &str = "# BEGIN: generated from template.yaml by `cargo run -p devtools -- write-router`; do not edit";
pub const END: &str = "# END: generated router";

/// The text between the markers of `cargo_toml` (the generated section), markers excluded.
pub fn generated_section(cargo_toml: &str) -> Result<&str> {
    let start = cargo_toml.find(BEGIN).ok_or_else(|| anyhow!("no line {BEGIN:?}"))? + BEGIN.len();
    let length = cargo_toml[start..].find(END).ok_or_else(|| anyhow!("no line {END:?} after the first marker"))?;
    Ok(cargo_toml[start..start + length].trim_start_matches('\n'))
}

/// `cargo_toml` with `router` (from [`render_router`]) as its generated section.
pub fn with_generated_section(cargo_toml: &str, router: &str) -> Result<String> {
    let old = generated_section(cargo_toml)?;
    let start = old.as_ptr() as usize - cargo_toml.as_ptr() as usize;
    Ok(format!("{}{router}{}", &cargo_toml[..start], &cargo_toml[start + old.len()..]))
}

/// Whether the generated section of the Cargo.toml at `path` is what the template gives: `Ok(None)`
/// when it is, else the section it should hold.
pub fn check(template: &Template, cargo_toml: &Path) -> Result<Option<String>> {
    let text = std::fs::read_to_string(cargo_toml).with_context(|| format!("cannot read {}", cargo_toml.display()))?;
    let expected = render_router(&CloudRoutes::from_template(template)?);
    let section = generated_section(&text).with_context(|| format!("in {}", cargo_toml.display()))?;
    Ok((section != expected).then_some(expected))
}

/// Rewrites the generated section of the Cargo.toml at `path` from the template; true if it changed.
pub fn write(template: &Template, cargo_toml: &Path) -> Result<bool> {
    let text = std::fs::read_to_string(cargo_toml).with_context(|| format!("cannot read {}", cargo_toml.display()))?;
    let expected = render_router(&CloudRoutes::from_template(template)?);
    let updated = with_generated_section(&text, &expected).with_context(|| format!("in {}", cargo_toml.display()))?;
    if updated == text {
        return Ok(false);
    }
    std::fs::write(cargo_toml, updated).with_context(|| format!("writing {}", cargo_toml.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_matchit_and_api_gateway() {
        assert!(matches("/tasks/{id}", "/tasks/abc"));
        assert!(!matches("/tasks/{id}", "/tasks"));
        assert!(!matches("/tasks/{id}", "/tasks/abc/def"));
        assert!(matches("/{*proxy}", "/a/b/c"));
        assert!(!matches("/{*proxy}", "/"));
        assert!(matches("/{proxy+}", "/a"));
        assert!(matches("/", "/"));
        assert!(specificity("/tasks/mine") < specificity("/tasks/{id}"));
        assert!(specificity("/tasks/{id}") < specificity("/tasks/{*rest}"));
        assert_eq!(to_local_path("/files/{proxy+}"), "/files/{*proxy}");
        assert_eq!(to_local_path("/tasks/{id}"), "/tasks/{id}");
    }
}

#[cfg(test)]
mod router_tests {
    use super::*;
    use crate::template::Template;

    const TEMPLATE: &str = r#"
Resources:
  Auth:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: auth } }
    Properties:
      Events:
        Login: { Type: HttpApi, Properties: { Method: POST, Path: /auth/login } }
        CatchAll: { Type: HttpApi }
  Tasks:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: tasks } }
    Properties:
      Events:
        List: { Type: HttpApi, Properties: { Method: GET, Path: /tasks } }
        Create: { Type: HttpApi, Properties: { Method: POST, Path: /tasks } }
        One: { Type: HttpApi, Properties: { Method: ANY, Path: "/tasks/{id}" } }
"#;

    fn cloud() -> CloudRoutes {
        CloudRoutes::from_template(&Template::parse(TEMPLATE, Path::new(".")).unwrap()).unwrap()
    }

    #[test]
    fn wrong_methods_fall_to_default_and_are_spelled_out_locally() {
        let cloud = cloud();
        assert_eq!(cloud.resolve("PUT", "/tasks").unwrap().binary, "auth");
        assert_eq!(cloud.resolve("GET", "/tasks").unwrap().binary, "tasks");
        assert_eq!(cloud.resolve("GET", "/tasks/x").unwrap().binary, "tasks");
        assert_eq!(cloud.resolve("GET", "/").unwrap().binary, "auth");
        assert_eq!(cloud.resolve("GET", "/auth/login").unwrap().binary, "auth");
        let expected = r#"[workspace.metadata.lambda.watch.router]
"/" = "auth"
"/auth/login" = "auth"
"/tasks" = [
    { method = "GET", function = "tasks" },
    { method = "HEAD", function = "auth" },
    { method = "POST", function = "tasks" },
    { method = "PUT", function = "auth" },
    { method = "PATCH", function = "auth" },
    { method = "DELETE", function = "auth" },
    { method = "OPTIONS", function = "auth" },
]
"/tasks/{id}" = "tasks"
"/{*proxy}" = "auth"
"#;
        assert_eq!(render_router(&cloud), expected);
    }

    #[test]
    fn the_section_between_the_markers_is_found_and_replaced() {
        let toml = format!("[workspace]\nmembers = []\n\n{BEGIN}\nold = 1\n{END}\n\n[other]\nkept = true\n");
        assert_eq!(generated_section(&toml).unwrap(), "old = 1\n");
        let replaced = with_generated_section(&toml, "new = 2\n").unwrap();
        assert_eq!(replaced, format!("[workspace]\nmembers = []\n\n{BEGIN}\nnew = 2\n{END}\n\n[other]\nkept = true\n"));
        assert!(generated_section("[workspace]\n").is_err(), "no markers is an error, not an empty section");
        assert!(generated_section(&format!("{BEGIN}\nx = 1\n")).is_err(), "an unterminated section is an error");
    }

    #[test]
    fn the_root_cargo_toml_router_is_the_one_the_real_template_gives() {
        let root = crate::repository_root();
        let template = Template::load(&root.join("template.yaml")).unwrap();
        if let Some(expected) = check(&template, &root.join("Cargo.toml")).unwrap() {
            panic!(
                "the router in Cargo.toml is not the template's; run `cargo run -p devtools -- write-router`:\n{expected}"
            );
        }
    }
}
