#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the constructed Sapphire Rapids data of this directory (see
README.md) from the real Ice Lake 6.1 fingerprint in ../firecracker:

  fingerprint_INTEL_SPR_6.1host.json   Ice Lake plus what an AMX host adds
  template_noAMX.json                  a template that hides AMX

Run from the repository root: tests/data/constructed/make-spr.py"""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "firecracker", "fingerprint_INTEL_ICELAKE_6.1host.json")


def b32(v):
    return "0b" + format(v, "032b")


def leaf(l, sub, flags, eax, ebx, ecx, edx):
    return {"leaf": hex(l), "subleaf": hex(sub), "flags": flags,
            "modifiers": [{"register": r, "bitmap": b32(v)}
                          for r, v in zip(("eax", "ebx", "ecx", "edx"), (eax, ebx, ecx, edx))]}


def regs(m):
    return [int(r["bitmap"][2:], 2) for r in m["modifiers"]]


fp = json.load(open(SRC))
g = fp["guest_cpu_config"]
mods = g["cpuid_modifiers"]
by = {(int(m["leaf"], 0), int(m["subleaf"], 0)): m for m in mods}

# Max basic leaf 0x20 (SPR), so KVM reports 0x1d and 0x1e.
r = regs(by[(0, 0)])
by[(0, 0)].update(leaf(0, 0, 0, 0x20, r[1], r[2], r[3]))
# CPUID.7.0:EDX amx-bf16 (22), amx-tile (24), amx-int8 (25).
r = regs(by[(7, 0)])
by[(7, 0)].update(leaf(7, 0, 1, r[0], r[1], r[2], r[3] | 1 << 22 | 1 << 24 | 1 << 25))
# XCR0 gains XTILECFG (17) and XTILEDATA (18); 0xD.1 EAX gains XFD (bit 4).
r = regs(by[(0xd, 0)])
by[(0xd, 0)].update(leaf(0xd, 0, 1, r[0] | 3 << 17, r[1], 0x2b00, r[3]))
r = regs(by[(0xd, 1)])
by[(0xd, 1)].update(leaf(0xd, 1, 1, r[0] | 1 << 4, r[1], r[2], r[3]))
new = [
    leaf(0xd, 17, 1, 0x40, 0xac0, 0x2, 0),         # XTILECFG: 64 bytes at 2752
    leaf(0xd, 18, 1, 0x2000, 0xb00, 0x6, 0),       # XTILEDATA: 8192 bytes at 2816
    leaf(0x1d, 0, 1, 0x1, 0, 0, 0),                 # max palette 1
    leaf(0x1d, 1, 1, 0x04002000, 0x00080040, 0x10, 0),  # palette 1: 8 tiles of 16 x 64 bytes
    leaf(0x1e, 0, 1, 0, 0x4010, 0, 0),              # TMUL: maxk 16, maxn 64
]
mods.extend(new)
mods.sort(key=lambda m: (int(m["leaf"], 0), int(m["subleaf"], 0)))
fp["kernel_version"] = "6.1.172-216.329.amzn2023.x86_64"
with open(os.path.join(HERE, "fingerprint_INTEL_SPR_6.1host.json"), "w") as f:
    json.dump(fp, f, indent=2)
    f.write("\n")


def tmod(l, sub, flags, **bitmaps):
    return {"leaf": hex(l), "subleaf": hex(sub), "flags": flags,
            "modifiers": [{"register": r, "bitmap": "0b" + b} for r, b in bitmaps.items()]}


def mask(zero_bits):
    return "".join("0" if 31 - i in zero_bits else "x" for i in range(32))


Z = "0" * 32
tpl = {"cpuid_modifiers": [
    tmod(0x7, 0, 1, edx=mask({22, 24, 25})),
    tmod(0xd, 0, 1, eax=mask({17, 18})),
    tmod(0xd, 1, 1, eax=mask({4})),
    tmod(0xd, 17, 1, eax=Z, ebx=Z, ecx=Z, edx=Z),
    tmod(0xd, 18, 1, eax=Z, ebx=Z, ecx=Z, edx=Z),
    tmod(0x1d, 0, 1, eax=Z, ebx=Z, ecx=Z, edx=Z),
    tmod(0x1d, 1, 1, eax=Z, ebx=Z, ecx=Z, edx=Z),
    tmod(0x1e, 0, 1, eax=Z, ebx=Z, ecx=Z, edx=Z),
], "msr_modifiers": []}
with open(os.path.join(HERE, "template_noAMX.json"), "w") as f:
    json.dump(tpl, f, indent=2)
    f.write("\n")
