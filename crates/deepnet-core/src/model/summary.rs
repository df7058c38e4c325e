//! The layer table Keras users know from `model.summary()`.

use super::Sequential;
use crate::layer::Layer;
use crate::spec::Output;

impl Sequential {
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
                Layer::Periodic(p) => {
                    p.frequency().elem_count() + p.weight().elem_count() + p.bias().elem_count()
                }
                Layer::Embedding(e) => e.weight().elem_count(),
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
