//! Summaries of repeated measurements.

use serde::{Deserialize, Serialize};

/// The median, minimum and maximum of several runs, with the raw values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The middle value; the mean of the two middle values for an even count.
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// Every value, in the order measured.
    pub values: Vec<f64>,
}

impl Summary {
    /// Summarizes `values`; `None` when there are none or one is not a number.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() || values.iter().any(|value| value.is_nan()) {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        let median = if sorted.len().is_multiple_of(2) {
            f64::midpoint(sorted[middle - 1], sorted[middle])
        } else {
            sorted[middle]
        };
        Some(Self {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            values: values.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_count() {
        let summary = Summary::of(&[5.0, 1.0, 3.0]).unwrap();
        assert!((summary.median - 3.0).abs() < f64::EPSILON);
        assert!((summary.min - 1.0).abs() < f64::EPSILON);
        assert!((summary.max - 5.0).abs() < f64::EPSILON);
        assert_eq!(summary.values, vec![5.0, 1.0, 3.0]);
    }

    #[test]
    fn median_of_even_count() {
        let summary = Summary::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert!((summary.median - 2.5).abs() < f64::EPSILON);
    }

    #[test]
    fn summary_needs_numbers() {
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[1.0, f64::NAN]), None);
    }
}
