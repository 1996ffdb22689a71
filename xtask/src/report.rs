//! Stages of a run, their outcomes and times, and the summary printed at the end.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::error::Result;

/// How a stage ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It ran and succeeded.
    Passed,
    /// It failed, or could not run; the text says why.
    Failed(String),
    /// It does not apply yet; the text says why. Counted neither way.
    Skipped(String),
}

/// One row of the summary.
#[derive(Debug, Clone)]
pub struct Stage {
    name: String,
    outcome: Outcome,
    elapsed: Duration,
}

/// The stages of one `cargo xtask test`, in the order they ran.
#[derive(Debug, Default)]
pub struct Report {
    stages: Vec<Stage>,
}

impl Report {
    /// Runs `stage` under `name`, records how it went, and hands back its value.
    pub fn run<T>(&mut self, name: &str, stage: impl FnOnce() -> Result<T>) -> Option<T> {
        println!("\n==> {name}");
        let started = Instant::now();
        let result = stage();
        let elapsed = started.elapsed();

        let (outcome, value) = match result {
            Ok(value) => {
                println!("==> {name}: ok ({:.1} s)", elapsed.as_secs_f64());
                (Outcome::Passed, Some(value))
            }
            Err(error) => {
                println!("==> {name}: FAILED: {error}");
                (Outcome::Failed(error.to_string()), None)
            }
        };
        self.stages.push(Stage {
            name: name.to_owned(),
            outcome,
            elapsed,
        });
        value
    }

    /// Records a stage that failed without running.
    pub fn fail(&mut self, name: &str, why: &str) {
        println!("\n==> {name}: FAILED: {why}");
        self.push(name, Outcome::Failed(why.to_owned()));
    }

    /// Records a stage that does not apply yet.
    pub fn skip(&mut self, name: &str, why: &str) {
        println!("\n==> {name}: skipped: {why}");
        self.push(name, Outcome::Skipped(why.to_owned()));
    }

    fn push(&mut self, name: &str, outcome: Outcome) {
        let elapsed = Duration::ZERO;
        self.stages.push(Stage {
            name: name.to_owned(),
            outcome,
            elapsed,
        });
    }

    /// True when no stage failed.
    pub fn succeeded(&self) -> bool {
        !self
            .stages
            .iter()
            .any(|stage| matches!(stage.outcome, Outcome::Failed(_)))
    }

    /// The table of stages, then the reasons for failures, then `N passed, M failed`.
    pub fn summary(&self) -> String {
        let width = self
            .stages
            .iter()
            .map(|stage| stage.name.len())
            .max()
            .unwrap_or(0)
            .max(5);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<width$}  {:<7}  {:>7}",
            "stage", "result", "seconds"
        );
        for stage in &self.stages {
            let (result, note, seconds) = match &stage.outcome {
                Outcome::Passed => ("ok", "", format!("{:.1}", stage.elapsed.as_secs_f64())),
                Outcome::Failed(_) => ("FAILED", "", format!("{:.1}", stage.elapsed.as_secs_f64())),
                Outcome::Skipped(why) => ("skipped", why.as_str(), "-".to_owned()),
            };
            let line = format!("{:<width$}  {result:<7}  {seconds:>7}  {note}", stage.name);
            let _ = writeln!(out, "{}", line.trim_end());
        }

        let failures: Vec<&Stage> = self
            .stages
            .iter()
            .filter(|stage| matches!(stage.outcome, Outcome::Failed(_)))
            .collect();
        if !failures.is_empty() {
            let _ = writeln!(out, "\nfailures:");
            for stage in &failures {
                if let Outcome::Failed(why) = &stage.outcome {
                    let _ = writeln!(out, "  {}: {why}", stage.name);
                }
            }
        }

        let passed = self
            .stages
            .iter()
            .filter(|stage| stage.outcome == Outcome::Passed)
            .count();
        let _ = write!(out, "\n{passed} passed, {} failed", failures.len());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn counts_passed_and_failed_stages_on_the_last_line() {
        let mut report = Report::default();
        report.run("fmt", || Ok(()));
        report.run("clippy", || Err::<(), _>(Error::new("1 warning")));
        report.fail("browser: firefox", "not run");
        report.skip("end-to-end", "not written yet");

        let summary = report.summary();
        assert_eq!(summary.lines().last(), Some("1 passed, 2 failed"));
        assert!(!report.succeeded());
    }

    #[test]
    fn lists_each_failure_with_its_reason() {
        let mut report = Report::default();
        report.run("browser: webkit", || {
            Err::<(), _>(Error::new(
                "browser tests failed in webkit: exit status: 101",
            ))
        });
        let summary = report.summary();
        assert!(
            summary.contains("  browser: webkit: browser tests failed in webkit: exit status: 101")
        );
    }

    #[test]
    fn succeeds_when_nothing_failed() {
        let mut report = Report::default();
        assert_eq!(report.run("host tests", || Ok(7)), Some(7));
        report.skip("mini-program", "not written yet");
        assert!(report.succeeded());
        assert_eq!(report.summary().lines().last(), Some("1 passed, 0 failed"));
    }

    #[test]
    fn aligns_the_table() {
        let mut report = Report::default();
        report.run("a", || Ok(()));
        report.skip("longer name", "later");
        let summary = report.summary();
        let rows: Vec<&str> = summary.lines().take(3).collect();
        assert!(
            rows[0].starts_with("stage        result   seconds"),
            "{summary}"
        );
        assert!(rows[1].starts_with("a            ok"), "{summary}");
        assert!(
            rows[2].starts_with("longer name  skipped        -  later"),
            "{summary}"
        );
    }
}
