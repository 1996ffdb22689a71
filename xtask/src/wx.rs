//! `cargo xtask build-wx`: the package for WeChat mini-programs in `pkg-wx/`, and the Node
//! harness that runs it in a stand-in mini-program against token-server.
//!
//! wasm-pack builds the web package with the library's `wx` feature; [`wx_glue`] and
//! [`wx_types`] then change wasm-bindgen's output in two places only: its loader becomes one
//! over `WXWebAssembly.instantiate(path, imports)`, and its two text codecs fall back to a
//! small UTF-8 codec where the host has none. The rest of the glue is kept as generated, so a
//! wasm-bindgen whose glue no longer has these two places fails the build with a clear error
//! instead of producing a package that breaks on a phone.

use std::fs;
use std::path::{Path, PathBuf};

use crate::ensure::{self, Needs};
use crate::error::{Context, Error, Result, bail};
use crate::process::{self, cargo, command, root, run};
use crate::server::TokenServer;

/// The folder the mini-program package is written to.
pub const OUT_DIR: &str = "pkg-wx";

/// Where wasm-pack writes the web package that `pkg-wx/` is made from.
const SCRATCH: &str = "target/wx-web-pkg";

/// The file stem wasm-pack gives the glue and the module.
const STEM: &str = "token_fetch";

/// The harness's test files: `*.test.mjs` in this folder.
const HARNESS: &str = "wx/harness";

const TEXT_CODEC: &str = include_str!("../../wx/glue/text-codec.js");
const LOADER: &str = include_str!("../../wx/glue/loader.js");
const LOADER_TYPES: &str = include_str!("../../wx/glue/loader.d.ts");

/// Where wasm-bindgen's loader starts; it runs to the end of the glue.
const GLUE_LOADER: &str = "\nasync function __wbg_load(";
/// The last line of wasm-bindgen's glue, which the loader ends with.
const GLUE_EXPORTS: &str = "export { initSync, __wbg_init as default };";
/// What the new loader calls, which must stay in the glue above the cut.
const GLUE_KEPT: [&str; 2] = [
    "function __wbg_get_imports()",
    "function __wbg_finalize_init(instance, module)",
];
/// The codecs the glue constructs, and what it constructs instead in a mini-program.
const CODECS: [(&str, &str); 2] = [
    ("new TextDecoder(", "new __wxTextDecoder("),
    ("new TextEncoder(", "new __wxTextEncoder("),
];

/// Where the loader's declarations start in the `.d.ts`; they run to its end.
const TYPES_LOADER: &str = "\nexport type InitInput = ";
const TYPES_DEFAULT: &str = "export default function __wbg_init (";

/// What `cargo xtask build-wx` was asked to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Build the module unoptimised, for a quicker rebuild.
    pub dev: bool,
}

/// `cargo xtask build-wx`: installs what is missing, then builds `pkg-wx/`.
///
/// # Errors
///
/// When a tool cannot be installed, the build fails, or the glue has a shape the
/// transformation does not know.
pub fn run_build_wx(options: &Options) -> Result<()> {
    ensure::ensure(&Needs::for_build_wx())?;
    build(options.dev).map(drop)
}

/// Builds the web package with the `wx` feature and turns it into `pkg-wx/`, returning the
/// folder.
///
/// # Errors
///
/// When wasm-pack fails, or the glue has a shape the transformation does not know.
pub fn build(dev: bool) -> Result<PathBuf> {
    let scratch = root().join(SCRATCH);
    let profile = if dev { "--dev" } else { "--release" };
    run(command("wasm-pack")
        .args(["build", "--target", "web", profile, "--out-dir"])
        .arg(&scratch)
        .args(["--", "--features", "wx"]))
    .context("building the package with the wx feature")?;

    let out = root().join(OUT_DIR);
    assemble(&scratch, &out).with_context(|| format!("assembling {OUT_DIR}/"))?;
    Ok(out)
}

/// Writes `to` from wasm-pack's output in `from`: the glue and its types transformed, the
/// module, its types, package.json and README copied.
fn assemble(from: &Path, to: &Path) -> Result<()> {
    let read = |name: &str| {
        let path = from.join(name);
        fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    };
    let glue = wx_glue(&read(&format!("{STEM}.js"))?)?;
    let types = wx_types(&read(&format!("{STEM}.d.ts"))?)?;

    if to.exists() {
        fs::remove_dir_all(to).with_context(|| format!("removing the old {}", to.display()))?;
    }
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let write = |name: String, text: &str| {
        fs::write(to.join(&name), text).with_context(|| format!("writing {name}"))
    };
    write(format!("{STEM}.js"), &glue)?;
    write(format!("{STEM}.d.ts"), &types)?;
    for name in [
        format!("{STEM}_bg.wasm"),
        format!("{STEM}_bg.wasm.d.ts"),
        "package.json".to_owned(),
        "README.md".to_owned(),
    ] {
        fs::copy(from.join(&name), to.join(&name)).with_context(|| format!("copying {name}"))?;
    }

    let wasm = fs::metadata(to.join(format!("{STEM}_bg.wasm"))).map_or(0, |m| m.len());
    println!(
        "build-wx: {OUT_DIR}/ is ready ({} KB of wasm)",
        wasm.div_ceil(1024)
    );
    Ok(())
}

