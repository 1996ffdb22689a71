//! `cargo xtask test`: every check and test of the workspace, as CI runs it.

use crate::browser::{self, Engine};
use crate::ensure::{self, Needs, WASM_TARGET};
use crate::error::Result;
use crate::process::{cargo, run};
use crate::report::Report;
use crate::www;
use crate::wx;

/// What `cargo xtask test` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The engines to run browser tests in, in run order.
    pub engines: Vec<Engine>,
    /// Leave out rustfmt and clippy.
    pub skip_static: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            engines: Engine::ALL.to_vec(),
            skip_static: false,
        }
    }
}

/// Runs every stage, prints the summary, and tells whether all of them passed.
///
/// A failing stage does not stop the run, so one run reports every failure;
/// only a failed `ensure` does, since nothing after it could work.
pub fn run_all(options: &Options) -> bool {
    let mut report = Report::default();

    let needs = Needs::for_test(&options.engines);
    if report.run("ensure", || ensure::ensure(&needs)).is_some() {
        if options.skip_static {
            report.skip("static checks", "--skip-static");
        } else {
            static_checks(&mut report);
        }
        report.run("host tests", host_tests);
        browser::run_stages(&mut report, &options.engines);
        end_to_end(&mut report);
        mini_program(&mut report);
    }

    println!("\n{}", report.summary());
    report.succeeded()
}

/// Formatting, then clippy on the host and on the wasm target, with warnings as errors.
fn static_checks(report: &mut Report) {
    report.run("fmt", || {
        run(cargo().args(["fmt", "--all", "--", "--check"]))
    });
    report.run("clippy: host", || {
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    });
    // The wasm32 run lints the mini-program transport too, which the web build leaves out.
    report.run("clippy: wasm32", || {
        run(cargo()
            .args(["clippy", "-p", "token-fetch", "-p", "token-fetch-core"])
            .args(["--features", "token-fetch/wx"])
            .args([
                "--all-targets",
                "--target",
                WASM_TARGET,
                "--",
                "-D",
                "warnings",
            ]))
    });
}

/// Every crate's tests on the host: core, token-server, xtask, and the library's host tests.
fn host_tests() -> Result<()> {
    run(cargo().args(["test", "--workspace"]))
}

/// The end-to-end stage: Node and playwright-core drive the Vue demo in `www/` in Chromium,
/// against a token-server (see [`www::end_to_end`]).
fn end_to_end(report: &mut Report) {
    report.run("end-to-end (www/)", www::end_to_end);
}

/// The mini-program stages: `pkg-wx/` built as `cargo xtask build-wx` builds it,
/// then the Node harness in `wx/harness/` loads it with a stand-in `wx` object and
/// no fetch, URL, TextEncoder or TextDecoder, against a token-server in
/// code-exchange mode.
fn mini_program(report: &mut Report) {
    let Some(package) = report.run("mini-program: build-wx", || wx::build(false)) else {
        report.fail(
            "mini-program: harness",
            "not run: `mini-program: build-wx` failed",
        );
        return;
    };
    report.run("mini-program: harness", || wx::run_harness(&package));
}
