//! `token-server`: serves [`token_server::app`] on a local port until told to stop.

use std::io::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use clap::error::ErrorKind;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How long a stop waits for open requests (such as an injected hang) before leaving anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// A stand-in for a WeChat-login backend: issues tokens at /token, guards /api/ behind them.
#[derive(Debug, Parser)]
#[command(name = "token-server", version)]
struct Cli {
    /// The address to listen on.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,

    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// The token lifetime /token reports as expiresIn, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = token_server::Config::default().lifetime_secs,
        value_parser = parse_lifetime,
        allow_negative_numbers = true
    )]
    lifetime: u64,

    /// Adds the /__control/ routes that tests use to steer the server.
    #[arg(long)]
    test_controls: bool,

    /// A folder to serve at /, with its index.html for unknown paths.
    #[arg(long, value_name = "DIR", value_parser = parse_dir)]
    static_dir: Option<PathBuf>,

    /// Makes /token exchange one-time codes from POST /wx/login instead of openIds.
    #[arg(long)]
    code_exchange: bool,
}

fn parse_lifetime(text: &str) -> Result<u64, String> {
    match text.parse::<i64>() {
        Ok(seconds) if seconds > 0 => Ok(seconds.unsigned_abs()),
        _ => Err("expected a whole number of seconds greater than zero".to_owned()),
    }
}

fn parse_dir(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    if path.is_dir() {
        Ok(path)
    } else {
        Err("no such directory".to_owned())
    }
}

/// Says why a listener could not be opened, in the words an operator expects.
fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::AddrInUse => "address in use".to_owned(),
        io::ErrorKind::AddrNotAvailable => "address not available".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error)
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            // clap's own report spans several lines; scripts want the one that says what is wrong.
            let report = error.render().to_string();
            let first = report.lines().next().unwrap_or_default();
            eprintln!(
                "token-server: {}",
                first.strip_prefix("error: ").unwrap_or(first)
            );
            return ExitCode::from(2);
        }
    };

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("token-server: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run(cli));
    // Tasks still holding a request open are dropped rather than waited for.
    runtime.shutdown_timeout(Duration::from_millis(100));
    code
}

async fn run(cli: Cli) -> ExitCode {
    let config = token_server::Config {
        lifetime_secs: cli.lifetime,
        test_controls: cli.test_controls,
        static_dir: cli.static_dir,
        code_exchange: cli.code_exchange,
    };
    let app = match token_server::app(config) {
        Ok(app) => app,
        Err(error) => {
            eprintln!("token-server: {error}");
            return ExitCode::FAILURE;
        }
    };

    let address = SocketAddr::new(cli.host, cli.port);
    let listener = match TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "token-server: cannot listen on {address}: {}",
                describe(&error)
            );
            return ExitCode::FAILURE;
        }
    };
    let local = listener.local_addr().unwrap_or(address);

    // Whoever started the server reads this line to learn the port, so it must not sit in a
    // buffer; a closed stdout is no reason to stop serving.
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "token-server listening on http://{local}");
    let _ = stdout.flush();
    drop(stdout);

    let (stopping, stopped) = oneshot::channel();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        stop_signal().await;
        let _ = stopping.send(());
    });

    // A graceful stop waits for open requests, and an injected hang is one that never ends on
    // its own, so the wait is bounded.
    let result = tokio::select! {
        result = server.into_future() => result,
        () = async {
            if stopped.await.is_ok() {
                tokio::time::sleep(DRAIN_TIMEOUT).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("token-server: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stop_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };

    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
