//! One entry of a [`crate::Sequential`]: a dense layer, periodic or categorical embeddings, an
//! activation or dropout. Their math lives in their own files ([`crate::dense`],
//! [`crate::periodic`], [`crate::embedding`],
//! [`crate::activation`], [`crate::dropout`]).

use crate::activation::Activation;
use crate::dense::Dense;
use crate::embedding::Embedding;
use crate::periodic::Periodic;

/// A built layer.
#[derive(Clone, Debug)]
pub enum Layer {
    /// Fully connected layer with parameters.
    Dense(Dense),
    /// Periodic embeddings of the input features, with parameters.
    Periodic(Periodic),
    /// Embeddings of categorical columns, with parameters.
    Embedding(Embedding),
    /// Element-wise activation.
    Activation(Activation),
    /// Inverted dropout with the given rate; identity at inference.
    Dropout(f64),
}
