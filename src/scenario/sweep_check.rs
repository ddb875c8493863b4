//! The `[sweep]` table checked when the scenario is read: every swept value must make a valid
//! scenario with some values of the other swept keys, and a failure is blamed on the swept key
//! whose value is at fault.

use super::{spans, Document, Override};
use crate::error::InputError;

impl Document<'_> {
    /// Every value of the `[sweep]` table must make a valid scenario: a typo in a swept key or a
    /// value out of range is caught by `validate` and `run`, not only by `sweep`. A value is
    /// checked together with the other swept keys (it may need one of their values, as zone
    /// redundancy needs zone-redundant HA): it passes if one of the first grid points holding it
    /// is valid. `sweep` itself then validates every point before running any.
    pub fn check_sweep_table(
        &self,
        overrides: &[Override],
        sweep: &[(String, Vec<toml::Value>)],
    ) -> Result<(), InputError> {
        for (k, (key, values)) in sweep.iter().enumerate() {
            // Before its values: each would be refused as a value of [sweep] itself, which
            // blamed the value (`the value 1 does not make a valid scenario`) for the key.
            if let Some(problem) = sweep_table_swept(key) {
                return Err(InputError {
                    origin: self.origin.clone(),
                    key: Some(format!("sweep.\"{key}\"")),
                    position: spans::offset_of_sweep_entry(self.text, key)
                        .map(|at| spans::line_col(self.text, at)),
                    message: problem,
                });
            }
            let others: Vec<usize> = (0..sweep.len()).filter(|&j| j != k).collect();
            // Saturating: a grid too large to count is refused by the sweep's own limits, and
            // only the first few combinations are tried here anyway.
            let combinations = others
                .iter()
                .fold(1usize, |n, &j| n.saturating_mul(sweep[j].1.len()));
            for value in values {
                let mut first_error = None;
                for c in 0..combinations.min(SWEEP_CHECK_TRIES) {
                    let mut chosen = vec![value; sweep.len()];
                    let mut rest = c;
                    for &j in others.iter().rev() {
                        let other_values = &sweep[j].1;
                        chosen[j] = &other_values[rest % other_values.len()];
                        rest /= other_values.len();
                    }
                    // Set in the table's order, not the key under test last: of two bad keys
                    // the first is named, as --vary names the first given.
                    let mut sets = overrides.to_vec();
                    sets.extend(sweep.iter().zip(chosen).map(|((key, _), value)| Override {
                        key: key.clone(),
                        value: value.to_string(),
                    }));
                    match self.point(&sets) {
                        Ok(_) => {
                            first_error = None;
                            break;
                        }
                        Err(e) => {
                            first_error.get_or_insert((e, sets));
                        }
                    }
                }
                if let Some((e, sets)) = first_error {
                    // The fault may lie in another swept key's value, which the error names:
                    // blamed there, on its own line, with the value that failed.
                    let (key, value) = match e.key.as_deref().and_then(|bad| {
                        // The error may name a key inside a swept table or list
                        // (`events[0].at` of a swept `events`).
                        let within = |k: &str| {
                            bad.strip_prefix(k)
                                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
                        };
                        sets.iter()
                            .rev()
                            .find(|o| within(&o.key) && sweep.iter().any(|(k, _)| *k == o.key))
                    }) {
                        Some(other) => (other.key.as_str(), other.value.clone()),
                        None => (key.as_str(), value.to_string()),
                    };
                    return Err(InputError {
                        origin: self.origin.clone(),
                        key: Some(format!("sweep.\"{key}\"")),
                        position: spans::offset_of_sweep_entry(self.text, key)
                            .map(|at| spans::line_col(self.text, at)),
                        message: format!(
                            "the value {value} does not make a valid scenario: {}{}",
                            e.key.map(|k| format!("key `{k}`: ")).unwrap_or_default(),
                            e.message
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Why `key` cannot be swept, if it is the `[sweep]` table or inside it: a point is a scenario
/// run as written, and a `[sweep]` table in one would be ignored, so that a point differing
/// only there would run the same as its neighbour.
pub fn sweep_table_swept(key: &str) -> Option<String> {
    (key == "sweep" || key.starts_with("sweep.")).then(|| format!(
        "{key} cannot be swept: the [sweep] table is the grid itself, and each point runs its scenario without one; vary the scenario's own keys (e.g. backup.retention_days=7,14,35)"
    ))
}

/// How many grid points may be tried to show that one `[sweep]` value can be valid.
const SWEEP_CHECK_TRIES: usize = 64;
