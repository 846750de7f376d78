#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks of `kfpc compile --format firecracker|qemu|libvirt` and
`kfpc import-firecracker` (docs/vmm-formats.md).

    vmm_check.py KFPC WORKDIR roundtrip CASE...
        CASE is POLICY:FLEET[:FINGERPRINT...] (fingerprints joined by ','):
        the Firecracker template of the fleet (compiled against host
        profiles made from the fingerprints, if any) imported back must
        give a policy that passes `kfpc check` and `kfpc fmt --check` and
        whose template is byte-for-byte the same.
    vmm_check.py KFPC WORKDIR effective TEMPLATE FINGERPRINT EXPECTED
        Import TEMPLATE, export the policy against the host profile of
        FINGERPRINT, and compare the effective bits of both templates on
        that host, over the registers TEMPLATE modifies.  Every differing
        bit is printed with its name; the set must be the one EXPECTED
        documents (one "KEY  # why" per line).
    vmm_check.py KFPC WORKDIR qemu CASE...
        CASE is POLICY:FLEET:start|expand.  QEMU must accept the emitted
        -cpu (start: it must start with -accel tcg and enforce; expand: TCG
        may lack features, then only the model expansion is checked), and
        query-cpu-model-expansion must show every '=on' true, every '=off'
        false and no other CPUID flag true except 'hypervisor'.  QEMU takes
        Hyper-V's hv-* properties only with KVM: their names must be in its
        CPU's property list, and TCG starts without them.
    vmm_check.py KFPC WORKDIR libvirt CASE...
        CASE is POLICY:FLEET.  The <cpu> in a minimal domain must pass
        `virt-xml-validate FILE domain`, and its model and feature names
        must be in libvirt's cpu_map.
    vmm_check.py KFPC WORKDIR cli POLICYDIR
        Usage errors of the new options.

