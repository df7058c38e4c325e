//! [`Preprocessing`]: everything learned from a table's training rows — column roles and kinds,
//! vocabularies, imputation values, target classes or scaling — as one serde struct that is
//! saved in the checkpoint (`deepnet.preprocessing`) and applied to new rows.

use std::collections::BTreeMap;

use deepnet_core::InputScaling;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dataset::{Dataset, Labels};
use crate::error::{DataError, Result};
use crate::table::bins::Bins;
use crate::table::columns::{fit_column, Cell, ColumnFit, FeatureColumn, FeatureKind};
use crate::table::number::in_f32_range;
use crate::table::raw::{Dialect, RawColumn, RawTable, MISSING};
use crate::table::targets::{class_name, class_order, target_bounds, PositiveRule, TargetEncoding};

/// The current format of the saved preprocessing.
pub const FORMAT: u32 = 1;

/// Whether the model predicts classes or values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// One column of labels (sigmoid or softmax output).
    Classification,
    /// One or more numeric columns (linear output).
    Regression,
}

impl Task {
    /// The task of a network with output `output`: a linear output predicts values.
    pub fn of(output: deepnet_core::Output) -> Task {
        match output {
            deepnet_core::Output::Linear => Task::Regression,
            _ => Task::Classification,
        }
    }
}

/// What to do with missing cells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    /// Impute: numeric median plus an indicator, a category of its own; rows without a target
    /// are skipped.
    #[default]
    Impute,
    /// Refuse any missing cell with an error naming its line and column.
    Error,
}

/// How to read a table for training.
#[derive(Clone, Debug, PartialEq)]
pub struct TableOptions {
    /// The target column(s); empty means the last column.
    pub targets: Vec<String>,
    /// Columns that are not features (IDs, free text).
    pub ignore: Vec<String>,
    /// Columns that are categorical even though their values are numbers.
    pub categorical: Vec<String>,
    /// Delimiter and NA tokens.
    pub dialect: Dialect,
    /// Missing cells imputed or refused.
    pub missing: MissingPolicy,
    /// Most distinct values a categorical column may have.
    pub max_categories: usize,
    /// Categorical columns with at least this many categories (the missing one included) become
    /// one index input for an embedding layer instead of one-hot inputs; `None`: none do. Set
    /// from the spec's embedding layer ([`TableOptions::embedding_from`]).
    pub embed_min_categories: Option<usize>,
    /// The quantile bins every numeric column is also encoded with (see
    /// [`crate::table::bins`]); the no-spec default's is [`Bins::PerRows`].
    pub bins: Bins,
    /// The positive class of a binary target.
    pub positive: Option<String>,
    /// Every class of a classification target, when more may exist than the training rows show
    /// (training in parts); `None`: the training rows' labels.
    pub classes: Option<Vec<String>>,
    /// Classes or values.
    pub task: Task,
}

/// Default for [`TableOptions::max_categories`].
pub const MAX_CATEGORIES: usize = 1000;

impl TableOptions {
    /// Sets [`TableOptions::embed_min_categories`] from `spec`: its first layer's
    /// `min_categories` when that is an embedding layer whose columns are left to the table.
    pub fn embedding_from(&mut self, spec: &deepnet_core::ModelSpec) {
        self.embed_min_categories = match spec.layers.first() {
            Some(deepnet_core::LayerSpec::Embedding {
                columns,
                min_categories,
                ..
            }) if columns.is_empty() => Some(*min_categories),
            _ => None,
        };
    }

    /// Options for `task` with every default: the last column is the target.
    pub fn new(task: Task) -> Self {
        TableOptions {
            targets: Vec::new(),
            ignore: Vec::new(),
            categorical: Vec::new(),
            dialect: Dialect::default(),
            missing: MissingPolicy::Impute,
            max_categories: MAX_CATEGORIES,
            embed_min_categories: None,
            bins: Bins::Off,
            positive: None,
            classes: None,
            task,
        }
    }
}

