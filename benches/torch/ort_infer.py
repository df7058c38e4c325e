"""onnxruntime side of the shape-grid benchmark's inference column: runs an ONNX model exported by
deepnet (one float input [N, 784], scaling inside the graph) over the 60,000 Fashion-MNIST training
images in batches of 4096 and prints `infer ROWS_PER_SECOND` (best of 2 passes).
Usage: ort_infer.py MODEL.onnx THREADS"""
import gzip, sys, time
import numpy as np, onnxruntime as ort

opts = ort.SessionOptions()
opts.intra_op_num_threads = int(sys.argv[2])
opts.inter_op_num_threads = 1
s = ort.InferenceSession(sys.argv[1], opts, providers=["CPUExecutionProvider"])
name = s.get_inputs()[0].name
with gzip.open("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") as f:
    X = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
best = 0.0
for _ in range(2):
    t = time.perf_counter()
    for i in range(0, len(X), 4096):
        s.run(None, {name: X[i:i + 4096]})
    best = max(best, len(X) / (time.perf_counter() - t))
print(f"infer {best:.1f}")
