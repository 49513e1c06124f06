//! No import cycles between the crate's top-level modules.
//!
//! Reads every file under `actors/src`, finds which top-level modules each
//! top-level module refers to (`crate::name`, `crate::{a, b}`, and `super::`
//! resolved from where it is written: a nested file's `super` is its parent
//! module, an inline `mod tests`'s is the file's own), builds the graph and
//! fails with the cycle printed when there is one. Re-exports (`pub use`)
//! count as edges like any other path; comments and string literals do not.
//! A module in a cycle can be neither read nor tested alone: shared types
//! go to a leaf (`protocol`), ports are handed in, never imported upward.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where a reference was seen: for the failure message.
#[derive(Debug, Clone)]
struct Site {
    file: String,
    line: usize,
}

/// `from → to → first place it is referred to`.
type Graph = BTreeMap<String, BTreeMap<String, Site>>;

fn src_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file is: `flow/actor.rs` → `[flow, actor]`, `flow/mod.rs`
/// → `[flow]`, `lib.rs` → `[]`.
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_owned());
    }
    parts
}

/// The source with comments and string and char literals blanked out
/// (newlines kept, so lines still count).
fn code_only(source: &str) -> String {
    let c: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && ident(c[i - 1]);
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if !prev_ident && (c[i] == 'r' || (c[i] == 'b' && c.get(i + 1) == Some(&'r'))) && {
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            c.get(j) == Some(&'"')
        } {
            // A raw string: r"…", r#"…"#, br"…".
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while c[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            while j < c.len() && !(c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#'))) {
                out.push(blank(c[j]));
                j += 1;
            }
            i = j + 1 + hashes;
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = c.get(i) {
                    out.push(blank(ch));
                }
                i += 1;
            }
            i += 1;
        } else if c[i] == '\'' && (c.get(i + 1) == Some(&'\\') || c.get(i + 2) == Some(&'\'')) {
            // A char literal ('x', '\n', '\u{…}'); a lone quote is a lifetime.
            i += 1;
            while i < c.len() && c[i] != '\'' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// A token of the code: an identifier or one punctuation character (`::`
/// is two `:`), with its line.
fn tokens(code: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut word = String::new();
    for ch in code.chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == '$' {
            word.push(ch);
            continue;
        }
        if !word.is_empty() {
            out.push((std::mem::take(&mut word), line));
        }
        if ch == '\n' {
            line += 1;
        } else if !ch.is_whitespace() {
            out.push((ch.to_string(), line));
        }
    }
    if !word.is_empty() {
        out.push((word, line));
    }
    out
}

/// The top-level modules one file refers to, with the line of the first
/// reference. `module` is the file's module path.
fn references(source: &str, module: &[String], top: &BTreeSet<String>) -> BTreeMap<String, usize> {
    let toks = tokens(&code_only(source));
    let at = |i: usize| toks.get(i).map(|t| t.0.as_str());
    let is_path_sep = |i: usize| at(i) == Some(":") && at(i + 1) == Some(":");
    let mut found = BTreeMap::new();
    // Inline modules (`mod tests { … }`): their names and the brace depth
    // they opened at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let note = |name: &str, line: usize, found: &mut BTreeMap<String, usize>| {
        if top.contains(name) {
            found.entry(name.to_owned()).or_insert(line);
        }
    };
    let mut i = 0;
    while i < toks.len() {
        let (tok, line) = (&toks[i].0, toks[i].1);
        match tok.as_str() {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            "mod" if at(i + 2) == Some("{") => {
                inline.push((toks[i + 1].0.clone(), depth));
            }
            "crate" | "super" if is_path_sep(i + 1) && (i == 0 || at(i - 1) != Some("$")) => {
                // Where the path starts, as a module path from the root.
                let mut here: Vec<String> = module.iter().cloned().chain(inline.iter().map(|(n, _)| n.clone())).collect();
                let mut j = i;
                if tok == "crate" {
                    here.clear();
                    j += 3;
                } else {
                    while at(j) == Some("super") && is_path_sep(j + 1) {
                        here.pop();
                        j += 3;
                    }
                }
                if let Some(first) = here.first() {
                    // Below the root: the path stays in (or names) `first`.
                    note(first, line, &mut found);
                } else if at(j) == Some("{") {
                    // `crate::{a, b::c, …}`: the first name of each item.
                    let mut level = 0;
                    let mut expect_name = true;
                    while j < toks.len() {
                        match toks[j].0.as_str() {
                            "{" => {
                                level += 1;
                                expect_name = level == 1;
                            }
                            "}" => {
                                level -= 1;
                                if level == 0 {
                                    break;
                                }
                            }
                            "," if level == 1 => expect_name = true,
                            name if expect_name && level == 1 => {
                                note(name, toks[j].1, &mut found);
                                expect_name = false;
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                } else if let Some(name) = at(j) {
                    note(name, line, &mut found);
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The graph of the crate's top-level modules.
fn module_graph() -> Graph {
    let root = src_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let top: BTreeSet<String> = files.iter().filter_map(|f| module_of(&root, f).first().cloned()).collect();
    let mut graph = Graph::new();
    for file in &files {
        let module = module_of(&root, file);
        let Some(from) = module.first() else { continue }; // lib.rs: the root is no module of the graph
        let source = std::fs::read_to_string(file).unwrap();
        let edges = graph.entry(from.clone()).or_default();
        for (to, line) in references(&source, &module, &top) {
            if &to != from {
                let rel = file.strip_prefix(&root).unwrap().display().to_string();
                edges.entry(to).or_insert(Site { file: rel, line });
            }
        }
    }
    graph
}

/// A cycle, as the modules along it (the first repeated at the end).
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &Graph, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|p| p == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flat_map(|e| e.keys()) {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn top_level_modules_import_each_other_in_no_cycle() {
    let graph = module_graph();
    // The reader is alive: edges known to exist are found.
    for (from, to) in [("conversation", "protocol"), ("flow", "protocol"), ("outbound", "protocol"), ("tenant", "conversation")] {
        assert!(graph.get(from).is_some_and(|e| e.contains_key(to)), "expected {from} → {to} in {graph:#?}");
    }
    if let Some(cycle) = find_cycle(&graph) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|w| {
                let site = &graph[&w[0]][&w[1]];
                format!("  {} → {}   ({}:{})", w[0], w[1], site.file, site.line)
            })
            .collect();
        panic!("import cycle between top-level modules of actors/src: {}\n{}", cycle.join(" → "), steps.join("\n"));
    }
}

#[test]
fn references_are_read_from_code_only() {
    let top: BTreeSet<String> = ["a", "b", "c", "d", "ids", "q", "x", "z", "flow"].iter().map(|s| s.to_string()).collect();
    let src = r##"
        use crate::{a, b::{self, Thing}, c as see};
        // crate::z in a comment
        /* crate::z in a /* nested */ block */
        let s = "crate::q"; let r = r#"crate::q"#; let ch = '"'; let l: &'static str = "";
        fn f<'a>() { crate::d::g() }
        mod tests { use super::*; use super::super::ids; }
    "##;
    let found: Vec<String> = references(src, &["x".into()], &top).into_keys().collect();
    assert_eq!(found, ["a", "b", "c", "d", "ids", "x"], "`super` in `mod tests` of x is x; twice up is the root");
    let nested = "use super::interpret::RunContext; use super::super::ids::TenantId;";
    let found: Vec<String> = references(nested, &["flow".into(), "actor".into()], &top).into_keys().collect();
    assert_eq!(found, ["flow", "ids"], "a nested file's `super` is its parent module");
}

#[test]
fn a_cycle_is_found_and_named() {
    let site = || Site { file: "f.rs".into(), line: 1 };
    let mut graph = Graph::new();
    graph.entry("a".into()).or_default().insert("b".into(), site());
    graph.entry("b".into()).or_default().insert("c".into(), site());
    assert_eq!(find_cycle(&graph), None);
    graph.entry("c".into()).or_default().insert("a".into(), site());
    assert_eq!(find_cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
}
