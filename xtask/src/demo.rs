//! `cargo xtask demo`: the Vue demo in `www/`, built against the package for the web, and a
//! token-server serving both the page and the API on one address.

use std::fs;

use crate::ensure::{self, Needs};
use crate::error::{Context, Result};
use crate::process::{cargo, root, run};
use crate::server::TokenServer;
use crate::www;

/// The folder token-server serves, rebuilt on every run.
const SITE: &str = "target/demo-site";

/// Where `--headless` saves its screenshot.
const SCREENSHOT: &str = "target/demo/headless.png";

/// The port an interactive demo serves on unless told otherwise.
const DEFAULT_PORT: u16 = 8080;

/// What `cargo xtask demo` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The port to serve on; 0 lets the system pick one. Default: 8080, or 0 with `--headless`.
    pub port: Option<u16>,
    /// Build the package unoptimised (faster, with names in panics) instead of for release.
    pub dev: bool,
    /// Run the scripted scenario in headless Chromium and stop, instead of serving.
    pub headless: bool,
    /// The token lifetime the server hands out, in seconds, passed on as given: token-server
    /// judges it, so its one-line error is the one the user sees.
    pub lifetime: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port: None,
            dev: false,
            headless: false,
            // Short enough to watch a refresh: the page renews 20 s before expiry.
            lifetime: "60".to_owned(),
        }
    }
}

impl Options {
    /// The port to serve on, once the default is applied.
    pub fn port(&self) -> u16 {
        let default = if self.headless { 0 } else { DEFAULT_PORT };
        self.port.unwrap_or(default)
    }
}

/// Builds the package and the site and serves them until interrupted, or, with `headless`,
/// runs the scenario against them.
///
/// # Errors
///
/// When a tool is missing and cannot be installed, the server does not start (a bad flag, a
/// port in use), a build fails, the server stops with an error, or a headless request failed.
pub fn run_demo(options: &Options) -> Result<()> {
    ensure::ensure(&Needs::for_demo(options.headless))?;

    // The server starts before the slow builds, so that a bad lifetime or a taken port is
    // reported at once; it serves the site folder, which the build then fills.
    run(cargo().args(["build", "-p", "token-server"]))?;
    fs::create_dir_all(root().join(SITE)).context("creating the demo site folder")?;
    let port = options.port().to_string();
    let args = [
        "--static-dir",
        SITE,
        "--lifetime",
        &options.lifetime,
        "--port",
        &port,
        // The page's "revoke every token" button uses the server's controls.
        "--test-controls",
    ];
    let server = TokenServer::start(&args)?;

    // A release build by default: the demo then shows what the npm package ships, wasm-opt
    // included, so a problem there shows up here first.
    www::build_site(options.dev, SITE)?;

    let url = server.address().url.clone();
    if options.headless {
        let screenshot = root().join(SCREENSHOT);
        let screenshot = screenshot.to_string_lossy();
        return run(&mut www::node(
            &["scripts/headless-demo.js", &screenshot],
            &url,
        ))
        .context("the headless demo");
    }
    println!("demo: open {url}/");
    server.wait()
}
