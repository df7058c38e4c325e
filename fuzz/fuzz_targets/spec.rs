//! Any text given as a model spec: an error or a valid spec, never a panic; valid small specs build.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(spec) = deepnet_core::ModelSpec::from_json(text) {
        if spec.parameter_count() <= 100_000 {
            let model = deepnet_core::Sequential::from_spec(&spec, 0).expect("a valid spec builds");
            let x = deepnet_core::Tensor::zeros((2, spec.inputs), deepnet_core::DType::F32, &deepnet_core::Device::Cpu).unwrap();
            let _ = model.logits(&x).expect("a built model runs");
        }
    }
});
