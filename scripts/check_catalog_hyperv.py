# SPDX-License-Identifier: Apache-2.0
"""Hyper-V half of scripts/check-catalog (x86_64.yaml: hyperv, hyperv_features,
evmcs_filters), imported by it.

Checks, for every kernel version in the sources:
  - hyperv_features: each bit's `define` is BIT(n) in hyperv-tlfs.h (the
    generic or the x86 header) with n equal to `bit`; KVM's
    KVM_GET_SUPPORTED_HV_CPUID (hyperv.c kvm_get_hv_cpuid, 5.10:
    kvm_vcpu_ioctl_get_hv_cpuid) sets it in the leaf and register the entry
    names (`ent->REG |= DEFINE` under `case HYPERV_CPUID_...:`), in exactly
    the versions at or after exposed_since; requires names entries;
  - every feature-register bit KVM reports is either catalogued or hidden by
    default deny as no enlightenment's (listed with -v);
  - hyperv.enforce_cpuid_since: KVM_CAP_HYPERV_ENFORCE_CPUID is in
    include/uapi/linux/kvm.h exactly from that version;
  - evmcs_filters: the VMX controls KVM hides from an eVMCS L1, computed
    from vmx/evmcs.h EVMCS1_UNSUPPORTED_* (until 6.2) or
    vmx/hyperv_evmcs.h EVMCS1_SUPPORTED_* (from 6.5; vmx/hyperv.h between),
    plus the controls the filter code removes conditionally
    (`unsupported_ctrls |= X`, `&= ~X`), equal [filtered_since,
    filtered_until) for every catalogued VMX control of those MSRs.
"""
import re

LEAVES = {
    "HYPERV_CPUID_FEATURES": 0x40000003,
    "HYPERV_CPUID_ENLIGHTMENT_INFO": 0x40000004,
    "HYPERV_CPUID_NESTED_FEATURES": 0x4000000A,
}
TLFS = ("include/asm-generic/hyperv-tlfs.h", "arch/x86/include/asm/hyperv-tlfs.h")
HV_KEYS = ({"name", "bits", "exposed_since", "source"}, {"aliases", "requires"})
BIT_KEYS = {"leaf", "reg", "bit", "define"}
FILTER_KEYS = {"control", "filtered_since", "filtered_until", "source"}
# Control-MSR macro prefix -> the EVMCS1_{UN,}SUPPORTED_* suffix.
GROUPS = (
    ("PIN_BASED_", "PINCTRL"),
    ("CPU_BASED_", "EXEC_CTRL"),
    ("SECONDARY_EXEC_", "2NDEXEC"),
    ("VM_EXIT_", "VMEXIT_CTRL"),
    ("VM_ENTRY_", "VMENTRY_CTRL"),
    ("VMX_VMFUNC_", "VMFUNC"),
)


def _macro_body(text, name):
    m = re.search(r"#define\s+%s\b(.*?)(?<!\\)\n" % re.escape(name), text, re.S)
    return m.group(1) if m else None


def hv_defines(kernel):
    out = {}
    for rel in TLFS:
        t = kernel.text(rel) or ""
        for m in re.finditer(r"#define\s+(HV_\w+)\s+BIT(?:_ULL)?\((\d+)\)", t):
            out.setdefault(m.group(1), int(m.group(2)))
    return out


def hv_cpuid_bits(kernel):
    """{(leaf, reg, define)} that KVM_GET_SUPPORTED_HV_CPUID sets."""
    code = kernel.code("arch/x86/kvm/hyperv.c") or ""
    m = re.search(r"int kvm_(?:vcpu_ioctl_)?get_hv_cpuid\(.*?\n}\n", code, re.S)
    body = m.group(0) if m else ""
    found, leaf = set(), None
    for line in body.split("\n"):
        c = re.search(r"case\s+(HYPERV_CPUID_\w+)\s*:", line)
        if c:
            leaf = LEAVES.get(c.group(1))
            continue
        a = re.search(r"ent->(e[abcd]x)\s*\|=\s*(HV_\w+)", line)
        if a and leaf:
            found.add((leaf, a.group(1), a.group(2)))
    return found


def _tokens(text):
    return set(re.findall(r"\b[A-Z][A-Z0-9_]{3,}\b", text or ""))


def evmcs_filtered(kernel, controls):
    """The catalogued control names eVMCS filters on this kernel."""
    unsup = kernel.text("arch/x86/kvm/vmx/evmcs.h")
    sup = kernel.text("arch/x86/kvm/vmx/hyperv_evmcs.h") or kernel.text("arch/x86/kvm/vmx/hyperv.h")
    code = (kernel.code("arch/x86/kvm/vmx/evmcs.c") or "") + (kernel.code("arch/x86/kvm/vmx/hyperv.c") or "")
    conditional = set(re.findall(r"unsupported_ctrls\s*\|=\s*(\w+)", code))
    conditional |= set(re.findall(r"supported_ctrls\s*&=\s*~\(?(\w+)", code))
    out = set()
    for name, macros in controls.items():
        group = next((g for p, g in GROUPS if any(x.startswith(p) for x in macros)), None)
        if group is None:
            continue
        if macros & conditional:
            out.add(name)
        elif unsup is not None and "EVMCS1_UNSUPPORTED_" in unsup:
            if macros & _tokens(_macro_body(unsup, "EVMCS1_UNSUPPORTED_" + group)):
                out.add(name)
        elif sup is not None and "EVMCS1_SUPPORTED_" in sup:
            if not macros & _tokens(_macro_body(sup, "EVMCS1_SUPPORTED_" + group)):
                out.add(name)
    return out


