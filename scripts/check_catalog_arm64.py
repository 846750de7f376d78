#!/usr/bin/env python3
"""Check compiler/catalog/arm64.yaml against real kernel sources.

Python 3 standard library only. Used two ways:

  * imported by scripts/check-catalog, which calls
        check_arm64(src_root) -> (entries_checked, problems, versions_seen)
  * standalone:
        python3 scripts/check_catalog_arm64.py [--src .cache/kernel-src]
                                               [--catalog compiler/catalog/arm64.yaml]
                                               [--explain REG[.FIELD]]
    exit 0 when clean, 1 when there are problems, 77 (skip) when no kernel
    source directory exists.

The source tree is the layout written by scripts/fetch-kernel-sources:
<src>/<version>/<path in the kernel tree>, for versions 5.10, 6.1 and 6.12.
Files used: arch/arm64/tools/sysreg (6.1, 6.12), arch/arm64/include/asm/sysreg.h,
arch/arm64/kernel/cpufeature.c, arch/arm64/kvm/sys_regs.c,
arch/arm64/kvm/hypercalls.c, arch/arm64/include/uapi/asm/kvm.h,
include/uapi/linux/kvm.h, and where extracted arch/arm64/include/asm/cache.h
(CTR_EL0 field shifts before tools/sysreg) and arch/arm64/kvm/psci.c (5.10's
firmware register list).

feature_registers (the registers of features, for migration checks): the
encoding of each register (and of each member of a class) against tools/sysreg
and asm/sysreg.h; exposed_since against the kernels whose sys_regs.c lists it
(a sys_reg_descs entry with a register or get_user, macros such as MTE_REG,
PMU_SYS_REG, EL2_REG and PTRAUTH_KEY expanded); the visibility function and
KVM's reset value (reset_val, or reset_unknown's 0x1de7ec7edbadc0de) that the
entry's source names against the newest kernel's entry; the gate must name a
catalogued field or vcpu_init feature.  Entries listed outside sys_regs.c
(the timer's) say "not machine-checked" and get the encoding check only.

What "exposed" and "writable" mean here (per checked version), derived from
the source text rather than from a list kept in this script:

  exposed   the value KVM gives the guest for the field is not forced to 0:
            the register is not RAZ (ID_HIDDEN / ID_UNALLOCATED), cpufeature.c
            has an ftr_bits entry for the field (read_sanitised_ftr_reg()
            zeroes every bit no entry describes), and KVM's read/reset path
            in sys_regs.c does not unconditionally clear it. A clear under a
            condition (vCPU feature, host capability) still counts as exposed;
            a field KVM computes itself (CSV2, GIC, PMUVer) counts as exposed.
  writable  KVM_SET_ONE_REG accepts a value different from KVM's default for
            the field, within its safe rule: before the 6.x framework only
            the fields a set_id_*() handler explicitly lets differ; from the
            framework on, fields inside the register's writable mask
            (sys_reg_desc .val) that also have an ftr_bits entry (otherwise
            arm64_check_features() requires them unchanged). A field is only
            counted writable where it is also exposed.

Firmware registers: a register is exposed where the uapi header defines it
and KVM_GET_REG_LIST reports it (kvm_arm_fw_reg_ids[] in hypercalls.c, or
5.10's put_user() list in psci.c); a bitmap register is hideable where
kvm_arm_set_fw_reg_bmap handles it. A bitmap *bit* is exposed where the
hypercall handler handles the service's SMCCC function IDs (FW_BIT_HVC): the
guest can use the service whether or not the bitmap register exists yet. It
is hideable where the uapi defines its KVM_REG_ARM_*_BIT_* constant and its
register is writable.
"""

import os
import re
import sys

VERSIONS = ["5.10", "6.1", "6.12"]
LATEST = "6.12"
VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")

# Policy names of firmware bitmap bits -> (uapi constant, register)
FW_BIT_UAPI = {
    "trng": ("KVM_REG_ARM_STD_BIT_TRNG_V1_0", "KVM_REG_ARM_STD_BMAP"),
    "pv_time": ("KVM_REG_ARM_STD_HYP_BIT_PV_TIME", "KVM_REG_ARM_STD_HYP_BMAP"),
    "func_feat": ("KVM_REG_ARM_VENDOR_HYP_BIT_FUNC_FEAT", "KVM_REG_ARM_VENDOR_HYP_BMAP"),
    "ptp": ("KVM_REG_ARM_VENDOR_HYP_BIT_PTP", "KVM_REG_ARM_VENDOR_HYP_BMAP"),
    "discover_impl_ver": ("KVM_REG_ARM_VENDOR_HYP_BIT_DISCOVER_IMPL_VER", "KVM_REG_ARM_VENDOR_HYP_BMAP_2"),
    "discover_impl_cpus": ("KVM_REG_ARM_VENDOR_HYP_BIT_DISCOVER_IMPL_CPUS", "KVM_REG_ARM_VENDOR_HYP_BMAP_2"),
}

# Policy names of firmware bitmap bits -> the SMCCC function IDs whose
# handling in the hypercall handler (hypercalls.c) makes the service usable by
# a guest. Any one of them counts. Upstream: PV_TIME 5.8 (in 5.10), TRNG 5.12,
# KVM vendor services (FUNC_FEAT = KVM_FEATURES/CALL_UID, PTP) 5.13.
FW_BIT_HVC = {
    "trng": ("ARM_SMCCC_TRNG_VERSION", "ARM_SMCCC_TRNG_FEATURES", "ARM_SMCCC_TRNG_RND64"),
    "pv_time": ("ARM_SMCCC_HV_PV_TIME_FEATURES", "ARM_SMCCC_HV_PV_TIME_ST"),
    "func_feat": ("ARM_SMCCC_VENDOR_HYP_KVM_FEATURES_FUNC_ID",),
    "ptp": ("ARM_SMCCC_VENDOR_HYP_KVM_PTP_FUNC_ID",),
    "discover_impl_ver": ("ARM_SMCCC_VENDOR_HYP_KVM_DISCOVER_IMPL_VER_FUNC_ID",),
    "discover_impl_cpus": ("ARM_SMCCC_VENDOR_HYP_KVM_DISCOVER_IMPL_CPUS_FUNC_ID",),
}

# Policy names of KVM_ARM_VCPU_INIT features -> (uapi constant, KVM_CAP_ name or None)
VCPU_INIT_UAPI = {
    "power_off": ("KVM_ARM_VCPU_POWER_OFF", None),
    "el1_32bit": ("KVM_ARM_VCPU_EL1_32BIT", "KVM_CAP_ARM_EL1_32BIT"),
    "psci_0_2": ("KVM_ARM_VCPU_PSCI_0_2", "KVM_CAP_ARM_PSCI_0_2"),
    "pmu_v3": ("KVM_ARM_VCPU_PMU_V3", "KVM_CAP_ARM_PMU_V3"),
    "sve": ("KVM_ARM_VCPU_SVE", "KVM_CAP_ARM_SVE"),
    "ptrauth_address": ("KVM_ARM_VCPU_PTRAUTH_ADDRESS", "KVM_CAP_ARM_PTRAUTH_ADDRESS"),
    "ptrauth_generic": ("KVM_ARM_VCPU_PTRAUTH_GENERIC", "KVM_CAP_ARM_PTRAUTH_GENERIC"),
    "has_el2": ("KVM_ARM_VCPU_HAS_EL2", "KVM_CAP_ARM_EL2"),
}

SAFE_OF_TYPE = {
    "FTR_LOWER_SAFE": "lower",
    "FTR_HIGHER_SAFE": "higher",
    "FTR_HIGHER_OR_ZERO_SAFE": "higher",
    "FTR_EXACT": "exact",
}

U64 = (1 << 64) - 1


def vkey(v):
    m = VERSION_RE.match(v)
    if not m:
        raise ValueError("bad version %r" % v)
    return (int(m.group(1)), int(m.group(2)))


def fmask(lo, width):
    return ((1 << width) - 1) << lo


# --------------------------------------------------------------------------
# A small YAML reader for the subset the catalog uses: block mappings and
# sequences, "- key: value" items, plain/quoted scalars, flow [..] and {..},
# comments. Integers may be decimal or 0x-hex.
# --------------------------------------------------------------------------

class YamlError(Exception):
    pass


def _strip_comment(line):
    out = []
    q = None
    i = 0
    while i < len(line):
        c = line[i]
        if q:
            out.append(c)
            if c == "\\" and q == '"' and i + 1 < len(line):
                out.append(line[i + 1])
                i += 2
                continue
            if c == q:
                q = None
        else:
            if c in "\"'":
                q = c
            elif c == "#" and (i == 0 or line[i - 1] in " \t"):
                break
            out.append(c)
        i += 1
    return "".join(out).rstrip()


