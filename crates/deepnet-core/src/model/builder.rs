//! Building a [`ModelSpec`] in code, layer by layer, the way the textbook draws the network.
//!
//! ```
//! use deepnet_core::{Mlp, Output};
//! let spec = Mlp::new(30).dense(16).relu().dense(1).sigmoid().spec()?;
//! assert_eq!(spec.output, Output::Sigmoid);
//! assert_eq!(spec.parameter_count(), 30 * 16 + 16 + 16 + 1);
//! let model = Mlp::new(2).dense(8).tanh().dense(3).softmax().build(42)?;
//! assert_eq!(model.spec().output_units(), 3);
//! # Ok::<(), deepnet_core::Error>(())
//! ```

use super::Sequential;
use crate::activation::Activation;
use crate::error::Result;
use crate::init::Init;
use crate::spec::{LayerSpec, ModelSpec, Output, Recipe};

/// A multi-layer perceptron under construction. The output follows the last dense layer:
/// [`Mlp::sigmoid`] there makes a binary classifier, [`Mlp::softmax`] a multi-class one, and
/// nothing (or [`Mlp::linear`]) a regression.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    spec: ModelSpec,
    softmax: bool,
}

impl Mlp {
    /// A network taking `inputs` features, with no layers yet and Xavier-uniform init.
    pub fn new(inputs: usize) -> Self {
        Mlp {
            spec: ModelSpec {
                name: None,
                inputs,
                layers: Vec::new(),
                output: Output::Linear,
                init: Init::default(),
                ensemble: 1,
                train: None,
            },
            softmax: false,
        }
    }

    /// Makes the network a deep ensemble of `members` copies of these layers, each with its own
    /// initial weights, predicting their mean (see [`crate::ensemble`]).
    pub fn ensemble(mut self, members: usize) -> Self {
        self.spec.ensemble = members;
        self
    }

    /// Adds periodic embeddings of the input features (first layer only; see
    /// [`crate::periodic`]): each feature becomes `units` values from `frequencies` learned
    /// frequencies initialised from N(0, `sigma`²).
    pub fn periodic(self, frequencies: usize, units: usize, sigma: f64) -> Self {
        self.layer(LayerSpec::Periodic {
            frequencies,
            units,
            sigma,
        })
    }

    /// Adds embeddings of categorical columns (first layer only; see [`crate::embedding`]): each
    /// `(input, categories)` holds category indices and becomes `units` learned values.
    pub fn embedding(self, units: usize, columns: &[(usize, usize)]) -> Self {
        self.layer(LayerSpec::Embedding {
            units,
            columns: columns
                .iter()
                .map(|&(input, categories)| crate::EmbeddedColumn { input, categories })
                .collect(),
            min_categories: crate::spec::DEFAULT_MIN_CATEGORIES,
        })
    }

    /// Adds a dense layer of `units` outputs with bias and the network's default init.
    pub fn dense(self, units: usize) -> Self {
        self.layer(LayerSpec::Dense {
            units,
            init: None,
            bias: true,
        })
    }

    /// Adds a dense layer with its own init and bias choice.
    pub fn dense_with(self, units: usize, init: Init, bias: bool) -> Self {
        self.layer(LayerSpec::Dense {
            units,
            init: Some(init),
            bias,
        })
    }

    /// Adds an activation.
    pub fn activation(self, a: Activation) -> Self {
        self.layer(LayerSpec::Activation(a))
    }

    /// Adds ReLU.
    pub fn relu(self) -> Self {
        self.activation(Activation::Relu)
    }

    /// Adds tanh.
    pub fn tanh(self) -> Self {
        self.activation(Activation::Tanh)
    }

    /// Adds a sigmoid; after the last dense layer it is the output of a binary classifier.
    pub fn sigmoid(self) -> Self {
        self.activation(Activation::Sigmoid)
    }

    /// Adds a leaky ReLU with the given negative slope.
    pub fn leaky_relu(self, slope: f64) -> Self {
        self.activation(Activation::LeakyRelu { slope })
    }

    /// Adds inverted dropout with the given rate.
    pub fn dropout(self, rate: f64) -> Self {
        self.layer(LayerSpec::Dropout { rate })
    }

    /// Ends with a softmax over the last dense layer (multi-class classification).
    pub fn softmax(mut self) -> Self {
        self.softmax = true;
        self
    }

    /// Ends with the identity (regression; the default).
    pub fn linear(mut self) -> Self {
        self.softmax = false;
        self
    }

    /// The default initialisation of dense layers.
    pub fn init(mut self, init: Init) -> Self {
        self.spec.init = init;
        self
    }

    /// A name (used for run directories).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.spec.name = Some(name.into());
        self
    }

    /// A training recipe carried by the spec.
    pub fn train(mut self, train: Recipe) -> Self {
        self.spec.train = Some(train);
        self
    }

    fn layer(mut self, l: LayerSpec) -> Self {
        self.spec.layers.push(l);
        self
    }

    /// The validated spec.
    pub fn spec(&self) -> Result<ModelSpec> {
        let mut spec = self.spec.clone();
        if self.softmax {
            spec.output = Output::Softmax;
        } else if spec.layers.last() == Some(&LayerSpec::Activation(Activation::Sigmoid)) {
            spec.layers.pop();
            spec.output = Output::Sigmoid;
        }
        spec.validate()?;
        Ok(spec)
    }

    /// The network, initialised from `seed` (CPU, f32).
    pub fn build(&self, seed: u64) -> Result<Sequential> {
        Sequential::from_spec(&self.spec()?, seed)
    }
}
