//! The float types the engine computes in: `f32` for training, `f64` for gradient checks. Every
//! formula in deepnet is written once, generic over [`Real`], and instantiated for both.

use std::cell::RefCell;
use std::fmt::Debug;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

use candle_core::{DType, Storage, Tensor};

use crate::error::Result;

/// A floating-point scalar: `f32` or `f64` (`from_f64` and `to_f64` come from candle's
/// [`WithDType`](candle_core::WithDType)).
pub trait Real:
    Copy
    + Send
    + Sync
    + Debug
    + Default
    + PartialOrd
    + Sum
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + candle_core::WithDType
    + 'static
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// eˣ.
    fn exp(self) -> Self;
    /// ln x.
    fn ln(self) -> Self;
    /// tanh x.
    fn tanh(self) -> Self;
    /// √x.
    fn sqrt(self) -> Self;
    /// |x|.
    fn abs(self) -> Self;
    /// The larger of the two (NaN-ignoring, as `f32::max`).
    fn max_of(self, other: Self) -> Self;
    /// self·a + b with one rounding.
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// The error function erf(x).
    fn erf(self) -> Self;
    /// sin x.
    fn sin(self) -> Self;
    /// cos x.
    fn cos(self) -> Self;
    /// Neither infinite nor NaN.
    fn is_finite(self) -> bool;
    /// The values of a tensor, flattened and converted to this type (copied to the host).
    fn values(t: &Tensor) -> Result<Vec<Self>>;
    /// Runs `f` on this thread's scratch buffer of `len` zeros (reused between calls, so large
    /// per-job buffers are not allocated and freed every step).
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self]) -> R) -> R;
    /// Writes into `sums` the sum of `values` over the ranks of a data-parallel run, in this
    /// type's precision.
    fn sum_over_ranks(
        values: &[Self],
        sums: &mut [Self],
        reducer: &mut dyn crate::reduce::Reducer,
    ) -> Result<()>;
}

macro_rules! real {
    ($t:ty, $dtype:expr, $erf:path, $exp:path, $tanh:path, $sum:ident) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            #[inline(always)]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                $tanh(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn max_of(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline(always)]
            fn mul_add(self, a: Self, b: Self) -> Self {
                <$t>::mul_add(self, a, b)
            }
            #[inline(always)]
            fn erf(self) -> Self {
                $erf(self)
            }
            #[inline(always)]
            fn sin(self) -> Self {
                <$t>::sin(self)
            }
            #[inline(always)]
            fn cos(self) -> Self {
                <$t>::cos(self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            fn values(t: &Tensor) -> Result<Vec<Self>> {
                Ok(t.flatten_all()?.to_dtype($dtype)?.to_vec1::<$t>()?)
            }
            fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self]) -> R) -> R {
                thread_local! {
                    static BUF: RefCell<Vec<$t>> = const { RefCell::new(Vec::new()) };
                }
                BUF.with(|b| {
                    let mut b = b.borrow_mut();
                    b.clear();
                    b.resize(len, 0.0);
                    f(&mut b)
                })
            }
            fn sum_over_ranks(
                values: &[Self],
                sums: &mut [Self],
                reducer: &mut dyn crate::reduce::Reducer,
            ) -> Result<()> {
                reducer.$sum(values, sums)
            }
        }
    };
}

// f32 (training, inference) takes eˣ, tanh and erf from `fastmath`, which vectorise; f64
// (gradient checks) takes libm's eˣ and tanh and candle's erf.
real!(
    f32,
    DType::F32,
    crate::fastmath::erf,
    crate::fastmath::exp,
    crate::fastmath::tanh,
    sum_f32
);
real!(
    f64,
    DType::F64,
    candle_core::cpu::erf::erf_f64,
    f64::exp,
    f64::tanh,
    sum_f64
);

/// Runs `f` on the values of `t` as a flat slice of `T`: borrowed from the tensor's storage when
/// it is contiguous CPU data of type `T` (no copy of a dataset that may be hundreds of MB), else
/// converted.
pub(crate) fn with_values<T: Real, R>(t: &Tensor, f: impl FnOnce(&[T]) -> Result<R>) -> Result<R> {
    let (storage, layout) = t.storage_and_layout();
    if let (Storage::Cpu(cpu), Some((a, b))) = (&*storage, layout.contiguous_offsets()) {
        if t.dtype() == <T as candle_core::WithDType>::DTYPE {
            return f(&cpu.as_slice::<T>()?[a..b]);
        }
    }
    drop(storage);
    f(&T::values(t)?)
}
