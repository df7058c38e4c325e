//! eˣ, tanh x and erf x for `f32` without calls into libm, so that a loop over a slice compiles to
//! vector code (AVX-512, AVX2 or SSE, see [`crate::linalg::simd`]): range reduction and Cephes'
//! single-precision minimax polynomials, with every branch written as a select.
//!
//! Only plain multiplications and additions are used (no fused multiply-add), so the result is
//! the same bit for bit on every instruction set and every thread count. Accuracy, checked against
//! f64 in the tests below over the whole f32 range: eˣ within 2 ulp where the result is normal,
//! tanh and erf within 3 ulp; eˣ = +∞ above ln(f32::MAX), 0 below ln(smallest subnormal), NaN
//! for NaN. The erf polynomials are least-squares fits (relative error) made for deepnet, in f32.

// The polynomial coefficients are Cephes' as published (`expf.c`, `tanhf.c`), digits included,
// and erf's fitted ones (the first is near 2/√π, as erf'(0), but is the fit's value).
#![allow(clippy::excessive_precision, clippy::approx_constant)]

/// ln 2 split in two: `LN2_HI` has few enough bits that n·LN2_HI is exact.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Above this, eˣ overflows f32.
const EXP_MAX: f32 = 88.722_84;
/// Below this, eˣ rounds to 0 in f32.
const EXP_MIN: f32 = -103.972_08;
/// 1.5 · 2²³: adding it rounds an f32 of magnitude below 2²² to the nearest integer.
const ROUND: f32 = 12_582_912.0;

