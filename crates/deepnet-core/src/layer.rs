//! One entry of a [`crate::Sequential`]: a dense layer, an activation or dropout. Their math
//! lives in their own files ([`crate::dense`], [`crate::activation`], [`crate::dropout`]).

use crate::activation::Activation;
use crate::dense::Dense;

/// A built layer.
#[derive(Clone, Debug)]
pub enum Layer {
    /// Fully connected layer with parameters.
    Dense(Dense),
    /// Element-wise activation.
    Activation(Activation),
    /// Inverted dropout with the given rate; identity at inference.
    Dropout(f64),
}
