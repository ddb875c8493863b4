//! Helpers the test binaries share.
#![allow(dead_code)]

use assert_cmd::Command;
use backsim::error::Origin;
use backsim::scenario::{parse, Override, Scenario};

pub fn backsim() -> Command {
    Command::cargo_bin("backsim").expect("binary built")
}

/// A scenario from TOML text with some keys changed, as `--set` would.
pub fn with(text: &str, sets: &[(&str, &str)]) -> Scenario {
    let overrides: Vec<Override> = sets
        .iter()
        .map(|(k, v)| Override {
            key: k.to_string(),
            value: v.to_string(),
        })
        .collect();
    parse(text, Origin::Argument("test".into()), &overrides).expect("valid test scenario")
}
