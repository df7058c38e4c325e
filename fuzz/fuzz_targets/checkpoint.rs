//! Any bytes given as a checkpoint: a model or an error, never a panic or a huge allocation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.safetensors");
    if let Ok(model) = deepnet_core::checkpoint::load_model_bytes(path, data, &deepnet_core::Device::Cpu, deepnet_core::DType::F32) {
        let x = deepnet_core::Tensor::zeros((1, model.spec().inputs), deepnet_core::DType::F32, &deepnet_core::Device::Cpu).unwrap();
        let _ = model.logits(&x).expect("a loaded model runs");
    }
});