def _scalar(tok, lineno):
    tok = tok.strip()
    if tok == "":
        return None
    if tok[0] == '"':
        if len(tok) < 2 or tok[-1] != '"':
            raise YamlError("line %d: unterminated string" % lineno)
        body = tok[1:-1]
        res = []
        i = 0
        while i < len(body):
            if body[i] == "\\" and i + 1 < len(body):
                nxt = body[i + 1]
                res.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, nxt))
                i += 2
            else:
                res.append(body[i])
                i += 1
        return "".join(res)
    if tok[0] == "'":
        if len(tok) < 2 or tok[-1] != "'":
            raise YamlError("line %d: unterminated string" % lineno)
        return tok[1:-1].replace("''", "'")
    if tok[0] in "[{":
        return _flow(tok, lineno)
    if re.fullmatch(r"-?0[xX][0-9a-fA-F]+", tok):
        return int(tok, 16)
    if re.fullmatch(r"-?[0-9]+", tok):
        return int(tok, 10)
    if tok in ("true", "false"):
        return tok == "true"
    if tok in ("null", "~"):
        return None
    return tok


def _split_flow(body, lineno):
    items = []
    depth = 0
    q = None
    cur = []
    for c in body:
        if q:
            cur.append(c)
            if c == q:
                q = None
            continue
        if c in "\"'":
            q = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        if c == "," and depth == 0:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    if "".join(cur).strip():
        items.append("".join(cur))
    return items


def _flow(tok, lineno):
    if tok[0] == "[":
        if tok[-1] != "]":
            raise YamlError("line %d: bad flow sequence" % lineno)
        return [_scalar(x, lineno) for x in _split_flow(tok[1:-1], lineno)]
    if tok[-1] != "}":
        raise YamlError("line %d: bad flow mapping" % lineno)
    out = {}
    for item in _split_flow(tok[1:-1], lineno):
        if ":" not in item:
            raise YamlError("line %d: bad flow mapping item %r" % (lineno, item))
        k, v = item.split(":", 1)
        k = _scalar(k, lineno)
        if k in out:
            raise YamlError("line %d: duplicate key %r" % (lineno, k))
        out[k] = _scalar(v, lineno)
    return out


def _split_key(text, lineno):
    """Split 'key: value' at the first ': ' (or trailing ':') outside quotes."""
    q = None
    for i, c in enumerate(text):
        if q:
            if c == q:
                q = None
            continue
        if c in "\"'":
            q = c
        elif c == ":" and (i + 1 == len(text) or text[i + 1] in " \t"):
            return text[:i].strip(), text[i + 1:].strip()
        elif c in "[{" and i == 0:
            break
    return None, None


def parse_yaml(text):
    lines = []
    for n, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YamlError("line %d: tab in indentation" % n)
        s = _strip_comment(raw)
        if s.strip() == "" or s.strip() == "---":
            continue
        lines.append((len(s) - len(s.lstrip(" ")), s.strip(), n))
    pos = [0]

    def block(indent):
        if pos[0] >= len(lines):
            return None
        ind, s, n = lines[pos[0]]
        if ind < indent:
            return None
        if s.startswith("- ") or s == "-":
            return seq(ind)
        return mapping(ind)

    def seq(indent):
        out = []
        while pos[0] < len(lines):
            ind, s, n = lines[pos[0]]
            if ind < indent:
                break
            if ind > indent:
                raise YamlError("line %d: bad indentation" % n)
            if not (s.startswith("- ") or s == "-"):
                break
            rest = s[1:].strip()
            if rest == "":
                pos[0] += 1
                out.append(block(indent + 1))
                continue
            k, v = _split_key(rest, n)
            if k is None:
                pos[0] += 1
                out.append(_scalar(rest, n))
                continue
            # "- key: value" starts a mapping whose keys sit at indent+2
            item_indent = indent + (len(s) - len(rest))
            lines[pos[0]] = (item_indent, rest, n)
            out.append(mapping(item_indent))
        return out

    def mapping(indent):
        out = {}
        while pos[0] < len(lines):
            ind, s, n = lines[pos[0]]
            if ind < indent:
                break
            if ind > indent:
                raise YamlError("line %d: bad indentation" % n)
            if s.startswith("- "):
                break
            k, v = _split_key(s, n)
            if k is None:
                raise YamlError("line %d: expected 'key: value'" % n)
            k = _scalar(k, n)
            if k in out:
                raise YamlError("line %d: duplicate key %r" % (n, k))
            pos[0] += 1
            if v == "":
                nxt = lines[pos[0]] if pos[0] < len(lines) else None
                if nxt and (nxt[0] > indent or (nxt[0] == indent and nxt[1].startswith("- "))):
                    out[k] = block(nxt[0])
                else:
                    out[k] = None
            else:
                out[k] = _scalar(v, n)
        return out

    res = block(0)
    if pos[0] != len(lines):
        raise YamlError("line %d: unexpected content" % lines[pos[0]][2])
    return res


# --------------------------------------------------------------------------
# C source helpers
# --------------------------------------------------------------------------

