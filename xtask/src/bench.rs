//! `cargo xtask bench`: token-fetch next to raw fetch and the JS libraries people use instead,
//! in one headless Chromium page against a release token-server.
//!
//! The measuring is done by `bench/run.mjs` (playwright-core and esbuild from `bench/`'s
//! lockfile); this task installs, builds, serves, runs it, and says where the results are.

use std::fs;

use crate::ensure::{self, Needs};
use crate::error::{Context, Result};
use crate::process::{cargo, command, root, run};
use crate::server::{self, TokenServer};

/// Everything the benchmark writes, under the workspace root.
const OUT: &str = "target/bench";

/// What `cargo xtask bench` was asked to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// A short run that checks the benchmark works; its numbers are not worth quoting.
    pub quick: bool,
}

/// Builds the release package and server, runs every workload, and prints the table.
///
/// # Errors
///
/// When a tool cannot be installed, a build fails, the server does not start, or the runner
/// fails.
pub fn run_bench(options: &Options) -> Result<()> {
    ensure::ensure(&Needs::for_bench())?;

    // The package as it ships: release profile, wasm-opt, the web target's glue.
    let pkg = format!("{OUT}/pkg");
    run(command("wasm-pack").args(["build", "--target", "web", "--release", "--out-dir", &pkg]))
        .context("building the package")?;
    run(cargo().args(["build", "--release", "-p", "token-server"]))?;

    let site = root().join(OUT).join("site");
    fs::create_dir_all(&site).with_context(|| format!("creating {}", site.display()))?;
    let site_arg = site.to_string_lossy().into_owned();
    let args = ["--port", "0", "--test-controls", "--static-dir", &site_arg];
    let server = TokenServer::start_binary(&server::release_binary(), &args)?;

    let mut runner = command("node");
    runner
        .arg("run.mjs")
        .current_dir(root().join("bench"))
        .env("BENCH_SERVER", &server.address().url)
        .env("BENCH_SITE", &site)
        .env("BENCH_PKG", root().join(&pkg))
        .env("BENCH_OUT", root().join(OUT));
    if options.quick {
        runner.env("BENCH_QUICK", "1");
    }
    run(&mut runner).context("the benchmark runner failed")?;
    drop(server);

    println!("bench: {OUT}/results.md, {OUT}/chart.svg and {OUT}/results.json");
    Ok(())
}
