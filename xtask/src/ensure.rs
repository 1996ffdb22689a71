//! Installing the tools the tasks need, and skipping every one already present.
//!
//! Each check is a cheap question (`--version`, a file that exists, `rustup
//! ... --installed`), so on a machine that has everything this step takes well
//! under a second. It prints one line per thing it installs.

use std::fs;
use std::path::Path;
use std::time::{Instant, SystemTime};

use crate::browser::Engine;
use crate::error::{Context, Error, Result, bail};
use crate::lockfile;
use crate::process::{self, cargo, command, root, run, stdout_of};
use crate::www;

/// The Rust target the library is built for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// A binary crate that `cargo install` provides.
struct CargoTool {
    /// The binary whose `--version` tells whether it is installed.
    program: &'static str,
    krate: &'static str,
    /// Pinned so that a fresh CI machine builds the version the project was checked with.
    version: &'static str,
    /// Build with the crate's own lock file (`--locked`), as checked to work.
    locked: bool,
}

const WASM_PACK: CargoTool = CargoTool {
    program: "wasm-pack",
    krate: "wasm-pack",
    version: "0.15.1",
    locked: true,
};
const GECKODRIVER: CargoTool = CargoTool {
    program: "geckodriver",
    krate: "geckodriver",
    version: "0.37.1",
    locked: true,
};

/// wasm-bindgen-cli 0.2.130's own lock file pins webpki-roots 1.0.11, which
/// crates.io no longer offers, so `--locked` fails; it installs without.
const WASM_BINDGEN_CLI_LOCKED: bool = false;

/// A Debian package, known to be present when `file` exists.
struct DebianPackage {
    name: &'static str,
    file: &'static str,
}

const fn deb(name: &'static str, file: &'static str) -> DebianPackage {
    DebianPackage { name, file }
}

/// The browser alone, which playwright-core drives without a WebDriver server.
const CHROMIUM_BROWSER: DebianPackage = deb("chromium", "/usr/bin/chromium");
const CHROMIUM: [DebianPackage; 2] = [
    CHROMIUM_BROWSER,
    deb("chromium-driver", "/usr/bin/chromedriver"),
];
const FIREFOX: [DebianPackage; 1] = [deb("firefox-esr", "/usr/bin/firefox-esr")];
// xvfb-run needs xauth, which xvfb only recommends.
const WEBKIT: [DebianPackage; 3] = [
    deb("webkit2gtk-driver", "/usr/bin/WebKitWebDriver"),
    deb("xvfb", "/usr/bin/xvfb-run"),
    deb("xauth", "/usr/bin/xauth"),
];

/// What one task needs on the machine.
#[derive(Debug, Default)]
pub struct Needs {
    /// rustfmt and clippy, for the static checks.
    lint_components: bool,
    /// wasm-pack, which builds the npm package.
    wasm_pack: bool,
    /// binaryen's wasm-opt, which wasm-pack runs on release builds.
    ///
    /// It comes from npm (see [`process::TOOLS`]), not Debian: Debian 12's
    /// wasm-opt 108 rewrites the library's module into one browsers reject
    /// (`WebAssembly.Table.set(): ... must be a Wasm function object`), even
    /// with no optimisation passes; npm's binaryen 132 does not.
    binaryen: bool,
    /// The browsers and WebDriver servers of these engines.
    engines: Vec<Engine>,
    /// Chromium for the pages playwright-core drives: the end-to-end tests and the headless
    /// demo, whatever engines the browser tests use.
    pages: bool,
    /// Folders (relative to the root) whose `node_modules` must match `package-lock.json`.
    npm_projects: &'static [&'static str],
}

impl Needs {
    /// Everything `cargo xtask test` uses, for the engines it will run.
    pub fn for_test(engines: &[Engine]) -> Self {
        Self {
            lint_components: true,
            wasm_pack: true,
            binaryen: true,
            engines: engines.to_vec(),
            pages: true,
            npm_projects: &[www::FOLDER],
        }
    }

    /// What `cargo xtask bench` uses: the release package, Chromium, and the page's npm
    /// packages (the peers, esbuild and playwright-core).
    pub fn for_bench() -> Self {
        Self {
            wasm_pack: true,
            binaryen: true,
            engines: vec![Engine::Chromium],
            npm_projects: &["bench"],
            ..Self::default()
        }
    }

    /// What `cargo xtask demo` uses to build the package and the Vue app, and with
    /// `headless` to drive the page.
    pub fn for_demo(headless: bool) -> Self {
        Self {
            wasm_pack: true,
            binaryen: true,
            pages: headless,
            npm_projects: &[www::FOLDER],
            ..Self::default()
        }
    }

    /// What `cargo xtask build-wx` uses: the same build as the demo's.
    pub fn for_build_wx() -> Self {
        Self {
            wasm_pack: true,
            binaryen: true,
            ..Self::default()
        }
    }
}

