//! A stack of layers built from a [`ModelSpec`]: its parameters (candle tensors, what checkpoints
//! save), input scaling and class names; the [`Mlp`] builder; the layer table. Inference and
//! gradients run through the engine and live in `inference.rs`.

mod builder;
mod summary;

pub use builder::Mlp;

use candle_core::{DType, Device, Tensor};

use crate::dense::{Dense, Members};
use crate::embedding::Embedding;
use crate::error::{Error, Result};
use crate::layer::Layer;
use crate::loss::Loss;
use crate::periodic::Periodic;
use crate::rng::Rng;
use crate::scaling::InputScaling;
use crate::spec::{LayerSpec, ModelSpec, Output};

/// A feed-forward network: layers applied in order, the output non-linearity folded into the loss.
///
/// ```
/// use deepnet_core::{ModelSpec, Sequential};
/// let spec = ModelSpec::from_json(r#"{"inputs": 2, "output": "sigmoid",
///     "layers": [{"type": "dense", "units": 4}, {"type": "tanh"}, {"type": "dense", "units": 1}]}"#)?;
/// let model = Sequential::from_spec(&spec, 42)?;
/// let x = candle_core::Tensor::new(&[[0.5f32, -1.0]], &candle_core::Device::Cpu)?;
/// let p = model.predict_proba(&x)?; // σ(logit), shape [1, 1]
/// assert_eq!(p.dims(), &[1, 1]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Sequential {
    spec: ModelSpec,
    layers: Vec<Layer>,
    device: Device,
    dtype: DType,
    scaling: Option<InputScaling>,
    class_names: Option<Vec<String>>,
}

impl Sequential {
    /// Builds and initialises the network on `device` in `dtype`. The same `seed` gives
    /// bit-identical weights on every run.
    pub fn new(spec: &ModelSpec, seed: u64, device: &Device, dtype: DType) -> Result<Self> {
        spec.validate()?;
        let mut rng = Rng::new(seed);
        let mut width = spec.inputs;
        let mut layers = Vec::with_capacity(spec.layers.len());
        // The first dense layer of an ensemble reads the shared input; later ones their member's.
        let mut members = Members {
            count: spec.ensemble.max(1),
            shared_input: true,
        };
        for l in &spec.layers {
            let layer = match l {
                LayerSpec::Dense { units, init, bias } => {
                    let init = init.unwrap_or(spec.init);
                    let d = Dense::init_members(
                        width, *units, members, *bias, init, &mut rng, device, dtype,
                    )?;
                    width = *units;
                    members.shared_input = false;
                    Layer::Dense(d)
                }
                LayerSpec::Activation(a) => Layer::Activation(*a),
                LayerSpec::Dropout { rate } => Layer::Dropout(*rate),
                LayerSpec::Periodic {
                    frequencies,
                    units,
                    sigma,
                } => {
                    let p = Periodic::init(
                        width,
                        *frequencies,
                        *units,
                        *sigma,
                        spec.init,
                        &mut rng,
                        device,
                        dtype,
                    )?;
                    width *= *units;
                    Layer::Periodic(p)
                }
                LayerSpec::Embedding { units, columns, .. } => {
                    let e = Embedding::init(columns, *units, &mut rng, device, dtype)?;
                    width =
                        width.saturating_add(columns.len().saturating_mul(units.saturating_sub(1)));
                    Layer::Embedding(e)
                }
            };
            layers.push(layer);
        }
        Ok(Sequential {
            spec: spec.clone(),
            layers,
            device: device.clone(),
            dtype,
            scaling: None,
            class_names: None,
        })
    }

    /// [`Sequential::new`] on the CPU in f32.
    pub fn from_spec(spec: &ModelSpec, seed: u64) -> Result<Self> {
        Self::new(spec, seed, &Device::Cpu, DType::F32)
    }

