#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub use deepnet_core::*;
pub use deepnet_data as data;
pub use deepnet_onnx as onnx;
