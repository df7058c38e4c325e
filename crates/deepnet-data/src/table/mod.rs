//! Tables as a data scientist gets them: string categories, missing cells, ID columns, several
//! targets, any common delimiter. Reading ([`RawTable`]) keeps every cell as text; fitting
//! ([`Preprocessing::fit`]) learns from the training rows which columns are numeric or
//! categorical, their medians and vocabularies, and the target classes or scaling; applying it
//! ([`Preprocessing::dataset`], [`Preprocessing::encode`]) turns any file with the same columns
//! into model inputs. The preprocessing is plain serde data, saved in the checkpoint.
//!
//! ```
//! use deepnet_data::table::{target_rows, Dialect, Preprocessing, RawTable, TableOptions, Task};
//!
//! let csv = "id,colour,size,label\n1,red,2.5,yes\n2,blue,,no\n3,red,1.0,no\n4,green,3.0,yes\n";
//! let table = RawTable::parse(csv.as_bytes(), "example.csv", &Dialect::default())?;
//! let mut options = TableOptions::new(Task::Classification);
//! options.ignore = vec!["id".into()];
//! let (rows, _labels) = target_rows(&table, &options)?;
//! let fitted = Preprocessing::fit(&table, &options, &rows)?;
//! let p = fitted.preprocessing;
//! assert_eq!(
//!     p.input_names(),
//!     ["colour=blue", "colour=green", "colour=red", "size", "size.missing"]
//! );
//! let (ds, _report) = p.dataset(&table, None)?;
//! assert_eq!(&ds.features[5..10], &[1.0, 0.0, 0.0, 2.5, 1.0]); // size imputed with the median
//! # Ok::<(), deepnet_data::DataError>(())
//! ```

pub mod bins;
mod columns;
mod default;
mod memory;
mod number;
mod preprocessing;
mod raw;
mod saved;
mod splits;
mod stream;
mod targets;
mod units;

pub use bins::Bins;
pub use columns::{median, Cell, FeatureColumn, FeatureKind};
pub use default::{
    default_spec, describe, infer_task, DEFAULT_BINS, DEFAULT_ENSEMBLE, DEFAULT_HIDDEN,
    DEFAULT_LABEL_SMOOTHING, DEFAULT_REGRESSION_DROPOUT, MAX_INTEGER_CLASSES,
};
pub use memory::Column;
pub use number::{in_f32_range, parse_finite};
pub use preprocessing::{
    target_rows, whole_table, EncodeReport, Fitted, MissingPolicy, Preprocessing, TableOptions,
    Task, FORMAT, MAX_CATEGORIES, TYPO_MIN_NUMBERS, TYPO_SHARE,
};
pub use raw::{
    csv_reader, csv_reader_with, parse_delimiter, sniff_delimiter, Dialect, RawColumn, RawTable,
    DEFAULT_NA_VALUES, MISSING,
};
pub use saved::{plain_preprocessing, saved_preprocessing};
pub use splits::TableSplits;
pub use stream::RowEncoder;
pub use targets::{
    class_name, class_order, target_bounds, whole_number, PositiveRule, TargetEncoding,
    BOUNDS_MARGIN,
};
pub use units::{original_units, scores, scores_in_units};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preprocessing_json_round_trips_and_refuses_unknown_keys() {
        let csv = "id,c,x,y\n1,a,1.5,yes\n2,b,,no\n3,a,2.5,no\n";
        let t = RawTable::parse(csv.as_bytes(), "t.csv", &Dialect::default()).unwrap();
        let mut o = TableOptions::new(Task::Classification);
        o.ignore = vec!["id".into()];
        let (rows, _) = target_rows(&t, &o).unwrap();
        let p = Preprocessing::fit(&t, &o, &rows).unwrap().preprocessing;
        let json = p.to_json();
        assert_eq!(Preprocessing::from_json(&json, "m").unwrap(), p);
        let bad = json.replacen("\"median\"", "\"bogus\":1,\"median\"", 1);
        let e = Preprocessing::from_json(&bad, "m").unwrap_err().to_string();
        assert!(e.contains("unknown field `bogus`"), "{e}");
    }

    #[test]
    fn bin_edges_round_trip_and_bad_ones_are_refused() {
        let mut csv = String::from("x,y\n");
        for i in 0..40 {
            csv.push_str(&format!("{},{}\n", i * i, i % 2));
        }
        let t = RawTable::parse(csv.as_bytes(), "t.csv", &Dialect::default()).unwrap();
        let mut o = TableOptions::new(Task::Classification);
        o.bins = Bins::Exactly(4);
        let (rows, _) = target_rows(&t, &o).unwrap();
        let p = Preprocessing::fit(&t, &o, &rows).unwrap().preprocessing;
        assert_eq!(p.features[0].bin_count(), Some(4));
        assert_eq!(p.width(), 5);
        let json = p.to_json();
        assert!(
            json.contains(r#""edges":[0.0,95.25,380.5,855.75,1521.0]"#),
            "{json}"
        );
        assert_eq!(Preprocessing::from_json(&json, "m").unwrap(), p);
        for edges in [
            "[0.0,1.0]",
            "[0.0,2.0,1.0,3.0]",
            "[0.0,1.0,1e40]",
            "[1.0,1.00000001,2.0]",
        ] {
            let bad = json.replace("[0.0,95.25,380.5,855.75,1521.0]", edges);
            assert_eq!(
                Preprocessing::from_json(&bad, "m").unwrap_err().to_string(),
                "m: `deepnet.preprocessing`: column `x`: the bin edges are not three or more finite 32-bit floats in ascending order",
                "{edges}"
            );
        }
    }
}