/// eˣ for f32.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    // x = n·ln2 + r with |r| ≤ ln2/2, then eˣ = 2ⁿ·eʳ. The clamp keeps n in [-150, 128] (and
    // NaN stays NaN).
    let xc = x.clamp(EXP_MIN, EXP_MAX);
    let t = xc * std::f32::consts::LOG2_E + ROUND;
    let n = t - ROUND;
    let ni = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let r = xc - n * LN2_HI - n * LN2_LO;
    let r2 = r * r;
    let p = ((((1.987_569_1e-4 * r + 1.398_2e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 5.000_000_1e-1;
    let er = p * r2 + r + 1.0;
    // 2ⁿ as two normal powers of two (n/2 each), so that subnormal results round once.
    let n1 = ni >> 1;
    let n2 = ni - n1;
    let s1 = f32::from_bits(((n1 + 127) as u32) << 23);
    let s2 = f32::from_bits(((n2 + 127) as u32) << 23);
    let y = er * s1 * s2;
    if x > EXP_MAX {
        f32::INFINITY
    } else if x < EXP_MIN {
        0.0
    } else {
        y
    }
}

/// tanh x for f32: an odd polynomial near 0, 1 − 2/(e²ˣ + 1) beyond.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let ax = x.abs();
    let z = x * x;
    let small =
        ((((-5.704_988_7e-3 * z + 2.063_908_9e-2) * z - 5.373_971_6e-2) * z + 1.333_144_2e-1) * z
            - 3.333_328_2e-1)
            * z
            * x
            + x;
    let large = 1.0 - 2.0 / (exp(ax + ax) + 1.0);
    let large = if x < 0.0 { -large } else { large };
    if x == 0.0 {
        x // keeps the sign of zero
    } else if ax < 0.625 {
        small
    } else if ax.is_nan() {
        x
    } else {
        large
    }
}

/// erf x for f32: x·P(x²) below 1; 1 − e^(−x²)·Q(1/|x|) from 1 to 4 (with the sign of x); ±1
/// beyond, where erf rounds to ±1 in f32.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let ax = x.abs();
    let t = x * x;
    let p = (((((7.971_048_8e-5 * t - 8.043_373_8e-4) * t + 5.191_833_2e-3) * t - 2.685_551e-2)
        * t
        + 1.128_362_2e-1)
        * t
        - 3.761_262_9e-1)
        * t
        + 1.128_379_1;
    let small = x * p;
    let a = ax.clamp(1.0, 4.0);
    let u = 1.0 / a;
    let q = ((((((((3.402_394e-2 * u - 1.971_827_6e-1) * u + 4.781_583_5e-1) * u
        - 5.886_861e-1)
        * u
        + 2.801_803e-1)
        * u
        + 2.085_258_4e-1)
        * u
        - 3.684_885_5e-1)
        * u
        + 1.899_024_8e-2)
        * u
        + 5.619_505e-1)
        * u
        + 1.118_214_7e-4;
    let large = 1.0 - exp(-(a * a)) * q;
    let large = if ax >= 4.0 { 1.0 } else { large };
    let large = if x < 0.0 { -large } else { large };
    if ax < 1.0 {
        small
    } else if ax.is_nan() {
        x
    } else {
        large
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between `got` and the correctly rounded `want`.
    fn ulps(got: f32, want: f64) -> f64 {
        let w = want as f32;
        if got == w {
            return 0.0;
        }
        let ulp = (f32::from_bits(w.abs().to_bits() + 1) - w.abs()) as f64;
        (got as f64 - want).abs() / ulp
    }

    /// Every 97th f32 bit pattern (both signs), plus the special values.
    fn sweep() -> impl Iterator<Item = f32> {
        (0..u32::MAX / 97).map(|i| f32::from_bits(i * 97)).chain([
            0.0,
            -0.0,
            f32::MIN_POSITIVE,
            1e-45,
            -1e-45,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ])
    }

    #[test]
    fn exp_is_within_two_ulp_of_f64_over_the_f32_range() {
        let mut worst = 0f64;
        for x in sweep() {
            let (got, want) = (exp(x), (x as f64).exp());
            if x.is_nan() {
                assert!(got.is_nan(), "exp({x}) = {got}");
            } else if want > f32::MAX as f64 {
                assert_eq!(got, f32::INFINITY, "exp({x})");
            } else if want < f32::MIN_POSITIVE as f64 {
                // Subnormal results: within one subnormal step.
                assert!(
                    (got as f64 - want).abs() <= 1.5e-45,
                    "exp({x}) = {got}, want {want}"
                );
            } else {
                let e = ulps(got, want);
                assert!(e <= 2.0, "exp({x}) = {got}, want {want} ({e} ulp)");
                worst = worst.max(e);
            }
        }
        assert!(worst > 0.0, "the sweep compared something");
    }

    #[test]
    fn tanh_is_within_three_ulp_of_f64_over_the_f32_range() {
        for x in sweep() {
            let (got, want) = (tanh(x), (x as f64).tanh());
            if x.is_nan() {
                assert!(got.is_nan(), "tanh({x}) = {got}");
            } else if (want as f32).abs() < f32::MIN_POSITIVE {
                assert!((got as f64 - want).abs() <= 1.5e-45, "tanh({x}) = {got}");
            } else {
                let e = ulps(got, want);
                assert!(e <= 3.0, "tanh({x}) = {got}, want {want} ({e} ulp)");
            }
        }
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn erf_is_within_three_ulp_of_f64_over_the_f32_range() {
        let mut worst = 0f64;
        for x in sweep() {
            let (got, want) = (erf(x), candle_core::cpu::erf::erf_f64(x as f64));
            if x.is_nan() {
                assert!(got.is_nan(), "erf({x}) = {got}");
            } else if (want as f32).abs() < f32::MIN_POSITIVE {
                assert!((got as f64 - want).abs() <= 1.5e-45, "erf({x}) = {got}");
            } else {
                let e = ulps(got, want);
                assert!(e <= 3.0, "erf({x}) = {got}, want {want} ({e} ulp)");
                worst = worst.max(e);
            }
        }
        eprintln!("erf: worst {worst} ulp");
        assert_eq!(erf(f32::INFINITY), 1.0);
        assert_eq!(erf(f32::NEG_INFINITY), -1.0);
        assert_eq!(erf(-0.0).to_bits(), (-0.0f32).to_bits());
    }
}
