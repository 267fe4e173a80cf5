//! Keeping `cargo lambda watch`'s router (`[workspace.metadata.lambda.watch.router]` in the root
//! Cargo.toml) in step with the template's `HttpApi` routes.
//!
//! The comparison is by behaviour, not by spelling: for every path either side knows (with sample
//! values for its parameters, plus `/` and a path nobody routes) and every HTTP method, it works out
//! which function API Gateway would call and which function the local router would call, and
//! reports each request where they differ.
//!
//! API Gateway (HTTP API): among routes whose path and method match, the most specific path wins
//! (static segment > `{param}` > `{proxy+}`), then an exact method beats `ANY`; when none matches,
//! the `$default` route (an `HttpApi` event without `Path`) gets the request, else 404.
//!
//! cargo lambda watch: the router ([matchit]) picks the most specific path first; the method is
//! looked up only afterwards, in that one entry: a plain string takes every method, a list takes
//! only the methods it names, and anything else is not routed to a function. So a path with only
//! some methods in the template needs every method spelled out locally to mirror `$default`;
//! [`render_router`] writes exactly that.
//!
//! [matchit]: https://docs.rs/matchit

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;

use crate::template::{HttpRoute, RouteTarget, Template};

/// Methods the comparison tries on every path.
pub const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// The local router's catch-all, standing in for API Gateway's `$default` route.
pub const CATCH_ALL: &str = "/{*proxy}";

const UNROUTED_SAMPLE: &str = "/devtools-unrouted-sample/x";

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

/// One entry of the watch router: every method, or per method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalEntry {
    All(String),
    PerMethod(BTreeMap<String, String>),
}

/// `[workspace.metadata.lambda.watch.router]`, resolved the way cargo lambda watch does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalRouter {
    pub entries: BTreeMap<String, LocalEntry>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawEntry {
    All(String),
    PerMethod(Vec<RawMethodRoute>),
}

#[derive(Deserialize)]
struct RawMethodRoute {
    method: String,
    function: String,
}

#[derive(Deserialize)]
struct RawSeqRoute {
    path: String,
    #[serde(default)]
    methods: Option<Vec<String>>,
    function: String,
}

