//! The Vue demo in `www/`: built against a fresh `pkg/`, served by token-server, and driven in
//! headless Chromium by the Node scripts next to it.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::error::{Context, Result, bail};
use crate::process::{cargo, command, root, run};
use crate::server::TokenServer;

/// The npm project of the demo, relative to the root.
pub const FOLDER: &str = "www";

/// Where the end-to-end stage builds the site, apart from the demo's so a running demo keeps
/// its files.
const E2E_SITE: &str = "target/e2e-site";

/// Builds the package for the web into `pkg/`, then the Vue app into `site` (relative to the
/// root), which it empties first.
///
/// `dev` builds the package unoptimised; otherwise it is built as it ships, wasm-opt included.
///
/// # Errors
///
/// When wasm-pack or the Vite build fails.
pub fn build_site(dev: bool, site: &str) -> Result<()> {
    let profile = if dev { "--dev" } else { "--release" };
    run(command("wasm-pack").args(["build", "--target", "web", profile, "--out-dir", "pkg"]))
        .context("building the package")?;
    run(&mut npm_build(&root().join(site))).context("building the Vue app in www/")
}

/// `npm run build` in `www/`, writing into `out`.
fn npm_build(out: &Path) -> Command {
    let mut cmd = command("npm");
    cmd.args(["run", "build", "--", "--emptyOutDir", "--outDir"])
        .arg(out)
        .current_dir(root().join(FOLDER));
    cmd
}

/// `node` in `www/` with `args`, pointed at the token-server at `server_url`.
pub fn node(args: &[&str], server_url: &str) -> Command {
    let mut cmd = command("node");
    cmd.args(args)
        .current_dir(root().join(FOLDER))
        .env("TOKEN_SERVER_URL", server_url);
    cmd
}

/// The end-to-end stage: the built page and a token-server with test controls, and the suite
/// in `www/e2e/` driving the page in headless Chromium.
///
/// # Errors
///
/// When a build fails, the server does not start, or a test fails.
pub fn end_to_end() -> Result<()> {
    let files = test_files();
    if files.is_empty() {
        bail!("www/e2e/ holds no *.test.js file, so there is nothing to run");
    }
    println!("end-to-end tests: {}", files.join(", "));

    run(cargo().args(["build", "-p", "token-server"]))?;
    build_site(false, E2E_SITE)?;
    let server = TokenServer::start(&["--port", "0", "--test-controls", "--static-dir", E2E_SITE])?;
    // One file at a time: the page's "revoke every token" button reaches every test's tokens.
    run(&mut node(
        &["--test", "--test-concurrency=1", "e2e/"],
        &server.address().url,
    ))
    .context("the end-to-end tests failed")
}

/// The test files of the suite, by name.
fn test_files() -> Vec<String> {
    let Ok(entries) = fs::read_dir(root().join(FOLDER).join("e2e")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.js"))
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str) -> String {
        fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"))
    }

    /// The fenced code blocks of a Markdown text, each as the text between its fences.
    fn code_blocks(markdown: &str) -> Vec<String> {
        let mut blocks = Vec::new();
        let mut open: Option<Vec<&str>> = None;
        for line in markdown.lines() {
            match (&mut open, line.starts_with("```")) {
                (None, true) => open = Some(Vec::new()),
                (Some(lines), true) => {
                    blocks.push(lines.join("\n"));
                    open = None;
                }
                (Some(lines), false) => lines.push(line),
                (None, false) => {}
            }
        }
        blocks
    }

    #[test]
    fn reads_code_blocks_between_fences() {
        let text = "intro\n```js\na();\n\nb();\n```\ntext\n```\nc\n```\n";
        assert_eq!(code_blocks(text), ["a();\n\nb();", "c"]);
    }

    #[test]
    fn the_chinese_readme_shows_the_code_of_the_english_one() {
        let english = code_blocks(&read("README.md"));
        assert_eq!(code_blocks(&read("README.zh-CN.md")), english);
    }

    #[test]
    fn readme_code_from_a_demo_file_is_that_files_code() {
        let mut checked = 0;
        for readme in ["README.md", "README.zh-CN.md"] {
            for block in code_blocks(&read(readme)) {
                let Some((first, code)) = block.split_once('\n') else {
                    continue;
                };
                let Some(path) = first.strip_prefix("// ") else {
                    continue;
                };
                if !path.starts_with("www/") {
                    continue;
                }
                let file = read(path);
                assert!(
                    file.contains(code),
                    "{readme} shows code from {path} that is not in that file:\n{code}"
                );
                checked += 1;
            }
        }
        // api.js and the session-lost handler of App.vue, in both languages.
        assert_eq!(checked, 4);
    }
}
