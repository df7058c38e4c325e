//! Element-wise loops compiled three times — for AVX-512, for AVX2 + FMA, and for the baseline
//! x86-64 (SSE2) or other architectures — with the widest one the CPU has chosen at run time.
//! The loop body is the caller's formula, unchanged; only the instruction set differs, so every
//! level gives the same bits when the formula itself avoids fused multiply-adds (see
//! [`crate::fastmath`]).
//!
//! The optimiser update and the matrix-vector kernels take their level from here too.
//! `DEEPNET_NO_AVX512=1` caps the level at AVX2 and `DEEPNET_NO_AVX2=1` at the baseline, so that
//! the narrower paths can be exercised on a machine that has the wider ones.

use std::sync::OnceLock;

/// The instruction set an element-wise loop runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Level {
    /// Baseline: SSE2 on x86-64, or whatever the target has.
    Plain,
    /// AVX2 and FMA (256-bit vectors).
    Avx2,
    /// AVX-512F (512-bit vectors).
    Avx512,
}

/// True when the environment variable is set to something other than empty or `0`.
fn env_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

impl Level {
    /// True when this CPU can run the level (ignoring the environment).
    pub fn available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma");
            match self {
                Level::Plain => true,
                Level::Avx2 => avx2,
                Level::Avx512 => avx2 && std::arch::is_x86_feature_detected!("avx512f"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Level::Plain
        }
    }

    /// Every level this CPU can run, narrowest first (ignoring the environment).
    pub fn supported() -> Vec<Level> {
        [Level::Plain, Level::Avx2, Level::Avx512]
            .into_iter()
            .filter(|l| l.available())
            .collect()
    }

    /// The widest supported level, capped by `DEEPNET_NO_AVX512` / `DEEPNET_NO_AVX2`; read once.
    pub fn current() -> Level {
        static LEVEL: OnceLock<Level> = OnceLock::new();
        *LEVEL.get_or_init(|| {
            let cap = if env_flag("DEEPNET_NO_AVX2") {
                Level::Plain
            } else if env_flag("DEEPNET_NO_AVX512") {
                Level::Avx2
            } else {
                Level::Avx512
            };
            Level::supported()
                .into_iter()
                .filter(|&l| l <= cap)
                .max()
                .unwrap_or(Level::Plain)
        })
    }
}

/// out[i] = f(x[i]) at the current level.
#[inline(always)]
pub(crate) fn map<T: Copy, F: Fn(T) -> T>(x: &[T], out: &mut [T], f: F) {
    map_at(Level::current(), x, out, f)
}

/// out[i] = f(x[i], y[i], z[i]) at the current level.
#[inline(always)]
pub(crate) fn map3<T: Copy, F: Fn(T, T, T) -> T>(x: &[T], y: &[T], z: &[T], out: &mut [T], f: F) {
    map3_at(Level::current(), x, y, z, out, f)
}

/// [`map`] at a given level; a level the CPU lacks runs the plain loop.
#[inline(always)]
pub(crate) fn map_at<T: Copy, F: Fn(T) -> T>(level: Level, x: &[T], out: &mut [T], f: F) {
    #[cfg(target_arch = "x86_64")]
    if level.available() {
        match level {
            // SAFETY: the CPU has the features each function is compiled for (checked above).
            Level::Avx512 => return unsafe { map_avx512(x, out, f) },
            Level::Avx2 => return unsafe { map_avx2(x, out, f) },
            Level::Plain => {}
        }
    }
    map_plain(x, out, f)
}

/// [`map3`] at a given level; a level the CPU lacks runs the plain loop.
#[inline(always)]
pub(crate) fn map3_at<T: Copy, F: Fn(T, T, T) -> T>(
    level: Level,
    x: &[T],
    y: &[T],
    z: &[T],
    out: &mut [T],
    f: F,
) {
    #[cfg(target_arch = "x86_64")]
    if level.available() {
        match level {
            // SAFETY: as in `map_at`.
            Level::Avx512 => return unsafe { map3_avx512(x, y, z, out, f) },
            Level::Avx2 => return unsafe { map3_avx2(x, y, z, out, f) },
            Level::Plain => {}
        }
    }
    map3_plain(x, y, z, out, f)
}

