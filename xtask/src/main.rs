//! The project's task runner: `cargo xtask test` runs every check and test as
//! CI does, `cargo xtask demo` serves a page to try the library in, and
//! `cargo xtask bench` measures it next to the JS libraries people use instead.
//!
//! It installs the tools it needs on first use (see [`ensure`]) and depends on
//! nothing but std, so it builds in seconds on a fresh machine.

mod bench;
mod browser;
mod demo;
mod ensure;
mod error;
mod lockfile;
mod process;
mod report;
mod server;
mod test_all;
mod www;
mod wx;

use std::env;
use std::process::ExitCode;

use browser::Engine;

const USAGE: &str = "\
usage: cargo xtask <task> [options]

tasks:
  test      every check and test, as CI runs it
              --engine <chromium|firefox|webkit>  browser tests only in this engine
                                                   (repeatable; default: all three)
              --skip-static                        leave out cargo fmt and clippy
  demo      build the package and the Vue demo in www/, and serve both with the API
              --port <N>          port to serve on (default 8080; 0 picks a free one;
                                  with --headless the default is 0)
              --lifetime <S>      token lifetime in seconds (default 60)
              --headless          run the demo's scenario in headless Chromium, print the
                                  timeline, save a screenshot under target/demo/, and stop
              --dev               build the package unoptimised, for a quicker rebuild
  build-wx  the package for WeChat mini-programs, in pkg-wx/
              --dev       build the module unoptimised, for a quicker rebuild
  bench     size and speed next to raw fetch, axios-auth-refresh, ky and refresh-fetch,
            in headless Chromium; writes target/bench/results.md and chart.svg
              --quick     a short run that checks the benchmark works
  help      print this
";

