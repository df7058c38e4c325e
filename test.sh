#!/usr/bin/env bash
# deepnet's test command, for a fresh machine with Rust and Python 3: it creates a Python venv
# under target/ with what the interoperability tests need (numpy, safetensors, onnx, onnxruntime,
# and for the Python package's tests pytest, scikit-learn, pandas; all from PyPI), runs the whole
# Rust test suite in the `ci` profile (release code with overflow checks and debug assertions in
# deepnet's own crates), then installs the Python package the README's way (`pip install
# ./python`, built in the same profile) and runs its tests (python/tests). Extra arguments go to
# `cargo test`.
set -euo pipefail
cd "$(dirname "$0")"

venv=target/test-python
if ! "$venv/bin/python" -c "import numpy, safetensors, onnx, onnxruntime, pytest, sklearn, pandas" 2>/dev/null; then
    echo "test.sh: setting up $venv (numpy, safetensors, onnx, onnxruntime, pytest, scikit-learn, pandas)" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check numpy safetensors onnx \
        onnxruntime pytest scikit-learn pandas
fi
export DEEPNET_PYTHON="$PWD/$venv/bin/python"

cargo test --workspace --profile ci "$@"

# The Python package, built by maturin in the `ci` profile so it reuses the build above.
MATURIN_PEP517_ARGS="--profile ci" "$venv/bin/python" -m pip install -q \
    --disable-pip-version-check ./python
DEEPNET_BIN="$PWD/target/ci/deepnet" "$venv/bin/python" -m pytest -q -p no:cacheprovider python/tests
