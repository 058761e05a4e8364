//! Progress on stderr: bars while reading and analysing when stderr is a terminal, nothing
//! decorative otherwise or with `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rdpsleuth_parser::ingest::Progress;
use rdpsleuth_parser::{InputReport, Source};

/// The reading bar (bytes of sources read) and a spinner for the later stages.
pub struct Bars {
    reading: Option<ProgressBar>,
}

impl Bars {
    /// Bars on stderr, only when it is a terminal and the user did not ask for quiet.
    pub fn new(quiet: bool) -> Self {
        let visible = !quiet && std::io::stderr().is_terminal();
        let reading = visible.then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} reading {pos}/{len} logs  {msg:.dim}  [{elapsed_precise}]",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Bars { reading }
    }

    /// A spinner for a later stage (`correlating`, `diagnosing`, `writing`), when visible.
    pub fn stage(&self, name: &str) -> Option<ProgressBar> {
        self.reading.as_ref()?;
        let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {msg}  [{elapsed_precise}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner.set_message(name.to_string());
        spinner.enable_steady_tick(Duration::from_millis(120));
        Some(spinner)
    }

    /// Clears the reading bar.
    pub fn finish_reading(&self) {
        if let Some(bar) = &self.reading {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bars {
    fn discovered(&self, sources: usize, _bytes: u64) {
        if let Some(bar) = &self.reading {
            bar.set_length(sources as u64);
        }
    }

    fn read(&self, source: &Source, _report: &InputReport) {
        if let Some(bar) = &self.reading {
            bar.inc(1);
            let name = rdpsleuth_parser::input::file_name_of(&source.display);
            bar.set_message(name.chars().take(60).collect::<String>());
        }
    }
}