Exit status 0 pass, 1 fail, 77 skip (with "SKIP: reason").
"""
import json
import os
import re
import shutil
import subprocess
import sys

KFPC = None
WORK = None
FAILS = []


def fail(msg):
    print("FAIL: " + msg)
    FAILS.append(msg)


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(77)


def run(args, ok=(0,), **kw):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if p.returncode not in ok:
        fail("%s exited %d\n%s%s" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return p


def kfpc(*args, ok=(0,)):
    return run([KFPC] + list(args), ok=ok)


def tag(s):
    return re.sub(r"[^A-Za-z0-9_.-]", "_", s)


def hosts_dir(fingerprints, name):
    """A directory of host profiles imported from fingerprints."""
    d = os.path.join(WORK, "hosts-" + name)
    os.makedirs(d, exist_ok=True)
    for fp in fingerprints:
        out = os.path.join(d, tag(os.path.basename(fp)) + ".yaml")
        kfpc("import-fingerprint", fp, "-o", out)
    return d


def min_kernel(policy, fleet, hosts):
    args = ["dump", policy, "--fleet", fleet] + (["--hosts", hosts] if hosts else [])
    m = re.search(r"min_kernel ([0-9.]+),", kfpc(*args).stdout)
    return m.group(1)


# ---- bitmaps ----

def parse_bitmap(s, width):
    """(filter, value) of a Firecracker bitmap string."""
    s = s[2:] if s.startswith("0b") else s
    s = s.replace("_", "")
    f = v = 0
    for i, c in enumerate(reversed(s)):
        if c == "x":
            continue
        f |= 1 << i
        if c == "1":
            v |= 1 << i
    return f, v


def apply(fv, host):
    f, v = fv
    return (host & ~f) | v


def template_regs(t):
    """{key: (filter, value)}; keys ('cpuid', leaf, sub, reg), ('msr', addr),
    ('reg', addr), ('vcpu', index).  Later modifiers win, as in
    Firecracker."""
    out = {}

    def merge(k, fv):
        if k in out:
            f0, v0 = out[k]
            f, v = fv
            fv = (f0 | f, (v0 & ~f) | v)
        out[k] = fv

    for m in t.get("cpuid_modifiers", []):
        for r in m["modifiers"]:
            merge(("cpuid", int(m["leaf"], 0), int(m["subleaf"], 0), r["register"]),
                  parse_bitmap(r["bitmap"], 32))
    for m in t.get("msr_modifiers", []):
        merge(("msr", int(m["addr"], 0)), parse_bitmap(m["bitmap"], 64))
    for m in t.get("reg_modifiers", []):
        merge(("reg", int(m["addr"], 0)), parse_bitmap(m["bitmap"], 128))
    for m in t.get("vcpu_features", []):
        merge(("vcpu", m["index"]), parse_bitmap(m["bitmap"], 32))
    return out


# ---- catalog names, from `kfpc catalog --format yaml` ----

def yaml_entries(text):
    """The entries of `kfpc catalog --format yaml` (the catalog files'
    format): (section, depth, dict), where depth 0 is a top-level entry and
    1 a nested one (MSR bits, ID-register fields, firmware bitmap bits)."""
    sec, out, cur = None, [], None
    for line in text.splitlines():
        m = re.match(r"^(\w+):$", line)
        if m:
            sec = m.group(1)
            continue
        m = re.match(r"^( *)- (\w+): (.*)$", line)
        if m:
            cur = {m.group(2): m.group(3).strip('"')}
            out.append((sec, 0 if len(m.group(1)) == 2 else 1, cur))
            continue
        m = re.match(r"^ +(\w+): (.*)$", line)
        if m and cur is not None:
            cur[m.group(1)] = m.group(2).strip('"')
    return out


def catalog_names():
    """{position: name} for CPUID bits, MSR bits and arm64 register bits."""
    names = {}
    parent = None
    for sec, depth, e in yaml_entries(kfpc("catalog", "--arch", "x86_64", "--format",
                                           "yaml").stdout):
        if sec == "cpuid_features":
            names[("cpuid", int(e["leaf"], 0), int(e["subleaf"], 0), e["reg"],
                   int(e["bit"]))] = e["name"]
        elif sec == "kvm_features":
            names[("cpuid", 0x40000001, 0, "eax", int(e["bit"]))] = "kvm " + e["name"]
        elif sec == "xsave_components":
            b, sub = int(e["bit"]), 1 if e["register"] == "xss" else 0
            reg = ("ecx" if sub else "eax") if b < 32 else "edx"
            names[("cpuid", 0xd, sub, reg, b % 32)] = "xsave " + e["name"]
        elif sec == "vmx_controls":
            names[("msr", int(e["msr"], 0), int(e["bit"]))] = "vmx " + e["name"]
        elif sec == "msrs" and depth == 0:
            parent = e
        elif sec == "msrs":
            names[("msr", int(parent["index"], 0), int(e["bit"]))] = e["name"]
    for sec, depth, e in yaml_entries(kfpc("catalog", "--arch", "arm64", "--format",
                                           "yaml").stdout):
        if depth == 0:
            parent = e
            if "encoding" in e:
                # KVM's ONE_REG id of the register (kfp_arm64_sysreg_id)
                op0, op1, crn, crm, op2 = (int(x) for x in e["encoding"].strip("[]").split(","))
                e["id"] = hex(0x6030000000130000 | op0 << 14 | op1 << 11 | crn << 7 |
                              crm << 3 | op2)
        elif sec == "id_registers" and "shift" in e:
            for b in range(int(e["shift"]), int(e["shift"]) + int(e["width"])):
                names[("reg", int(parent["id"], 0), b)] = "%s.%s" % (parent["name"], e["name"])
        elif sec == "firmware_registers":
            names[("reg", int(parent["id"], 0), int(e["bit"]))] = "%s %s" % (parent["name"],
                                                                             e["name"])
    return names


# ---- roundtrip ----

CTR_EL0 = 0x603000000013D801


def cmd_roundtrip(cases):
    for case in cases:
        parts = case.split(":")
        policy, fleet = parts[0], parts[1]
        fps = [f for f in parts[2].split(",") if f] if len(parts) > 2 else []
        name = tag("%s-%s" % (os.path.basename(policy), fleet))
        missing = [f for f in fps if not os.path.exists(f)]
        if missing:
            fail("case %s: fleet data missing: %s" % (name, ", ".join(missing)))
        hosts = hosts_dir(fps, name) if fps else None
        hargs = ["--hosts", hosts] if hosts else []
        a = os.path.join(WORK, name + ".a.json")
        b = os.path.join(WORK, name + ".b.json")
        p = os.path.join(WORK, name + ".kfp")
        if kfpc("compile", policy, "--fleet", fleet, "--format", "firecracker", "-o", a,
                *hargs).returncode:
            continue
        tpl = json.load(open(a))  # well-formed
        # CTR_EL0 bit 31 is RES1 and always reads 1: a template that
        # forces it to 0 makes the write fail.
        for m in tpl.get("reg_modifiers", []):
            if int(m["addr"], 16) == CTR_EL0 and m["bitmap"][2:][-32] == "0":
                fail("%s: CTR_EL0 bit 31 (RES1) is forced to 0" % name)
        a2 = a + ".again"
        kfpc("compile", policy, "--fleet", fleet, "--format", "firecracker", "-o", a2, *hargs)
        if open(a).read() != open(a2).read():
            fail("%s: two compilations give different templates" % name)
        mk = min_kernel(policy, fleet, hosts)
        if kfpc("import-firecracker", a, "-o", p, "--name", name, "--min-kernel",
                mk).returncode:
            continue
        kfpc("check", p, *hargs)
        kfpc("fmt", "--check", p)
        if kfpc("compile", p, "--format", "firecracker", "-o", b, *hargs).returncode:
            continue
        if open(a).read() != open(b).read():
            fail("%s: export(import(export)) differs from export:\n%s" % (
                name, run(["diff", "-u", a, b], ok=(0, 1)).stdout))
        else:
            print("ok roundtrip %s (min_kernel %s%s)" % (name, mk, ", hosts" if hosts else ""))


# ---- effective bits ----

def fingerprint_values(fp):
    g = json.load(open(fp))["guest_cpu_config"]
    vals = {}
    for m in g.get("cpuid_modifiers", []):
        for r in m["modifiers"]:
            vals[("cpuid", int(m["leaf"], 0), int(m["subleaf"], 0), r["register"])] = \
                parse_bitmap(r["bitmap"], 32)[1]
    for m in g.get("msr_modifiers", []):
        vals[("msr", int(m["addr"], 0))] = parse_bitmap(m["bitmap"], 64)[1]
    for m in g.get("reg_modifiers", []):
        vals[("reg", int(m["addr"], 0))] = parse_bitmap(m["bitmap"], 128)[1]
    return vals


def key_text(k, bit):
    if k[0] == "cpuid":
        return "cpuid 0x%x.%d %s bit %d" % (k[1], k[2], k[3], bit)
    if k[0] == "msr":
        return "msr 0x%x bit %d" % (k[1], bit)
    if k[0] == "reg":
        return "reg 0x%x bit %d" % (k[1], bit)
    return "vcpu %d bit %d" % (k[1], bit)


def bit_name(names, k, bit):
    if k[0] == "cpuid":
        return names.get(("cpuid", k[1], k[2], k[3], bit), "(no catalog name)")
    if k[0] in ("msr", "reg"):
        return names.get((k[0], k[1], bit), "(no catalog name)")
    return "(vcpu feature)"


def cmd_effective(template, fingerprint, expected):
    if not os.path.exists(template) or not os.path.exists(fingerprint):
        fail("Firecracker fleet data missing: %s, %s" % (template, fingerprint))
    name = tag(os.path.basename(template))
    hosts = hosts_dir([fingerprint], name)
    pol = os.path.join(WORK, name + ".kfp")
    exp = os.path.join(WORK, name + ".export.json")
    p = kfpc("import-firecracker", template, "-o", pol)
    sys.stdout.write(p.stderr)
    if p.returncode:
        return
    kfpc("check", pol)
    kfpc("fmt", "--check", pol)
    if kfpc("compile", pol, "--hosts", hosts, "--format", "firecracker", "-o", exp).returncode:
        return
    orig = template_regs(json.load(open(template)))
    ours = template_regs(json.load(open(exp)))
    host = fingerprint_values(fingerprint)
    names = catalog_names()

    # Firecracker refuses a template that modifies a leaf, MSR or register
    # the host does not have.
    for k in ours:
        if k[0] != "vcpu" and k not in host and not (k[0] == "msr"):
            fail("the exported template modifies %s, which the host does not have" % (k,))

    got, order = {}, []
    for k, fv in sorted(orig.items(), key=str):
        if k[0] == "vcpu":
            # Applied to Firecracker's default kvm_vcpu_init (psci_0_2).
            h = 1 << 2 if k[1] == 0 else 0
        elif k not in host:
            fail("the host has no %s, which the original template modifies" % (k,))
            continue
        else:
            h = host[k]
        a = apply(fv, h)
        b = apply(ours[k], h) if k in ours else h
        width = 32 if k[0] in ("cpuid", "vcpu") else 64 if k[0] == "msr" else 128
        for bit in range(width):
            if (a ^ b) >> bit & 1:
                order.append(key_text(k, bit))
                got[key_text(k, bit)] = "%s: template %d, export %d" % (
                    bit_name(names, k, bit), a >> bit & 1, b >> bit & 1)
    want = {}
    for line in open(expected):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        key, _, why = line.partition("  #")
        want[key.strip()] = why.strip()
    print("registers compared: %d; differing bits: %d (documented: %d)" % (
        len(orig), len(got), len(want)))
    for k in order:
        mark = "documented" if k in want else "UNEXPECTED"
        print("  %-36s %-40s %s%s" % (k, got[k], mark, (": " + want[k]) if k in want else ""))
    for k in sorted(set(got) - set(want)):
        fail("undocumented difference: %s (%s)" % (k, got[k]))
    for k in sorted(set(want) - set(got)):
        fail("documented difference no longer there (update %s): %s" % (expected, k))


# ---- QEMU ----

# QEMU 7.2 property aliases (x86_cpu_initfn) and the '_' spellings.
QEMU_ALIASES = {"sse3": "pni", "pclmuldq": "pclmulqdq", "sse4-1": "sse4.1", "sse4-2": "sse4.2",
                "sse4_1": "sse4.1", "sse4_2": "sse4.2", "xd": "nx", "ffxsr": "fxsr-opt",
                "i64": "lm"}


def qemu_flags():
    out = run(["qemu-system-x86_64", "-cpu", "help"]).stdout
    flags = out.split("Recognized CPUID flags:", 1)[1].split()
    return set(flags)


def qemu_cpu_props():
    out = run(["qemu-system-x86_64", "-device", "qemu64-x86_64-cpu,help"]).stdout
    return set(re.findall(r"^\s*([\w.-]+)=", out, re.M))


def canon(name, flags):
    if name in QEMU_ALIASES:
        return QEMU_ALIASES[name]
    if name in flags:
        return name
    alt = name.replace("_", "-")
    return alt if alt in flags else None


class Qmp:
    def __init__(self, cpu):
        self.p = subprocess.Popen(
            ["qemu-system-x86_64", "-accel", "tcg", "-cpu", cpu, "-S", "-display", "none",
             "-nodefaults", "-qmp", "stdio"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # QEMU greets before it creates the CPUs: it is up only once it
        # answers a command.
        self.up = self.read() is not None and self.cmd("qmp_capabilities") is not None

    def read(self):
        while True:
            line = self.p.stdout.readline()
            if not line:
                return None
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def cmd(self, name, **args):
        self.p.stdin.write(json.dumps({"execute": name, "arguments": args} if args
                                      else {"execute": name}) + "\n")
        self.p.stdin.flush()
        return self.read()

    def close(self):
        if self.p.poll() is None:
            try:
                self.cmd("quit")
            except (BrokenPipeError, ValueError):
                pass
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        return self.p.stderr.read()


def cmd_qemu(cases):
    if not shutil.which("qemu-system-x86_64"):
        skip("qemu-system-x86_64 not installed (Debian package qemu-system-x86)")
    flags = qemu_flags()
    cpu_props = qemu_cpu_props()
    for case in cases:
        policy, fleet, mode = case.split(":")
        name = tag("%s-%s" % (os.path.basename(policy), fleet))
        out = os.path.join(WORK, name + ".qemu")
        if kfpc("compile", policy, "--fleet", fleet, "--format", "qemu", "-o", out).returncode:
            continue
        kfpc("compile", policy, "--fleet", fleet, "--format", "qemu", "-o", out + ".again")
        if open(out).read() != open(out + ".again").read():
            fail("%s: two compilations give different -cpu arguments" % name)
        cpu = open(out).read().strip()
        parts = cpu.split(",")
        model, props, enforce, hv = parts[0], {}, False, []
        for p in parts[1:]:
            if p == "enforce":
                enforce = True
                continue
            k, _, v = p.partition("=")
            if v not in ("on", "off"):
                fail("%s: '%s' is not NAME=on|off" % (name, p))
            if k.startswith("hv-"):
                hv.append(p)
                if k not in cpu_props:
                    fail("%s: QEMU's CPU has no property '%s'" % (name, k))
                continue
            props[k] = v == "on"
            if k not in flags:
                fail("%s: QEMU has no CPUID flag '%s'" % (name, k))
        if not enforce or parts[-1] != "enforce":
            fail("%s: the -cpu argument does not end with 'enforce'" % name)
        if hv:
            print("NOTE: %s: %d Hyper-V properties, all in QEMU's property list; TCG starts without them"
                  % (name, len(hv)))
            cpu = ",".join(p for p in parts if p not in hv)
        q = Qmp(cpu)
        started = q.up
        if not q.up:
            err = q.close()
            lines = [l for l in err.splitlines() if l.strip()]
            tcg = [l for l in lines if "TCG doesn't support requested feature" in l]
            if mode == "start" or len(tcg) != len(lines):
                fail("%s: QEMU did not start with -cpu %s:\n%s" % (name, cpu, err))
                continue
            lacking = sorted(set(re.sub(r".*\.([\w.-]+) \[bit.*", r"\1", l) for l in tcg
                                 if "[bit" in l))
            print("NOTE: %s: TCG lacks %s; checking the model expansion only" % (
                name, " ".join(lacking)))
            q = Qmp(model)
            if not q.up:
                fail("%s: QEMU did not start with -cpu %s:\n%s" % (name, model, q.close()))
                continue
        r = q.cmd("query-cpu-model-expansion", type="full",
                  model={"name": model, "props": props})
        q.close()
        if not r or "return" not in r:
            fail("%s: query-cpu-model-expansion failed: %s" % (name, r))
            continue
        got = r["return"]["model"]["props"]
        bad = 0
        # TCG has no KVM paravirtual leaf: its expansion shows those
        # features off whatever is asked.
        pv = sorted(k for k, v in props.items() if v and k.startswith("kvm") and not got.get(k))
        if pv:
            print("NOTE: %s: TCG shows no KVM paravirtual features; not checked: %s" % (
                name, " ".join(pv)))
        for k, v in props.items():
            if k in pv:
                continue
            if got.get(k) is not v:
                fail("%s: %s=%s asked, expansion has %s" % (name, k, "on" if v else "off",
                                                             got.get(k)))
                bad += 1
        on = set(canon(k, flags) for k, v in props.items() if v)
        for k, v in got.items():
            c = canon(k, flags)
            if v is True and c and c not in on and c != "hypervisor":
                fail("%s: the expansion turns on '%s', which the policy does not expose" % (
                    name, k))
                bad += 1
        if not bad:
            print("ok qemu %s: %d features on, %d off, QEMU %s" % (
                name, sum(props.values()), len(props) - sum(props.values()),
                "started with enforce" if started else "expanded"))


# ---- libvirt ----

CPU_MAP = "/usr/share/libvirt/cpu_map"
DOMAIN = """<domain type='kvm'>
  <name>kfp-vmm-check</name>
  <memory unit='MiB'>128</memory>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