/// Preprocessing learned from training rows; saved in checkpoints under
/// [`deepnet_core::checkpoint::keys::PREPROCESSING`]; `docs/checkpoints.md` gives the JSON form,
/// key by key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preprocessing {
    /// Format version ([`FORMAT`]).
    pub format: u32,
    /// Tokens read as missing cells besides the empty cell.
    pub na_values: Vec<String>,
    /// Missing cells imputed or refused.
    pub missing: MissingPolicy,
    /// The feature columns in input order, each with its encoding.
    pub features: Vec<FeatureColumn>,
    /// Columns ignored by request.
    #[serde(default)]
    pub ignored: Vec<String>,
    /// Columns dropped because every training cell was missing.
    #[serde(default)]
    pub dropped: Vec<String>,
    /// The target column(s).
    pub targets: Vec<String>,
    /// How the targets are learned.
    pub target: TargetEncoding,
}

/// What applying a preprocessing found, for warnings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EncodeReport {
    /// Rows skipped because a target cell was missing.
    pub skipped_rows: usize,
    /// Cells per column whose category was not seen in training (encoded as zeros).
    pub unseen: BTreeMap<String, usize>,
}

impl EncodeReport {
    /// One warning line per finding.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.skipped_rows > 0 {
            w.push(format!(
                "skipped {} row{} whose target is missing",
                self.skipped_rows,
                if self.skipped_rows == 1 { "" } else { "s" }
            ));
        }
        for (col, n) in &self.unseen {
            w.push(format!(
                "column `{col}`: {n} cell{} with a category not seen in training (encoded as all zeros)",
                if *n == 1 { "" } else { "s" }
            ));
        }
        w
    }
}

/// The fitted preprocessing with the notes worth telling the user.
pub struct Fitted {
    /// The preprocessing.
    pub preprocessing: Preprocessing,
    /// Warnings (dropped columns).
    pub warnings: Vec<String>,
    /// How the positive class was chosen, for a binary target.
    pub positive_rule: Option<PositiveRule>,
}

/// A whole table as one dataset: the rows that have a target, through the preprocessing fitted
/// on all of them (how the embedded tables and `deepnet gradcheck` read a file; training fits on
/// the training rows of its splits instead).
pub fn whole_table(table: &RawTable, options: &TableOptions) -> Result<(Dataset, Fitted)> {
    let (rows, _) = target_rows(table, options)?;
    let fitted = Preprocessing::fit(table, options, &rows)?;
    let (ds, _) = fitted.preprocessing.dataset(table, Some(&rows))?;
    Ok((ds, fitted))
}

/// The rows of `table` that have every target cell, and their class labels (classification) or
/// raw values (regression), for stratified splitting before anything is fitted.
pub fn target_rows(table: &RawTable, options: &TableOptions) -> Result<(Vec<usize>, Labels)> {
    let targets = target_columns(table, options)?;
    let mut rows = Vec::with_capacity(table.len());
    for r in 0..table.len() {
        match targets.iter().find(|&&c| table.columns[c].is_missing(r)) {
            None => rows.push(r),
            Some(&c) if options.missing == MissingPolicy::Error => {
                return Err(missing_cell(table, r, c))
            }
            Some(_) => {}
        }
    }
    if rows.is_empty() {
        return Err(DataError::Empty {
            path: table.source.clone(),
            msg: format!(
                "every row's target `{}` is missing",
                table.header[targets[0]]
            ),
        });
    }
    let labels = match options.task {
        Task::Classification => {
            let col = &table.columns[targets[0]];
            let mut index: BTreeMap<String, u32> = BTreeMap::new();
            for &r in &rows {
                let name = class_name(&col.cell(r).unwrap_or_default());
                let next = index.len() as u32;
                index.entry(name).or_insert(next);
            }
            let names: Vec<String> = {
                let mut v = vec![String::new(); index.len()];
                for (n, &i) in &index {
                    v[i as usize] = n.clone();
                }
                v
            };
            let ids = rows
                .iter()
                .map(|&r| index[&class_name(&col.cell(r).unwrap_or_default())])
                .collect();
            Labels::Classes { ids, names }
        }
        Task::Regression => {
            let mut values = Vec::with_capacity(rows.len() * targets.len());
            for &r in &rows {
                for &c in &targets {
                    values.push(target_number(table, r, c)? as f32);
                }
            }
            Labels::Values {
                values,
                names: targets.iter().map(|&c| table.header[c].clone()).collect(),
            }
        }
    };
    Ok((rows, labels))
}

