//! No crate of the workspace has modules that import each other in a circle, file by file or
//! folder by folder (`http` and `store` as wholes): layers only import downwards. Imports are
//! read from the source (`crate::a::b` and `super::a` paths outside `#[cfg(test)]` modules).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every `.rs` file under `src` as its module path (`store::owned`; `lib.rs` and `main.rs` are
/// the crate root, `mod.rs` its folder), with its source before any test module.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut folders = vec![src.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path: PathBuf = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default().to_owned();
            found.insert(parts.join("::"), code);
        }
    }
    found
}

/// The identifier path that follows each occurrence of `prefix` in `code`.
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    code.match_indices(prefix)
        .map(|(at, _)| {
            let rest = &code[at + prefix.len()..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            rest[..end].split("::").filter(|part| !part.is_empty()).collect()
        })
        .collect()
}

fn graph(modules: &BTreeMap<String, String>) -> Graph {
    let mut graph = Graph::new();
    for (module, code) in modules {
        let parent: Vec<&str> = module.split("::").filter(|part| !part.is_empty()).collect();
        let parent = &parent[..parent.len().saturating_sub(1)];
        let mut targets: Vec<Vec<&str>> = paths_after(code, "crate::");
        targets.extend(paths_after(code, "super::").into_iter().map(|path| [parent, &path[..]].concat()));
        let edges = graph.entry(module.clone()).or_default();
        for path in targets {
            let imported = (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| modules.contains_key(m));
            if let Some(imported) =
                imported.filter(|imported| imported != module && !module.starts_with(&format!("{imported}::")))
            {
                edges.insert(imported);
            }
        }
    }
    graph
}

/// The same graph with every module folded into its top-level module.
fn folded(graph: &Graph) -> Graph {
    let top = |module: &str| module.split("::").next().unwrap_or_default().to_owned();
    let mut out = Graph::new();
    for (module, edges) in graph {
        let entry = out.entry(top(module)).or_default();
        entry.extend(edges.iter().map(|edge| top(edge)).filter(|edge| *edge != top(module)));
    }
    out
}

/// A cycle of `graph`, if it has one.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &Graph, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|seen| seen == node) {
            return Some(path[at..].iter().cloned().chain([node.to_owned()]).collect());
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_crate_has_an_import_cycle() {
    let root = devtools::repository_root();
    let mut crates = vec![root.join("shared/src"), root.join("local/devtools/src"), root.join("local/testkit/src")];
    for entry in std::fs::read_dir(root.join("functions")).unwrap() {
        crates.push(entry.unwrap().path().join("src"));
    }
    let mut checked = 0;
    for src in crates {
        let graph = graph(&modules(&src));
        checked += graph.len();
        if let Some(cycle) = cycle(&graph) {
            panic!("{}: modules import each other in a circle: {}", src.display(), cycle.join(" -> "));
        }
        if let Some(cycle) = cycle(&folded(&graph)) {
            panic!("{}: folders import each other in a circle: {}", src.display(), cycle.join(" -> "));
        }
    }
    assert!(checked > 50, "only {checked} modules found");
}

#[test]
fn a_cycle_is_found() {
    let modules = BTreeMap::from([
        ("a".to_owned(), "use crate::b::thing;".to_owned()),
        ("b".to_owned(), "fn f() { super::c::g() }".to_owned()),
        ("c".to_owned(), "use crate::a;".to_owned()),
        ("d::x".to_owned(), "use crate::e;".to_owned()),
        ("e".to_owned(), "use crate::d::y;".to_owned()),
        ("d::y".to_owned(), "".to_owned()),
        ("d".to_owned(), "pub mod x; pub mod y;".to_owned()),
    ]);
    let graph = graph(&modules);
    assert_eq!(cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    let acyclic: Graph = graph.into_iter().filter(|(module, _)| module != "c").collect();
    assert!(acyclic.keys().all(|module| module != "c"));
    assert_eq!(cycle(&acyclic), None, "d::x -> e -> d::y is no cycle file by file");
    assert!(cycle(&folded(&acyclic)).is_some(), "but d -> e -> d is, folder by folder");
}