/// The index of the only occurrence of `needle` in `text`.
fn find_once(text: &str, needle: &str, what: &str) -> Result<usize> {
    let mut found = text.match_indices(needle).map(|(at, _)| at);
    match (found.next(), found.next()) {
        (Some(at), None) => Ok(at),
        (None, _) => bail!("{what}: `{}` is missing", needle.trim()),
        (Some(_), Some(_)) => bail!("{what}: `{}` appears more than once", needle.trim()),
    }
}

/// Turns wasm-bindgen's `--target web` glue into the mini-program's.
///
/// The loader, from `async function __wbg_load(` to the closing `export` line, becomes
/// `wx/glue/loader.js`; `wx/glue/text-codec.js` goes in after the first line, and the glue
/// constructs its codecs through it. Nothing else changes.
///
/// # Errors
///
/// When the glue lacks one of the places this changes, or has one twice: a wasm-bindgen
/// other than the one the fixture in `xtask/fixtures/` came from may do that.
pub fn wx_glue(glue: &str) -> Result<String> {
    let what = "the wasm-bindgen glue does not have the shape build-wx knows (wasm-bindgen \
                0.2.130's --target web)";
    let cut = find_once(glue, GLUE_LOADER, what)?;
    let (kept, loader) = glue.split_at(cut);
    if !loader.trim_end().ends_with(GLUE_EXPORTS) {
        bail!("{what}: the loader does not end with `{GLUE_EXPORTS}`");
    }
    for needed in GLUE_KEPT {
        find_once(kept, needed, what)?;
    }

    let mut kept = kept.to_owned();
    for (web, wx) in CODECS {
        if !kept.contains(web) {
            bail!("{what}: `{web}` is missing");
        }
        kept = kept.replace(web, wx);
    }
    // The first line is wasm-bindgen's `@ts-self-types` pointer, which must stay first.
    let (first, rest) = kept
        .split_once('\n')
        .ok_or_else(|| Error::new(format!("{what}: the glue is one line")))?;

    let mut out = String::with_capacity(glue.len() + TEXT_CODEC.len() + LOADER.len());
    out.push_str(first);
    out.push_str("\n\n");
    out.push_str(TEXT_CODEC);
    out.push_str(rest.trim_end());
    out.push_str("\n\n");
    out.push_str(LOADER);
    Ok(out)
}

/// Turns the glue's `.d.ts` into the mini-program's: the loader's declarations (`InitInput`,
/// `initSync`, the default export) become the one `init(path)` of `wx/glue/loader.d.ts`.
///
/// # Errors
///
/// When the declarations lack the loader's, as with [`wx_glue`].
pub fn wx_types(types: &str) -> Result<String> {
    let what = "the wasm-bindgen .d.ts does not have the shape build-wx knows";
    let cut = find_once(types, TYPES_LOADER, what)?;
    let (kept, loader) = types.split_at(cut);
    find_once(loader, TYPES_DEFAULT, what)?;

    let mut out = kept.trim_end().to_owned();
    out.push('\n');
    out.push_str(LOADER_TYPES);
    Ok(out)
}

/// Runs the harness (`wx/harness/*.test.mjs`) with `node --test`, against a token-server in
/// code-exchange mode, on the package in `package`.
///
/// # Errors
///
/// When node or the test files are missing, the server does not start, or a test fails.
pub fn run_harness(package: &Path) -> Result<()> {
    let node = process::find_program("node").ok_or_else(|| {
        Error::new("node is not on PATH; the mini-program harness runs in Node.js 18 or later")
    })?;
    let tests = harness_files()?;
    println!("mini-program tests: {}", tests.join(", "));

    run(cargo().args(["build", "-p", "token-server"]))?;
    let server = TokenServer::start(&["--port", "0", "--test-controls", "--code-exchange"])?;
    let mut cmd = command(node);
    // Each file runs in a process of its own, so each loads its own fresh module.
    cmd.arg("--test")
        .args(&tests)
        .env("TOKEN_SERVER_URL", &server.address().url)
        .env("TOKEN_FETCH_PKG_WX", package);
    let outcome = run(&mut cmd).context("the mini-program harness failed");
    drop(server);
    outcome
}

