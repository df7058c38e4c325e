//! Any bytes given as an IDX file: parsed or an error, never a panic or a huge allocation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(idx) = deepnet_data::idx::parse_idx(&mut &data[..]) {
        assert_eq!(idx.data.len(), idx.dims.iter().product::<usize>());
    }
});