/// A task with its options, as read from the command line.
#[derive(Debug, PartialEq, Eq)]
enum Task {
    Test(test_all::Options),
    Demo(demo::Options),
    BuildWx(wx::Options),
    Bench(bench::Options),
    Help,
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match parse(&args) {
        Ok(Task::Help) => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Task::Test(options)) => {
            if test_all::run_all(&options) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Ok(Task::Demo(options)) => match demo::run_demo(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        Ok(Task::BuildWx(options)) => match wx::run_build_wx(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        Ok(Task::Bench(options)) => match bench::run_bench(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        Err(problem) => {
            eprintln!("{problem}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Reads the command line after `cargo xtask`.
fn parse(args: &[String]) -> Result<Task, String> {
    let Some((task, rest)) = args.split_first() else {
        return Err("no task given".to_owned());
    };
    match task.as_str() {
        "test" => parse_test(rest).map(Task::Test),
        "demo" => parse_demo(rest).map(Task::Demo),
        "build-wx" => parse_build_wx(rest).map(Task::BuildWx),
        "bench" => parse_bench(rest).map(Task::Bench),
        "help" | "--help" | "-h" => Ok(Task::Help),
        other => Err(format!("unknown task `{other}`")),
    }
}

fn parse_test(args: &[String]) -> Result<test_all::Options, String> {
    let mut options = test_all::Options::default();
    let mut engines = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match flag(arg) {
            ("--skip-static", None) => options.skip_static = true,
            ("--engine", inline) => {
                let name = value(inline, &mut args, "--engine")?;
                let engine = Engine::from_name(name).ok_or_else(|| {
                    format!("unknown engine `{name}`; expected chromium, firefox or webkit")
                })?;
                engines.push(engine);
            }
            _ => return Err(format!("unknown option `{arg}` for `cargo xtask test`")),
        }
    }
    if !engines.is_empty() {
        // Engines always run in one order, so that runs compare with each other.
        engines.sort();
        engines.dedup();
        options.engines = engines;
    }
    Ok(options)
}

fn parse_demo(args: &[String]) -> Result<demo::Options, String> {
    let mut options = demo::Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match flag(arg) {
            ("--dev", None) => options.dev = true,
            ("--headless", None) => options.headless = true,
            ("--port", inline) => {
                let port = value(inline, &mut args, "--port")?;
                let port = port
                    .parse()
                    .map_err(|_| format!("--port takes a number from 0 to 65535, not `{port}`"))?;
                options.port = Some(port);
            }
            // token-server judges the value, so its message is the one the user reads.
            ("--lifetime", inline) => {
                options.lifetime = value(inline, &mut args, "--lifetime")?.to_owned();
            }
            _ => return Err(format!("unknown option `{arg}` for `cargo xtask demo`")),
        }
    }
    Ok(options)
}

fn parse_build_wx(args: &[String]) -> Result<wx::Options, String> {
    let mut options = wx::Options::default();
    for arg in args {
        match flag(arg) {
            ("--dev", None) => options.dev = true,
            _ => return Err(format!("unknown option `{arg}` for `cargo xtask build-wx`")),
        }
    }
    Ok(options)
}

fn parse_bench(args: &[String]) -> Result<bench::Options, String> {
    let mut options = bench::Options::default();
    for arg in args {
        match flag(arg) {
            ("--quick", None) => options.quick = true,
            _ => return Err(format!("unknown option `{arg}` for `cargo xtask bench`")),
        }
    }
    Ok(options)
}

/// Splits `--name=value` into its name and value; other arguments have no value.
fn flag(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((name, value)) if name.starts_with("--") => (name, Some(value)),
        _ => (arg, None),
    }
}

/// The value of a flag: given inline, or else the next argument.
fn value<'a>(
    inline: Option<&'a str>,
    rest: &mut impl Iterator<Item = &'a String>,
    name: &str,
) -> Result<&'a str, String> {
    inline
        .or_else(|| rest.next().map(String::as_str))
        .ok_or_else(|| format!("{name} needs a value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Task, String> {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse(&args)
    }

    fn test_options(line: &str) -> test_all::Options {
        match parse_line(line) {
            Ok(Task::Test(options)) => options,
            other => panic!("`{line}` parsed as {other:?}"),
        }
    }

    #[test]
    fn test_runs_every_engine_by_default() {
        let options = test_options("test");
        assert_eq!(options.engines, Engine::ALL);
        assert!(!options.skip_static);
    }

    #[test]
    fn engines_run_once_each_in_the_fixed_order() {
        let options = test_options("test --engine webkit --engine=chromium --engine webkit");
        assert_eq!(options.engines, [Engine::Chromium, Engine::Webkit]);
    }

    #[test]
    fn skip_static_is_a_switch() {
        assert!(test_options("test --skip-static --engine firefox").skip_static);
        assert!(parse_line("test --skip-static=yes").is_err());
    }

    #[test]
    fn an_unknown_engine_or_option_is_an_error() {
        assert!(parse_line("test --engine safari").is_err());
        assert!(parse_line("test --engine").is_err());
        assert!(parse_line("test --fast").is_err());
    }

    fn demo_options(line: &str) -> demo::Options {
        match parse_line(line) {
            Ok(Task::Demo(options)) => options,
            other => panic!("`{line}` parsed as {other:?}"),
        }
    }

    #[test]
    fn demo_serves_on_8080_with_a_minute_long_token_and_headless_on_a_free_port() {
        let options = demo_options("demo");
        assert_eq!(options, demo::Options::default());
        assert_eq!((options.port(), options.lifetime.as_str()), (8080, "60"));
        assert!(!options.dev && !options.headless);
        assert_eq!(demo_options("demo --headless").port(), 0);
        assert_eq!(demo_options("demo --headless --port 9000").port(), 9000);
    }

    #[test]
    fn demo_takes_a_port_a_lifetime_and_two_switches() {
        assert_eq!(
            demo_options("demo --port 9000 --dev --lifetime 30 --headless"),
            demo::Options {
                port: Some(9000),
                dev: true,
                headless: true,
                lifetime: "30".to_owned(),
            }
        );
        assert_eq!(demo_options("demo --port=0").port, Some(0));
        assert!(parse_line("demo --port 70000").is_err());
        assert!(parse_line("demo --headless=no").is_err());
    }

    #[test]
    fn demo_passes_any_lifetime_on_for_token_server_to_judge() {
        assert_eq!(demo_options("demo --lifetime 0").lifetime, "0");
        assert_eq!(demo_options("demo --lifetime=-5").lifetime, "-5");
        assert_eq!(demo_options("demo --lifetime -5").lifetime, "-5");
        assert!(parse_line("demo --lifetime").is_err());
    }

    #[test]
    fn bench_takes_a_quick_switch_and_nothing_else() {
        assert_eq!(
            parse_line("bench"),
            Ok(Task::Bench(bench::Options { quick: false }))
        );
        assert_eq!(
            parse_line("bench --quick"),
            Ok(Task::Bench(bench::Options { quick: true }))
        );
        assert!(parse_line("bench --quick=yes").is_err());
        assert!(parse_line("bench --rounds 3").is_err());
    }

    #[test]
    fn no_task_or_an_unknown_or_coming_task_is_a_usage_error() {
        assert!(parse_line("").is_err());
        assert!(parse_line("deploy").is_err());
        assert_eq!(parse_line("help"), Ok(Task::Help));
    }

    #[test]
    fn build_wx_takes_a_dev_switch() {
        assert_eq!(
            parse_line("build-wx"),
            Ok(Task::BuildWx(wx::Options { dev: false }))
        );
        assert_eq!(
            parse_line("build-wx --dev"),
            Ok(Task::BuildWx(wx::Options { dev: true }))
        );
        assert!(parse_line("build-wx --release").is_err());
    }
}
