# shellcheck shell=bash disable=SC2034
# SPDX-License-Identifier: Apache-2.0
# Shared by the tests/fleet scripts.  Source it; do not run it.
# Everything the fleet harness downloads or builds is kept under
# .cache/fleet/ (gitignored with .cache/):
#   .cache/fleet/debs/               the kernel .debs, kept for re-extraction
#   .cache/fleet/kernels/<series>/   dpkg -x of the kernel package; vmlinuz
#                                    (symlink) and .stamp
#   .cache/fleet/initrd/             initramfs images
#   .cache/fleet/logs/<series>.log   console of the last boot
#   .cache/fleet/facts/<series>.txt  the KFP-* lines of the last boot
#   .cache/fleet/x86_64/{kernels,initrd,logs,facts}/  the same for the x86
#                                    fleet (run-fleet --arch x86_64)

# shellcheck source=../../scripts/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lib.sh"

FLEET_CACHE=${KFP_FLEET_CACHE:-$KFP_ROOT/.cache/fleet}
FLEET_BUILD=${KFP_FLEET_BUILD:-$KFP_ROOT/build-aarch64}
FLEET_SERIES=(5.10 6.1 6.12)

# fleet_set_arch arm64|x86_64: the fleet's architecture.  Sets FLEET_ARCH,
# FLEET_DEB_ARCH (Debian's name), FLEET_DIR (the cache of that fleet's
# kernels, initrd, logs and facts: .cache/fleet for arm64, as before the x86
# fleet existed; .cache/fleet/x86_64 for x86_64) and FLEET_KERNELS.
fleet_set_arch() {
	case "$1" in
	arm64 | aarch64) FLEET_ARCH=arm64 FLEET_DEB_ARCH=arm64 FLEET_DIR=$FLEET_CACHE ;;
	x86_64 | amd64) FLEET_ARCH=x86_64 FLEET_DEB_ARCH=amd64 FLEET_DIR=$FLEET_CACHE/x86_64 ;;
	*) return 1 ;;
	esac
	FLEET_KERNELS=$FLEET_DIR/kernels
}
fleet_set_arch arm64

# x86_64: Debian builds KVM as modules.  Under qemu TCG -cpu max (AMD SVM
# with nested paging) these give a standard KVM, loaded in this order
# (rng-core only on 5.10: built in from 6.1).
FLEET_X86_MODULES=(irqbypass rng-core ccp kvm kvm-amd)
# The build of the static x86_64 kfp and /init of the x86 fleet.
FLEET_X86_BUILD=${KFP_FLEET_X86_BUILD:-$KFP_ROOT/build-x86_64-static}

# Exit code for "a prerequisite cannot be had" (ctest SKIP_RETURN_CODE).
FLEET_SKIP=77

fleet_skip() { echo "SKIP: $*"; exit "$FLEET_SKIP"; }

# fleet_host_packages: installs FLEET_PACKAGES (scripts/lib.sh) when missing.
# Returns non-zero (does not exit) when that is not possible.
fleet_host_packages() {
	local missing=() p
	for p in "${FLEET_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
		echo "fleet: missing packages ${missing[*]} and not root" >&2
		return 1
	fi
	# ensure_packages exits on failure: keep that inside a subshell.
	(ensure_packages "${missing[@]}") || {
		echo "fleet: could not install ${missing[*]}" >&2
		return 1
	}
}

# fleet_vmlinuz SERIES: the kernel fetch-kernels unpacked, or nothing.
fleet_vmlinuz() {
	local k="$FLEET_KERNELS/$1/vmlinuz"
	[ -e "$k" ] && readlink -f "$k"
	return 0
}

# fleet_profiles CPU DIR [REFRESH]: host profiles (docs/host-profile.md) of
# the fleet's kernels on the emulated CPU (qemu -cpu CPU), DIR/<series>.yaml,
# made by tests/fleet/facts-to-profile from fleet_probe's facts
# (facts/<series>.txt for max, facts/<series>.<CPU>.txt otherwise).  Boots
# fleet_probe for the kernels without facts, or with facts of a fleet_probe
# that did not record the cache description yet ("KFP-FACT cache"), and all
# of them with REFRESH=1.  Returns
# run-fleet's status on a failed boot (77: a prerequisite is missing).
fleet_profiles() {
	local cpu=$1 dir=$2 refresh=${3:-0} tag="" k rc=0 missing=()
	[ "$cpu" = max ] || tag=".$cpu"
	for k in "${FLEET_SERIES[@]}"; do
		if [ "$refresh" = 1 ] || ! grep -q '^KFP-END' "$FLEET_CACHE/facts/$k$tag.txt" 2>/dev/null ||
			! grep -q '^KFP-FACT cache ' "$FLEET_CACHE/facts/$k$tag.txt"; then
			missing+=("$k")
		fi
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "[$cpu] host profiles: booting fleet_probe on ${missing[*]}"
		mkdir -p "$FLEET_CACHE/logs"
		"$KFP_ROOT/tests/fleet/run-fleet" --program fleet_probe --cpu "$cpu" --tag "$tag" \
			--kernels "$(
				IFS=,
				echo "${missing[*]}"
			)" >"$FLEET_CACHE/logs/profiles$tag.out" 2>&1 || rc=$?
		if [ "$rc" -ne 0 ]; then
			grep '^SKIP:' "$FLEET_CACHE/logs/profiles$tag.out" || cat "$FLEET_CACHE/logs/profiles$tag.out"
			return "$rc"
		fi
	fi
	mkdir -p "$dir"
	for k in "${FLEET_SERIES[@]}"; do
		"$KFP_ROOT/tests/fleet/facts-to-profile" "$FLEET_CACHE/facts/$k$tag.txt" "$cpu-$k" \
			>"$dir/$k.yaml" || return 1
	done
}
