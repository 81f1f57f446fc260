"""PyTorch peer for bench/model.ts: the workbench's vision-language model (src/model/vlm.ts) written
in PyTorch with the same architecture, shapes, dtype (float32) and thread count, timed on

  train:    one step = forward, next-token cross-entropy on the text positions, backward,
            global-norm clipping (1.0), AdamW
  generate: G rows, visual prefix + prompt, then N new tokens with a KV cache, sampled at
            temperature 1 (greedy at 0) with the chosen token's log-prob

Usage: /usr/bin/python3 bench/peers/torch_vlm.py < job.json
job.json: {"spec": {...ModelSpec...}, "threads": 2, "mode": "train"|"generate",
           "batch": 16, "textLen": 128, "steps": 4, "warmup": 1,     (train)
           "rows": 8, "promptLen": 16, "newTokens": 128, "reps": 2}   (generate)
Prints one JSON object: {"tokensPerSec", "wallMs": [...], "cpuMs": [...]} (per step / per run).

Architecture (as in vlm.ts): pixels [B,S,S] -> p x p patches -> linear + position -> encoder blocks
(bidirectional) -> LayerNorm -> (optional m x m patch merge) -> linear projection = visual prefix;
[prefix ; token + position embeddings] -> pre-norm decoder blocks (prefix visible to every query,
text causal) -> LayerNorm -> head (no bias). Blocks: LN -> fused QKV -> softmax attention ->
output projection, residual; LN -> linear -> GELU (tanh) -> linear, residual.
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F


class Block(torch.nn.Module):
    def __init__(self, d, h, ff):
        super().__init__()
        self.h = h
        self.ln1 = torch.nn.LayerNorm(d)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.o = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d)
        self.w1 = torch.nn.Linear(d, ff)
        self.w2 = torch.nn.Linear(ff, d)

    def forward(self, x, mask, past=None):
        B, T, d = x.shape
        dh = d // self.h
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.h, dh).permute(2, 0, 3, 1, 4)
        if past is not None:
            k = torch.cat([past[0], k], 2)
            v = torch.cat([past[1], v], 2)
        s = torch.matmul(q * (1.0 / math.sqrt(dh)), k.transpose(-1, -2))
        if mask is not None:
            s = s + mask
        ctx = torch.matmul(torch.softmax(s, -1), v).transpose(1, 2).reshape(B, T, d)
        x = x + self.o(ctx)
        x = x + self.w2(F.gelu(self.w1(self.ln2(x)), approximate="tanh"))
        return x, (k, v)


class VLM(torch.nn.Module):
    def __init__(self, s):
        super().__init__()
        d = s["dModel"]
        self.s = s
        self.m = s.get("mergePatches", 1) or 1
        p2 = s["patchSize"] ** 2
        g = s["imageSize"] // s["patchSize"]
        self.g = g
        self.patch = torch.nn.Linear(p2, d)
        self.enc_pos = torch.nn.Parameter(torch.randn(g * g, d) * 0.02)
        self.enc = torch.nn.ModuleList([Block(d, s["nHeads"], s["dFf"]) for _ in range(s["encoderLayers"])])
        self.enc_ln = torch.nn.LayerNorm(d)
        self.proj = torch.nn.Linear(self.m * self.m * d, d)
        self.tok = torch.nn.Embedding(s["vocabSize"], d)
        self.pos = torch.nn.Embedding(s["maxLen"], d)
        self.dec = torch.nn.ModuleList([Block(d, s["nHeads"], s["dFf"]) for _ in range(s["nLayers"])])
        self.ln = torch.nn.LayerNorm(d)
        self.head = torch.nn.Linear(d, s["vocabSize"], bias=False)

    def prefix(self, pix):
        B = pix.shape[0]
        p, g, d, m = self.s["patchSize"], self.g, self.s["dModel"], self.m
        x = pix.view(B, g, p, g, p).permute(0, 1, 3, 2, 4).reshape(B, g * g, p * p) - 0.5
        h = self.patch(x) + self.enc_pos
        for blk in self.enc:
            h, _ = blk(h, None)
        h = self.enc_ln(h)
        if m > 1:
            h = h.view(B, g // m, m, g // m, m, d).permute(0, 1, 3, 2, 4, 5).reshape(B, (g // m) ** 2, m * m * d)
        return self.proj(h)

    @staticmethod
    def mask(L, P):
        # [L, L] additive mask over [prefix ; text]: every query sees the prefix and keys up to itself
        k = torch.arange(L).view(1, -1)
        return torch.where((k < P) | (k <= torch.arange(L).view(-1, 1)), 0.0, -1e9)

    def forward(self, pix, tokens):
        B, T = tokens.shape
        pre = self.prefix(pix)
        P = pre.shape[1]
        x = torch.cat([pre, self.tok(tokens) + self.pos(torch.arange(T))], 1)
        mask = self.mask(P + T, P)
        for blk in self.dec:
            x, _ = blk(x, mask)
        return self.head(self.ln(x[:, P:]))

    @staticmethod
    def pick(logits, temperature):
        if temperature <= 0:
            return logits.argmax(-1)
        probs = torch.softmax(logits / temperature, -1)
        nxt = torch.multinomial(probs, 1).view(-1)
        torch.log(probs.gather(1, nxt.view(-1, 1)))  # the chosen token's log-prob, as generate returns
        return nxt

    @torch.no_grad()
    def generate(self, pix, prompt, n_new, temperature):
        B, T0 = prompt.shape
        pre = self.prefix(pix)
        P = pre.shape[1]
        x = torch.cat([pre, self.tok(prompt) + self.pos(torch.arange(T0))], 1)
        full = self.mask(P + T0, P)
        cache = []
        for blk in self.dec:
            x, kv = blk(x, full)
            cache.append(kv)
        nxt = self.pick(self.head(self.ln(x[:, -1])), temperature)
        out = [nxt]
        for t in range(T0, T0 + n_new - 1):
            x = (self.tok(nxt) + self.pos(torch.tensor([t]))).view(B, 1, -1)
            new = []
            for blk, kv in zip(self.dec, cache):
                x, kv2 = blk(x, None, kv)  # one query sees every cached key: no mask needed
                new.append(kv2)
            cache = new
            nxt = self.pick(self.head(self.ln(x[:, -1])), temperature)
            out.append(nxt)
        return torch.stack(out, 1)


def main():
    job = json.load(sys.stdin)
    torch.set_num_threads(int(job["threads"]))
    torch.manual_seed(0)
    s = job["spec"]
    model = VLM(s)
    S, V = s["imageSize"], s["vocabSize"]
    wall, cpu = [], []
    if job["mode"] == "train":
        B, T = job["batch"], job["textLen"]
        pix = torch.rand(B, S, S)
        tokens = torch.randint(0, V, (B, T + 1))
        # As the workbench's AdamW: decay the weight matrices (and the token embedding), not the
        # biases, LayerNorm gains/shifts or the position tables (src/model/spec.ts `decay`).
        no_decay = {"enc_pos", "pos.weight"}
        named = list(model.named_parameters())
        decay = [p for n, p in named if p.dim() == 2 and n not in no_decay]
        rest = [p for n, p in named if not (p.dim() == 2 and n not in no_decay)]
        groups = [{"params": decay, "weight_decay": job.get("weightDecay", 0.01)}, {"params": rest, "weight_decay": 0.0}]
        opt = torch.optim.AdamW(groups, lr=1e-4)
        for i in range(job.get("warmup", 1) + job["steps"]):
            w0, c0 = time.perf_counter(), time.process_time()
            logits = model(pix, tokens[:, :-1])
            loss = F.cross_entropy(logits.reshape(B * T, V), tokens[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            loss.item()
            if i >= job.get("warmup", 1):
                wall.append(1000 * (time.perf_counter() - w0))
                cpu.append(1000 * (time.process_time() - c0))
        toks = B * T
    else:
        R, T0, N = job["rows"], job["promptLen"], job["newTokens"]
        pix = torch.rand(R, S, S)
        prompt = torch.randint(0, V, (R, T0))
        model.eval()
        model.generate(pix, prompt, 4, job.get("temperature", 1.0))  # warm-up
        for _ in range(job.get("reps", 2)):
            w0, c0 = time.perf_counter(), time.process_time()
            model.generate(pix, prompt, N, job.get("temperature", 1.0))
            wall.append(1000 * (time.perf_counter() - w0))
            cpu.append(1000 * (time.process_time() - c0))
        toks = R * N
    best = min(wall)
    print(json.dumps({"tokensPerSec": toks / (best / 1000), "wallMs": wall, "cpuMs": cpu}))


if __name__ == "__main__":
    main()