/// The harness's test files, relative to the root, in name order.
fn harness_files() -> Result<Vec<String>> {
    let dir = root().join(HARNESS);
    let entries = fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut files: Vec<String> = entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".test.mjs"))
        .map(|name| format!("{HARNESS}/{name}"))
        .collect();
    if files.is_empty() {
        bail!("{HARNESS}/ has no *.test.mjs file");
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = "xtask/fixtures/wasm-bindgen-0.2.130";

    fn fixture(name: &str) -> String {
        let path = root().join(FIXTURE).join(name);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn glue() -> String {
        fixture("token_fetch.js")
    }

    #[test]
    fn the_fixture_comes_from_the_locked_wasm_bindgen() {
        // When Cargo.lock moves to another wasm-bindgen, the fixture must be regenerated
        // from a build with it, so these tests judge the glue that is really made.
        let locked = ensure::locked_wasm_bindgen().expect("Cargo.lock is readable");
        assert_eq!(locked.as_deref(), Some("0.2.130"));
    }

    #[test]
    fn the_glue_loads_through_wxwebassembly_with_a_package_path() {
        let out = wx_glue(&glue()).expect("the fixture transforms");

        assert!(out.contains("WXWebAssembly.instantiate(path, __wbg_get_imports())"));
        assert_eq!(
            out.matches("WebAssembly.").count(),
            out.matches("WXWebAssembly.").count(),
            "no plain WebAssembly is left"
        );
        for gone in [
            "import.meta",
            "initSync",
            "instantiateStreaming",
            "new URL('token_fetch_bg.wasm'",
        ] {
            assert!(!out.contains(gone), "{gone} is still in the glue");
        }
        assert!(
            out.trim_end()
                .ends_with("export { __wbg_init as default };")
        );
        assert!(out.starts_with("/* @ts-self-types=\"./token_fetch.d.ts\" */\n"));
    }

    #[test]
    fn the_codecs_fall_back_only_where_the_host_lacks_them() {
        let original = glue();
        let out = wx_glue(&original).expect("the fixture transforms");

        assert!(out.contains(TEXT_CODEC));
        assert!(TEXT_CODEC.contains("typeof TextDecoder === 'function' ? TextDecoder :"));
        assert!(TEXT_CODEC.contains("typeof TextEncoder === 'function' ? TextEncoder :"));
        for (web, wx) in CODECS {
            assert_eq!(out.matches(web).count(), 0, "{web}");
            assert_eq!(
                out.matches(wx).count(),
                original.matches(web).count(),
                "{wx}"
            );
        }
    }

    #[test]
    fn everything_else_of_the_glue_is_kept_as_generated() {
        let original = glue();
        let out = wx_glue(&original).expect("the fixture transforms");

        let mut undone = out.replacen(TEXT_CODEC, "", 1);
        for (web, wx) in CODECS {
            undone = undone.replace(wx, web);
        }
        let loader = undone.find(LOADER).expect("the loader is in the output");
        let cut = original
            .find(GLUE_LOADER)
            .expect("the fixture has a loader");
        let squash = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(squash(&undone[..loader]), squash(&original[..cut]));
    }

    #[test]
    fn glue_of_another_shape_is_refused_with_the_reason() {
        let original = glue();
        let cases = [
            (
                "an already transformed glue",
                wx_glue(&original).expect("transforms"),
            ),
            (
                "no loader",
                original.replace(GLUE_LOADER, "\nfunction load("),
            ),
            (
                "another export line",
                original.replace(GLUE_EXPORTS, "export { __wbg_init as default };"),
            ),
            (
                "no decoder",
                original.replace("new TextDecoder(", "new globalThis.Decoder("),
            ),
            (
                "no finalize",
                original.replace("function __wbg_finalize_init(", "function finish("),
            ),
        ];
        for (case, glue) in cases {
            let error = wx_glue(&glue).expect_err(case).to_string();
            assert!(error.contains("wasm-bindgen"), "{case}: {error}");
        }
    }

    #[test]
    fn the_transformed_glue_parses_as_a_module() {
        let node = process::find_program("node").expect("node is installed, as xtask needs npm");
        let dir = std::env::temp_dir().join(format!("xtask-wx-glue-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("scratch folder");
        let file = dir.join("token_fetch.mjs");
        fs::write(&file, wx_glue(&glue()).expect("transforms")).expect("write the glue");

        let status = std::process::Command::new(node)
            .arg("--check")
            .arg(&file)
            .status()
            .expect("node runs");
        fs::remove_dir_all(&dir).expect("clean up");
        assert!(status.success(), "node --check refused the glue");
    }

    #[test]
    fn the_types_declare_the_path_loader_and_keep_the_client() {
        let original = fixture("token_fetch.d.ts");
        let out = wx_types(&original).expect("the fixture's types transform");

        assert!(out.ends_with(LOADER_TYPES));
        assert!(out.contains("export default function init(path: string): Promise<unknown>;"));
        for gone in ["InitInput", "initSync", "SyncInitInput", "__wbg_init"] {
            assert!(!out.contains(gone), "{gone} is still declared");
        }
        let cut = original
            .find(TYPES_LOADER)
            .expect("the fixture declares a loader");
        assert!(out.starts_with(original[..cut].trim_end()));
        assert!(out.contains("export class TokenClient"));
        assert!(out.contains("request(options: WxRequestOptions): WxRequestPromise;"));
        assert!(
            wx_types(&out).is_err(),
            "transformed types have no loader left"
        );
    }

    #[test]
    fn the_harness_has_test_files() {
        let files = harness_files().expect("wx/harness is readable");
        assert!(files.iter().all(|file| file.starts_with("wx/harness/")));
        assert!(files.iter().any(|file| file.ends_with("client.test.mjs")));
    }
}
