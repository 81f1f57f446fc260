"""PyTorch twin of the workbench's vision-language model (src/model/vlm.ts) for bench/train.ts.

Same architecture, shapes, float32 and thread count; times training steps (forward, answer-position
cross-entropy over the text positions, backward, AdamW) and prints one JSON line.

  /usr/bin/python3 bench/peers/torch_model.py '{"spec": {...}, "batch": 32, "textLen": 64,
                                                 "steps": 5, "warmup": 1, "threads": 2}'

Architecture (as vlm.ts): pixels [B,S,S] -> p x p patches -> linear + learned position -> encoder
blocks (bidirectional) -> LayerNorm -> m x m patch merge -> linear = visual prefix; [prefix ;
token + position embeddings] -> pre-norm decoder blocks (prefix keys visible to all, text causal)
-> LayerNorm -> head (no bias). Block: LN -> fused QKV -> softmax attention -> out projection,
residual; LN -> linear -> GELU(tanh) -> linear, residual.
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


class Block(torch.nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.ln1 = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.out = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d)
        self.w1 = torch.nn.Linear(d, ff)
        self.w2 = torch.nn.Linear(ff, d)

    def forward(self, x, mask):
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, h, d // h).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / (d // h) ** 0.5
        if mask is not None:
            scores = scores + mask
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.out(ctx)
        return x + self.w2(F.gelu(self.w1(self.ln2(x)), approximate="tanh"))


class VLM(torch.nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s
        d, p = s["dModel"], s["patchSize"]
        self.m = s.get("mergePatches", 1)
        g = s["imageSize"] // p
        self.patch = torch.nn.Linear(p * p, d)
        self.enc_pos = torch.nn.Parameter(torch.randn(g * g, d) * 0.02)
        self.enc = torch.nn.ModuleList([Block(d, s["nHeads"], s["dFf"]) for _ in range(s["encoderLayers"])])
        self.enc_ln = torch.nn.LayerNorm(d)
        self.proj = torch.nn.Linear(self.m * self.m * d, d)
        self.tok = torch.nn.Parameter(torch.randn(s["vocabSize"], d) * 0.02)
        self.pos = torch.nn.Parameter(torch.randn(s["maxLen"], d) * 0.02)
        self.dec = torch.nn.ModuleList([Block(d, s["nHeads"], s["dFf"]) for _ in range(s["nLayers"])])
        self.ln = torch.nn.LayerNorm(d)
        self.head = torch.nn.Linear(d, s["vocabSize"], bias=False)

    def encode(self, pixels):
        b, S, _ = pixels.shape
        p, d, m = self.s["patchSize"], self.s["dModel"], self.m
        g = S // p
        x = pixels.view(b, g, p, g, p).permute(0, 1, 3, 2, 4).reshape(b, g * g, p * p) - 0.5
        x = self.patch(x) + self.enc_pos
        for blk in self.enc:
            x = blk(x, None)
        x = self.enc_ln(x)
        gm = g // m
        x = x.view(b, gm, m, gm, m, d).permute(0, 1, 3, 2, 4, 5).reshape(b, gm * gm, m * m * d)
        return self.proj(x)

    def forward(self, pixels, tokens):
        b, t = tokens.shape
        prefix = self.encode(pixels)
        n_pre = prefix.shape[1]
        x = torch.cat([prefix, self.tok[tokens] + self.pos[:t]], 1)
        n = n_pre + t
        i = torch.arange(n).view(-1, 1)
        j = torch.arange(n).view(1, -1)
        mask = torch.where((j >= n_pre) & (j > i), -1e9, 0.0)
        for blk in self.dec:
            x = blk(x, mask)
        return self.head(self.ln(x[:, n_pre:]))


def main():
    job = json.loads(sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read())
    torch.set_num_threads(job.get("threads", 2))
    torch.manual_seed(0)
    s = job["spec"]
    model = VLM(s)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    b, t = job["batch"], job["textLen"]
    pixels = torch.rand(b, s["imageSize"], s["imageSize"])
    tokens = torch.randint(0, s["vocabSize"], (b, t))
    targets = torch.randint(0, s["vocabSize"], (b, t))
    walls, cpus = [], []
    for k in range(job.get("warmup", 1) + job["steps"]):
        w0, c0 = time.perf_counter(), time.process_time()
        logits = model(pixels, tokens)
        loss = F.cross_entropy(logits.reshape(-1, s["vocabSize"]), targets.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if k >= job.get("warmup", 1):
            walls.append((time.perf_counter() - w0) * 1000)
            cpus.append((time.process_time() - c0) * 1000)
    walls.sort()
    median = walls[len(walls) // 2]
    print(json.dumps({"tokensPerSec": b * t / (median / 1000), "wallMs": walls, "cpuMs": cpus, "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
