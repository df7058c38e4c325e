//! Linear-algebra kernels on row-major slices: the matrix product (over `gemm`) and the
//! matrix-vector products of single-output layers. No formula of the network lives here.

mod matmul;
pub(crate) mod simd;
mod vector;

pub(crate) use matmul::{matmul, matmul_strided, View};
pub(crate) use vector::{rows_axpy, rows_dot};