def strip_c_comments(text):
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def matching(text, i, open_c="{", close_c="}"):
    """Index of the bracket closing the one at text[i]."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == open_c:
            depth += 1
        elif text[j] == close_c:
            depth -= 1
            if depth == 0:
                return j
    return -1


def split_top(s, sep=","):
    out, cur, depth = [], [], 0
    for c in s:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    if "".join(cur).strip():
        out.append("".join(cur))
    return [x.strip() for x in out]


def function_body(text, name):
    m = re.search(r"^[a-zA-Z_][^\n;]*\b%s\s*\([^;{]*\)\s*\{" % re.escape(name), text, re.M)
    if not m:
        return None
    start = m.end() - 1
    end = matching(text, start)
    return text[start + 1:end] if end > 0 else None


def array_body(text, name):
    m = re.search(r"\b%s\s*\[\s*\]\s*(?:__\w+\s*)*=\s*\{" % re.escape(name), text)
    if not m:
        return None
    start = m.end() - 1
    end = matching(text, start)
    return text[start + 1:end] if end > 0 else None


def parse_int(tok):
    tok = tok.strip()
    while tok.startswith("(") and tok.endswith(")") and matching(tok, 0, "(", ")") == len(tok) - 1:
        tok = tok[1:-1].strip()
    m = re.fullmatch(r"(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*", tok)
    if m:
        return int(m.group(1), 0)
    m = re.fullmatch(r"U?L?L?\((0[xX][0-9a-fA-F]+|0b[01]+|[0-9]+)\)", tok)
    if m:
        return int(m.group(1), 0)
    return None


class Expr:
    """Evaluates the small C expressions used for masks and shifts."""

    def __init__(self, resolve):
        self.resolve = resolve

    def eval(self, s):
        self.toks = re.findall(r"0[xX][0-9a-fA-F]+[uUlL]*|0b[01]+|\d+[uUlL]*|[A-Za-z_]\w*|<<|>>|[~|&()+,\-]", s)
        self.i = 0
        v = self.e_or()
        if self.i != len(self.toks):
            raise ValueError("trailing tokens in %r" % s)
        return v & U64

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, t=None):
        tok = self.peek()
        if t is not None and tok != t:
            raise ValueError("expected %r got %r" % (t, tok))
        self.i += 1
        return tok

    def e_or(self):
        v = self.e_and()
        while self.peek() == "|":
            self.take()
            v |= self.e_and()
        return v

    def e_and(self):
        v = self.e_shift()
        while self.peek() == "&":
            self.take()
            v &= self.e_shift()
        return v

    def e_shift(self):
        v = self.e_add()
        while self.peek() in ("<<", ">>"):
            op = self.take()
            r = self.e_add()
            v = (v << r) if op == "<<" else (v >> r)
        return v

    def e_add(self):
        v = self.e_un()
        while self.peek() in ("+", "-"):
            op = self.take()
            r = self.e_un()
            v = v + r if op == "+" else v - r
        return v

    def e_un(self):
        t = self.peek()
        if t == "~":
            self.take()
            return ~self.e_un() & U64
        if t == "(":
            self.take()
            # casts like (u64)
            if self.peek() in ("u64", "u32", "unsigned") and self.toks[self.i + 1] == ")":
                self.take()
                self.take(")")
                return self.e_un()
            v = self.e_or()
            self.take(")")
            return v
        t = self.take()
        if t is None:
            raise ValueError("unexpected end")
        if re.match(r"0b", t):
            return int(t, 2)
        if re.match(r"\d", t):
            return int(re.sub(r"[uUlL]+$", "", t), 0)
        if self.peek() == "(":
            self.take()
            args = []
            if self.peek() != ")":
                args.append(self.e_or())
                while self.peek() == ",":
                    self.take()
                    args.append(self.e_or())
            self.take(")")
            if t in ("GENMASK", "GENMASK_ULL"):
                return fmask(args[1], args[0] - args[1] + 1)
            if t in ("BIT", "BIT_ULL"):
                return 1 << args[0]
            if t in ("UL", "ULL", "U"):
                return args[0]
            raise ValueError("unknown function %s" % t)
        v = self.resolve(t)
        if v is None:
            raise ValueError("unknown symbol %s" % t)
        return v


# --------------------------------------------------------------------------
# One kernel version's sources
# --------------------------------------------------------------------------

class Field:
    def __init__(self, name, lo, width, kind):
        self.name, self.lo, self.width, self.kind = name, lo, width, kind
        self.enums = {}


class SysregDef:
    def __init__(self, name, enc):
        self.name, self.enc = name, enc
        self.fields = {}
        self.res0 = 0
        self.res1 = 0


class KernelSrc:
    FILES = {
        "sysreg": "arch/arm64/tools/sysreg",
        "sysreg_h": "arch/arm64/include/asm/sysreg.h",
        "cpufeature": "arch/arm64/kernel/cpufeature.c",
        "sys_regs": "arch/arm64/kvm/sys_regs.c",
        "hypercalls": "arch/arm64/kvm/hypercalls.c",
        "uapi_arm64": "arch/arm64/include/uapi/asm/kvm.h",
        "uapi_kvm": "include/uapi/linux/kvm.h",
        # extracted by scripts/fetch-kernel-sources since the CTR_EL0 and
        # 5.10 firmware-register checks; optional so an older extraction
        # degrades to "unknown" instead of failing
        "cache_h": "arch/arm64/include/asm/cache.h",
        "psci": "arch/arm64/kvm/psci.c",
    }
    OPTIONAL = ("sysreg", "cache_h", "psci")

    def __init__(self, root, version):
        self.version = version
        self.root = root
        self.text = {}
        self.missing = []
        for key, rel in self.FILES.items():
            p = os.path.join(root, rel)
            if os.path.isfile(p):
                with open(p, encoding="utf-8", errors="replace") as f:
                    self.text[key] = f.read()
            else:
                self.text[key] = None
                if key not in self.OPTIONAL:
                    self.missing.append(rel)
        self.defines = {}
        self.sysregs = {}
        self.encodings = {}
        self.fieldrefs = {}
        self._parse_sysreg()
        self._parse_sysreg_h()
        self.expr = Expr(self.sym)
        self.ftr = {}
        self._parse_cpufeature()
        self._parse_sys_regs()

    # ---- symbols -------------------------------------------------------
    def sym(self, name, depth=0):
        if name in self.defines:
            v = self.defines[name]
            if isinstance(v, int):
                return v
            if depth > 8:
                return None
            try:
                val = Expr(lambda n: self.sym(n, depth + 1)).eval(v)
            except (ValueError, IndexError, TypeError):
                return None
            self.defines[name] = val
            return val
        return None

    def _parse_sysreg(self):
        text = self.text.get("sysreg")
        if not text:
            return
        fieldsets = {}
        cur = None
        enum_field = None

        def add_field(target, kind, bits, name):
            if ":" in bits:
                hi, lo = (int(x) for x in bits.split(":"))
            else:
                hi = lo = int(bits)
            f = Field(name, lo, hi - lo + 1, kind)
            target.fields[name] = f
            return f

        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip() if not raw.strip().startswith("#") else ""
            if not line:
                continue
            parts = line.split()
            kw = parts[0]
            if kw == "Sysreg":
                name = parts[1]
                enc = tuple(int(x) for x in parts[2:7])
                cur = SysregDef(name, enc)
                self.sysregs[name] = cur
            elif kw == "SysregFields":
                cur = SysregDef(parts[1], None)
                fieldsets[parts[1]] = cur
            elif kw in ("EndSysreg", "EndSysregFields"):
                cur = None
            elif cur is None:
                continue
            elif kw == "Fields":
                src = fieldsets.get(parts[1])
                if src:
                    for f in src.fields.values():
                        cur.fields[f.name] = f
                    cur.res0 |= src.res0
                    cur.res1 |= src.res1
            elif kw in ("Res0", "Res1", "Raz", "Unkn"):
                bits = parts[1]
                hi, lo = ((int(x) for x in bits.split(":")) if ":" in bits else (int(bits), int(bits)))
                if kw == "Res0":
                    cur.res0 |= fmask(lo, hi - lo + 1)
                elif kw == "Res1":
                    cur.res1 |= fmask(lo, hi - lo + 1)
            elif kw in ("Field",):
                add_field(cur, kw, parts[1], parts[2])
            elif kw in ("UnsignedEnum", "SignedEnum", "Enum"):
                enum_field = add_field(cur, kw, parts[1], parts[2])
            elif kw == "EndEnum":
                enum_field = None
            elif enum_field is not None and re.fullmatch(r"0b[01]+", kw):
                enum_field.enums[parts[1]] = int(kw[2:], 2)
        for name, r in self.sysregs.items():
            self.encodings[name] = r.enc
            self.defines["SYS_" + name] = r.enc  # tuple, not int: only for encodings
            self.defines[name + "_RES0"] = r.res0
            self.defines[name + "_RES1"] = r.res1
            for f in r.fields.values():
                m = fmask(f.lo, f.width)
                base = "%s_%s" % (name, f.name)
                self.defines[base] = m
                self.defines[base + "_MASK"] = m
                self.defines[base + "_SHIFT"] = f.lo
                self.defines[base + "_WIDTH"] = f.width
                for en, ev in f.enums.items():
                    self.defines["%s_%s" % (base, en)] = ev
                for n in (base, base + "_MASK", base + "_SHIFT"):
                    self.fieldrefs[n] = (name, f.lo, f.width)

    def _parse_sysreg_h(self):
        text = self.text.get("sysreg_h")
        if not text:
            return
        # asm/cache.h holds the CTR_EL0 field shifts before tools/sysreg
        # generated them (5.10: CTR_DIC_SHIFT ... used by cpufeature.c ftr_ctr)
        text = strip_c_comments(text) + "\n" + strip_c_comments(self.text.get("cache_h") or "")
        joined = re.sub(r"\\\n", " ", text)
        for m in re.finditer(r"^\s*#define\s+(\w+)\s+(.+)$", joined, re.M):
            name, val = m.group(1), m.group(2).strip()
            sm = re.fullmatch(r"sys_reg\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)", val)
            if sm:
                enc = tuple(int(x) for x in sm.groups())
                if name.startswith("SYS_"):
                    self.encodings.setdefault(name[4:], enc)
                self.defines.setdefault(name, enc)
                continue
            if name in self.defines:
                continue  # generated definitions win
            iv = parse_int(val)
            self.defines[name] = iv if iv is not None else val
        # field references of the older sysreg.h style: <REGPREFIX>_<FIELD>_SHIFT
        regnames = sorted(self.encodings, key=len, reverse=True)
        prefixes = []
        for r in regnames:
            if r.endswith("_EL1") or r.endswith("_EL0"):
                prefixes.append((r[:-4] + "_", r))
            prefixes.append((r + "_", r))
        prefixes.sort(key=lambda p: len(p[0]), reverse=True)
        for name in list(self.defines):
            if not name.endswith("_SHIFT") or name in self.fieldrefs:
                continue
            v = self.sym(name)
            if not isinstance(v, int):
                continue
            for pre, reg in prefixes:
                if name.startswith(pre):
                    self.fieldrefs[name] = (reg, v, None)
                    break

    def encoding(self, regname):
        return self.encodings.get(regname)

    # ---- cpufeature.c ------------------------------------------------------
    def _parse_cpufeature(self):
        text = self.text.get("cpufeature")
        if not text:
            return
        text = strip_c_comments(text)
        tables = {}
        for m in re.finditer(r"static\s+const\s+struct\s+arm64_ftr_bits\s+(\w+)\s*\[\s*\]\s*=\s*\{", text):
            start = m.end() - 1
            body = text[start + 1:matching(text, start)]
            entries = []
            for em in re.finditer(r"\b(S_ARM64_FTR_BITS|ARM64_FTR_BITS|__ARM64_FTR_BITS)\s*\(", body):
                if em.group(1) == "__ARM64_FTR_BITS" and "#define" in body[max(0, em.start() - 20):em.start()]:
                    continue
                p = em.end() - 1
                args = split_top(body[p + 1:matching(body, p, "(", ")")])
                if em.group(1) == "__ARM64_FTR_BITS":
                    signed = args[0] == "FTR_SIGNED"
                    args = args[1:]
                else:
                    signed = em.group(1) == "S_ARM64_FTR_BITS"
                if len(args) != 6:
                    continue
                vis, strict, ftype, shift, width, safe = args
                try:
                    sh = self.expr.eval(shift) if hasattr(self, "expr") else None
                except ValueError:
                    sh = None
                if sh is None:
                    sh = self._eval_quiet(shift)
                wd = self._eval_quiet(width)
                entries.append({
                    "signed": signed, "type": ftype.strip(), "shift": sh,
                    "width": wd, "safe_val": safe.strip(), "shift_expr": shift,
                    "visible": vis.strip(),
                })
            tables[m.group(1)] = entries
        self.ftr_tables = tables
        regs_body = array_body(text, "arm64_ftr_regs")
        if regs_body is None:
            return
        for m in re.finditer(r"\bARM64_FTR_REG(?:_OVERRIDE)?\s*\(\s*SYS_(\w+)\s*,\s*(\w+)", regs_body):
            reg, table = m.group(1), m.group(2)
            self.ftr[reg] = (table, tables.get(table))
        # { SYS_CTR_EL0, &arm64_ftr_reg_ctrel0 } with a separately defined struct
        for m in re.finditer(r"\{\s*SYS_(\w+)\s*,\s*&(\w+)\s*\}", regs_body):
            sm = re.search(r"struct\s+arm64_ftr_reg\s+%s\s*=\s*\{[^}]*\.ftr_bits\s*=\s*(\w+)" % m.group(2), text)
            if sm:
                self.ftr[m.group(1)] = (sm.group(1), tables.get(sm.group(1)))

    def _eval_quiet(self, s):
        try:
            return Expr(self.sym).eval(s)
        except (ValueError, IndexError, TypeError):
            return None

    def ftr_entry(self, regname, lo, width):
        """Return (entry, exact) of the cpufeature entry covering the field, or (None, False)."""
        t = self.ftr.get(regname)
        if not t or not t[1]:
            return None, False
        for e in t[1]:
            if e["shift"] is None or e["width"] is None:
                continue
            if e["shift"] == lo and e["width"] == width:
                return e, True
        for e in t[1]:
            if e["shift"] is None or e["width"] is None:
                continue
            if e["shift"] <= lo and lo + width <= e["shift"] + e["width"]:
                return e, False
        if any(e["shift"] is None for e in t[1]):
            return "unknown", False
        return None, False

    # ---- sys_regs.c --------------------------------------------------------
    def _parse_sys_regs(self):
        self.idregs = {}
        self.invariant = set()
        raw = self.text.get("sys_regs")
        if not raw:
            return
        text = strip_c_comments(raw)
        self.sys_regs_text = text
        body = array_body(text, "sys_reg_descs")
        if body:
            for ent in split_top(body):
                self._parse_desc(ent)
        inv = array_body(text, "invariant_sys_regs")
        if inv:
            for m in re.finditer(r"SYS_DESC\(\s*SYS_(\w+)\s*\)", inv):
                self.invariant.add(m.group(1))

    def _parse_desc(self, ent):
        ent = " ".join(ent.split())
        m = re.match(r"^(ID_SANITISED|ID_WRITABLE|AA32_ID_SANITISED|AA32_ID_WRITABLE|ID_HIDDEN|ID_UNALLOCATED)\s*\((.*)\)$", ent)
        if m:
            kind, args = m.group(1), split_top(m.group(2))
            if kind == "ID_UNALLOCATED":
                enc = (3, 0, 0, int(args[0]), int(args[1]))
                self.idregs[enc] = {"kind": "unallocated", "name": None, "mask": 0, "raz": True,
                                    "reset": None, "set": None, "listed": True, "text": ent}
                return
            name = args[0]
            enc = self.encoding(name)
            d = {"kind": kind.lower(), "name": name, "raz": kind == "ID_HIDDEN",
                 "reset": None, "set": "set_id_reg", "listed": True, "text": ent,
                 "aa32": kind.startswith("AA32")}
            if kind == "ID_WRITABLE":
                d["mask"] = self._eval_quiet(args[1])
                d["mask_expr"] = args[1]
            elif kind == "AA32_ID_WRITABLE":
                d["mask"] = fmask(0, 32)
                d["mask_expr"] = "GENMASK(31, 0)"
            else:
                d["mask"] = 0
            if enc is not None:
                self.idregs[enc] = d
            return
        m = re.match(r"^\{\s*SYS_DESC\(\s*SYS_(\w+)\s*\)\s*,?(.*)\}$", ent)
        if not m:
            return
        name, rest = m.group(1), m.group(2)
        enc = self.encoding(name)
        if enc is None:
            return
        parts = split_top(rest)
        desig = {}
        positional = []
        for p in parts:
            dm = re.match(r"^\.(\w+)\s*=\s*(.*)$", p)
            if dm:
                desig[dm.group(1)] = dm.group(2).strip()
            elif p:
                positional.append(p)
        is_id = desig.get("access") == "access_id_reg" or desig.get("get_user") == "get_id_reg"
        listed = bool(desig.get("get_user") or desig.get("reg") or len(positional) >= 3)
        d = {"kind": "custom" if is_id else "other", "name": name, "raz": False,
             "reset": desig.get("reset"), "set": desig.get("set_user"), "listed": listed,
             "text": ent, "aa32": desig.get("visibility") == "aa32_id_visibility",
             "visibility": desig.get("visibility")}
        if "val" in desig:
            d["mask"] = self._eval_quiet(desig["val"])
            d["mask_expr"] = desig["val"]
        else:
            d["mask"] = 0
        if desig.get("visibility") == "raz_visibility":
            d["raz"] = True
        # CLIDR/CTR etc. may appear twice (trap-only entry + invariant); keep ID-ish one
        if enc in self.idregs and self.idregs[enc].get("listed") and not listed:
            return
        self.idregs[enc] = d

    def reg_listed(self, regname, enc):
        if regname in self.invariant:
            return True
        d = self.idregs.get(tuple(enc))
        return bool(d and d.get("listed"))

    # ---- read path: which fields KVM clears / sets ---------------------------
    def read_sections(self, regname, enc):
        """Code sections of KVM's read/reset path applying to this register.

        Returns a list of (code, guarded_all) pairs."""
        text = getattr(self, "sys_regs_text", None)
        if not text:
            return []
        out = []
        d = self.idregs.get(tuple(enc))
        reset = d.get("reset") if d else None
        generic = []
        for fn in ("__kvm_read_sanitised_id_reg", "read_id_reg"):
            b = function_body(text, fn)
            if b and "SYS_" in b:
                generic.append(b)
                break
        if reset and reset not in ("kvm_read_sanitised_id_reg", "NULL"):
            b = function_body(text, reset)
            if b:
                out.append((b, False))
                return out
        for b in generic:
            # switch style
            for m in re.finditer(r"\bcase\s+SYS_%s\s*:" % re.escape(regname), b):
                end = len(b)
                nm = re.search(r"\bcase\s+SYS_\w+\s*:|\bdefault\s*:", b[m.end():])
                if nm:
                    end = m.end() + nm.start()
                out.append((b[m.end():end], False))
            # if / else-if chain style
            for m in re.finditer(r"\bif\s*\(\s*id\s*==\s*SYS_%s\b([^{]*)\{" % re.escape(regname), b):
                start = m.end() - 1
                end = matching(b, start)
                cond_extra = m.group(1).strip()
                guarded = "&&" in cond_extra
                out.append((b[start + 1:end], guarded))
        return out

    def field_shift_of(self, tok, regname):
        r = self.fieldrefs.get(tok)
        if r is None:
            return None
        return r[1]

    def read_effects(self, regname, enc):
        """{shift: state} where state in zero|cond|kvm|capped|keep; plus keep-only sets."""
        effects = []
        for code, guarded_all in self.read_sections(regname, enc):
            effects.extend(self._statements(code, guarded_all, regname))
        return effects

    def _statements(self, code, guarded_all, regname):
        lines = code.split("\n")
        stmts = []
        stack = []
        pending_if = False
        buf = None
        buf_guard = False
        for ln in lines:
            s = ln.strip()
            if not s:
                continue
            if buf is None:
                head_guard = guarded_all or any(stack) or pending_if
                if re.match(r"^(\}\s*)?(else\s+)?if\b|^(\}\s*)?else\b", s):
                    # if / else header
                    if s.startswith("}"):
                        if stack:
                            stack.pop()
                        s2 = s[1:].strip()
                    else:
                        s2 = s
                    if s2.endswith("{"):
                        stack.append(True)
                        pending_if = False
                    else:
                        # single statement if (possibly with statement on same line)
                        hm = re.match(r"^(?:else\s+)?if\s*\(", s2)
                        if hm:
                            close = matching(s2, hm.end() - 1, "(", ")")
                            tail = s2[close + 1:].strip() if close > 0 else ""
                            if tail:
                                stmts.append((tail, True))
                                pending_if = False
                            else:
                                pending_if = True
                        else:
                            pending_if = True
                    continue
                if s.startswith("}"):
                    if stack:
                        stack.pop()
                    continue
                if s.endswith("{"):
                    stack.append(False)
                    continue
                buf = s
                buf_guard = head_guard
            else:
                buf += " " + s
            if buf.endswith(";"):
                stmts.append((buf, buf_guard))
                buf = None
                pending_if = False
        effects = []
        for st, g in stmts:
            st = " ".join(st.split())
            # SYS_FIELD_PREP(REG, FIELD, v) and friends name the field in two tokens
            st = re.sub(r"\bSYS_FIELD_(?:PREP_ENUM|PREP|GET|VALUE)\s*\(\s*(\w+)\s*,\s*(\w+)",
                        lambda m: "SYS_FIELD(%s_%s" % (m.group(1), m.group(2)), st)
            toks = re.findall(r"[A-Za-z_]\w*", st)
            shifts = sorted({self.field_shift_of(t, regname) for t in toks} - {None})
            if re.match(r"^val\s*&=\s*~", st):
                effects.append(("clear", shifts, g))
            elif re.match(r"^val\s*&=", st):
                effects.append(("keep", shifts, g))
            elif re.match(r"^val\s*\|=", st):
                effects.append(("set", shifts, g))
            elif re.match(r"^val\s*=\s*(cpuid_feature_cap_perfmon_field|ID_REG_LIMIT_FIELD_ENUM)\s*\(", st):
                if "ID_REG_LIMIT_FIELD_ENUM" in st:
                    am = re.search(r"ID_REG_LIMIT_FIELD_ENUM\s*\(\s*val\s*,\s*(\w+)\s*,\s*(\w+)", st)
                    if am:
                        sh = self.field_shift_of("%s_%s_SHIFT" % (am.group(1), am.group(2)), regname)
                        shifts = [sh] if sh is not None else []
                effects.append(("cap", shifts, g))
        return effects

    def field_read_state(self, regname, enc, lo):
        state = "host"
        for kind, shifts, g in self.read_effects(regname, enc):
            if kind == "keep":
                if lo not in shifts and state in ("host", "cond"):
                    state = "cond" if g else "zero"
                continue
            if lo not in shifts:
                continue
            if kind == "clear":
                if not g:
                    state = "zero"
                elif state == "host":
                    state = "cond"
            elif kind == "set":
                state = "kvm"
            elif kind == "cap":
                if state != "zero":
                    state = "capped"
        return state

    # ---- write path -----------------------------------------------------------
    def legacy_writable_shifts(self, regname, enc):
        """Pre-framework kernels: fields a set_id_*() handler lets differ."""
        d = self.idregs.get(tuple(enc))
        if not d or not d.get("set") or d["set"] == "set_id_reg":
            return set()
        b = function_body(self.sys_regs_text, d["set"])
        if not b:
            return set()
        m = re.search(r"val\s*\^=\s*read_id_reg[^;]*;\s*val\s*&=\s*~([^;]*);", b, re.S)
        if not m:
            return set()
        toks = re.findall(r"[A-Za-z_]\w*", m.group(1))
        return {self.field_shift_of(t, regname) for t in toks} - {None}

    def has_framework(self):
        return bool(getattr(self, "sys_regs_text", None)) and \
            function_body(self.sys_regs_text, "arm64_check_features") is not None

    def kvm_safe_override(self, regname, lo):
        """KVM's own safe type for a field (kvm_arm64_ftr_safe_value), or None."""
        b = function_body(getattr(self, "sys_regs_text", "") or "", "kvm_arm64_ftr_safe_value")
        if not b:
            return None
        for m in re.finditer(r"\bcase\s+SYS_(\w+)\s*:", b):
            if m.group(1) != regname:
                continue
            nm = re.search(r"\bcase\s+SYS_\w+\s*:", b[m.end():])
            sec = b[m.end(): m.end() + nm.start()] if nm else b[m.end():]
            for fm in re.finditer(r"(\w+_SHIFT)\s*(?:\)|:)(.*?)kvm_ftr\.type\s*=\s*(FTR_\w+)", sec, re.S):
                if self.sym(fm.group(1)) == lo:
                    return fm.group(3)
        return None


