"""PyTorch reference for one MLP shape of the shape-grid benchmark (benches/shapes.rs): one epoch
of Fashion-MNIST (standardised), reshuffled, the same layers, optimiser and batch as deepnet.

Usage: torch_shape.py THREADS HIDDEN ACT OPT LR BATCH [fp32|bf16]
  HIDDEN  comma-separated widths, e.g. 512,256
  ACT     relu | tanh | sigmoid | leaky_relu | gelu
  OPT     sgd | momentum | adam | adamw | rmsprop
With bf16 the forward pass and the loss run under torch.autocast("cpu", dtype=torch.bfloat16).
Prints: train SECONDS, then infer ROWS_PER_SECOND (forward over the 60,000 rows in batches of 4096).
"""
import gzip, sys, time
import numpy as np, torch, torch.nn as nn

threads = int(sys.argv[1])
torch.set_num_threads(threads); torch.manual_seed(0)
hid = [int(h) for h in sys.argv[2].split(",")]
act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
       "leaky_relu": lambda: nn.LeakyReLU(0.01), "gelu": nn.GELU}[sys.argv[3]]
opt_name, lr, b = sys.argv[4], float(sys.argv[5]), int(sys.argv[6])
bf16 = len(sys.argv) > 7 and sys.argv[7] == "bf16"
D = "/usr/share/datasets/fashion-mnist/"
def idx(n, o):
    with gzip.open(D + n) as f:
        return np.frombuffer(f.read(), np.uint8, offset=o)
X = torch.from_numpy(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32) / 255)
X = (X - X.mean(0)) / (X.std(0) + 1e-6)
Y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64))
layers, w = [], 784
for h in hid:
    layers += [nn.Linear(w, h), act()]; w = h
m = nn.Sequential(*layers, nn.Linear(w, 10))
p = m.parameters()
opt = {"sgd": lambda: torch.optim.SGD(p, lr=lr),
       "momentum": lambda: torch.optim.SGD(p, lr=lr, momentum=0.9),
       "adam": lambda: torch.optim.Adam(p, lr=lr),
       "adamw": lambda: torch.optim.AdamW(p, lr=lr),
       "rmsprop": lambda: torch.optim.RMSprop(p, lr=lr)}[opt_name]()
lf = nn.CrossEntropyLoss()
t = time.perf_counter()
perm = torch.randperm(len(X))
for i in range(0, len(X), b):
    j = perm[i:i + b]
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = lf(m(X[j]), Y[j])
    opt.zero_grad(); loss.backward(); opt.step()
print(f"train {time.perf_counter() - t:.4f}")
m.eval()
t = time.perf_counter()
with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
    for i in range(0, len(X), 4096):
        m(X[i:i + 4096])
print(f"infer {len(X) / (time.perf_counter() - t):.1f}")
