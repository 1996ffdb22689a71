//! The `token-server` binary: its flags, its one line of output, and how it stops.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_token-server");

fn run(args: &[&str]) -> Output {
    Command::new(BINARY)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

/// Checks that `output` is a failure with `code` and exactly one line on stderr, and gives it.
fn one_line_failure(output: &Output, code: i32) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.starts_with("token-server: "), "stderr: {stderr}");
    assert!(
        output.stdout.is_empty(),
        "stdout: {:?}",
        String::from_utf8_lossy(&output.stdout)
    );
    stderr
}

#[test]
fn a_lifetime_that_is_not_a_positive_number_exits_2_with_one_line() {
    for lifetime in ["0", "-5", "soon", "1.5"] {
        let stderr = one_line_failure(&run(&["--lifetime", lifetime]), 2);

        assert!(stderr.contains("--lifetime"), "{stderr}");
    }
}

#[test]
fn a_static_dir_that_does_not_exist_exits_2_with_one_line() {
    let stderr = one_line_failure(&run(&["--static-dir", "/no/such/folder"]), 2);

    assert!(stderr.contains("--static-dir"), "{stderr}");
}

#[test]
fn an_unknown_flag_exits_2_with_one_line() {
    one_line_failure(&run(&["--verbose"]), 2);
}

#[test]
fn a_busy_port_exits_1_naming_the_address() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = busy.local_addr().expect("a bound address").port();

    let stderr = one_line_failure(&run(&["--port", &port.to_string()]), 1);

    assert_eq!(
        stderr,
        format!("token-server: cannot listen on 127.0.0.1:{port}: address in use\n")
    );
}

/// A running binary and what it printed first.
struct Running {
    child: Child,
    stdout: BufReader<ChildStdout>,
    base: String,
}

impl Running {
    /// Starts the binary with `args` and waits (at most 10 s) for its listening line.
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BINARY)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");

        // Reading on a thread bounds the wait if the line never comes.
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = String::new();
            let read = stdout.read_line(&mut line).map(|_| line);
            let _ = sender.send((read, stdout));
        });
        let (line, stdout) = receiver
            .recv_timeout(Duration::from_secs(10))
            .expect("a line");
        let line = line.expect("stdout is readable");

        let rest = line.strip_prefix("token-server listening on http://127.0.0.1:");
        let port: u16 = rest
            .and_then(|rest| rest.strip_suffix('\n')?.parse().ok())
            .expect(&line);
        assert_ne!(port, 0, "the real port is printed");
        Self {
            child,
            stdout,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Sends SIGTERM and waits (at most `limit`) for the process to end.
    fn terminate(mut self, limit: Duration) -> (std::process::ExitStatus, String, String) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(killed.success());

        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("the child can be polled") {
                break status;
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                panic!("the server did not stop within {limit:?}");
            }
            thread::sleep(Duration::from_millis(20));
        };
        let mut stdout = String::new();
        self.stdout
            .read_to_string(&mut stdout)
            .expect("stdout is readable");
        let mut stderr = String::new();
        let mut pipe = self.child.stderr.take().expect("stderr is piped");
        pipe.read_to_string(&mut stderr)
            .expect("stderr is readable");
        (status, stdout, stderr)
    }
}

#[tokio::test]
async fn port_zero_prints_the_real_port_then_serves_until_sigterm() {
    let server = Running::start(&["--port", "0", "--lifetime", "60"]);

    let reply: Value = reqwest::get(format!("{}/token?openId=alice", server.base))
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("the answer is JSON");
    let (status, stdout, stderr) = server.terminate(Duration::from_secs(5));

    assert_eq!(reply["expiresIn"], 60);
    assert!(status.success(), "{status}");
    assert_eq!(
        stdout, "",
        "nothing but the listening line, even after requests"
    );
    assert_eq!(stderr, "");
}

#[tokio::test]
async fn sigterm_does_not_wait_forever_for_a_hung_request() {
    let server = Running::start(&["--test-controls"]);
    let client = reqwest::Client::new();
    let fault = json!({"fault": {"kind": "hang"}});
    let queued = client
        .post(format!("{}/__control/token-faults", server.base))
        .json(&fault);
    assert!(
        queued
            .send()
            .await
            .expect("the server answers")
            .status()
            .is_success()
    );
    let hung = tokio::spawn(
        client
            .get(format!("{}/token?openId=alice", server.base))
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    let (status, _, _) =
        tokio::task::spawn_blocking(move || server.terminate(Duration::from_secs(8)))
            .await
            .expect("the wait runs");

    assert!(status.success(), "{status}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped after {:?}",
        started.elapsed()
    );
    assert!(
        hung.await.expect("the task runs").is_err(),
        "the hung request got no answer"
    );
}