/// At most this share of a column's present cells (in the rows with a target: training,
/// validation and test rows alike) may be texts that are not numbers for the column to be read
/// as a typo in a numeric column (an error) rather than a category.
pub const TYPO_SHARE: f64 = 0.01;

/// A column needs at least this many numbers among those cells before a text in it is read as a
/// typo.
pub const TYPO_MIN_NUMBERS: usize = 20;

/// A numeric column with a few stray texts among the rows `rows`: the first such row (in file
/// order), the number of numeric cells and of present cells, when the texts are at most
/// [`TYPO_SHARE`] of the present cells and the numbers at least [`TYPO_MIN_NUMBERS`].
fn typo(codes: &[u32], numbers: &[Option<f64>], rows: &[usize]) -> Option<(usize, usize, usize)> {
    let (mut numeric, mut other, mut first) = (0usize, 0usize, usize::MAX);
    for &r in rows {
        match codes[r] {
            MISSING => {}
            k if numbers[k as usize].is_some() => numeric += 1,
            _ => {
                other += 1;
                first = first.min(r);
            }
        }
    }
    let present = numeric + other;
    (other > 0 && numeric >= TYPO_MIN_NUMBERS && other as f64 <= TYPO_SHARE * present as f64)
        .then_some((first, numeric, present))
}

/// `n` with thousands separated by commas: 4,999.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