%s</domain>
"""


def cmd_libvirt(cases):
    if not shutil.which("virt-xml-validate"):
        skip("virt-xml-validate not installed (Debian package libvirt-clients)")
    if not os.path.exists(os.path.join(CPU_MAP, "x86_features.xml")):
        skip("libvirt's cpu_map not installed (Debian package libvirt0)")
    features = set(re.findall(r"<feature name='([^']+)'",
                              open(os.path.join(CPU_MAP, "x86_features.xml")).read()))
    for case in cases:
        policy, fleet = case.split(":")
        name = tag("%s-%s" % (os.path.basename(policy), fleet))
        out = os.path.join(WORK, name + ".cpu.xml")
        if kfpc("compile", policy, "--fleet", fleet, "--format", "libvirt", "-o", out).returncode:
            continue
        kfpc("compile", policy, "--fleet", fleet, "--format", "libvirt", "-o", out + ".again")
        if open(out).read() != open(out + ".again").read():
            fail("%s: two compilations give different <cpu> elements" % name)
        cpu = open(out).read()
        dom = os.path.join(WORK, name + ".domain.xml")
        with open(dom, "w") as f:
            f.write(DOMAIN % "".join("  " + l + "\n" for l in cpu.splitlines()))
        p = run(["virt-xml-validate", dom, "domain"], ok=(0, 1, 2, 3, 4))
        if p.returncode:
            fail("%s: virt-xml-validate rejects it:\n%s%s" % (name, p.stdout, p.stderr))
            continue
        model = re.search(r"<model fallback='forbid'>([^<]+)</model>", cpu).group(1)
        if not os.path.exists(os.path.join(CPU_MAP, "x86_%s.xml" % model)):
            fail("%s: libvirt has no CPU model %s" % (name, model))
        names = re.findall(r"<feature policy='(\w+)' name='([^']+)'/>", cpu)
        for pol, n in names:
            if n not in features:
                fail("%s: libvirt has no feature '%s'" % (name, n))
            if pol not in ("require", "disable"):
                fail("%s: unexpected policy '%s'" % (name, pol))
        hv = re.findall(r"<(\w+) state='(on|off)'", cpu)
        print("ok libvirt %s: valid, %d features%s" % (
            name, len(names), ", %d Hyper-V elements" % len(hv) if hv else ""))


# ---- usage errors ----

def cmd_cli(examples):
    web = os.path.join(examples, "web.kfp")
    out = os.path.join(WORK, "cli.out")

    def expect(args, status, text):
        p = kfpc(*args, ok=(status,))
        if text not in p.stderr:
            fail("kfpc %s: expected '%s' in:\n%s" % (" ".join(args), text, p.stderr))
        elif p.returncode == status:
            print("ok cli: kfpc %s" % " ".join(args))

    expect(["compile", web, "--format", "firecracker", "-o", out], 1,
           "has 2 fleets the firecracker format can describe: choose one with --fleet")
    expect(["compile", web, "--format", "qemu", "--fleet", "prod-arm", "-o", out], 1,
           "the qemu format describes x86_64 CPUs only, and this fleet is arm64")
    expect(["compile", os.path.join(examples, "arm64-aes-hidden.kfp"), "--format", "libvirt",
            "-o", out], 1, "has no x86_64 fleet")
    hyperv = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hyperv-x86.kfp")
    expect(["compile", hyperv, "--format", "firecracker", "-o", out], 1,
           "Firecracker has no Hyper-V enlightenments (its templates cannot hold the Hyper-V "
           "leaves or KVM's Hyper-V capabilities), and the policy exposes: hv-relaxed hv-vapic "
           "hv-time hv-reset hv-vpindex hv-runtime hv-synic hv-stimer hv-stimer-direct "
           "hv-frequencies hv-reenlightenment hv-tlbflush hv-ipi hv-avic hv-xmm-input")
    expect(["compile", web, "--format", "vmware", "-o", out], 2,
           "--format is c, firecracker, qemu or libvirt")
    expect(["compile", web, "--format", "qemu", "--header", "x.h", "-o", out], 2,
           "--header is only for --format c")
    expect(["compile", web, "--format", "qemu"], 2, "needs -o OUT")
    expect(["compile", web, "-o", out], 2, "compile needs -o OUT.c and --header OUT.h")
    bad = os.path.join(WORK, "bad.json")
    with open(bad, "w") as f:
        f.write('{"cpuid_modifiers": [{"leaf": "0x1", "subleaf": "0x0", "flags": 0,\n'
                ' "modifiers": [{"register": "eex", "bitmap": "0b1"}]}]}\n')
    expect(["import-firecracker", bad, "-o", out], 1,
           'bad.json:2:29: error: register must be "eax", "ebx", "ecx" or "edx"')
    with open(bad, "w") as f:
        f.write('{"reg_modifiers": [], "cpuid_modifiers": []}\n')
    expect(["import-firecracker", bad, "-o", out], 1, "mixes x86_64 members")
    with open(bad, "w") as f:
        f.write('{"cpuid_modifiers": [], "extra": 1}\n')
    expect(["import-firecracker", bad, "-o", out], 1, 'unknown member "extra"')
    with open(bad, "w") as f:
        f.write('{"msr_modifiers": [{"addr": "0x10a", "bitmap": "0b2"}]}\n')
    expect(["import-firecracker", bad, "-o", out], 1, "has the character '2'")
    with open(bad, "w") as f:
        f.write('{"msr_modifiers": [ }\n')
    expect(["import-firecracker", bad, "-o", out], 1, "bad.json:1:21:")
    expect(["import-firecracker", bad, "-o", out, "--min-kernel", "six"], 2,
           "--min-kernel needs a version such as 6.1, not 'six'")
    expect(["import-firecracker", os.path.join(WORK, "missing.json"), "-o", out], 2,
           "cannot read")


def main():
    global KFPC, WORK
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    KFPC, WORK, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    args = sys.argv[4:]
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    if mode == "roundtrip":
        cmd_roundtrip(args)
    elif mode == "effective":
        cmd_effective(*args)
    elif mode == "qemu":
        cmd_qemu(args)
    elif mode == "libvirt":
        cmd_libvirt(args)
    elif mode == "cli":
        cmd_cli(*args)
    else:
        print("unknown mode " + mode)
        sys.exit(2)
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        sys.exit(1)


if __name__ == "__main__":
    main()