# --------------------------------------------------------------------------
# Derivations
# --------------------------------------------------------------------------

def field_exposed(ks, regname, enc, lo, width):
    d = ks.idregs.get(tuple(enc))
    invariant = regname in ks.invariant
    if d is None and not invariant:
        return False, "no sys_reg_descs entry"
    if d is not None and d.get("raz"):
        return False, "register is RAZ (%s)" % d["kind"]
    state = ks.field_read_state(regname, enc, lo) if d is not None else "host"
    if state == "zero":
        return False, "KVM clears it in the read/reset path"
    if state == "kvm":
        return True, "value set by KVM"
    e, _exact = ks.ftr_entry(regname, lo, width)
    if e == "unknown":
        return None, "cpufeature.c entry shifts not resolvable from the extracted files"
    if e is None:
        t = ks.ftr.get(regname)
        if t is None:
            return False, "no arm64_ftr_regs entry in cpufeature.c (sanitised value 0)"
        return False, "no ftr_bits entry in %s (sanitised to 0)" % t[0]
    return True, "host sanitised value (%s)" % state


def field_writable(ks, regname, enc, lo, width):
    exposed, _ = field_exposed(ks, regname, enc, lo, width)
    d = ks.idregs.get(tuple(enc))
    if d is None or (d.get("kind") == "other" and regname in ks.invariant):
        return False, "invariant register (set_invariant_sys_reg requires the exact value)"
    if exposed is None:
        return None, "exposure unknown"
    if not exposed:
        return False, "not exposed"
    if ks.has_framework():
        mask = d.get("mask") or 0
        fm = fmask(lo, width)
        if fm & mask != fm:
            return False, "outside writable mask"
        e, exact = ks.ftr_entry(regname, lo, width)
        if e is None or e == "unknown":
            return False, "no ftr_bits entry: arm64_check_features requires the value unchanged"
        if not exact:
            em = fmask(e["shift"], e["width"])
            if em & mask != em:
                return False, "covering ftr_bits entry not fully writable"
        return True, "in writable mask with ftr_bits entry"
    if lo in ks.legacy_writable_shifts(regname, enc):
        return True, "set_id handler lets it differ"
    return False, "set_id_reg requires the exact value"