#[inline(always)]
fn map_plain<T: Copy, F: Fn(T) -> T>(x: &[T], out: &mut [T], f: F) {
    out.iter_mut().zip(x).for_each(|(o, &v)| *o = f(v));
}

#[inline(always)]
fn map3_plain<T: Copy, F: Fn(T, T, T) -> T>(x: &[T], y: &[T], z: &[T], out: &mut [T], f: F) {
    for (o, ((&a, &b), &c)) in out.iter_mut().zip(x.iter().zip(y).zip(z)) {
        *o = f(a, b, c);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn map_avx2<T: Copy, F: Fn(T) -> T>(x: &[T], out: &mut [T], f: F) {
    map_plain(x, out, f)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn map_avx512<T: Copy, F: Fn(T) -> T>(x: &[T], out: &mut [T], f: F) {
    map_plain(x, out, f)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn map3_avx2<T: Copy, F: Fn(T, T, T) -> T>(x: &[T], y: &[T], z: &[T], out: &mut [T], f: F) {
    map3_plain(x, y, z, out, f)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn map3_avx512<T: Copy, F: Fn(T, T, T) -> T>(
    x: &[T],
    y: &[T],
    z: &[T],
    out: &mut [T],
    f: F,
) {
    map3_plain(x, y, z, out, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;

    /// Awkward inputs: ragged lengths around the vector widths, signed zeros, subnormals,
    /// infinities, NaN, and values where the formulas switch branch or overflow.
    fn inputs(len: usize) -> Vec<f32> {
        let special = [
            0.0,
            -0.0,
            1e-45,
            -1e-45,
            1e-39,
            f32::MIN_POSITIVE,
            0.625,
            -0.625,
            88.7,
            89.0,
            -104.0,
            -87.0,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ];
        (0..len)
            .map(|i| {
                if i % 5 == 0 {
                    special[(i / 5) % special.len()]
                } else {
                    ((i as f32) * 0.731).sin() * 12.0
                }
            })
            .collect()
    }

    #[test]
    fn every_level_gives_the_bits_of_the_scalar_formula() {
        let levels = Level::supported();
        eprintln!(
            "levels on this CPU: {levels:?}; current {:?}",
            Level::current()
        );
        for act in Activation::all() {
            for len in [0, 1, 7, 8, 15, 16, 17, 31, 33, 64, 100] {
                let z = inputs(len);
                let want: Vec<f32> = z.iter().map(|&v| act.f(v)).collect();
                let a = want.clone();
                let da: Vec<f32> = z.iter().map(|v| v.cos()).collect();
                let want_dz: Vec<f32> = (0..len).map(|i| da[i] * act.df(z[i], a[i])).collect();
                for &level in &levels {
                    let mut got = vec![0f32; len];
                    map_at(level, &z, &mut got, |v| act.f(v));
                    let mut dz = vec![0f32; len];
                    map3_at(level, &z, &a, &da, &mut dz, |z, a, g| g * act.df(z, a));
                    // Same bits, except that a NaN may come out with another sign or payload
                    // (vector code may order an operation's operands differently).
                    let same =
                        |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
                    for i in 0..len {
                        assert!(
                            same(got[i], want[i]),
                            "{act:?} f({}) at {level:?}, length {len}: {} against {}",
                            z[i],
                            got[i],
                            want[i]
                        );
                        assert!(
                            same(dz[i], want_dz[i]),
                            "{act:?} df({}) at {level:?}, length {len}: {} against {}",
                            z[i],
                            dz[i],
                            want_dz[i]
                        );
                    }
                }
            }
        }
    }
}
