//! Any bytes given as a CSV file: a dataset or an error, never a panic. The table reader: the
//! first byte picks the dialect (detected, or one of `,` `;`
//! tab `|`), the rest is read, fitted as a classification and a regression table, encoded, and
//! its preprocessing must survive a JSON round trip.
#![no_main]
use deepnet_data::table::{target_rows, Dialect, Preprocessing, RawTable, TableOptions, Task};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let dialect = Dialect {
        delimiter: [None, Some(b','), Some(b';'), Some(b'\t'), Some(b'|')][pick as usize % 5],
        ..Dialect::default()
    };
    let Ok(table) = RawTable::parse(rest, "fuzz.csv", &dialect) else {
        return;
    };
    for task in [Task::Classification, Task::Regression] {
        let options = TableOptions::new(task);
        let Ok((rows, _)) = target_rows(&table, &options) else {
            continue;
        };
        let Ok(fitted) = Preprocessing::fit(&table, &options, &rows) else {
            continue;
        };
        let p = fitted.preprocessing;
        assert_eq!(Preprocessing::from_json(&p.to_json(), "fuzz").unwrap(), p);
        if let Ok((ds, _)) = p.dataset(&table, None) {
            assert_eq!(ds.width(), p.width());
            assert!(ds.features.iter().all(|v| v.is_finite()));
        }
    }
});
