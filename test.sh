#!/usr/bin/env bash
# deepnet's test command, for a fresh machine with Rust and Python 3: it creates a Python venv
# under target/ with what the interoperability tests need (numpy, safetensors, onnx, onnxruntime,
# from PyPI), then runs the whole test suite in the `ci` profile (release code with overflow
# checks and debug assertions in deepnet's own crates). Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")"

venv=target/test-python
if ! "$venv/bin/python" -c "import numpy, safetensors, onnx, onnxruntime" 2>/dev/null; then
    echo "test.sh: setting up $venv (numpy, safetensors, onnx, onnxruntime)" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check numpy safetensors onnx onnxruntime
fi
export DEEPNET_PYTHON="$PWD/$venv/bin/python"

cargo test --workspace --profile ci "$@"
