//! Any bytes given as a checkpoint's `deepnet.preprocessing` entry: an error, or a preprocessing
//! that encodes any row (numbers, empty and NA cells, unknown text) into exactly `width()`
//! finite inputs.
#![no_main]
use deepnet_data::table::{EncodeReport, Preprocessing};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(p) = Preprocessing::from_json(text, "fuzz") else {
        return;
    };
    let header: Vec<String> = p.features.iter().map(|f| f.name.clone()).collect();
    let Ok(encoder) = p.row_encoder(&header, "fuzz.csv") else {
        return;
    };
    for cells in [["1", "", "x"], ["NA", "-2.5e3", "?"]] {
        let record = csv::StringRecord::from(
            (0..header.len()).map(|i| cells[i % 3]).collect::<Vec<_>>(),
        );
        let mut out = Vec::new();
        if encoder
            .encode(&record, 2, &mut out, &mut EncodeReport::default())
            .is_ok()
        {
            assert_eq!(out.len(), p.width());
            assert!(out.iter().all(|v| v.is_finite()));
        }
    }
});
