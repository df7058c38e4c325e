//! A stack of layers built from a [`ModelSpec`], with the explicit forward and backward passes.

use candle_core::{DType, Device, Module, Tensor, D};

use crate::activation::sigmoid;
use crate::dense::Dense;
use crate::error::{Error, Result};
use crate::gradients::Gradients;
use crate::layer::Layer;
use crate::loss::{softmax, Loss};
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
    scaling: Option<(InputScaling, Tensor, Tensor)>,
    class_names: Option<Vec<String>>,
}

/// What a training forward pass caches for backward: the input of every layer (and the final
/// logits), and dropout masks.
#[derive(Clone, Debug)]
pub struct Trace {
    activations: Vec<Tensor>,
    masks: Vec<Option<Tensor>>,
}

impl Trace {
    /// The network's output before the output non-linearity, `[batch, outputs]`.
    pub fn logits(&self) -> &Tensor {
        // `activations` always holds the input plus one entry per layer.
        &self.activations[self.activations.len() - 1]
    }
}

impl Sequential {
    /// Builds and initialises the network on `device` in `dtype`. The same `seed` gives
    /// bit-identical weights on every run.
    pub fn new(spec: &ModelSpec, seed: u64, device: &Device, dtype: DType) -> Result<Self> {
        spec.validate()?;
        let mut rng = Rng::new(seed);
        let mut width = spec.inputs;
        let mut layers = Vec::with_capacity(spec.layers.len());
        for l in &spec.layers {
            let layer = match l {
                LayerSpec::Dense { units, init, bias } => {
                    let init = init.unwrap_or(spec.init);
                    let d = Dense::init(width, *units, *bias, init, &mut rng, device, dtype)?;
                    width = *units;
                    Layer::Dense(d)
                }
                other => Layer::from_spec_activation(other)
                    .ok_or_else(|| Error::Spec("unexpected layer".into()))?,
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
    pub fn set_input_scaling(&mut self, scaling: Option<InputScaling>) -> Result<()> {
        self.scaling = match scaling {
            Some(s) => {
                s.validate(self.spec.inputs)?;
                let (mean, inv) = s.tensors(&self.device, self.dtype)?;
                Some((s, mean, inv))
            }
            None => None,
        };
        Ok(())
    }

    /// The standardisation the model applies to raw inputs, if any.
    pub fn input_scaling(&self) -> Option<&InputScaling> {
        self.scaling.as_ref().map(|(s, _, _)| s)
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

    /// Converts `x` to the model's dtype and device, checks it is `[batch, inputs]` and applies
    /// the input standardisation.
    pub fn prepare_input(&self, x: &Tensor) -> Result<Tensor> {
        let (n, d) = x.dims2().map_err(|_| {
            Error::Shape(format!(
                "input must be [batch, {}], got {:?}",
                self.spec.inputs,
                x.dims()
            ))
        })?;
        if d != self.spec.inputs {
            return Err(Error::Shape(format!(
                "input has {d} features but the model expects {}",
                self.spec.inputs
            )));
        }
        if n == 0 {
            return Err(Error::Empty("the input has no rows".into()));
        }
        let x = x.to_device(&self.device)?.to_dtype(self.dtype)?;
        Ok(match &self.scaling {
            Some((_, mean, inv)) => x.broadcast_sub(mean)?.broadcast_mul(inv)?,
            None => x,
        })
    }

    /// Inference: the logits `[batch, outputs]` (dropout off).
    pub fn logits(&self, x: &Tensor) -> Result<Tensor> {
        let mut a = self.prepare_input(x)?;
        for l in &self.layers {
            a = l.forward(&a)?;
        }
        Ok(a)
    }

    /// Training forward pass: caches every layer's input for [`Sequential::backward`]; dropout
    /// masks are drawn from `rng`.
    pub fn forward_train(&self, x: &Tensor, rng: &mut Rng) -> Result<Trace> {
        let mut activations = Vec::with_capacity(self.layers.len() + 1);
        let mut masks = Vec::with_capacity(self.layers.len());
        let mut a = self.prepare_input(x)?;
        for l in &self.layers {
            let (next, mask) = l.forward_train(&a, rng)?;
            activations.push(a);
            masks.push(mask);
            a = next;
        }
        activations.push(a);
        Ok(Trace { activations, masks })
    }

    /// Backpropagation: from dJ/dlogits, walks the layers in reverse, each turning its upstream
    /// gradient into dX (and dW, db for dense layers) by the chain rule.
    pub fn backward(&self, trace: &Trace, dlogits: &Tensor) -> Result<Gradients> {
        let mut grads = Vec::new();
        let mut d = dlogits.clone();
        for (i, l) in self.layers.iter().enumerate().rev() {
            let x = &trace.activations[i];
            let y = &trace.activations[i + 1];
            let (dx, g) = l.backward(x, y, trace.masks[i].as_ref(), &d)?;
            if let Some(g) = g {
                if let Some(b) = g.bias {
                    grads.push((format!("{i}.bias"), b));
                }
                grads.push((format!("{i}.weight"), g.weight));
            }
            d = dx;
        }
        let mut out = Gradients::default();
        for (name, g) in grads.into_iter().rev() {
            out.push(name, g);
        }
        Ok(out)
    }

    /// One forward + loss + backward on a batch: returns the loss, the gradients and the logits.
    pub fn loss_and_gradients(
        &self,
        x: &Tensor,
        targets: &Tensor,
        rng: &mut Rng,
    ) -> Result<(f64, Gradients, Tensor)> {
        let trace = self.forward_train(x, rng)?;
        let (loss, dlogits) = self.loss().forward_backward(trace.logits(), targets)?;
        let grads = self.backward(&trace, &dlogits)?;
        Ok((loss, grads, trace.logits().clone()))
    }

    /// Output probabilities: σ(z) `[n, 1]` for sigmoid, softmax(z) `[n, k]` for softmax; the raw
    /// outputs for a linear (regression) model.
    pub fn predict_proba(&self, x: &Tensor) -> Result<Tensor> {
        let z = self.logits(x)?;
        match self.spec.output {
            Output::Sigmoid => sigmoid(&z),
            Output::Softmax => softmax(&z),
            Output::Linear => Ok(z),
        }
    }

    /// Predicted class per row (σ(z) > 0.5, or the arg-max of the logits). Errors for a regression model.
    pub fn predict_classes(&self, x: &Tensor) -> Result<Vec<u32>> {
        classes_from_logits(self.spec.output, &self.logits(x)?)
    }

    /// Parameters with their checkpoint names (`"{index}.weight"`, `"{index}.bias"`), in layer order.
    pub fn parameters(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            if let Layer::Dense(d) = l {
                out.push((format!("{i}.weight"), d.weight().clone()));
                if let Some(b) = d.bias() {
                    out.push((format!("{i}.bias"), b.clone()));
                }
            }
        }
        out
    }

    /// Mutable parameters with their names, in the order of [`Sequential::parameters`].
    pub fn parameters_mut(&mut self) -> Vec<(String, &mut Tensor)> {
        let mut out = Vec::new();
        for (i, l) in self.layers.iter_mut().enumerate() {
            if let Layer::Dense(d) = l {
                let (w, b) = d.params_mut();
                out.push((format!("{i}.weight"), w));
                if let Some(b) = b {
                    out.push((format!("{i}.bias"), b));
                }
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

    /// A table of layers, output shapes and parameter counts.
    pub fn summary(&self) -> String {
        let widths = self.spec.widths();
        let mut s = format!(
            "{:<4} {:<12} {:<14} {:>10}\n",
            "#", "layer", "output shape", "params"
        );
        s.push_str(&format!(
            "{:<4} {:<12} {:<14} {:>10}\n",
            "",
            "input",
            format!("[-, {}]", self.spec.inputs),
            0
        ));
        for (i, (l, w)) in self.spec.layers.iter().zip(&widths).enumerate() {
            let params = match &self.layers[i] {
                Layer::Dense(d) => d.weight().elem_count() + d.bias().map_or(0, |b| b.elem_count()),
                _ => 0,
            };
            s.push_str(&format!(
                "{:<4} {:<12} {:<14} {:>10}\n",
                i,
                l.type_name(),
                format!("[-, {w}]"),
                params
            ));
        }
        let loss = match self.spec.output {
            Output::Sigmoid => "sigmoid, binary cross-entropy",
            Output::Softmax => "softmax, cross-entropy",
            Output::Linear => "linear, mean squared error",
        };
        s.push_str(&format!(
            "total parameters: {}\noutput: {loss}\n",
            self.parameter_count()
        ));
        s
    }
}

/// Predicted classes from logits: σ(z) > 0.5 (z > 0) for sigmoid, arg-max for softmax.
pub fn classes_from_logits(output: Output, logits: &Tensor) -> Result<Vec<u32>> {
    match output {
        Output::Sigmoid => Ok(logits
            .flatten_all()?
            .gt(0.0)?
            .to_dtype(DType::U32)?
            .to_vec1::<u32>()?),
        Output::Softmax => Ok(logits.argmax(D::Minus1)?.to_vec1::<u32>()?),
        Output::Linear => Err(Error::Invalid(
            "a regression model (output `linear`) has no classes".into(),
        )),
    }
}

impl Module for Sequential {
    /// The logits, as [`Sequential::logits`].
    fn forward(&self, xs: &Tensor) -> candle_core::Result<Tensor> {
        self.logits(xs).map_err(|e| match e {
            Error::Candle(e) => e,
            other => candle_core::Error::Msg(other.to_string()),
        })
    }
}