impl LocalRouter {
    /// Reads the router from a Cargo.toml's `[workspace.metadata.lambda.watch.router]` (map form
    /// `"/path" = "fn"` / `"/path" = [{ method, function }]`, or the list form
    /// `[{ path, methods, function }]`).
    pub fn from_cargo_toml(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        Self::from_cargo_toml_str(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn from_cargo_toml_str(text: &str) -> Result<Self> {
        let doc: toml::Table = toml::from_str(text).context("not valid TOML")?;
        let router = doc
            .get("workspace")
            .and_then(|w| w.get("metadata"))
            .and_then(|m| m.get("lambda"))
            .and_then(|l| l.get("watch"))
            .and_then(|w| w.get("router"))
            .ok_or_else(|| anyhow!("no [workspace.metadata.lambda.watch.router] section"))?;
        let mut entries = BTreeMap::new();
        match router {
            toml::Value::Table(t) => {
                for (path, v) in t {
                    let raw: RawEntry = v.clone().try_into().with_context(|| format!("router entry {path:?}"))?;
                    let entry = match raw {
                        RawEntry::All(f) => LocalEntry::All(f),
                        RawEntry::PerMethod(list) => {
                            LocalEntry::PerMethod(list.into_iter().map(|r| (r.method, r.function)).collect())
                        }
                    };
                    entries.insert(path.clone(), entry);
                }
            }
            toml::Value::Array(list) => {
                for v in list {
                    let r: RawSeqRoute = v.clone().try_into().context("router list entry")?;
                    let entry = entries.entry(r.path.clone());
                    match (r.methods, entry) {
                        (None, e) => {
                            e.insert_entry(LocalEntry::All(r.function));
                        }
                        (Some(ms), std::collections::btree_map::Entry::Occupied(mut o)) => {
                            if let LocalEntry::PerMethod(map) = o.get_mut() {
                                for m in ms {
                                    map.insert(m, r.function.clone());
                                }
                            } else {
                                o.insert(LocalEntry::PerMethod(
                                    ms.into_iter().map(|m| (m, r.function.clone())).collect(),
                                ));
                            }
                        }
                        (Some(ms), std::collections::btree_map::Entry::Vacant(v)) => {
                            v.insert(LocalEntry::PerMethod(ms.into_iter().map(|m| (m, r.function.clone())).collect()));
                        }
                    }
                }
            }
            _ => bail!("[workspace.metadata.lambda.watch.router] must be a table or a list"),
        }
        Ok(Self { entries })
    }

    /// The function cargo lambda watch would invoke, if any.
    pub fn resolve(&self, method: &str, path: &str) -> Option<&str> {
        let (_, entry) = self.entries.iter().filter(|(p, _)| matches(p, path)).min_by_key(|(p, _)| specificity(p))?;
        match entry {
            LocalEntry::All(f) => Some(f),
            LocalEntry::PerMethod(map) => map.get(method).map(String::as_str),
        }
    }
}

/// One request on which the template and the local router disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub method: String,
    pub path: String,
    /// `(binary, "Function.Event")` that API Gateway would use.
    pub cloud: Option<(String, String)>,
    pub local: Option<String>,
}

/// Compares the template's routes with the local router request by request.
pub fn compare(cloud: &CloudRoutes, local: &LocalRouter) -> Vec<Mismatch> {
    let mut patterns: BTreeSet<String> = cloud.local_paths();
    patterns.extend(local.entries.keys().cloned());
    let mut samples: BTreeSet<String> = patterns.iter().map(|p| sample(p)).collect();
    samples.insert("/".to_string());
    samples.insert(UNROUTED_SAMPLE.to_string());

    let mut out = Vec::new();
    for path in &samples {
        for method in METHODS {
            let c = cloud.resolve(method, path).map(|r| {
                let event = match &r.target {
                    RouteTarget::Default => format!("{}.{} ($default)", r.function_logical_id, r.event_name),
                    RouteTarget::Path(p) => format!(
                        "{}.{} ({} {p})",
                        r.function_logical_id,
                        r.event_name,
                        r.method.as_deref().unwrap_or("ANY")
                    ),
                };
                (r.binary.clone(), event)
            });
            let l = local.resolve(method, path).map(str::to_string);
            if c.as_ref().map(|(b, _)| b) != l.as_ref() {
                out.push(Mismatch { method: method.to_string(), path: path.clone(), cloud: c, local: l });
            }
        }
    }
    out
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

/// Human-readable report of mismatches, one block per (path, cloud function, local function).
pub fn format_mismatches(mismatches: &[Mismatch]) -> String {
    type Key<'a> = (&'a str, Option<&'a str>, Option<&'a str>);
    let mut groups: Vec<(Key<'_>, Vec<&str>, Vec<&str>)> = Vec::new();
    for m in mismatches {
        let key = (m.path.as_str(), m.cloud.as_ref().map(|(b, _)| b.as_str()), m.local.as_deref());
        let event = m.cloud.as_ref().map(|(_, e)| e.as_str());
        match groups.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, methods, events)) => {
                methods.push(&m.method);
                if let Some(e) = event.filter(|e| !events.contains(e)) {
                    events.push(e);
                }
            }
            None => groups.push((key, vec![&m.method], event.into_iter().collect())),
        }
    }
    let mut out = String::new();
    for ((path, cloud, local), methods, events) in groups {
        let cloud = match cloud {
            Some(bin) => format!("{bin}  (from {})", events.join("; ")),
            None => "no function (404)".to_string(),
        };
        let _ = writeln!(
            out,
            "  {path}  [{}]\n      template.yaml -> {cloud}\n      Cargo.toml    -> {}",
            methods.join(" "),
            local.unwrap_or("no function (404)")
        );
    }
    out
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
    fn rendered_router_matches_and_wrong_methods_fall_to_default() {
        let cloud = cloud();
        assert_eq!(cloud.resolve("PUT", "/tasks").unwrap().binary, "auth");
        assert_eq!(cloud.resolve("GET", "/tasks").unwrap().binary, "tasks");
        assert_eq!(cloud.resolve("GET", "/").unwrap().binary, "auth");
        let rendered = render_router(&cloud);
        let local = LocalRouter::from_cargo_toml_str(&format!("[workspace]\n{rendered}"))
            .unwrap_or_else(|e| panic!("{e:#}\n{rendered}"));
        assert_eq!(compare(&cloud, &local), [], "{rendered}");
        assert_eq!(local.entries["/auth/login"], LocalEntry::All("auth".into()));
        assert_eq!(local.entries["/tasks/{id}"], LocalEntry::All("tasks".into()));
        assert_eq!(local.entries[CATCH_ALL], LocalEntry::All("auth".into()));
        let LocalEntry::PerMethod(m) = &local.entries["/tasks"] else { panic!("{rendered}") };
        assert_eq!((m["GET"].as_str(), m["PUT"].as_str()), ("tasks", "auth"));
    }

    #[test]
    fn drift_is_reported_per_request() {
        let toml = r#"
[workspace.metadata.lambda.watch.router]
"/auth/login" = "auth"
"/tasks" = [{ method = "GET", function = "tasks" }]
"/{*proxy}" = "auth"
"/" = "auth"
"#;
        let local = LocalRouter::from_cargo_toml_str(toml).unwrap();
        let bad = compare(&cloud(), &local);
        let keys: BTreeSet<(String, String)> = bad.iter().map(|m| (m.method.clone(), m.path.clone())).collect();
        // POST /tasks belongs to tasks; the other methods to auth via $default; /tasks/{id} is missing.
        assert!(keys.contains(&("POST".into(), "/tasks".into())), "{bad:?}");
        assert!(keys.contains(&("DELETE".into(), "/tasks".into())), "{bad:?}");
        assert!(keys.contains(&("GET".into(), "/tasks/sample-id".into())), "{bad:?}");
        assert!(!keys.iter().any(|(_, p)| p == "/auth/login"), "{bad:?}");
        assert!(format_mismatches(&bad).contains("Tasks.Create (POST /tasks)"));
    }

    #[test]
    fn the_root_cargo_toml_router_matches_the_real_template() {
        let root = crate::repository_root();
        let cloud = CloudRoutes::from_template(&Template::load(&root.join("template.yaml")).unwrap()).unwrap();
        let local = LocalRouter::from_cargo_toml(&root.join("Cargo.toml")).unwrap();
        let bad = compare(&cloud, &local);
        assert!(
            bad.is_empty(),
            "the router in Cargo.toml drifted from template.yaml:\n{}\nexpected:\n{}",
            format_mismatches(&bad),
            render_router(&cloud)
        );
    }
}
