//! The layering rules of `docs/architecture.md`, read from the sources: within each crate the
//! modules import one another one way (no cycle), nothing in deepnet-core below `train` imports
//! from it, and checkpoint metadata keys are spelled only in `checkpoint/keys.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use deepnet_testkit::root;

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The module path of a source file: `engine/mod.rs` and `engine.rs` are `["engine"]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into()).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code of a file without its tests and comments.
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module paths a file names through `crate::` and `super::`.
fn references(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (start, _) in code
        .match_indices("crate::")
        .chain(code.match_indices("super::"))
    {
        if start > 0 && code[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[start..];
        let mut parts: Vec<&str> = rest
            .split("::")
            .map(|p| p.trim())
            .take_while(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
            .collect();
        let mut target: Vec<String> = if parts[0] == "crate" {
            parts.remove(0);
            Vec::new()
        } else {
            // Each `super` is one level up: module `a::b` (in `a/b.rs` or `a/b/mod.rs`) → `a`.
            let mut m = module.to_vec();
            while parts.first() == Some(&"super") {
                parts.remove(0);
                m.pop();
            }
            m
        };
        target.extend(parts.iter().map(|p| p.to_string()));
        out.push(target);
    }
    out
}

/// Edges between sibling modules: `a` uses `b` where they first differ.
fn edges(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(src) {
        let module = module_of(src, &file);
        for target in references(&module, &code(&file)) {
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common < module.len() && common < target.len() {
                graph
                    .entry(module[..=common].join("::"))
                    .or_default()
                    .insert(target[..=common].join("::"));
            }
        }
    }
    graph
}

/// One cycle of `graph`, if it has any.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            return Some(path[i..].to_vec());
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn modules_import_one_way() {
    for krate in [
        "deepnet-core",
        "deepnet-data",
        "deepnet-onnx",
        "deepnet-cli",
    ] {
        let src = root().join("crates").join(krate).join("src");
        let graph = edges(&src);
        assert!(!graph.is_empty(), "{krate}: no imports found");
        if let Some(c) = cycle(&graph) {
            panic!("{krate}: module cycle {}", c.join(" → "));
        }
    }
}

#[test]
fn nothing_below_training_imports_from_it() {
    let graph = edges(&root().join("crates/deepnet-core/src"));
    // Above `train` are only the checkpoints (they save and resume training runs).
    let above = ["train", "checkpoint"];
    for (module, targets) in &graph {
        if targets.contains("train") {
            assert!(
                above.contains(&module.as_str()),
                "deepnet-core's `{module}` imports from `train`, which sits above it"
            );
        }
    }
}

#[test]
fn metadata_keys_are_spelled_once() {
    let keys = root().join("crates/deepnet-core/src/checkpoint/keys.rs");
    for krate in [
        "deepnet-core",
        "deepnet-data",
        "deepnet-onnx",
        "deepnet-cli",
    ] {
        for file in sources(&root().join("crates").join(krate).join("src")) {
            if file.ends_with(keys.strip_prefix(root()).unwrap()) {
                continue;
            }
            let code = code(&file);
            assert!(
                !code.contains("\"deepnet."),
                "{}: a metadata key written as a literal; use checkpoint::keys",
                file.display()
            );
        }
    }
}