def check_hyperv(data, kernels, rep, version_key, verbose=False):
    """Returns the number of entries checked; problems go to rep."""
    versions = [k.version for k in kernels]
    top, feats, filters = data.get("hyperv"), data.get("hyperv_features") or [], data.get("evmcs_filters") or []
    if top is None:
        if feats or filters:
            rep.add(data, "hyperv_features and evmcs_filters need the 'hyperv' mapping")
        return 0
    n = 0

    def in_range(v, since, until="never"):
        return version_key(v) >= version_key(since) and (until == "never" or version_key(v) < version_key(until))

    # Enforcement.
    since = top.get("enforce_cpuid_since")
    if not isinstance(since, str) or not re.fullmatch(r"\d+\.\d+", since):
        rep.add(top, "hyperv.enforce_cpuid_since must be a quoted version")
    else:
        for k in kernels:
            has = re.search(r"#define\s+KVM_CAP_HYPERV_ENFORCE_CPUID\b", k.text("include/uapi/linux/kvm.h") or "")
            if bool(has) != in_range(k.version, since):
                rep.add(top, "hyperv: KVM_CAP_HYPERV_ENFORCE_CPUID is %s in %s, but enforce_cpuid_since is %s"
                        % ("defined" if has else "absent", k.version, since))
        if since not in versions and since not in (top.get("enforce_cpuid_source") or ""):
            rep.add(top, "hyperv: enforce_cpuid_since %s is not a source version; cite it in enforce_cpuid_source" % since)
    n += 1

    info = {k.version: (hv_defines(k), hv_cpuid_bits(k)) for k in kernels}
    names = {e.get("name") for e in feats}
    seen = set()

    def check_bit(owner, b, label, exposed_since):
        if not isinstance(b, dict) or set(b) != BIT_KEYS:
            rep.add(owner, "%s: a bit is {leaf, reg, bit, define}" % label)
            return
        seen.add((b["leaf"], b["reg"], b["define"]))
        for v in versions:
            defs, bits = info[v]
            if b["define"] in defs and defs[b["define"]] != b["bit"]:
                rep.add(owner, "%s: %s is BIT(%d) in %s, catalog says bit %d"
                        % (label, b["define"], defs[b["define"]], v, b["bit"]))
            shown = (b["leaf"], b["reg"], b["define"]) in bits
            if exposed_since is not None and shown != in_range(v, exposed_since):
                rep.add(owner, "%s: KVM %s %s in 0x%08x %s, but exposed_since is %s"
                        % (label, v, "sets %s" % b["define"] if shown else "does not set %s" % b["define"],
                           b["leaf"], b["reg"], exposed_since))

    check_bit(top, top.get("hypercall_bit"), "hyperv.hypercall_bit", versions[0])
    for e in feats:
        label = "hyperv_features[%s]" % e.get("name", "?")
        req, opt = HV_KEYS
        for k in req - set(e):
            rep.add(e, "%s: missing key %r" % (label, k))
        for k in set(e) - req - opt:
            rep.add(e, "%s: unknown key %r" % (label, k))
        if not re.fullmatch(r"hv-[a-z0-9-]+", e.get("name", "")):
            rep.add(e, "%s: enlightenments use QEMU's hv-* names" % label)
        for r in e.get("requires") or []:
            if r not in names:
                rep.add(e, "%s: requires unknown %r" % (label, r))
        exp = e.get("exposed_since")
        if exp not in versions and exp not in (e.get("source") or ""):
            rep.add(e, "%s: exposed_since %s is not a source version; cite it in source" % (label, exp))
        for b in e.get("bits") or []:
            check_bit(e, b, label, exp)
        n += 1

    for v in versions:
        for leaf, reg, define in sorted(info[v][1] - seen):
            if verbose:
                print("note: %s: KVM sets %s (0x%08x %s), which no enlightenment names: hidden by default deny"
                      % (v, define, leaf, reg))

    # eVMCS filters.
    controls = {}
    for c in data.get("vmx_controls") or []:
        controls[c.get("name")] = _tokens(c.get("source"))
    listed = {}
    for f in filters:
        label = "evmcs_filters[%s]" % f.get("control", "?")
        if set(f) != FILTER_KEYS:
            rep.add(f, "%s: keys are %s" % (label, ", ".join(sorted(FILTER_KEYS))))
            continue
        if f["control"] not in controls:
            rep.add(f, "%s: not a VMX control of the catalog" % label)
            continue
        listed[f["control"]] = f
    evmcs_kernels = [k for k in kernels if k.text("arch/x86/kvm/vmx/evmcs.h") or
                     k.text("arch/x86/kvm/vmx/hyperv_evmcs.h") or k.text("arch/x86/kvm/vmx/hyperv.h")]
    if len(evmcs_kernels) != len(kernels):
        rep.add(data, "evmcs_filters: some kernels lack vmx/evmcs.h and vmx/hyperv*.h (re-run scripts/fetch-kernel-sources)")
    computed = {k.version: evmcs_filtered(k, controls) for k in evmcs_kernels}
    for name in sorted(controls):
        f = listed.get(name)
        for v, filtered in computed.items():
            want = bool(f) and in_range(v, f["filtered_since"], f["filtered_until"])
            if (name in filtered) != want:
                rep.add(f or data, "evmcs_filters: KVM %s %s '%s' from an eVMCS L1, but the catalog says %s"
                        % (v, "hides" if name in filtered else "does not hide", name,
                           "it does" if want else "it does not"))
        n += bool(f)
    return n