def expected_since(flags):
    """flags: {version: bool}. First checked version from which it is true in
    every later checked version; 'never' when false at the newest."""
    vs = [v for v in VERSIONS if v in flags and flags[v] is not None]
    if not vs:
        return None
    if not flags[vs[-1]]:
        return "never"
    since = vs[-1]
    for v in reversed(vs):
        if flags[v]:
            since = v
        else:
            break
    return since


def consistent(claim, flags, baseline="5.10"):
    """Whether a claimed since-version agrees with the observed points."""
    if claim == "never":
        return not any(f for f in flags.values() if f is not None)
    try:
        ck = vkey(claim)
    except ValueError:
        return False
    for v, f in flags.items():
        if f is None:
            continue
        if (vkey(v) >= ck) != f:
            return False
    return True


def claim_form_ok(claim, flags, source):
    """A claim that is not one of the checked versions must cite evidence."""
    if claim in VERSIONS or claim == "never":
        return True
    return bool(source) and claim in source


# --------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------

def find_versions(src_root):
    found = []
    if not src_root or not os.path.isdir(src_root):
        return found
    for v in VERSIONS:
        d = os.path.join(src_root, v)
        if os.path.isdir(d) and os.path.isfile(os.path.join(d, "arch/arm64/kvm/sys_regs.c")):
            found.append(v)
    return found


def default_catalog():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "compiler", "catalog", "arm64.yaml")


def load_catalog(path):
    with open(path, encoding="utf-8") as f:
        return parse_yaml(f.read())


