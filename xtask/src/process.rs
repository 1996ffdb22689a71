//! Starting other programs: where they are found, the folder they run in, and
//! turning a non-zero exit into an [`Error`].

use std::env;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// The workspace root, which every command runs in.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask's manifest sits one folder below the workspace root")
}

/// Where `cargo install` puts binaries: `$CARGO_HOME/bin`, by default `~/.cargo/bin`.
pub fn cargo_bin_dir() -> PathBuf {
    match env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home).join("bin"),
        None => PathBuf::from(env::var_os("HOME").unwrap_or_default()).join(".cargo/bin"),
    }
}

/// The npm project (relative to the root) holding the build tools xtask installs with npm.
pub const TOOLS: &str = "xtask/tools";

/// `PATH` with xtask's npm tools and then the cargo bin folder in front: the
/// tools win over any older system copy, and a tool installed a moment ago by
/// `cargo install` is found even where the login shell never added that folder.
fn search_path() -> &'static OsString {
    static PATH: OnceLock<OsString> = OnceLock::new();
    PATH.get_or_init(|| {
        let first = [
            root().join(TOOLS).join("node_modules/.bin"),
            cargo_bin_dir(),
        ];
        let mut dirs: Vec<PathBuf> = first.to_vec();
        dirs.extend(
            env::split_paths(&env::var_os("PATH").unwrap_or_default())
                .filter(|dir| !first.contains(dir)),
        );
        env::join_paths(dirs).unwrap_or_else(|_| env::var_os("PATH").unwrap_or_default())
    })
}

/// The full path of `program` as a child would find it, if it is installed.
pub fn find_program(program: &str) -> Option<PathBuf> {
    env::split_paths(search_path())
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// A command for `program`, run in the workspace root with the extended `PATH`.
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(root()).env("PATH", search_path());
    cmd
}

/// The cargo that runs xtask (cargo sets `CARGO` for the programs it runs).
pub fn cargo_path() -> OsString {
    env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// A `cargo` command in the workspace root.
pub fn cargo() -> Command {
    command(cargo_path())
}

/// Runs `cmd` with inherited output, after echoing it.
///
/// # Errors
///
/// When the program cannot be started or exits unsuccessfully; the message
/// names the program and its exit status.
pub fn run(cmd: &mut Command) -> Result<()> {
    println!("$ {}", describe(cmd));
    let status = cmd
        .status()
        .map_err(|e| Error::new(format!("could not start `{}`: {e}", program_name(cmd))))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::new(format!("`{}` failed ({status})", short(cmd))))
    }
}

/// The standard output of `cmd` when it runs and succeeds, else `None`.
///
/// Used for questions like `tool --version`, where any failure means "not installed".
pub fn stdout_of(cmd: &mut Command) -> Option<String> {
    let output = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The version a `--version` line reports: the word after the program's name,
/// as in `wasm-bindgen 0.2.130` or `geckodriver 0.37.1 (hash date)`.
pub fn version_in(output: &str) -> Option<&str> {
    output.lines().next()?.split_whitespace().nth(1)
}

/// The installed version of `program`, from `program --version`.
pub fn installed_version(program: &str) -> Option<String> {
    let output = stdout_of(command(program).arg("--version"))?;
    version_in(&output).map(str::to_owned)
}

/// The command line as a shell would show it, with the variables xtask set in front.
fn describe(cmd: &Command) -> String {
    let mut words: Vec<String> = cmd
        .get_envs()
        .filter(|(key, _)| *key != "PATH")
        .filter_map(|(key, value)| {
            value.map(|value| format!("{}={}", key.to_string_lossy(), value.to_string_lossy()))
        })
        .collect();
    words.push(short(cmd));
    words.join(" ")
}

/// The program's file name and its arguments.
fn short(cmd: &Command) -> String {
    let mut words = vec![program_name(cmd)];
    words.extend(cmd.get_args().map(|arg| arg.to_string_lossy().into_owned()));
    words.join(" ")
}

fn program_name(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    program
        .file_name()
        .unwrap_or(program.as_os_str())
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_from_the_first_line() {
        assert_eq!(version_in("wasm-bindgen 0.2.130\n"), Some("0.2.130"));
        assert_eq!(version_in("wasm-pack 0.15.1\n"), Some("0.15.1"));
        let gecko = "geckodriver 0.37.1 (a3d508507022 2025-02-24 15:57 +0000)\n\nThe source...\n";
        assert_eq!(version_in(gecko), Some("0.37.1"));
    }

    #[test]
    fn reads_no_version_from_empty_output() {
        assert_eq!(version_in(""), None);
        assert_eq!(version_in("wasm-pack\n"), None);
    }

    #[test]
    fn echoes_the_variables_it_sets_but_not_path() {
        let mut cmd = command("/usr/bin/cargo");
        cmd.args(["test", "--test", "*"])
            .env("TOKEN_SERVER_URL", "http://127.0.0.1:1");
        assert_eq!(
            describe(&cmd),
            "TOKEN_SERVER_URL=http://127.0.0.1:1 cargo test --test *"
        );
    }

    #[test]
    fn puts_the_npm_tools_and_the_cargo_bin_folder_first_on_the_path() {
        let first: Vec<PathBuf> = env::split_paths(search_path()).take(2).collect();
        assert_eq!(
            first,
            [
                root().join("xtask/tools/node_modules/.bin"),
                cargo_bin_dir()
            ]
        );
    }
}
