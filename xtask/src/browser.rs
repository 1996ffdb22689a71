//! The library's browser tests: one token-server, then `cargo test` on the
//! wasm target once per engine, each through its own WebDriver server.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use crate::ensure::WASM_TARGET;
use crate::error::{Context, Error, Result, bail};
use crate::process::{self, cargo, root, run};
use crate::report::Report;
use crate::server::TokenServer;

/// A browser engine the tests run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Engine {
    /// Chromium, through chromedriver.
    Chromium,
    /// Firefox ESR, through geckodriver.
    Firefox,
    /// WebKitGTK's MiniBrowser, through WebKitWebDriver; the engine of Safari
    /// and of WeChat on iOS.
    Webkit,
}

/// The variables through which wasm-bindgen-test-runner picks a WebDriver.
///
/// The runner takes the first one set, in its own order, so each engine's run
/// unsets all the others.
const DRIVER_VARIABLES: [&str; 4] = [
    "GECKODRIVER",
    "SAFARIDRIVER",
    "CHROMEDRIVER",
    "MSEDGEDRIVER",
];

impl Engine {
    /// Every engine, in the order the tests run them.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::Webkit];

    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::Webkit => "webkit",
        }
    }

    /// The engine called `name` on the command line.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|engine| engine.name() == name)
    }

    /// The runner's variable naming this engine's WebDriver server.
    fn driver_variable(self) -> &'static str {
        match self {
            Engine::Chromium => "CHROMEDRIVER",
            Engine::Firefox => "GECKODRIVER",
            // WebKitWebDriver speaks the protocol the runner uses for safaridriver.
            Engine::Webkit => "SAFARIDRIVER",
        }
    }

    /// The WebDriver server binary.
    fn driver(self) -> Result<PathBuf> {
        let path = match self {
            Engine::Chromium => PathBuf::from("/usr/bin/chromedriver"),
            Engine::Firefox => process::find_program("geckodriver")
                .ok_or_else(|| Error::new("geckodriver is not on PATH"))?,
            Engine::Webkit => PathBuf::from("/usr/bin/WebKitWebDriver"),
        };
        Ok(path)
    }

    /// The capabilities file the runner sends when it opens a session.
    ///
    /// wasm-bindgen-test-runner 0.2.130 sends empty capabilities to
    /// safaridriver-style drivers, so WebKitWebDriver starts its default
    /// MiniBrowser whatever `webkit.json` says; that file keeps the intended
    /// settings for a runner that forwards them. MiniBrowser needs a display
    /// either way, hence `xvfb-run`.
    fn capabilities(self) -> PathBuf {
        root()
            .join("xtask/webdriver")
            .join(format!("{}.json", self.name()))
    }

    /// The row of this engine in the summary.
    fn stage(self) -> String {
        format!("browser: {}", self.name())
    }
}

/// Adds the browser stages to `report`: a build stage, then one stage per engine.
///
/// All engines share one token-server, so they share one `TOKEN_SERVER_URL`,
/// which the tests read at compile time; the wasm build is therefore made once.
pub fn run_stages(report: &mut Report, engines: &[Engine]) {
    if engines.is_empty() {
        return;
    }

    let tests = integration_tests();
    if tests.is_empty() {
        for engine in engines {
            report.fail(
                &engine.stage(),
                "no browser tests yet: tests/ has no integration test, so cargo has no test \
                 target matching '*'",
            );
        }
        return;
    }
    println!("browser tests: {}", tests.join(", "));

    let Some(server) = report.run("browser: build + token-server", build_and_serve) else {
        for engine in engines {
            report.fail(
                &engine.stage(),
                "not run: `browser: build + token-server` failed",
            );
        }
        return;
    };

    let url = server.address().url.clone();
    for &engine in engines {
        report.run(&engine.stage(), || {
            run_engine(engine, &url)
                .map_err(|e| Error::new(format!("browser tests failed in {}: {e}", engine.name())))
        });
    }
    drop(server);
}

/// The integration test targets cargo finds by itself: `tests/*.rs` and `tests/*/main.rs`.
fn integration_tests() -> Vec<String> {
    let Ok(entries) = fs::read_dir(root().join("tests")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|path| {
            (path.is_file() && path.extension().is_some_and(|ext| ext == "rs"))
                || path.join("main.rs").is_file()
        })
        .filter_map(|path| Some(path.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// Builds and starts token-server, then builds the wasm tests against its address.
fn build_and_serve() -> Result<TokenServer> {
    run(cargo().args(["build", "-p", "token-server"]))?;
    let server = TokenServer::start(&["--port", "0", "--test-controls"])?;
    println!("token-server is at {}", server.address().url);

    let mut build = test_command(cargo(), &server.address().url);
    build.arg("--no-run");
    run(&mut build).context("the browser tests did not build")?;
    Ok(server)
}

/// `cargo test` of the library's integration tests on the wasm target.
fn test_command(mut cmd: Command, server_url: &str) -> Command {
    cmd.args([
        "test",
        "-p",
        "token-fetch",
        "--target",
        WASM_TARGET,
        "--test",
        "*",
    ])
    .env("TOKEN_SERVER_URL", server_url);
    cmd
}

/// Runs the browser tests in `engine`.
fn run_engine(engine: Engine, server_url: &str) -> Result<()> {
    let runner = process::find_program("wasm-bindgen-test-runner")
        .ok_or_else(|| Error::new("wasm-bindgen-test-runner is not on PATH"))?;
    let driver = engine.driver()?;
    if !driver.is_file() {
        bail!("its WebDriver server {} is not installed", driver.display());
    }

    let base = match engine {
        Engine::Webkit => {
            let mut xvfb = process::command("xvfb-run");
            xvfb.arg("-a").arg(process::cargo_path());
            xvfb
        }
        Engine::Chromium | Engine::Firefox => cargo(),
    };
    let mut cmd = test_command(base, server_url);
    for variable in DRIVER_VARIABLES {
        cmd.env_remove(variable)
            .env_remove(format!("{variable}_REMOTE"));
    }
    // An interactive run would wait for a person to open the page. The runner's timeout
    // covers a whole test binary: the soak (`tests/web_soak.rs`, 20,000 calls) took 30 to
    // 140 s per engine on a busy two-core machine, so every binary gets 300 s.
    cmd.env_remove("NO_HEADLESS")
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "300")
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", engine.capabilities())
        .env(engine.driver_variable(), driver);
    run(&mut cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for engine in Engine::ALL {
            assert_eq!(Engine::from_name(engine.name()), Some(engine));
        }
        assert_eq!(Engine::from_name("safari"), None);
    }

    #[test]
    fn every_engine_has_a_capabilities_file() {
        for engine in Engine::ALL {
            let path = engine.capabilities();
            let text = fs::read_to_string(&path).expect("capabilities file exists");
            assert!(
                text.trim_start().starts_with('{'),
                "{} is a JSON object",
                path.display()
            );
        }
    }

    #[test]
    fn each_engine_names_one_driver_variable_the_runner_reads() {
        for engine in Engine::ALL {
            assert!(DRIVER_VARIABLES.contains(&engine.driver_variable()));
        }
    }
}