def _uapi_defines(text):
    out = {}
    if not text:
        return out
    t = strip_c_comments(text)
    t = re.sub(r"\\\n", " ", t)
    for m in re.finditer(r"^\s*#define\s+(\w+)(\([^)]*\))?\s+(.+)$", t, re.M):
        if m.group(2):
            out[m.group(1)] = ("macro", m.group(2), m.group(3).strip())
        else:
            out[m.group(1)] = ("val", None, m.group(3).strip())
    for m in re.finditer(r"\benum\b[^{;]*\{([^}]*)\}", t):
        nxt = 0
        for item in split_top(m.group(1)):
            if not item:
                continue
            if "=" in item:
                k, v = item.split("=", 1)
                iv = parse_int(v)
                nxt = iv if iv is not None else nxt
                out[k.strip()] = ("val", None, str(nxt))
            else:
                out[item.strip()] = ("val", None, str(nxt))
            nxt += 1
    return out


def _uapi_eval(defs, name, depth=0):
    if name not in defs or depth > 10:
        return None
    kind, params, body = defs[name]
    if kind == "macro":
        return None

    def resolve(n):
        return _uapi_eval(defs, n, depth + 1)

    # expand function-like macros used in the body (one level is enough here)
    for mname, (k, p, b) in defs.items():
        if k != "macro" or mname not in body:
            continue
        pnames = [x.strip() for x in p.strip("()").split(",")]
        pat = re.compile(r"\b%s\s*\(" % re.escape(mname))
        mm = pat.search(body)
        while mm:
            close = matching(body, mm.end() - 1, "(", ")")
            args = split_top(body[mm.end():close])
            exp = b
            for pn, av in zip(pnames, args):
                exp = re.sub(r"\b%s\b" % re.escape(pn), "(%s)" % av, exp)
            body = body[:mm.start()] + "(" + exp + ")" + body[close + 1:]
            mm = pat.search(body)
    consts = {"KVM_REG_ARM64": 0x6000000000000000, "KVM_REG_SIZE_U64": 0x0030000000000000}

    def res2(n):
        if n in consts:
            return consts[n]
        return resolve(n)
    try:
        return Expr(res2).eval(body)
    except (ValueError, IndexError, TypeError):
        return None


def fw_reg_list(k):
    """Firmware registers KVM_GET_REG_LIST reports: (set of uapi names, where,
    count from kvm_arm_get_fw_num_regs when it is a literal) or (None, why, None)."""
    for key in ("hypercalls", "psci"):
        code = strip_c_comments(k.text.get(key) or "")
        if not code:
            continue
        rel = KernelSrc.FILES[key]
        count = None
        numfn = function_body(code, "kvm_arm_get_fw_num_regs")
        if numfn is not None:
            cm = re.fullmatch(r"\s*return\s+(\d+)\s*;\s*", numfn)
            count = int(cm.group(1)) if cm else None
        arr = array_body(code, "kvm_arm_fw_reg_ids")
        if arr is not None:
            return set(re.findall(r"\b(KVM_REG_ARM_\w+)", arr)), rel + " kvm_arm_fw_reg_ids", count
        fn = function_body(code, "kvm_arm_copy_fw_reg_indices")
        if fn is not None and "kvm_arm_fw_reg_ids" not in fn:
            names = set()
            for args in _call_args(fn, "put_user"):
                if args and re.fullmatch(r"KVM_REG_ARM_\w+", args[0]):
                    names.add(args[0])
            return names, rel + " kvm_arm_copy_fw_reg_indices", count
    return None, "no kvm_arm_copy_fw_reg_indices in the extracted files", None


def _call_args(code, func):
    out = []
    for m in re.finditer(r"\b%s\s*\(" % re.escape(func), code):
        close = matching(code, m.end() - 1, "(", ")")
        if close > 0:
            out.append(split_top(code[m.end():close]))
    return out


def hvc_handled(k):
    """SMCCC function IDs the hypercall handler handles itself (case labels),
    or None when the handler cannot be found. The handler is
    kvm_hvc_call_handler up to 6.3 and kvm_smccc_call_handler since 6.4."""
    code = strip_c_comments(k.text.get("hypercalls") or "")
    body = None
    for fn in ("kvm_smccc_call_handler", "kvm_hvc_call_handler"):
        body = function_body(code, fn) if code else None
        if body is not None:
            break
    if body is None:
        return None
    return set(re.findall(r"\bcase\s+(\w+)\s*:", body))


def check_arm64(src_root, catalog_path=None, explain=None, out=None):
    """Check the catalog against the sources under src_root.

    Returns (entries_checked, problems, versions_seen).

    scripts/check-catalog instead passes a context object (attributes
    src_dir, catalog_path, ...) and expects (entries_checked, versions_seen,
    problems); that calling form is recognised and answered in its order.
    """
    if hasattr(src_root, "src_dir"):
        ctx = src_root
        n, problems, seen = _check_arm64(ctx.src_dir, getattr(ctx, "catalog_path", None) or catalog_path,
                                         explain, out)
        return n, seen, problems
    return _check_arm64(src_root, catalog_path, explain, out)


