//! A small builder over the generated ONNX protobuf types: nodes, constant initializers and
//! typed graph inputs and outputs, with generated value names.

use crate::proto::{
    attribute_proto, tensor_proto, tensor_shape_proto, type_proto, AttributeProto, GraphProto,
    NodeProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

/// ONNX element type codes (`TensorProto.DataType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem {
    /// float32
    Float,
    /// int64
    Int64,
    /// UTF-8 string
    String,
}

impl Elem {
    fn code(self) -> i32 {
        match self {
            Elem::Float => tensor_proto::DataType::Float as i32,
            Elem::Int64 => tensor_proto::DataType::Int64 as i32,
            Elem::String => tensor_proto::DataType::String as i32,
        }
    }
}

/// An attribute value.
pub enum Attr {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f32),
    /// A list of integers.
    Ints(Vec<i64>),
    /// A list of strings.
    Strings(Vec<String>),
}

/// A graph under construction.
#[derive(Default)]
pub struct Graph {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<ValueInfoProto>,
    next: usize,
}

/// A dimension: fixed, or the batch dimension `N`.
pub enum Dim {
    /// The number of rows, named `N`.
    Rows,
    /// A fixed size.
    Fixed(i64),
}

fn value_info(name: &str, elem: Elem, dims: &[Dim]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| tensor_shape_proto::Dimension {
            value: Some(match d {
                Dim::Rows => tensor_shape_proto::dimension::Value::DimParam("N".into()),
                Dim::Fixed(n) => tensor_shape_proto::dimension::Value::DimValue(*n),
            }),
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: Some(name.to_string()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(elem.code()),
                shape: Some(TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl Graph {
    /// A fresh value name with a readable stem.
    pub fn fresh(&mut self, stem: &str) -> String {
        self.next += 1;
        format!("{stem}_{}", self.next)
    }

    /// Declares a graph input.
    pub fn input(&mut self, name: &str, elem: Elem, dims: &[Dim]) {
        self.inputs.push(value_info(name, elem, dims));
    }

    /// Declares a graph output.
    pub fn output(&mut self, name: &str, elem: Elem, dims: &[Dim]) {
        self.outputs.push(value_info(name, elem, dims));
    }

    /// Adds a node `op(inputs) -> output` (default domain) and returns the output's name.
    pub fn node(
        &mut self,
        op: &str,
        inputs: &[&str],
        output: &str,
        attrs: &[(&str, Attr)],
    ) -> String {
        self.node_in("", op, inputs, output, attrs)
    }

    /// [`Graph::op`] in the operator set `domain` (`ai.onnx.ml`, ...).
    pub fn op_in(
        &mut self,
        domain: &str,
        op: &str,
        inputs: &[&str],
        attrs: &[(&str, Attr)],
    ) -> String {
        let out = self.fresh(&op.to_ascii_lowercase());
        self.node_in(domain, op, inputs, &out, attrs)
    }

    fn node_in(
        &mut self,
        domain: &str,
        op: &str,
        inputs: &[&str],
        output: &str,
        attrs: &[(&str, Attr)],
    ) -> String {
        let attribute = attrs
            .iter()
            .map(|(name, a)| match a {
                Attr::Int(i) => AttributeProto {
                    name: Some(name.to_string()),
                    r#type: Some(attribute_proto::AttributeType::Int as i32),
                    i: Some(*i),
                    ..Default::default()
                },
                Attr::Float(f) => AttributeProto {
                    name: Some(name.to_string()),
                    r#type: Some(attribute_proto::AttributeType::Float as i32),
                    f: Some(*f),
                    ..Default::default()
                },
                Attr::Ints(v) => AttributeProto {
                    name: Some(name.to_string()),
                    r#type: Some(attribute_proto::AttributeType::Ints as i32),
                    ints: v.clone(),
                    ..Default::default()
                },
                Attr::Strings(v) => AttributeProto {
                    name: Some(name.to_string()),
                    r#type: Some(attribute_proto::AttributeType::Strings as i32),
                    strings: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
                    ..Default::default()
                },
            })
            .collect();
        let name = format!("{op}_{}", self.nodes.len());
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.to_string()],
            name: Some(name),
            op_type: Some(op.to_string()),
            domain: (!domain.is_empty()).then(|| domain.to_string()),
            attribute,
            ..Default::default()
        });
        output.to_string()
    }

    /// [`Graph::node`] with a fresh output name.
    pub fn op(&mut self, op: &str, inputs: &[&str], attrs: &[(&str, Attr)]) -> String {
        let out = self.fresh(&op.to_ascii_lowercase());
        self.node(op, inputs, &out, attrs)
    }

    /// A float32 constant (initializer) named `name`.
    pub fn floats(&mut self, name: &str, dims: &[i64], data: &[f32]) -> String {
        let raw: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializers.push(TensorProto {
            name: Some(name.to_string()),
            dims: dims.to_vec(),
            data_type: Some(Elem::Float.code()),
            raw_data: Some(raw),
            ..Default::default()
        });
        name.to_string()
    }

    /// An int64 constant.
    pub fn ints(&mut self, stem: &str, dims: &[i64], data: &[i64]) -> String {
        let name = self.fresh(stem);
        self.initializers.push(TensorProto {
            name: Some(name.clone()),
            dims: dims.to_vec(),
            data_type: Some(Elem::Int64.code()),
            int64_data: data.to_vec(),
            ..Default::default()
        });
        name
    }

    /// A string constant.
    pub fn strings(&mut self, stem: &str, dims: &[i64], data: &[String]) -> String {
        let name = self.fresh(stem);
        self.initializers.push(TensorProto {
            name: Some(name.clone()),
            dims: dims.to_vec(),
            data_type: Some(Elem::String.code()),
            string_data: data.iter().map(|s| s.as_bytes().to_vec()).collect(),
            ..Default::default()
        });
        name
    }

    /// A float32 constant with a fresh name.
    pub fn floats_fresh(&mut self, stem: &str, dims: &[i64], data: &[f32]) -> String {
        let name = self.fresh(stem);
        self.floats(&name, dims, data)
    }

    /// The finished graph.
    pub fn build(self, name: &str) -> GraphProto {
        GraphProto {
            node: self.nodes,
            name: Some(name.to_string()),
            initializer: self.initializers,
            input: self.inputs,
            output: self.outputs,
            ..Default::default()
        }
    }
}
