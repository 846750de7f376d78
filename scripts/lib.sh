# SPDX-License-Identifier: Apache-2.0
# Shared by scripts/demo and scripts/test.  Source it; do not run it.

KFP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=$(nproc 2>/dev/null || echo 2)

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else die "need root to run: $*"; fi
}

# ensure_packages PKG...: installs the Debian packages that are missing.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing Debian packages: ${missing[*]}"
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# What building and testing kfp needs.
BUILD_PACKAGES=(gcc make cmake pkg-config flex bison libyaml-dev libxxhash-dev
	libcmocka-dev libc6-dev linux-libc-dev python3 python3-yaml)
# The sanitizer and fuzzing pass uses clang and its runtimes.
FUZZ_PACKAGES=(clang libclang-rt-14-dev)

# configure_build DIR [CMAKE ARGS...]
configure_build() {
	local dir=$1; shift
	cmake -S "$KFP_ROOT" -B "$dir" -DKFP_WERROR=ON "$@" >/dev/null
	cmake --build "$dir" -j"$JOBS"
}

# The fleet harness (tests/fleet/, ctest label fleet): boots Debian's arm64
# kernels under qemu with static arm64 programs as /init, and Debian's
# x86_64 kernels under qemu TCG (their KVM modules are .ko.xz on 6.12).
FLEET_X86_PACKAGES=(qemu-system-x86 cpio gzip xz-utils)
FLEET_PACKAGES=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	linux-libc-dev-arm64-cross "${FLEET_X86_PACKAGES[@]}")

# The VMM-format tests check kfpc's output with the real tools: QEMU's
# model expansion and libvirt's schema and CPU map.
# virt-xml-validate runs xmllint (libxml2-utils).
VMM_PACKAGES=(qemu-system-x86 libvirt-clients libxml2-utils)
# docs.man renders the man pages with man(1) and groff.
DOC_PACKAGES=(man-db groff)