def _check_arm64(src_root, catalog_path=None, explain=None, out=None):
    problems = []
    catalog_path = catalog_path or default_catalog()
    versions = find_versions(src_root)
    if not versions:
        return 0, problems, versions
    try:
        cat = load_catalog(catalog_path)
    except (OSError, YamlError) as e:
        problems.append("arm64: cannot read catalog %s: %s" % (catalog_path, e))
        return 0, problems, versions
    ks = {v: KernelSrc(os.path.join(src_root, v), v) for v in versions}
    for v in versions:
        for m in ks[v].missing:
            problems.append("arm64: %s: missing source file %s" % (v, m))
    checked = 0

    def P(msg):
        problems.append("arm64: " + msg)

    if not isinstance(cat, dict):
        P("catalog is not a mapping")
        return 0, problems, versions
    allowed = {"arch", "baseline", "id_registers", "firmware_registers", "vcpu_init_features",
               "feature_registers"}
    for k in cat:
        if k not in allowed:
            P("unknown top-level key %r" % k)
    if cat.get("arch") != "arm64":
        P("arch must be arm64")
    if cat.get("baseline") != "5.10":
        P("baseline must be \"5.10\"")

    def check_since(what, claim, flags, source, field_name):
        if claim is None:
            P("%s: missing %s" % (what, field_name))
            return
        if not isinstance(claim, str) or not (claim == "never" or VERSION_RE.match(claim)):
            P("%s: %s %r is not a quoted version or \"never\"" % (what, field_name, claim))
            return
        if claim != "never" and vkey(claim) < vkey("5.10"):
            P("%s: %s %s is older than the baseline" % (what, field_name, claim))
        if claim == "never" and flags.get(versions[-1]) is False and any(flags.values()):
            # shown by older kernels, hidden by the newest: allowed when the
            # source says so (the policy must then treat it as hidden)
            if "recorded never" not in (source or ""):
                P("%s: %s is never but %s shows it; the source must say 'recorded never'" % (
                    what, field_name, "/".join(v for v in versions if flags[v])))
            return
        unknown = [v for v in versions if flags[v] is None]
        if unknown and "not machine-checked" not in (source or ""):
            P("%s: %s cannot be checked on %s; the source must say 'not machine-checked'" % (
                what, field_name, " ".join(unknown)))
        if not consistent(claim, flags):
            P("%s: %s is %s but sources say %s (%s)" % (
                what, field_name, claim, expected_since(flags),
                ", ".join("%s=%s" % (v, {True: "yes", False: "no", None: "?"}[flags[v]]) for v in versions)))
        elif not claim_form_ok(claim, flags, source):
            P("%s: %s %s is not a checked version and the source string does not cite it" % (
                what, field_name, claim))

    # ---- ID registers ---------------------------------------------------
    regs = cat.get("id_registers") or []
    seen = set()
    for r in regs:
        checked += 1
        name = r.get("name")
        if name in seen:
            P("duplicate register %s" % name)
        seen.add(name)
        enc = r.get("encoding")
        if not (isinstance(enc, list) and len(enc) == 5 and all(isinstance(x, int) for x in enc)):
            P("%s: bad encoding %r" % (name, enc))
            continue
        enc = tuple(enc)
        for v in versions:
            kenc = ks[v].encoding(name)
            if kenc is None:
                if v == LATEST:
                    P("%s: not defined in %s tools/sysreg or sysreg.h" % (name, v))
            elif tuple(kenc) != enc:
                P("%s: encoding %s but %s says %s" % (name, list(enc), v, list(kenc)))
        listed = {v: ks[v].reg_listed(name, enc) for v in versions}
        check_since(name, r.get("exposed_since"), listed, r.get("source", ""), "exposed_since")
        if not r.get("source"):
            P("%s: missing source" % name)
        fseen = set()
        sysdef = ks[LATEST].sysregs.get(name) if LATEST in ks else None
        for f in r.get("fields") or []:
            checked += 1
            fname = f.get("name")
            what = "%s.%s" % (name, fname)
            if fname in fseen:
                P("%s: duplicate field" % what)
            fseen.add(fname)
            lo, width = f.get("shift"), f.get("width")
            if not isinstance(lo, int) or not isinstance(width, int):
                P("%s: bad shift/width" % what)
                continue
            src = f.get("source", "") or ""
            if not src:
                P("%s: missing source" % what)
            # definition in tools/sysreg (names, width, enums)
            if LATEST in ks:
                sd = ks[LATEST].sysregs.get(name)
                if sd is None:
                    P("%s: register not in %s tools/sysreg" % (what, LATEST))
                else:
                    sf = sd.fields.get(fname)
                    if sf is None:
                        P("%s: field not in %s tools/sysreg" % (what, LATEST))
                    else:
                        if (sf.lo, sf.width) != (lo, width):
                            P("%s: shift/width %d/%d but %s tools/sysreg has %d/%d" % (
                                what, lo, width, LATEST, sf.lo, sf.width))
                        vals = f.get("values") or {}
                        if vals != sf.enums:
                            P("%s: values %r differ from tools/sysreg %r" % (what, vals, sf.enums))
                        if f.get("signed") != (sf.kind == "SignedEnum"):
                            e, _ = ks[LATEST].ftr_entry(name, lo, width)
                            if not (e and e["signed"] == f.get("signed")):
                                P("%s: signed=%s but tools/sysreg kind is %s" % (what, f.get("signed"), sf.kind))
            # older versions: the shift must exist where the field is claimed exposed
            for v in versions:
                if v == LATEST:
                    continue
                k = ks[v]
                sd = k.sysregs.get(name)
                ok = None
                if sd is not None:
                    ok = any((x.lo, x.width) == (lo, width) for x in sd.fields.values())
                else:
                    shifts = {s for t, (reg, s, w) in k.fieldrefs.items() if reg == name}
                    ok = lo in shifts if shifts else None
                es = f.get("exposed_since")
                if ok is False and es not in (None, "never") and VERSION_RE.match(str(es)) and vkey(v) >= vkey(es):
                    P("%s: claimed exposed in %s but no field at bit %d in its sysreg definitions" % (what, v, lo))
            # cpufeature (6.12): signedness and safe type
            if LATEST in ks:
                k = ks[LATEST]
                e, exact = k.ftr_entry(name, lo, width)
                if e is None:
                    if f.get("safe") != "exact":
                        P("%s: no ftr_bits entry in %s cpufeature.c: safe must be exact" % (what, LATEST))
                    elif "ftr" not in src.lower() and "cpufeature" not in src.lower():
                        P("%s: safe exact without ftr_bits entry must say so in source" % what)
                else:
                    if exact and e["signed"] != f.get("signed"):
                        P("%s: signed=%s but cpufeature.c says %s" % (what, f.get("signed"), e["signed"]))
                    t = k.kvm_safe_override(name, lo) or e["type"]
                    want = SAFE_OF_TYPE.get(t)
                    if want is None:
                        P("%s: unknown ftr type %s" % (what, t))
                    elif f.get("safe") != want:
                        P("%s: safe=%s but %s (%s) says %s" % (what, f.get("safe"), LATEST, t, want))
            if f.get("safe") not in ("lower", "higher", "exact"):
                P("%s: safe must be lower|higher|exact" % what)
            exp = {v: field_exposed(ks[v], name, enc, lo, width)[0] for v in versions}
            wr = {v: field_writable(ks[v], name, enc, lo, width)[0] for v in versions}
            check_since(what, f.get("exposed_since"), exp, src, "exposed_since")
            check_since(what, f.get("hideable_since"), wr, src, "hideable_since")
            if explain and explain in (name, what):
                for v in versions:
                    out = out or sys.stdout
                    print("%s %s: exposed=%s (%s) writable=%s (%s)" % (
                        what, v, exp[v], field_exposed(ks[v], name, enc, lo, width)[1],
                        wr[v], field_writable(ks[v], name, enc, lo, width)[1]), file=out)
        # fields that tools/sysreg defines but the catalog leaves out are fine.

    # ---- firmware registers -------------------------------------------------
    # A register is exposed where the uapi header defines it and KVM lists it
    # in KVM_GET_REG_LIST (kvm_arm_copy_fw_reg_indices: 6.x hypercalls.c
    # kvm_arm_fw_reg_ids[], 5.10 psci.c put_user() calls). A bitmap *bit* is
    # exposed where the hypercall handler (kvm_hvc_call_handler, since 6.4
    # kvm_smccc_call_handler) handles its function IDs (the guest can
    # use it, with or without the bitmap register); it is hideable where the
    # uapi defines the bit and the register is writable.
    uapi = {v: _uapi_defines(ks[v].text.get("uapi_arm64")) for v in versions}
    fwlist = {v: fw_reg_list(ks[v]) for v in versions}
    for v in versions:
        lst, where, count = fwlist[v]
        if lst is not None and count is not None and count != len(lst):
            P("%s: kvm_arm_get_fw_num_regs returns %d but %s lists %d registers" % (v, count, where, len(lst)))
    handled = {v: hvc_handled(ks[v]) for v in versions}
    fwseen, bitseen = set(), set()
    for fw in cat.get("firmware_registers") or []:
        checked += 1
        name = fw.get("name")
        if name in fwseen:
            P("duplicate firmware register %s" % name)
        fwseen.add(name)
        src = fw.get("source", "") or ""
        present = {}
        for v in versions:
            val = _uapi_eval(uapi[v], name)
            if val is not None and val != fw.get("id"):
                P("%s: id %#x but %s uapi says %#x" % (name, fw.get("id") or 0, v, val))
            lst, where, _ = fwlist[v]
            if lst is None:
                present[v] = None if val is not None else False
                continue
            if (val is not None) != (name in lst):
                P("%s: %s uapi %s it but %s %s it" % (
                    name, v, "defines" if val is not None else "lacks", where,
                    "lists" if name in lst else "does not list"))
            present[v] = val is not None and name in lst
        check_since(name, fw.get("exposed_since"), present, src, "exposed_since")
        kind = fw.get("kind")
        if kind not in ("bitmap", "value"):
            P("%s: kind must be bitmap|value" % name)
        if kind == "bitmap":
            wrf = {}
            for v in versions:
                hc = strip_c_comments(ks[v].text.get("hypercalls") or "")
                setfn = function_body(hc, "kvm_arm_set_fw_reg_bmap")
                wrf[v] = bool(present[v] and setfn and re.search(r"\b%s\b" % re.escape(name), hc))
            check_since(name, fw.get("hideable_since"), wrf, src, "hideable_since")
            for b in fw.get("bits") or []:
                checked += 1
                bn = b.get("name")
                what = "%s.%s" % (name, bn)
                bsrc = b.get("source", "") or ""
                if bn in bitseen:
                    P("duplicate firmware bit name %s" % bn)
                bitseen.add(bn)
                m = FW_BIT_UAPI.get(bn)
                calls = FW_BIT_HVC.get(bn)
                if m is None or calls is None:
                    P("%s: unknown bit name (checker has no uapi/hypercall mapping)" % what)
                    continue
                if m[1] != name:
                    P("%s: %s belongs to %s" % (what, m[0], m[1]))
                bpres, bexp = {}, {}
                for v in versions:
                    val = _uapi_eval(uapi[v], m[0])
                    bpres[v] = val is not None
                    if val is not None and val != b.get("bit"):
                        P("%s: bit %s but %s uapi %s = %d" % (what, b.get("bit"), v, m[0], val))
                    h = handled[v]
                    bexp[v] = None if h is None else any(c in h for c in calls)
                    if bpres[v] and bexp[v] is False:
                        P("%s: %s uapi defines %s but the hypercall handler handles none of %s" % (
                            what, v, m[0], ", ".join(calls)))
                check_since(what, b.get("exposed_since"), bexp, bsrc, "exposed_since")
                bw = {v: bpres[v] and wrf[v] for v in versions}
                check_since(what, b.get("hideable_since"), bw, bsrc, "hideable_since")
    # every firmware register the newest kernel lists must be described: an
    # undescribed bitmap register would keep its default (all bits set)
    lst, where, _ = fwlist[versions[-1]]
    for r in sorted(lst or ()):
        if r not in fwseen:
            P("%s: listed by %s %s but not in the catalog" % (r, versions[-1], where))
    # ---- vcpu init features ----------------------------------------------
    kvmh = {v: _uapi_defines(ks[v].text.get("uapi_kvm")) for v in versions}
    vseen = set()
    for vf in cat.get("vcpu_init_features") or []:
        checked += 1
        name = vf.get("name")
        if name in vseen:
            P("duplicate vcpu_init feature %s" % name)
        vseen.add(name)
        m = VCPU_INIT_UAPI.get(name)
        if m is None:
            P("vcpu_init %s: unknown name" % name)
            continue
        pres = {}
        for v in versions:
            val = _uapi_eval(uapi[v], m[0])
            pres[v] = val is not None
            if val is not None and val != vf.get("bit"):
                P("vcpu_init %s: bit %s but %s says %s" % (name, vf.get("bit"), v, val))
        check_since("vcpu_init " + name, vf.get("exposed_since"), pres, vf.get("source", ""), "exposed_since")
        cap = vf.get("capability")
        if cap:
            capname = m[1]
            found = False
            for v in versions:
                val = _uapi_eval(kvmh[v], capname) if capname else None
                if val is not None:
                    found = True
                    if val != cap:
                        P("vcpu_init %s: capability %s but %s %s = %d" % (name, cap, v, capname, val))
            if not found:
                P("vcpu_init %s: capability %s (%s) not defined in any checked kvm.h" % (name, cap, capname))
        elif m[1]:
            for v in versions:
                if _uapi_eval(kvmh[v], m[1]) is not None:
                    P("vcpu_init %s: capability 0 but %s defines %s" % (name, v, m[1]))
                    break
    checked += check_feature_registers(cat, ks, versions, P, check_since)
    return checked, problems, versions