impl Preprocessing {
    /// Learns the preprocessing of `table` from the rows `train` (row indices into the table,
    /// every one with its target; see [`target_rows`]).
    pub fn fit(table: &RawTable, options: &TableOptions, train: &[usize]) -> Result<Fitted> {
        let bad = |msg: String| DataError::Empty {
            path: table.source.clone(),
            msg,
        };
        let targets = target_columns(table, options)?;
        // The columns `names` name (`flag` says which option, `why` what a target cannot be).
        let columns = |names: &[String], flag: &str, why: &str| -> Result<Vec<usize>> {
            names
                .iter()
                .map(|name| {
                    let c = table.column(name, flag)?;
                    if targets.contains(&c) {
                        return Err(bad(format!("column `{name}` is the target; {why}")));
                    }
                    Ok(c)
                })
                .collect()
        };
        let ignored = columns(&options.ignore, "--ignore", "it cannot also be ignored")?;
        let categorical = columns(
            &options.categorical,
            "--categorical",
            "--categorical is for feature columns",
        )?;
        if train.is_empty() {
            return Err(bad("no training rows".into()));
        }
        // A typo is looked for in every row with a target, so that it reads the same whichever
        // split its row falls in (the validation and test rows are encoded by what is learned
        // here, where a stray text would only be `cannot parse`).
        let with_target: Vec<usize> = (0..table.len())
            .filter(|&r| targets.iter().all(|&c| !table.columns[c].is_missing(r)))
            .collect();
        let mut features = Vec::new();
        let mut dropped = Vec::new();
        let mut warnings = Vec::new();
        // Every feature column's texts parsed and its encoding learned, the columns in parallel;
        // then checked in column order, so the first problem reported is the leftmost one.
        let learned: Vec<(usize, Vec<Option<f64>>, ColumnFit)> = (0..table.header.len())
            .into_par_iter()
            .filter(|c| !targets.contains(c) && !ignored.contains(c))
            .map(|c| {
                let col = &table.columns[c];
                // Each distinct text parsed once: a number outside the f32 range (`inf`,
                // `1e39`) is refused below rather than read as a category; the rest decide the
                // column's kind.
                let numbers: Vec<Option<f64>> = match col {
                    RawColumn::Numbers(_) => Vec::new(),
                    RawColumn::Text { values, .. } => {
                        values.iter().map(|v| v.parse::<f64>().ok()).collect()
                    }
                };
                let fit = fit_column(
                    &table.header[c],
                    col,
                    &numbers,
                    train,
                    categorical.contains(&c),
                    options.bins.count(train.len()),
                );
                (c, numbers, fit)
            })
            .collect();
        for (c, numbers, fit) in learned {
            let name = &table.header[c];
            let col = &table.columns[c];
            if let (Some(code), RawColumn::Text { codes, values }) = (
                numbers
                    .iter()
                    .position(|x| x.is_some_and(|x| !in_f32_range(x))),
                col,
            ) {
                let r = codes.iter().position(|&c| c == code as u32).unwrap_or(0);
                let v = &values[code];
                let x = numbers[code].unwrap_or(f64::NAN);
                return Err(DataError::Value {
                    path: table.source.clone(),
                    line: table.lines[r],
                    column: name.clone(),
                    msg: if x.is_finite() {
                        format!("`{v}` is beyond the range of 32-bit floats; values must be finite numbers")
                    } else {
                        format!("`{v}` is {x}; values must be finite numbers")
                    },
                });
            }
            // Quoted for the shell when the name has spaces.
            let flag = if name.contains(char::is_whitespace) {
                format!("\"{name}\"")
            } else {
                name.clone()
            };
            if let (RawColumn::Text { codes, values }, false) = (col, categorical.contains(&c)) {
                if let Some((r, numeric, present)) = typo(codes, &numbers, &with_target) {
                    let v = &values[codes[r] as usize];
                    return Err(DataError::Value {
                        path: table.source.clone(),
                        line: table.lines[r],
                        column: name.clone(),
                        msg: format!(
                            "`{v}` is not a number, while {} of {} cells are; mark it missing with --na-values {v}, or make the column categorical with --categorical {flag}",
                            thousands(numeric),
                            thousands(present)
                        ),
                    });
                }
            }
            if options.missing == MissingPolicy::Error && fit.missing > 0 {
                let r = train.iter().copied().find(|&r| col.is_missing(r));
                return Err(missing_cell(table, r.unwrap_or(0), c));
            }
            let Some(mut column) = fit.column else {
                dropped.push(name.clone());
                warnings.push(format!(
                    "column `{name}` is missing in every training row; it is dropped"
                ));
                continue;
            };
            if matches!(column.kind, crate::table::FeatureKind::Categorical { .. })
                && fit.distinct > options.max_categories
            {
                return Err(bad(format!(
                    "column `{name}` has {} distinct values, more than the limit of {} for a categorical column; ignore it with --ignore {flag} if it is an ID or free text, or raise --max-categories",
                    fit.distinct, options.max_categories
                )));
            }
            let _ = fit.present;
            let n = column.category_count().unwrap_or(0);
            if let crate::table::FeatureKind::Categorical { embedded, .. } = &mut column.kind {
                *embedded = options.embed_min_categories.is_some_and(|min| n >= min);
            }
            features.push(column);
        }
        if features.is_empty() {
            return Err(bad(
                "no feature columns are left after the target and the ignored columns".into(),
            ));
        }
        let (target, positive_rule) = match options.task {
            Task::Classification => {
                let col = &table.columns[targets[0]];
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                for &r in train {
                    *counts
                        .entry(class_name(&col.cell(r).unwrap_or_default()))
                        .or_default() += 1;
                }
                if let Some(classes) = &options.classes {
                    if let Some(other) = counts.keys().find(|k| !classes.contains(k)) {
                        return Err(bad(format!(
                            "the label `{other}` is not one of the given classes ({})",
                            classes.join(", ")
                        )));
                    }
                    for c in classes {
                        counts.entry(class_name(c)).or_default();
                    }
                }
                if counts.len() < 2 {
                    let only = counts.keys().next().cloned().unwrap_or_default();
                    return Err(bad(format!(
                        "every training row has the class `{only}`; a classifier needs at least two"
                    )));
                }
                let (names, positive) =
                    class_order(&counts, options.positive.as_deref()).map_err(bad)?;
                let rule = positive.as_ref().map(|p| p.1);
                (
                    TargetEncoding::Classes {
                        names,
                        positive: positive.map(|p| p.0),
                    },
                    rule,
                )
            }
            Task::Regression => {
                if options.positive.is_some() {
                    return Err(bad(
                        "--positive is for a binary target, not regression".into()
                    ));
                }
                let mut values = Vec::with_capacity(train.len() * targets.len());
                for &r in train {
                    for &c in &targets {
                        values.push(target_number(table, r, c)? as f32);
                    }
                }
                let s = InputScaling::fit(&values, targets.len())?;
                (
                    TargetEncoding::Values {
                        mean: s.mean.iter().map(|&v| v as f64).collect(),
                        scale: s.scale.iter().map(|&v| v as f64).collect(),
                        bounds: Some(target_bounds(&values, targets.len())),
                    },
                    None,
                )
            }
        };
        Ok(Fitted {
            preprocessing: Preprocessing {
                format: FORMAT,
                na_values: options.dialect.na_values.clone(),
                missing: options.missing,
                features,
                ignored: ignored.iter().map(|&c| table.header[c].clone()).collect(),
                dropped,
                targets: targets.iter().map(|&c| table.header[c].clone()).collect(),
                target,
            },
            warnings,
            positive_rule,
        })
    }

