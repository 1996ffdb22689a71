//! `cargo xtask demo`: the package built for the web, a minimal page, and a
//! token-server serving both.

use std::fs;
use std::io;
use std::path::Path;

use crate::ensure::{self, Needs};
use crate::error::{Context, Result};
use crate::process::{cargo, command, root, run};
use crate::server::TokenServer;

/// The page, kept in the source tree so that it is reviewed like code.
const PAGE: &str = "xtask/assets/minimal-demo.html";

/// The folder token-server serves, rebuilt on every run.
const SITE: &str = "target/demo-site";

/// Token lifetime the demo server hands out, short enough to watch a refresh happen.
const LIFETIME_SECONDS: &str = "60";

/// What `cargo xtask demo` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The port to serve on; 0 lets the system pick one.
    pub port: u16,
    /// Build the package unoptimised (faster, with names in panics) instead of for release.
    pub dev: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port: 8080,
            dev: false,
        }
    }
}

/// Builds the package and the site, then serves them until interrupted.
///
/// # Errors
///
/// When a tool is missing and cannot be installed, a build fails, or the server
/// does not start or stops with an error.
pub fn run_demo(options: &Options) -> Result<()> {
    ensure::ensure(&Needs::for_demo())?;

    // A release build by default: the demo then shows what the npm package
    // ships, wasm-opt included, so a problem there shows up here first.
    let profile = if options.dev { "--dev" } else { "--release" };
    run(command("wasm-pack").args(["build", "--target", "web", profile, "--out-dir", "pkg"]))
        .context("building the package")?;
    assemble_site().context("assembling the demo site")?;

    run(cargo().args(["build", "-p", "token-server"]))?;
    let port = options.port.to_string();
    let args = [
        "--static-dir",
        SITE,
        "--lifetime",
        LIFETIME_SECONDS,
        "--port",
        &port,
    ];
    let server = TokenServer::start(&args)?;
    println!("demo: open {}/", server.address().url);
    server.wait()
}

/// `target/demo-site/` holding `index.html` and a copy of `pkg/`.
fn assemble_site() -> io::Result<()> {
    let site = root().join(SITE);
    if site.exists() {
        fs::remove_dir_all(&site)?;
    }
    fs::create_dir_all(&site)?;
    fs::copy(root().join(PAGE), site.join("index.html"))?;
    copy_dir(&root().join("pkg"), &site.join("pkg"))
}

/// Copies the files of `from` into `to`, recursively, leaving out the
/// `.gitignore` that wasm-pack writes.
fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if entry.file_name() != ".gitignore" {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_the_web_build_and_calls_the_profile_endpoint() {
        let page = fs::read_to_string(root().join(PAGE)).expect("the demo page exists");
        assert!(page.contains("from './pkg/token_fetch.js'"));
        assert!(page.contains("client.fetch('/api/profile')"));
    }

    #[test]
    fn copies_a_folder_tree_without_the_gitignore() {
        let scratch = std::env::temp_dir().join(format!("xtask-copy-{}", std::process::id()));
        let (from, to) = (scratch.join("from"), scratch.join("to"));
        fs::create_dir_all(from.join("snippets")).expect("scratch folder");
        fs::write(from.join("a.js"), "a").expect("write a.js");
        fs::write(from.join(".gitignore"), "*").expect("write .gitignore");
        fs::write(from.join("snippets/b.js"), "b").expect("write b.js");

        copy_dir(&from, &to).expect("copy");

        assert_eq!(
            fs::read_to_string(to.join("a.js")).expect("a.js copied"),
            "a"
        );
        assert_eq!(
            fs::read_to_string(to.join("snippets/b.js")).expect("b.js copied"),
            "b"
        );
        assert!(!to.join(".gitignore").exists());
        fs::remove_dir_all(&scratch).expect("clean up");
    }
}
