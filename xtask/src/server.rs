//! The token-server child process: started, asked for its address, and always stopped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread;
use std::time::Duration;

use crate::error::{Context, Result, bail};
use crate::process::{self, root};

/// How long the server may take from start to its `listening on` line.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// The words before the address in the server's one announcement line.
const ANNOUNCEMENT: &str = "token-server listening on ";

/// The address a server announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The origin, `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    /// The port the server bound.
    pub port: u16,
}

/// Reads `token-server listening on http://127.0.0.1:PORT`, or `None` for any other line.
pub fn parse_announcement(line: &str) -> Option<Address> {
    let url = line.trim_end().strip_prefix(ANNOUNCEMENT)?;
    let url = url.strip_suffix('/').unwrap_or(url);
    let port = url.strip_prefix("http://127.0.0.1:")?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let port: u16 = port.parse().ok().filter(|&port| port != 0)?;
    Some(Address {
        url: url.to_owned(),
        port,
    })
}

/// The debug build of token-server, which `cargo build -p token-server` makes.
pub fn binary() -> PathBuf {
    root().join("target/debug/token-server")
}

/// The release build of token-server, which `cargo build --release -p token-server` makes.
pub fn release_binary() -> PathBuf {
    root().join("target/release/token-server")
}

/// A running token-server, killed and reaped when dropped, on every path out.
#[derive(Debug)]
pub struct TokenServer {
    child: Child,
    address: Address,
}

impl TokenServer {
    /// Starts the built server with `args` and waits for its announcement line.
    ///
    /// Everything else the server prints goes on to our standard output and error, each
    /// line prefixed with `[token-server]`.
    ///
    /// # Errors
    ///
    /// When the binary cannot be started, exits first, or stays silent for
    /// [`STARTUP_TIMEOUT`]. A server that exits first has said why in one line on its
    /// standard error (a bad flag, a port in use); that line is the error's message.
    pub fn start(args: &[&str]) -> Result<Self> {
        Self::start_binary(&binary(), args)
    }

    /// Like [`TokenServer::start`], with the build at `path`.
    ///
    /// # Errors
    ///
    /// As for [`TokenServer::start`].
    pub fn start_binary(path: &Path, args: &[&str]) -> Result<Self> {
        let mut cmd = process::command(path);
        cmd.args(args);
        let shown = path.strip_prefix(root()).unwrap_or(path);
        println!("$ {} {}", shown.display(), args.join(" "));
        Self::spawn(cmd)
    }

    /// Starts `cmd` as the server and waits for its announcement line.
    fn spawn(mut cmd: Command) -> Result<Self> {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let program = PathBuf::from(cmd.get_program());
        let child = cmd
            .spawn()
            .with_context(|| format!("could not start {}", program.display()))?;

        // The guard owns the child from here on, so any way out of here kills it.
        let mut guard = Guard(Some(child));
        let child = guard
            .0
            .as_mut()
            .expect("the guard was given the child above");
        let stdout = child.stdout.take().expect("stdout was set to piped above");
        let stderr = child.stderr.take().expect("stderr was set to piped above");
        let (sender, announced) = mpsc::channel();
        thread::spawn(move || forward_output(stdout, sender));
        let held = Arc::new(Mutex::new(Some(Vec::new())));
        let (errors_done, errors_closed) = mpsc::channel();
        let errors = Arc::clone(&held);
        thread::spawn(move || {
            forward_errors(stderr, &errors);
            let _ = errors_done.send(());
        });

        match announced.recv_timeout(STARTUP_TIMEOUT) {
            Ok(address) => {
                for line in take_held(&held) {
                    eprintln!("[token-server] {line}");
                }
                let child = guard
                    .0
                    .take()
                    .expect("the guard holds the child until here");
                Ok(Self { child, address })
            }
            Err(mpsc::RecvTimeoutError::Timeout) => bail!(
                "token-server printed no `{ANNOUNCEMENT}http://127.0.0.1:PORT` line within {} s",
                STARTUP_TIMEOUT.as_secs()
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = guard.wait_briefly();
                // A server that has exited has closed its standard error too.
                let _ = errors_closed.recv_timeout(Duration::from_secs(1));
                let said = take_held(&held);
                if said.is_empty() {
                    bail!("token-server stopped before announcing its address ({status})")
                }
                bail!("{} ({status})", said.join("; "))
            }
        }
    }

