//! A bounds-checked wrapper over the `gemm` crate for row-major f32/f64 matrices, single-threaded.
//!
//! The engine parallelises by splitting the batch across workers instead of splitting each
//! product: on the 2-core reference machine, candle's default (every product on all rayon threads)
//! made small steps slower on 2 threads than on 1, and gemm's own split of the 784-256-128-10 MLP's
//! products at batch 128 gained 3% (154k vs 149k samples/s), against 1.5× for the batch split.

use gemm::{gemm, Parallelism};

use crate::real::Real;

/// A row-major view: `rows × cols` with the given row and column strides (in elements), so that a
/// transpose is a view with the strides swapped.
#[derive(Clone, Copy)]
pub(crate) struct View<'a, T> {
    pub data: &'a [T],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a, T> View<'a, T> {
    /// A contiguous row-major matrix.
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Self {
        View {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose (no copy).
    pub fn t(self) -> Self {
        View {
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
            ..self
        }
    }

    fn fits(&self) -> bool {
        self.rows == 0
            || self.cols == 0
            || (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride
                < self.data.len()
    }
}

/// dst (`a.rows × b.cols`, contiguous row-major) := accumulate·dst + a·b.
///
/// Panics on mismatched shapes: callers size every buffer from the same spec.
pub(crate) fn matmul<T: Real>(dst: &mut [T], a: View<'_, T>, b: View<'_, T>, accumulate: bool) {
    matmul_strided(dst, b.cols, a, b, accumulate)
}

/// [`matmul`] into a row-major `dst` whose rows are `dst_stride` elements apart (a block of
/// columns of a wider matrix, such as one ensemble member's units).
pub(crate) fn matmul_strided<T: Real>(
    dst: &mut [T],
    dst_stride: usize,
    a: View<'_, T>,
    b: View<'_, T>,
    accumulate: bool,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(
        b.rows == k
            && a.fits()
            && b.fits()
            && dst_stride >= n
            && (m == 0 || n == 0 || dst.len() >= (m - 1) * dst_stride + n),
        "matmul shapes"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for row in dst.chunks_mut(dst_stride).take(m) {
                row[..n].fill(T::ZERO);
            }
        }
        return;
    }
    // SAFETY: `fits` checked that every element a strided view addresses lies inside its slice,
    // and `dst` holds m rows of n elements `dst_stride` apart; the slices do not alias (`dst` is
    // `&mut`).
    unsafe {
        gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_stride as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            T::ONE,
            T::ONE,
            false,
            false,
            false,
            Parallelism::None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_naive_product_with_transposes() {
        let a: Vec<f32> = (0..6).map(|v| v as f32).collect(); // 2×3
        let b: Vec<f32> = (0..12).map(|v| (v as f32) * 0.5).collect(); // 3×4
        let mut dst = vec![0.0; 8];
        matmul(&mut dst, View::new(&a, 2, 3), View::new(&b, 3, 4), false);
        let mut want = vec![0.0; 8];
        for i in 0..2 {
            for j in 0..4 {
                want[i * 4 + j] = (0..3).map(|p| a[i * 3 + p] * b[p * 4 + j]).sum();
            }
        }
        assert_eq!(dst, want);
        // (bᵀ)ᵀ through views: 4×3 stored, used transposed.
        let bt: Vec<f32> = (0..12).map(|idx| b[(idx % 3) * 4 + idx / 3]).collect();
        let mut dst2 = vec![0.0; 8];
        matmul(
            &mut dst2,
            View::new(&a, 2, 3),
            View::new(&bt, 4, 3).t(),
            false,
        );
        assert_eq!(dst2, want);
    }
}