/// Installs whatever `needs` names and the machine lacks.
///
/// The wasm target and wasm-bindgen-cli are always needed; wasm-bindgen-cli at
/// exactly the version of the `wasm-bindgen` crate in `Cargo.lock`, because the
/// CLI refuses modules made by any other version of the crate.
///
/// # Errors
///
/// When an install fails, or a tool is still missing after its install.
pub fn ensure(needs: &Needs) -> Result<()> {
    let started = Instant::now();
    let mut installed = 0;

    installed += usize::from(rust_target()?);
    if needs.lint_components {
        installed += usize::from(rust_components(&["rustfmt", "clippy"])?);
    }
    installed += usize::from(wasm_bindgen_cli()?);
    if needs.wasm_pack {
        installed += usize::from(cargo_tool(&WASM_PACK)?);
    }
    if needs.engines.contains(&Engine::Firefox) {
        installed += usize::from(cargo_tool(&GECKODRIVER)?);
    }
    installed += debian_packages(&debian_needs(needs))?;
    if needs.binaryen {
        installed += usize::from(npm_ci_if_stale(process::TOOLS)?);
        let wasm_opt = root()
            .join(process::TOOLS)
            .join("node_modules/.bin/wasm-opt");
        if process::find_program("wasm-opt") != Some(wasm_opt.clone()) {
            bail!("{} is not the wasm-opt first on PATH", wasm_opt.display());
        }
    }
    for folder in needs.npm_projects {
        installed += usize::from(npm_ci_if_stale(folder)?);
    }

    let present = if installed == 0 {
        "all present"
    } else {
        "the rest present"
    };
    println!(
        "ensure: {installed} installed, {present} ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Adds the wasm target to the toolchain running xtask; true if it installed it.
fn rust_target() -> Result<bool> {
    let installed = stdout_of(command("rustup").args(["target", "list", "--installed"]))
        .ok_or_else(|| Error::new("`rustup target list --installed` failed; xtask needs rustup"))?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(false);
    }
    println!("ensure: installing the Rust target {WASM_TARGET} (rustup)");
    run(command("rustup").args(["target", "add", WASM_TARGET]))?;
    Ok(true)
}

/// Adds the missing toolchain components among `names`; true if it installed any.
fn rust_components(names: &[&str]) -> Result<bool> {
    let installed = stdout_of(command("rustup").args(["component", "list", "--installed"]))
        .ok_or_else(|| Error::new("`rustup component list --installed` failed"))?;
    // Installed components are listed with the host triple: `clippy-x86_64-unknown-linux-gnu`.
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| {
            !installed.lines().any(|line| {
                let line = line.trim();
                line == *name || line.starts_with(&format!("{name}-"))
            })
        })
        .collect();
    if missing.is_empty() {
        return Ok(false);
    }
    println!(
        "ensure: installing the Rust components {} (rustup)",
        missing.join(", ")
    );
    run(command("rustup").args(["component", "add"]).args(&missing))?;
    Ok(true)
}

/// The `wasm-bindgen` version in the workspace's `Cargo.lock`, if it has one.
///
/// # Errors
///
/// When `Cargo.lock` cannot be read, or holds several versions.
pub fn locked_wasm_bindgen() -> Result<Option<String>> {
    let path = root().join("Cargo.lock");
    let lock = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut versions = lockfile::package_versions(&lock, "wasm-bindgen");
    match versions.len() {
        0 => Ok(None),
        1 => Ok(versions.pop()),
        _ => bail!(
            "Cargo.lock holds several wasm-bindgen versions ({}); wasm-bindgen-cli can match \
             only one, so the workspace must settle on one",
            versions.join(", ")
        ),
    }
}

/// Installs wasm-bindgen-cli at the locked version unless both of its
/// binaries already report it; true if it installed it.
fn wasm_bindgen_cli() -> Result<bool> {
    let Some(version) = locked_wasm_bindgen()? else {
        println!("ensure: Cargo.lock has no wasm-bindgen yet, so wasm-bindgen-cli is not needed");
        return Ok(false);
    };
    let found = ["wasm-bindgen", "wasm-bindgen-test-runner"].map(process::installed_version);
    if found.iter().all(|v| v.as_deref() == Some(version.as_str())) {
        return Ok(false);
    }

    let was = match &found[0] {
        Some(old) => format!(", replacing {old}"),
        None => String::new(),
    };
    println!(
        "ensure: installing wasm-bindgen-cli {version} to match Cargo.lock (cargo install{was})"
    );
    cargo_install("wasm-bindgen-cli", &version, WASM_BINDGEN_CLI_LOCKED)?;

    let now = process::installed_version("wasm-bindgen-test-runner");
    if now.as_deref() != Some(version.as_str()) {
        bail!(
            "wasm-bindgen-test-runner reports {} after installing {version}; is another one \
             earlier on PATH than {}?",
            now.as_deref().unwrap_or("no version"),
            process::cargo_bin_dir().display()
        );
    }
    Ok(true)
}

