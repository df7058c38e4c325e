//! Every metadata key deepnet writes into its safetensors files, in one place; `docs/checkpoints.md`
//! describes each one's value.

/// `pt`, so PyTorch-ecosystem loaders accept the file.
pub const FORMAT: &str = "format";
/// The model spec JSON.
pub const SPEC: &str = "deepnet.spec";
/// The checkpoint layout version.
pub const FORMAT_VERSION: &str = "deepnet.format_version";
/// The deepnet version that wrote the file.
pub const VERSION: &str = "deepnet.version";
/// `{"mean": [...], "scale": [...]}`: predictions are model((x − mean) / scale).
pub const INPUT_SCALING: &str = "deepnet.input_scaling";
/// JSON list of class names, in output order.
pub const CLASSES: &str = "deepnet.classes";
/// JSON list of the model's input names (after one-hot encoding and missing indicators).
pub const FEATURES: &str = "deepnet.features";
/// The table preprocessing (`deepnet_data::table::Preprocessing`) as JSON.
pub const PREPROCESSING: &str = "deepnet.preprocessing";
/// The `deepnet train` arguments of the run, as JSON, so that `--resume` repeats it.
pub const RUN: &str = "deepnet.run";
/// The run's seed.
pub const SEED: &str = "deepnet.seed";
/// The last completed epoch.
pub const EPOCH: &str = "deepnet.epoch";
/// That epoch's training loss.
pub const TRAIN_LOSS: &str = "deepnet.train_loss";
/// That epoch's validation loss.
pub const VAL_LOSS: &str = "deepnet.val_loss";
/// The final test loss.
pub const TEST_LOSS: &str = "deepnet.test_loss";
/// The final test accuracy (classifiers).
pub const TEST_ACCURACY: &str = "deepnet.test_accuracy";
/// The final test R² (regressors).
pub const TEST_R2: &str = "deepnet.test_r2";
/// The training history as JSON (training-state files).
pub const HISTORY: &str = "deepnet.history";