    /// The address the server announced.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// Waits for the server to exit by itself (the demo runs it in the foreground).
    ///
    /// # Errors
    ///
    /// When the server exits unsuccessfully.
    pub fn wait(mut self) -> Result<()> {
        let status = self.child.wait().context("waiting for token-server")?;
        if !status.success() {
            bail!("token-server exited ({status})");
        }
        Ok(())
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// Holds the child while `start` waits, so that a failed start stops it too.
struct Guard(Option<Child>);

impl Guard {
    /// The exit status of a child that closed its output, described for an error.
    fn wait_briefly(&mut self) -> String {
        let Some(child) = self.0.as_mut() else {
            return "no process".to_owned();
        };
        for _ in 0..20 {
            if let Ok(Some(status)) = child.try_wait() {
                return describe_exit(status);
            }
            thread::sleep(Duration::from_millis(50));
        }
        "it closed its output but is still running".to_owned()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            stop(child);
        }
    }
}

fn stop(child: &mut Child) {
    // Both calls fail only when the child is already gone, which is the goal.
    let _ = child.kill();
    let _ = child.wait();
}

fn describe_exit(status: ExitStatus) -> String {
    if status.success() {
        "it exited with status 0 without serving".to_owned()
    } else {
        status.to_string()
    }
}

/// The standard error lines held back while the server starts; `None` once they are
/// forwarded as they come.
type Held = Mutex<Option<Vec<String>>>;

/// Holds the server's standard error lines back while it starts, and forwards them after.
fn forward_errors(stderr: impl std::io::Read, held: &Held) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        let mut held = held.lock().unwrap_or_else(PoisonError::into_inner);
        match held.as_mut() {
            Some(lines) => lines.push(line),
            None => eprintln!("[token-server] {line}"),
        }
    }
}

/// The lines held so far, after which later lines are forwarded at once.
fn take_held(held: &Held) -> Vec<String> {
    let mut held = held.lock().unwrap_or_else(PoisonError::into_inner);
    held.take().unwrap_or_default()
}

/// Sends the first announcement on `announced`, and copies every other line out.
fn forward_output(stdout: impl std::io::Read, announced: mpsc::Sender<Address>) {
    let mut waiting = true;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if waiting {
            if let Some(address) = parse_announcement(&line) {
                waiting = false;
                // Nobody listens any more only if start has already given up.
                let _ = announced.send(address);
                continue;
            }
        }
        println!("[token-server] {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(port: u16) -> Option<Address> {
        Some(Address {
            url: format!("http://127.0.0.1:{port}"),
            port,
        })
    }

    #[test]
    fn reads_the_port_from_the_announcement() {
        let line = "token-server listening on http://127.0.0.1:41234";
        assert_eq!(parse_announcement(line), address(41234));
    }

    #[test]
    fn accepts_a_trailing_slash_and_line_ending() {
        let line = "token-server listening on http://127.0.0.1:8080/\r\n";
        assert_eq!(parse_announcement(line), address(8080));
    }

    #[test]
    fn rejects_other_lines() {
        for line in [
            "",
            "token-server starting",
            "token-server listening on http://127.0.0.1:",
            "token-server listening on http://127.0.0.1:0",
            "token-server listening on http://127.0.0.1:70000",
            "token-server listening on http://127.0.0.1:80x",
            "token-server listening on http://127.0.0.1:+80",
            "token-server listening on http://localhost:8080",
            "token-server listening on https://127.0.0.1:8080",
            " token-server listening on http://127.0.0.1:8080",
        ] {
            assert_eq!(parse_announcement(line), None, "{line:?}");
        }
    }

    /// A stand-in for the server: a shell running `script`.
    #[cfg(unix)]
    fn shell(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        cmd
    }

    #[cfg(unix)]
    #[test]
    fn a_server_that_exits_first_reports_its_own_line_as_the_error() {
        let script =
            "echo 'token-server: cannot listen on 127.0.0.1:8080: address in use' >&2; exit 1";
        let error = TokenServer::spawn(shell(script)).expect_err("the server exited");
        assert_eq!(
            error.to_string(),
            "token-server: cannot listen on 127.0.0.1:8080: address in use (exit status: 1)"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_silent_server_that_exits_first_is_reported_with_its_status() {
        let error = TokenServer::spawn(shell("exit 2")).expect_err("the server exited");
        assert_eq!(
            error.to_string(),
            "token-server stopped before announcing its address (exit status: 2)"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_server_that_announces_itself_is_running() {
        let script =
            "echo 'token-server listening on http://127.0.0.1:5000'; echo note >&2; sleep 30";
        let server = TokenServer::spawn(shell(script)).expect("the server announced itself");
        assert_eq!(server.address(), &address(5000).expect("valid"));
    }

    #[test]
    fn forwards_lines_and_reports_the_first_announcement() {
        let output = "warming up\ntoken-server listening on http://127.0.0.1:5000\n\
                      token-server listening on http://127.0.0.1:6000\n";
        let (sender, receiver) = mpsc::channel();
        forward_output(output.as_bytes(), sender);
        assert_eq!(
            receiver.try_iter().collect::<Vec<_>>(),
            [address(5000).expect("valid")]
        );
    }
}
