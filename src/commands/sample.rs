//! `complaints sample`: synthetic data of any size, in the shape of a real export (the bundled
//! `sample_data/` was made with it; benchmarks use it for 100 k to 10 M complaints).

use crate::cli::SampleArgs;
use crate::error::{Error, Result};
use crate::ui;
use complaints_sample::{FileSplit, Flavour, Formats, SampleOptions, generate};

/// Generates the data; exit code 0.
pub fn run(args: &SampleArgs, quiet: bool) -> Result<i32> {
    let start = chrono::NaiveDate::parse_from_str(&args.start, "%Y-%m-%d").map_err(|_| {
        Error::Usage(format!(
            "--start: `{}` is not a date (YYYY-MM-DD)",
            args.start
        ))
    })?;
    let mut formats = Formats {
        utf8: false,
        gbk: false,
        xlsx: false,
    };
    for f in &args.formats {
        match f.as_str() {
            "utf8" | "utf-8" => formats.utf8 = true,
            "gbk" => formats.gbk = true,
            "xlsx" => formats.xlsx = true,
            other => {
                return Err(Error::Usage(format!(
                    "--formats: unknown format `{other}` (utf8, gbk, xlsx)"
                )));
            }
        }
    }
    let files = match args.files.as_str() {
        "single" => FileSplit::Single,
        "halves" => FileSplit::Halves,
        "per-month" | "monthly" => FileSplit::PerMonth,
        other => {
            return Err(Error::Usage(format!(
                "--files: unknown split `{other}` (single, halves, per-month)"
            )));
        }
    };
    let flavour = match args.flavour.as_str() {
        "property" => Flavour::Property,
        "hotel" => Flavour::Hotel,
        "hospital" => Flavour::Hospital,
        other => {
            return Err(Error::Usage(format!(
                "--flavour: unknown flavour `{other}` (property, hotel, hospital)"
            )));
        }
    };
    let opts = SampleOptions {
        rows: args.rows,
        seed: args.seed,
        out: args.out.clone(),
        start,
        months: args.months,
        formats,
        events: args.events,
        dirty: args.dirty,
        files,
        flavour,
    };
    let summary = generate(&opts).map_err(|e| Error::io(&args.out, e))?;
    ui::note(
        quiet,
        &format!(
            "wrote {} complaints ({} files) and {} events to {}",
            summary.complaints,
            summary.files.len(),
            summary.events,
            args.out.display()
        ),
    );
    Ok(0)
}
