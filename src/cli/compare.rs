//! `backsim compare`: a base scenario against alternative files and `--vs` variations, on
//! common random numbers, into compare.csv, compare.png and compare.json.

use std::path::Path;

use super::{
    command_line, note, output_folder, print, progress_bar, say, thread_pool, CompareArgs,
};
use crate::compare::{compare as run_compare, parse_vs, Contender, Replicate};
use crate::error::{Error, InputError, Origin};
use crate::report::{self, charts, OutputDir};
use crate::scenario::{self, Loaded, Override};

/// `backup.retention_days=14,backup.redundancy=geo` → "retention_days=14, redundancy=geo".
fn vs_label(vs: &[Override]) -> String {
    vs.iter()
        .map(|o| {
            let name = o.key.rsplit('.').next().unwrap_or(&o.key);
            format!("{name}={}", o.value.trim_matches('"'))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An alternative must run over the base's days on the base's clock: its run r is paired with
/// the base's run r, and a difference that came from a shorter horizon or another start (a
/// shorter span, other weekdays, other months) would pass for an effect. `origin` says where
/// the alternative came from: its file (with the key's position) or its `--vs`.
fn same_days(base: &Loaded, alt: &Loaded, origin: Origin) -> Result<(), InputError> {
    let (b, a) = (&base.scenario, &alt.scenario);
    let mismatch = if a.config.horizon != b.config.horizon {
        Some((
            "horizon_days",
            format!("{} days", a.horizon_days),
            format!("{} days", b.horizon_days),
        ))
    } else if a.config.cost.currency != b.config.cost.currency {
        // The bills would be set side by side, and their difference read, in the base's.
        Some((
            "cost.currency",
            a.config.cost.currency.clone(),
            b.config.cost.currency.clone(),
        ))
    } else if a.start != b.start || a.start.offset() != b.start.offset() {
        let at = |t: &chrono::DateTime<chrono::FixedOffset>| {
            t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        };
        Some(("start", at(&a.start), at(&b.start)))
    } else {
        None
    };
    let Some((key, here, there)) = mismatch else {
        return Ok(());
    };
    let (position, remedy) = match &origin {
        Origin::File(_) => (alt.position_of(key), format!("give it the base's {key}")),
        Origin::Argument(_) => (None, format!("leave {key} out of --vs")),
    };
    Err(InputError {
        origin,
        key: Some(key.to_string()),
        position,
        message: format!(
            "is {here} here but {there} in the base {}: an alternative is paired run by run with the base, so it must share the base's horizon_days, start and currency; {remedy} (--set {key}=… changes the base and every alternative alike)",
            base.file
        ),
    })
}

/// A `--vs` may change anything that is the alternative's own, once: the seed and the number of
/// runs are the base's for every alternative (run r of each is paired with the base's run r),
/// so a `--vs` of either would change nothing and its "no difference" would read as a finding.
fn paired_keys_only(vs: &[Override], text: &str) -> Result<(), InputError> {
    let origin = || Origin::Argument(format!("--vs {text}"));
    for o in vs {
        if o.key == "seed" || o.key == "runs" {
            return Err(InputError {
                origin: origin(),
                key: Some(o.key.clone()),
                position: None,
                message: format!(
                    "leave {} out of --vs: every alternative runs on the base's seed and number of runs, paired run by run (--seed, --runs or --set {}=… change them for all)",
                    o.key, o.key
                ),
            });
        }
    }
    // As with --set, a table merges into the file's: it clashes only through the keys it holds.
    if let Some((earlier, later, key)) = crate::scenario::first_clash(vs) {
        return Err(InputError {
            origin: origin(),
            key: Some(key),
            position: None,
            message: format!(
                "is set twice in one --vs ({}={} and {}={}): give it once (another --vs makes another alternative)",
                earlier.key, earlier.value, later.key, later.value
            ),
        });
    }
    Ok(())
}

pub(super) fn compare(args: CompareArgs) -> Result<(), Error> {
    let sets = args.sim.overrides()?;
    let base = scenario::load_recorded(&args.base, &sets)?;
    note(&format!("read {} (sha256 {})", base.file, base.sha256));
    let mut alternatives: Vec<Contender> = Vec::new();
    let mut taken = vec![base.scenario.name.clone()];
    for path in &args.alternatives {
        let loaded = scenario::load_recorded(path, &sets)?;
        note(&format!("read {} (sha256 {})", loaded.file, loaded.sha256));
        same_days(&base, &loaded, scenario::origin_of(path))?;
        // Named by the scenario's name, or by its file where names would clash.
        let label = if taken.contains(&loaded.scenario.name) {
            loaded.file.clone()
        } else {
            loaded.scenario.name.clone()
        };
        taken.push(label.clone());
        alternatives.push(Contender {
            label,
            loaded,
            vs: Vec::new(),
        });
    }
    for text in &args.vs {
        let vs = parse_vs(text)?;
        paired_keys_only(&vs, text)?;
        let mut all = sets.clone();
        all.extend(vs.iter().cloned());
        let loaded = Loaded::from_text(
            base.text.clone(),
            &base.file,
            scenario::origin_of(&args.base),
            &all,
        )
        .map_err(|mut e| {
            // Blame the --vs that set the key, not a --set.
            if let Origin::Argument(arg) = &e.origin {
                if let Some(rest) = arg.strip_prefix("--set ") {
                    if vs.iter().any(|o| rest.starts_with(&format!("{}=", o.key))) {
                        e.origin = Origin::Argument(format!("--vs {rest}"));
                    }
                }
            }
            e
        })?;
        same_days(&base, &loaded, Origin::Argument(format!("--vs {text}")))?;
        alternatives.push(Contender {
            label: vs_label(&vs),
            loaded,
            vs,
        });
    }
    if alternatives.is_empty() {
        return Err(InputError::argument(
            "compare",
            "nothing to compare with the base: name alternative scenario files or add --vs KEY=VALUE",
        )
        .into());
    }
    args.target.check()?;
    let pool = thread_pool(args.sim.threads)?;
    let out_path = output_folder(
        args.out.as_deref(),
        Path::new("output").join(format!("{}-compare", base.scenario.name)),
    )?;
    let runs = base.scenario.runs;
    for alt in &alternatives {
        let s = &alt.loaded.scenario;
        if s.seed != base.scenario.seed || s.runs != runs {
            note(&format!(
                "{}: runs on the base's seed {} and {} replications (its own: seed {}, {} runs), so that its runs pair with the base's",
                alt.label, base.scenario.seed, runs, s.seed, s.runs
            ));
        }
    }
    let replicate = match args.target.target_ci {
        Some(rel) => Replicate::Target {
            first: runs,
            rel,
            max: args.target.max_runs(),
        },
        None => Replicate::Runs(runs),
    };
    let contenders = alternatives.len() as u64 + 1;
    let bar = progress_bar(
        contenders * args.target.planned(runs) as u64,
        "replications",
    );
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let started = std::time::Instant::now();
    let dir = OutputDir::stage(&out_path, "compare.json")?;
    let base_contender = Contender {
        label: base.scenario.name.clone(),
        loaded: base,
        vs: Vec::new(),
    };
    let comparison = pool.install(|| run_compare(base_contender, alternatives, replicate, &tick));
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    note(&format!(
        "{} contenders × {} paired replications on {} threads in {:.2} s",
        contenders,
        comparison.runs(),
        pool.current_num_threads(),
        started.elapsed().as_secs_f64()
    ));
    let results = comparison.results();
    dir.write("compare.csv", &report::compare_csv(&comparison, &results))?;
    if !args.sim.no_charts {
        let png = charts::compare_chart(
            &report::compare_panels(&comparison, &results),
            &format!(
                "Alternatives against \"{}\": difference in the mean, 95% CI of {} paired runs",
                comparison.base.label,
                comparison.runs()
            ),
        )
        .map_err(|e| Error::Other(format!("cannot draw compare.png: {e}")))?;
        dir.write("compare.png", &png)?;
    }
    let json = report::compare_json(&comparison, &results, &command_line(), &args.sim.set);
    dir.write("compare.json", &json)?;
    dir.publish()?;
    note(&format!("wrote {}", out_path.display()));
    if args.json {
        print(&String::from_utf8_lossy(&json));
    } else {
        say(&report::compare_text(&comparison, &results, &args.sim.set));
        say(&format!("\nwrote {}\n", out_path.display()));
    }
    Ok(())
}