    /// Number of model inputs after encoding.
    pub fn width(&self) -> usize {
        self.features.iter().map(FeatureColumn::width).sum()
    }

    /// Names of the model inputs, in order.
    pub fn input_names(&self) -> Vec<String> {
        self.features
            .iter()
            .flat_map(FeatureColumn::input_names)
            .collect()
    }

    /// The dialect to read new files with: the saved NA tokens, the delimiter detected.
    pub fn dialect(&self) -> Dialect {
        Dialect {
            delimiter: None,
            na_values: self.na_values.clone(),
        }
    }

    /// The class names (empty for regression).
    pub fn class_names(&self) -> &[String] {
        match &self.target {
            TargetEncoding::Classes { names, .. } => names,
            TargetEncoding::Values { .. } => &[],
        }
    }

    /// The encoded features and the targets of `table`'s rows `rows` (every row when `None`);
    /// rows whose target is missing are skipped and counted. Regression targets are
    /// standardised; class labels must be among the model's classes.
    pub fn dataset(
        &self,
        table: &RawTable,
        rows: Option<&[usize]>,
    ) -> Result<(Dataset, EncodeReport)> {
        let all: Vec<usize>;
        let rows = match rows {
            Some(r) => r,
            None => {
                all = (0..table.len()).collect();
                &all
            }
        };
        let targets: Vec<usize> = self
            .targets
            .iter()
            .map(|t| table.column(t, "the target"))
            .collect::<Result<_>>()?;
        let mut report = EncodeReport::default();
        let mut kept = Vec::with_capacity(rows.len());
        let mut ids = Vec::new();
        let mut values = Vec::new();
        for &r in rows {
            if targets.iter().any(|&c| table.columns[c].is_missing(r)) {
                if self.missing == MissingPolicy::Error {
                    let c = targets
                        .iter()
                        .copied()
                        .find(|&c| table.columns[c].is_missing(r))
                        .unwrap_or(0);
                    return Err(missing_cell(table, r, c));
                }
                report.skipped_rows += 1;
                continue;
            }
            kept.push(r);
            match &self.target {
                TargetEncoding::Classes { names, .. } => {
                    let cell = table.columns[targets[0]].cell(r).unwrap_or_default();
                    let id = self
                        .target
                        .class_of(&cell)
                        .ok_or_else(|| DataError::Value {
                            path: table.source.clone(),
                            line: table.lines[r],
                            column: self.targets[0].clone(),
                            msg: format!(
                                "label `{cell}` is not one of the model's classes ({})",
                                names.join(", ")
                            ),
                        })?;
                    ids.push(id);
                }
                TargetEncoding::Values { .. } => {
                    for (j, &c) in targets.iter().enumerate() {
                        let cell = table.columns[c].cell(r).unwrap_or_default();
                        match self.target.standardise(j, &cell) {
                            Some(v) => values.push(v),
                            None => return Err(not_a_number(table, r, c, true)),
                        }
                    }
                }
            }
        }
        if kept.is_empty() {
            return Err(DataError::Empty {
                path: table.source.clone(),
                msg: "no row has its target".into(),
            });
        }
        let features = self.encode(table, &kept, &mut report)?;
        let labels = match &self.target {
            TargetEncoding::Classes { names, .. } => Labels::Classes {
                ids,
                names: names.clone(),
            },
            TargetEncoding::Values { .. } => Labels::Values {
                values,
                names: self.targets.clone(),
            },
        };
        let ds = Dataset::new(table.source.clone(), features, self.input_names(), labels)?;
        Ok((ds, report))
    }

