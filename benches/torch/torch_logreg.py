"""Reference: PyTorch logistic regression, full-batch gradient descent, on the embedded breast_cancer.csv.
Standardizes with training-set mean/std; 80/20 split from a fixed permutation (numpy seed 0).
usage: python3 torch_logreg.py [iterations=1000] [lr=0.1] [threads=2]"""
import os, sys, time, numpy as np, torch
here = os.path.dirname(os.path.abspath(__file__))
data = np.loadtxt(os.path.join(here, "..", "..", "crates", "deepnet-data", "src", "embedded", "breast_cancer.csv"), delimiter=",", skiprows=1, dtype=np.float32)
X, y = data[:, :-1], data[:, -1]
perm = np.random.default_rng(0).permutation(len(X)); cut = int(0.8 * len(X))
tr, te = perm[:cut], perm[cut:]
mu, sd = X[tr].mean(0), X[tr].std(0)
Xtr, Xte = torch.from_numpy((X[tr] - mu) / sd), torch.from_numpy((X[te] - mu) / sd)
ytr, yte = torch.from_numpy(y[tr]), torch.from_numpy(y[te])
iters = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
lr = float(sys.argv[2]) if len(sys.argv) > 2 else 0.1
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
torch.manual_seed(0)
m = torch.nn.Linear(X.shape[1], 1); opt = torch.optim.SGD(m.parameters(), lr=lr); lf = torch.nn.BCEWithLogitsLoss()
t = time.perf_counter()
for _ in range(iters):
    loss = lf(m(Xtr).squeeze(1), ytr); opt.zero_grad(); loss.backward(); opt.step()
dt = time.perf_counter() - t
acc = ((m(Xte).squeeze(1) > 0).float() == yte).float().mean().item()
print(f"torch logreg {iters} iters {dt*1000:.1f} ms ({dt/iters*1e6:.1f} us/iter) train_loss {loss.item():.4f} test_acc {acc:.4f}")
