//! Headless Chromium for the report tests: loads a page from `file://` with networking off,
//! returns the DOM after the page's script ran and the console lines it printed, takes
//! screenshots and prints to PDF.
//!
//! Chromium is Debian's `chromium` (`/usr/bin/chromium`, installed by `.ci/run`); set
//! `RDPSLEUTH_CHROMIUM` to use another binary. When none is found the tests fail with a message
//! saying how to install it: a missing browser never passes silently.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a browser run may take before it is stopped.
const TIMEOUT: Duration = Duration::from_secs(180);

/// A Chromium binary.
pub struct Chromium {
    path: PathBuf,
}

/// What a page load gave.
pub struct Rendered {
    /// The serialised DOM after the scripts ran.
    pub dom: String,
    /// Console lines (messages, uncaught errors, CSP violations), in order.
    pub console: Vec<String>,
    /// Wall-clock time of the browser run.
    pub wall: Duration,
}

impl Chromium {
    /// The browser, or a panic saying how to install it.
    pub fn find() -> Chromium {
        let candidates: Vec<PathBuf> = std::env::var_os("RDPSLEUTH_CHROMIUM")
            .map(PathBuf::from)
            .into_iter()
            .chain(
                [
                    "/usr/bin/chromium",
                    "/usr/bin/chromium-browser",
                    "/usr/bin/google-chrome",
                ]
                .iter()
                .map(PathBuf::from),
            )
            .collect();
        match candidates.into_iter().find(|p| p.is_file()) {
            Some(path) => Chromium { path },
            None => panic!(
                "headless Chromium is needed by the report tests and was not found: install it \
                 with `apt-get install -y chromium` (CI's .ci/run does), or point \
                 RDPSLEUTH_CHROMIUM at a Chrome/Chromium binary"
            ),
        }
    }

    /// The options every run uses: headless, offline, a fresh profile.
    fn command(&self, profile: &Path) -> Command {
        let mut c = Command::new(&self.path);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--mute-audio",
        ]);
        c.arg(format!("--user-data-dir={}", profile.display()));
        c
    }

    /// Runs the browser with extra arguments; returns stdout, stderr and the time taken.
    fn run(&self, args: &[String]) -> (String, String, Duration) {
        let profile = tempfile::tempdir().expect("a temporary browser profile");
        let mut cmd = self.command(profile.path());
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd.spawn().expect("chromium starts");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let out_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        loop {
            match child.try_wait().expect("waiting for chromium") {
                Some(_) => break,
                None if started.elapsed() > TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("chromium did not finish within {TIMEOUT:?}");
                }
                None => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        let wall = started.elapsed();
        let out = out_reader.join().unwrap_or_default();
        let err = err_reader.join().unwrap_or_default();
        (out, err, wall)
    }

    /// Loads a page and dumps its DOM once the scripts ran (virtual time lets timers fire).
    pub fn render(&self, page: &Path) -> Rendered {
        self.render_url(&url(page))
    }

    /// Loads a URL (a `file://` page with a `#state` fragment) and dumps its DOM.
    pub fn render_url(&self, url: &str) -> Rendered {
        let (dom, err, wall) = self.run(&[
            "--enable-logging=stderr".to_string(),
            "--v=0".to_string(),
            "--virtual-time-budget=10000".to_string(),
            "--dump-dom".to_string(),
            url.to_string(),
        ]);
        let console = err
            .lines()
            .filter(|l| l.contains(":CONSOLE") || l.contains("CONSOLE("))
            .map(str::to_string)
            .collect();
        Rendered { dom, console, wall }
    }

    /// Saves a screenshot of the page at a window size.
    pub fn screenshot(&self, page: &Path, png: &Path, width: u32, height: u32) {
        if let Some(dir) = png.parent() {
            std::fs::create_dir_all(dir).expect("screenshot folder");
        }
        let _ = std::fs::remove_file(png);
        let (_, err, _) = self.run(&[
            format!("--window-size={width},{height}"),
            "--virtual-time-budget=10000".to_string(),
            format!("--screenshot={}", png.display()),
            url(page),
        ]);
        assert!(
            png.is_file(),
            "chromium wrote no screenshot {}: {}",
            png.display(),
            tail(&err)
        );
    }

    /// Prints the page to PDF (the print stylesheet).
    pub fn pdf(&self, page: &Path, pdf: &Path) {
        let _ = std::fs::remove_file(pdf);
        let (_, err, _) = self.run(&[
            "--virtual-time-budget=10000".to_string(),
            "--no-pdf-header-footer".to_string(),
            format!("--print-to-pdf={}", pdf.display()),
            url(page),
        ]);
        assert!(
            pdf.is_file(),
            "chromium wrote no PDF {}: {}",
            pdf.display(),
            tail(&err)
        );
    }
}

/// `file://` URL of a local file (with an optional `#fragment` kept as given).
pub fn url(page: &Path) -> String {
    let abs = std::fs::canonicalize(page).unwrap_or_else(|_| page.to_path_buf());
    format!("file://{}", abs.display())
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}
