//! Writes `examples/metrics.json` from `examples/metrics-source.toml`: the storage metrics a
//! server with known load would report, in the layout of `az monitor metrics list`, starting
//! once its backup set is full. `backsim calibrate` on `examples/server.json` should find the
//! source's values again. Run from the repository root:
//!
//! ```text
//! cargo run --example synthetic_metrics
//! ```

use std::path::Path;

use backsim::calibrate::synthetic;
use backsim::scenario;

fn main() {
    let source = Path::new("examples/metrics-source.toml");
    let s = scenario::load(source, &[]).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let json = synthetic::example_metrics(&s);
    let out = Path::new("examples/metrics.json");
    if let Err(e) = std::fs::write(out, json) {
        eprintln!("error: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
    println!("wrote {}", out.display());
}
