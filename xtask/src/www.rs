//! The Vue demo in `www/`: built against a fresh `pkg/`, served by token-server, and driven in
//! headless Chromium by the Node scripts next to it.

use std::path::Path;
use std::process::Command;

use crate::error::{Context, Result};
use crate::process::{command, root, run};

/// The npm project of the demo, relative to the root.
pub const FOLDER: &str = "www";

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