    /// The encoded features of `table`'s rows `rows`, row-major (`width()` per row); unseen
    /// categories are counted in `report`. Blocks of rows are encoded in parallel; the error
    /// reported is the first bad cell of the leftmost bad column, as one pass column by column
    /// would find it.
    pub fn encode(
        &self,
        table: &RawTable,
        rows: &[usize],
        report: &mut EncodeReport,
    ) -> Result<Vec<f32>> {
        /// Rows per block: a block's output stays in the core's cache.
        const BLOCK: usize = 64;
        let width = self.width();
        let mut plans = Vec::with_capacity(self.features.len());
        let mut offset = 0;
        for f in &self.features {
            let c = table.column(&f.name, "a feature")?;
            let col = &table.columns[c];
            let w = f.width();
            // A text column: each distinct text encoded once, then copied per row (the last
            // entry is the missing cell's).
            let cache = match col {
                RawColumn::Text { values, .. } => {
                    let mut cache = vec![0f32; (values.len() + 1) * w];
                    let mut outcome = Vec::with_capacity(values.len() + 1);
                    for (k, v) in values.iter().enumerate() {
                        outcome.push(f.encode(Some(v), &mut cache[k * w..(k + 1) * w]));
                    }
                    let m = values.len();
                    outcome.push(f.encode(None, &mut cache[m * w..(m + 1) * w]));
                    Some((cache, outcome))
                }
                RawColumn::Numbers(_) => None,
            };
            plans.push((f, c, col, offset, w, cache));
            offset += w;
        }
        let mut out = vec![0f32; rows.len() * width];
        // Per block: the unseen count of every feature, and the first bad cell as (feature,
        // row position, table row, whether missing).
        type Bad = (usize, usize, usize, bool);
        let blocks: Vec<(Vec<usize>, Option<Bad>)> = out
            .par_chunks_mut((BLOCK * width).max(1))
            .zip(rows.par_chunks(BLOCK))
            .enumerate()
            .map(|(b, (out, rows))| {
                let mut unseen = vec![0usize; plans.len()];
                let mut one = vec![0f32; plans.iter().map(|p| p.4).max().unwrap_or(0)];
                for (p, (f, _, col, offset, w, cache)) in plans.iter().enumerate() {
                    // The common case, a number column read as numbers: each cell encoded
                    // straight into its place in the output.
                    if let (RawColumn::Numbers(values), FeatureKind::Numeric { .. }) =
                        (col, &f.kind)
                    {
                        for (i, &r) in rows.iter().enumerate() {
                            let v = values[r];
                            if v.is_nan() && self.missing == MissingPolicy::Error {
                                return (unseen, Some((p, b * BLOCK + i, r, true)));
                            }
                            let at = i * width + offset;
                            f.encode_number((!v.is_nan()).then_some(v), &mut out[at..at + w]);
                        }
                        continue;
                    }
                    for (i, &r) in rows.iter().enumerate() {
                        let missing = col.is_missing(r);
                        if missing && self.missing == MissingPolicy::Error {
                            return (unseen, Some((p, b * BLOCK + i, r, true)));
                        }
                        let (values, outcome) = match (cache, col) {
                            (Some((cache, outcome)), RawColumn::Text { codes, .. }) => {
                                let k = match codes[r] {
                                    MISSING => outcome.len() - 1,
                                    c => c as usize,
                                };
                                (&cache[k * w..(k + 1) * w], outcome[k])
                            }
                            _ => {
                                let outcome = f.encode_number(col.number(r), &mut one[..*w]);
                                (&one[..*w], outcome)
                            }
                        };
                        match outcome {
                            Cell::Known => {}
                            // Unseen, or missing where training had no missing cell: zeros.
                            Cell::Unseen => unseen[p] += 1,
                            Cell::NotANumber => {
                                return (unseen, Some((p, b * BLOCK + i, r, false)))
                            }
                        }
                        out[i * width + offset..i * width + offset + w].copy_from_slice(values);
                    }
                }
                (unseen, None)
            })
            .collect();
        if let Some((p, _, r, missing)) = blocks.iter().filter_map(|b| b.1).min() {
            let c = plans[p].1;
            return Err(if missing {
                missing_cell(table, r, c)
            } else {
                not_a_number(table, r, c, false)
            });
        }
        for (unseen, _) in blocks {
            for (p, n) in unseen.into_iter().enumerate() {
                if n > 0 {
                    *report.unseen.entry(plans[p].0.name.clone()).or_default() += n;
                }
            }
        }
        Ok(out)
    }

