//! Any bytes given as a CSV file: a dataset or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ds) = deepnet_data::parse_csv(data, "fuzz.csv", None) {
        assert_eq!(ds.features.len(), ds.len() * ds.width());
        assert!(ds.features.iter().all(|v| v.is_finite()));
    }
});