    /// The spec the model was built from.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// Replaces the spec without rebuilding (the loader builds from a zero-init copy).
    pub(crate) fn replace_spec(&mut self, spec: ModelSpec) {
        self.spec = spec;
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The weights' dtype.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The loss that matches the spec's output.
    pub fn loss(&self) -> Loss {
        Loss::for_output(self.spec.output)
    }

    /// Sets the standardisation applied to every input before the first layer (`None` removes it).
    /// Inputs that an embedding layer reads as category indices are left as they are: their
    /// mean is set to 0 and their scale to 1.
    pub fn set_input_scaling(&mut self, scaling: Option<InputScaling>) -> Result<()> {
        let mut scaling = scaling;
        if let Some(s) = &mut scaling {
            s.validate(self.spec.inputs)?;
            for c in self.spec.embedded_columns() {
                s.mean[c.input] = 0.0;
                s.scale[c.input] = 1.0;
            }
        }
        self.scaling = scaling;
        Ok(())
    }

    /// The standardisation the model applies to raw inputs, if any.
    pub fn input_scaling(&self) -> Option<&InputScaling> {
        self.scaling.as_ref()
    }

    /// Names of the classes, in output order, when known.
    pub fn class_names(&self) -> Option<&[String]> {
        self.class_names.as_deref()
    }

    /// Sets the class names (`None` removes them); their number must match the classes.
    pub fn set_class_names(&mut self, names: Option<Vec<String>>) -> Result<()> {
        if let Some(n) = &names {
            let expected = match self.spec.output {
                Output::Sigmoid => 2,
                Output::Softmax => self.spec.output_units(),
                Output::Linear => {
                    return Err(Error::Invalid(
                        "a regression model (output `linear`) has no classes".into(),
                    ))
                }
            };
            if n.len() != expected {
                return Err(Error::Shape(format!(
                    "{} class names given but the model has {expected} classes",
                    n.len()
                )));
            }
        }
        self.class_names = names;
        Ok(())
    }

    /// Parameters with their checkpoint names (`"{index}.weight"`, `"{index}.bias"`), in layer order.
    pub fn parameters(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            match l {
                Layer::Dense(d) => {
                    out.push((format!("{i}.weight"), d.weight().clone()));
                    if let Some(b) = d.bias() {
                        out.push((format!("{i}.bias"), b.clone()));
                    }
                }
                Layer::Periodic(p) => {
                    out.push((format!("{i}.frequency"), p.frequency().clone()));
                    out.push((format!("{i}.weight"), p.weight().clone()));
                    out.push((format!("{i}.bias"), p.bias().clone()));
                }
                Layer::Embedding(e) => out.push((format!("{i}.weight"), e.weight().clone())),
                _ => {}
            }
        }
        out
    }

    /// Mutable parameters with their names, in the order of [`Sequential::parameters`].
    pub fn parameters_mut(&mut self) -> Vec<(String, &mut Tensor)> {
        let mut out = Vec::new();
        for (i, l) in self.layers.iter_mut().enumerate() {
            match l {
                Layer::Dense(d) => {
                    let (w, b) = d.params_mut();
                    out.push((format!("{i}.weight"), w));
                    if let Some(b) = b {
                        out.push((format!("{i}.bias"), b));
                    }
                }
                Layer::Periodic(p) => {
                    let [c, w, b] = p.params_mut();
                    out.push((format!("{i}.frequency"), c));
                    out.push((format!("{i}.weight"), w));
                    out.push((format!("{i}.bias"), b));
                }
                Layer::Embedding(e) => out.push((format!("{i}.weight"), e.weight_mut())),
                _ => {}
            }
        }
        out
    }

    /// Replaces the named parameter; the new tensor must have the same shape. It is converted to
    /// the model's dtype and device.
    pub fn set_parameter(&mut self, name: &str, value: &Tensor) -> Result<()> {
        let (device, dtype) = (self.device.clone(), self.dtype);
        let mut params = self.parameters_mut();
        let Some((_, slot)) = params.iter_mut().find(|(n, _)| n == name) else {
            return Err(Error::Shape(format!("the model has no parameter `{name}`")));
        };
        if slot.dims() != value.dims() {
            return Err(Error::Shape(format!(
                "parameter `{name}` has shape {:?}, got {:?}",
                slot.dims(),
                value.dims()
            )));
        }
        **slot = value.to_device(&device)?.to_dtype(dtype)?;
        Ok(())
    }

    /// A copy of the model with its weights converted to `dtype` (e.g. f64 for gradient checks).
    pub fn to_dtype(&self, dtype: DType) -> Result<Self> {
        let mut m = self.clone();
        m.dtype = dtype;
        for (_, p) in m.parameters_mut() {
            *p = p.to_dtype(dtype)?;
        }
        m.set_input_scaling(self.input_scaling().cloned())?;
        Ok(m)
    }

    /// Total number of trainable parameters.
    pub fn parameter_count(&self) -> usize {
        self.parameters().iter().map(|(_, t)| t.elem_count()).sum()
    }
}