RESET_UNKNOWN = 0x1de7ec7edbadc0de  # sys_regs.h reset_unknown()


def reg_descs(k):
    """name -> (entry text with its macro's body, listed) of sys_reg_descs:
    SYS_DESC(SYS_X) entries and the MTE_REG/PMU_SYS_REG/EL2_REG* macros."""
    if hasattr(k, "_descs"):
        return k._descs
    k._descs = {}
    text = getattr(k, "sys_regs_text", None)
    if not text:
        return k._descs
    joined = re.sub(r"\\\n", " ", text)
    macros = {m.group(1): " ".join(m.group(2).split())
              for m in re.finditer(r"^\s*#define\s+(\w+)\([^)]*\)\s*(.*)$", joined, re.M)}
    body = array_body(text, "sys_reg_descs") or ""
    for ent in split_top(body):
        ent = " ".join(ent.split())
        m = re.fullmatch(r"PTRAUTH_KEY\(\s*(\w+)\s*\)", ent)
        if m:  # two __PTRAUTH_KEY entries, KEYLO and KEYHI, each listed
            for half in ("KEYLO_EL1", "KEYHI_EL1"):
                k._descs[m.group(1) + half] = (ent + " " + macros.get("__PTRAUTH_KEY", ""), True)
            continue
        m = re.search(r"\b(MTE_REG|PMU_SYS_REG|EL2_REG\w*)\(\s*(?:SYS_)?(\w+)", ent)
        full = ent
        if m:
            name = m.group(2)
            full = ent + " " + macros.get(m.group(1), "")
        else:
            m = re.search(r"SYS_DESC\(\s*SYS_(\w+)\s*\)", ent)
            if not m:
                continue
            name = m.group(1)
        listed = bool(re.search(r"\.reg\s*=|\.get_user\s*=", full) or
                      re.search(r"SYS_DESC\(\s*SYS_\w+\s*\)\s*,\s*\w+\s*,\s*reset_\w+\s*,\s*\w+", ent))
        if name not in k._descs or listed:
            k._descs[name] = (full, listed)
    return k._descs


def check_feature_registers(cat, ks, versions, P, check_since):
    """feature_registers: encodings against sysreg/sysreg.h, exposed_since
    against which kernels' sys_regs.c list the register, the visibility
    function and reset value the source names against the newest entry,
    and gates that name a catalogued field or vCPU feature."""
    fields = {"%s.%s" % (r.get("name"), f.get("name"))
              for r in cat.get("id_registers") or [] for f in r.get("fields") or []}
    vcpus = {v.get("name") for v in cat.get("vcpu_init_features") or []}
    allowed = {"name", "encoding", "id", "mask", "members", "feature", "gate", "reset",
               "reset_mask", "counter", "exposed_since", "source"}
    newest = versions[-1]
    seen = set()
    checked = 0
    for e in cat.get("feature_registers") or []:
        checked += 1
        name, src = e.get("name"), e.get("source") or ""
        what = "feature register %s" % name
        for key in e:
            if key not in allowed:
                P("%s: unknown key %r" % (what, key))
        if name in seen:
            P("duplicate feature register %s" % name)
        seen.add(name)
        for key in ("feature", "gate", "source", "exposed_since"):
            if not e.get(key):
                P("%s: missing %s" % (what, key))
        gate = e.get("gate") or ""
        if gate != "none" and gate not in fields and not (
                gate.startswith("vcpu ") and gate[5:] in vcpus):
            P("%s: gate %r is not none, a catalogued REG.FIELD or 'vcpu FEATURE'" % (what, gate))
        members = list(e.get("members") or [])
        if "encoding" in e:
            enc = tuple(e["encoding"])
            members = [name]
            got = next((ks[v].encoding(name) for v in reversed(versions) if ks[v].encoding(name)), None)
            if got is None:
                P("%s: no checked sysreg or sysreg.h defines it" % what)
            elif tuple(got) != enc:
                P("%s: encoding %s but sysreg says %s" % (what, list(enc), list(got)))
        elif "id" in e:
            match, mask = int(str(e["id"]), 0), int(str(e.get("mask", "0xffffffffffffffff")), 0)
            for mname in members:
                got = next((ks[v].encoding(mname) for v in reversed(versions) if ks[v].encoding(mname)), None)
                if got is None:
                    P("%s: member %s: no checked sysreg or sysreg.h defines it" % (what, mname))
                    continue
                op0, op1, crn, crm, op2 = got
                rid = 0x6030000000130000 | op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2
                if rid & mask != match:
                    P("%s: member %s %s is outside id/mask" % (what, mname, list(got)))
        if not members or "not machine-checked" in src:
            continue  # a class without system registers (SVE's), or listed outside sys_regs.c
        flags = {v: any(reg_descs(ks[v]).get(m, ("", False))[1] for m in members)
                 for v in versions}
        check_since(what, e.get("exposed_since"), flags, src, "exposed_since")
        text = " ".join(reg_descs(ks[newest]).get(m, ("", False))[0] for m in members)
        if not flags[newest]:
            continue
        for vis in re.findall(r"\.visibility = (\w+)", src):
            if vis not in text:
                P("%s: source names %s, but %s's entry has no such visibility" % (what, vis, newest))
        if "without visibility" in src and ".visibility" in text:
            P("%s: source says 'without visibility', %s's entry has one" % (what, newest))
        if "reset" in e and len(members) == 1:
            want = int(str(e["reset"]), 0)
            if "reset_unknown" in text:
                if want != RESET_UNKNOWN:
                    P("%s: %s resets it with reset_unknown (0x%x), catalog says 0x%x" % (
                        what, newest, RESET_UNKNOWN, want))
            else:
                m = re.search(r"reset_val\s*,\s*\w+\s*,\s*([^,}]+)", text)
                val = ks[newest].expr.eval(m.group(1).strip()) if m else None
                if isinstance(val, int) and val != want:
                    P("%s: %s resets it to 0x%x, catalog says 0x%x" % (what, newest, val, want))
                elif not isinstance(val, int):
                    P("%s: cannot read %s's reset value (%s)" % (
                        what, newest, m.group(1) if m else "no reset_val"))
    return checked


def main(argv):
    import argparse
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.path.join(here, "..", ".cache", "kernel-src"))
    ap.add_argument("--catalog", default=default_catalog())
    ap.add_argument("--explain", help="print the derivation for REG or REG.FIELD")
    a = ap.parse_args(argv)
    versions = find_versions(a.src)
    if not versions:
        print("SKIP: no kernel sources in %s (run scripts/fetch-kernel-sources)" % a.src)
        return 77
    n, problems, seen = _check_arm64(a.src, a.catalog, explain=a.explain)
    for p in problems:
        print(p)
    print("check-catalog: arm64: %d entries checked against %s, %d problems" % (
        n, " ".join(seen), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