    /// The preprocessing as JSON (the `deepnet.preprocessing` metadata entry).
    pub fn to_json(&self) -> String {
        // Plain data with string keys always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses and checks a `deepnet.preprocessing` entry; `source` names it in errors.
    pub fn from_json(text: &str, source: &str) -> Result<Self> {
        let bad =
            |msg: String| DataError::Invalid(format!("{source}: `deepnet.preprocessing`: {msg}"));
        let p: Preprocessing = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        if p.format != FORMAT {
            return Err(bad(format!(
                "format {} is not supported (this deepnet reads format {FORMAT})",
                p.format
            )));
        }
        if p.features.is_empty() || p.targets.is_empty() {
            return Err(bad("needs at least one feature and one target".into()));
        }
        for f in &p.features {
            match &f.kind {
                crate::table::FeatureKind::Numeric { median, .. } if !in_f32_range(*median) => {
                    return Err(bad(format!(
                        "column `{}`: the median is not a finite 32-bit float",
                        f.name
                    )))
                }
                crate::table::FeatureKind::Numeric { edges, .. }
                    if !edges.is_empty()
                        && (edges.len() < 3
                            || !edges.iter().all(|&e| in_f32_range(e))
                            || !edges.windows(2).all(|w| (w[0] as f32) < (w[1] as f32))) =>
                {
                    return Err(bad(format!(
                        "column `{}`: the bin edges are not three or more finite 32-bit floats in ascending order",
                        f.name
                    )))
                }
                crate::table::FeatureKind::Categorical { categories, .. }
                    if !categories.windows(2).all(|w| w[0] < w[1]) =>
                {
                    return Err(bad(format!(
                        "column `{}`: the categories are not sorted and distinct",
                        f.name
                    )))
                }
                _ => {}
            }
        }
        match &p.target {
            TargetEncoding::Classes { names, positive } => {
                if names.len() < 2 {
                    return Err(bad("a classifier needs at least two class names".into()));
                }
                if p.targets.len() != 1 {
                    return Err(bad("classes need exactly one target column".into()));
                }
                if let Some(pos) = positive {
                    if names.len() != 2 || names[1] != *pos {
                        return Err(bad(format!(
                            "the positive class `{pos}` must be the second of two classes"
                        )));
                    }
                }
            }
            TargetEncoding::Values {
                mean,
                scale,
                bounds,
            } => {
                if let Some(b) = bounds {
                    if b.len() != p.targets.len()
                        || b.iter()
                            .any(|[lo, hi]| !(lo.is_finite() && hi.is_finite() && lo <= hi))
                    {
                        return Err(bad(format!(
                            "{} targets need as many finite [low, high] bounds, low ≤ high",
                            p.targets.len()
                        )));
                    }
                }
                if mean.len() != p.targets.len() || scale.len() != p.targets.len() {
                    return Err(bad(format!(
                        "{} targets but {} means and {} scales",
                        p.targets.len(),
                        mean.len(),
                        scale.len()
                    )));
                }
                if mean.iter().any(|m| !in_f32_range(*m))
                    || scale.iter().any(|s| !(in_f32_range(*s) && *s > 0.0))
                {
                    return Err(bad(
                        "target means must be finite and scales positive and finite".into(),
                    ));
                }
            }
        }
        Ok(p)
    }
}

/// The target column indices: the named ones, or the last column.
pub(crate) fn target_columns(table: &RawTable, options: &TableOptions) -> Result<Vec<usize>> {
    let targets: Vec<usize> = if options.targets.is_empty() {
        vec![table.header.len() - 1]
    } else {
        options
            .targets
            .iter()
            .map(|t| table.column(t, "--target"))
            .collect::<Result<_>>()?
    };
    if table.header.len() < 2 {
        return Err(DataError::Empty {
            path: table.source.clone(),
            msg: format!(
                "the header has 1 column (`{}`); expected feature columns and a target column",
                table.header[0]
            ),
        });
    }
    if options.task == Task::Classification && targets.len() > 1 {
        return Err(DataError::Empty {
            path: table.source.clone(),
            msg: format!(
                "{} target columns, but a classifier predicts one; several targets need output `linear`",
                targets.len()
            ),
        });
    }
    Ok(targets)
}

/// A regression target cell's number, or an error naming the line.
fn target_number(table: &RawTable, r: usize, c: usize) -> Result<f64> {
    table.columns[c]
        .number(r)
        .ok_or_else(|| not_a_number(table, r, c, true))
}

fn not_a_number(table: &RawTable, r: usize, c: usize, target: bool) -> DataError {
    let cell = table.columns[c].cell(r).unwrap_or_default();
    DataError::Value {
        path: table.source.clone(),
        line: table.lines[r],
        column: table.header[c].clone(),
        msg: if target {
            format!("cannot parse `{cell}` as a number; output `linear` needs numeric targets (use `sigmoid` or `softmax` for labels)")
        } else {
            not_numeric(&cell)
        },
    }
}

fn missing_cell(table: &RawTable, r: usize, c: usize) -> DataError {
    DataError::Value {
        path: table.source.clone(),
        line: table.lines[r],
        column: table.header[c].clone(),
        msg: MISSING_REFUSED.into(),
    }
}

/// The message for a missing cell under [`MissingPolicy::Error`].
pub(crate) const MISSING_REFUSED: &str =
    "missing cell; this model refuses missing values (--missing error)";

/// The message for a numeric feature's cell that is not a number.
pub(crate) fn not_numeric(cell: &str) -> String {
    format!("cannot parse `{cell}` as a number")
}