/// Installs `tool` unless its `--version` works, whatever version it reports;
/// true if it installed it.
fn cargo_tool(tool: &CargoTool) -> Result<bool> {
    let CargoTool {
        program,
        krate,
        version,
        locked,
    } = *tool;
    if process::installed_version(program).is_some() {
        return Ok(false);
    }
    println!("ensure: installing {krate} {version} (cargo install)");
    cargo_install(krate, version, locked)?;
    if process::installed_version(program).is_none() {
        bail!("`{program} --version` still fails after installing {krate} {version}");
    }
    Ok(true)
}

/// `cargo install` of exactly `version`; with `locked`, from the crate's own
/// lock file, and once more without it should that lock no longer resolve
/// (a pinned dependency yanked since).
fn cargo_install(krate: &str, version: &str, locked: bool) -> Result<()> {
    let install = |locked: bool| {
        let mut cmd = cargo();
        cmd.args(["install", krate, "--version", version]);
        if locked {
            cmd.arg("--locked");
        }
        run(&mut cmd)
    };
    if locked {
        if install(true).is_ok() {
            return Ok(());
        }
        println!("ensure: `cargo install --locked {krate}` failed; trying once without --locked");
    }
    install(false).with_context(|| format!("installing {krate} {version}"))
}

/// The Debian packages `needs` asks for.
fn debian_needs(needs: &Needs) -> Vec<&'static DebianPackage> {
    let mut packages: Vec<&'static DebianPackage> = Vec::new();
    for engine in &needs.engines {
        let for_engine: &'static [DebianPackage] = match engine {
            Engine::Chromium => &CHROMIUM,
            Engine::Firefox => &FIREFOX,
            Engine::Webkit => &WEBKIT,
        };
        packages.extend(for_engine);
    }
    if needs.pages
        && !packages
            .iter()
            .any(|package| package.name == CHROMIUM_BROWSER.name)
    {
        packages.push(&CHROMIUM_BROWSER);
    }
    packages
}

/// Installs the packages whose file is missing, with one `apt-get update`
/// first; returns how many it installed.
fn debian_packages(packages: &[&DebianPackage]) -> Result<usize> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|package| !Path::new(package.file).exists())
        .map(|package| package.name)
        .collect();
    if missing.is_empty() {
        return Ok(0);
    }
    for package in &missing {
        println!("ensure: installing the Debian package {package} (apt-get)");
    }

    let apt = || {
        let mut cmd = command("apt-get");
        cmd.env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(apt().args(["update", "-q"])).context("apt-get update (xtask runs apt as root)")?;
    run(apt().args(["install", "-y", "-q"]).args(&missing)).context("apt-get install")?;

    if let Some(package) = packages
        .iter()
        .find(|package| !Path::new(package.file).exists())
    {
        bail!(
            "{} is still missing after installing {}",
            package.file,
            package.name
        );
    }
    Ok(missing.len())
}

/// Runs `npm ci` in `folder` when `node_modules` is missing or older than
/// `package-lock.json`; true if it ran.
fn npm_ci_if_stale(folder: &str) -> Result<bool> {
    let dir = root().join(folder);
    let lock = dir.join("package-lock.json");
    let locked_at = modified(&lock).with_context(|| format!("reading {}", lock.display()))?;
    // npm writes this file last on every install, so its age is the install's.
    let installed_at = modified(&dir.join("node_modules/.package-lock.json")).ok();
    if installed_at.is_some_and(|at| at >= locked_at) {
        return Ok(false);
    }
    println!("ensure: installing the npm packages of {folder}/ (npm ci)");
    run(command("npm").arg("ci").current_dir(&dir))?;
    Ok(true)
}

fn modified(path: &Path) -> std::io::Result<SystemTime> {
    fs::metadata(path)?.modified()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(needs: &Needs) -> Vec<&'static str> {
        debian_needs(needs)
            .iter()
            .map(|package| package.name)
            .collect()
    }

    #[test]
    fn the_pages_need_chromium_whatever_engines_the_browser_tests_use() {
        assert_eq!(
            names(&Needs::for_test(&[Engine::Firefox])),
            ["firefox-esr", "chromium"]
        );
        assert_eq!(names(&Needs::for_test(&[])), ["chromium"]);
    }

    #[test]
    fn chromium_is_listed_once_when_its_engine_runs_too() {
        assert_eq!(
            names(&Needs::for_test(&[Engine::Chromium])),
            ["chromium", "chromium-driver"]
        );
    }

    #[test]
    fn only_the_headless_demo_needs_a_browser() {
        assert!(names(&Needs::for_demo(false)).is_empty());
        assert_eq!(names(&Needs::for_demo(true)), ["chromium"]);
    }

    #[test]
    fn the_test_and_the_demo_install_the_npm_packages_of_www() {
        assert_eq!(Needs::for_test(&Engine::ALL).npm_projects, [www::FOLDER]);
        assert_eq!(Needs::for_demo(false).npm_projects, [www::FOLDER]);
    }
}
