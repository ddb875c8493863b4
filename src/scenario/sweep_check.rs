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
            let others: Vec<&(String, Vec<toml::Value>)> = sweep
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != k)
                .map(|(_, e)| e)
                .collect();
            // Saturating: a grid too large to count is refused by the sweep's own limits, and
            // only the first few combinations are tried here anyway.
            let combinations = others
                .iter()
                .fold(1usize, |n, (_, v)| n.saturating_mul(v.len()));
            for value in values {
                let mut first_error = None;
                for c in 0..combinations.min(SWEEP_CHECK_TRIES) {
                    let mut sets = overrides.to_vec();
                    let mut rest = c;
                    for (other_key, other_values) in others.iter().rev() {
                        sets.push(Override {
                            key: other_key.clone(),
                            value: other_values[rest % other_values.len()].to_string(),
                        });
                        rest /= other_values.len();
                    }
                    sets.push(Override {
                        key: key.clone(),
                        value: value.to_string(),
                    });
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

/// How many grid points may be tried to show that one `[sweep]` value can be valid.
const SWEEP_CHECK_TRIES: usize = 64;
